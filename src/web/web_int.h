/* web_int.h - what the files of src/web share: the state behind struct
 * web, the per-request struct web_req with its session, language and page
 * context, answers (pages, redirects, error pages), CSRF checks and the
 * small builders of template contexts. Internal to src/web.
 *
 * A handler runs: web_req_begin -> (web_req_require) -> (web_req_post) ->
 * build q->page -> web_render / web_redirect -> web_req_end. Access to
 * items is always asked of policy/; none of these helpers decides it. */
#ifndef KR_WEB_INT_H
#define KR_WEB_INT_H

#include "api/api.h"
#include "core/model.h"
#include "http/http.h"
#include "policy/policy.h"
#include "store/store.h"
#include "web/form.h"
#include "web/i18n.h"
#include "web/tpl.h"
#include "web/web.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define WEB_COOKIE_SESSION "kring_session"
#define WEB_COOKIE_CSRF "kring_csrf"       /* double-submit token of anonymous forms */
#define WEB_COOKIE_PENDING "kring_pending" /* a sign-in waiting for its TOTP code */
#define WEB_COOKIE_LANG "kring_lang"
#define WEB_CSRF_FIELD "csrf"
#define WEB_SECRET_LEN 67                  /* "kw_" + 64 hex digits */
#define WEB_PENDING_MAX 256                /* sign-ins waiting for a TOTP code */
#define WEB_PENDING_TTL_MS (5LL * 60 * 1000)
#define WEB_PENDING_TRIES 5                /* wrong codes before the sign-in starts over */
#define WEB_PAGE_MAX ((size_t)4 * 1024 * 1024) /* bytes of one rendered page */

/* The exact policy every HTML answer carries. */
#define WEB_CSP                                                                                \
	"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "      \
	"frame-ancestors 'none'; base-uri 'none'"

/* A password sign-in that still needs its second factor. */
struct web_pending {
	char hash[65];      /* SHA-256 hex of the cookie's secret; "" = free slot */
	int64_t person_id;
	int64_t expires;
	int failures;
	char email[CORE_EMAIL_MAX + 1];
};

struct web_state {
	struct web_tpl_set *tpl;
	struct web_i18n *i18n;
	bool oath_ready;
	struct web_pending pending[WEB_PENDING_MAX];
};

/* One request. */
struct web_req {
	struct web *w;
	struct http_request *req;
	struct http_response *res;
	enum lang lang;
	bool secure;               /* reached over TLS (configured or trusted proxy) */
	bool signed_in;
	struct api_caller caller;  /* actor and person when signed_in */
	struct store_session sess; /* the session row when signed_in */
	char anon_csrf[65];        /* token of anonymous forms (cookie WEB_COOKIE_CSRF) */
	bool new_anon_csrf;        /* the cookie must be set with this answer */
	struct web_form form;      /* the POST body after web_req_post */
	json_t *page;              /* context of the page being built (owned) */
	bool oom;                  /* building the context ran out of memory */
};

/* ---- request life (session.c) ---- */

/* Fills q for this request: language, TLS, the session from its cookie
 * (an expired, unknown or malformed cookie is simply not signed in). A
 * store failure is returned (the caller ends with web_req_end). */
int web_req_begin(struct web *w, struct http_request *req, struct http_response *res,
		  struct web_req *q);
/* Signed in: 0. Otherwise answers 303 to /signin (with ?next=PATH for a
 * GET, so the page comes back after signing in) and returns KR_EAUTH. */
int web_req_require(struct web_req *q);
/* For every POST: the body must be a form and carry the CSRF token of the
 * session (signed in) or of the anonymous cookie; a cross-site request
 * (Sec-Fetch-Site: cross-site) is refused too. Answers the 403 page and
 * returns KR_EFORBIDDEN when not; 400 page and KR_EINVAL for a malformed
 * body. On 0, q->form holds the fields. */
int web_req_post(struct web_req *q);
/* The CSRF decision: token (the form's field) must be 64 lower-case hex
 * digits equal to expected (compared in constant time). A NULL expected
 * token (no session, no anonymous cookie yet) refuses every form. */
bool web_csrf_check(const char *token, const char *expected);
/* Ends a handler: when nothing was answered yet, answers the error page
 * for r (404, 403, 400, 429, else 500 logged once). Frees q's parts.
 * Always returns 0 (the answer is in the response). */
int web_req_end(struct web_req *q, int r);

/* ---- answers (session.c) ---- */

/* Renders template tpl with q->page (plus the common keys: lang, user,
 * csrf, nav, other language) and the security headers. */
int web_render(struct web_req *q, int status, const char *tpl);
/* 303 See Other to a local path (must start with one '/'). */
int web_redirect(struct web_req *q, const char *path);
/* The error pages: status and the catalogue key of the sentence shown. */
int web_error_page(struct web_req *q, int status, const char *msg_key);
int web_not_found(struct web_req *q);                    /* 404, returns KR_ENOTFOUND */
int web_forbidden(struct web_req *q, const char *msg_key); /* 403, returns KR_EFORBIDDEN */
/* Adds the security headers of an HTML answer (CSP, Referrer-Policy,
 * HSTS when secure, Content-Language). */
int web_security_headers(struct web_req *q);
/* Set-Cookie for name=value (HttpOnly, SameSite=Strict, Path=/, Secure
 * when q->secure); max_age_s < 0 = a session cookie, 0 = delete it. */
int web_set_cookie(struct web_req *q, const char *name, const char *value, long max_age_s);

/* ---- sessions (session.c) ---- */

/* Creates a session for p: store row, audit "login", cookie, visit start.
 * how is the audit detail ("web password", "web totp"). */
int web_session_start(struct web_req *q, const struct core_person *p, const char *how);
/* Deletes the session row and cookie; audit "logout". */
int web_session_end(struct web_req *q);

/* ---- texts and values (session.c) ---- */

/* Text of key in the request's language, or the key when unknown. */
const char *web_t(const struct web_req *q, const char *key);
/* Text of prefix + name ("kind." "incident"), or name when unknown. */
const char *web_t2(const struct web_req *q, const char *prefix, const char *name);
/* Catalogue lookup in the shape of web_tpl_text_fn (arg is a web_req). */
const char *web_text_fn(void *arg, const char *key);

/* Builders of the page context. Each takes the reference of v; a failure
 * sets q->oom, which makes web_render answer 500. */
json_t *web_obj(struct web_req *q);
json_t *web_arr(struct web_req *q);
void web_set(struct web_req *q, json_t *o, const char *key, json_t *v);
void web_set_str(struct web_req *q, json_t *o, const char *key, const char *s);
void web_set_int(struct web_req *q, json_t *o, const char *key, int64_t v);
void web_set_bool(struct web_req *q, json_t *o, const char *key, bool v);
void web_set_text(struct web_req *q, json_t *o, const char *key, const char *msg_key);
void web_push(struct web_req *q, json_t *arr, json_t *v);
/* {"name":"AMBER+STRICT","label":"TLP:AMBER+STRICT","class":"tlp-amber-strict"} */
json_t *web_tlp_json(struct web_req *q, enum tlp t);
/* Markdown rendered to safe HTML (codec/markdown: raw HTML dropped, unsafe
 * links removed) with its headings moved two levels down, as a JSON string
 * for {{raw}}; "" when md is not valid UTF-8. */
json_t *web_markdown_json(struct web_req *q, const char *md);
/* {"iso":"2026-...Z","text":"3 mrt. 2026 14:05"}, or null for 0. */
json_t *web_time_json(struct web_req *q, int64_t ms);
/* Options of a <select>: for each i in 0..n-1 {"value","label","selected"}. */
json_t *web_options(struct web_req *q, int n, const char *(*name)(int), const char *prefix,
		    int selected);
/* Appends an audit record for the signed-in person (api_audit). */
int web_audit(struct web_req *q, enum audit_action act, int64_t community_id,
	      const char *object_type, int64_t object_id, const char *detail);
/* Positive id in path parameter i; 0 when malformed (then: 404). */
int64_t web_path_id(const struct web_req *q, int i);
/* Positive integer of a query or form value; 0 when absent or malformed. */
int64_t web_parse_id(const char *s);

/* Names for display, respecting the directory's visibility rules of the API
 * (apia_org_visible, apia_person_visible): the name, or a neutral
 * catalogue text when the reader may not see it. out is CORE_NAME_MAX+1. */
int web_org_name(struct web_req *q, int64_t org_id, char *out, size_t n);
int web_person_name(struct web_req *q, int64_t person_id, char *out, size_t n);

/* ---- pages (one file per group); each registers its routes ---- */
int web_auth_register(struct web *w, struct http_server *srv);        /* auth.c */
int web_home_register(struct web *w, struct http_server *srv);        /* home.c */
int web_reports_register(struct web *w, struct http_server *srv);     /* reports.c */
int web_communities_register(struct web *w, struct http_server *srv); /* communities.c */
int web_org_register(struct web *w, struct http_server *srv);         /* org.c */
int web_static_register(struct web *w, struct http_server *srv);      /* static.c */

/* reports.c, shared with home.c: fills q->page key "reports" with up to
 * limit readable reports matching f (newest first), auditing the AMBER+
 * ones as list reads. *next receives the cursor of the next page (0 = no
 * more). */
int web_report_rows(struct web_req *q, struct store_report_filter *f, int limit,
		    json_t *rows, int64_t *next);

#endif
