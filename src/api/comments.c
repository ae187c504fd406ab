/* comments.c - the /api/v1/reports/:id/comments routes.
 *
 * A comment has its own label, never looser than its report's, and is read
 * only by those the policy lets read both the report and the comment
 * (policy_decide_comment). The report itself must be readable first: an
 * unreadable report answers 404 here too. */
#include "api/api.h"
#include "api/apib_report.h"
#include "codec/markdown.h"
#include "core/model.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/err.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

static const char *const no_params[] = { NULL };

/* Comment JSON with its body rendered; *out owned by the caller. */
static int comment_json(const struct core_comment *cm, json_t **out)
{
	const char *body = cm->body ? cm->body : "";
	char *html = NULL;
	int r;

	*out = NULL;
	r = markdown_to_html(body, strlen(body), &html);
	if (r)
		goto out;
	*out = json_pack("{s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)cm->id,
			 "report_id", (json_int_t)cm->report_id, "author_id",
			 (json_int_t)cm->author_id, "organisation_id", (json_int_t)cm->org_id,
			 "tlp", tlp_name(cm->tlp), "body", body, "body_html", html, "created",
			 api_time_json(cm->created));
	if (!*out)
		r = KR_ENOMEM;
out:
	kr_free(html);
	return r;
}

/* GET /api/v1/reports/:id/comments: oldest first, only readable ones. */
static int comments_list(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_report rep;
	struct core_comment *arr = NULL;
	size_t n = 0;
	json_t *items = NULL, *page;
	enum tlp shown;
	int64_t id;
	int r;

	memset(&rep, 0, sizeof rep);
	r = api_caller_resolve(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_params);
	if (r)
		goto out;
	r = api_path_id(req, res, 0, &id);
	if (r)
		goto out;
	r = api_report_load(a, &c, id, res, &rep);
	if (r)
		goto out;
	r = store_comment_list(a->store, id, &arr, &n);
	if (r)
		goto out;
	items = json_array();
	if (!items) {
		r = KR_ENOMEM;
		goto out;
	}
	shown = rep.tlp;
	for (size_t i = 0; i < n; i++) {
		json_t *o;

		if (!policy_decide_comment(&c.actor, &rep, &arr[i], arr[i].org_id, POLICY_READ)
			     .allow)
			continue;
		r = comment_json(&arr[i], &o);
		if (r)
			goto out;
		if (json_array_append_new(items, o)) {
			r = KR_ENOMEM;
			goto out;
		}
		if (arr[i].tlp > shown)
			shown = arr[i].tlp;
	}
	api_report_audit_read(a, &c, req, &rep, shown, "comments");
	page = api_page(items, 0);
	items = NULL; /* api_page took the reference */
	if (!page) {
		r = KR_ENOMEM;
		goto out;
	}
	r = http_json(res, 200, page);
out:
	json_decref(items);
	if (arr)
		store_comment_free(arr, n);
	core_report_release(&rep);
	return api_report_finish(res, r);
}

static const struct api_field comment_fields[] = {
	{ .name = "body", .type = AF_TEXT, .required = true, .max_len = CORE_COMMENT_MAX },
	{ .name = "tlp", .type = AF_ENUM, .parse = tlp_parse },
	{ .name = NULL },
};

/* POST /api/v1/reports/:id/comments */
static int comments_create(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_report rep;
	struct core_comment cm;
	json_t *obj = NULL, *errors = NULL, *j = NULL;
	bool in_tx = false;
	char detail[128];
	int64_t id;
	int r;

	memset(&rep, 0, sizeof rep);
	memset(&cm, 0, sizeof cm);
	r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_require_write(&c, res);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_params);
	if (r)
		goto out;
	r = api_path_id(req, res, 0, &id);
	if (r)
		goto out;
	r = api_report_load(a, &c, id, res, &rep);
	if (r)
		goto out;
	if (!api_report_allows(&c, &rep, POLICY_COMMENT)) {
		r = api_forbidden(res, "You may not comment on this report.");
		goto out;
	}
	r = api_body_object(req, res, &obj);
	if (r)
		goto out;
	r = api_validate(obj, comment_fields, res);
	if (r)
		goto out;

	errors = json_array();
	if (!errors) {
		r = KR_ENOMEM;
		goto out;
	}
	if (api_text_blank(api_get_str(obj, "body", ""))) {
		r = api_error_add(errors, "body", "must not be blank");
		if (r)
			goto out;
	}
	cm.tlp = api_get_enum(obj, "tlp", tlp_parse, rep.tlp);
	if (!core_comment_tlp_ok(rep.tlp, cm.tlp)) {
		snprintf(detail, sizeof detail,
			 "must not be looser than the label of the report (%s)",
			 tlp_name(rep.tlp));
		r = api_error_add(errors, "tlp", detail);
		if (r)
			goto out;
	}
	if (json_array_size(errors) > 0) {
		r = api_validation_problem(res, errors);
		errors = NULL;
		goto out;
	}
	cm.report_id = rep.id;
	cm.author_id = c.person.id;
	cm.org_id = c.person.org_id;
	cm.body = kr_strdup(api_get_str(obj, "body", ""));
	if (!cm.body) {
		r = KR_ENOMEM;
		goto out;
	}

	r = store_begin(a->store);
	if (r)
		goto out;
	in_tx = true;
	r = store_comment_create(a->store, &cm);
	if (r)
		goto out;
	r = api_audit(a, &c, req, AUDIT_WRITE, rep.community_id, "comment", cm.id, "create");
	if (r)
		goto out;
	r = store_commit(a->store);
	if (r)
		goto out;
	in_tx = false;
	r = comment_json(&cm, &j);
	if (r)
		goto out;
	r = http_json(res, 201, j);
out:
	if (in_tx)
		store_rollback(a->store);
	json_decref(obj);
	json_decref(errors);
	core_comment_release(&cm);
	core_report_release(&rep);
	return api_report_finish(res, r);
}

int api_comments_register(struct api *a, struct http_server *srv)
{
	int r;

	r = http_route(srv, "GET", "/api/v1/reports/:id/comments", comments_list, a);
	if (r)
		return r;
	return http_route(srv, "POST", "/api/v1/reports/:id/comments", comments_create, a);
}
