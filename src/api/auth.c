/* auth.c - login and logout, the caller's own view (/me) and API tokens.
 * Owns the login rate limiter behind a->rl.
 *
 * Secrets are "ks_" (sessions) or "kt_" (tokens) followed by 64 hex digits
 * from the CSPRNG; only the SHA-256 of the whole secret is stored, and the
 * secret is shown once. */
#include "api/api.h"
#include "api/apia_util.h"
#include "api/ratelimit.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/random.h"
#include "util/timeutil.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define DEF_SESSION_TTL_MS (12LL * 3600 * 1000)
#define DEF_MAX_FAILURES 5
#define DEF_MAX_FAILURES_IP 20
#define DEF_WINDOW_MS (15LL * 60 * 1000)
#define DEF_FREE_FAILURES 3
#define DEF_FREE_FAILURES_IP 10
#define DEF_DELAY_MS 1000LL
#define DEF_DELAY_MAX_MS (60LL * 1000)
#define SECRET_BYTES 32 /* 64 hex digits */
#define SECRET_LEN (3 + 2 * SECRET_BYTES)
#define TOKEN_PREFIX_LEN 12
#define TOKEN_MAX_DAYS 3650

/* Verified when the e-mail is unknown (or has no password) so that a failed
 * login takes as long whether the account exists or not. Same algorithm and
 * limits as real hashes; its password is not used anywhere. */
static const char dummy_hash[crypto_pwhash_STRBYTES] =
	"$argon2id$v=19$m=65536,t=2,p=1$MGX2pgPUtLjDN2Ooq4HIug$"
	"cNWLvMS0oAyMcz2IkLIm+yY/s6bVMlPBtW/XypOSjJY";

static const char *const no_query[] = { NULL };

static int64_t session_ttl(const struct api *a)
{
	return a->cfg.session_ttl_ms > 0 ? a->cfg.session_ttl_ms : DEF_SESSION_TTL_MS;
}

static int max_failures(const struct api *a)
{
	return a->cfg.login_max_failures > 0 ? a->cfg.login_max_failures : DEF_MAX_FAILURES;
}

static int max_failures_ip(const struct api *a)
{
	return a->cfg.login_max_failures_ip > 0 ? a->cfg.login_max_failures_ip
						: DEF_MAX_FAILURES_IP;
}

static int64_t login_window(const struct api *a)
{
	return a->cfg.login_window_ms > 0 ? a->cfg.login_window_ms : DEF_WINDOW_MS;
}

static int64_t login_delay(const struct api *a)
{
	if (a->cfg.login_delay_ms < 0)
		return 0;
	return a->cfg.login_delay_ms > 0 ? a->cfg.login_delay_ms : DEF_DELAY_MS;
}

/* "ks_"/"kt_" + 64 hex into out[SECRET_LEN + 1], and its stored hash. */
static void new_secret(const char *kind, char out[SECRET_LEN + 1], char hash[65])
{
	memcpy(out, kind, 3);
	random_hex(out + 3, SECRET_BYTES);
	hash_sha256_hex(out, SECRET_LEN, hash);
}

/* ---- login ---- */

void api_login_keys_init(struct api_login_keys *k, const char *email, const char *client_addr)
{
	char low[CORE_EMAIL_MAX + 1];
	size_t i = 0;
	for (; i < CORE_EMAIL_MAX && email[i]; i++)
		low[i] = (char)tolower((unsigned char)email[i]);
	low[i] = '\0';
	snprintf(k->email, sizeof k->email, "e:%s", low);
	snprintf(k->addr, sizeof k->addr, "a:%s", client_addr ? client_addr : "");
}

bool api_login_throttled(const struct api *a, const struct api_login_keys *k, int64_t now,
			 int64_t *retry_ms)
{
	int64_t re = 0, ra = 0;
	const struct api_ratelimit_rule acct = {
		.max = max_failures(a),
		.free_failures = a->cfg.login_free_failures > 0 ? a->cfg.login_free_failures
								 : DEF_FREE_FAILURES,
		.delay_ms = login_delay(a),
		.delay_max_ms = a->cfg.login_delay_max_ms > 0 ? a->cfg.login_delay_max_ms
							      : DEF_DELAY_MAX_MS,
	};
	struct api_ratelimit_rule addr = acct;
	addr.max = max_failures_ip(a);
	addr.free_failures = a->cfg.login_free_failures_ip > 0 ? a->cfg.login_free_failures_ip
							       : DEF_FREE_FAILURES_IP;
	bool be = api_ratelimit_check(a->rl, k->email, &acct, now, &re);
	bool ba = api_ratelimit_check(a->rl, k->addr, &addr, now, &ra);
	if (retry_ms)
		*retry_ms = re > ra ? re : ra;
	return be || ba;
}

void api_login_count_failure(struct api *a, const struct api_login_keys *k, int64_t now)
{
	api_ratelimit_fail(a->rl, k->email, now);
	api_ratelimit_fail(a->rl, k->addr, now);
}

void api_login_forget_account(struct api *a, const struct api_login_keys *k)
{
	api_ratelimit_clear(a->rl, k->email);
}

int api_login_retry_after(struct http_response *res, int64_t retry_ms)
{
	char secs[32];
	snprintf(secs, sizeof secs, "%lld", (long long)((retry_ms + 999) / 1000));
	return http_response_header(res, "Retry-After", secs);
}

static int answer_rate_limited(struct http_response *res, int64_t retry_ms)
{
	api_login_retry_after(res, retry_ms);
	http_problem(res, 429, "rate-limited", "Too many requests",
		     "too many failed logins; try again later", NULL);
	return KR_EBUSY;
}


/* Counts and audits a failed login, then answers 401. The audit record is
 * anonymous: the e-mail that was tried is its detail. */
static int login_failed(struct api *a, struct http_request *req, struct http_response *res,
			const struct api_login_keys *k, const char *email, int64_t now)
{
	struct api_caller anon;
	memset(&anon, 0, sizeof anon);
	api_login_count_failure(a, k, now);
	/* api_audit cuts the detail to the record's size. */
	api_audit(a, &anon, req, AUDIT_LOGIN_FAILED, 0, "session", 0, email);
	return api_unauthorized(res, "Wrong e-mail address or password.");
}

/* Creates the session of p and answers 200 with its secret. */
static int login_ok(struct api *a, struct http_request *req, struct http_response *res,
		    const struct core_person *p, int64_t now)
{
	struct store_session ss;
	struct api_caller c;
	char secret[SECRET_LEN + 1];
	bool in_tx = false;
	memset(&ss, 0, sizeof ss);
	memset(&c, 0, sizeof c);
	new_secret("ks_", secret, ss.hash);
	random_hex(ss.csrf, 32);
	ss.person_id = p->id;
	ss.created = now;
	ss.expires = now + session_ttl(a);
	c.actor.authenticated = true;
	c.actor.person_id = p->id;
	c.actor.org_id = p->org_id;
	c.actor.is_admin = p->is_admin;
	c.actor.can_write = true;
	c.person = *p;
	memcpy(c.session_hash, ss.hash, sizeof c.session_hash);

	/* Expired sessions are dropped here so the table stays small. */
	int r = store_session_purge(a->store, now);
	if (r)
		log_warn("auth: purging expired sessions failed: %s", kr_strerror(r));
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_session_create(a->store, &ss);
	if (r)
		goto fail;
	r = api_audit(a, &c, req, AUDIT_LOGIN, 0, "session", 0, "login");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	json_t *j = json_pack("{s:s,s:o,s:o}", "token", secret, "expires",
			      api_time_json(ss.expires), "person", api_person_json(p, true));
	r = apia_reply(res, 200, j);
	goto out;
fail:
	api_fail(res, r, "the session could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	sodium_memzero(secret, sizeof secret);
	return r;
}

static int h_login(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
		{ .name = "email", .type = AF_STRING, .required = true, .max_len = CORE_EMAIL_MAX },
		{ .name = "password", .type = AF_STRING, .required = true,
		  .max_len = APIA_PASSWORD_MAX },
		{ .name = NULL },
	};
	struct api *a = ctx;
	json_t *body = NULL;
	struct core_person p;
	struct api_login_keys k;
	char email[CORE_EMAIL_MAX + 1];
	char pw_hash[256];
	int64_t retry = 0;
	bool known = false;
	int r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = api_body_object(req, res, &body);
	if (r)
		goto out;
	r = api_validate(body, fields, res);
	if (r)
		goto out;

	const char *typed = api_get_str(body, "email", "");
	const char *pw = api_get_str(body, "password", "");
	size_t i = 0;
	for (; i < CORE_EMAIL_MAX && typed[i]; i++)
		email[i] = (char)tolower((unsigned char)typed[i]);
	email[i] = '\0';
	api_login_keys_init(&k, email, req->client_addr);

	int64_t now = time_now_ms();
	if (api_login_throttled(a, &k, now, &retry)) {
		r = answer_rate_limited(res, retry);
		goto out;
	}

	pw_hash[0] = '\0';
	r = store_person_get_by_email(a->store, email, &p, pw_hash, sizeof pw_hash);
	if (r == 0) {
		known = true;
	} else if (r != KR_ENOTFOUND) {
		api_fail(res, r, "the account could not be read");
		goto out;
	}
	bool ok = false;
	if (known && pw_hash[0]) {
		ok = crypto_pwhash_str_verify(pw_hash, pw, strlen(pw)) == 0;
	} else {
		/* Same work as for a real account; the outcome does not matter. */
		bool dummy = crypto_pwhash_str_verify(dummy_hash, pw, strlen(pw)) == 0;
		(void)dummy;
	}
	if (ok && p.disabled)
		ok = false;
	if (!ok) {
		/* counted after argon2id: the delay runs from the answer */
		r = login_failed(a, req, res, &k, email, time_now_ms());
		goto out;
	}
	r = login_ok(a, req, res, &p, now);
	if (r)
		goto out;
	/* The account proved itself; the address keeps its count. */
	api_login_forget_account(a, &k);
out:
	json_decref(body);
	return r;
}

static int h_logout(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	bool in_tx = false;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	if (c.via_token) {
		r = api_forbidden(res, "logout ends a login session; an API token is revoked "
				       "with DELETE /api/v1/tokens/{id}");
		goto out;
	}
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_session_delete(a->store, c.session_hash);
	if (r)
		goto fail;
	r = api_audit(a, &c, req, AUDIT_LOGOUT, 0, "session", 0, "logout");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	http_no_content(res);
	goto out;
fail:
	api_fail(res, r, "the session could not be ended");
out:
	if (in_tx)
		store_rollback(a->store);
	return r;
}

/* ---- /me ---- */

/* One entry of /me "memberships" for the caller's organisation's row m. */
static int me_membership(struct api *a, const struct api_caller *c,
			 const struct core_membership *m, json_t *items)
{
	struct core_community com;
	struct core_representative rep;
	int accepted = 0;
	bool is_rep = false;
	memset(&com, 0, sizeof com);
	int r = store_community_get(a->store, m->community_id, &com);
	if (r)
		goto out;
	r = store_rep_get(a->store, m->community_id, c->person.id, &rep);
	if (r == 0)
		is_rep = true;
	else if (r != KR_ENOTFOUND)
		goto out;
	r = store_guidelines_accepted(a->store, m->community_id, c->person.id, &accepted);
	if (r)
		goto out;
	json_t *j = json_pack("{s:I,s:s,s:s,s:o,s:o,s:b,s:i}", "community_id",
			      (json_int_t)com.id, "community", com.name, "status",
			      membership_status_name(m->status), "representative",
			      is_rep ? json_string(rep_kind_name(rep.kind)) : json_null(), "role",
			      is_rep ? json_string(role_name(rep.role)) : json_null(),
			      "guidelines_accepted", accepted >= com.guidelines_version,
			      "guidelines_version", com.guidelines_version);
	r = json_array_append_new(items, j) ? KR_ENOMEM : 0;
out:
	core_community_release(&com);
	return r;
}

static int h_me(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_org org;
	struct core_membership *ms = NULL;
	size_t nms = 0;
	json_t *items = NULL;
	json_t *org_j = NULL;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = store_org_get(a->store, c.person.org_id, &org);
	if (r == 0) {
		org_j = api_org_json(&org);
	} else if (r == KR_ENOTFOUND) {
		org_j = json_null();
	} else {
		api_fail(res, r, "the organisation could not be read");
		goto out;
	}
	r = store_membership_list_by_org(a->store, c.person.org_id, &ms, &nms);
	if (r) {
		api_fail(res, r, "the memberships could not be read");
		goto out;
	}
	items = json_array();
	if (!items) {
		r = api_fail(res, KR_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nms; i++) {
		r = me_membership(a, &c, &ms[i], items);
		if (r == KR_ENOTFOUND)
			continue; /* the community went away meanwhile */
		if (r) {
			api_fail(res, r, "the memberships could not be read");
			goto out;
		}
	}
	json_t *j = json_pack("{s:o,s:o,s:O}", "person", api_person_json(&c.person, true),
			      "organisation", org_j, "memberships", items);
	org_j = NULL;
	r = apia_reply(res, 200, j);
out:
	json_decref(org_j);
	json_decref(items);
	store_membership_free(ms);
	return r;
}

/* ---- tokens ---- */

static int scope_parse(const char *s)
{
	if (strcmp(s, "read") == 0)
		return 0;
	if (strcmp(s, "write") == 0)
		return 1;
	return -1;
}

/* Token JSON without the secret; caller owns the result. */
static json_t *token_json(const struct store_token *t)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:o}", "id", (json_int_t)t->id, "name",
			 t->name, "scope", t->scope, "prefix", t->prefix, "created",
			 api_time_json(t->created), "expires", api_time_json(t->expires),
			 "last_used", api_time_json(t->last_used), "revoked",
			 api_time_json(t->revoked));
}

static int h_tokens_list(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct store_token *ts = NULL;
	size_t n = 0;
	json_t *items = NULL;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = store_token_list(a->store, c.person.id, &ts, &n);
	if (r) {
		api_fail(res, r, "the tokens could not be read");
		goto out;
	}
	items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		if (json_array_append_new(items, token_json(&ts[i]))) {
			json_decref(items);
			items = NULL;
		}
	}
	json_t *page = items ? api_page(items, 0) : NULL;
	items = NULL; /* api_page took it */
	r = apia_reply(res, 200, page);
out:
	json_decref(items);
	store_token_free(ts);
	return r;
}

static int h_tokens_create(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
		{ .name = "name", .type = AF_STRING, .required = true, .max_len = CORE_NAME_MAX },
		{ .name = "scope", .type = AF_ENUM, .required = true, .parse = scope_parse },
		{ .name = "expires_days", .type = AF_INT, .min = 1, .max = TOKEN_MAX_DAYS },
		{ .name = NULL },
	};
	struct api *a = ctx;
	struct api_caller c;
	struct store_token t;
	json_t *body = NULL;
	char secret[SECRET_LEN + 1] = "";
	bool in_tx = false;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = api_require_write(&c, res);
	if (r)
		goto out;
	if (c.via_token) {
		r = api_forbidden(res, "API tokens can only be created with a login session");
		goto out;
	}
	r = api_body_object(req, res, &body);
	if (r)
		goto out;
	r = api_validate(body, fields, res);
	if (r)
		goto out;
	const char *name = api_get_str(body, "name", "");
	if (apia_blank(name)) {
		r = apia_invalid(res, "name", "must not be empty");
		goto out;
	}
	int64_t now = time_now_ms();
	int64_t days = api_get_int(body, "expires_days", 0);
	memset(&t, 0, sizeof t);
	new_secret("kt_", secret, t.hash);
	memcpy(t.prefix, secret, TOKEN_PREFIX_LEN);
	t.prefix[TOKEN_PREFIX_LEN] = '\0';
	t.person_id = c.person.id;
	apia_copy(t.name, sizeof t.name, name);
	apia_copy(t.scope, sizeof t.scope, api_get_enum(body, "scope", scope_parse, 0) ? "write"
											 : "read");
	t.expires = days ? now + days * 86400LL * 1000 : 0;

	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_token_create(a->store, &t);
	if (r)
		goto fail;
	r = api_audit(a, &c, req, AUDIT_WRITE, 0, "token", t.id, "create");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	json_t *j = token_json(&t);
	if (j && json_object_set_new(j, "token", json_string(secret))) {
		json_decref(j);
		j = NULL;
	}
	r = apia_reply(res, 201, j);
	goto out;
fail:
	api_fail(res, r, "the token could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	sodium_memzero(secret, sizeof secret);
	json_decref(body);
	return r;
}

static int h_tokens_revoke(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct store_token t;
	int64_t id = 0;
	bool in_tx = false;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = api_path_id(req, res, 0, &id);
	if (r)
		goto out;
	r = store_token_get(a->store, id, &t);
	if (r == 0 && t.person_id != c.person.id)
		r = KR_ENOTFOUND; /* someone else's token does not exist for the caller */
	if (r) {
		api_fail(res, r, "no such token");
		goto out;
	}
	r = api_require_write(&c, res);
	if (r)
		goto out;
	if (t.revoked) {
		http_no_content(res); /* already revoked: nothing to change */
		goto out;
	}
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_token_revoke(a->store, id, time_now_ms());
	if (r)
		goto fail;
	r = api_audit(a, &c, req, AUDIT_WRITE, 0, "token", id, "revoke");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	http_no_content(res);
	goto out;
fail:
	api_fail(res, r, "the token could not be revoked");
out:
	if (in_tx)
		store_rollback(a->store);
	return r;
}

int api_auth_register(struct api *a, struct http_server *srv)
{
	int r = 0;
	if (!a->rl) {
		r = api_ratelimit_new(API_RATELIMIT_DEFAULT_CAP, login_window(a), &a->rl);
		if (r)
			goto out;
	}
	r = http_route(srv, "POST", "/api/v1/auth/login", h_login, a);
	if (r)
		goto out;
	r = http_route(srv, "POST", "/api/v1/auth/logout", h_logout, a);
	if (r)
		goto out;
	r = http_route(srv, "GET", "/api/v1/me", h_me, a);
	if (r)
		goto out;
	r = http_route(srv, "GET", "/api/v1/tokens", h_tokens_list, a);
	if (r)
		goto out;
	r = http_route(srv, "POST", "/api/v1/tokens", h_tokens_create, a);
	if (r)
		goto out;
	r = http_route(srv, "DELETE", "/api/v1/tokens/:id", h_tokens_revoke, a);
out:
	return r;
}

void api_auth_release(struct api *a)
{
	api_ratelimit_free(a->rl);
	a->rl = NULL;
}
