/* people.c - the people directory: list, create, read and change people,
 * including passwords (argon2id through libsodium). Who sees whom is
 * apia_person_visible(). */
#include "api/api.h"
#include "api/apia_util.h"

#include <sodium.h>
#include <string.h>

#include "util/banned.h"

#define PERSON_BATCH 200

static const char *const no_query[] = { NULL };

/* Visibility is computed from the actor's memberships through the policy:
 * a person is shown when they represent their organisation in a community
 * whose member list the actor may view. */
int apia_person_visible(struct api *a, const struct api_caller *c, const struct core_person *p,
			bool *visible)
{
	struct core_representative *reps = NULL;
	size_t n = 0;
	*visible = false;
	if (!c->actor.authenticated)
		return 0;
	if (c->actor.is_admin || p->org_id == c->actor.org_id || p->id == c->actor.person_id) {
		*visible = true;
		return 0;
	}
	int r = store_rep_list(a->store, 0, p->id, &reps, &n);
	if (r == KR_ENOTFOUND) {
		r = 0;
		goto out;
	}
	if (r)
		goto out;
	for (size_t i = 0; i < n && !*visible; i++) {
		*visible = policy_decide_community(&c->actor, reps[i].community_id,
						   PC_VIEW_MEMBERS)
				   .allow;
	}
out:
	store_rep_free(reps);
	return r;
}

/* argon2id with the interactive limits into out; 0 or KR_ENOMEM (the only
 * way it fails is running out of memory). */
static int password_hash(const char *pw, char out[crypto_pwhash_STRBYTES])
{
	if (crypto_pwhash_str_alg(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return KR_ENOMEM;
	return 0;
}

/* Length rule for new passwords; answers 422 on the named field. */
static int password_check(const char *pw, struct http_response *res)
{
	size_t len = strlen(pw);
	if (len < APIA_PASSWORD_MIN)
		return apia_invalid(res, "password", "must be at least 12 bytes long");
	if (len > APIA_PASSWORD_MAX)
		return apia_invalid(res, "password", "must be at most 1024 bytes long");
	return 0;
}

/* Person JSON with the e-mail only for those who may see it; caller owns it. */
static json_t *person_json(const struct api_caller *c, const struct core_person *p)
{
	return api_person_json(p, apia_shows_email(c, p));
}

static int h_list(struct http_request *req, struct http_response *res, void *ctx)
{
	static const char *const allowed[] = { "org", "q", "cursor", "limit", NULL };
	struct api *a = ctx;
	struct api_caller c;
	struct core_person *arr = NULL;
	size_t n = 0;
	json_t *items = NULL;
	int64_t cursor = 0, next = 0, org = 0;
	int limit = 0, count = 0, scanned = 0;
	const char *q = NULL;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, allowed);
	if (r)
		goto out;
	r = api_query_int(req, res, "org", 1, INT64_MAX, 0, &org);
	if (r)
		goto out;
	r = apia_query_text(req, res, "q", CORE_EMAIL_MAX, &q);
	if (r)
		goto out;
	r = apia_page_params(req, res, &cursor, &limit);
	if (r)
		goto out;
	items = json_array();
	if (!items) {
		r = api_fail(res, KR_ENOMEM, "out of memory");
		goto out;
	}
	struct store_person_filter f = { .org_id = org, .text = q, .before_id = cursor,
					 .limit = PERSON_BATCH };
	/* Fill a page with visible rows, scanning a bounded number of rows. */
	for (;;) {
		r = store_person_list(a->store, &f, &arr, &n);
		if (r)
			goto fail;
		for (size_t i = 0; i < n && count < limit; i++) {
			bool vis = false;
			scanned++;
			f.before_id = arr[i].id;
			r = apia_person_visible(a, &c, &arr[i], &vis);
			if (r)
				goto fail;
			if (!vis)
				continue;
			if (json_array_append_new(items, person_json(&c, &arr[i]))) {
				r = KR_ENOMEM;
				goto fail;
			}
			count++;
		}
		bool exhausted = n < (size_t)f.limit;
		store_person_free(arr, n);
		arr = NULL;
		n = 0;
		if (count == limit) {
			next = f.before_id;
			break;
		}
		if (exhausted)
			break;
		if (scanned >= APIA_SCAN_MAX) {
			next = f.before_id; /* resume where the scan stopped */
			break;
		}
	}
	json_t *page = api_page(items, next);
	items = NULL;
	r = apia_reply(res, 200, page);
	goto out;
fail:
	api_fail(res, r, "the people could not be read");
out:
	store_person_free(arr, n);
	json_decref(items);
	return r;
}

static int h_create(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
		{ .name = "name", .type = AF_STRING, .required = true, .max_len = CORE_NAME_MAX },
		{ .name = "email", .type = AF_STRING, .required = true, .max_len = CORE_EMAIL_MAX },
		{ .name = "organisation_id", .type = AF_INT, .required = true, .min = 1,
		  .max = INT64_MAX },
		{ .name = "language", .type = AF_ENUM, .parse = lang_parse },
		{ .name = "password", .type = AF_STRING, .max_len = APIA_PASSWORD_MAX },
		{ .name = "is_admin", .type = AF_BOOL },
		{ .name = NULL },
	};
	struct api *a = ctx;
	struct api_caller c;
	struct core_person p;
	struct core_org org;
	json_t *body = NULL;
	char hash[crypto_pwhash_STRBYTES] = "";
	bool in_tx = false;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	/* Directory management is an instance-administrator duty. */
	if (!c.actor.is_admin) {
		r = api_forbidden(res, "only administrators create people");
		goto out;
	}
	r = api_require_write(&c, res);
	if (r)
		goto out;
	r = api_body_object(req, res, &body);
	if (r)
		goto out;
	r = api_validate(body, fields, res);
	if (r)
		goto out;
	memset(&p, 0, sizeof p);
	const char *name = api_get_str(body, "name", "");
	if (apia_blank(name)) {
		r = apia_invalid(res, "name", "must not be empty");
		goto out;
	}
	apia_copy(p.name, sizeof p.name, name);
	const char *why = NULL;
	r = core_email_normalise(api_get_str(body, "email", ""), p.email, &why);
	if (r) {
		r = apia_invalid(res, "email", why ? why : "not a personal e-mail address");
		goto out;
	}
	p.org_id = api_get_int(body, "organisation_id", 0);
	r = store_org_get(a->store, p.org_id, &org);
	if (r == KR_ENOTFOUND) {
		r = apia_invalid(res, "organisation_id", "no such organisation");
		goto out;
	}
	if (r)
		goto fail;
	p.lang = (enum lang)api_get_enum(body, "language", lang_parse, LANG_NL);
	p.is_admin = api_get_bool(body, "is_admin", false);
	const char *pw = api_get_str(body, "password", NULL);
	if (pw) {
		r = password_check(pw, res);
		if (r)
			goto out;
		r = password_hash(pw, hash);
		if (r)
			goto fail;
	}
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_person_create(a->store, &p, hash);
	if (r)
		goto fail;
	r = api_audit(a, &c, req, AUDIT_WRITE, 0, "person", p.id, "create");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	r = apia_reply(res, 201, person_json(&c, &p));
	goto out;
fail:
	api_fail(res, r, r == KR_ECONFLICT ? "a person with that e-mail address exists"
					   : "the person could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	sodium_memzero(hash, sizeof hash);
	json_decref(body);
	return r;
}

/* Reads person path[0] if the caller may see them; answers 404 else. */
static int load_visible(struct api *a, const struct api_caller *c, struct http_request *req,
			struct http_response *res, struct core_person *p)
{
	int64_t id = 0;
	bool vis = false;
	int r = api_path_id(req, res, 0, &id);
	if (r)
		return r;
	r = store_person_get(a->store, id, p);
	if (r)
		return api_fail(res, r, "no such person");
	r = apia_person_visible(a, c, p, &vis);
	if (r)
		return api_fail(res, r, "the person could not be read");
	if (!vis)
		return api_not_found(res);
	return 0;
}

static int h_get(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_person p;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_visible(a, &c, req, res, &p);
	if (r)
		goto out;
	r = apia_reply(res, 200, person_json(&c, &p));
out:
	return r;
}

/* The caller changes their own password: current_password must match. */
static int check_current_password(struct api *a, const struct core_person *p, json_t *body,
				  struct http_response *res)
{
	struct core_person stored;
	char hash[256] = "";
	const char *cur = api_get_str(body, "current_password", NULL);
	if (!cur)
		return apia_invalid(res, "current_password",
				    "is required to change your own password");
	int r = store_person_get_by_email(a->store, p->email, &stored, hash, sizeof hash);
	if (r)
		return api_fail(res, r, "the account could not be read");
	bool ok = hash[0] && crypto_pwhash_str_verify(hash, cur, strlen(cur)) == 0;
	sodium_memzero(hash, sizeof hash);
	if (!ok)
		return apia_invalid(res, "current_password", "does not match");
	return 0;
}

static int h_patch(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
		{ .name = "name", .type = AF_STRING, .max_len = CORE_NAME_MAX },
		{ .name = "language", .type = AF_ENUM, .parse = lang_parse },
		{ .name = "password", .type = AF_STRING, .max_len = APIA_PASSWORD_MAX },
		{ .name = "current_password", .type = AF_STRING, .max_len = APIA_PASSWORD_MAX },
		{ .name = "is_admin", .type = AF_BOOL },
		{ .name = "disabled", .type = AF_BOOL },
		{ .name = NULL },
	};
	struct api *a = ctx;
	struct api_caller c;
	struct core_person p;
	json_t *body = NULL;
	char hash[crypto_pwhash_STRBYTES] = "";
	bool in_tx = false;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_visible(a, &c, req, res, &p);
	if (r)
		goto out;
	bool self = p.id == c.person.id;
	if (!self && !c.actor.is_admin) {
		r = api_forbidden(res, "only the person themself or an administrator may change "
				       "a person");
		goto out;
	}
	r = api_require_write(&c, res);
	if (r)
		goto out;
	r = api_body_object(req, res, &body);
	if (r)
		goto out;
	r = api_validate(body, fields, res);
	if (r)
		goto out;
	if (!c.actor.is_admin &&
	    (json_object_get(body, "is_admin") || json_object_get(body, "disabled"))) {
		r = api_forbidden(res, "only administrators change is_admin and disabled");
		goto out;
	}
	const char *name = api_get_str(body, "name", NULL);
	if (name && apia_blank(name)) {
		r = apia_invalid(res, "name", "must not be empty");
		goto out;
	}
	const char *pw = api_get_str(body, "password", NULL);
	if (!pw && json_object_get(body, "current_password")) {
		r = apia_invalid(res, "current_password", "is only used together with password");
		goto out;
	}
	if (pw) {
		r = password_check(pw, res);
		if (r)
			goto out;
		if (self) {
			r = check_current_password(a, &p, body, res);
			if (r)
				goto out;
		}
		r = password_hash(pw, hash);
		if (r)
			goto fail;
	}
	if (name)
		apia_copy(p.name, sizeof p.name, name);
	p.lang = (enum lang)api_get_enum(body, "language", lang_parse, (int)p.lang);
	p.is_admin = api_get_bool(body, "is_admin", p.is_admin);
	p.disabled = api_get_bool(body, "disabled", p.disabled);

	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_person_update(a->store, &p);
	if (r)
		goto fail;
	if (pw) {
		r = store_person_set_password(a->store, p.id, hash);
		if (r)
			goto fail;
	}
	/* A new password or a disabled account ends the person's other
	 * sessions at once; the caller's own session survives its own change. */
	if (pw || p.disabled) {
		const char *keep = self && !c.via_token && !p.disabled ? c.session_hash : NULL;
		r = store_session_delete_person(a->store, p.id, keep);
		if (r)
			goto fail;
	}
	r = api_audit(a, &c, req, AUDIT_WRITE, 0, "person", p.id,
		      pw ? "update password" : "update");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	r = apia_reply(res, 200, person_json(&c, &p));
	goto out;
fail:
	api_fail(res, r, "the person could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	sodium_memzero(hash, sizeof hash);
	json_decref(body);
	return r;
}

int api_people_register(struct api *a, struct http_server *srv)
{
	int r = http_route(srv, "GET", "/api/v1/people", h_list, a);
	if (r)
		goto out;
	r = http_route(srv, "POST", "/api/v1/people", h_create, a);
	if (r)
		goto out;
	r = http_route(srv, "GET", "/api/v1/people/:id", h_get, a);
	if (r)
		goto out;
	r = http_route(srv, "PATCH", "/api/v1/people/:id", h_patch, a);
out:
	return r;
}
