/* auth.c - signing in (password, then a TOTP code when the person enrolled
 * one), signing out, the language switch, and the account page where a
 * person enrols or removes their TOTP second factor (QR code drawn by
 * kring).
 *
 * Failed passwords and codes count in the API's login limiter under the
 * same keys as POST /api/v1/auth/login ("e:<email>", "a:<address>"), so
 * the web and the API share one budget of attempts. */
#include "api/ratelimit.h"
#include "store/store_web.h"
#include "util/err.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/random.h"
#include "util/timeutil.h"
#include "web/qr.h"
#include "web/totp.h"
#include "web/web_int.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define LANG_COOKIE_AGE (365L * 24 * 3600)

/* Verified when the e-mail is unknown so that a failed sign-in takes as
 * long whether the account exists or not (the same parameters as real
 * hashes; its password is not used anywhere). */
static const char dummy_hash[crypto_pwhash_STRBYTES] =
	"$argon2id$v=19$m=65536,t=2,p=1$MGX2pgPUtLjDN2Ooq4HIug$"
	"cNWLvMS0oAyMcz2IkLIm+yY/s6bVMlPBtW/XypOSjJY";

/* 429 page when the attempt is throttled (the rule of api_login_throttled,
 * shared with the API and TAXII); returns KR_EBUSY then. */
static int check_limited(struct web_req *q, const struct api_login_keys *k)
{
	int64_t retry = 0;
	if (!api_login_throttled(q->w->api, k, time_now_ms(), &retry))
		return 0;
	api_login_retry_after(q->res, retry);
	web_error_page(q, 429, "error.rate_limited");
	return KR_EBUSY;
}

/* Counts and audits a failed attempt (anonymous record, the e-mail as detail). */
static void count_failure(struct web_req *q, const struct api_login_keys *k, const char *email,
			  const char *what)
{
	struct api *a = q->w->api;
	char detail[CORE_EMAIL_MAX + 32];
	int64_t now = time_now_ms();
	api_login_count_failure(a, k, now);
	snprintf(detail, sizeof detail, "%s %s", what, email);
	struct api_caller anon;
	memset(&anon, 0, sizeof anon);
	api_audit(a, &anon, q->req, AUDIT_LOGIN_FAILED, 0, "session", 0, detail);
}

/* A local path to return to: "/..." but not "//", nothing that leaves
 * kring. After signing in, the sign-in pages themselves are refused too
 * (allow_signin false); the language switch may return to them. */
static const char *safe_local(const char *next, bool allow_signin)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    (!allow_signin && strncmp(next, "/signin", 7) == 0) || strlen(next) > 2048)
		return "/";
	for (const char *p = next; *p; p++) {
		if ((unsigned char)*p < 0x21 || *p == '\\')
			return "/";
	}
	return next;
}

static const char *safe_next(const char *next)
{
	return safe_local(next, false);
}

/* ---- pending second factors ---- */

static struct web_pending *pending_find(struct web_req *q)
{
	const char *ck = http_cookie(q->req, WEB_COOKIE_PENDING);
	char hash[65];
	int64_t now = time_now_ms();
	if (!ck || strlen(ck) != 64)
		return NULL;
	hash_sha256_hex(ck, 64, hash);
	for (int i = 0; i < WEB_PENDING_MAX; i++) {
		struct web_pending *p = &q->w->st->pending[i];
		if (!p->hash[0] || !hash_equal_ct(p->hash, hash))
			continue;
		if (p->expires <= now) {
			memset(p, 0, sizeof *p);
			return NULL;
		}
		return p;
	}
	return NULL;
}

/* Remembers that p gave the right password; sets the cookie. */
static int pending_add(struct web_req *q, const struct core_person *p)
{
	struct web_pending *slot = NULL;
	char secret[65];
	int64_t now = time_now_ms();
	for (int i = 0; i < WEB_PENDING_MAX; i++) {
		struct web_pending *e = &q->w->st->pending[i];
		if (!e->hash[0] || e->expires <= now || e->person_id == p->id) {
			slot = e;
			break;
		}
		if (!slot || e->expires < slot->expires)
			slot = e; /* full: the one closest to expiry makes room */
	}
	memset(slot, 0, sizeof *slot);
	random_hex(secret, 32);
	hash_sha256_hex(secret, 64, slot->hash);
	slot->person_id = p->id;
	slot->expires = now + WEB_PENDING_TTL_MS;
	snprintf(slot->email, sizeof slot->email, "%s", p->email);
	int r = web_set_cookie(q, WEB_COOKIE_PENDING, secret,
			       (long)(WEB_PENDING_TTL_MS / 1000));
	sodium_memzero(secret, sizeof secret);
	return r;
}

/* ---- sign in ---- */

static int render_signin(struct web_req *q, const char *email, const char *next,
			 const char *error_key)
{
	web_set_text(q, q->page, "title", "signin.title");
	web_set_str(q, q->page, "email", email ? email : "");
	web_set_str(q, q->page, "next", safe_next(next));
	if (error_key)
		web_set_text(q, q->page, "error", error_key);
	return web_render(q, 200, "signin");
}

static int h_signin_get(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	int r = web_req_begin(ctx, req, res, &q);
	if (r)
		goto out;
	const char *next = http_query(req, "next");
	if (q.signed_in) {
		r = web_redirect(&q, safe_next(next));
		goto out;
	}
	const char *msg = http_query(req, "msg");
	r = render_signin(&q, "", next,
			  msg && strcmp(msg, "again") == 0 ? "signin.start_again" : NULL);
out:
	return web_req_end(&q, r);
}

static int h_signin_post(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_person p;
	struct api_login_keys k;
	struct store_web_totp t;
	char email[CORE_EMAIL_MAX + 1];
	char pw_hash[256] = "";
	bool known = false;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (r)
		goto out;
	struct store *s = q.w->api->store;
	const char *typed = web_form_get(&q.form, "email");
	const char *pw = web_form_get(&q.form, "password");
	const char *next = web_form_get(&q.form, "next");
	size_t i = 0;
	for (; typed && typed[i] && i < CORE_EMAIL_MAX; i++)
		email[i] = (char)tolower((unsigned char)typed[i]);
	email[i] = '\0';
	if (!pw)
		pw = "";
	api_login_keys_init(&k, email, q.req->client_addr);
	r = check_limited(&q, &k);
	if (r)
		goto out;
	r = store_person_get_by_email(s, email, &p, pw_hash, sizeof pw_hash);
	if (r == 0)
		known = true;
	else if (r != KR_ENOTFOUND)
		goto out;
	bool ok = false;
	if (known && pw_hash[0] && strlen(pw) <= 1024) {
		ok = crypto_pwhash_str_verify(pw_hash, pw, strlen(pw)) == 0;
	} else {
		bool dummy = crypto_pwhash_str_verify(dummy_hash, pw, strlen(pw)) == 0;
		(void)dummy;
	}
	sodium_memzero(pw_hash, sizeof pw_hash);
	if (ok && p.disabled)
		ok = false;
	if (!ok) {
		count_failure(&q, &k, email, "web password");
		r = render_signin(&q, email, next, "signin.failed");
		goto out;
	}
	r = store_web_totp_get(s, p.id, &t);
	if (r && r != KR_ENOTFOUND)
		goto out;
	if (r == 0 && t.enabled) {
		r = pending_add(&q, &p);
		if (!r)
			r = web_redirect(&q, "/signin/totp");
		goto out;
	}
	r = web_session_start(&q, &p, "web password");
	if (r)
		goto out;
	api_login_forget_account(q.w->api, &k);
	r = web_redirect(&q, safe_next(next));
out:
	return web_req_end(&q, r);
}

static int render_totp_step(struct web_req *q, const char *error_key)
{
	web_set_text(q, q->page, "title", "signin.totp_title");
	if (error_key)
		web_set_text(q, q->page, "error", error_key);
	return web_render(q, 200, "signin_totp");
}

static int h_totp_get(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	int r = web_req_begin(ctx, req, res, &q);
	if (r)
		goto out;
	if (q.signed_in) {
		r = web_redirect(&q, "/");
		goto out;
	}
	if (!pending_find(&q)) {
		r = web_redirect(&q, "/signin?msg=again");
		goto out;
	}
	r = render_totp_step(&q, NULL);
out:
	return web_req_end(&q, r);
}

/* Checks code against the person's secret (enabled, or also a pending
 * enrolment when need_enabled is false) and records its step, so it cannot
 * be used again. 0, KR_EAUTH (wrong or reused code), KR_ENOTFOUND (no such
 * secret) or a store failure. */
static int totp_check(struct web_req *q, int64_t person_id, const char *code, bool need_enabled,
		      struct store_web_totp *t)
{
	struct store *s = q->w->api->store;
	unsigned char key[STORE_WEB_TOTP_SECRET_MAX / 2];
	int64_t step = 0;
	int r = store_web_totp_get(s, person_id, t);
	if (r == KR_ENOTFOUND || (!r && need_enabled && !t->enabled))
		return KR_ENOTFOUND;
	if (r)
		return r;
	size_t keylen = strlen(t->secret) / 2;
	r = web_hex_decode(t->secret, key, keylen);
	if (r)
		return KR_EAUTH;
	r = web_totp_verify(key, keylen, time_now_ms() / 1000, code ? code : "", &step);
	sodium_memzero(key, sizeof key);
	if (r)
		return KR_EAUTH;
	if (step <= t->last_step)
		return KR_EAUTH; /* this code (or a later one) was used already */
	r = store_web_totp_use(s, person_id, step);
	if (r == KR_ECONFLICT)
		return KR_EAUTH;
	if (!r)
		t->last_step = step;
	return r;
}

static int h_totp_post(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct api_login_keys k;
	struct store_web_totp t;
	struct core_person p;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (r)
		goto out;
	struct web_pending *pend = pending_find(&q);
	if (!pend) {
		r = web_redirect(&q, "/signin?msg=again");
		goto out;
	}
	api_login_keys_init(&k, pend->email, q.req->client_addr);
	r = check_limited(&q, &k);
	if (r)
		goto out;
	r = totp_check(&q, pend->person_id, web_form_get(&q.form, "code"), true, &t);
	if (r == KR_ENOTFOUND) {
		/* the second factor was removed meanwhile: start again */
		memset(pend, 0, sizeof *pend);
		r = web_redirect(&q, "/signin?msg=again");
		goto out;
	}
	if (r == KR_EAUTH) {
		count_failure(&q, &k, pend->email, "web totp");
		if (++pend->failures >= WEB_PENDING_TRIES) {
			memset(pend, 0, sizeof *pend);
			r = web_redirect(&q, "/signin?msg=again");
		} else {
			r = render_totp_step(&q, "signin.totp_failed");
		}
		goto out;
	}
	if (r)
		goto out;
	int64_t pid = pend->person_id;
	memset(pend, 0, sizeof *pend);
	r = store_person_get(q.w->api->store, pid, &p);
	if (r == KR_ENOTFOUND || (!r && p.disabled)) {
		r = web_redirect(&q, "/signin?msg=again");
		goto out;
	}
	if (r)
		goto out;
	r = web_set_cookie(&q, WEB_COOKIE_PENDING, "", 0);
	if (!r)
		r = web_session_start(&q, &p, "web password+totp");
	if (r)
		goto out;
	api_login_forget_account(q.w->api, &k);
	r = web_redirect(&q, "/");
out:
	return web_req_end(&q, r);
}

static int h_signout(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (!r)
		r = web_req_require(&q);
	if (r)
		goto out;
	r = web_session_end(&q);
	if (!r)
		r = web_redirect(&q, "/signin");
out:
	return web_req_end(&q, r);
}

/* ---- language ---- */

static int h_language(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (r)
		goto out;
	const char *v = web_form_get(&q.form, "lang");
	int l = v ? lang_parse(v) : -1;
	if (l < 0) {
		r = web_error_page(&q, 400, "error.bad_request");
		goto out;
	}
	r = web_set_cookie(&q, WEB_COOKIE_LANG, lang_name((enum lang)l), LANG_COOKIE_AGE);
	if (r)
		goto out;
	/* Signed in: the person's language follows, for everything kring says
	 * to them later. */
	if (q.signed_in && q.caller.person.lang != (enum lang)l) {
		struct store *s = q.w->api->store;
		struct core_person p = q.caller.person;
		bool in_tx = false;
		p.lang = (enum lang)l;
		r = store_begin(s);
		if (!r) {
			in_tx = true;
			r = store_person_update(s, &p);
		}
		if (!r)
			r = web_audit(&q, AUDIT_WRITE, 0, "person", p.id, "update language");
		if (!r)
			r = store_commit(s);
		if (!r)
			in_tx = false;
		if (in_tx)
			store_rollback(s);
		if (r)
			goto out;
	}
	r = web_redirect(&q, safe_local(web_form_get(&q.form, "next"), true));
out:
	return web_req_end(&q, r);
}

/* ---- account: TOTP enrolment ---- */

/* Splits a base32 secret in groups of four for reading aloud or typing. */
static void group4(const char *s, char *out, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; s[i] && o + 2 < n; i++) {
		if (i && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = s[i];
	}
	out[o] = '\0';
}

/* The page keys of an enrolment waiting for its first code: the secret as
 * a QR code (drawn by kring, shown raw) and as grouped base32 text. */
static int totp_pending_json(struct web_req *q, const struct store_web_totp *t)
{
	unsigned char key[STORE_WEB_TOTP_SECRET_MAX / 2];
	char b32[128], grouped[160], uri[512];
	struct strbuf svg;
	strbuf_init(&svg, 256 * 1024);
	size_t keylen = strlen(t->secret) / 2;
	int r = web_hex_decode(t->secret, key, keylen);
	if (!r)
		r = web_base32_encode(key, keylen, b32, sizeof b32);
	if (!r)
		r = web_totp_uri("kring", q->caller.person.email, b32, uri, sizeof uri);
	if (!r)
		r = web_qr_svg(uri, web_t(q, "account.qr_label"), &svg);
	if (r)
		goto out;
	group4(b32, grouped, sizeof grouped);
	web_set_bool(q, q->page, "totp_pending", true);
	web_set_str(q, q->page, "totp_secret", grouped);
	web_set_str(q, q->page, "totp_qr", svg.buf);
out:
	sodium_memzero(key, sizeof key);
	sodium_memzero(b32, sizeof b32);
	sodium_memzero(grouped, sizeof grouped);
	sodium_memzero(uri, sizeof uri);
	strbuf_release(&svg);
	return r;
}

static int render_account(struct web_req *q, int status, const char *error_key)
{
	struct store *s = q->w->api->store;
	struct store_web_totp t;
	char org[CORE_NAME_MAX + 1];
	json_t *p = q->page;
	web_set_text(q, p, "title", "account.title");
	web_set_bool(q, p, "nav_account", true);
	web_set_str(q, p, "name", q->caller.person.name);
	web_set_str(q, p, "email", q->caller.person.email);
	web_set_str(q, p, "language", web_t2(q, "lang.name.", lang_name(q->caller.person.lang)));
	if (error_key)
		web_set_text(q, p, "error", error_key);
	const char *msg = http_query(q->req, "msg");
	if (msg && (strcmp(msg, "totp_on") == 0 || strcmp(msg, "totp_off") == 0))
		web_set_str(q, p, "notice", web_t2(q, "account.notice.", msg));
	int r = web_org_name(q, q->caller.person.org_id, org, sizeof org);
	if (r)
		goto out;
	web_set_str(q, p, "org", org);
	r = store_web_totp_get(s, q->caller.person.id, &t);
	if (r == KR_ENOTFOUND) {
		web_set_bool(q, p, "totp_none", true);
		r = 0;
	} else if (!r && t.enabled) {
		web_set_bool(q, p, "totp_enabled", true);
	} else if (!r) {
		r = totp_pending_json(q, &t);
	}
	sodium_memzero(&t, sizeof t);
	if (!r)
		r = web_render(q, status, "account");
out:
	return r;
}

static int h_account(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_require(&q);
	if (!r)
		r = render_account(&q, 200, NULL);
	return web_req_end(&q, r);
}

static int h_totp_start(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct store_web_totp t;
	unsigned char key[WEB_TOTP_KEY_BYTES];
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (!r)
		r = web_req_require(&q);
	if (r)
		goto out;
	struct store *s = q.w->api->store;
	r = store_web_totp_get(s, q.caller.person.id, &t);
	if (r == 0 && t.enabled) {
		r = web_redirect(&q, "/account"); /* already on: remove it first */
		goto out;
	}
	if (r && r != KR_ENOTFOUND)
		goto out;
	memset(&t, 0, sizeof t);
	randombytes_buf(key, sizeof key);
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof key; i++) {
		t.secret[2 * i] = hex[key[i] >> 4];
		t.secret[2 * i + 1] = hex[key[i] & 15];
	}
	t.secret[2 * sizeof key] = '\0';
	sodium_memzero(key, sizeof key);
	t.person_id = q.caller.person.id;
	t.enabled = false;
	bool in_tx = false;
	r = store_begin(s);
	if (!r) {
		in_tx = true;
		r = store_web_totp_set(s, &t);
	}
	if (!r)
		r = web_audit(&q, AUDIT_WRITE, 0, "totp", t.person_id, "enrol start");
	if (!r)
		r = store_commit(s);
	if (!r)
		in_tx = false;
	if (in_tx)
		store_rollback(s);
	sodium_memzero(&t, sizeof t);
	if (!r)
		r = web_redirect(&q, "/account");
out:
	return web_req_end(&q, r);
}

static int h_totp_confirm(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct store_web_totp t;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (!r)
		r = web_req_require(&q);
	if (r)
		goto out;
	struct store *s = q.w->api->store;
	r = totp_check(&q, q.caller.person.id, web_form_get(&q.form, "code"), false, &t);
	if (r == KR_ENOTFOUND) {
		r = web_redirect(&q, "/account");
		goto out;
	}
	if (r == KR_EAUTH) {
		r = render_account(&q, 422, "account.code_wrong");
		goto out;
	}
	if (r)
		goto out;
	t.enabled = true;
	bool in_tx = false;
	r = store_begin(s);
	if (!r) {
		in_tx = true;
		r = store_web_totp_set(s, &t);
	}
	if (!r)
		r = web_audit(&q, AUDIT_WRITE, 0, "totp", t.person_id, "enabled");
	if (!r)
		r = store_commit(s);
	if (!r)
		in_tx = false;
	if (in_tx)
		store_rollback(s);
	sodium_memzero(&t, sizeof t);
	if (!r)
		r = web_redirect(&q, "/account?msg=totp_on");
out:
	return web_req_end(&q, r);
}

static int h_totp_disable(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct store_web_totp t;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (!r)
		r = web_req_require(&q);
	if (r)
		goto out;
	struct store *s = q.w->api->store;
	r = store_web_totp_get(s, q.caller.person.id, &t);
	if (r == KR_ENOTFOUND) {
		r = web_redirect(&q, "/account");
		goto out;
	}
	if (r)
		goto out;
	/* Removing the second factor needs the second factor, unless the
	 * enrolment was never finished. */
	if (t.enabled) {
		r = totp_check(&q, q.caller.person.id, web_form_get(&q.form, "code"), true, &t);
		if (r == KR_ENOTFOUND) {
			r = web_redirect(&q, "/account");
			goto out;
		}
		if (r == KR_EAUTH) {
			r = render_account(&q, 422, "account.code_wrong");
			goto out;
		}
		if (r)
			goto out;
	}
	bool in_tx = false;
	r = store_begin(s);
	if (!r) {
		in_tx = true;
		r = store_web_totp_delete(s, q.caller.person.id);
	}
	if (!r)
		r = web_audit(&q, AUDIT_WRITE, 0, "totp", q.caller.person.id, "removed");
	if (!r)
		r = store_commit(s);
	if (!r)
		in_tx = false;
	if (in_tx)
		store_rollback(s);
	sodium_memzero(&t, sizeof t);
	if (!r)
		r = web_redirect(&q, "/account?msg=totp_off");
out:
	return web_req_end(&q, r);
}

int web_auth_register(struct web *w, struct http_server *srv)
{
	static const struct {
		const char *method;
		const char *pattern;
		http_handler fn;
	} routes[] = {
		{ "GET", "/signin", h_signin_get },
		{ "POST", "/signin", h_signin_post },
		{ "GET", "/signin/totp", h_totp_get },
		{ "POST", "/signin/totp", h_totp_post },
		{ "POST", "/signout", h_signout },
		{ "POST", "/language", h_language },
		{ "GET", "/account", h_account },
		{ "POST", "/account/totp/start", h_totp_start },
		{ "POST", "/account/totp/confirm", h_totp_confirm },
		{ "POST", "/account/totp/disable", h_totp_disable },
	};
	int r = 0;
	for (size_t i = 0; !r && i < sizeof routes / sizeof routes[0]; i++)
		r = http_route(srv, routes[i].method, routes[i].pattern, routes[i].fn, w);
	return r;
}
