/* constituency.c - `kring constituency add|load|list`: the registry of
 * what each organisation owns (networks, AS numbers, domains, products),
 * its security contacts and its routes. A load keeps every valid row and
 * names each rejected one with its reason. */
#include "cli/cli.h"
#include "codec/csv.h"
#include "deliver/deliver.h"
#include "store/store.h"
#include "store/store_notify.h"
#include "util/alloc.h"
#include "util/err.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define LOAD_JSON_MAX      ((size_t)256 * 1024 * 1024)
#define LOAD_REJECTS_SHOWN 100
#define ORG_PAGE           1000
#define LIST_PAGE          1000

/* The organisations by id and name, for rows that name one. */
struct orgs {
	struct core_org *arr;
	size_t n;
};

static void orgs_free(struct orgs *o)
{
	kr_free(o->arr);
	o->arr = NULL;
	o->n = 0;
}

static int orgs_load(struct store *s, struct orgs *o)
{
	struct core_org *page = NULL;
	size_t n = 0, cap = 0;
	struct store_org_filter f = {.kind = -1, .limit = ORG_PAGE};
	int r;
	for (;;) {
		r = store_org_list(s, &f, &page, &n);
		if (r)
			return r;
		if (o->n + n > cap) {
			size_t ncap = (o->n + n) * 2;
			void *p = kr_realloc(o->arr, ncap * sizeof *o->arr);
			if (!p) {
				store_org_free(page, n);
				return KR_ENOMEM;
			}
			o->arr = p;
			cap = ncap;
		}
		if (n)
			memcpy(o->arr + o->n, page, n * sizeof *page);
		o->n += n;
		if (n)
			f.before_id = page[n - 1].id;
		store_org_free(page, n);
		if (n < ORG_PAGE)
			return 0;
	}
}

/* An organisation named by id or exact name. */
static const struct core_org *org_find(const struct orgs *o, const char *ref)
{
	int64_t id = 0;
	bool by_id = cli_parse_id(ref, &id) == 0;
	for (size_t i = 0; i < o->n; i++) {
		if (by_id ? o->arr[i].id == id : strcmp(o->arr[i].name, ref) == 0)
			return &o->arr[i];
	}
	return NULL;
}

/* "direct", "supplier:<org>", "linking:<org>" */
static int route_parse(const struct orgs *o, const char *v, enum store_route_kind *kind,
                       int64_t *via, const char **why)
{
	const char *colon = strchr(v, ':');
	char word[16];
	size_t n = colon ? (size_t)(colon - v) : strlen(v);
	*via = 0;
	if (n >= sizeof word)
		goto bad;
	memcpy(word, v, n);
	word[n] = '\0';
	int k = store_route_kind_parse(word);
	if (k < 0 || (k == STORE_ROUTE_DIRECT) != (colon == NULL))
		goto bad;
	*kind = (enum store_route_kind)k;
	if (colon) {
		const struct core_org *via_org = org_find(o, colon + 1);
		if (!via_org) {
			*why = "no such organisation to route through";
			return KR_EINVAL;
		}
		*via = via_org->id;
	}
	return 0;
bad:
	*why = "a route is direct, supplier:<organisation> or linking:<organisation>";
	return KR_EINVAL;
}

/* Applies one row; *why (why_buf for composed texts) on KR_EINVAL/ECONFLICT. */
static int apply_row(struct store *s, const struct orgs *o, const char *org, const char *type,
                     const char *value, const char *name, const char *lang, char *why_buf,
                     size_t whylen, const char **why)
{
	const struct core_org *target = org && *org ? org_find(o, org) : NULL;
	*why = NULL;
	if (!target) {
		*why = "no such organisation";
		return KR_EINVAL;
	}
	if (!type || !value || !*value) {
		*why = "type and value are required";
		return KR_EINVAL;
	}
	int k = store_reg_kind_parse(type);
	int r;
	if (k >= 0) {
		struct store_registration reg;
		memset(&reg, 0, sizeof reg);
		reg.org_id = target->id;
		r = deliver_registration_parse((enum store_reg_kind)k, value, &reg, why);
		if (!r)
			r = store_registration_add(s, &reg);
		if (r == KR_ECONFLICT) {
			struct store_registration old;
			if (reg.kind <= STORE_REG_DOMAIN &&
			    store_registration_find(s, reg.kind, reg.value, &old) == 0)
				snprintf(why_buf, whylen,
				         "%s %.200s is registered to organisation %" PRId64, type,
				         reg.value, old.org_id);
			else
				snprintf(why_buf, whylen, "%s %.200s is registered already", type,
				         reg.value);
			*why = why_buf;
		}
		return r;
	}
	if (strcmp(type, "contact") == 0) {
		struct store_contact ct;
		memset(&ct, 0, sizeof ct);
		ct.org_id = target->id;
		r = deliver_contact_parse(name, value, lang, &ct, why);
		if (!r)
			r = store_contact_add(s, &ct);
		if (r == KR_ECONFLICT)
			*why = "the organisation has this contact already";
		return r;
	}
	if (strcmp(type, "route") == 0) {
		struct store_route rt;
		memset(&rt, 0, sizeof rt);
		rt.org_id = target->id;
		r = route_parse(o, value, &rt.kind, &rt.via_org_id, why);
		if (!r)
			r = deliver_route_check(s, rt.org_id, rt.kind, rt.via_org_id, why);
		if (!r)
			r = store_route_add(s, &rt);
		if (r == KR_ECONFLICT)
			*why = "the organisation has this route already";
		return r;
	}
	*why = "type must be prefix, asn, domain, product, cpe, contact or route";
	return KR_EINVAL;
}

/* ---- load ---- */

struct loader {
	struct cli *c;
	struct store *s;
	struct orgs orgs;
	int64_t rows, added, rejected;
	int col_org, col_type, col_value, col_name, col_lang;
	bool header;
	size_t ncols;
};

/* Counts the row's outcome; a storage failure stops the load. */
static int outcome(struct loader *l, uint64_t row, int r, const char *why)
{
	l->rows++;
	if (!r) {
		l->added++;
		return 0;
	}
	if (r != KR_EINVAL && r != KR_ECONFLICT && r != KR_ENOTFOUND)
		return cli_fail(l->c, r, "row %" PRIu64 ": %s", row, store_errmsg(l->s));
	l->rejected++;
	if (l->rejected <= LOAD_REJECTS_SHOWN)
		printf("rejected: row %" PRIu64 ": %s\n", row, why ? why : kr_strerror(r));
	return 0;
}

static const char *field_of(const struct csv_record *rec, int col)
{
	return col >= 0 && (size_t)col < rec->nfields ? rec->field[col] : "";
}

static int on_csv(void *ctx, const struct csv_record *rec)
{
	struct loader *l = ctx;
	char buf[512];
	const char *why = NULL;
	if (!l->header) {
		if (rec->error)
			return cli_fail(l->c, KR_EINVAL, "the header cannot be read: %s",
			                rec->error);
		l->col_org = l->col_type = l->col_value = l->col_name = l->col_lang = -1;
		for (size_t i = 0; i < rec->nfields; i++) {
			const char *f = rec->field[i];
			int *col = !strcmp(f, "org") || !strcmp(f, "organisation") ? &l->col_org
			           : !strcmp(f, "type")                            ? &l->col_type
			           : !strcmp(f, "value")                           ? &l->col_value
			           : !strcmp(f, "name")                            ? &l->col_name
			           : !strcmp(f, "lang") || !strcmp(f, "language")  ? &l->col_lang
			                                                           : NULL;
			if (col && *col < 0)
				*col = (int)i;
		}
		if (l->col_org < 0 || l->col_type < 0 || l->col_value < 0)
			return cli_fail(l->c, KR_EINVAL,
			                "the header needs the columns org, type and "
			                "value (and name, lang for contacts)");
		l->header = true;
		l->ncols = rec->nfields;
		return 0;
	}
	uint64_t row = rec->number - 1;
	if (rec->error)
		return outcome(l, row, KR_EINVAL, rec->error);
	if (rec->nfields > l->ncols)
		return outcome(l, row, KR_EINVAL, "more fields than the header has columns");
	int r = apply_row(l->s, &l->orgs, field_of(rec, l->col_org), field_of(rec, l->col_type),
	                  field_of(rec, l->col_value), field_of(rec, l->col_name),
	                  field_of(rec, l->col_lang), buf, sizeof buf, &why);
	return outcome(l, row, r, why);
}

static int load_csv(struct loader *l, FILE *f)
{
	struct csv_reader *cr = NULL;
	char buf[65536];
	size_t n;
	int r = csv_reader_new(NULL, on_csv, l, &cr);
	if (r)
		return cli_fail(l->c, r, "out of memory");
	while (!r && (n = fread(buf, 1, sizeof buf, f)) > 0)
		r = csv_reader_feed(cr, buf, n);
	if (!r && ferror(f))
		r = cli_fail(l->c, KR_EIO, "cannot read the file");
	if (!r)
		r = csv_reader_finish(cr);
	if (!r && !l->header)
		r = cli_fail(l->c, KR_EINVAL, "the file is empty");
	csv_reader_free(cr);
	return r;
}

static const char *json_text(json_t *o, const char *k, char *buf, size_t n)
{
	json_t *v = json_object_get(o, k);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return "";
}

static int load_json(struct loader *l, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	json_error_t jerr;
	int r = cli_read_file(path, LOAD_JSON_MAX, &text, &len);
	if (r)
		return cli_fail(l->c, r, "cannot read %s", path);
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	kr_free(text);
	if (!doc)
		return cli_fail(l->c, KR_EINVAL, "%s:%d: %s", path, jerr.line, jerr.text);
	json_t *rows = json_is_array(doc) ? doc : json_object_get(doc, "rows");
	if (!json_is_array(rows)) {
		json_decref(doc);
		return cli_fail(l->c, KR_EINVAL,
		                "expected a JSON array of rows or {\"rows\": [...]}");
	}
	for (size_t i = 0; !r && i < json_array_size(rows); i++) {
		json_t *row = json_array_get(rows, i);
		char b1[32], b2[32], b3[32], why_buf[512];
		const char *why = NULL;
		int rr;
		if (!json_is_object(row)) {
			rr = KR_EINVAL;
			why = "a row is an object";
		} else {
			rr = apply_row(
			    l->s, &l->orgs, json_text(row, "org", b1, sizeof b1),
			    json_text(row, "type", b2, sizeof b2),
			    json_text(row, "value", b3, sizeof b3), json_text(row, "name", NULL, 0),
			    json_text(row, "lang", NULL, 0), why_buf, sizeof why_buf, &why);
		}
		r = outcome(l, i + 1, rr, why);
	}
	json_decref(doc);
	return r;
}

static int load_run(struct cli *c, const struct cli_args *a)
{
	struct loader l;
	const char *path = a->pos[0];
	int ch = EOF;
	memset(&l, 0, sizeof l);
	l.c = c;
	FILE *f = fopen(path, "rb");
	if (!f)
		return cli_fail(c, KR_EIO, "cannot read %s: %s", path, strerror(errno));
	while ((ch = fgetc(f)) == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
		;
	rewind(f);
	int r = cli_store_open(c, &l.s);
	if (!r)
		r = orgs_load(l.s, &l.orgs);
	if (!r)
		r = store_begin(l.s);
	if (r) {
		cli_fail(c, r, "cannot open the store: %s", kr_strerror(r));
		goto out;
	}
	/* One transaction: a refused row is one failed statement, the rest
	 * stays; the whole load is durable at once. */
	r = (ch == '[' || ch == '{') ? load_json(&l, path) : load_csv(&l, f);
	if (!r)
		r = cli_audit_write(l.s, 0, "constituency", 0, "load");
	if (r) {
		store_rollback(l.s);
		cli_fail(c, r, "the load was not saved: %s", kr_strerror(r));
		goto out;
	}
	r = store_commit(l.s);
	if (r) {
		cli_fail(c, r, "the load was not saved: %s", store_errmsg(l.s));
		goto out;
	}
	if (l.rejected > LOAD_REJECTS_SHOWN)
		printf("rejected: ... %" PRId64 " more\n", l.rejected - LOAD_REJECTS_SHOWN);
	printf("rows: %" PRId64 "\nadded: %" PRId64 "\nrows_rejected: %" PRId64 "\n", l.rows,
	       l.added, l.rejected);
out:
	fclose(f);
	orgs_free(&l.orgs);
	if (l.s)
		store_close(l.s);
	return r;
}

static const struct cli_optspec load_opts[] = {{.name = NULL}};

const struct cli_command cli_cmd_constituency_load = {
    .group = "constituency",
    .verb = "load",
    .summary = "bulk-load registrations, contacts and routes (CSV or JSON)",
    .usage = "usage: kring constituency load FILE\n"
             "\n"
             "FILE is CSV with the header org,type,value[,name,lang] or JSON: an array of\n"
             "{\"org\",\"type\",\"value\",\"name\",\"lang\"} objects. org is an organisation id\n"
             "or its exact name; type is one of\n"
             "  prefix    192.0.2.0/24, 2001:db8::/32 or an address\n"
             "  asn       64500 or AS64500\n"
             "  domain    example.nl (covers its subdomains)\n"
             "  product   vendor:product[:min_version[:max_version]]\n"
             "  cpe       cpe:2.3:a:vendor:product:version:...\n"
             "  contact   a personal e-mail address, with name and lang (nl or en)\n"
             "  route     direct, supplier:<organisation> (the organisation's consent that\n"
             "            findings about it go to its IT supplier) or linking:<organisation>\n"
             "Valid rows are kept; each rejected row is printed with its reason.\n",
    .opts = load_opts,
    .min_pos = 1,
    .max_pos = 1,
    .needs_config = true,
    .run = load_run,
};

/* ---- add ---- */

static int add_run(struct cli *c, const struct cli_args *a)
{
	static const char *const kinds[] = {"prefix", "asn",     "domain", "product",
	                                    "cpe",    "contact", "route"};
	struct orgs orgs = {0};
	struct store *s = NULL;
	char why_buf[512];
	int added = 0;
	const char *org = cli_arg(a, "org");
	const char *lang = cli_arg(a, "lang");
	if (lang && lang_parse(lang) < 0)
		return cli_usage(c, "--lang: expected nl or en");
	int r = cli_store_open(c, &s);
	if (!r)
		r = orgs_load(s, &orgs);
	if (!r)
		r = store_begin(s);
	if (r) {
		cli_fail(c, r, "cannot open the store: %s", kr_strerror(r));
		goto out;
	}
	if (!org_find(&orgs, org)) {
		r = cli_fail(c, KR_ENOTFOUND, "--org: no organisation '%.60s'", org);
		goto fail;
	}
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		for (int i = 0; i < cli_arg_count(a, kinds[k]); i++) {
			const char *v = cli_arg_at(a, kinds[k], i);
			const char *why = NULL;
			char name[CORE_NAME_MAX + 1] = "";
			char email[CORE_EMAIL_MAX + 1];
			const char *value = v;
			if (!strcmp(kinds[k], "contact")) {
				/* "Name <address>" */
				const char *lt = strchr(v, '<');
				const char *gt = lt ? strchr(lt, '>') : NULL;
				if (!lt || !gt || gt[1]) {
					r = cli_fail(c, KR_EINVAL,
					             "--contact: expected \"Name "
					             "<address>\", got '%.80s'",
					             v);
					goto fail;
				}
				size_t nl = (size_t)(lt - v);
				while (nl && v[nl - 1] == ' ')
					nl--;
				snprintf(name, sizeof name, "%.*s", (int)nl, v);
				snprintf(email, sizeof email, "%.*s", (int)(gt - lt - 1), lt + 1);
				value = email;
			}
			r = apply_row(s, &orgs, org, kinds[k], value, name, lang ? lang : "en",
			              why_buf, sizeof why_buf, &why);
			if (r) {
				cli_fail(c, r, "--%s %.80s: %s", kinds[k], v,
				         why ? why : kr_strerror(r));
				goto fail;
			}
			added++;
		}
	}
	if (added == 0) {
		r = cli_usage(c,
		              "nothing to add: give --prefix, --asn, --domain, --product, --cpe, "
		              "--contact or --route");
		goto fail;
	}
	r = cli_audit_write(s, 0, "constituency", org_find(&orgs, org)->id, "add");
	if (r)
		goto fail;
	r = store_commit(s);
	if (r) {
		cli_fail(c, r, "cannot save: %s", store_errmsg(s));
		goto out;
	}
	printf("%d\n", added);
	goto out;
fail:
	store_rollback(s);
out:
	orgs_free(&orgs);
	if (s)
		store_close(s);
	return r;
}

static const struct cli_optspec add_opts[] = {
    {.name = "org", .has_arg = true, .required = true},
    {.name = "prefix", .has_arg = true, .max = CLI_MAX_REPEAT},
    {.name = "asn", .has_arg = true, .max = CLI_MAX_REPEAT},
    {.name = "domain", .has_arg = true, .max = CLI_MAX_REPEAT},
    {.name = "product", .has_arg = true, .max = CLI_MAX_REPEAT},
    {.name = "cpe", .has_arg = true, .max = CLI_MAX_REPEAT},
    {.name = "contact", .has_arg = true, .max = CLI_MAX_REPEAT},
    {.name = "lang", .has_arg = true},
    {.name = "route", .has_arg = true, .max = CLI_MAX_REPEAT},
    {.name = NULL},
};

const struct cli_command cli_cmd_constituency_add = {
    .group = "constituency",
    .verb = "add",
    .summary = "register networks, domains, products, contacts or routes of an organisation",
    .usage = "usage: kring constituency add --org ORG [--prefix P]... [--asn N]...\n"
             "            [--domain D]... [--product V:P[:MIN[:MAX]]]... [--cpe C]...\n"
             "            [--contact \"Name <address>\"]... [--lang nl|en] [--route R]...\n"
             "\n"
             "ORG is an organisation id or exact name. Everything is added in one\n"
             "transaction, or nothing when one value is refused. --lang is the language\n"
             "of the contacts (default en). A route is direct, supplier:<organisation>\n"
             "or linking:<organisation>. Prints how many entries were added.\n",
    .opts = add_opts,
    .needs_config = true,
    .run = add_run,
};

/* ---- list ---- */

static int list_run(struct cli *c, const struct cli_args *a)
{
	struct store *s = NULL;
	struct store_registration *regs = NULL;
	struct store_contact *cts = NULL;
	struct store_route *rts = NULL;
	size_t nregs = 0, ncts = 0, nrts = 0;
	int64_t org = 0;
	if (cli_parse_id(cli_arg(a, "org"), &org))
		return cli_usage(c, "--org: expected an organisation id");
	int r = cli_store_open(c, &s);
	if (r)
		return r;
	int64_t before = 0;
	do {
		r = store_registration_list(s, org, before, LIST_PAGE, &regs, &nregs);
		for (size_t i = 0; !r && i < nregs; i++) {
			printf("%s\t%s\n", store_reg_kind_name(regs[i].kind), regs[i].value);
			before = regs[i].id;
		}
		store_registration_free(regs);
		regs = NULL;
	} while (!r && nregs == LIST_PAGE);
	if (!r)
		r = store_contact_list(s, org, &cts, &ncts);
	for (size_t i = 0; !r && i < ncts; i++)
		printf("contact\t%s <%s> %s\n", cts[i].name, cts[i].email, lang_name(cts[i].lang));
	if (!r)
		r = store_route_list(s, org, &rts, &nrts);
	for (size_t i = 0; !r && i < nrts; i++) {
		if (rts[i].kind == STORE_ROUTE_DIRECT)
			printf("route\tdirect\n");
		else
			printf("route\t%s:%" PRId64 "\n", store_route_kind_name(rts[i].kind),
			       rts[i].via_org_id);
	}
	store_contact_free(cts);
	store_route_free(rts);
	store_close(s);
	return r ? cli_fail(c, r, "cannot read the registry: %s", kr_strerror(r)) : 0;
}

static const struct cli_optspec list_opts[] = {
    {.name = "org", .has_arg = true, .required = true},
    {.name = NULL},
};

const struct cli_command cli_cmd_constituency_list = {
    .group = "constituency",
    .verb = "list",
    .summary = "show an organisation's registrations, contacts and routes",
    .usage = "usage: kring constituency list --org ID\n"
             "\n"
             "Prints KIND<TAB>VALUE lines: registrations (newest first), contacts, routes.\n",
    .opts = list_opts,
    .needs_config = true,
    .run = list_run,
};
