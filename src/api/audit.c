/* audit.c - reading the append-only audit log: the whole instance for
 * administrators, one community for those the policy lets read it
 * (PC_VIEW_AUDIT: its secretary and admins). Anyone else gets 404. */
#include "api/api.h"
#include "api/apia_util.h"

#include <string.h>

#include "util/banned.h"

/* 0 ids are "none" in the store and null in JSON. */
static json_t *id_or_null(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

/* Caller owns the result. */
static json_t *audit_json(const struct core_audit *e)
{
	return json_pack("{s:I,s:o,s:o,s:o,s:o,s:s,s:s,s:o,s:s,s:s}", "id", (json_int_t)e->id,
			 "at", api_time_json(e->at), "person_id", id_or_null(e->person_id),
			 "organisation_id", id_or_null(e->org_id), "community_id",
			 id_or_null(e->community_id), "action", audit_action_name(e->action),
			 "object_type", e->object_type, "object_id", id_or_null(e->object_id),
			 "detail", e->detail, "address", e->addr);
}

/* Reads the filters other than community and answers one page of records
 * of community cid (0 = every community and instance-wide records). */
static int reply_page(struct api *a, struct http_request *req, struct http_response *res,
		      int64_t cid)
{
	struct core_audit *arr = NULL;
	size_t n = 0;
	json_t *items = NULL;
	int64_t person = 0, since = 0, cursor = 0, next = 0;
	int action = -1, limit = 0;
	int r = api_query_int(req, res, "person", 1, INT64_MAX, 0, &person);
	if (r)
		goto out;
	r = api_query_enum(req, res, "action", audit_action_parse, &action);
	if (r)
		goto out;
	r = api_query_time(req, res, "since", &since);
	if (r)
		goto out;
	r = apia_page_params(req, res, &cursor, &limit);
	if (r)
		goto out;
	struct store_audit_filter f = { .community_id = cid, .person_id = person,
					.action = action, .object_type = NULL, .since = since,
					.before_id = cursor, .limit = limit };
	r = store_audit_list(a->store, &f, &arr, &n);
	if (r)
		goto fail;
	items = json_array();
	if (!items) {
		r = KR_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(items, audit_json(&arr[i]))) {
			r = KR_ENOMEM;
			goto fail;
		}
	}
	if (n == (size_t)limit)
		next = arr[n - 1].id;
	json_t *page = api_page(items, next);
	items = NULL;
	r = apia_reply(res, 200, page);
	goto out;
fail:
	api_fail(res, r, "the audit log could not be read");
out:
	json_decref(items);
	store_audit_free(arr);
	return r;
}

static int h_audit(struct http_request *req, struct http_response *res, void *ctx)
{
	static const char *const allowed[] = { "community", "person", "action", "since",
					       "cursor",    "limit",  NULL };
	struct api *a = ctx;
	struct api_caller c;
	int64_t cid = 0;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, allowed);
	if (r)
		goto out;
	r = api_query_int(req, res, "community", 1, INT64_MAX, 0, &cid);
	if (r)
		goto out;
	/* The whole log is the administrators'; one community's log is for
	 * whom the policy lets read it. The log of a community that does not
	 * exist is empty, and nobody but an admin learns that it does not. */
	bool allowed_read = cid ? policy_decide_community(&c.actor, cid, PC_VIEW_AUDIT).allow
				: c.actor.is_admin;
	if (!allowed_read) {
		r = api_not_found(res);
		goto out;
	}
	r = reply_page(a, req, res, cid);
out:
	return r;
}

static int h_community_audit(struct http_request *req, struct http_response *res, void *ctx)
{
	static const char *const allowed[] = { "person", "action", "since", "cursor", "limit",
					       NULL };
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	int64_t cid = 0;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, allowed);
	if (r)
		goto out;
	r = api_path_id(req, res, 0, &cid);
	if (r)
		goto out;
	r = store_community_get(a->store, cid, &com);
	if (r) {
		api_fail(res, r, "no such community");
		goto out;
	}
	if (!policy_decide_community(&c.actor, cid, PC_VIEW_AUDIT).allow) {
		r = api_not_found(res);
		goto out;
	}
	r = reply_page(a, req, res, cid);
out:
	core_community_release(&com);
	return r;
}

int api_audit_register(struct api *a, struct http_server *srv)
{
	int r = http_route(srv, "GET", "/api/v1/audit", h_audit, a);
	if (r)
		goto out;
	r = http_route(srv, "GET", "/api/v1/communities/:id/audit", h_community_audit, a);
out:
	return r;
}
