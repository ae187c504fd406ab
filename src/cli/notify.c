/* notify.c - `kring notify run` (match an input against the constituency
 * registry, queue the notifications and send them) and `kring notify send`
 * (drain the outbox: retries, in-doubt messages, runs queued through the
 * API). Progress goes to stderr only when it is a terminal; the summary
 * is `key: value` lines on stdout. */
#include "cli/cli.h"
#include "deliver/deliver.h"
#include "deliver/worker.h"
#include "notify/notify.h"
#include "store/store.h"
#include "util/err.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/banned.h"

#define HASH_BLOCK ((size_t)64 * 1024)

struct bar {
	bool tty;
	const char *phase;
	int last; /* last percentage drawn, -1 = none */
};

/* Draws "phase [#####.....]  45%" in place; only on a terminal. */
static void on_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	struct bar *b = ctx;
	if (!b->tty)
		return;
	int pct = total ? (int)(done * 100 / total) : 0;
	if (pct > 100)
		pct = 100;
	if (b->phase && strcmp(b->phase, phase) != 0 && b->last >= 0)
		fputc('\n', stderr);
	else if (b->phase && strcmp(b->phase, phase) == 0 && pct == b->last && done != total)
		return;
	b->phase = phase;
	b->last = pct;
	char bar[31];
	int fill = pct * 30 / 100;
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	if (total)
		fprintf(stderr, "\r%-9s [%s] %3d%% %" PRIu64 "/%" PRIu64, phase, bar, pct, done,
		        total);
	else
		fprintf(stderr, "\r%-9s %" PRIu64, phase, done);
	fflush(stderr);
}

static void bar_end(struct bar *b)
{
	if (b->tty && b->last >= 0) {
		fputc('\n', stderr);
		b->last = -1;
		b->phase = NULL;
	}
}

struct file_source {
	FILE *f;
};

static int file_read(void *ctx, void *buf, size_t n, size_t *got)
{
	struct file_source *fs = ctx;
	*got = fread(buf, 1, n, fs->f);
	return ferror(fs->f) ? KR_EIO : 0;
}

/* SHA-256 hex of the whole file; its size into *size. */
static int hash_file(FILE *f, char out[65], uint64_t *size)
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	static unsigned char buf[HASH_BLOCK];
	size_t n;
	*size = 0;
	crypto_hash_sha256_init(&st);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		crypto_hash_sha256_update(&st, buf, n);
		*size += n;
	}
	if (ferror(f))
		return KR_EIO;
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(out, 65, digest, sizeof digest);
	return 0;
}

static int deliver_cfg(struct cli *c, struct deliver_config *dc)
{
	char err[256];
	int r = deliver_config_from(&c->cfg, dc, err, sizeof err);
	return r ? cli_fail(c, r, "%s", err) : 0;
}

/* Drains under the sender lock (deliver/worker.h), so that this process and
 * the worker of a running kring serve never both send a message; waits
 * while the other one holds it. */
static int drain_locked(struct cli *c, struct store *s, const struct deliver_config *dc,
                        int64_t run_id, bool retry_now, int64_t max, struct bar *bar,
                        struct deliver_send_stats *st, char *err, size_t errlen)
{
	char db[1100], lock[1200];
	int fd = -1;
	config_db_path(&c->cfg, db, sizeof db);
	deliver_lock_path(db, lock, sizeof lock);
	int r = deliver_lock_acquire(lock, false, &fd);
	if (r == KR_EBUSY) {
		fprintf(stderr, "kring: another sender (kring serve or kring notify) is at work; "
		                "waiting for it\n");
		r = deliver_lock_acquire(lock, true, &fd);
	}
	if (r) {
		/* the tail of an over-long path adds nothing to the message */
		snprintf(err, errlen, "cannot take the sender lock %.200s", lock);
		return r;
	}
	r = deliver_outbox_drain(s, dc, run_id, retry_now, max, on_progress, bar, st, err, errlen);
	deliver_lock_release(fd);
	return r;
}

static void print_summary(const struct deliver_run_summary *s, bool dry_run)
{
	const struct store_notify_run *r = &s->run;
	if (dry_run)
		printf("dry_run: nothing was stored or sent\n");
	else
		printf("run: %" PRId64 "%s\n", r->id, s->existing ? " (resumed)" : "");
	printf("state: %s\n", store_run_state_name(r->state));
	printf("format: %s\n", r->input_format);
	if (r->event_type[0])
		printf("type: %s\n", r->event_type);
	printf("rows_read: %" PRId64 "\n", r->rows_read);
	printf("rows_matched: %" PRId64 "\n", r->rows_matched);
	printf("rows_unmatched: %" PRId64 "\n", r->rows_unmatched);
	printf("rows_rejected: %" PRId64 "\n", r->rows_rejected);
	printf("duplicates: %" PRId64 "\n", r->rows_duplicate);
	printf("suppressed: %" PRId64 "\n", r->rows_suppressed);
	if (r->rows_truncated)
		printf("truncated: %" PRId64 "\n", r->rows_truncated);
	printf("organisations: %" PRId64 "\n", r->victims);
	printf("recipients: %" PRId64 "\n", r->recipients);
	printf("notifications_queued: %" PRId64 "\n", r->notifications);
	printf("unroutable: %" PRId64 "\n", r->unroutable);
	if (s->skipped_registrations)
		printf("registrations_skipped: %zu\n", s->skipped_registrations);
	for (size_t i = 0; i < s->nrejects; i++)
		printf("rejected: row %" PRId64 " (line %" PRId64 "): %s\n", s->rejects[i].row,
		       s->rejects[i].line, s->rejects[i].reason);
	if (r->rows_rejected > (int64_t)s->nrejects)
		printf("rejected: ... %" PRId64 " more\n", r->rows_rejected - (int64_t)s->nrejects);
}

static void print_sent(const struct deliver_send_stats *st)
{
	printf("sent: %" PRId64 "\n", st->sent);
	printf("deferred: %" PRId64 "\n", st->deferred);
	printf("failed: %" PRId64 "\n", st->failed);
	if (st->resent_in_doubt)
		printf("resent_in_doubt: %" PRId64 "\n", st->resent_in_doubt);
}

static int run_run(struct cli *c, const struct cli_args *a)
{
	struct deliver_config dc;
	struct deliver_run_summary sum;
	struct deliver_send_stats st;
	struct notify_catalogue *cat = NULL;
	struct store *s = NULL;
	struct bar bar = {.tty = isatty(2) != 0, .last = -1};
	char hash[65], err[512];
	uint64_t size = 0;
	const char *path = cli_arg(a, "input");
	const char *type = cli_arg(a, "type");
	bool dry = cli_arg_count(a, "dry-run") > 0;
	bool no_send = cli_arg_count(a, "no-send") > 0;
	FILE *f = NULL;

	int r = deliver_cfg(c, &dc);
	if (r)
		return r;
	if (type && !notify_type_known(type))
		return cli_usage(c,
		                 "--type: unknown type '%.60s' (shadowserver, list, stix, advisory "
		                 "or a Shadowserver report type)",
		                 type);
	f = fopen(path, "rb");
	if (!f)
		return cli_fail(c, KR_EIO, "cannot read %s: %s", path, strerror(errno));
	r = hash_file(f, hash, &size);
	if (!r && fseek(f, 0, SEEK_SET) != 0)
		r = KR_EIO;
	if (r) {
		cli_fail(c, r, "cannot read %s", path);
		goto out;
	}
	r = notify_catalogue_builtin(&cat);
	if (r) {
		cli_fail(c, r, "the advice catalogue cannot be read");
		goto out;
	}
	r = cli_store_open(c, &s);
	if (r)
		goto out;
	const char *base = strrchr(path, '/');
	struct file_source fs = {.f = f};
	struct deliver_source src = {.read = file_read, .ctx = &fs, .total = size};
	struct deliver_run_options o = {
	    .input_hash = hash,
	    .input_name = base ? base + 1 : path,
	    .type = type,
	    .dry_run = dry,
	    .progress = on_progress,
	    .progress_ctx = &bar,
	};
	r = deliver_run_prepare(s, &dc, cat, &o, &src, &sum, err, sizeof err);
	bar_end(&bar);
	if (r) {
		cli_fail(c, r, "%s", err[0] ? err : kr_strerror(r));
		goto out;
	}
	print_summary(&sum, dry);
	fflush(stdout);
	if (dry || no_send || sum.run.id == 0)
		goto out;
	r = drain_locked(c, s, &dc, sum.run.id, false, 0, &bar, &st, err, sizeof err);
	bar_end(&bar);
	if (r) {
		cli_fail(c, r, "%s", err[0] ? err : kr_strerror(r));
		goto out;
	}
	print_sent(&st);
out:
	if (f)
		fclose(f);
	if (s)
		store_close(s);
	notify_catalogue_free(cat);
	return r;
}

static const struct cli_optspec run_opts[] = {
    {.name = "input", .has_arg = true, .required = true},
    {.name = "type", .has_arg = true},
    {.name = "dry-run"},
    {.name = "no-send"},
    {.name = NULL},
};

const struct cli_command cli_cmd_notify_run = {
    .group = "notify",
    .verb = "run",
    .summary = "match an input against the constituency and send the notifications",
    .usage = "usage: kring notify run --input FILE [--type T] [--dry-run] [--no-send]\n"
             "\n"
             "Reads a Shadowserver report, a plain list (address, network, domain or URL\n"
             "per line, optional time and description), STIX 2.1 indicators and sightings\n"
             "or a product advisory (CSV: cve, vendor, product, version_min, version_max\n"
             "or cpe), matches every row against the constituency registry, queues one\n"
             "notification per recipient, route and language, and sends them.\n"
             "The same file again resumes its run: only what was not sent goes out.\n"
             "\n"
             "  --input FILE   the input\n"
             "  --type T       shadowserver, list, stix, advisory, or a Shadowserver report\n"
             "                 type such as scan_http (default: detected from the content)\n"
             "  --dry-run      match and count only; nothing is stored or sent\n"
             "  --no-send      queue only; `kring notify send` sends later\n"
             "\n"
             "Prints `key: value` lines: rows read, matched, rejected (with reasons),\n"
             "recipients, notifications queued, then sent, deferred and failed.\n",
    .opts = run_opts,
    .needs_config = true,
    .run = run_run,
};

static int send_run(struct cli *c, const struct cli_args *a)
{
	struct deliver_config dc;
	struct deliver_send_stats st;
	struct store *s = NULL;
	struct bar bar = {.tty = isatty(2) != 0, .last = -1};
	char err[512];
	int64_t run_id = 0;
	long max = 0;
	int r = deliver_cfg(c, &dc);
	if (r)
		return r;
	if (cli_arg(a, "run") && cli_parse_id(cli_arg(a, "run"), &run_id))
		return cli_usage(c, "--run: expected a positive id");
	if (cli_arg(a, "max") && cli_parse_int(cli_arg(a, "max"), 1, 100000000, &max))
		return cli_usage(c, "--max: expected 1..100000000");
	r = cli_store_open(c, &s);
	if (r)
		return r;
	r = drain_locked(c, s, &dc, run_id, cli_arg_count(a, "retry-now") > 0, max, &bar, &st,
	                 err, sizeof err);
	bar_end(&bar);
	store_close(s);
	if (r)
		return cli_fail(c, r, "%s", err[0] ? err : kr_strerror(r));
	print_sent(&st);
	return 0;
}

static const struct cli_optspec send_opts[] = {
    {.name = "run", .has_arg = true},
    {.name = "retry-now"},
    {.name = "max", .has_arg = true},
    {.name = NULL},
};

const struct cli_command cli_cmd_notify_send = {
    .group = "notify",
    .verb = "send",
    .summary = "send the queued notifications (retries, resumed runs, API uploads)",
    .usage = "usage: kring notify send [--run ID] [--retry-now] [--max N]\n"
             "\n"
             "Sends every due message of the outbox: first those a crash left in doubt,\n"
             "then queued ones whose next attempt is due. A message that fails for a\n"
             "passing reason is tried again later with exponential back-off.\n"
             "\n"
             "  --run ID       only the messages of this run\n"
             "  --retry-now    do not wait for the back-off of deferred messages\n"
             "  --max N        stop after N messages\n",
    .opts = send_opts,
    .needs_config = true,
    .run = send_run,
};
