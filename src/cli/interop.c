/* interop.c - `kring import` (a STIX 2.1 bundle or a MISP event into a
 * community, resumable) and `kring export` (a community's items as STIX,
 * MISP or CSV, each item decided by the TLP policy for the reader). */
#include "cli/cli.h"
#include "codec/misp.h"
#include "codec/stix.h"
#include "core/model.h"
#include "interop/interop.h"
#include "policy/policy.h"
#include "store/store.h"
#include "store/store_interop.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/hash.h"
#include "util/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/banned.h"

#define INPUT_MAX STIX_MAX_INPUT
#define BAR_MIN_UNITS 2000          /* smaller imports show no progress bar */
#define BAR_WIDTH 30

/* ---- shared ---- */

/* The person with this e-mail (any case), loaded as a policy actor. */
static int person_load(struct cli *c, struct store *s, const char *as, struct core_person *p,
		       struct policy_actor *actor)
{
	char email[CORE_EMAIL_MAX + 1];
	size_t n = strlen(as);
	if (n > CORE_EMAIL_MAX)
		return cli_fail(c, KR_ENOTFOUND, "no person with e-mail %.60s...", as);
	for (size_t i = 0; i <= n; i++)
		email[i] = (char)tolower((unsigned char)as[i]);
	int r = store_person_get_by_email(s, email, p, NULL, 0);
	if (r == KR_ENOTFOUND)
		return cli_fail(c, r, "no person with e-mail %s", email);
	if (r)
		return cli_fail(c, r, "cannot load %s: %s", email, kr_strerror(r));
	if (p->disabled)
		return cli_fail(c, KR_EFORBIDDEN, "%s is disabled", email);
	r = store_actor_load(s, p->id, actor);
	if (r)
		return cli_fail(c, r, "cannot load the memberships of %s: %s", email,
				kr_strerror(r));
	actor->authenticated = true;
	actor->person_id = p->id;
	return 0;
}

/* --community ID, or the only community there is. */
static int community_load(struct cli *c, struct store *s, const char *arg,
			  struct core_community *out)
{
	int64_t id = 0;
	if (arg) {
		if (cli_parse_id(arg, &id))
			return cli_fail(c, KR_EINVAL, "--community: expected a positive id, got "
					"'%.40s'", arg);
	} else {
		struct core_community *arr = NULL;
		size_t n = 0;
		int r = store_community_list(s, 0, 2, &arr, &n);
		if (r)
			return cli_fail(c, r, "cannot list communities: %s", kr_strerror(r));
		if (n == 1)
			id = arr[0].id;
		store_community_free(arr, n);
		if (n != 1)
			return cli_usage(c, "--community ID is needed (%s)",
					 n ? "there is more than one community"
					   : "there is no community yet");
	}
	int r = store_community_get(s, id, out);
	if (r == KR_ENOTFOUND)
		return cli_fail(c, r, "no community %" PRId64, id);
	if (r)
		return cli_fail(c, r, "cannot load community %" PRId64 ": %s", id, kr_strerror(r));
	return 0;
}

/* ---- import ---- */

struct bar {
	bool on;
	int last;
};

static void bar_show(void *arg, size_t done, size_t total)
{
	struct bar *b = arg;
	if (!b->on || total == 0)
		return;
	int pct = (int)(done * 100 / total);
	if (pct == b->last && done != total)
		return;
	b->last = pct;
	int fill = (int)(done * BAR_WIDTH / total);
	char line[BAR_WIDTH + 1];
	for (int i = 0; i < BAR_WIDTH; i++)
		line[i] = i < fill ? '#' : '.';
	line[BAR_WIDTH] = '\0';
	fprintf(stderr, "\rimporting [%s] %3d%% %zu/%zu objects", line, pct, done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static int import_run(struct cli *c, const struct cli_args *a)
{
	const char *path = a->pos[0];
	struct store *s = NULL;
	struct core_community comm;
	struct core_person person;
	struct policy_actor actor;
	struct stix_import imp;
	struct misp_event ev;
	struct store_import_run run;
	struct interop_counts counts;
	struct interop_import_opts o;
	struct bar bar = {false, -1};
	char *buf = NULL;
	size_t len = 0;
	char err[INTEROP_ERR_MAX];
	enum interop_format fmt;
	bool resumed = false, have_comm = false;
	long batch = INTEROP_BATCH_DEFAULT;
	memset(&comm, 0, sizeof comm);
	memset(&imp, 0, sizeof imp);
	memset(&ev, 0, sizeof ev);
	memset(&run, 0, sizeof run);
	memset(&o, 0, sizeof o);
	memset(&counts, 0, sizeof counts);
	memset(&actor, 0, sizeof actor);

	if (!cli_arg(a, "as"))
		return cli_usage(c, "import: --as EMAIL is needed: imported reports have an author");
	if (cli_arg(a, "batch") && cli_parse_int(cli_arg(a, "batch"), 1, 100000, &batch))
		return cli_fail(c, KR_EINVAL, "--batch: expected 1..100000, got '%.40s'",
				cli_arg(a, "batch"));
	int r = cli_read_file(path, INPUT_MAX, &buf, &len);
	if (r == KR_ELIMIT)
		return cli_fail(c, r, "%s is larger than %zu MiB", path, INPUT_MAX >> 20);
	if (r)
		return cli_fail(c, r, "cannot read %s: %s", path,
				r == KR_EIO ? strerror(errno) : kr_strerror(r));
	err[0] = '\0';
	r = interop_detect(buf, len, &fmt, err, sizeof err);
	if (r) {
		cli_fail(c, r, "%s: %s", path, err);
		goto out;
	}
	r = cli_store_open(c, &s);
	if (r)
		goto out;
	r = community_load(c, s, cli_arg(a, "community"), &comm);
	if (r)
		goto out;
	have_comm = true;
	r = person_load(c, s, cli_arg(a, "as"), &person, &actor);
	if (r)
		goto out;
	if (!policy_decide_community(&actor, comm.id, PC_SHARE).allow) {
		r = cli_fail(c, KR_EFORBIDDEN, "%s may not share in community %" PRId64 " (%s): "
				"not a participant", person.email, comm.id, comm.name);
		goto out;
	}

	/* Parse before anything is written: a refused file leaves no run. */
	if (len >= (size_t)1 << 20 && isatty(STDERR_FILENO)) {
		fprintf(stderr, "reading %s ...\n", base_name(path));
		fflush(stderr);
	}
	err[0] = '\0';
	if (fmt == INTEROP_STIX)
		r = stix_import(buf, len, comm.default_tlp, &imp, err, sizeof err);
	else
		r = misp_import(buf, len, comm.default_tlp, &ev, err, sizeof err);
	if (r) {
		cli_fail(c, r, "%s: %s", path, err[0] ? err : kr_strerror(r));
		goto out;
	}

	hash_sha256_hex(buf, len, run.sha256);
	snprintf(run.name, sizeof run.name, "%s", base_name(path));
	run.format = fmt == INTEROP_STIX ? STORE_FORMAT_STIX : STORE_FORMAT_MISP;
	run.community_id = comm.id;
	run.person_id = person.id;
	run.total = fmt == INTEROP_STIX ? (int64_t)imp.nobjects : 1;
	r = store_import_run_start(s, &run, &resumed);
	if (r) {
		cli_fail(c, r, "cannot start the import run: %s", kr_strerror(r));
		goto out;
	}

	o.community_id = comm.id;
	o.as = &person;
	o.default_tlp = comm.default_tlp;
	o.origin = STORE_ORIGIN_IMPORT;
	memcpy(o.input_sha256, run.sha256, sizeof o.input_sha256);
	o.name = run.name;
	o.run = &run;
	o.batch = (size_t)batch;
	o.progress = bar_show;
	o.progress_arg = &bar;
	bar.on = isatty(STDERR_FILENO) && fmt == INTEROP_STIX && imp.nobjects >= BAR_MIN_UNITS;
	err[0] = '\0';
	if (fmt == INTEROP_STIX)
		r = interop_import_stix(s, &imp, &o, &counts, err, sizeof err);
	else
		r = interop_import_misp(s, &ev, &o, &counts, err, sizeof err);
	if (bar.on && r)
		fputc('\n', stderr);
	if (r) {
		cli_fail(c, r, "%s: %s (run %" PRId64 " can be resumed by importing the same "
			 "file again)", path, err[0] ? err : kr_strerror(r), run.id);
		goto out;
	}
	r = store_import_run_finish(s, &run);
	if (!r) {
		char detail[200];
		snprintf(detail, sizeof detail, "%s %.60s as person %" PRId64 ": %zu new objects, "
			 "%zu new reports", store_import_format_name(run.format), run.name, person.id,
			 counts.nobjects_new, counts.nreports_new);
		r = cli_audit_write(s, comm.id, "import-run", run.id, detail);
	}
	if (r) {
		cli_fail(c, r, "cannot finish the import run: %s", kr_strerror(r));
		goto out;
	}
	if (fmt == INTEROP_STIX)
		printf("imported %s into community %" PRId64 " as %s: %zu objects (%zu new, %zu "
		       "already there), %zu reports (%zu new), %zu indicators, %zu indicators kept "
		       "only as STIX; run %" PRId64 "%s\n",
		       run.name, comm.id, person.email, counts.nunits, counts.nobjects_new,
		       counts.nobjects_known, counts.nreports_new + counts.nreports_known,
		       counts.nreports_new, counts.nindicators, counts.nskipped, run.id,
		       resumed ? " (resumed)" : "");
	else
		printf("imported %s into community %" PRId64 " as %s: MISP event %s, %zu reports "
		       "(%zu new), %zu indicators, %zu values not taken; run %" PRId64 "%s\n",
		       run.name, comm.id, person.email, ev.report.uuid,
		       counts.nreports_new + counts.nreports_known, counts.nreports_new,
		       counts.nindicators, counts.nrejected, run.id, resumed ? " (resumed)" : "");
out:
	fflush(stdout);
	stix_import_release(&imp);
	misp_event_release(&ev);
	if (have_comm)
		core_community_release(&comm);
	kr_free(buf);
	store_close(s);
	return r;
}

static const struct cli_optspec import_opts[] = {
	{ .name = "community", .has_arg = true },
	{ .name = "as", .has_arg = true },
	{ .name = "batch", .has_arg = true },
	{ .name = NULL },
};

const struct cli_command cli_cmd_import = {
	.group = "import",
	.summary = "import a STIX 2.1 bundle or a MISP event into a community",
	.usage = "usage: kring import FILE --as EMAIL [--community ID] [--batch N]\n"
		 "\n"
		 "Reads FILE, a STIX 2.1 bundle (or a list of STIX objects) or a MISP event\n"
		 "(the format is detected), and stores it in the community: each STIX report\n"
		 "and each MISP event becomes a kring report with its indicators, indicators\n"
		 "no report holds become a report per TLP label, and every STIX object is\n"
		 "kept verbatim for TAXII and export. The person is the author and the\n"
		 "source organisation of the new reports and must be a participant of the\n"
		 "community. Content without a TLP marking gets the community's default.\n"
		 "An interrupted import is resumed by running the same command again:\n"
		 "nothing is stored twice. Shows a progress bar on a terminal for large\n"
		 "files and ends with a summary line.\n"
		 "\n"
		 "  --as EMAIL       the importing person (author of the reports)\n"
		 "  --community ID   the community (default: the only one there is)\n"
		 "  --batch N        objects per transaction (default 500)\n",
	.opts = import_opts,
	.min_pos = 1,
	.max_pos = 1,
	.needs_config = true,
	.run = import_run,
};

/* ---- export ---- */

/* Writes data to path through a temporary file and a rename, mode 0600
 * (exports carry TLP-labelled content). */
static int write_file(struct cli *c, const char *path, const char *data, size_t len)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return cli_fail(c, KR_EINVAL, "--out: path too long");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return cli_fail(c, KR_EIO, "cannot create %s: %s", tmp, strerror(errno));
	size_t off = 0;
	int e = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			e = errno;
			break;
		}
		off += (size_t)w;
	}
	if (!e && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) != 0)
		e = errno;
	if (e) {
		unlink(tmp);
		return cli_fail(c, KR_EIO, "cannot write %s: %s", path, strerror(e));
	}
	return 0;
}

/* Read audits of what went out, as `report list` writes them. */
static int audit_exports(struct store *s, const struct interop_audit *au, int64_t as_id,
			 const char *fmt)
{
	if (au->n == 0)
		return 0;
	int r = store_begin(s);
	for (size_t i = 0; !r && i < au->n; i++) {
		struct core_audit rec;
		memset(&rec, 0, sizeof rec);
		rec.action = AUDIT_READ;
		rec.community_id = au->items[i].community_id;
		rec.object_id = au->items[i].object_id;
		snprintf(rec.object_type, sizeof rec.object_type, "%s", au->items[i].object_type);
		snprintf(rec.detail, sizeof rec.detail, "export %s tlp=%s as person %" PRId64, fmt,
			 tlp_name(au->items[i].tlp), as_id);
		snprintf(rec.addr, sizeof rec.addr, "%s", "cli");
		r = store_audit_append(s, &rec);
	}
	if (r) {
		store_rollback(s);
		return r;
	}
	return store_commit(s);
}

static int export_run(struct cli *c, const struct cli_args *a)
{
	static const char *const names[] = {"stix", "misp", "csv"};
	static const char *const what[] = {"objects", "events", "indicators"};
	const char *format = cli_arg(a, "format");
	const char *out_path = cli_arg(a, "out");
	struct store *s = NULL;
	struct core_community comm;
	struct core_person person;
	struct policy_actor actor;
	struct interop_audit audit;
	char *text = NULL;
	size_t len = 0, count = 0;
	int64_t since = 0;
	int fmt = -1;
	bool have_comm = false;
	char err[INTEROP_ERR_MAX];
	memset(&comm, 0, sizeof comm);
	memset(&person, 0, sizeof person);
	memset(&actor, 0, sizeof actor);
	memset(&audit, 0, sizeof audit);

	for (int i = 0; i < 3; i++) {
		if (format && strcmp(format, names[i]) == 0)
			fmt = i;
	}
	if (fmt < 0)
		return cli_usage(c, "--format: expected stix, misp or csv, got '%.40s'", format);
	if (!cli_arg(a, "community"))
		return cli_usage(c, "export: --community ID is needed");
	if (cli_arg(a, "since") && time_parse_rfc3339(cli_arg(a, "since"), &since))
		return cli_fail(c, KR_EINVAL, "--since: expected an RFC 3339 time such as "
				"2026-01-31T00:00:00Z or a date, got '%.40s'", cli_arg(a, "since"));
	int r = cli_store_open(c, &s);
	if (r)
		return r;
	r = community_load(c, s, cli_arg(a, "community"), &comm);
	if (r)
		goto out;
	have_comm = true;
	if (cli_arg(a, "as")) {
		r = person_load(c, s, cli_arg(a, "as"), &person, &actor);
		if (r)
			goto out;
		actor.can_write = false; /* an export changes nothing */
	}
	struct interop_export_opts o = {
		.community_id = comm.id,
		.actor = &actor, /* without --as: anonymous, TLP:CLEAR only */
		.since = since,
		.audit = &audit,
	};
	err[0] = '\0';
	r = interop_export(s, (enum interop_export_format)fmt, &o, &text, &len, &count, err,
			   sizeof err);
	if (r) {
		cli_fail(c, r, "%s", err[0] ? err : kr_strerror(r));
		goto out;
	}
	if (!text) {
		r = cli_fail(c, KR_ENOTFOUND, "nothing to export: no STIX object of community %"
				PRId64 " may be exported %s", comm.id,
			     cli_arg(a, "as") ? "by this person" : "anonymously (use --as)");
		goto out;
	}
	r = audit_exports(s, &audit, person.id, names[fmt]);
	if (r) {
		cli_fail(c, r, "cannot write the audit of the export: %s", kr_strerror(r));
		goto out;
	}
	if (out_path) {
		r = write_file(c, out_path, text, len);
		if (!r)
			printf("exported %zu %s of community %" PRId64 " to %s\n", count, what[fmt],
			       comm.id, out_path);
	} else if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		r = cli_fail(c, KR_EIO, "cannot write the export: %s", strerror(errno));
	}
out:
	fflush(stdout);
	interop_audit_release(&audit);
	kr_free(text);
	if (have_comm)
		core_community_release(&comm);
	store_close(s);
	return r;
}

static const struct cli_optspec export_opts[] = {
	{ .name = "format", .has_arg = true, .required = true },
	{ .name = "community", .has_arg = true },
	{ .name = "since", .has_arg = true },
	{ .name = "as", .has_arg = true },
	{ .name = "out", .has_arg = true },
	{ .name = NULL },
};

const struct cli_command cli_cmd_export = {
	.group = "export",
	.summary = "export a community's items as STIX, MISP or CSV (TLP policy applied)",
	.usage = "usage: kring export --format stix|misp|csv --community ID [--since T]\n"
		 "                    [--as EMAIL] [--out FILE]\n"
		 "\n"
		 "Writes what the person may export from the community, each item decided by\n"
		 "the TLP policy (TLP:RED only to its author): a STIX 2.1 bundle with the\n"
		 "newest version of every object and the TLP 2.0 marking definitions, MISP\n"
		 "events ({\"response\":[{\"Event\":...}]}), or CSV with one line per\n"
		 "indicator. Without --as the reader is anonymous and gets TLP:CLEAR only.\n"
		 "Exports of AMBER, AMBER+STRICT and RED items are audited.\n"
		 "\n"
		 "  --format F       stix, misp or csv\n"
		 "  --community ID   the community\n"
		 "  --since T        only items changed at or after T (RFC 3339 or a date)\n"
		 "  --as EMAIL       export as this person\n"
		 "  --out FILE       write to FILE (mode 0600) instead of standard output\n",
	.opts = export_opts,
	.min_pos = 0,
	.max_pos = 0,
	.needs_config = true,
	.run = export_run,
};
