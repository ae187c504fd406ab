/* orgs.c - the organisation directory: list, create, read and change
 * organisations. Who sees which organisation is apia_org_visible(). */
#include "api/api.h"
#include "api/apia_util.h"

#include <string.h>

#include "util/banned.h"

#define ORG_BATCH 200

static const char *const size_classes[] = { "micro", "small", "medium", "large" };

static int size_class_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof size_classes / sizeof size_classes[0]); i++) {
		if (strcmp(s, size_classes[i]) == 0)
			return i;
	}
	return -1;
}

/* Visibility is computed from the actor's memberships through the policy:
 * an organisation is shown when it is an admitted member of a community
 * whose member list the actor may view. */
int apia_org_visible(struct api *a, const struct api_caller *c, int64_t org_id, bool *visible)
{
	struct core_membership *ms = NULL;
	size_t n = 0;
	*visible = false;
	if (!c->actor.authenticated)
		return 0;
	if (c->actor.is_admin || org_id == c->actor.org_id) {
		*visible = true;
		return 0;
	}
	int r = store_membership_list_by_org(a->store, org_id, &ms, &n);
	if (r == KR_ENOTFOUND) {
		r = 0;
		goto out;
	}
	if (r)
		goto out;
	for (size_t i = 0; i < n && !*visible; i++) {
		if (ms[i].status != MS_MEMBER)
			continue;
		*visible = policy_decide_community(&c->actor, ms[i].community_id, PC_VIEW_MEMBERS)
				   .allow;
	}
out:
	store_membership_free(ms);
	return r;
}

#define ORG_FIELDS(req)                                                                        \
	{ .name = "name", .type = AF_STRING, .required = (req), .max_len = CORE_NAME_MAX },    \
	{ .name = "kind", .type = AF_ENUM, .required = (req), .parse = org_kind_parse },       \
	{ .name = "sectors", .type = AF_STRING_ARRAY, .max_len = CORE_SHORT_MAX,               \
	  .max_items = CORE_SECTORS_MAX },                                                     \
	{ .name = "region", .type = AF_STRING, .max_len = CORE_SHORT_MAX },                    \
	{ .name = "size_class", .type = AF_ENUM, .parse = size_class_parse },                  \
	{ .name = "nis2", .type = AF_ENUM, .parse = nis2_parse },                              \
	{ .name = "website", .type = AF_STRING, .max_len = CORE_URL_MAX },                     \
	{ .name = NULL }

/* Copies the fields present in a validated body into o; checks what the
 * field table cannot (blank names and sectors, website scheme). Answers 422
 * and returns KR_EINVAL on a bad value. */
static int org_apply(json_t *body, struct core_org *o, struct http_response *res)
{
	const char *s = api_get_str(body, "name", NULL);
	if (s) {
		if (apia_blank(s))
			return apia_invalid(res, "name", "must not be empty");
		apia_copy(o->name, sizeof o->name, s);
	}
	if (json_object_get(body, "kind"))
		o->kind = (enum org_kind)api_get_enum(body, "kind", org_kind_parse, 0);
	if (json_object_get(body, "sectors")) {
		o->nsectors = api_get_str_array(body, "sectors", &o->sectors[0][0],
						CORE_SECTORS_MAX, CORE_SHORT_MAX + 1);
		for (int i = 0; i < o->nsectors; i++) {
			if (apia_blank(o->sectors[i]))
				return apia_invalid(res, "sectors", "items must not be empty");
		}
	}
	s = api_get_str(body, "region", NULL);
	if (s)
		apia_copy(o->region, sizeof o->region, s);
	if (json_object_get(body, "size_class")) {
		int sc = api_get_enum(body, "size_class", size_class_parse, 0);
		apia_copy(o->size_class, sizeof o->size_class, size_classes[sc]);
	}
	if (json_object_get(body, "nis2"))
		o->nis2 = (enum nis2)api_get_enum(body, "nis2", nis2_parse, NIS2_NONE);
	s = api_get_str(body, "website", NULL);
	if (s) {
		if (*s && strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
			return apia_invalid(res, "website", "must be an http:// or https:// URL");
		apia_copy(o->website, sizeof o->website, s);
	}
	return 0;
}

static int h_list(struct http_request *req, struct http_response *res, void *ctx)
{
	static const char *const allowed[] = { "kind", "q", "cursor", "limit", NULL };
	struct api *a = ctx;
	struct api_caller c;
	struct core_org *arr = NULL;
	size_t n = 0;
	json_t *items = NULL;
	int64_t cursor = 0, next = 0;
	int limit = 0, kind = -1, count = 0, scanned = 0;
	const char *q = NULL;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, allowed);
	if (r)
		goto out;
	r = api_query_enum(req, res, "kind", org_kind_parse, &kind);
	if (r)
		goto out;
	r = apia_query_text(req, res, "q", CORE_NAME_MAX, &q);
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
	struct store_org_filter f = { .kind = kind, .text = q, .before_id = cursor,
				      .limit = ORG_BATCH };
	/* Fill a page with visible rows, scanning a bounded number of rows. */
	for (;;) {
		r = store_org_list(a->store, &f, &arr, &n);
		if (r)
			goto fail;
		for (size_t i = 0; i < n && count < limit; i++) {
			bool vis = false;
			scanned++;
			f.before_id = arr[i].id;
			r = apia_org_visible(a, &c, arr[i].id, &vis);
			if (r)
				goto fail;
			if (!vis)
				continue;
			if (json_array_append_new(items, api_org_json(&arr[i]))) {
				r = KR_ENOMEM;
				goto fail;
			}
			count++;
		}
		bool exhausted = n < (size_t)f.limit;
		store_org_free(arr, n);
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
	api_fail(res, r, "the organisations could not be read");
out:
	store_org_free(arr, n);
	json_decref(items);
	return r;
}

static const char *const no_query[] = { NULL };

static int h_create(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = { ORG_FIELDS(true) };
	struct api *a = ctx;
	struct api_caller c;
	struct core_org o;
	json_t *body = NULL;
	bool in_tx = false;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	/* Directory management is an instance-administrator duty, not a
	 * community decision, so the admin flag of the actor is the rule. */
	if (!c.actor.is_admin) {
		r = api_forbidden(res, "only administrators create organisations");
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
	memset(&o, 0, sizeof o);
	o.nis2 = NIS2_NONE;
	r = org_apply(body, &o, res);
	if (r)
		goto out;
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_org_create(a->store, &o);
	if (r)
		goto fail;
	r = api_audit(a, &c, req, AUDIT_WRITE, 0, "organisation", o.id, "create");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	r = apia_reply(res, 201, api_org_json(&o));
	goto out;
fail:
	api_fail(res, r, r == KR_ECONFLICT ? "an organisation with that name exists"
					   : "the organisation could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	json_decref(body);
	return r;
}

/* Reads organisation path[0] if the caller may see it; answers 404 else. */
static int load_visible(struct api *a, const struct api_caller *c, struct http_request *req,
			struct http_response *res, struct core_org *o)
{
	int64_t id = 0;
	bool vis = false;
	int r = api_path_id(req, res, 0, &id);
	if (r)
		return r;
	r = apia_org_visible(a, c, id, &vis);
	if (r)
		return api_fail(res, r, "the organisation could not be read");
	if (!vis)
		return api_not_found(res);
	r = store_org_get(a->store, id, o);
	if (r)
		return api_fail(res, r, "no such organisation");
	return 0;
}

static int h_get(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_org o;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_visible(a, &c, req, res, &o);
	if (r)
		goto out;
	r = apia_reply(res, 200, api_org_json(&o));
out:
	return r;
}

static int h_patch(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = { ORG_FIELDS(false) };
	struct api *a = ctx;
	struct api_caller c;
	struct core_org o;
	json_t *body = NULL;
	bool in_tx = false;
	memset(&o, 0, sizeof o);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_visible(a, &c, req, res, &o);
	if (r)
		goto out;
	if (!c.actor.is_admin) {
		r = api_forbidden(res, "only administrators change organisations");
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
	r = org_apply(body, &o, res);
	if (r)
		goto out;
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_org_update(a->store, &o);
	if (r)
		goto fail;
	r = api_audit(a, &c, req, AUDIT_WRITE, 0, "organisation", o.id, "update");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	r = apia_reply(res, 200, api_org_json(&o));
	goto out;
fail:
	api_fail(res, r, r == KR_ECONFLICT ? "an organisation with that name exists"
					   : "the organisation could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	json_decref(body);
	return r;
}

int api_orgs_register(struct api *a, struct http_server *srv)
{
	int r = http_route(srv, "GET", "/api/v1/organisations", h_list, a);
	if (r)
		goto out;
	r = http_route(srv, "POST", "/api/v1/organisations", h_create, a);
	if (r)
		goto out;
	r = http_route(srv, "GET", "/api/v1/organisations/:id", h_get, a);
	if (r)
		goto out;
	r = http_route(srv, "PATCH", "/api/v1/organisations/:id", h_patch, a);
out:
	return r;
}
