/* session.c - the life of one web request: who is asking (session cookie),
 * in which language, over TLS or not; CSRF checks of forms; the HTML
 * answers with their security headers; error pages; and the builders of
 * template contexts shared by every page. */
#include "api/apia_util.h"
#include "codec/markdown.h"
#include "store/store_web.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/random.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "web/web_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

#define VISIT_TOUCH_GAP_MS (60LL * 1000)
#define HSTS_VALUE "max-age=31536000; includeSubDomains"

/* ---- small checks ---- */

static bool hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (int i = 0; i < 64; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

/* "kw_" + 64 lower-case hex digits. */
static bool web_secret_ok(const char *s)
{
	return s && strncmp(s, "kw_", 3) == 0 && hex64(s + 3);
}

int64_t web_parse_id(const char *s)
{
	int64_t v = 0;
	if (!s || !*s || strlen(s) > 18)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int64_t web_path_id(const struct web_req *q, int i)
{
	if (i < 0 || i >= q->req->nparams)
		return 0;
	return web_parse_id(q->req->params[i]);
}

/* ---- texts ---- */

const char *web_t(const struct web_req *q, const char *key)
{
	const char *s = web_i18n_text(q->w->st->i18n, q->lang, key);
	return s ? s : key;
}

const char *web_t2(const struct web_req *q, const char *prefix, const char *name)
{
	char key[128];
	snprintf(key, sizeof key, "%s%s", prefix, name);
	const char *s = web_i18n_text(q->w->st->i18n, q->lang, key);
	return s ? s : name;
}

const char *web_text_fn(void *arg, const char *key)
{
	const struct web_req *q = arg;
	return web_i18n_text(q->w->st->i18n, q->lang, key);
}

/* ---- context builders ---- */

json_t *web_obj(struct web_req *q)
{
	json_t *o = json_object();
	if (!o)
		q->oom = true;
	return o;
}

json_t *web_arr(struct web_req *q)
{
	json_t *a = json_array();
	if (!a)
		q->oom = true;
	return a;
}

void web_set(struct web_req *q, json_t *o, const char *key, json_t *v)
{
	if (!v || !o) {
		json_decref(v);
		q->oom = true;
		return;
	}
	/* jansson releases v itself when setting fails */
	if (json_object_set_new(o, key, v))
		q->oom = true;
}

void web_set_str(struct web_req *q, json_t *o, const char *key, const char *s)
{
	json_t *v = json_string(s ? s : "");
	/* Texts come from the store as valid UTF-8; anything else is shown as
	 * nothing rather than failing the page. */
	if (!v && s)
		v = json_string("");
	web_set(q, o, key, v);
}

void web_set_int(struct web_req *q, json_t *o, const char *key, int64_t v)
{
	web_set(q, o, key, json_integer((json_int_t)v));
}

void web_set_bool(struct web_req *q, json_t *o, const char *key, bool v)
{
	web_set(q, o, key, json_boolean(v));
}

void web_set_text(struct web_req *q, json_t *o, const char *key, const char *msg_key)
{
	web_set_str(q, o, key, web_t(q, msg_key));
}

void web_push(struct web_req *q, json_t *arr, json_t *v)
{
	if (!v || !arr) {
		json_decref(v);
		q->oom = true;
		return;
	}
	if (json_array_append_new(arr, v))
		q->oom = true;
}

json_t *web_tlp_json(struct web_req *q, enum tlp t)
{
	static const char *const classes[TLP__COUNT] = {
		[TLP_CLEAR] = "tlp-clear", [TLP_GREEN] = "tlp-green", [TLP_AMBER] = "tlp-amber",
		[TLP_AMBER_STRICT] = "tlp-amber-strict", [TLP_RED] = "tlp-red",
	};
	char label[32];
	json_t *o = web_obj(q);
	if ((int)t < 0 || t >= TLP__COUNT)
		t = TLP_RED; /* never show something as looser than it may be */
	snprintf(label, sizeof label, "TLP:%s", tlp_name(t));
	web_set_str(q, o, "name", tlp_name(t));
	web_set_str(q, o, "label", label);
	web_set_str(q, o, "class", classes[t]);
	web_set_str(q, o, "hint", web_t2(q, "tlp.hint.", classes[t] + 4)); /* "amber-strict" */
	return o;
}

/* Moves the headings of kring's own Markdown HTML two levels down (h1 ->
 * h3, ..., at most h6), so a text's headings sit under the page's. The
 * tags are cmark's "<hN>" and "</hN>"; the length does not change. */
static void shift_headings(char *html)
{
	for (char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
		char *h = p[1] == '/' ? p + 2 : p + 1;
		if (h[0] == 'h' && h[1] >= '1' && h[1] <= '6' && (h[2] == '>' || h[2] == ' '))
			h[1] = (char)(h[1] + 2 > '6' ? '6' : h[1] + 2);
	}
}

json_t *web_markdown_json(struct web_req *q, const char *md)
{
	char *html = NULL;
	if (!md)
		md = "";
	if (markdown_to_html(md, strlen(md), &html))
		return json_string("");
	shift_headings(html);
	json_t *v = json_string(html);
	kr_free(html);
	if (!v)
		q->oom = true;
	return v;
}

json_t *web_time_json(struct web_req *q, int64_t ms)
{
	char iso[40], text[64];
	if (!ms)
		return json_null();
	json_t *o = web_obj(q);
	time_format_rfc3339(ms, iso, sizeof iso);
	web_date_format(q->w->st->i18n, q->lang, ms, text, sizeof text);
	web_set_str(q, o, "iso", iso);
	web_set_str(q, o, "text", text);
	return o;
}

json_t *web_options(struct web_req *q, int n, const char *(*name)(int), const char *prefix,
		    int selected)
{
	json_t *arr = web_arr(q);
	for (int i = 0; i < n; i++) {
		json_t *o = web_obj(q);
		web_set_str(q, o, "value", name(i));
		web_set_str(q, o, "label", prefix ? web_t2(q, prefix, name(i)) : name(i));
		web_set_bool(q, o, "selected", i == selected);
		web_push(q, arr, o);
	}
	return arr;
}

int web_audit(struct web_req *q, enum audit_action act, int64_t community_id,
	      const char *object_type, int64_t object_id, const char *detail)
{
	return api_audit(q->w->api, &q->caller, q->req, act, community_id, object_type, object_id,
			 detail);
}

int web_org_name(struct web_req *q, int64_t org_id, char *out, size_t n)
{
	struct core_org o;
	bool vis = false;
	snprintf(out, n, "%s", web_t(q, "common.org_hidden"));
	int r = apia_org_visible(q->w->api, &q->caller, org_id, &vis);
	if (r || !vis)
		return r;
	r = store_org_get(q->w->api->store, org_id, &o);
	if (r == KR_ENOTFOUND)
		return 0;
	if (!r)
		snprintf(out, n, "%s", o.name);
	return r;
}

int web_person_name(struct web_req *q, int64_t person_id, char *out, size_t n)
{
	struct core_person p;
	bool vis = false;
	snprintf(out, n, "%s", web_t(q, "common.person_hidden"));
	int r = store_person_get(q->w->api->store, person_id, &p);
	if (r == KR_ENOTFOUND)
		return 0;
	if (r)
		return r;
	r = apia_person_visible(q->w->api, &q->caller, &p, &vis);
	if (!r && vis)
		snprintf(out, n, "%s", p.name);
	return r;
}

/* ---- language and transport ---- */

static enum lang pick_lang(const struct web_req *q)
{
	const char *c = http_cookie(q->req, WEB_COOKIE_LANG);
	int l = c ? lang_parse(c) : -1;
	if (l >= 0)
		return (enum lang)l;
	if (q->signed_in)
		return q->caller.person.lang;
	/* The first of nl and en in the browser's list wins. */
	const char *al = http_header(q->req, "Accept-Language");
	for (const char *p = al; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncasecmp(p, "nl", 2) == 0 && (p[2] == '\0' || p[2] == '-' || p[2] == ';' ||
						     p[2] == ','))
			return LANG_NL;
		if (strncasecmp(p, "en", 2) == 0 && (p[2] == '\0' || p[2] == '-' || p[2] == ';' ||
						     p[2] == ','))
			return LANG_EN;
		const char *comma = strchr(p, ',');
		p = comma ? comma + 1 : NULL;
	}
	return LANG_NL;
}

static bool over_tls(const struct web *w, const struct http_request *req)
{
	if (w->cfg.secure_cookies)
		return true;
	if (!req->via_proxy) /* only a trusted proxy's X-Forwarded-Proto counts */
		return false;
	const char *proto = http_header(req, "X-Forwarded-Proto");
	return proto && strcasecmp(proto, "https") == 0;
}

/* Loads the session of the cookie, if it is a live one. */
static int load_session(struct web_req *q)
{
	struct store *s = q->w->api->store;
	const char *ck = http_cookie(q->req, WEB_COOKIE_SESSION);
	char hash[65];
	int64_t now = time_now_ms();
	if (!web_secret_ok(ck))
		return 0;
	hash_sha256_hex(ck, WEB_SECRET_LEN, hash);
	int r = store_session_get(s, hash, &q->sess);
	if (r == KR_ENOTFOUND || (!r && q->sess.expires <= now))
		goto anonymous;
	if (r)
		return r;
	r = store_person_get(s, q->sess.person_id, &q->caller.person);
	if (r == KR_ENOTFOUND || (!r && q->caller.person.disabled))
		goto anonymous;
	if (r)
		return r;
	r = store_actor_load(s, q->sess.person_id, &q->caller.actor);
	if (r)
		return r;
	q->caller.actor.authenticated = true;
	q->caller.actor.person_id = q->sess.person_id;
	memcpy(q->caller.session_hash, hash, sizeof q->caller.session_hash);
	q->signed_in = true;
	r = store_web_visit_touch(s, q->sess.person_id, now, VISIT_TOUCH_GAP_MS);
	if (r)
		log_warn("web: noting a visit failed: %s", kr_strerror(r));
	return 0;
anonymous:
	memset(&q->sess, 0, sizeof q->sess);
	memset(&q->caller, 0, sizeof q->caller);
	return 0;
}

int web_req_begin(struct web *w, struct http_request *req, struct http_response *res,
		  struct web_req *q)
{
	memset(q, 0, sizeof *q);
	q->w = w;
	q->req = req;
	q->res = res;
	q->page = json_object();
	if (!q->page)
		return KR_ENOMEM;
	q->secure = over_tls(w, req);
	const char *ac = http_cookie(req, WEB_COOKIE_CSRF);
	if (hex64(ac)) {
		memcpy(q->anon_csrf, ac, 65);
	} else {
		random_hex(q->anon_csrf, 32);
		q->new_anon_csrf = true;
	}
	int r = load_session(q);
	q->lang = pick_lang(q);
	return r;
}

int web_req_require(struct web_req *q)
{
	char enc[3 * 200 + 1], to[sizeof enc + 16];
	if (q->signed_in)
		return 0;
	/* After signing in, a page asked for comes back (its path only). */
	const char *path = q->req->path;
	if (strcmp(q->req->method, "GET") == 0 && path && strcmp(path, "/") != 0 &&
	    strlen(path) <= 200 && !web_url_encode(path, enc, sizeof enc)) {
		snprintf(to, sizeof to, "/signin?next=%s", enc);
		web_redirect(q, to);
	} else {
		web_redirect(q, "/signin");
	}
	return KR_EAUTH;
}

int web_req_post(struct web_req *q)
{
	const char *site = http_header(q->req, "Sec-Fetch-Site");
	if (site && strcmp(site, "cross-site") == 0)
		return web_forbidden(q, "error.csrf");
	const char *ct = http_header(q->req, "Content-Type");
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return web_forbidden(q, "error.csrf");
	int r = web_form_parse(q->req->body, q->req->body_len, &q->form);
	if (r == KR_ENOMEM)
		return r;
	if (r) {
		web_error_page(q, 400, "error.bad_form");
		return KR_EINVAL;
	}
	const char *token = web_form_get(&q->form, WEB_CSRF_FIELD);
	/* A fresh anonymous token was made for this request: no form can
	 * carry it yet. */
	const char *want = q->signed_in ? q->sess.csrf : q->new_anon_csrf ? NULL : q->anon_csrf;
	if (!web_csrf_check(token, want))
		return web_forbidden(q, "error.csrf");
	return 0;
}

bool web_csrf_check(const char *token, const char *expected)
{
	return token && expected && hex64(token) && hex64(expected) &&
	       hash_equal_ct(token, expected);
}

/* ---- answers ---- */

int web_set_cookie(struct web_req *q, const char *name, const char *value, long max_age_s)
{
	char buf[256], age[40] = "";
	if (max_age_s >= 0)
		snprintf(age, sizeof age, "; Max-Age=%ld", max_age_s);
	int n = snprintf(buf, sizeof buf, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name,
			 value, age, q->secure ? "; Secure" : "");
	if (n < 0 || (size_t)n >= sizeof buf)
		return KR_ELIMIT;
	return http_response_header(q->res, "Set-Cookie", buf);
}

/* Adds name: value unless the answer has that header already. */
static int header_once(struct web_req *q, const char *name, const char *value)
{
	if (http_response_header_get(q->res, name))
		return 0;
	return http_response_header(q->res, name, value);
}

int web_security_headers(struct web_req *q)
{
	int r = header_once(q, "Content-Security-Policy", WEB_CSP);
	if (!r)
		r = header_once(q, "Referrer-Policy", "no-referrer");
	if (!r)
		r = header_once(q, "X-Frame-Options", "DENY");
	if (!r)
		r = header_once(q, "Content-Language", lang_name(q->lang));
	if (!r && q->secure)
		r = header_once(q, "Strict-Transport-Security", HSTS_VALUE);
	if (!r && !q->signed_in && q->new_anon_csrf) {
		r = web_set_cookie(q, WEB_COOKIE_CSRF, q->anon_csrf, -1);
		if (!r)
			q->new_anon_csrf = false;
	}
	return r;
}

/* Appends k=v to the query being rebuilt in a strbuf, percent-encoded. */
static int here_add_param(void *arg, const char *key, const char *value)
{
	struct strbuf *sb = arg;
	int r = strbuf_adds(sb, sb->len ? "&" : "?");
	for (int part = 0; part < 2 && !r; part++) {
		const unsigned char *c = (const unsigned char *)(part ? value : key);
		if (part)
			r = strbuf_adds(sb, "=");
		for (; c && *c && !r; c++) {
			if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || strchr("-._~", *c))
				r = strbuf_add(sb, c, 1);
			else
				r = strbuf_addf(sb, "%%%02X", *c);
		}
	}
	return r;
}

/* What every page shows around its content. */
static void page_common(struct web_req *q)
{
	json_t *p = q->page;
	enum lang other = q->lang == LANG_NL ? LANG_EN : LANG_NL;
	web_set_str(q, p, "lang", lang_name(q->lang));
	web_set_str(q, p, "other_lang", lang_name(other));
	web_set_str(q, p, "other_lang_label", web_t2(q, "lang.name.", lang_name(other)));
	web_set_str(q, p, "csrf", q->signed_in ? q->sess.csrf : q->anon_csrf);
	web_set_bool(q, p, "signed_in", q->signed_in);
	const char *path = q->req->path ? q->req->path : "/";
	/* Only plain local paths come back through the language switch; the
	 * query is kept (re-encoded) so filters and next= survive a switch.
	 * A query that does not fit the cap is dropped rather than cut. */
	struct strbuf here;
	strbuf_init(&here, 2048);
	if (path[0] != '/' || path[1] == '/' || strbuf_adds(&here, path))
		strbuf_reset(&here);
	if (here.len) {
		struct strbuf query;
		strbuf_init(&query, 2048);
		if (!http_query_each(q->req, here_add_param, &query) && query.len &&
		    strbuf_add(&here, query.buf, query.len))
			strbuf_reset(&here);
		strbuf_release(&query);
	}
	web_set_str(q, p, "here", here.len ? here.buf : "/");
	strbuf_release(&here);
	if (!json_object_get(p, "title"))
		web_set_text(q, p, "title", "app.name");
	if (q->signed_in) {
		json_t *u = web_obj(q);
		char org[CORE_NAME_MAX + 1];
		web_set_str(q, u, "name", q->caller.person.name);
		web_set_bool(q, u, "is_admin", q->caller.person.is_admin);
		if (web_org_name(q, q->caller.person.org_id, org, sizeof org))
			org[0] = '\0';
		web_set_str(q, u, "org", org);
		web_set(q, p, "user", u);
	}
}

/* Sends the page body with the security headers; a failure of the
 * template engine becomes a plain 500. */
static int send_html(struct web_req *q, int status, const char *tpl)
{
	struct strbuf sb;
	strbuf_init(&sb, WEB_PAGE_MAX);
	int r = q->oom ? KR_ENOMEM
		       : web_tpl_render(q->w->st->tpl, tpl, q->page, web_text_fn, q, &sb);
	if (r) {
		log_error("web: rendering %s failed: %s", tpl, kr_strerror(r));
		strbuf_reset(&sb);
		status = 500;
		r = strbuf_adds(&sb, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
				     "<title>kring</title></head><body><main><h1>500</h1>"
				     "<p>The page could not be built.</p></main></body></html>");
	}
	/* Headers set before (cookies) stay; the body is replaced. */
	if (!r)
		r = http_text(q->res, status, "text/html; charset=utf-8", sb.buf, sb.len);
	if (!r)
		r = web_security_headers(q);
	strbuf_release(&sb);
	return r;
}

int web_render(struct web_req *q, int status, const char *tpl)
{
	page_common(q);
	return send_html(q, status, tpl);
}

int web_redirect(struct web_req *q, const char *path)
{
	if (!path || path[0] != '/' || path[1] == '/' || path[1] == '\\')
		path = "/";
	/* Cookies set before (a new session) must survive: keep the headers. */
	strbuf_reset(&q->res->body);
	q->res->status = 303;
	int r = http_response_header(q->res, "Location", path);
	if (!r)
		r = web_security_headers(q);
	return r;
}

int web_error_page(struct web_req *q, int status, const char *msg_key)
{
	char code[8];
	json_decref(q->page);
	q->page = json_object();
	q->oom = q->page == NULL;
	snprintf(code, sizeof code, "%d", status);
	json_t *e = web_obj(q);
	web_set_int(q, e, "status", status);
	web_set_text(q, e, "message", msg_key);
	web_set_str(q, e, "title", web_t2(q, "error.title.", code));
	web_set(q, q->page, "failure", e);
	web_set_str(q, q->page, "title", web_t2(q, "error.title.", code));
	return web_render(q, status, "error");
}

int web_not_found(struct web_req *q)
{
	web_error_page(q, 404, "error.not_found");
	return KR_ENOTFOUND;
}

int web_forbidden(struct web_req *q, const char *msg_key)
{
	web_error_page(q, 403, msg_key ? msg_key : "error.forbidden");
	return KR_EFORBIDDEN;
}

int web_req_end(struct web_req *q, int r)
{
	if (q->res->status == 0) {
		switch (r) {
		case KR_ENOTFOUND:
			web_not_found(q);
			break;
		case KR_EFORBIDDEN:
			web_forbidden(q, NULL);
			break;
		case KR_EINVAL:
			web_error_page(q, 400, "error.bad_request");
			break;
		case KR_EBUSY:
			web_error_page(q, 429, "error.rate_limited");
			break;
		default:
			log_error("web: %s %s failed: %s (%s)", q->req->method, q->req->path,
				  kr_strerror(r), store_errmsg(q->w->api->store));
			web_error_page(q, 500, "error.internal");
			break;
		}
	}
	web_form_release(&q->form);
	json_decref(q->page);
	q->page = NULL;
	return 0;
}

/* ---- sessions ---- */

int web_session_start(struct web_req *q, const struct core_person *p, const char *how)
{
	struct store *s = q->w->api->store;
	struct store_session ss;
	char secret[WEB_SECRET_LEN + 1];
	int64_t now = time_now_ms();
	int64_t ttl = q->w->api->cfg.session_ttl_ms;
	bool in_tx = false;
	memset(&ss, 0, sizeof ss);
	memcpy(secret, "kw_", sizeof "kw_"); /* terminated until random_hex fills the rest */
	random_hex(secret + 3, 32);
	hash_sha256_hex(secret, WEB_SECRET_LEN, ss.hash);
	random_hex(ss.csrf, 32);
	ss.person_id = p->id;
	ss.created = now;
	ss.expires = now + ttl;
	q->caller.person = *p;
	q->caller.actor.authenticated = true;
	q->caller.actor.person_id = p->id;
	q->caller.actor.org_id = p->org_id;

	int r = store_session_purge(s, now);
	if (r)
		log_warn("web: purging expired sessions failed: %s", kr_strerror(r));
	r = store_begin(s);
	if (r)
		goto out;
	in_tx = true;
	r = store_session_create(s, &ss);
	if (!r)
		r = web_audit(q, AUDIT_LOGIN, 0, "session", 0, how);
	if (!r)
		r = store_web_visit_begin(s, p->id, now);
	if (!r)
		r = store_commit(s);
	if (r)
		goto out;
	in_tx = false;
	r = web_set_cookie(q, WEB_COOKIE_SESSION, secret, (long)(ttl / 1000));
out:
	if (in_tx)
		store_rollback(s);
	sodium_memzero(secret, sizeof secret);
	return r;
}

int web_session_end(struct web_req *q)
{
	struct store *s = q->w->api->store;
	bool in_tx = false;
	int r = store_begin(s);
	if (r)
		goto out;
	in_tx = true;
	r = store_session_delete(s, q->caller.session_hash);
	if (r == KR_ENOTFOUND)
		r = 0;
	if (!r)
		r = web_audit(q, AUDIT_LOGOUT, 0, "session", 0, "web logout");
	if (!r)
		r = store_commit(s);
	if (r)
		goto out;
	in_tx = false;
	r = web_set_cookie(q, WEB_COOKIE_SESSION, "", 0);
out:
	if (in_tx)
		store_rollback(s);
	return r;
}
