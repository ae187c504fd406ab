/* input.c - the inputs of a notification run, read as a stream of events:
 * Shadowserver report CSVs (codec/shadowserver.h), plain lists (an
 * address, network, domain or URL per line with an optional time and
 * description), STIX 2.1 indicators and sightings (codec/stix.h) and
 * product advisories (CSV: CVE and affected products). The format is
 * detected from the first line unless --type names it. Bad rows are
 * rejected with a reason and never stop the stream. */
#include "codec/csv.h"
#include "codec/shadowserver.h"
#include "codec/stix.h"
#include "match/match.h"
#include "notify/notify.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

#define LIST_FIELDS         3
#define ADVISORY_FIELDS_MAX 64

static const char *const format_names[] = {"auto", "shadowserver", "list", "stix", "advisory"};

const char *notify_format_name(enum notify_format f)
{
	return (unsigned)f < NOTIFY_FMT__COUNT ? format_names[f] : "unknown";
}

int notify_format_parse(const char *s)
{
	for (int i = 0; s && i < NOTIFY_FMT__COUNT; i++) {
		if (strcmp(s, format_names[i]) == 0)
			return i;
	}
	return -1;
}

enum adv_col { ADV_CVE, ADV_VENDOR, ADV_PRODUCT, ADV_MIN, ADV_MAX, ADV_CPE, ADV_TITLE, ADV__COUNT };

struct notify_input {
	enum notify_format fmt; /* NOTIFY_FMT_AUTO until detected */
	char hint[NOTIFY_TYPE_MAX + 1];
	char name[256];
	struct notify_input_handler h;
	struct notify_input_stats st;
	bool started, finished, failed;
	int stop;           /* a handler's stop value */
	struct strbuf head; /* bytes kept for detection */
	char *columns;
	/* shadowserver */
	struct shadow_reader *sr;
	char shadow_type[NOTIFY_TYPE_MAX + 1];
	char shadow_category[NOTIFY_TYPE_MAX + 1];
	const char **padded; /* fields padded to the header's width */
	size_t npadded;
	/* list */
	struct strbuf line;
	bool overlong;
	uint64_t lineno, line_start;
	/* stix */
	struct strbuf all;
	/* advisory */
	struct csv_reader *cr;
	bool header_done;
	size_t ncolumns;
	int col[ADV__COUNT];
};

/* Reports a rejected row; remembers the handler's stop value. */
static int reject(struct notify_input *in, uint64_t row, uint64_t line, const char *reason)
{
	in->st.rejected++;
	if (!in->h.reject)
		return 0;
	int r = in->h.reject(in->h.ctx, row, line, reason);
	if (r)
		in->stop = r;
	return r;
}

static int emit(struct notify_input *in, const struct notify_event *ev)
{
	in->st.events++;
	int r = in->h.event(in->h.ctx, ev);
	if (r)
		in->stop = r;
	return r;
}

static int set_columns(struct notify_input *in, const char *text)
{
	if (in->columns)
		return 0;
	in->columns = kr_strdup(text);
	return in->columns ? 0 : KR_ENOMEM;
}

bool notify_type_known(const char *type)
{
	if (!type)
		return false;
	if (notify_format_parse(type) >= 0)
		return true;
	for (size_t i = 0; shadow_known_type(i); i++) {
		if (strcmp(shadow_known_type(i), type) == 0)
			return true;
	}
	return false;
}

int notify_input_new(const struct notify_input_options *opt, const struct notify_input_handler *h,
                     struct notify_input **out)
{
	if (!h || !h->event || !out)
		return KR_EINVAL;
	*out = NULL;
	enum notify_format fmt = NOTIFY_FMT_AUTO;
	const char *type = opt && opt->type ? opt->type : "";
	const char *hint = "";
	if (*type) {
		int f = notify_format_parse(type);
		if (f < 0) {
			if (!notify_type_known(type))
				return KR_EINVAL;
			fmt = NOTIFY_FMT_SHADOWSERVER;
			hint = type;
		} else {
			fmt = (enum notify_format)f;
		}
	}
	struct notify_input *in = kr_calloc(1, sizeof *in);
	if (!in)
		return KR_ENOMEM;
	in->fmt = fmt;
	in->h = *h;
	snprintf(in->hint, sizeof in->hint, "%s", hint);
	snprintf(in->name, sizeof in->name, "%s", opt && opt->name ? opt->name : "");
	strbuf_init(&in->head, NOTIFY_LINE_MAX + 1);
	strbuf_init(&in->line, NOTIFY_LINE_MAX);
	strbuf_init(&in->all, STIX_MAX_INPUT);
	*out = in;
	return 0;
}

void notify_input_free(struct notify_input *in)
{
	if (!in)
		return;
	shadow_reader_free(in->sr);
	csv_reader_free(in->cr);
	strbuf_release(&in->head);
	strbuf_release(&in->line);
	strbuf_release(&in->all);
	kr_free(in->columns);
	kr_free(in->padded);
	kr_free(in);
}

enum notify_format notify_input_format(const struct notify_input *in)
{
	return in ? in->fmt : NOTIFY_FMT_AUTO;
}

const char *notify_input_type(const struct notify_input *in)
{
	return in ? in->shadow_type : "";
}

const char *notify_input_columns(const struct notify_input *in)
{
	return in && in->columns ? in->columns : "";
}

void notify_input_stats(const struct notify_input *in, struct notify_input_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!in)
		return;
	*out = in->st;
	if (in->sr) {
		struct shadow_stats ss;
		shadow_reader_stats(in->sr, &ss);
		out->rows = ss.rows;
		out->rejected = in->st.rejected;
	}
}

/* ---- Shadowserver ---- */

static int shadow_on_event(void *ctx, const struct shadow_event *ev)
{
	struct notify_input *in = ctx;
	struct notify_event ne;
	int r;
	if (!in->columns) {
		struct strbuf sb;
		strbuf_init(&sb, 0);
		r = notify_csv_line(&sb, ev->column, ev->ncolumns);
		if (!r)
			r = set_columns(in, sb.buf ? sb.buf : "");
		strbuf_release(&sb);
		if (r)
			return r;
		snprintf(in->shadow_type, sizeof in->shadow_type, "%s", ev->type->type);
		snprintf(in->shadow_category, sizeof in->shadow_category, "%s", ev->type->category);
		in->padded = kr_calloc(ev->ncolumns ? ev->ncolumns : 1, sizeof *in->padded);
		if (!in->padded)
			return KR_ENOMEM;
		in->npadded = ev->ncolumns;
	}
	memset(&ne, 0, sizeof ne);
	ne.row = ev->row;
	ne.line = ev->line;
	ne.type = in->shadow_type;
	ne.category = in->shadow_category;
	ne.time_ms = ev->time_ms;
	if (ev->ip.family) {
		ne.family = ev->ip.family;
		memcpy(ne.addr, ev->ip.addr, sizeof ne.addr);
		ne.plen = ev->ip.plen;
	}
	ne.domain = ev->hostname[0] ? ev->hostname : NULL;
	ne.asn = ev->asn;
	ne.port = ev->port;
	ne.detail = ev->infection[0] ? ev->infection : ev->tag;
	/* Short rows are read with the missing fields empty. */
	for (size_t i = 0; i < in->npadded; i++)
		in->padded[i] = i < ev->nfields ? ev->field[i] : "";
	ne.nfields = in->npadded;
	ne.field = in->padded;
	return emit(in, &ne);
}

static int shadow_on_reject(void *ctx, const struct shadow_reject *rj)
{
	struct notify_input *in = ctx;
	return reject(in, rj->row, rj->line, rj->reason);
}

static int shadow_start(struct notify_input *in)
{
	struct shadow_options so;
	memset(&so, 0, sizeof so);
	so.csv.max_record = NOTIFY_LINE_MAX;
	so.hint = in->hint[0] ? in->hint : (in->name[0] ? in->name : NULL);
	struct shadow_handler sh = {
	    .event = shadow_on_event, .reject = shadow_on_reject, .ctx = in};
	return shadow_reader_new(&so, &sh, &in->sr);
}

/* ---- plain lists ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A time: RFC 3339, "YYYY-MM-DD HH:MM:SS" (UTC) or seconds since the epoch. */
static int parse_time(const char *s, int64_t *ms)
{
	char buf[64];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof buf - 1)
		return KR_EINVAL;
	bool digits = true;
	for (size_t i = 0; i < n; i++)
		digits = digits && isdigit((unsigned char)s[i]);
	if (digits && n <= 11) {
		*ms = strtoll(s, NULL, 10) * 1000;
		return 0;
	}
	if (time_parse_rfc3339(s, ms) == 0)
		return 0;
	if (n == 19 && s[10] == ' ') {
		memcpy(buf, s, n);
		buf[10] = 'T';
		buf[19] = 'Z';
		buf[20] = '\0';
		return time_parse_rfc3339(buf, ms);
	}
	return KR_EINVAL;
}

/* Reads the value of a list line into ev (addr/domain/asn); *why on failure. */
static int list_value(const char *v, struct notify_event *ev, char *host, size_t hostlen,
                      const char **why)
{
	char norm[CORE_INDICATOR_MAX + 1];
	unsigned plen = 0;
	int family = 0;
	const char *sep = strstr(v, "://");
	if (sep) {
		if (core_indicator_normalise(IND_URL, v, norm, why))
			return KR_EINVAL;
		/* the host: after the scheme and any user, before port or path */
		const char *h = strstr(norm, "://") + 3;
		size_t n = strcspn(h, "/?#");
		const char *at = memchr(h, '@', n);
		if (at) {
			n -= (size_t)(at + 1 - h);
			h = at + 1;
		}
		if (n && h[0] == '[') {
			const char *close = memchr(h, ']', n);
			if (!close)
				goto bad_host;
			n = (size_t)(close - h - 1);
			h++;
		} else {
			const char *colon = memchr(h, ':', n);
			if (colon)
				n = (size_t)(colon - h);
		}
		if (n == 0 || n >= hostlen)
			goto bad_host;
		memcpy(host, h, n);
		host[n] = '\0';
		v = host;
	}
	if (match_parse_prefix(v, &family, ev->addr, &plen) == 0) {
		ev->family = family;
		ev->plen = plen;
		return 0;
	}
	if (strchr(v, '/')) {
		*why = "not a network (host bits must be clear, e.g. 192.0.2.0/24)";
		return KR_EINVAL;
	}
	if ((v[0] == 'A' || v[0] == 'a') && (v[1] == 'S' || v[1] == 's') &&
	    isdigit((unsigned char)v[2])) {
		if (core_indicator_normalise(IND_ASN, v, norm, why))
			return KR_EINVAL;
		ev->asn = (uint32_t)strtoul(norm, NULL, 10);
		return 0;
	}
	if (strspn(v, "0123456789.") == strlen(v)) {
		*why = "not a valid IPv4 address";
		return KR_EINVAL;
	}
	char name[MATCH_DOMAIN_MAX + 1];
	if (strchr(v, '.') && match_domain_normalise(v, strlen(v), name) == 0) {
		snprintf(host, hostlen, "%s", name);
		ev->domain = host;
		return 0;
	}
	*why = "not an IP address, network, AS number, domain or URL";
	return KR_EINVAL;
bad_host:
	*why = "the URL has no usable host";
	return KR_EINVAL;
}

static int list_line(struct notify_input *in, char *s, size_t len, uint64_t line)
{
	struct notify_event ev;
	char host[MATCH_DOMAIN_MAX + 64];
	char reason[NOTIFY_REASON_MAX];
	const char *fields[LIST_FIELDS] = {"", "", ""};
	const char *why = NULL;
	char *value, *when = NULL, *desc = NULL;

	if (memchr(s, '\0', len)) {
		in->st.rows++;
		return reject(in, in->st.rows, line, "binary data (a NUL byte)");
	}
	while (len && is_blank(s[len - 1]))
		s[--len] = '\0';
	while (*s && is_blank(*s))
		s++;
	if (!*s || *s == '#')
		return 0;
	in->st.rows++;
	uint64_t row = in->st.rows;
	if (!core_utf8_valid(s, strlen(s), false))
		return reject(in, row, line, "binary data or text that is not UTF-8");
	/* value [time] [description]: split on tabs, else commas, else blanks */
	char sepc = strchr(s, '\t') ? '\t' : strchr(s, ',') ? ',' : ' ';
	value = s;
	char *p = strchr(s, sepc);
	if (p) {
		*p++ = '\0';
		while (sepc == ' ' && *p == ' ')
			p++;
		char *q = strchr(p, sepc);
		if (q)
			*q++ = '\0';
		int64_t t;
		if (parse_time(p, &t) == 0) {
			when = p;
			desc = q;
		} else if (sepc == ' ') {
			/* no time: the rest is the description */
			if (q)
				q[-1] = ' ';
			desc = p;
		} else {
			if (*p) {
				snprintf(reason, sizeof reason, "unreadable time '%.40s'", p);
				for (char *c = reason; *c; c++) {
					if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
						*c = '?';
				}
				return reject(in, row, line, reason);
			}
			desc = q;
		}
	}
	memset(&ev, 0, sizeof ev);
	ev.port = -1;
	ev.row = row;
	ev.line = line;
	ev.type = "list";
	ev.category = "";
	if (list_value(value, &ev, host, sizeof host, &why)) {
		snprintf(reason, sizeof reason, "%s", why ? why : "unreadable value");
		return reject(in, row, line, reason);
	}
	if (when)
		parse_time(when, &ev.time_ms);
	ev.detail = desc ? desc : "";
	fields[0] = value;
	fields[1] = when ? when : "";
	fields[2] = desc ? desc : "";
	ev.nfields = LIST_FIELDS;
	ev.field = fields;
	return emit(in, &ev);
}

static int list_feed(struct notify_input *in, const char *data, size_t len)
{
	int r = 0;
	for (size_t i = 0; !r && i < len;) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (data + i)) : len - i;
		if (in->line.len == 0 && !in->overlong)
			in->line_start = in->lineno + 1;
		if (!in->overlong && strbuf_add(&in->line, data + i, n) == KR_ELIMIT) {
			in->overlong = true;
			strbuf_reset(&in->line);
		}
		i += n;
		if (!nl)
			break;
		i++;
		in->lineno++;
		if (in->overlong) {
			in->st.rows++;
			r = reject(in, in->st.rows, in->line_start, "line longer than 65536 bytes");
			in->overlong = false;
		} else {
			r = list_line(in, in->line.buf ? in->line.buf : (char *)"", in->line.len,
			              in->line_start);
		}
		strbuf_reset(&in->line);
	}
	return r;
}

static int list_finish(struct notify_input *in)
{
	int r = 0;
	if (in->overlong) {
		in->st.rows++;
		r = reject(in, in->st.rows, in->line_start, "line longer than 65536 bytes");
	} else if (in->line.len) {
		in->lineno++;
		r = list_line(in, in->line.buf, in->line.len, in->line_start);
	}
	strbuf_reset(&in->line);
	return r;
}

/* ---- advisories (CSV) ---- */

static int adv_column(const char *name)
{
	static const struct {
		const char *name;
		int col;
	} names[] = {
	    {"cve", ADV_CVE},         {"cve_id", ADV_CVE},        {"vendor", ADV_VENDOR},
	    {"product", ADV_PRODUCT}, {"version_min", ADV_MIN},   {"min_version", ADV_MIN},
	    {"version_max", ADV_MAX}, {"max_version", ADV_MAX},   {"cpe", ADV_CPE},
	    {"title", ADV_TITLE},     {"description", ADV_TITLE}, {"summary", ADV_TITLE},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcasecmp(name, names[i].name) == 0)
			return names[i].col;
	}
	return -1;
}

static const char *adv_field(const struct notify_input *in, const struct csv_record *rec,
                             enum adv_col c)
{
	int i = in->col[c];
	return i >= 0 && (size_t)i < rec->nfields ? rec->field[i] : "";
}

static int adv_header(struct notify_input *in, const struct csv_record *rec)
{
	struct strbuf sb;
	for (int c = 0; c < ADV__COUNT; c++)
		in->col[c] = -1;
	for (size_t i = 0; i < rec->nfields; i++) {
		int c = adv_column(rec->field[i]);
		if (c >= 0 && in->col[c] < 0)
			in->col[c] = (int)i;
	}
	if (in->col[ADV_CVE] < 0 ||
	    (in->col[ADV_CPE] < 0 && (in->col[ADV_VENDOR] < 0 || in->col[ADV_PRODUCT] < 0))) {
		in->failed = true;
		reject(in, 0, rec->line,
		       "an advisory needs the columns cve and either cpe or "
		       "vendor and product");
		return KR_EINVAL;
	}
	in->ncolumns = rec->nfields;
	strbuf_init(&sb, 0);
	int r = notify_csv_line(&sb, rec->field, rec->nfields);
	if (!r)
		r = set_columns(in, sb.buf ? sb.buf : "");
	strbuf_release(&sb);
	if (!r) {
		in->padded = kr_calloc(rec->nfields, sizeof *in->padded);
		in->npadded = rec->nfields;
		if (!in->padded)
			r = KR_ENOMEM;
	}
	in->header_done = true;
	return r;
}

static int adv_record(void *ctx, const struct csv_record *rec)
{
	struct notify_input *in = ctx;
	struct notify_event ev;
	struct match_cpe cpe;
	char cve[CORE_INDICATOR_MAX + 1];
	char reason[NOTIFY_REASON_MAX];
	const char *why = NULL;
	if (!in->header_done && !rec->error)
		return adv_header(in, rec);
	if (!in->header_done) {
		in->failed = true;
		reject(in, 0, rec->line, rec->error);
		return KR_EINVAL;
	}
	in->st.rows++;
	uint64_t row = in->st.rows;
	if (rec->error)
		return reject(in, row, rec->line, rec->error);
	if (rec->nfields > in->ncolumns)
		return reject(in, row, rec->line, "more fields than the header has columns");
	if (!rec->terminated && rec->nfields < in->ncolumns)
		return reject(in, row, rec->line, "truncated row at the end of the input");
	if (core_indicator_normalise(IND_CVE, adv_field(in, rec, ADV_CVE), cve, &why)) {
		snprintf(reason, sizeof reason, "cve: %s", why ? why : "not a CVE id");
		return reject(in, row, rec->line, reason);
	}
	memset(&ev, 0, sizeof ev);
	ev.row = row;
	ev.line = rec->line;
	ev.type = "advisory";
	ev.category = "vulnerable-product";
	ev.port = -1;
	ev.cve = cve;
	ev.detail = adv_field(in, rec, ADV_TITLE);
	ev.vendor = adv_field(in, rec, ADV_VENDOR);
	ev.product = adv_field(in, rec, ADV_PRODUCT);
	ev.min_version = adv_field(in, rec, ADV_MIN);
	ev.max_version = adv_field(in, rec, ADV_MAX);
	const char *cpe_text = adv_field(in, rec, ADV_CPE);
	if (*cpe_text) {
		if (match_cpe_parse(cpe_text, &cpe))
			return reject(in, row, rec->line, "cpe: not a CPE 2.3 or 2.2 name");
		ev.vendor = cpe.vendor;
		ev.product = cpe.product;
		if (cpe.version[0] && !*ev.min_version && !*ev.max_version)
			ev.min_version = ev.max_version = cpe.version;
	}
	if (!*ev.vendor || !*ev.product)
		return reject(in, row, rec->line,
		              "no affected product (vendor and product, or cpe)");
	for (size_t i = 0; i < in->npadded; i++)
		in->padded[i] = i < rec->nfields ? rec->field[i] : "";
	ev.nfields = in->npadded;
	ev.field = in->padded;
	return emit(in, &ev);
}

static int adv_start(struct notify_input *in)
{
	struct csv_options co;
	memset(&co, 0, sizeof co);
	co.max_record = NOTIFY_LINE_MAX;
	co.max_fields = ADVISORY_FIELDS_MAX;
	return csv_reader_new(&co, adv_record, in, &in->cr);
}

/* ---- STIX ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sighting_of_ref of every sighting, sorted (owned; kr_free each). */
static int sighted_refs(const struct stix_import *imp, char ***out, size_t *n)
{
	char **refs = kr_calloc(imp->nobjects ? imp->nobjects : 1, sizeof *refs);
	*out = NULL;
	*n = 0;
	if (!refs)
		return KR_ENOMEM;
	for (size_t i = 0; i < imp->nobjects; i++) {
		const struct stix_object *o = &imp->objects[i];
		if (strcmp(o->type, "sighting") != 0)
			continue;
		json_t *j = json_loadb(o->json, o->json_len, 0, NULL);
		const char *ref = json_string_value(json_object_get(j, "sighting_of_ref"));
		if (ref) {
			refs[*n] = kr_strdup(ref);
			if (refs[*n])
				(*n)++;
		}
		json_decref(j);
	}
	qsort(refs, *n, sizeof *refs, cmp_str);
	*out = refs;
	return 0;
}

static int stix_finish(struct notify_input *in)
{
	struct stix_import imp;
	char err[STIX_ERR_MAX];
	char reason[NOTIFY_REASON_MAX];
	char **refs = NULL;
	size_t nrefs = 0;
	memset(&imp, 0, sizeof imp);
	/* Unmarked objects carry no restriction of their own. */
	int r = stix_import(in->all.buf ? in->all.buf : "", in->all.len, TLP_CLEAR, &imp, err,
	                    sizeof err);
	if (r) {
		snprintf(reason, sizeof reason, "not readable as STIX 2.1: %.150s", err);
		for (char *c = reason; *c; c++) {
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
				*c = '?';
		}
		in->failed = true;
		reject(in, 0, 0, reason);
		r = r == KR_ELIMIT ? KR_ELIMIT : KR_EINVAL;
		goto out;
	}
	r = set_columns(in, "stix_id,type,value,description");
	if (!r)
		r = sighted_refs(&imp, &refs, &nrefs);
	for (size_t i = 0; !r && i < imp.nindicators; i++) {
		const struct stix_indicator *si = &imp.indicators[i];
		const struct stix_object *o = &imp.objects[si->object];
		const struct core_indicator *ind = &si->ind;
		struct notify_event ev;
		char host[MATCH_DOMAIN_MAX + 64];
		const char *why = NULL;
		const char *fields[4];
		in->st.rows++;
		if (!policy_decide_notify_source(si->tlp).allow) {
			snprintf(reason, sizeof reason, "%.80s is marked TLP:%s: not passed on",
			         o->id, tlp_name(si->tlp));
			r = reject(in, in->st.rows, 0, reason);
			continue;
		}
		if (ind->type != IND_IPV4 && ind->type != IND_IPV6 && ind->type != IND_CIDR &&
		    ind->type != IND_DOMAIN && ind->type != IND_URL) {
			snprintf(reason, sizeof reason,
			         "%.80s: a %s names no address, network, "
			         "domain or URL",
			         o->id, ind_type_name(ind->type));
			r = reject(in, in->st.rows, 0, reason);
			continue;
		}
		memset(&ev, 0, sizeof ev);
		ev.row = in->st.rows;
		ev.port = -1;
		const char *id = o->id;
		ev.type = bsearch(&id, refs, nrefs, sizeof *refs, cmp_str) ? "stix-sighting"
		                                                           : "stix-indicator";
		ev.category = "";
		ev.time_ms = ind->first_seen;
		if (list_value(ind->value, &ev, host, sizeof host, &why)) {
			snprintf(reason, sizeof reason, "%.80s: %s", o->id, why ? why : "unusable");
			r = reject(in, in->st.rows, 0, reason);
			continue;
		}
		ev.detail = ind->comment;
		fields[0] = o->id;
		fields[1] = ind_type_name(ind->type);
		fields[2] = ind->value;
		fields[3] = ind->comment;
		ev.nfields = 4;
		ev.field = fields;
		r = emit(in, &ev);
	}
out:
	for (size_t i = 0; i < nrefs; i++)
		kr_free(refs[i]);
	kr_free(refs);
	stix_import_release(&imp);
	return r;
}

/* ---- detection and the stream ---- */

/* Splits a header line (simple CSV: quotes removed) into lower-case names. */
static size_t header_names(char *line, char **names, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		char *e = strchr(p, ',');
		if (e)
			*e = '\0';
		while (*p == ' ' || *p == '"')
			p++;
		size_t l = strlen(p);
		while (l && (p[l - 1] == ' ' || p[l - 1] == '"' || p[l - 1] == '\r'))
			p[--l] = '\0';
		for (char *c = p; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		names[n++] = p;
		if (!e)
			break;
		p = e + 1;
	}
	return n;
}

static enum notify_format detect(struct notify_input *in)
{
	const char *s = in->head.buf ? in->head.buf : "";
	size_t len = in->head.len;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	size_t i = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	if (i < len && (s[i] == '{' || s[i] == '['))
		return NOTIFY_FMT_STIX;
	const char *nl = memchr(s, '\n', len);
	size_t l = nl ? (size_t)(nl - s) : len;
	if (!memchr(s, ',', l) || l > 8192)
		return NOTIFY_FMT_LIST;
	char line[8193];
	char *names[256];
	memcpy(line, s, l);
	line[l] = '\0';
	size_t n = header_names(line, names, sizeof names / sizeof names[0]);
	bool cve = false, product = false, address = false;
	for (size_t k = 0; k < n; k++) {
		int c = adv_column(names[k]);
		cve = cve || c == ADV_CVE;
		product = product || c == ADV_CPE || c == ADV_PRODUCT;
		address = address || !strcmp(names[k], "ip") || !strcmp(names[k], "src_ip") ||
		          !strcmp(names[k], "http_referer_ip") || !strcmp(names[k], "hostname") ||
		          !strcmp(names[k], "asn");
	}
	if (cve && product)
		return NOTIFY_FMT_ADVISORY;
	struct shadow_detection d;
	shadow_detect((const char *const *)names, n, in->name[0] ? in->name : NULL, &d);
	if (address || strcmp(d.type, "unknown") != 0)
		return NOTIFY_FMT_SHADOWSERVER;
	return NOTIFY_FMT_LIST;
}

static int start(struct notify_input *in)
{
	switch (in->fmt) {
	case NOTIFY_FMT_SHADOWSERVER:
		return shadow_start(in);
	case NOTIFY_FMT_ADVISORY:
		return adv_start(in);
	case NOTIFY_FMT_LIST:
		return set_columns(in, "indicator,timestamp,description");
	default:
		return 0;
	}
}

/* Hands bytes to the reader of the detected format. */
static int pass(struct notify_input *in, const char *data, size_t len)
{
	int r;
	switch (in->fmt) {
	case NOTIFY_FMT_SHADOWSERVER:
		r = shadow_reader_feed(in->sr, data, len);
		if (r == KR_EINVAL)
			in->failed = true;
		return r;
	case NOTIFY_FMT_ADVISORY:
		return csv_reader_feed(in->cr, data, len);
	case NOTIFY_FMT_LIST:
		return list_feed(in, data, len);
	case NOTIFY_FMT_STIX:
		r = strbuf_add(&in->all, data, len);
		if (r == KR_ELIMIT && !in->failed) {
			in->failed = true;
			reject(in, 0, 0, "a STIX input larger than 64 MiB");
		}
		return r;
	default:
		return KR_EINVAL;
	}
}

int notify_input_feed(struct notify_input *in, const void *data, size_t len)
{
	if (!in || (!data && len))
		return KR_EINVAL;
	if (in->finished || in->failed)
		return in->stop ? in->stop : KR_EINVAL;
	if (!len) /* nothing to read; data may be NULL, which no reader takes */
		return 0;
	in->st.bytes += len;
	if (in->started)
		return pass(in, data, len);
	int r;
	if (in->fmt != NOTIFY_FMT_AUTO) {
		in->started = true;
		r = start(in);
		return r ? r : pass(in, data, len);
	}
	/* Keep the first line for detection; the detected reader then reads
	 * it like the rest. */
	size_t room = NOTIFY_LINE_MAX + 1 - in->head.len;
	size_t take = len < room ? len : room;
	r = strbuf_add(&in->head, data, take);
	if (r)
		return r;
	if (!memchr(data, '\n', take) && in->head.len <= NOTIFY_LINE_MAX)
		return 0;
	in->fmt = detect(in);
	in->started = true;
	r = start(in);
	if (!r)
		r = pass(in, in->head.buf, in->head.len);
	strbuf_release(&in->head);
	if (!r && take < len)
		r = pass(in, (const char *)data + take, len - take);
	return r;
}

int notify_input_finish(struct notify_input *in)
{
	int r = 0;
	if (!in)
		return KR_EINVAL;
	if (in->finished || in->failed)
		return in->stop ? in->stop : (in->failed ? KR_EINVAL : 0);
	if (!in->started) {
		if (in->fmt == NOTIFY_FMT_AUTO)
			in->fmt = detect(in);
		in->started = true;
		r = start(in);
		if (!r && in->head.len)
			r = pass(in, in->head.buf, in->head.len);
		strbuf_release(&in->head);
		if (r)
			return r;
	}
	in->finished = true;
	switch (in->fmt) {
	case NOTIFY_FMT_SHADOWSERVER:
		r = in->sr ? shadow_reader_finish(in->sr) : 0;
		break;
	case NOTIFY_FMT_ADVISORY:
		r = in->cr ? csv_reader_finish(in->cr) : 0;
		if (!r && !in->header_done && in->st.bytes) {
			reject(in, 0, 0, "no header");
			r = KR_EINVAL;
		}
		break;
	case NOTIFY_FMT_LIST:
		r = list_finish(in);
		break;
	case NOTIFY_FMT_STIX:
		r = stix_finish(in);
		break;
	default:
		r = KR_EINVAL;
		break;
	}
	return r;
}
