/* org.c - organisation settings: the reader's organisation, its people,
 * and the reader's own API tokens (create, shown once; revoke). Token
 * secrets are made and stored exactly like POST /api/v1/tokens does: "kt_"
 * and 64 hex digits, only the SHA-256 kept. */
#include "util/err.h"
#include "util/hash.h"
#include "util/random.h"
#include "util/timeutil.h"
#include "web/web_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define TOKEN_SECRET_LEN 67
#define TOKEN_PREFIX_LEN 12
#define TOKEN_MAX_DAYS 3650
#define ORG_PEOPLE_MAX 500

static int render_org(struct web_req *q, int status, const char *new_token,
		      const char *error_key)
{
	struct store *s = q->w->api->store;
	struct core_org org;
	struct core_person *ps = NULL;
	struct store_token *ts = NULL;
	size_t nps = 0, nts = 0;
	json_t *p = q->page;
	web_set_text(q, p, "title", "org.title");
	web_set_bool(q, p, "nav_org", true);
	if (error_key)
		web_set_text(q, p, "error", error_key);
	if (new_token)
		web_set_str(q, p, "new_token", new_token);
	const char *msg = http_query(q->req, "msg");
	if (msg && strcmp(msg, "revoked") == 0)
		web_set_text(q, p, "notice", "org.notice.revoked");
	int r = store_org_get(s, q->caller.person.org_id, &org);
	if (r == KR_ENOTFOUND) {
		web_set_bool(q, p, "no_org", true);
	} else if (r) {
		goto out;
	} else {
		json_t *o = web_obj(q);
		web_set_str(q, o, "name", org.name);
		web_set_str(q, o, "kind", web_t2(q, "org.kind.", org_kind_name(org.kind)));
		web_set_str(q, o, "region", org.region);
		web_set_str(q, o, "website", org.website);
		web_set_str(q, o, "nis2", web_t2(q, "org.nis2.", nis2_name(org.nis2)));
		json_t *sec = web_arr(q);
		for (int i = 0; i < org.nsectors; i++)
			web_push(q, sec, json_string(org.sectors[i]));
		web_set(q, o, "sectors", sec);
		web_set(q, p, "org", o);
		struct store_person_filter f = { .org_id = org.id, .limit = ORG_PEOPLE_MAX };
		r = store_person_list(s, &f, &ps, &nps);
		if (r)
			goto out;
		json_t *people = web_arr(q);
		for (size_t i = 0; i < nps; i++) {
			json_t *po = web_obj(q);
			web_set_str(q, po, "name", ps[i].name);
			web_set_str(q, po, "email", ps[i].email); /* same organisation: shown */
			web_set_str(q, po, "language", web_t2(q, "lang.name.", lang_name(ps[i].lang)));
			web_set_bool(q, po, "is_admin", ps[i].is_admin);
			web_set_bool(q, po, "disabled", ps[i].disabled);
			web_set_bool(q, po, "me", ps[i].id == q->caller.person.id);
			web_push(q, people, po);
		}
		web_set(q, p, "people", people);
	}
	r = store_token_list(s, q->caller.person.id, &ts, &nts);
	if (r)
		goto out;
	json_t *tokens = web_arr(q);
	int64_t now = time_now_ms();
	for (size_t i = 0; i < nts; i++) {
		char url[64];
		json_t *to = web_obj(q);
		snprintf(url, sizeof url, "/organisation/tokens/%lld/revoke", (long long)ts[i].id);
		web_set_int(q, to, "id", ts[i].id);
		web_set_str(q, to, "name", ts[i].name);
		web_set_str(q, to, "scope", web_t2(q, "token.scope.", ts[i].scope));
		web_set_str(q, to, "prefix", ts[i].prefix);
		web_set(q, to, "created", web_time_json(q, ts[i].created));
		web_set(q, to, "expires", web_time_json(q, ts[i].expires));
		web_set(q, to, "last_used", web_time_json(q, ts[i].last_used));
		web_set(q, to, "revoked", web_time_json(q, ts[i].revoked));
		web_set_bool(q, to, "active", !ts[i].revoked && (!ts[i].expires || ts[i].expires > now));
		web_set_str(q, to, "revoke_url", url);
		web_push(q, tokens, to);
	}
	web_set(q, p, "tokens", tokens);
	r = web_render(q, status, "organisation");
out:
	store_person_free(ps, nps);
	store_token_free(ts);
	return r;
}

static int h_org(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_require(&q);
	if (!r)
		r = render_org(&q, 200, NULL, NULL);
	return web_req_end(&q, r);
}

static int h_token_create(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct store_token t;
	char secret[TOKEN_SECRET_LEN + 1] = "";
	bool in_tx = false;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (!r)
		r = web_req_require(&q);
	if (r)
		goto out;
	if (!q.caller.actor.can_write) {
		r = web_forbidden(&q, NULL);
		goto out;
	}
	struct store *s = q.w->api->store;
	const char *name = web_form_get(&q.form, "name");
	const char *scope = web_form_get(&q.form, "scope");
	const char *days_s = web_form_get(&q.form, "expires_days");
	int64_t days = days_s && *days_s ? web_parse_id(days_s) : 0;
	bool blank = true;
	for (const char *c = name; c && *c; c++)
		blank = blank && (*c == ' ' || *c == '\t');
	if (blank || strlen(name) > CORE_NAME_MAX || !core_utf8_valid(name, strlen(name), false)) {
		r = render_org(&q, 422, NULL, "org.token_error.name");
		goto out;
	}
	if (!scope || (strcmp(scope, "read") != 0 && strcmp(scope, "write") != 0)) {
		r = render_org(&q, 422, NULL, "org.token_error.scope");
		goto out;
	}
	if ((days_s && *days_s && days == 0) || days > TOKEN_MAX_DAYS) {
		r = render_org(&q, 422, NULL, "org.token_error.days");
		goto out;
	}
	int64_t now = time_now_ms();
	memset(&t, 0, sizeof t);
	memcpy(secret, "kt_", sizeof "kt_"); /* terminated until random_hex fills the rest */
	random_hex(secret + 3, 32);
	hash_sha256_hex(secret, TOKEN_SECRET_LEN, t.hash);
	snprintf(t.prefix, sizeof t.prefix, "%.*s", TOKEN_PREFIX_LEN, secret);
	t.person_id = q.caller.person.id;
	snprintf(t.name, sizeof t.name, "%s", name);
	snprintf(t.scope, sizeof t.scope, "%s", scope);
	t.expires = days ? now + days * 86400LL * 1000 : 0;
	r = store_begin(s);
	if (r)
		goto out;
	in_tx = true;
	r = store_token_create(s, &t);
	if (!r)
		r = web_audit(&q, AUDIT_WRITE, 0, "token", t.id, "create");
	if (!r)
		r = store_commit(s);
	if (r)
		goto out;
	in_tx = false;
	/* The only time the secret is shown. */
	r = render_org(&q, 201, secret, NULL);
out:
	if (in_tx)
		store_rollback(q.w->api->store);
	sodium_memzero(secret, sizeof secret);
	return web_req_end(&q, r);
}

static int h_token_revoke(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct store_token t;
	bool in_tx = false;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (!r)
		r = web_req_require(&q);
	if (r)
		goto out;
	struct store *s = q.w->api->store;
	int64_t id = web_path_id(&q, 0);
	r = id ? store_token_get(s, id, &t) : KR_ENOTFOUND;
	if (!r && t.person_id != q.caller.person.id)
		r = KR_ENOTFOUND; /* someone else's token does not exist for the reader */
	if (r)
		goto out;
	if (!q.caller.actor.can_write) {
		r = web_forbidden(&q, NULL);
		goto out;
	}
	if (!t.revoked) {
		r = store_begin(s);
		if (r)
			goto out;
		in_tx = true;
		r = store_token_revoke(s, id, time_now_ms());
		if (!r)
			r = web_audit(&q, AUDIT_WRITE, 0, "token", id, "revoke");
		if (!r)
			r = store_commit(s);
		if (r)
			goto out;
		in_tx = false;
	}
	r = web_redirect(&q, "/organisation?msg=revoked");
out:
	if (in_tx)
		store_rollback(q.w->api->store);
	return web_req_end(&q, r);
}

int web_org_register(struct web *w, struct http_server *srv)
{
	int r = http_route(srv, "GET", "/organisation", h_org, w);
	if (!r)
		r = http_route(srv, "POST", "/organisation/tokens", h_token_create, w);
	if (!r)
		r = http_route(srv, "POST", "/organisation/tokens/:id/revoke", h_token_revoke, w);
	return r;
}
