/* admin.c - operator commands that create things: org add, user add,
 * community add, member add. Each write is one transaction with its audit
 * record (person 0 = the operator at the console). */
#include "cli/cli.h"
#include "core/model.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

/* Ends the transaction: commit when r is 0, else roll back. Returns the
 * first failure. */
static int finish(struct store *s, int r)
{
	if (r) {
		store_rollback(s);
		return r;
	}
	return store_commit(s);
}

static int need_enum(struct cli *c, const char *opt, const char *v, int (*parse)(const char *),
		     const char *allowed, int *out)
{
	int k = parse(v);
	if (k < 0)
		return cli_fail(c, KR_EINVAL, "--%s: unknown value '%.60s' (one of: %s)", opt, v,
				allowed);
	*out = k;
	return 0;
}

static int need_id(struct cli *c, const char *opt, const char *v, int64_t *out)
{
	if (cli_parse_id(v, out))
		return cli_fail(c, KR_EINVAL, "--%s: expected a positive id, got '%.60s'", opt, v);
	return 0;
}

/* ---- org add ---- */

static int size_class_ok(const char *v)
{
	static const char *const sizes[] = { "micro", "small", "medium", "large" };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		if (strcmp(v, sizes[i]) == 0)
			return 1;
	}
	return 0;
}

static int org_add_run(struct cli *c, const struct cli_args *a)
{
	struct core_org o;
	struct store *s = NULL;
	int kind = 0, nis2 = NIS2_NONE;
	memset(&o, 0, sizeof o);
	const char *name = cli_arg(a, "name");
	const char *region = cli_arg(a, "region");
	const char *size = cli_arg(a, "size");
	const char *website = cli_arg(a, "website");
	int r = cli_check_text(c, "name", name, CORE_NAME_MAX, false);
	if (!r)
		r = need_enum(c, "kind", cli_arg(a, "kind"), org_kind_parse,
			      "company, government, csirt, linking, supplier", &kind);
	if (!r && cli_arg(a, "nis2"))
		r = need_enum(c, "nis2", cli_arg(a, "nis2"), nis2_parse,
			      "none, important, essential", &nis2);
	if (!r)
		r = cli_check_text(c, "region", region, CORE_SHORT_MAX, true);
	if (!r && size && !size_class_ok(size))
		r = cli_fail(c, KR_EINVAL, "--size: unknown value '%.60s' (one of: micro, small, "
					   "medium, large)", size);
	for (int i = 0; !r && i < cli_arg_count(a, "sector"); i++) {
		const char *sec = cli_arg_at(a, "sector", i);
		r = cli_check_text(c, "sector", sec, CORE_SHORT_MAX, false);
		if (!r)
			snprintf(o.sectors[o.nsectors++], sizeof o.sectors[0], "%s", sec);
	}
	if (r)
		return r;
	if (website && *website) {
		const char *why = NULL;
		if ((strncmp(website, "http://", 7) != 0 && strncmp(website, "https://", 8) != 0) ||
		    core_indicator_normalise(IND_URL, website, o.website, &why) != 0)
			return cli_fail(c, KR_EINVAL, "--website: expected an http(s) URL%s%s",
					why ? ": " : "", why ? why : "");
	}
	snprintf(o.name, sizeof o.name, "%s", name);
	o.kind = (enum org_kind)kind;
	o.nis2 = (enum nis2)nis2;
	snprintf(o.region, sizeof o.region, "%s", region ? region : "");
	snprintf(o.size_class, sizeof o.size_class, "%s", size ? size : "");

	r = cli_store_open(c, &s);
	if (r)
		return r;
	r = store_begin(s);
	if (!r)
		r = store_org_create(s, &o);
	if (!r)
		r = cli_audit_write(s, 0, "organisation", o.id, "create");
	r = finish(s, r);
	store_close(s);
	if (r == KR_ECONFLICT)
		return cli_fail(c, r, "an organisation named '%s' already exists", o.name);
	if (r)
		return cli_fail(c, r, "cannot create the organisation: %s", kr_strerror(r));
	printf("%" PRId64 "\n", o.id);
	return 0;
}

static const struct cli_optspec org_add_opts[] = {
	{ .name = "name", .has_arg = true, .required = true },
	{ .name = "kind", .has_arg = true, .required = true },
	{ .name = "sector", .has_arg = true, .max = CORE_SECTORS_MAX },
	{ .name = "region", .has_arg = true },
	{ .name = "size", .has_arg = true },
	{ .name = "nis2", .has_arg = true },
	{ .name = "website", .has_arg = true },
	{ .name = NULL },
};

const struct cli_command cli_cmd_org_add = {
	.group = "org",
	.verb = "add",
	.summary = "create an organisation; prints its id",
	.usage = "usage: kring org add --name N --kind K [--sector S]... [--region R] [--size S]\n"
		 "                     [--nis2 X] [--website U]\n"
		 "\n"
		 "  --name N       name, 1..200 bytes\n"
		 "  --kind K       company, government, csirt, linking or supplier\n"
		 "  --sector S     sector tag, up to 8 times (e.g. energy, water)\n"
		 "  --region R     region (e.g. Noord-Nederland)\n"
		 "  --size S       micro, small, medium or large\n"
		 "  --nis2 X       none, important or essential (default none)\n"
		 "  --website U    http(s) URL\n",
	.opts = org_add_opts,
	.needs_config = true,
	.run = org_add_run,
};

/* ---- user add ---- */

/* The password from --password-file (first line) or KRING_PASSWORD;
 * *out is "" when neither is given. Caller frees *out with kr_free. */
static int password_get(struct cli *c, const struct cli_args *a, char **out)
{
	const char *file = cli_arg(a, "password-file");
	size_t len = 0;
	if (file) {
		int r = cli_read_file(file, 1026, out, &len);
		if (r == KR_ELIMIT)
			return cli_fail(c, KR_EINVAL, "the password must be 12 to 1024 bytes long");
		if (r)
			return cli_fail(c, r, "cannot read password file %s", file);
		/* one trailing line end is not part of the password */
		if (len && (*out)[len - 1] == '\n')
			(*out)[--len] = '\0';
		if (len && (*out)[len - 1] == '\r')
			(*out)[--len] = '\0';
		if (strlen(*out) != len) {
			kr_free(*out);
			*out = NULL;
			return cli_fail(c, KR_EINVAL, "the password file contains a NUL byte");
		}
		return 0;
	}
	const char *env = getenv("KRING_PASSWORD");
	*out = kr_strdup(env ? env : "");
	return *out ? 0 : cli_fail(c, KR_ENOMEM, "out of memory");
}

static int user_add_run(struct cli *c, const struct cli_args *a)
{
	struct core_person p;
	struct core_org o;
	struct store *s = NULL;
	char *password = NULL;
	char hash[crypto_pwhash_STRBYTES] = "";
	const char *why = NULL;
	int lang = LANG_NL;
	memset(&p, 0, sizeof p);
	const char *name = cli_arg(a, "name");
	const char *email = cli_arg(a, "email");
	int r = cli_check_text(c, "name", name, CORE_NAME_MAX, false);
	if (r)
		return r;
	if (core_email_normalise(email, p.email, &why) != 0)
		return cli_fail(c, KR_EINVAL, "--email: %s", why ? why : "not a personal address");
	r = need_id(c, "org", cli_arg(a, "org"), &p.org_id);
	if (!r && cli_arg(a, "lang"))
		r = need_enum(c, "lang", cli_arg(a, "lang"), lang_parse, "nl, en", &lang);
	if (!r)
		r = password_get(c, a, &password);
	if (!r && password && password[0])
		r = cli_password_hash(c, password, hash, sizeof hash);
	if (password) {
		sodium_memzero(password, strlen(password));
		kr_free(password);
	}
	if (r)
		return r;
	snprintf(p.name, sizeof p.name, "%s", name);
	p.lang = (enum lang)lang;
	p.is_admin = cli_arg_count(a, "admin") > 0;

	r = cli_store_open(c, &s);
	if (r)
		return r;
	r = store_begin(s);
	if (r)
		goto fail;
	r = store_org_get(s, p.org_id, &o);
	if (r == KR_ENOTFOUND) {
		store_rollback(s);
		store_close(s);
		return cli_fail(c, r, "no organisation with id %" PRId64, p.org_id);
	}
	if (!r)
		r = store_person_create(s, &p, hash);
	if (!r)
		r = cli_audit_write(s, 0, "person", p.id, p.is_admin ? "create admin" : "create");
	r = finish(s, r);
fail:
	store_close(s);
	sodium_memzero(hash, sizeof hash);
	if (r == KR_ECONFLICT)
		return cli_fail(c, r, "a person with e-mail %s already exists", p.email);
	if (r)
		return cli_fail(c, r, "cannot create the person: %s", kr_strerror(r));
	printf("%" PRId64 "\n", p.id);
	return 0;
}

static const struct cli_optspec user_add_opts[] = {
	{ .name = "name", .has_arg = true, .required = true },
	{ .name = "email", .has_arg = true, .required = true },
	{ .name = "org", .has_arg = true, .required = true },
	{ .name = "lang", .has_arg = true },
	{ .name = "admin" },
	{ .name = "password-file", .has_arg = true },
	{ .name = NULL },
};

const struct cli_command cli_cmd_user_add = {
	.group = "user",
	.verb = "add",
	.summary = "create a person; prints its id",
	.usage = "usage: kring user add --name N --email E --org ID [--lang nl|en] [--admin]\n"
		 "                      [--password-file F]\n"
		 "\n"
		 "  --name N            full name\n"
		 "  --email E           personal e-mail address (functional mailboxes such as\n"
		 "                      info@ or security@ are refused)\n"
		 "  --org ID            id of the person's organisation\n"
		 "  --lang nl|en        language (default nl)\n"
		 "  --admin             instance administrator (manages people and\n"
		 "                      organisations; gains no right to read reports)\n"
		 "  --password-file F   read the password from the first line of F\n"
		 "\n"
		 "The password (12..1024 bytes) comes from --password-file or the environment\n"
		 "variable KRING_PASSWORD; without either the person cannot log in.\n",
	.opts = user_add_opts,
	.needs_config = true,
	.run = user_add_run,
};

/* ---- community add ---- */

static int community_add_run(struct cli *c, const struct cli_args *a)
{
	struct core_community cm;
	struct store *s = NULL;
	int kind = 0, tlp = TLP_AMBER;
	long max_primary = 2;
	size_t glen = 0;
	memset(&cm, 0, sizeof cm);
	const char *name = cli_arg(a, "name");
	const char *desc = cli_arg(a, "description");
	const char *gfile = cli_arg(a, "guidelines-file");
	int r = cli_check_text(c, "name", name, CORE_NAME_MAX, false);
	if (!r)
		r = need_enum(c, "kind", cli_arg(a, "kind"), community_kind_parse,
			      "sector, region, chain, theme", &kind);
	if (!r && cli_arg(a, "default-tlp"))
		r = need_enum(c, "default-tlp", cli_arg(a, "default-tlp"), tlp_parse,
			      "CLEAR, GREEN, AMBER, AMBER+STRICT, RED", &tlp);
	if (!r && cli_arg(a, "max-primary") &&
	    cli_parse_int(cli_arg(a, "max-primary"), 1, 10, &max_primary))
		r = cli_fail(c, KR_EINVAL, "--max-primary: expected 1..10, got '%.40s'",
			     cli_arg(a, "max-primary"));
	if (!r && desc && (strlen(desc) > CORE_DESC_MAX || !core_utf8_valid(desc, strlen(desc),
									       true)))
		r = cli_fail(c, KR_EINVAL, "--description: at most %d bytes of UTF-8 text",
			     CORE_DESC_MAX);
	if (r)
		return r;
	if (gfile) {
		r = cli_read_file(gfile, CORE_BODY_MAX, &cm.guidelines, &glen);
		if (r == KR_ELIMIT)
			return cli_fail(c, r, "%s is larger than %d bytes", gfile, CORE_BODY_MAX);
		if (r)
			return cli_fail(c, r, "cannot read guidelines file %s", gfile);
		if (!core_utf8_valid(cm.guidelines, glen, true)) {
			r = cli_fail(c, KR_EINVAL, "%s is not UTF-8 text", gfile);
			goto out;
		}
	}
	if (desc && *desc) {
		cm.description = kr_strdup(desc);
		if (!cm.description) {
			r = cli_fail(c, KR_ENOMEM, "out of memory");
			goto out;
		}
	}
	snprintf(cm.name, sizeof cm.name, "%s", name);
	cm.kind = (enum community_kind)kind;
	cm.default_tlp = (enum tlp)tlp;
	cm.max_primary = (int)max_primary;

	r = cli_store_open(c, &s);
	if (r)
		goto out;
	r = store_begin(s);
	if (!r)
		r = store_community_create(s, &cm);
	if (!r)
		r = cli_audit_write(s, cm.id, "community", cm.id, "create");
	r = finish(s, r);
	store_close(s);
	if (r == KR_ECONFLICT)
		cli_fail(c, r, "a community named '%s' already exists", cm.name);
	else if (r)
		cli_fail(c, r, "cannot create the community: %s", kr_strerror(r));
	else
		printf("%" PRId64 "\n", cm.id);
out:
	core_community_release(&cm);
	return r;
}

static const struct cli_optspec community_add_opts[] = {
	{ .name = "name", .has_arg = true, .required = true },
	{ .name = "kind", .has_arg = true, .required = true },
	{ .name = "description", .has_arg = true },
	{ .name = "guidelines-file", .has_arg = true },
	{ .name = "max-primary", .has_arg = true },
	{ .name = "default-tlp", .has_arg = true },
	{ .name = NULL },
};

const struct cli_command cli_cmd_community_add = {
	.group = "community",
	.verb = "add",
	.summary = "create a community; prints its id",
	.usage = "usage: kring community add --name N --kind K [--description D]\n"
		 "                           [--guidelines-file F] [--max-primary N]\n"
		 "                           [--default-tlp T]\n"
		 "\n"
		 "  --name N              name, 1..200 bytes\n"
		 "  --kind K              sector, region, chain or theme\n"
		 "  --description D       short description (up to 4000 bytes)\n"
		 "  --guidelines-file F   membership guidelines in Markdown (up to 64 KiB)\n"
		 "  --max-primary N       primary representatives per organisation, 1..10\n"
		 "                        (default 2)\n"
		 "  --default-tlp T       label for new reports (default AMBER)\n",
	.opts = community_add_opts,
	.needs_config = true,
	.run = community_add_run,
};

/* ---- member add ---- */

static int member_add_run(struct cli *c, const struct cli_args *a)
{
	struct store *s = NULL;
	struct core_community cm;
	struct core_org o;
	struct core_membership m;
	int64_t cid = 0, oid = 0;
	char detail[96];
	memset(&cm, 0, sizeof cm);
	int r = need_id(c, "community", cli_arg(a, "community"), &cid);
	if (!r)
		r = need_id(c, "org", cli_arg(a, "org"), &oid);
	if (r)
		return r;
	r = cli_store_open(c, &s);
	if (r)
		return r;
	r = store_begin(s);
	if (r)
		goto done;
	r = store_community_get(s, cid, &cm);
	core_community_release(&cm);
	if (r == KR_ENOTFOUND) {
		cli_fail(c, r, "no community with id %" PRId64, cid);
		goto done;
	}
	if (!r) {
		r = store_org_get(s, oid, &o);
		if (r == KR_ENOTFOUND) {
			cli_fail(c, r, "no organisation with id %" PRId64, oid);
			goto done;
		}
	}
	if (!r) {
		r = store_membership_get(s, cid, oid, &m);
		if (!r && m.status == MS_MEMBER) {
			r = cli_fail(c, KR_ECONFLICT,
				     "organisation %" PRId64 " is already a member of community "
				     "%" PRId64, oid, cid);
			goto done;
		}
		if (r == KR_ENOTFOUND)
			r = 0;
	}
	if (!r) {
		memset(&m, 0, sizeof m);
		m.community_id = cid;
		m.org_id = oid;
		m.status = MS_MEMBER;
		m.since = time_now_ms();
		r = store_membership_set(s, &m);
	}
	if (!r) {
		snprintf(detail, sizeof detail, "admit org=%" PRId64 " (founding member)", oid);
		r = cli_audit_write(s, cid, "membership", oid, detail);
	}
done:
	r = finish(s, r);
	store_close(s);
	if (r)
		return cli_fail(c, r, "cannot add the member: %s", kr_strerror(r));
	printf("ok\n");
	return 0;
}

static const struct cli_optspec member_add_opts[] = {
	{ .name = "community", .has_arg = true, .required = true },
	{ .name = "org", .has_arg = true, .required = true },
	{ .name = NULL },
};

const struct cli_command cli_cmd_member_add = {
	.group = "member",
	.verb = "add",
	.summary = "admit an organisation to a community directly (founding members)",
	.usage = "usage: kring member add --community ID --org ID\n"
		 "\n"
		 "Makes the organisation a member of the community without a vote, as for\n"
		 "its founding members. Later members apply and are admitted by a\n"
		 "unanimous vote of the members (see the API). Prints \"ok\".\n",
	.opts = member_add_opts,
	.needs_config = true,
	.run = member_add_run,
};
