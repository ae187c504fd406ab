/* store_notify.h - what the store keeps for target and victim notification:
 * the constituency registry (registrations, security contacts, routes),
 * notification runs with their matches and rejected rows, the outbox and
 * the sent-log of the de-duplication window (tables of
 * migrations/004_notify.sql; SQLite only, any other backend answers
 * KR_EINVAL).
 *
 * Status and transactions as in store.h: 0, KR_ENOTFOUND, KR_ECONFLICT,
 * KR_EINVAL, KR_ENOMEM, KR_EIO. Every write is one statement (atomic on its
 * own) or, when it is several, runs in its own transaction or a savepoint
 * of the caller's (store_begin). Values are checked by the caller (deliver/
 * and the API normalise them); the schema's CHECKs are the second line.
 * Nothing here decides access or routes anything.
 *
 * Ownership: structs are filled by value except the outbox texts, which
 * store_outbox_get allocates and store_outbox_release frees. Arrays through
 * `**out, *n` are freed with the matching *_free. */
#ifndef KR_STORE_NOTIFY_H
#define KR_STORE_NOTIFY_H

#include "core/model.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_REG_TEXT_MAX       255  /* vendor, product, version texts */
#define STORE_REG_VALUE_MAX      1100 /* canonical value (four texts and colons) */
#define STORE_RUN_NAME_MAX       255
#define STORE_RUN_TYPE_MAX       64
#define STORE_REJECT_REASON_MAX  255
#define STORE_REJECTS_KEPT       1000 /* rejected rows kept per run */
#define STORE_OUTBOX_RCPT_MAX    8192
#define STORE_OUTBOX_SUBJECT_MAX 998
#define STORE_OUTBOX_ERROR_MAX   255

/* ---- registry ---- */

enum store_reg_kind {
	STORE_REG_PREFIX,
	STORE_REG_ASN,
	STORE_REG_DOMAIN,
	STORE_REG_PRODUCT,
	STORE_REG_CPE,
	STORE_REG__COUNT
};
/* "prefix", "asn", "domain", "product", "cpe"; parse -1 when unknown. */
const char *store_reg_kind_name(enum store_reg_kind k);
int store_reg_kind_parse(const char *s);

struct store_registration {
	int64_t id;
	int64_t org_id;
	enum store_reg_kind kind;
	char value[STORE_REG_VALUE_MAX + 1]; /* canonical, see 004_notify.sql */
	char vendor[STORE_REG_TEXT_MAX + 1]; /* product only */
	char product[STORE_REG_TEXT_MAX + 1];
	char min_version[STORE_REG_TEXT_MAX + 1];
	char max_version[STORE_REG_TEXT_MAX + 1];
	int64_t created;
};

/* Sets id and created (now when 0). KR_ECONFLICT when the prefix, ASN or
 * domain is registered already (to any organisation) or the organisation
 * has the same product / CPE registration; KR_EINVAL for an unknown
 * organisation or a value the schema refuses. */
int store_registration_add(struct store *s, struct store_registration *r);
int store_registration_get(struct store *s, int64_t id, struct store_registration *out);
/* The registration of an exclusive kind with this value (KR_ENOTFOUND). */
int store_registration_find(struct store *s, enum store_reg_kind kind, const char *value,
                            struct store_registration *out);
int store_registration_delete(struct store *s, int64_t id);
/* Of one organisation (org_id 0 = all), newest first, paged as store.h. */
int store_registration_list(struct store *s, int64_t org_id, int64_t before_id, int limit,
                            struct store_registration **out, size_t *n);
void store_registration_free(struct store_registration *arr);
/* Calls fn for every registration in id order, one at a time (bounded
 * memory for a registry of millions); a non-zero return of fn stops the
 * walk and is returned. */
typedef int (*store_registration_fn)(void *ctx, const struct store_registration *r);
int store_registration_each(struct store *s, store_registration_fn fn, void *ctx);

enum store_route_kind {
	STORE_ROUTE_DIRECT,
	STORE_ROUTE_SUPPLIER,
	STORE_ROUTE_LINKING,
	STORE_ROUTE__COUNT
};
/* "direct", "supplier", "linking"; parse -1 when unknown. */
const char *store_route_kind_name(enum store_route_kind k);
int store_route_kind_parse(const char *s);

struct store_route {
	int64_t id;
	int64_t org_id; /* the organisation the findings are about */
	enum store_route_kind kind;
	int64_t via_org_id; /* supplier or linking organisation; 0 for direct */
	int64_t created;
};
/* Sets id, created. KR_ECONFLICT for the same route twice; KR_EINVAL for a
 * direct route with via_org_id, a relay route without one or via itself. */
int store_route_add(struct store *s, struct store_route *r);
int store_route_get(struct store *s, int64_t id, struct store_route *out);
int store_route_delete(struct store *s, int64_t id);
/* Routes of one organisation (org_id > 0), by id, at most STORE_LIST_MAX;
 * store_route_each walks all routes of the registry. */
int store_route_list(struct store *s, int64_t org_id, struct store_route **out, size_t *n);
void store_route_free(struct store_route *arr);
typedef int (*store_route_fn)(void *ctx, const struct store_route *r);
int store_route_each(struct store *s, store_route_fn fn, void *ctx);

struct store_contact {
	int64_t id;
	int64_t org_id;
	char name[CORE_NAME_MAX + 1];
	char email[CORE_EMAIL_MAX + 1]; /* personal, lower-cased by the caller */
	enum lang lang;
	int64_t created;
};
/* Sets id, created. KR_ECONFLICT when the organisation has the address. */
int store_contact_add(struct store *s, struct store_contact *c);
int store_contact_get(struct store *s, int64_t id, struct store_contact *out);
int store_contact_delete(struct store *s, int64_t id);
/* Contacts of one organisation (org_id > 0), by id, at most STORE_LIST_MAX. */
int store_contact_list(struct store *s, int64_t org_id, struct store_contact **out, size_t *n);
void store_contact_free(struct store_contact *arr);
typedef int (*store_contact_fn)(void *ctx, const struct store_contact *c);
int store_contact_each(struct store *s, store_contact_fn fn, void *ctx);

/* ---- runs ---- */

enum store_run_state { STORE_RUN_MATCHING, STORE_RUN_QUEUED, STORE_RUN_DONE, STORE_RUN__COUNT };
/* "matching", "queued", "done". */
const char *store_run_state_name(enum store_run_state st);

struct store_notify_run {
	int64_t id;
	char input_hash[65];
	char input_name[STORE_RUN_NAME_MAX + 1];
	char input_format[33];                   /* "shadowserver", "list", "stix", "advisory" */
	char event_type[STORE_RUN_TYPE_MAX + 1]; /* detected report type or "" */
	enum store_run_state state;
	int64_t person_id; /* who uploaded it through the API; 0 = console */
	int64_t bytes;
	int64_t rows_read, rows_matched, rows_unmatched, rows_rejected, rows_duplicate,
	    rows_suppressed, rows_truncated;
	int64_t victims, recipients, notifications, unroutable;
	int64_t created, finished;
	/* Filled by get and list from the outbox, ignored on writes. */
	int64_t n_queued, n_sending, n_sent, n_failed, n_acknowledged;
};

/* Sets id, created (now when 0). KR_ECONFLICT when a run of the same input
 * hash exists. */
int store_notify_run_create(struct store *s, struct store_notify_run *r);
/* Writes state, counts and finished of r->id. */
int store_notify_run_update(struct store *s, const struct store_notify_run *r);
int store_notify_run_get(struct store *s, int64_t id, struct store_notify_run *out);
int store_notify_run_find(struct store *s, const char *input_hash, struct store_notify_run *out);
/* Newest first, paged as store.h. */
int store_notify_run_list(struct store *s, int64_t before_id, int limit,
                          struct store_notify_run **out, size_t *n);
void store_notify_run_free(struct store_notify_run *arr);
/* Marks the run done when none of its messages is queued or sending any
 * more (finished = now); *done tells whether it is done now. */
int store_notify_run_settle(struct store *s, int64_t run_id, bool *done);

struct store_notify_reject {
	int64_t row; /* 0 = the header / the input as a whole */
	int64_t line;
	char reason[STORE_REJECT_REASON_MAX + 1];
};
/* Keeps the rejection as number seq of the run (at most STORE_REJECTS_KEPT
 * are kept; later ones answer 0 and are dropped). */
int store_notify_reject_add(struct store *s, int64_t run_id, int64_t seq,
                            const struct store_notify_reject *rj);
/* In the order added. */
int store_notify_reject_list(struct store *s, int64_t run_id, struct store_notify_reject **out,
                             size_t *n);
void store_notify_reject_free(struct store_notify_reject *arr);

/* ---- matches ---- */

struct store_notify_match {
	int64_t run_id;
	int64_t victim_org_id;
	int64_t seq; /* order in the run */
	int64_t row; /* input row */
	const char *event_type;
	const char *category;
	const char *subject;      /* normalised indicator value */
	const char *subject_type; /* ind_type name */
	const char *row_key;      /* 64 hex */
	int64_t at;
	const char *fields; /* one CSV line */
};

/* Adding many matches: a writer keeps its statement prepared. */
struct store_match_writer;
int store_match_writer_new(struct store *s, struct store_match_writer **out);
/* KR_ECONFLICT when the victim already has a match with that row_key in
 * the run (a duplicate finding); nothing is written then. */
int store_match_writer_add(struct store_match_writer *w, const struct store_notify_match *m);
void store_match_writer_free(struct store_match_writer *w);

/* The distinct victims of a run, ascending (caller frees with kr_free). */
int store_notify_match_victims(struct store *s, int64_t run_id, int64_t **out, size_t *n);
/* Every match of (run, victim) in seq order; pointers valid during fn. */
typedef int (*store_match_fn)(void *ctx, const struct store_notify_match *m);
int store_notify_match_each(struct store *s, int64_t run_id, int64_t victim_org_id,
                            store_match_fn fn, void *ctx);
/* Number of matches of a run. */
int store_notify_match_count(struct store *s, int64_t run_id, int64_t *n);

/* ---- outbox ---- */

enum store_outbox_state {
	STORE_OUTBOX_QUEUED,
	STORE_OUTBOX_SENDING,
	STORE_OUTBOX_SENT,
	STORE_OUTBOX_FAILED,
	STORE_OUTBOX_ACKNOWLEDGED,
	STORE_OUTBOX__COUNT
};
/* "queued", "sending", "sent", "failed", "acknowledged"; parse -1. */
const char *store_outbox_state_name(enum store_outbox_state st);
int store_outbox_state_parse(const char *s);

struct store_outbox {
	int64_t id;
	int64_t run_id;
	char dedup_key[65];
	int64_t recipient_org_id;
	enum store_route_kind route;
	enum lang lang;
	enum tlp tlp;
	char recipients[STORE_OUTBOX_RCPT_MAX + 1]; /* "a@x.nl, b@y.nl" */
	char subject[STORE_OUTBOX_SUBJECT_MAX + 1];
	char *body_text; /* owned after get; borrowed by add */
	char *csv;
	char *stix;
	int64_t nrows;
	enum store_outbox_state state;
	int attempts;
	int64_t next_attempt;
	char last_error[STORE_OUTBOX_ERROR_MAX + 1];
	int64_t created, sent_at, acked_at;
};
/* Queues a message (state queued, attempts 0); sets id, created.
 * KR_ECONFLICT when the dedup_key exists. */
int store_outbox_add(struct store *s, struct store_outbox *o);
/* With the texts (store_outbox_release). */
int store_outbox_get(struct store *s, int64_t id, struct store_outbox *out);
void store_outbox_release(struct store_outbox *o);
/* Without the texts (NULL), newest first; run_id 0 = any. */
int store_outbox_list(struct store *s, int64_t run_id, int64_t before_id, int limit,
                      struct store_outbox **out, size_t *n);
void store_outbox_free(struct store_outbox *arr);
/* The id of the next message to send, or KR_ENOTFOUND: first a message left
 * in state sending (in doubt after a crash), then the oldest queued one
 * whose next_attempt <= now (any next_attempt when ignore_schedule).
 * run_id 0 = any run. */
int store_outbox_next(struct store *s, int64_t run_id, int64_t now, bool ignore_schedule,
                      int64_t *id);
/* queued|sending -> sending: attempts + 1, ack_hash set. KR_ECONFLICT from
 * any other state. */
int store_outbox_mark_sending(struct store *s, int64_t id, const char *ack_hash);
/* sending -> sent (sent_at = now). KR_ECONFLICT from any other state. */
int store_outbox_mark_sent(struct store *s, int64_t id, int64_t now);
/* sending -> queued with next_attempt and the error text. */
int store_outbox_mark_retry(struct store *s, int64_t id, int64_t next_attempt, const char *error);
/* sending|queued -> failed with the error text. */
int store_outbox_mark_failed(struct store *s, int64_t id, const char *error);
/* The recipient's acknowledgement: the message whose ack_hash is given
 * moves from sent (or sending: the mail did arrive) to acknowledged
 * (acked_at = now); an acknowledged one stays so (0). *out (may be NULL)
 * receives the row without texts. KR_ENOTFOUND for no such hash. */
int store_outbox_acknowledge(struct store *s, const char *ack_hash, int64_t now,
                             struct store_outbox *out);

/* The message whose ack_hash is given, without texts; KR_ENOTFOUND. */
int store_outbox_get_by_ack(struct store *s, const char *ack_hash, struct store_outbox *out);

/* ---- sent-log ---- */

/* *seen = a message of another run than run_id, not failed, carried the
 * finding key at or after since. */
int store_sentlog_seen(struct store *s, const char *key, int64_t since, int64_t run_id, bool *seen);
int store_sentlog_add(struct store *s, const char *key, int64_t outbox_id, int64_t at);
/* Forgets entries older than before. */
int store_sentlog_purge(struct store *s, int64_t before);

#endif
