/* deliver.h - notification runs end to end: the registry loaded from the
 * store, an input matched and queued in the outbox in one transaction, and
 * the outbox worker that sends each message over SMTP (libcurl) with
 * retries and exponential back-off.
 *
 * Guarantees (docs/internals/notify.md): a run is prepared in ONE store
 * transaction (run row, matches, rejected rows, outbox messages, sent-log),
 * so a crash leaves either nothing or the whole run; the same input again
 * (same SHA-256) finds the run and only sends what is still queued. Every
 * message moves queued -> sending (committed before SMTP starts) -> sent
 * (committed after the relay accepted it). A crash between the relay's
 * acceptance and that commit leaves the message in state sending; the
 * worker sends such an in-doubt message again, with the same Message-ID
 * (its idempotency key), so at most that one message can arrive twice and
 * the copies are recognisable as one. Nothing is ever lost.
 *
 * Status: 0, KR_EINVAL, KR_ENOTFOUND, KR_ECONFLICT, KR_ENOMEM, KR_EIO. */
#ifndef KR_DELIVER_H
#define KR_DELIVER_H

#include "notify/notify.h"
#include "store/store.h"
#include "store/store_notify.h"
#include "util/config.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum deliver_tls { DELIVER_TLS_NO, DELIVER_TLS_TRY, DELIVER_TLS_REQUIRED };

struct deliver_config {
	char relay_host[256];
	int relay_port;
	enum deliver_tls tls;               /* STARTTLS */
	char from[320];                     /* From header: "Name <addr>" or "addr" */
	char from_addr[CORE_EMAIL_MAX + 1]; /* envelope sender */
	char sender[CORE_NAME_MAX + 1];     /* the team's name (From's display name) */
	char notify_url[256];               /* base of acknowledgement links, no trailing '/' */
	int64_t dedup_window_ms;            /* 0 = no de-duplication across runs */
	int max_attempts;                   /* SMTP attempts before failed; default 8 */
	int64_t backoff_base_ms;            /* first retry delay; default 60 s */
	int64_t backoff_max_ms;             /* longest delay; default 6 h */
	long timeout_s;                     /* one SMTP transaction; default 60 */
};

/* The delivery settings of a kring configuration (smtp_relay,
 * smtp_starttls, notify_from, notify_dedup_window, notify_url; an empty
 * notify_url gives http://LISTEN). KR_EINVAL with err for a From address
 * without an address. */
int deliver_config_from(const struct config *c, struct deliver_config *out, char *err,
                        size_t errlen);
/* Delay before attempt attempts+1 after attempts failed ones: base * 2^(attempts-1),
 * at most backoff_max_ms. */
int64_t deliver_backoff_ms(const struct deliver_config *c, int attempts);

/* ---- SMTP ---- */

/* Sends msg (a complete RFC 5322 message with CRLF line ends) to the
 * comma-separated recipients through the configured relay, with STARTTLS
 * as configured. 0 when the relay accepted it; KR_EIO for a failure worth
 * retrying (no connection, timeout, a 4xx answer); KR_EINVAL for a
 * permanent one (a 5xx answer, bad recipients). err gets a one-line reason. */
int deliver_smtp_send(const struct deliver_config *c, const char *recipients, const char *msg,
                      size_t len, char *err, size_t errlen);

/* ---- the registry ---- */

/* Loads every organisation, registration, route and contact from the store
 * and builds the registry. A registration the matcher refuses is skipped
 * and counted in *skipped (may be NULL). *out owned by the caller. */
int deliver_registry_load(struct store *s, struct notify_registry **out, size_t *skipped);

/* ---- registry edits (shared by the CLI and the API) ---- */

/* Reads a registration value of a kind into out (kind, value and the
 * product parts; org_id untouched): a prefix or address in canonical form
 * ("192.0.2.0/24", host bits must be clear), an AS number ("AS64500" or
 * "64500"), a domain (lower case), a product "vendor:product[:min[:max]]"
 * (empty or "*" bounds are open), a CPE 2.3 / 2.2 name. KR_EINVAL with
 * *why (static English) otherwise. */
int deliver_registration_parse(enum store_reg_kind kind, const char *value,
                               struct store_registration *out, const char **why);
/* Checks and fills a contact: name 1..200 bytes of UTF-8 text, a personal
 * e-mail address (core_email_normalise: functional mailboxes refused),
 * lang "nl" or "en" (NULL = "en"). KR_EINVAL with *why. */
int deliver_contact_parse(const char *name, const char *email, const char *lang,
                          struct store_contact *out, const char **why);
/* Checks a route of org before it is stored: direct has no via; a supplier
 * route names an organisation of kind supplier, a linking route one of
 * kind linking, never org itself. KR_EINVAL with *why, KR_ENOTFOUND when
 * via does not exist, or a store failure. */
int deliver_route_check(struct store *s, int64_t org, enum store_route_kind kind, int64_t via,
                        const char **why);

/* ---- runs ---- */

/* Where the input comes from: read() fills buf with up to n bytes, *got = 0
 * at the end; total is the size when known (progress), else 0. */
struct deliver_source {
	int (*read)(void *ctx, void *buf, size_t n, size_t *got);
	void *ctx;
	uint64_t total;
};

/* Progress: phase "matching" (done/total in bytes), "queueing" (groups) or
 * "sending" (messages). */
typedef void (*deliver_progress_fn)(void *ctx, const char *phase, uint64_t done, uint64_t total);

struct deliver_run_options {
	const char *input_hash; /* SHA-256 hex of the whole input (required) */
	const char *input_name; /* file name or upload name; may be NULL */
	const char *type;       /* --type; NULL = detect */
	bool dry_run;           /* match and count, then roll everything back */
	int64_t person_id;      /* API uploader, 0 = console */
	int64_t now;            /* ms; 0 = the clock */
	deliver_progress_fn progress;
	void *progress_ctx;
};

#define DELIVER_REJECTS_SHOWN 20

struct deliver_run_summary {
	struct store_notify_run run; /* id 0 after a dry run */
	bool existing;               /* the input had a run already: nothing was matched */
	size_t nrejects;             /* the first rejections (of at most STORE_REJECTS_KEPT) */
	struct store_notify_reject rejects[DELIVER_REJECTS_SHOWN];
	size_t skipped_registrations;
};

/* Prepares a run: finds the run of o->input_hash (then *existing, nothing
 * else happens), or reads src, matches every row against the registry,
 * aggregates per recipient and route, drops findings that went to the same
 * recipient within the de-duplication window, renders one message per
 * recipient, route and contact language with cat, and queues it - all in
 * one transaction (rolled back for a dry run). An input that cannot be
 * read at all still gives a run with its rejection. err gets a reason on
 * failure (KR_EINVAL for an unknown --type). */
int deliver_run_prepare(struct store *s, const struct deliver_config *c,
                        const struct notify_catalogue *cat, const struct deliver_run_options *o,
                        const struct deliver_source *src, struct deliver_run_summary *out,
                        char *err, size_t errlen);

/* ---- the outbox ---- */

struct deliver_send_stats {
	int64_t sent, deferred, failed, resent_in_doubt;
};

/* Sends due messages (of run_id, or of every run when 0) one by one until
 * none is due or max messages were tried (0 = no limit): in-doubt messages
 * first, then queued ones whose next attempt is due (every queued one when
 * ignore_schedule). Each gets a fresh acknowledgement token (only its hash
 * is stored). A transient failure reschedules with back-off until
 * max_attempts, then the message fails; a permanent one fails at once.
 * Runs whose messages are all settled are marked done. Storage failures
 * stop the drain and are returned; SMTP failures are not errors. */
int deliver_outbox_drain(struct store *s, const struct deliver_config *c, int64_t run_id,
                         bool ignore_schedule, int64_t max, deliver_progress_fn progress,
                         void *progress_ctx, struct deliver_send_stats *st, char *err,
                         size_t errlen);

/* The MIME message of an outbox row (o with its texts), its
 * acknowledgement link made from token (NULL: the placeholder stays). The
 * Message-ID is "kring-notify-<dedup_key>@<domain of from_addr>". */
int deliver_outbox_message(const struct deliver_config *c, const struct store_outbox *o,
                           const char *token, struct strbuf *out);

#endif
