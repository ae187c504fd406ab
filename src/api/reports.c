/* reports.c - the /api/v1/reports routes: list, count, create, read, edit
 * and versions of reports, plus the report helpers of apib_report.h.
 *
 * Every report shown or changed is decided by policy/ (policy_decide over
 * policy_item_from_report). A report the caller may not read does not
 * exist for them: 404 on every route, absent from every list and count. */
#include "api/api.h"
#include "api/apib_report.h"
#include "codec/markdown.h"
#include "core/model.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* Candidate rows fetched per store call while filtering by policy. */
#define LIST_BATCH 200
#define COUNT_BATCH 500

static const char *const no_params[] = { NULL };
static const char *const list_params[] = { "kind", "tlp", "community", "level", "q",
					   "since", "cursor", "limit", NULL };
static const char *const count_params[] = { "kind", "tlp", "community", "level", "q",
					    "since", NULL };

/* ---- helpers shared through apib_report.h ---- */

bool api_report_allows(const struct api_caller *c, const struct core_report *r,
		       enum policy_action act)
{
	struct policy_item it = policy_item_from_report(r);

	return policy_decide(&c->actor, &it, act).allow;
}

int api_report_load(struct api *a, const struct api_caller *c, int64_t id,
		    struct http_response *res, struct core_report *out)
{
	int r;

	memset(out, 0, sizeof *out);
	r = store_report_get(a->store, id, out);
	if (r == KR_ENOTFOUND) {
		memset(out, 0, sizeof *out);
		api_not_found(res);
		return KR_ENOTFOUND;
	}
	if (r) {
		memset(out, 0, sizeof *out);
		api_fail(res, r, NULL);
		return r;
	}
	/* Exists but unreadable answers exactly like "does not exist". */
	if (!api_report_allows(c, out, POLICY_READ)) {
		core_report_release(out);
		memset(out, 0, sizeof *out);
		api_not_found(res);
		return KR_ENOTFOUND;
	}
	return 0;
}

void api_report_audit_read(struct api *a, const struct api_caller *c, struct http_request *req,
			   const struct core_report *r, enum tlp label, const char *how)
{
	char detail[64];

	if (label < TLP_AMBER)
		return;
	snprintf(detail, sizeof detail, "tlp=%s %s", tlp_name(label), how);
	(void)api_audit(a, c, req, AUDIT_READ, r->community_id, "report", r->id, detail);
}

static json_t *id_array(const int64_t *ids, int n)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (json_array_append_new(arr, json_integer(ids[i]))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *api_report_json(const struct core_report *r)
{
	json_t *o = json_object();
	int bad = 0;

	if (!o)
		return NULL;
	bad |= json_object_set_new(o, "id", json_integer(r->id));
	bad |= json_object_set_new(o, "uuid", json_string(r->uuid));
	bad |= json_object_set_new(o, "kind", json_string(report_kind_name(r->kind)));
	bad |= json_object_set_new(o, "title", json_string(r->title));
	bad |= json_object_set_new(o, "level", json_string(level_name(r->level)));
	bad |= json_object_set_new(o, "tlp", json_string(tlp_name(r->tlp)));
	bad |= json_object_set_new(o, "community_id", json_integer(r->community_id));
	bad |= json_object_set_new(o, "source_organisation_id", json_integer(r->source_org_id));
	bad |= json_object_set_new(o, "author_id", json_integer(r->author_id));
	bad |= json_object_set_new(o, "recipient_organisations",
				   id_array(r->recipient_orgs, r->nrecipient_orgs));
	bad |= json_object_set_new(o, "recipient_people",
				   id_array(r->recipient_people, r->nrecipient_people));
	bad |= json_object_set_new(o, "version", json_integer(r->version));
	bad |= json_object_set_new(o, "created", api_time_json(r->created));
	bad |= json_object_set_new(o, "updated", api_time_json(r->updated));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int api_error_add(json_t *errors, const char *field, const char *detail)
{
	json_t *e = json_pack("{s:s, s:s}", "field", field, "detail", detail);

	if (!e)
		return KR_ENOMEM;
	if (json_array_append_new(errors, e))
		return KR_ENOMEM;
	return 0;
}

int api_validation_problem(struct http_response *res, json_t *errors)
{
	http_problem(res, 422, "validation", "Validation failed",
		     "The request body has invalid fields.", errors);
	return KR_EINVAL;
}

int api_bad_query(struct http_response *res, const char *detail)
{
	http_problem(res, 400, "bad-query", "Bad query", detail, NULL);
	return KR_EINVAL;
}

int api_query_text(struct http_request *req, struct http_response *res, const char *name,
		   const char **out)
{
	char detail[128];
	const char *v = http_query(req, name);

	*out = NULL;
	if (!v || !v[0])
		return 0;
	size_t len = strlen(v);
	if (len > API_QUERY_TEXT_MAX) {
		snprintf(detail, sizeof detail, "Query parameter '%s' is longer than %d bytes.",
			 name, API_QUERY_TEXT_MAX);
		return api_bad_query(res, detail);
	}
	if (!core_utf8_valid(v, len, false)) {
		snprintf(detail, sizeof detail, "Query parameter '%s' is not valid text.", name);
		return api_bad_query(res, detail);
	}
	*out = v;
	return 0;
}

int api_report_finish(struct http_response *res, int r)
{
	if (r && res->status == 0)
		api_fail(res, r, NULL);
	return 0;
}

bool api_text_blank(const char *s)
{
	for (; s && *s; s++) {
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	}
	return true;
}

/* ---- rendering of one report ---- */

/* The single-item form: the list form plus body and body_html; with
 * extras also indicators and the caller's permissions. *out is owned by
 * the caller (json_decref). */
static int report_full_json(struct api *a, const struct api_caller *c,
			    const struct core_report *rep, bool extras, json_t **out)
{
	struct core_indicator *inds = NULL;
	size_t ninds = 0;
	char *html = NULL;
	json_t *o = NULL, *arr = NULL, *perm = NULL;
	const char *body = rep->body ? rep->body : "";
	int r = 0;

	*out = NULL;
	o = api_report_json(rep);
	if (!o) {
		r = KR_ENOMEM;
		goto out;
	}
	r = markdown_to_html(body, strlen(body), &html);
	if (r)
		goto out;
	if (json_object_set_new(o, "body", json_string(body)) ||
	    json_object_set_new(o, "body_html", json_string(html))) {
		r = KR_ENOMEM;
		goto out;
	}
	if (!extras)
		goto done;

	r = store_indicator_list(a->store, rep->id, &inds, &ninds);
	if (r)
		goto out;
	arr = json_array();
	if (!arr) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ninds; i++) {
		if (json_array_append_new(arr, api_indicator_json(&inds[i]))) {
			r = KR_ENOMEM;
			goto out;
		}
	}
	perm = json_pack("{s:b, s:b, s:b, s:b}",
			 "comment", api_report_allows(c, rep, POLICY_COMMENT),
			 "edit", api_report_allows(c, rep, POLICY_EDIT),
			 "forward", api_report_allows(c, rep, POLICY_FORWARD),
			 "export", api_report_allows(c, rep, POLICY_EXPORT));
	if (!perm) {
		r = KR_ENOMEM;
		goto out;
	}
	if (json_object_set(o, "indicators", arr) || json_object_set(o, "permissions", perm)) {
		r = KR_ENOMEM;
		goto out;
	}
done:
	*out = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(arr);
	json_decref(perm);
	if (inds)
		store_indicator_free(inds);
	kr_free(html);
	return r;
}

/* Answers 200/201 with the full form of report id as stored now. */
static int report_answer(struct api *a, const struct api_caller *c, int64_t id, int status,
			 struct http_response *res)
{
	struct core_report rep;
	json_t *j = NULL;
	int r;

	memset(&rep, 0, sizeof rep);
	r = store_report_get(a->store, id, &rep);
	if (r)
		goto out;
	r = report_full_json(a, c, &rep, true, &j);
	if (r)
		goto out;
	r = http_json(res, status, j);
out:
	core_report_release(&rep);
	return r;
}

/* ---- filters of list and count ---- */

static int report_filter_read(struct http_request *req, struct http_response *res,
			      struct store_report_filter *f)
{
	int r;

	memset(f, 0, sizeof *f);
	f->kind = -1;
	f->tlp = -1;
	f->level = -1;
	r = api_query_enum(req, res, "kind", report_kind_parse, &f->kind);
	if (r)
		return r;
	r = api_query_enum(req, res, "tlp", tlp_parse, &f->tlp);
	if (r)
		return r;
	r = api_query_enum(req, res, "level", level_parse, &f->level);
	if (r)
		return r;
	r = api_query_int(req, res, "community", 1, INT64_MAX, 0, &f->community_id);
	if (r)
		return r;
	r = api_query_text(req, res, "q", &f->text);
	if (r)
		return r;
	return api_query_time(req, res, "since", &f->since);
}

static void report_array_release(struct core_report *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		core_report_release(&arr[i]);
	kr_free(arr);
}

/* Appends read audits for every AMBER+ report in arr, in one transaction
 * so a page costs one commit. */
static void report_audit_list(struct api *a, const struct api_caller *c,
			      struct http_request *req, const struct core_report *arr, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n && !any; i++)
		any = arr[i].tlp >= TLP_AMBER;
	if (!any)
		return;
	bool began = store_begin(a->store) == 0;
	for (size_t i = 0; i < n; i++)
		api_report_audit_read(a, c, req, &arr[i], arr[i].tlp, "list");
	if (began && store_commit(a->store)) {
		store_rollback(a->store);
		log_error("audit: read records of a report list were not committed");
	}
}

/* GET /api/v1/reports */
static int reports_list(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct store_report_filter f;
	struct core_report *rows = NULL, *keep = NULL;
	size_t nrows = 0, nkeep = 0;
	int64_t limit = 0, cursor = 0, next = 0;
	json_t *items = NULL, *page;
	bool exhausted = false;
	int r;

	r = api_caller_resolve(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, list_params);
	if (r)
		goto out;
	r = report_filter_read(req, res, &f);
	if (r)
		goto out;
	r = api_query_int(req, res, "limit", 1, API_LIMIT_MAX, API_LIMIT_DEFAULT, &limit);
	if (r)
		goto out;
	r = api_query_int(req, res, "cursor", 1, INT64_MAX, 0, &cursor);
	if (r)
		goto out;
	keep = kr_calloc((size_t)limit, sizeof *keep);
	if (!keep) {
		r = KR_ENOMEM;
		goto out;
	}

	/* The store pages unfiltered candidates; keep fetching until a page of
	 * readable rows is full or the candidates run out. */
	f.before_id = cursor;
	f.limit = LIST_BATCH;
	while (nkeep < (size_t)limit && !exhausted) {
		size_t i;

		r = store_report_list(a->store, &f, &rows, &nrows);
		if (r)
			goto out;
		for (i = 0; i < nrows && nkeep < (size_t)limit; i++) {
			if (!api_report_allows(&c, &rows[i], POLICY_READ))
				continue;
			keep[nkeep++] = rows[i];
			rows[i].body = NULL; /* moved */
		}
		if (nrows == 0 || (nrows < LIST_BATCH && i == nrows))
			exhausted = true;
		else
			f.before_id = rows[nrows - 1].id;
		store_report_free(rows, nrows);
		rows = NULL;
		nrows = 0;
	}
	if (!exhausted && nkeep > 0)
		next = keep[nkeep - 1].id;

	report_audit_list(a, &c, req, keep, nkeep);
	items = json_array();
	if (!items) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < nkeep; k++) {
		if (json_array_append_new(items, api_report_json(&keep[k]))) {
			r = KR_ENOMEM;
			goto out;
		}
	}
	page = api_page(items, next);
	items = NULL; /* api_page took the reference */
	if (!page) {
		r = KR_ENOMEM;
		goto out;
	}
	r = http_json(res, 200, page);
out:
	json_decref(items);
	if (rows)
		store_report_free(rows, nrows);
	report_array_release(keep, nkeep);
	return api_report_finish(res, r);
}

/* GET /api/v1/reports/count: walks every candidate like the list does. */
static int reports_count(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct store_report_filter f;
	struct core_report *rows = NULL;
	size_t nrows = 0;
	int64_t count = 0;
	json_t *j;
	int r;

	r = api_caller_resolve(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, count_params);
	if (r)
		goto out;
	r = report_filter_read(req, res, &f);
	if (r)
		goto out;
	f.limit = COUNT_BATCH;
	for (;;) {
		r = store_report_list(a->store, &f, &rows, &nrows);
		if (r)
			goto out;
		for (size_t i = 0; i < nrows; i++)
			count += api_report_allows(&c, &rows[i], POLICY_READ);
		if (nrows < COUNT_BATCH)
			break;
		f.before_id = rows[nrows - 1].id;
		store_report_free(rows, nrows);
		rows = NULL;
		nrows = 0;
	}
	j = json_pack("{s:I}", "count", (json_int_t)count);
	if (!j) {
		r = KR_ENOMEM;
		goto out;
	}
	r = http_json(res, 200, j);
out:
	if (rows)
		store_report_free(rows, nrows);
	return api_report_finish(res, r);
}

/* ---- recipients and indicators of a write ---- */

static bool has_duplicate(const int64_t *ids, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (ids[i] == ids[j])
				return true;
	return false;
}

/* Recipient organisations must be admitted members of the community;
 * recipient people must belong to one. Problems are appended to errors
 * (one per field); store failures are returned. */
static int report_check_recipients(struct api *a, int64_t community_id, const int64_t *orgs,
				   int norgs, const int64_t *people, int npeople,
				   json_t *errors, bool *bad)
{
	struct core_membership m;
	struct core_person p;
	char detail[160];
	int r = 0;

	if (has_duplicate(orgs, norgs)) {
		*bad = true;
		r = api_error_add(errors, "recipient_organisations", "contains an id twice");
		if (r)
			return r;
	}
	for (int i = 0; i < norgs && !*bad; i++) {
		r = store_membership_get(a->store, community_id, orgs[i], &m);
		if (r && r != KR_ENOTFOUND)
			return r;
		if (r == 0 && m.status == MS_MEMBER)
			continue;
		*bad = true;
		snprintf(detail, sizeof detail,
			 "organisation %lld is not a member organisation of the community",
			 (long long)orgs[i]);
		r = api_error_add(errors, "recipient_organisations", detail);
		if (r)
			return r;
	}
	bool bad_people = has_duplicate(people, npeople);
	if (bad_people) {
		*bad = true;
		r = api_error_add(errors, "recipient_people", "contains an id twice");
		if (r)
			return r;
	}
	for (int i = 0; i < npeople && !bad_people; i++) {
		r = store_person_get(a->store, people[i], &p);
		if (r && r != KR_ENOTFOUND)
			return r;
		if (r == 0) {
			r = store_membership_get(a->store, community_id, p.org_id, &m);
			if (r && r != KR_ENOTFOUND)
				return r;
			if (r == 0 && m.status == MS_MEMBER)
				continue;
		}
		*bad = bad_people = true;
		snprintf(detail, sizeof detail,
			 "person %lld is not a person of a member organisation of the community",
			 (long long)people[i]);
		r = api_error_add(errors, "recipient_people", detail);
		if (r)
			return r;
	}
	return 0;
}

/* Reads the "indicators" array of a new report: each element validated and
 * normalised, duplicates (same type and normalised value) refused. *out is
 * kr_calloc'd (caller kr_free's it), *n its length. */
static int report_indicators_read(json_t *arr, struct core_indicator **out, size_t *n,
				  json_t *errors, bool *bad)
{
	struct core_indicator *inds = NULL;
	char prefix[48], field[64], detail[64];
	size_t count;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > CORE_INDICATORS_PER_REPORT) {
		*bad = true;
		return api_error_add(errors, "indicators",
				     "must be an array of at most 1000 indicators");
	}
	count = json_array_size(arr);
	if (count == 0)
		return 0;
	inds = kr_calloc(count, sizeof *inds);
	if (!inds)
		return KR_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		snprintf(prefix, sizeof prefix, "indicators[%zu].", i);
		r = api_indicator_from_json(json_array_get(arr, i), prefix, &inds[i], errors);
		if (r == KR_EINVAL) {
			*bad = true;
			memset(&inds[i], 0, sizeof inds[i]); /* not compared below */
			r = 0;
			continue;
		}
		if (r)
			goto out;
		for (size_t j = 0; j < i; j++) {
			if (inds[j].value[0] && inds[j].type == inds[i].type &&
			    strcmp(inds[j].value, inds[i].value) == 0) {
				*bad = true;
				snprintf(field, sizeof field, "indicators[%zu].value", i);
				snprintf(detail, sizeof detail, "duplicate of indicators[%zu]", j);
				r = api_error_add(errors, field, detail);
				if (r)
					goto out;
				break;
			}
		}
	}
	*out = inds;
	*n = count;
	inds = NULL;
out:
	kr_free(inds);
	return r;
}

/* ---- POST /api/v1/reports ---- */

static const struct api_field report_create_fields[] = {
	{ .name = "community_id", .type = AF_INT, .required = true, .min = 1, .max = INT64_MAX },
	{ .name = "kind", .type = AF_ENUM, .required = true, .parse = report_kind_parse },
	{ .name = "title", .type = AF_STRING, .required = true, .max_len = CORE_TITLE_MAX },
	{ .name = "body", .type = AF_TEXT, .max_len = CORE_BODY_MAX },
	{ .name = "level", .type = AF_ENUM, .required = true, .parse = level_parse },
	{ .name = "tlp", .type = AF_ENUM, .required = true, .parse = tlp_parse },
	{ .name = "recipient_organisations", .type = AF_INT_ARRAY,
	  .max_items = CORE_RECIPIENTS_MAX },
	{ .name = "recipient_people", .type = AF_INT_ARRAY, .max_items = CORE_RECIPIENTS_MAX },
	{ .name = "indicators", .type = AF_ANY },
	{ .name = NULL },
};

static int reports_create(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_report rep;
	struct core_community com;
	struct core_indicator *inds = NULL;
	size_t ninds = 0;
	json_t *obj = NULL, *errors = NULL;
	bool bad = false, in_tx = false;
	char location[64];
	int r;

	memset(&rep, 0, sizeof rep);
	memset(&com, 0, sizeof com);
	r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_require_write(&c, res);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_params);
	if (r)
		goto out;
	r = api_body_object(req, res, &obj);
	if (r)
		goto out;
	r = api_validate(obj, report_create_fields, res);
	if (r)
		goto out;

	rep.community_id = api_get_int(obj, "community_id", 0);
	errors = json_array();
	if (!errors) {
		r = KR_ENOMEM;
		goto out;
	}
	if (api_text_blank(api_get_str(obj, "title", ""))) {
		api_error_add(errors, "title", "must not be blank");
		r = api_validation_problem(res, errors);
		errors = NULL;
		goto out;
	}
	r = store_community_get(a->store, rep.community_id, &com);
	if (r == KR_ENOTFOUND) {
		api_error_add(errors, "community_id", "no such community");
		r = api_validation_problem(res, errors);
		errors = NULL;
		goto out;
	}
	if (r)
		goto out;
	if (!policy_decide_community(&c.actor, rep.community_id, PC_SHARE).allow) {
		r = api_forbidden(res, "You are not a participant of this community (membership "
				       "and accepted guidelines are required).");
		goto out;
	}

	rep.kind = api_get_enum(obj, "kind", report_kind_parse, RK_INCIDENT);
	rep.level = api_get_enum(obj, "level", level_parse, LEVEL_OPERATIONAL);
	rep.tlp = api_get_enum(obj, "tlp", tlp_parse, com.default_tlp);
	snprintf(rep.title, sizeof rep.title, "%s", api_get_str(obj, "title", ""));
	rep.body = kr_strdup(api_get_str(obj, "body", ""));
	if (!rep.body) {
		r = KR_ENOMEM;
		goto out;
	}
	rep.source_org_id = c.person.org_id;
	rep.author_id = c.person.id;
	rep.nrecipient_orgs = api_get_int_array(obj, "recipient_organisations",
						rep.recipient_orgs, CORE_RECIPIENTS_MAX);
	rep.nrecipient_people = api_get_int_array(obj, "recipient_people",
						  rep.recipient_people, CORE_RECIPIENTS_MAX);

	r = report_check_recipients(a, rep.community_id, rep.recipient_orgs, rep.nrecipient_orgs,
				    rep.recipient_people, rep.nrecipient_people, errors, &bad);
	if (r)
		goto out;
	if (rep.tlp == TLP_RED && rep.nrecipient_people == 0) {
		bad = true;
		r = api_error_add(errors, "recipient_people",
				  "TLP:RED needs at least one recipient person");
		if (r)
			goto out;
	}
	r = report_indicators_read(json_object_get(obj, "indicators"), &inds, &ninds, errors,
				   &bad);
	if (r)
		goto out;
	if (bad) {
		r = api_validation_problem(res, errors);
		errors = NULL;
		goto out;
	}

	r = store_begin(a->store);
	if (r)
		goto out;
	in_tx = true;
	r = store_report_create(a->store, &rep, inds, ninds);
	if (r)
		goto out;
	r = api_audit(a, &c, req, AUDIT_WRITE, rep.community_id, "report", rep.id, "create");
	if (r)
		goto out;
	r = store_commit(a->store);
	if (r)
		goto out;
	in_tx = false;

	snprintf(location, sizeof location, "/api/v1/reports/%lld", (long long)rep.id);
	r = http_response_header(res, "Location", location);
	if (r)
		goto out;
	r = report_answer(a, &c, rep.id, 201, res);
out:
	if (in_tx)
		store_rollback(a->store);
	kr_free(inds);
	json_decref(obj);
	json_decref(errors);
	core_report_release(&rep);
	core_community_release(&com);
	return api_report_finish(res, r);
}

/* ---- GET /api/v1/reports/:id ---- */

static int reports_get(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_report rep;
	json_t *j = NULL;
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
	r = report_full_json(a, &c, &rep, true, &j);
	if (r)
		goto out;
	api_report_audit_read(a, &c, req, &rep, rep.tlp, "view");
	r = http_json(res, 200, j);
out:
	core_report_release(&rep);
	return api_report_finish(res, r);
}

/* ---- PATCH /api/v1/reports/:id ---- */

static const struct api_field report_patch_fields[] = {
	{ .name = "title", .type = AF_STRING, .max_len = CORE_TITLE_MAX },
	{ .name = "body", .type = AF_TEXT, .max_len = CORE_BODY_MAX },
	{ .name = "kind", .type = AF_ENUM, .parse = report_kind_parse },
	{ .name = "level", .type = AF_ENUM, .parse = level_parse },
	{ .name = "tlp", .type = AF_ENUM, .parse = tlp_parse },
	{ .name = "recipient_organisations", .type = AF_INT_ARRAY,
	  .max_items = CORE_RECIPIENTS_MAX },
	{ .name = "recipient_people", .type = AF_INT_ARRAY, .max_items = CORE_RECIPIENTS_MAX },
	{ .name = NULL },
};

static int reports_patch(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_report rep;
	json_t *obj = NULL, *errors = NULL;
	bool bad = false, in_tx = false;
	int64_t id;
	int64_t no_ids[1] = { 0 };
	char detail[64];
	enum tlp old_tlp;
	int r;

	memset(&rep, 0, sizeof rep);
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
	if (!api_report_allows(&c, &rep, POLICY_EDIT)) {
		r = api_forbidden(res, "Only the author may edit this report.");
		goto out;
	}
	r = api_body_object(req, res, &obj);
	if (r)
		goto out;
	r = api_validate(obj, report_patch_fields, res);
	if (r)
		goto out;
	if (json_object_size(obj) == 0) { /* nothing to change: no new version */
		r = report_answer(a, &c, rep.id, 200, res);
		goto out;
	}

	errors = json_array();
	if (!errors) {
		r = KR_ENOMEM;
		goto out;
	}
	old_tlp = rep.tlp;
	if (json_object_get(obj, "title")) {
		const char *title = api_get_str(obj, "title", "");

		if (api_text_blank(title)) {
			bad = true;
			r = api_error_add(errors, "title", "must not be blank");
			if (r)
				goto out;
		}
		snprintf(rep.title, sizeof rep.title, "%s", title);
	}
	if (json_object_get(obj, "body")) {
		char *body = kr_strdup(api_get_str(obj, "body", ""));

		if (!body) {
			r = KR_ENOMEM;
			goto out;
		}
		kr_free(rep.body);
		rep.body = body;
	}
	rep.kind = api_get_enum(obj, "kind", report_kind_parse, rep.kind);
	rep.level = api_get_enum(obj, "level", level_parse, rep.level);
	rep.tlp = api_get_enum(obj, "tlp", tlp_parse, rep.tlp);

	/* Only lists given now are checked against the current members. */
	bool new_orgs = json_object_get(obj, "recipient_organisations") != NULL;
	bool new_people = json_object_get(obj, "recipient_people") != NULL;
	if (new_orgs)
		rep.nrecipient_orgs = api_get_int_array(obj, "recipient_organisations",
							rep.recipient_orgs, CORE_RECIPIENTS_MAX);
	if (new_people) {
		rep.nrecipient_people = api_get_int_array(obj, "recipient_people",
							  rep.recipient_people,
							  CORE_RECIPIENTS_MAX);
		memset(rep.recipient_people_orgs, 0, sizeof rep.recipient_people_orgs);
	}
	r = report_check_recipients(a, rep.community_id,
				    new_orgs ? rep.recipient_orgs : no_ids,
				    new_orgs ? rep.nrecipient_orgs : 0,
				    new_people ? rep.recipient_people : no_ids,
				    new_people ? rep.nrecipient_people : 0, errors, &bad);
	if (r)
		goto out;
	if (rep.tlp == TLP_RED && rep.nrecipient_people == 0) {
		bad = true;
		r = api_error_add(errors, "recipient_people",
				  "TLP:RED needs at least one recipient person");
		if (r)
			goto out;
	}
	if (bad) {
		r = api_validation_problem(res, errors);
		errors = NULL;
		goto out;
	}

	snprintf(detail, sizeof detail, "update tlp=%s->%s", tlp_name(old_tlp),
		 tlp_name(rep.tlp));
	r = store_begin(a->store);
	if (r)
		goto out;
	in_tx = true;
	r = store_report_update(a->store, &rep);
	if (r)
		goto out;
	r = api_audit(a, &c, req, AUDIT_WRITE, rep.community_id, "report", rep.id, detail);
	if (r)
		goto out;
	r = store_commit(a->store);
	if (r)
		goto out;
	in_tx = false;
	r = report_answer(a, &c, rep.id, 200, res);
out:
	if (in_tx)
		store_rollback(a->store);
	json_decref(obj);
	json_decref(errors);
	core_report_release(&rep);
	return api_report_finish(res, r);
}

/* ---- versions ---- */

/* GET /api/v1/reports/:id/versions: the versions the caller may read
 * (each snapshot is decided on its own label and audience too, so an older
 * stricter version does not leak through a later looser one). */
static int reports_versions(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_report rep, snap;
	json_t *items = NULL, *page;
	enum tlp shown;
	int64_t id;
	int n = 0;
	int r;

	memset(&rep, 0, sizeof rep);
	memset(&snap, 0, sizeof snap);
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
	r = store_report_version_count(a->store, id, &n);
	if (r)
		goto out;
	items = json_array();
	if (!items) {
		r = KR_ENOMEM;
		goto out;
	}
	shown = rep.tlp;
	for (int v = n; v >= 1; v--) {
		r = store_report_version_get(a->store, id, v, &snap);
		if (r)
			goto out;
		if (api_report_allows(&c, &snap, POLICY_READ)) {
			json_t *o = json_pack("{s:i, s:s, s:s, s:o}", "version", v, "title",
					      snap.title, "tlp", tlp_name(snap.tlp), "updated",
					      api_time_json(snap.updated));

			if (json_array_append_new(items, o)) {
				r = KR_ENOMEM;
				goto out;
			}
			if (snap.tlp > shown)
				shown = snap.tlp;
		}
		core_report_release(&snap);
		memset(&snap, 0, sizeof snap);
	}
	api_report_audit_read(a, &c, req, &rep, shown, "versions");
	page = api_page(items, 0);
	items = NULL; /* api_page took the reference */
	if (!page) {
		r = KR_ENOMEM;
		goto out;
	}
	r = http_json(res, 200, page);
out:
	json_decref(items);
	core_report_release(&snap);
	core_report_release(&rep);
	return api_report_finish(res, r);
}

/* GET /api/v1/reports/:id/versions/:n */
static int reports_version_get(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_report rep, snap;
	json_t *j = NULL;
	int64_t id, v;
	int r;

	memset(&rep, 0, sizeof rep);
	memset(&snap, 0, sizeof snap);
	r = api_caller_resolve(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_params);
	if (r)
		goto out;
	r = api_path_id(req, res, 0, &id);
	if (r)
		goto out;
	r = api_path_id(req, res, 1, &v);
	if (r)
		goto out;
	r = api_report_load(a, &c, id, res, &rep);
	if (r)
		goto out;
	if (v > rep.version) {
		r = api_not_found(res);
		goto out;
	}
	r = store_report_version_get(a->store, id, (int)v, &snap);
	if (r)
		goto out;
	if (!api_report_allows(&c, &snap, POLICY_READ)) {
		r = api_not_found(res);
		goto out;
	}
	snap.id = id;
	snap.version = (int)v;
	r = report_full_json(a, &c, &snap, false, &j);
	if (r)
		goto out;
	api_report_audit_read(a, &c, req, &rep, snap.tlp > rep.tlp ? snap.tlp : rep.tlp,
			      "version");
	r = http_json(res, 200, j);
out:
	core_report_release(&snap);
	core_report_release(&rep);
	return api_report_finish(res, r);
}

int api_reports_register(struct api *a, struct http_server *srv)
{
	int r;

	r = http_route(srv, "GET", "/api/v1/reports", reports_list, a);
	if (r)
		goto out;
	r = http_route(srv, "POST", "/api/v1/reports", reports_create, a);
	if (r)
		goto out;
	/* Before /reports/:id, which would otherwise take "count" as an id. */
	r = http_route(srv, "GET", "/api/v1/reports/count", reports_count, a);
	if (r)
		goto out;
	r = http_route(srv, "GET", "/api/v1/reports/:id", reports_get, a);
	if (r)
		goto out;
	r = http_route(srv, "PATCH", "/api/v1/reports/:id", reports_patch, a);
	if (r)
		goto out;
	r = http_route(srv, "GET", "/api/v1/reports/:id/versions", reports_versions, a);
	if (r)
		goto out;
	r = http_route(srv, "GET", "/api/v1/reports/:id/versions/:n", reports_version_get, a);
out:
	return r;
}
