/* api.h - the JSON API under /api/v1: parse -> ask policy -> call store ->
 * render. Handlers never build SQL and never decide access themselves: they
 * ask policy/ for every item they show or change.
 *
 * Shared plumbing for all resource files lives in common.c (declared here). */
#ifndef KR_API_H
#define KR_API_H

#include "core/model.h"
#include "http/http.h"
#include "policy/policy.h"
#include "api/ratelimit.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct api_config {
	int64_t session_ttl_ms;     /* default 12 h */
	int login_max_failures;     /* per account within the window, default 5 */
	int login_max_failures_ip;  /* per client address, default 20 */
	int64_t login_window_ms;    /* default 15 min */
	/* Progressive delay: after the free failures of a key (default 3 per
	 * account, 10 per address) each attempt waits login_delay_ms (default
	 * 1 s; negative = no delay) after the latest failure, doubled per
	 * further failure up to login_delay_max_ms (default 60 s). */
	int login_free_failures;
	int login_free_failures_ip;
	int64_t login_delay_ms;
	int64_t login_delay_max_ms;
	const char *version;        /* kring version string */
};

struct config;

/* Everything a handler needs; one per server, used from the server thread. */
struct api {
	struct store *store;
	struct api_config cfg;
	struct api_ratelimit *rl;   /* private to auth.c */
	/* The server's settings for notification runs started through the API
	 * (SMTP relay, sender, de-duplication window, link base); NULL = the
	 * defaults and the KRING_* environment. Read at api_register. */
	const struct config *config;
	/* Called after an upload queued messages, e.g. to wake the outbox
	 * worker; NULL = nobody. */
	void (*on_queued)(void *ctx);
	void *on_queued_ctx;
};

/* Registers every /api/v1 route on srv. a must outlive srv. Zero fields of
 * a->cfg get their defaults first (session 12 h, 5 failures per account,
 * 20 per address, 15 min window, version "0.1.0"). Resources register in
 * this order: meta, auth, orgs, people, communities, admission, audit,
 * reports, comments, indicators, notify. */
int api_register(struct api *a, struct http_server *srv);
/* Frees what the api allocated (not the store). */
void api_release(struct api *a);
/* auth.c: frees a->rl (called by api_release). */
void api_auth_release(struct api *a);

/* ---- login throttling (auth.c) ----
 * One rule for every way to sign in with a password (the API login, the web
 * sign-in and TAXII Basic): failures are counted per account and per client
 * address in one table, with a progressive delay and then a hard limit. */
struct api_login_keys {
	char email[API_RATELIMIT_KEY_MAX + 1];
	char addr[API_RATELIMIT_KEY_MAX + 1];
};

/* The keys of an attempt: the e-mail as typed, lower-cased, and the client
 * address (NULL = unknown). */
void api_login_keys_init(struct api_login_keys *k, const char *email, const char *client_addr);
/* True when this attempt must be refused without checking the password
 * (answer 429 with Retry-After); *retry_ms (may be NULL) receives the wait,
 * at least 1 ms. A refused attempt is not counted as a failure. */
bool api_login_throttled(const struct api *a, const struct api_login_keys *k, int64_t now,
			 int64_t *retry_ms);
/* Sets "Retry-After" (whole seconds, rounded up) on res for a throttled
 * attempt; 0 or KR_ELIMIT/KR_EINVAL from http_response_header. */
int api_login_retry_after(struct http_response *res, int64_t retry_ms);
/* Counts one failed attempt for both keys. */
void api_login_count_failure(struct api *a, const struct api_login_keys *k, int64_t now);
/* After a success: forgets the account's failures (the address keeps its). */
void api_login_forget_account(struct api *a, const struct api_login_keys *k);

/* ---- authentication (common.c) ---- */

/* The caller of a request: resolved from "Authorization: Bearer <secret>"
 * (session secrets start with "ks_", API tokens with "kt_"). */
struct api_caller {
	struct policy_actor actor;  /* authenticated=false when anonymous */
	struct core_person person;  /* valid when actor.authenticated */
	bool via_token;             /* API token (not a login session) */
	int64_t token_id;
	char session_hash[65];      /* when a session */
};

/* Resolves the caller. Returns 0 (possibly anonymous), or answers 401 in res
 * and returns KR_EAUTH when a credential was given but is invalid/expired
 * (also: revoked token, disabled or deleted person). The secret must be
 * "ks_"/"kt_" + 64 lower-case hex digits; it is looked up by the SHA-256
 * hex of the whole secret, prefix included (hash_sha256_hex). A token whose
 * scope is not "write" gives actor.can_write = false. A token's last_used
 * is refreshed at most once a minute. A storage failure answers 500 and
 * returns its status. On any error *out is anonymous. */
int api_caller_resolve(struct api *a, struct http_request *req, struct http_response *res,
		       struct api_caller *out);
/* Like api_caller_resolve but answers 401 for anonymous callers too. */
int api_caller_require(struct api *a, struct http_request *req, struct http_response *res,
		       struct api_caller *out);
/* Answers 403 "read-only token" and returns KR_EFORBIDDEN when the caller
 * cannot write; 0 otherwise. */
int api_require_write(const struct api_caller *c, struct http_response *res);
/* Answers 401 problem "unauthorized" with "WWW-Authenticate: Bearer";
 * detail NULL = a generic sentence. Returns KR_EAUTH. */
int api_unauthorized(struct http_response *res, const char *detail);

/* ---- request bodies (common.c) ---- */

/* Parses req->body as a JSON object. On failure answers 400/415 problem
 * (malformed-json: empty, invalid JSON incl. duplicate keys, invalid UTF-8
 * and \u0000 with line/column in the detail, not an object, nested deeper
 * than 32; unsupported-media-type: wrong content type) and returns KR_EINVAL.
 * *out is owned by the caller (json_decref). Requires Content-Type
 * application/json (parameters allowed). */
int api_body_object(struct http_request *req, struct http_response *res, json_t **out);

enum api_ftype {
	AF_STRING,      /* UTF-8 text, max_len bytes, no control chars except \t\r\n if multiline */
	AF_TEXT,        /* like AF_STRING but multiline allowed */
	AF_INT,         /* JSON integer in [min, max] */
	AF_BOOL,
	AF_ENUM,        /* string parsed by parse(); -1 = bad value */
	AF_INT_ARRAY,   /* array of positive integers, at most max_items */
	AF_STRING_ARRAY,/* array of AF_STRING (max_len each), at most max_items */
	AF_TIME,        /* RFC 3339 string -> int64 ms */
	AF_ANY,         /* any JSON value, validated by the handler (e.g. nested arrays) */
};

struct api_field {
	const char *name;
	enum api_ftype type;
	bool required;
	size_t max_len;          /* AF_STRING/AF_TEXT/AF_STRING_ARRAY items; 0 = 200 */
	int64_t min, max;        /* AF_INT; both 0 = any integer */
	int max_items;           /* arrays; 0 = 64 */
	int (*parse)(const char *); /* AF_ENUM */
};

/* Checks obj against the table: unknown fields, missing required fields,
 * wrong types, lengths, ranges, enum values, invalid UTF-8. On any problem
 * answers 422 problem "validation" with one errors[] entry per field and
 * returns KR_EINVAL. fields ends with an entry whose name is NULL.
 * A JSON null counts as absent. Required AF_STRING/AF_TEXT must not be
 * empty; AF_STRING_ARRAY items never. A bad array item is named
 * "field[i]". At most 50 errors are listed. */
int api_validate(json_t *obj, const struct api_field *fields, struct http_response *res);

/* Getters for already validated objects; return the default when absent. */
const char *api_get_str(json_t *obj, const char *name, const char *def);
int64_t api_get_int(json_t *obj, const char *name, int64_t def);
bool api_get_bool(json_t *obj, const char *name, bool def);
int api_get_enum(json_t *obj, const char *name, int (*parse)(const char *), int def);
int64_t api_get_time(json_t *obj, const char *name, int64_t def);
/* Copies up to max ints of an array field into out; returns the count. */
int api_get_int_array(json_t *obj, const char *name, int64_t *out, int max);
/* Copies up to max strings (each truncated to width-1) into out[max][width]. */
int api_get_str_array(json_t *obj, const char *name, char *out, int max, size_t width);

/* ---- query parameters (common.c) ---- */

/* Validates query parameters against an allow-list; answers 400 problem
 * "bad-query" for unknown parameters and returns KR_EINVAL. NULL-terminated. */
int api_query_allow(struct http_request *req, struct http_response *res,
		    const char *const *allowed);
/* Integer query parameter in [min,max]; absent -> def; bad -> 400 problem.
 * The parameter named "cursor" is always at least 1. */
int api_query_int(struct http_request *req, struct http_response *res, const char *name,
		  int64_t min, int64_t max, int64_t def, int64_t *out);
/* Enum query parameter; absent -> -1; bad -> 400 problem. */
int api_query_enum(struct http_request *req, struct http_response *res, const char *name,
		   int (*parse)(const char *), int *out);
/* RFC 3339 query parameter; absent -> 0; bad -> 400 problem. */
int api_query_time(struct http_request *req, struct http_response *res, const char *name,
		   int64_t *out);
/* Path parameter i as a positive id; bad -> 404 problem (an id that cannot
 * exist does not exist). */
int api_path_id(struct http_request *req, struct http_response *res, int i, int64_t *out);

/* ---- answers (common.c) ---- */

/* Maps a store/core status to a problem answer: ENOTFOUND 404, ECONFLICT
 * 409, EINVAL 422 (with an empty errors[]), EFORBIDDEN 403, ELIMIT 413,
 * EBUSY 429, EAUTH 401, others 500 (logged once here; the detail goes to
 * the log, not to the client). detail NULL = a generic sentence. Returns
 * status unchanged. */
int api_fail(struct http_response *res, int status, const char *detail);
int api_not_found(struct http_response *res);          /* 404 "not-found" */
int api_forbidden(struct http_response *res, const char *detail); /* 403 */
/* Wraps items in {"items": [...], "next_cursor": "<id>"|null}; takes refs. */
json_t *api_page(json_t *items, int64_t next_cursor);

/* ---- audit (common.c) ---- */
/* Appends an audit record for the caller; failures are logged, not fatal
 * for reads (writes call it inside their transaction and check it). */
int api_audit(struct api *a, const struct api_caller *c, struct http_request *req,
	      enum audit_action act, int64_t community_id, const char *object_type,
	      int64_t object_id, const char *detail);

/* ---- renderers (common.c): entity -> new JSON object (caller owns) ---- */
json_t *api_org_json(const struct core_org *o);
json_t *api_person_json(const struct core_person *p, bool with_email);
json_t *api_community_json(const struct core_community *c, bool full);
json_t *api_time_json(int64_t ms); /* RFC 3339 string, or null for 0 */

/* ---- admission (admission.c), shared with the web interface ---- */

/* Organisations that vote on app: the community's members now, without the
 * applicant. *out (n ids) is allocated here and freed by the caller with
 * kr_free(). */
int api_admission_voters(struct api *a, const struct core_application *app, int64_t **out,
			 size_t *n);
/* After a vote, inside the caller's transaction: the outcome over the
 * current voters and the votes cast (core_admission_outcome: unanimous),
 * written when decided. Admitted: the organisation becomes a member and its
 * proposed people primary representatives where the limits allow (a person
 * who left, is disabled or would break max_primary is skipped). *outcome
 * receives it (APP_PENDING when undecided). */
int api_admission_decide(struct api *a, const struct core_community *com,
			 const struct core_application *app, int64_t now, enum app_status *outcome);

/* ---- resource registration (one per file) ---- */
int api_auth_register(struct api *a, struct http_server *srv);        /* auth.c */
int api_orgs_register(struct api *a, struct http_server *srv);        /* orgs.c */
int api_people_register(struct api *a, struct http_server *srv);      /* people.c */
int api_communities_register(struct api *a, struct http_server *srv); /* communities.c */
int api_admission_register(struct api *a, struct http_server *srv);   /* admission.c */
int api_audit_register(struct api *a, struct http_server *srv);       /* audit.c */
int api_reports_register(struct api *a, struct http_server *srv);     /* reports.c */
int api_comments_register(struct api *a, struct http_server *srv);    /* comments.c */
int api_indicators_register(struct api *a, struct http_server *srv);  /* indicators.c */
int api_meta_register(struct api *a, struct http_server *srv);        /* meta.c: health, openapi.json */
int api_notify_register(struct api *a, struct http_server *srv);      /* notify.c: constituency, runs, ack */

#endif
