/* report.c - `kring report list`: the reports one person (or an anonymous
 * reader) may read, decided row by row by policy_decide(). */
#include "cli/cli.h"
#include "core/model.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/err.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define REPORT_PAGE 200

/* Titles are single-line by validation; keep the output one line per
 * report even if a stored title is not. */
static void print_row(const struct core_report *r)
{
	char title[CORE_TITLE_MAX + 1];
	snprintf(title, sizeof title, "%s", r->title);
	for (char *p = title; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	printf("%" PRId64 "\t%s\t%s\t%s\n", r->id, tlp_name(r->tlp), report_kind_name(r->kind),
	       title);
}

/* Reads of AMBER, AMBER+STRICT and RED reports are audited like the API
 * does for lists; the operator (person 0) read them on behalf of as_id. */
static int audit_reads(struct store *s, const int64_t *ids, const int64_t *comms,
		       const enum tlp *tlps, size_t n, int64_t as_id)
{
	int r = 0;
	if (n == 0)
		return 0;
	r = store_begin(s);
	for (size_t i = 0; !r && i < n; i++) {
		struct core_audit au;
		memset(&au, 0, sizeof au);
		au.action = AUDIT_READ;
		au.community_id = comms[i];
		au.object_id = ids[i];
		snprintf(au.object_type, sizeof au.object_type, "%s", "report");
		snprintf(au.detail, sizeof au.detail, "list tlp=%s as person %" PRId64,
			 tlp_name(tlps[i]), as_id);
		snprintf(au.addr, sizeof au.addr, "%s", "cli");
		r = store_audit_append(s, &au);
	}
	if (r) {
		store_rollback(s);
		return r;
	}
	return store_commit(s);
}

static int report_list_run(struct cli *c, const struct cli_args *a)
{
	struct store *s = NULL;
	struct policy_actor actor;
	struct store_report_filter f;
	struct core_report *rows = NULL;
	size_t nrows = 0, nshown = 0, naudit = 0, audit_cap = 0;
	int64_t *aud_ids = NULL, *aud_comms = NULL;
	enum tlp *aud_tlps = NULL;
	int64_t as_id = 0;
	long limit = LONG_MAX;
	int tlp = -1, kind = -1;
	const char *as = cli_arg(a, "as");
	memset(&actor, 0, sizeof actor);
	memset(&f, 0, sizeof f);
	f.level = -1;

	if (cli_arg(a, "tlp")) {
		tlp = tlp_parse(cli_arg(a, "tlp"));
		if (tlp < 0)
			return cli_fail(c, KR_EINVAL, "--tlp: unknown label '%.40s' (one of: "
					"CLEAR, GREEN, AMBER, AMBER+STRICT, RED)",
					cli_arg(a, "tlp"));
	}
	if (cli_arg(a, "kind")) {
		kind = report_kind_parse(cli_arg(a, "kind"));
		if (kind < 0)
			return cli_fail(c, KR_EINVAL, "--kind: unknown value '%.40s' (one of: "
					"incident, threat, vulnerability, measure, lesson, "
					"advisory, question)", cli_arg(a, "kind"));
	}
	if (cli_arg(a, "community") && cli_parse_id(cli_arg(a, "community"), &f.community_id))
		return cli_fail(c, KR_EINVAL, "--community: expected a positive id, got '%.40s'",
				cli_arg(a, "community"));
	if (cli_arg(a, "limit") && cli_parse_int(cli_arg(a, "limit"), 1, 1000000, &limit))
		return cli_fail(c, KR_EINVAL, "--limit: expected 1..1000000, got '%.40s'",
				cli_arg(a, "limit"));
	f.tlp = tlp;
	f.kind = kind;

	int r = cli_store_open(c, &s);
	if (r)
		return r;
	if (as) {
		struct core_person p;
		char email[CORE_EMAIL_MAX + 1];
		size_t n = strlen(as);
		if (n > CORE_EMAIL_MAX) {
			r = cli_fail(c, KR_ENOTFOUND, "no person with e-mail %.60s...", as);
			goto out;
		}
		for (size_t i = 0; i <= n; i++)
			email[i] = (char)tolower((unsigned char)as[i]);
		r = store_person_get_by_email(s, email, &p, NULL, 0);
		if (r == KR_ENOTFOUND) {
			cli_fail(c, r, "no person with e-mail %s", email);
			goto out;
		}
		if (r) {
			cli_fail(c, r, "cannot load %s: %s", email, kr_strerror(r));
			goto out;
		}
		if (p.disabled) {
			r = cli_fail(c, KR_EFORBIDDEN, "%s is disabled", email);
			goto out;
		}
		as_id = p.id;
		r = store_actor_load(s, p.id, &actor);
		if (r) {
			cli_fail(c, r, "cannot load the memberships of %s: %s", email,
				 kr_strerror(r));
			goto out;
		}
		actor.can_write = false; /* a listing changes nothing */
	}

	f.before_id = 0;
	f.limit = REPORT_PAGE;
	for (;;) {
		r = store_report_list(s, &f, &rows, &nrows);
		if (r) {
			cli_fail(c, r, "cannot list reports: %s", kr_strerror(r));
			goto out;
		}
		for (size_t i = 0; i < nrows && (long)nshown < limit; i++) {
			struct policy_item it = policy_item_from_report(&rows[i]);
			struct policy_decision d = policy_decide(&actor, &it, POLICY_READ);
			if (!d.allow)
				continue;
			print_row(&rows[i]);
			nshown++;
			if (rows[i].tlp < TLP_AMBER)
				continue;
			if (naudit == audit_cap) {
				size_t ncap = audit_cap ? audit_cap * 2 : 64;
				int64_t *ni = kr_realloc(aud_ids, ncap * sizeof *ni);
				if (ni)
					aud_ids = ni;
				int64_t *nc = kr_realloc(aud_comms, ncap * sizeof *nc);
				if (nc)
					aud_comms = nc;
				enum tlp *nt = kr_realloc(aud_tlps, ncap * sizeof *nt);
				if (nt)
					aud_tlps = nt;
				if (!ni || !nc || !nt) {
					r = cli_fail(c, KR_ENOMEM, "out of memory");
					goto out;
				}
				audit_cap = ncap;
			}
			aud_ids[naudit] = rows[i].id;
			aud_comms[naudit] = rows[i].community_id;
			aud_tlps[naudit] = rows[i].tlp;
			naudit++;
		}
		bool more = nrows == (size_t)f.limit && (long)nshown < limit;
		if (nrows)
			f.before_id = rows[nrows - 1].id;
		if (rows)
			store_report_free(rows, nrows);
		rows = NULL;
		nrows = 0;
		if (!more)
			break;
	}
	r = audit_reads(s, aud_ids, aud_comms, aud_tlps, naudit, as_id);
	if (r)
		cli_fail(c, r, "cannot write the audit record of the reads: %s", kr_strerror(r));
out:
	fflush(stdout);
	if (rows)
		store_report_free(rows, nrows);
	kr_free(aud_ids);
	kr_free(aud_comms);
	kr_free(aud_tlps);
	store_close(s);
	return r;
}

static const struct cli_optspec report_list_opts[] = {
	{ .name = "as", .has_arg = true },
	{ .name = "community", .has_arg = true },
	{ .name = "tlp", .has_arg = true },
	{ .name = "kind", .has_arg = true },
	{ .name = "limit", .has_arg = true },
	{ .name = NULL },
};

const struct cli_command cli_cmd_report_list = {
	.group = "report",
	.verb = "list",
	.summary = "list the reports a person may read (TLP policy applied)",
	.usage = "usage: kring report list [--as EMAIL] [--community ID] [--tlp T] [--kind K]\n"
		 "                         [--limit N]\n"
		 "\n"
		 "Prints id<TAB>TLP<TAB>kind<TAB>title for every report the person may read,\n"
		 "newest first, each decided by the TLP policy. Without --as the reader is\n"
		 "anonymous and sees TLP:CLEAR only.\n"
		 "\n"
		 "  --as EMAIL       read as this person\n"
		 "  --community ID   only this community\n"
		 "  --tlp T          only this label (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)\n"
		 "  --kind K         only this kind (incident, threat, vulnerability, measure,\n"
		 "                   lesson, advisory, question)\n"
		 "  --limit N        print at most N reports (default: all)\n",
	.opts = report_list_opts,
	.needs_config = true,
	.run = report_list_run,
};
