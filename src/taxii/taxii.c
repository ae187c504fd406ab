/* taxii.c - the TAXII 2.1 surface: dispatch of the /taxii2/ paths, HTTP
 * Basic and bearer authentication, media types (406/415), TAXII error
 * messages, discovery, API roots, collections and status resources, and a
 * cache of answers to repeated GETs. Objects are in objects.c, the MISP feed
 * in feed.c. */
#include "taxii/taxii_int.h"
#include "codec/digest.h"
#include "store/store_interop.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/banned.h"

#define SECRET_LEN 67            /* "kt_" + 64 hex digits */
#define BASIC_MAX 1400           /* bytes of a decoded Basic credential */
#define PW_CACHE_MS (60 * 1000)  /* a verified Basic password is trusted this long */
#define TOKEN_TOUCH_MS 60000
#define CACHE_ENTRIES 256
#define CACHE_BYTES ((size_t)64 * 1024 * 1024)
#define CACHE_MS_DEFAULT 1000
#define ROOT_PATH_MAX 64

/* ---- answers ---- */

int taxii_json_text(struct http_response *res, int status, const char *text, size_t len)
{
	return http_text(res, status, TAXII_MEDIA_TYPE, text, len);
}

static int dump_cb(const char *buf, size_t size, void *data)
{
	return strbuf_add(data, buf, size) ? -1 : 0;
}

int taxii_dump(const json_t *j, size_t max, char **out, size_t *len)
{
	struct strbuf sb;
	*out = NULL;
	*len = 0;
	strbuf_init(&sb, max);
	int r = json_dump_callback(j, dump_cb, &sb, JSON_COMPACT | JSON_ENCODE_ANY) ? KR_ENOMEM : 0;
	if (!r)
		r = strbuf_add(&sb, "", 0); /* a buffer even for nothing */
	if (!r) {
		*out = strbuf_detach(&sb, len);
		if (!*out)
			r = KR_ENOMEM;
	}
	strbuf_release(&sb);
	return r;
}

int taxii_json(struct http_response *res, int status, json_t *j)
{
	int r = http_json(res, status, j);
	if (!r)
		snprintf(res->content_type, sizeof res->content_type, "%s", TAXII_MEDIA_TYPE);
	return r;
}

static int status_to_kr(int status)
{
	switch (status) {
	case 401:
		return KR_EAUTH;
	case 403:
		return KR_EFORBIDDEN;
	case 404:
		return KR_ENOTFOUND;
	case 413:
		return KR_ELIMIT;
	case 500:
		return KR_EIO;
	default:
		return KR_EINVAL;
	}
}

int taxii_error(struct http_response *res, int status, const char *title,
		const char *description)
{
	char code[8];
	snprintf(code, sizeof code, "%d", status);
	json_t *j = json_pack("{s:s, s:s, s:s}", "title", title, "description",
			      description ? description : title, "http_status", code);
	http_response_release(res);
	http_response_init(res);
	int r = taxii_json(res, status, j);
	if (!r && status == 401)
		r = http_response_header(res, "WWW-Authenticate",
					 "Basic realm=\"kring\", Bearer realm=\"kring\"");
	if (r) {
		log_error("taxii: cannot build an error answer: %s", kr_strerror(r));
		return r;
	}
	return status_to_kr(status);
}

/* ---- media types ---- */

/* Whether one media range of an Accept header admits TAXII 2.1 JSON. */
static bool range_ok(const char *s, size_t n)
{
	char buf[256];
	if (n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *save = NULL;
	char *type = strtok_r(buf, ";", &save);
	if (!type)
		return false;
	while (*type == ' ' || *type == '\t')
		type++;
	size_t tl = strlen(type);
	while (tl && (type[tl - 1] == ' ' || type[tl - 1] == '\t'))
		type[--tl] = '\0';
	bool any = strcmp(type, "*/*") == 0 || strcasecmp(type, "application/*") == 0;
	bool taxii = strcasecmp(type, "application/taxii+json") == 0;
	if (!any && !taxii)
		return false;
	for (char *p = strtok_r(NULL, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
		while (*p == ' ' || *p == '\t')
			p++;
		char *eq = strchr(p, '=');
		if (!eq)
			continue;
		*eq = '\0';
		char *v = eq + 1;
		size_t kl = strlen(p);
		while (kl && (p[kl - 1] == ' ' || p[kl - 1] == '\t'))
			p[--kl] = '\0';
		while (*v == ' ' || *v == '\t' || *v == '"')
			v++;
		size_t vl = strlen(v);
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t' || v[vl - 1] == '"'))
			v[--vl] = '\0';
		if (strcasecmp(p, "q") == 0 && strtod(v, NULL) <= 0.0)
			return false;
		if (taxii && strcasecmp(p, "version") == 0 && strcmp(v, "2.1") != 0)
			return false;
	}
	return true;
}

static bool accept_ok(const char *accept)
{
	if (!accept || !*accept)
		return true;
	const char *p = accept;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (range_ok(p, n))
			return true;
		if (!comma)
			return false;
		p = comma + 1;
	}
}

int taxii_check_accept(struct http_request *req, struct http_response *res)
{
	if (accept_ok(http_header(req, "Accept")))
		return 0;
	return taxii_error(res, 406, "Not Acceptable",
			   "This server answers with application/taxii+json;version=2.1 only.");
}

/* ---- time ---- */

void taxii_time_format(int64_t us, char *buf, size_t n)
{
	time_t sec = (time_t)(us / 1000000);
	long frac = (long)(us % 1000000);
	struct tm tm;
	if (frac < 0) {
		frac += 1000000;
		sec -= 1;
	}
	gmtime_r(&sec, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* The value of the n digits at s (checked with digits() first). */
static int num(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int taxii_time_parse(const char *s, int64_t *us)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return KR_EINVAL;
	tm.tm_year = num(s, 4) - 1900;
	tm.tm_mon = num(s + 5, 2) - 1;
	tm.tm_mday = num(s + 8, 2);
	tm.tm_hour = num(s + 11, 2);
	tm.tm_min = num(s + 14, 2);
	tm.tm_sec = num(s + 17, 2);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return KR_EINVAL;
	/* no 31 February: timegm would quietly make it 3 March */
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = tm.tm_year + 1900;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (tm.tm_mday > mdays[tm.tm_mon] + (tm.tm_mon == 1 && leap))
		return KR_EINVAL;
	const char *p = s + 19;
	int64_t frac = 0;
	if (*p == '.') {
		int nd = 0;
		for (p++; isdigit((unsigned char)*p); p++, nd++) {
			if (nd < 6)
				frac = frac * 10 + (*p - '0');
		}
		if (nd == 0)
			return KR_EINVAL;
		for (; nd < 6; nd++)
			frac *= 10;
	}
	if ((*p != 'Z' && *p != 'z') || p[1])
		return KR_EINVAL;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return KR_EINVAL;
	*us = (int64_t)t * 1000000 + frac;
	return 0;
}

/* ---- authentication ---- */

static bool token_shape(const char *s, size_t n)
{
	if (n != SECRET_LEN || strncmp(s, "kt_", 3) != 0)
		return false;
	for (size_t i = 3; i < n; i++) {
		char ch = s[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return false;
	}
	return true;
}

/* The caller of person_id: person, actor; read_only lowers can_write. */
static int caller_of(struct taxii *t, int64_t person_id, bool read_only, struct api_caller *out)
{
	int r = store_person_get(t->api->store, person_id, &out->person);
	if (r)
		return r;
	if (out->person.disabled)
		return KR_EAUTH;
	r = store_actor_load(t->api->store, person_id, &out->actor);
	if (r)
		return r;
	out->actor.authenticated = true;
	out->actor.person_id = person_id;
	if (read_only)
		out->actor.can_write = false;
	return 0;
}

/* Basic with an API token: the token must belong to the named person. */
static int basic_token(struct taxii *t, const char *email, const char *secret,
		       struct api_caller *out)
{
	struct store_token tok;
	struct core_person p;
	char hash[65];
	int64_t now = time_now_ms();
	hash_sha256_hex(secret, SECRET_LEN, hash);
	int r = store_token_get_by_hash(t->api->store, hash, &tok);
	if (r)
		return r == KR_ENOTFOUND ? KR_EAUTH : r;
	if (tok.revoked || (tok.expires && tok.expires <= now))
		return KR_EAUTH;
	r = store_person_get(t->api->store, tok.person_id, &p);
	if (r)
		return r == KR_ENOTFOUND ? KR_EAUTH : r;
	if (strcasecmp(p.email, email) != 0)
		return KR_EAUTH;
	out->via_token = true;
	out->token_id = tok.id;
	if (now - tok.last_used >= TOKEN_TOUCH_MS) {
		int tr = store_token_touch(t->api->store, tok.id, now);
		if (tr)
			log_warn("taxii: recording use of token %lld failed: %s",
				 (long long)tok.id, kr_strerror(tr));
	}
	return caller_of(t, tok.person_id, strcmp(tok.scope, "write") != 0, out);
}

static void audit_failed(struct taxii *t, struct http_request *req, const char *email)
{
	struct core_audit au;
	memset(&au, 0, sizeof au);
	au.action = AUDIT_LOGIN_FAILED;
	snprintf(au.object_type, sizeof au.object_type, "%s", "person");
	snprintf(au.detail, sizeof au.detail, "taxii basic %.200s", email);
	snprintf(au.addr, sizeof au.addr, "%s", req->client_addr ? req->client_addr : "");
	int r = store_audit_append(t->api->store, &au);
	if (r)
		log_warn("taxii: cannot audit a failed sign-in: %s", kr_strerror(r));
}

/* Basic with a password: argon2id, rate limited like the login, and a
 * success remembered for a minute (as a hash of e-mail and password). */
static int basic_password(struct taxii *t, struct http_request *req, const char *email,
			  const char *pw, struct api_caller *out)
{
	struct taxii_private *pv = t->priv;
	struct core_person p;
	char pw_hash[256] = "";
	char key[65];
	struct api_login_keys lk;
	struct strbuf kb;
	int64_t now = time_now_ms();
	strbuf_init(&kb, BASIC_MAX + 2);
	int r = strbuf_addf(&kb, "%s:%s", email, pw);
	if (r) {
		strbuf_release(&kb);
		return KR_EAUTH;
	}
	hash_sha256_hex(kb.buf, kb.len, key);
	sodium_memzero(kb.buf, kb.len);
	strbuf_release(&kb);
	for (size_t i = 0; i < sizeof pv->pw / sizeof pv->pw[0]; i++) {
		if (pv->pw[i].until > now && hash_equal_ct(pv->pw[i].key, key))
			return caller_of(t, pv->pw[i].person_id, false, out);
	}
	/* The same throttle as the API login and the web sign-in. */
	api_login_keys_init(&lk, email, req->client_addr);
	if (api_login_throttled(t->api, &lk, now, &pv->retry_ms))
		return KR_EBUSY;
	r = store_person_get_by_email(t->api->store, email, &p, pw_hash, sizeof pw_hash);
	if (r && r != KR_ENOTFOUND)
		return r;
	bool ok = !r && pw_hash[0] && !p.disabled &&
		  crypto_pwhash_str_verify(pw_hash, pw, strlen(pw)) == 0;
	if (!ok) {
		/* counted after argon2id: the delay runs from the answer */
		api_login_count_failure(t->api, &lk, time_now_ms());
		audit_failed(t, req, email);
		return KR_EAUTH;
	}
	api_login_forget_account(t->api, &lk);
	unsigned slot = pv->pw_next++ % (unsigned)(sizeof pv->pw / sizeof pv->pw[0]);
	memcpy(pv->pw[slot].key, key, sizeof key);
	pv->pw[slot].person_id = p.id;
	pv->pw[slot].until = now + PW_CACHE_MS;
	return caller_of(t, p.id, false, out);
}

static int basic(struct taxii *t, struct http_request *req, const char *b64,
		 struct api_caller *out)
{
	unsigned char raw[BASIC_MAX + 1];
	size_t n = 0;
	while (*b64 == ' ' || *b64 == '\t')
		b64++;
	if (sodium_base642bin(raw, BASIC_MAX, b64, strlen(b64), " \t", &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return KR_EAUTH;
	raw[n] = '\0';
	char *colon = memchr(raw, ':', n);
	if (!colon || memchr(raw, '\0', n)) {
		sodium_memzero(raw, sizeof raw);
		return KR_EAUTH;
	}
	*colon = '\0';
	char email[CORE_EMAIL_MAX + 1];
	const char *user = (const char *)raw;
	const char *secret = colon + 1;
	size_t ulen = strlen(user);
	int r = KR_EAUTH;
	if (ulen == 0 || ulen > CORE_EMAIL_MAX)
		goto out;
	for (size_t i = 0; i <= ulen; i++)
		email[i] = (char)tolower((unsigned char)user[i]);
	if (token_shape(secret, strlen(secret)))
		r = basic_token(t, email, secret, out);
	else if (*secret)
		r = basic_password(t, req, email, secret, out);
out:
	sodium_memzero(raw, sizeof raw);
	return r;
}

int taxii_caller_status(struct taxii *t, struct http_request *req, struct api_caller *out)
{
	const char *auth = http_header(req, "Authorization");
	int r = 0;
	memset(out, 0, sizeof *out);
	if (!auth)
		return KR_EAUTH;
	if (strncasecmp(auth, "Basic", 5) == 0 && (auth[5] == ' ' || auth[5] == '\t')) {
		r = basic(t, req, auth + 6, out);
	} else {
		struct http_response scratch;
		http_response_init(&scratch);
		r = api_caller_resolve(t->api, req, &scratch, out);
		if (!r && !out->actor.authenticated)
			r = KR_EAUTH;
		if (r && r != KR_EAUTH && scratch.status == 401)
			r = KR_EAUTH;
		http_response_release(&scratch);
	}
	if (r == KR_ENOTFOUND)
		r = KR_EAUTH;
	if (r)
		memset(out, 0, sizeof *out);
	if (r && r != KR_EAUTH && r != KR_EBUSY)
		log_error("taxii: resolving the caller failed: %s (%s)", kr_strerror(r),
			  store_errmsg(t->api->store));
	return r;
}

int taxii_caller(struct taxii *t, struct http_request *req, struct http_response *res,
		 struct api_caller *out)
{
	int r = taxii_caller_status(t, req, out);
	if (!r)
		return 0;
	if (r == KR_EAUTH && !http_header(req, "Authorization"))
		return taxii_error(res, 401, "Unauthorized",
				   "Authenticate with HTTP Basic (e-mail and API token or password) "
				   "or a bearer token.");
	if (r == KR_EBUSY) {
		r = taxii_error(res, 429, "Too Many Requests",
				"Too many failed sign-ins; try again later.");
		/* after taxii_error, which starts the answer afresh */
		if (api_login_retry_after(res, t->priv->retry_ms))
			log_warn("taxii: cannot add Retry-After");
		return r;
	}
	if (r == KR_EAUTH)
		return taxii_error(res, 401, "Unauthorized",
				   "The credential is invalid, expired or revoked.");
	return taxii_error(res, 500, "Internal Server Error",
			   "The server could not complete the request.");
}

/* ---- API roots and collections ---- */

static bool root_visible(const struct policy_actor *a, int64_t community_id)
{
	const struct policy_membership *m = policy_membership_of(a, community_id);
	return m && m->org_is_member;
}

static int parse_id(const char *s, int64_t *out)
{
	char *end = NULL;
	if (!s || !isdigit((unsigned char)s[0]) || s[0] == '0' || strlen(s) > 18)
		return KR_EINVAL;
	long long v = strtoll(s, &end, 10);
	if (*end || v <= 0)
		return KR_EINVAL;
	*out = v;
	return 0;
}

static void collection_id(const struct taxii *t, int64_t community_id, char out[37])
{
	char name[64];
	snprintf(name, sizeof name, "taxii-collection:%lld:reports", (long long)community_id);
	digest_uuid5(t->priv->collection_ns, name, strlen(name), out);
}

void taxii_root_release(struct taxii_root *rt)
{
	core_community_release(&rt->comm);
}

static int not_found(struct http_response *res)
{
	return taxii_error(res, 404, "Not Found", "No such resource.");
}

int taxii_root_resolve(struct taxii *t, struct http_request *req, struct http_response *res,
		       const char *root, struct taxii_root *rt)
{
	int64_t id = 0;
	memset(rt, 0, sizeof *rt);
	int r = taxii_caller(t, req, res, &rt->caller);
	if (r)
		return r;
	if (parse_id(root, &id) || !root_visible(&rt->caller.actor, id))
		return not_found(res);
	r = store_community_get(t->api->store, id, &rt->comm);
	if (r == KR_ENOTFOUND)
		return not_found(res);
	if (r) {
		log_error("taxii: reading community %lld failed: %s", (long long)id,
			  kr_strerror(r));
		return taxii_error(res, 500, "Internal Server Error",
				   "The server could not complete the request.");
	}
	rt->can_read = policy_is_participant(&rt->caller.actor, id);
	rt->can_write = policy_decide_community(&rt->caller.actor, id, PC_SHARE).allow;
	collection_id(t, id, rt->collection_id);
	return 0;
}

int taxii_collection_check(struct taxii_root *rt, const char *id, struct http_response *res)
{
	if (id && (strcmp(id, rt->collection_id) == 0 || strcmp(id, "reports") == 0))
		return 0;
	return not_found(res);
}

/* "http://host/taxii2/<id>/" from the request's Host, or a path alone. */
static void root_url(struct http_request *req, int64_t id, char *out, size_t n)
{
	const char *host = http_header(req, "Host");
	const char *proto = http_header(req, "X-Forwarded-Proto");
	bool host_ok = host && *host && strlen(host) < 256;
	for (const char *p = host; host_ok && *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr(".-:[]_", *p))
			host_ok = false;
	}
	if (host_ok)
		snprintf(out, n, "%s://%s/taxii2/%lld/",
			 proto && strcmp(proto, "https") == 0 ? "https" : "http", host,
			 (long long)id);
	else
		snprintf(out, n, "/taxii2/%lld/", (long long)id);
}

static json_t *collection_json(const struct taxii_root *rt)
{
	char title[CORE_NAME_MAX + 32];
	snprintf(title, sizeof title, "Reports of %s", rt->comm.name);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", rt->collection_id,
			 "title", title, "description",
			 "kring reports, their indicators and imported STIX objects of this "
			 "community, each as its TLP allows the reader",
			 "alias", "reports", "can_read", rt->can_read, "can_write", rt->can_write,
			 "media_types", TAXII_STIX_MEDIA_TYPE);
}

static int h_discovery(struct taxii *t, struct http_request *req, struct http_response *res)
{
	struct api_caller c;
	char url[ROOT_PATH_MAX + 300];
	int r = taxii_check_accept(req, res);
	if (!r)
		r = taxii_caller(t, req, res, &c);
	if (r)
		return r;
	json_t *roots = json_array();
	json_t *d = json_pack("{s:s, s:s}", "title", "kring TAXII 2.1", "description",
			      "One API root per community of which the caller's organisation "
			      "is a member.");
	if (!roots || !d) {
		json_decref(roots);
		json_decref(d);
		return taxii_error(res, 500, "Internal Server Error", "Out of memory.");
	}
	int n = c.actor.nmemberships < POLICY_MAX_MEMBERSHIPS ? c.actor.nmemberships
							      : POLICY_MAX_MEMBERSHIPS;
	for (int i = 0; i < n; i++) {
		const struct policy_membership *m = &c.actor.memberships[i];
		if (!m->org_is_member)
			continue;
		root_url(req, m->community_id, url, sizeof url);
		if (json_array_size(roots) == 0)
			json_object_set_new(d, "default", json_string(url));
		json_array_append_new(roots, json_string(url));
	}
	json_object_set_new(d, "api_roots", roots);
	return taxii_json(res, 200, d);
}

static int h_root(struct taxii *t, struct http_request *req, struct http_response *res)
{
	struct taxii_root rt;
	int r = taxii_check_accept(req, res);
	if (!r)
		r = taxii_root_resolve(t, req, res, req->params[0], &rt);
	if (r)
		return r;
	size_t max = t->max_content_length ? t->max_content_length : 1024 * 1024;
	json_t *j = json_pack("{s:s, s:s, s:[s], s:I}", "title", rt.comm.name, "description",
			      rt.comm.description ? rt.comm.description : "", "versions",
			      TAXII_MEDIA_TYPE, "max_content_length", (json_int_t)max);
	r = taxii_json(res, 200, j);
	taxii_root_release(&rt);
	return r;
}

static int h_collections(struct taxii *t, struct http_request *req, struct http_response *res)
{
	struct taxii_root rt;
	int r = taxii_check_accept(req, res);
	if (!r)
		r = taxii_root_resolve(t, req, res, req->params[0], &rt);
	if (r)
		return r;
	json_t *c = collection_json(&rt);
	r = taxii_json(res, 200, c ? json_pack("{s:[o]}", "collections", c) : NULL);
	taxii_root_release(&rt);
	return r;
}

static int h_collection(struct taxii *t, struct http_request *req, struct http_response *res)
{
	struct taxii_root rt;
	int r = taxii_check_accept(req, res);
	if (!r)
		r = taxii_root_resolve(t, req, res, req->params[0], &rt);
	if (r)
		return r;
	r = taxii_collection_check(&rt, req->params[1], res);
	if (!r)
		r = taxii_json(res, 200, collection_json(&rt));
	taxii_root_release(&rt);
	return r;
}

static bool uuid_text(const char *s)
{
	unsigned char u[16];
	if (!s || strlen(s) != 36 || digest_uuid_parse(s, u))
		return false;
	for (const char *p = s; *p; p++) {
		if (isupper((unsigned char)*p))
			return false;
	}
	return true;
}

static int h_status(struct taxii *t, struct http_request *req, struct http_response *res)
{
	struct taxii_root rt;
	char *json = NULL;
	int64_t comm = 0, person = 0;
	int r = taxii_check_accept(req, res);
	if (!r)
		r = taxii_root_resolve(t, req, res, req->params[0], &rt);
	if (r)
		return r;
	if (!uuid_text(req->params[1])) {
		r = not_found(res);
		goto out;
	}
	r = store_taxii_status_get(t->api->store, req->params[1], &comm, &person, &json);
	if (r == KR_ENOTFOUND || (!r && (comm != rt.comm.id || person != rt.caller.person.id))) {
		r = not_found(res); /* another person's status does not exist for this one */
		goto out;
	}
	if (r) {
		log_error("taxii: reading a status failed: %s", kr_strerror(r));
		r = taxii_error(res, 500, "Internal Server Error",
				"The server could not complete the request.");
		goto out;
	}
	r = taxii_json_text(res, 200, json, strlen(json));
out:
	kr_free(json);
	taxii_root_release(&rt);
	return r;
}

void taxii_audit_reads(struct taxii *t, const struct api_caller *c, struct http_request *req,
		       const struct interop_audit *a, const char *how)
{
	char detail[64];
	if (!a || a->n == 0)
		return;
	int r = store_begin(t->api->store);
	for (size_t i = 0; !r && i < a->n; i++) {
		const struct interop_audit_entry *e = &a->items[i];
		snprintf(detail, sizeof detail, "tlp=%s %s", tlp_name(e->tlp), how);
		r = api_audit(t->api, c, req, AUDIT_READ, e->community_id, e->object_type,
			      e->object_id, detail);
	}
	if (!r && a->truncated)
		r = api_audit(t->api, c, req, AUDIT_READ, a->items[0].community_id, "report", 0,
			      "more exported than listed here");
	t->priv->audited = true;
	if (r) {
		store_rollback(t->api->store);
		log_error("taxii: cannot write the audit of a read: %s", kr_strerror(r));
		return;
	}
	r = store_commit(t->api->store);
	if (r)
		log_error("taxii: cannot commit the audit of a read: %s", kr_strerror(r));
}

/* ---- dispatch ---- */

typedef int (*taxii_fn)(struct taxii *t, struct http_request *req, struct http_response *res);

struct taxii_route {
	const char *method;
	const char *pattern;
	taxii_fn fn;
	bool cacheable;
};

static const struct taxii_route routes[] = {
	{"GET", "/taxii2", h_discovery, true},
	{"GET", "/taxii2/:root", h_root, true},
	{"GET", "/taxii2/:root/collections", h_collections, true},
	{"GET", "/taxii2/:root/collections/:coll", h_collection, true},
	{"GET", "/taxii2/:root/collections/:coll/objects", taxii_objects_get, true},
	{"POST", "/taxii2/:root/collections/:coll/objects", taxii_objects_post, false},
	{"GET", "/taxii2/:root/collections/:coll/objects/:obj", taxii_object_get, true},
	{"GET", "/taxii2/:root/collections/:coll/objects/:obj/versions", taxii_versions_get, true},
	{"GET", "/taxii2/:root/collections/:coll/manifest", taxii_manifest_get, true},
	{"GET", "/taxii2/:root/status/:status", h_status, false},
};
#define NROUTES (sizeof routes / sizeof routes[0])

struct taxii_binding {
	struct taxii *t;
	const struct taxii_route *rt;
};

/* Matches path segments (after the leading '/') against a pattern; fills
 * params. */
static bool pattern_match(const char *pattern, char *const *segs, int nsegs, const char **params,
			  int *nparams)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", pattern + 1);
	int i = 0;
	*nparams = 0;
	char *save = NULL;
	for (char *p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save), i++) {
		if (i >= nsegs)
			return false;
		if (p[0] == ':') {
			if (!segs[i][0])
				return false;
			params[(*nparams)++] = segs[i];
		} else if (strcmp(p, segs[i]) != 0) {
			return false;
		}
	}
	return i == nsegs;
}

struct key_ctx {
	struct strbuf *sb;
	int r;
};

static int key_param(void *arg, const char *k, const char *v)
{
	struct key_ctx *kc = arg;
	if (!kc->r)
		kc->r = strbuf_addf(kc->sb, "&%s=%s", k, v);
	return 0;
}

/* The cache key: SHA-256 over what the answer depends on besides the
 * store (method, path, query, credential, Accept). */
static int cache_key(struct http_request *req, char out[65])
{
	struct strbuf sb;
	strbuf_init(&sb, 64 * 1024);
	const char *auth = http_header(req, "Authorization");
	const char *accept = http_header(req, "Accept");
	const char *host = http_header(req, "Host");
	int r = strbuf_addf(&sb, "%s\n%s\n%s\n%s\n%s\n?", req->method, req->path, auth ? auth : "",
			    accept ? accept : "", host ? host : "");
	struct key_ctx kc = {&sb, 0};
	if (!r) {
		http_query_each(req, key_param, &kc);
		r = kc.r;
	}
	if (!r)
		hash_sha256_hex(sb.buf, sb.len, out);
	if (sb.buf)
		sodium_memzero(sb.buf, sb.len);
	strbuf_release(&sb);
	return r;
}

static int run(struct taxii *t, const struct taxii_route *rt, struct http_request *req,
	       struct http_response *res)
{
	struct taxii_private *pv = t->priv;
	char key[65];
	uint64_t gen = 0;
	bool cache = pv->cache && rt->cacheable && t->cache_ms > 0;
	int64_t now = time_now_ms();
	if (cache && (cache_key(req, key) || store_interop_generation(t->api->store, &gen)))
		cache = false;
	if (cache && taxii_cache_get(pv->cache, key, gen, now, t->cache_ms, res))
		return 0;
	pv->audited = false;
	int r = rt->fn(t, req, res);
	/* Answers that let out AMBER or stricter content were audited; they are
	 * not kept, so every such read is audited again. */
	if (cache && res->status == 200 && !pv->audited &&
	    !store_interop_generation(t->api->store, &gen))
		taxii_cache_put(pv->cache, key, gen, now, res);
	return r;
}

static int routed(struct http_request *req, struct http_response *res, void *ctx)
{
	struct taxii_binding *b = ctx;
	return run(b->t, b->rt, req, res);
}

/* The before hook: every path under /taxii2, with or without its
 * trailing slash. */
static int before(struct http_request *req, struct http_response *res, void *ctx)
{
	struct taxii *t = ctx;
	char *copy = NULL;
	char *segs[16];
	int nsegs = 0;
	if (strncmp(req->path, "/taxii2", 7) != 0 || (req->path[7] && req->path[7] != '/'))
		return 0;
	copy = kr_strdup(req->path + 1);
	if (!copy) {
		taxii_error(res, 500, "Internal Server Error", "Out of memory.");
		return 1;
	}
	size_t n = strlen(copy);
	if (n && copy[n - 1] == '/')
		copy[n - 1] = '\0'; /* the trailing slash of TAXII URLs */
	for (char *p = copy;; nsegs++) {
		if (nsegs == 16) {
			nsegs = -1;
			break;
		}
		segs[nsegs] = p;
		char *slash = strchr(p, '/');
		if (!slash) {
			nsegs++;
			break;
		}
		*slash = '\0';
		p = slash + 1;
	}
	const struct taxii_route *found = NULL;
	char allow[64] = "";
	for (size_t i = 0; nsegs > 0 && i < NROUTES; i++) {
		const char *params[HTTP_MAX_PARAMS];
		int np = 0;
		if (!pattern_match(routes[i].pattern, segs, nsegs, params, &np))
			continue;
		size_t al = strlen(allow);
		snprintf(allow + al, sizeof allow - al, "%s%s", al ? ", " : "", routes[i].method);
		if (strcmp(routes[i].method, req->method) != 0)
			continue;
		found = &routes[i];
		req->nparams = np;
		for (int k = 0; k < np; k++)
			req->params[k] = params[k];
		break;
	}
	if (found) {
		run(t, found, req, res);
	} else if (allow[0]) {
		taxii_error(res, 405, "Method Not Allowed",
			    "This resource does not support the request method.");
		if (res->status == 405 && http_response_header(res, "Allow", allow))
			log_warn("taxii: cannot set the Allow header");
	} else {
		not_found(res);
	}
	/* params point into copy: the handler has returned, so it can go */
	req->nparams = 0;
	kr_free(copy);
	if (!res->status)
		taxii_error(res, 500, "Internal Server Error",
			    "The server could not complete the request.");
	return 1;
}

int taxii_register(struct taxii *t, struct http_server *srv)
{
	struct taxii_binding *bind = NULL;
	unsigned char ns[16];
	int r = 0;
	if (!t || !t->api || t->priv)
		return KR_EINVAL;
	t->priv = kr_calloc(1, sizeof *t->priv);
	if (!t->priv)
		return KR_ENOMEM;
	bind = t->priv->bind = kr_calloc(NROUTES, sizeof *bind);
	if (!bind) {
		r = KR_ENOMEM;
		goto out;
	}
	if (t->cache_ms == 0)
		t->cache_ms = CACHE_MS_DEFAULT;
	r = digest_uuid_parse(STIX_KRING_NAMESPACE, ns);
	if (r)
		goto out;
	memcpy(t->priv->collection_ns, ns, sizeof ns);
	if (t->cache_ms > 0)
		r = taxii_cache_new(CACHE_ENTRIES, CACHE_BYTES, &t->priv->cache);
	for (size_t i = 0; !r && i < NROUTES; i++) {
		bind[i].t = t;
		bind[i].rt = &routes[i];
		r = http_route(srv, routes[i].method, routes[i].pattern, routed, &bind[i]);
	}
	if (!r)
		r = taxii_feed_register(t, srv);
	if (!r)
		http_set_before(srv, before, t);
out:
	if (r)
		taxii_release(t);
	return r;
}

void taxii_release(struct taxii *t)
{
	if (!t || !t->priv)
		return;
	taxii_cache_free(t->priv->cache);
	sodium_memzero(t->priv->pw, sizeof t->priv->pw);
	kr_free(t->priv->bind);
	kr_free(t->priv);
	t->priv = NULL;
}
