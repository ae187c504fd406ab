/* indicators.c - indicators of compromise: the /api/v1/reports/:id/indicators
 * routes and the search across reports (/api/v1/indicators), plus indicator
 * input and output shared with reports.c.
 *
 * An indicator is visible exactly when its report is readable (policy READ
 * on the report); changing them is an edit of the report (policy EDIT). */
#include "api/api.h"
#include "api/apib_report.h"
#include "core/model.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define SEARCH_BATCH 200
#define REPORT_CACHE 64 /* reports remembered per search request */

static const char *const no_params[] = { NULL };
static const char *const search_params[] = { "type", "value", "q", "cursor", "limit", NULL };

/* ---- input and output ---- */

json_t *api_indicator_json(const struct core_indicator *i)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)i->id,
			 "report_id", (json_int_t)i->report_id, "type", ind_type_name(i->type),
			 "value", i->value, "comment", i->comment, "first_seen",
			 api_time_json(i->first_seen), "last_seen", api_time_json(i->last_seen),
			 "valid_until", api_time_json(i->valid_until), "created",
			 api_time_json(i->created));
}

static const char *const indicator_keys[] = { "type",	   "value",	"comment",
					      "first_seen", "last_seen", "valid_until",
					      NULL };

/* Appends prefix+name: detail to errors. */
static int ind_error(json_t *errors, const char *prefix, const char *name, const char *detail)
{
	char field[96];

	snprintf(field, sizeof field, "%s%s", prefix, name);
	return api_error_add(errors, field, detail);
}

/* Optional single-line string of at most max bytes; NULL/absent -> "". */
static int ind_text(json_t *obj, const char *prefix, const char *name, size_t max, char *out,
		    size_t outsz, json_t *errors, bool *bad)
{
	json_t *v = json_object_get(obj, name);
	char detail[64];

	out[0] = '\0';
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		*bad = true;
		return ind_error(errors, prefix, name, "must be a string");
	}
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (len > max) {
		*bad = true;
		snprintf(detail, sizeof detail, "must be at most %zu bytes", max);
		return ind_error(errors, prefix, name, detail);
	}
	if (strlen(s) != len || !core_utf8_valid(s, len, false)) {
		*bad = true;
		return ind_error(errors, prefix, name, "must be single-line text");
	}
	snprintf(out, outsz, "%s", s);
	return 0;
}

/* Optional RFC 3339 time; NULL/absent -> 0. */
static int ind_time(json_t *obj, const char *prefix, const char *name, int64_t *out,
		    json_t *errors, bool *bad)
{
	json_t *v = json_object_get(obj, name);

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || time_parse_rfc3339(json_string_value(v), out)) {
		*bad = true;
		*out = 0;
		return ind_error(errors, prefix, name, "must be an RFC 3339 time");
	}
	return 0;
}

int api_indicator_from_json(json_t *obj, const char *prefix, struct core_indicator *out,
			    json_t *errors)
{
	char raw[CORE_INDICATOR_MAX + 1];
	const char *key, *why = NULL;
	json_t *v, *type;
	bool bad = false;
	int r = 0;

	memset(out, 0, sizeof *out);
	if (!json_is_object(obj)) {
		size_t len = strlen(prefix);

		if (len && prefix[len - 1] == '.')
			len--;
		char field[96];
		snprintf(field, sizeof field, "%.*s", (int)len, prefix);
		r = api_error_add(errors, field, "must be an object");
		return r ? r : KR_EINVAL;
	}
	json_object_foreach(obj, key, v) {
		bool known = false;

		for (int k = 0; indicator_keys[k] && !known; k++)
			known = strcmp(key, indicator_keys[k]) == 0;
		if (known)
			continue;
		bad = true;
		r = ind_error(errors, prefix, key, "unknown field");
		if (r)
			return r;
	}

	type = json_object_get(obj, "type");
	int t = json_is_string(type) ? ind_type_parse(json_string_value(type)) : -1;
	if (t < 0) {
		bad = true;
		r = ind_error(errors, prefix, "type",
			      type ? "must be one of ipv4, ipv6, cidr, domain, url, email, md5, "
				     "sha1, sha256, cve, asn"
				   : "is required");
		if (r)
			return r;
	}
	if (!json_object_get(obj, "value")) {
		bad = true;
		r = ind_error(errors, prefix, "value", "is required");
	} else {
		bool bad_value = false;

		r = ind_text(obj, prefix, "value", CORE_INDICATOR_MAX, raw, sizeof raw, errors,
			     &bad_value);
		if (!r && !bad_value && !raw[0]) {
			bad_value = true;
			r = ind_error(errors, prefix, "value", "must not be empty");
		}
		if (!r && !bad_value && t >= 0 &&
		    core_indicator_normalise((enum ind_type)t, raw, out->value, &why)) {
			bad_value = true;
			r = ind_error(errors, prefix, "value", why ? why : "is not valid");
		}
		bad |= bad_value;
	}
	if (r)
		return r;
	r = ind_text(obj, prefix, "comment", CORE_NAME_MAX, out->comment, sizeof out->comment,
		     errors, &bad);
	if (r)
		return r;
	r = ind_time(obj, prefix, "first_seen", &out->first_seen, errors, &bad);
	if (r)
		return r;
	r = ind_time(obj, prefix, "last_seen", &out->last_seen, errors, &bad);
	if (r)
		return r;
	r = ind_time(obj, prefix, "valid_until", &out->valid_until, errors, &bad);
	if (r)
		return r;
	if (out->first_seen && out->last_seen && out->last_seen < out->first_seen) {
		bad = true;
		r = ind_error(errors, prefix, "last_seen", "must not be before first_seen");
		if (r)
			return r;
	}
	if (bad)
		return KR_EINVAL;
	out->type = (enum ind_type)t;
	return 0;
}

/* ---- GET /api/v1/reports/:id/indicators ---- */

static int indicators_list(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_report rep;
	struct core_indicator *arr = NULL;
	size_t n = 0;
	json_t *items = NULL, *page;
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
	r = store_indicator_list(a->store, id, &arr, &n);
	if (r)
		goto out;
	items = json_array();
	if (!items) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(items, api_indicator_json(&arr[i]))) {
			r = KR_ENOMEM;
			goto out;
		}
	}
	api_report_audit_read(a, &c, req, &rep, rep.tlp, "indicators");
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
		store_indicator_free(arr);
	core_report_release(&rep);
	return api_report_finish(res, r);
}

/* ---- POST /api/v1/reports/:id/indicators ---- */

static int indicators_create(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_report rep;
	struct core_indicator ind;
	struct core_indicator *arr = NULL;
	size_t n = 0;
	json_t *obj = NULL, *errors = NULL, *j;
	bool in_tx = false;
	char location[96];
	int64_t id;
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
		r = api_forbidden(res, "Only the author may change the indicators of this report.");
		goto out;
	}
	r = api_body_object(req, res, &obj);
	if (r)
		goto out;
	errors = json_array();
	if (!errors) {
		r = KR_ENOMEM;
		goto out;
	}
	r = api_indicator_from_json(obj, "", &ind, errors);
	if (r == KR_EINVAL) {
		r = api_validation_problem(res, errors);
		errors = NULL;
		goto out;
	}
	if (r)
		goto out;
	ind.report_id = id;

	r = store_begin(a->store);
	if (r)
		goto out;
	in_tx = true;
	r = store_indicator_list(a->store, id, &arr, &n);
	if (r)
		goto out;
	if (n >= CORE_INDICATORS_PER_REPORT) {
		r = api_fail(res, KR_ECONFLICT,
			     "The report already has the maximum of 1000 indicators.");
		goto out;
	}
	r = store_indicator_add(a->store, &ind);
	if (r == KR_ECONFLICT) {
		r = api_fail(res, r, "This indicator is already part of the report.");
		goto out;
	}
	if (r)
		goto out;
	r = api_audit(a, &c, req, AUDIT_WRITE, rep.community_id, "indicator", ind.id, "create");
	if (r)
		goto out;
	r = store_commit(a->store);
	if (r)
		goto out;
	in_tx = false;

	snprintf(location, sizeof location, "/api/v1/reports/%lld/indicators/%lld",
		 (long long)id, (long long)ind.id);
	r = http_response_header(res, "Location", location);
	if (r)
		goto out;
	j = api_indicator_json(&ind);
	if (!j) {
		r = KR_ENOMEM;
		goto out;
	}
	r = http_json(res, 201, j);
out:
	if (in_tx)
		store_rollback(a->store);
	if (arr)
		store_indicator_free(arr);
	json_decref(obj);
	json_decref(errors);
	core_report_release(&rep);
	return api_report_finish(res, r);
}

/* ---- DELETE /api/v1/reports/:id/indicators/:ind_id ---- */

static int indicators_delete(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_report rep;
	struct core_indicator ind;
	bool in_tx = false;
	int64_t id, ind_id;
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
	r = api_path_id(req, res, 1, &ind_id);
	if (r)
		goto out;
	r = api_report_load(a, &c, id, res, &rep);
	if (r)
		goto out;
	if (!api_report_allows(&c, &rep, POLICY_EDIT)) {
		r = api_forbidden(res, "Only the author may change the indicators of this report.");
		goto out;
	}
	r = store_begin(a->store);
	if (r)
		goto out;
	in_tx = true;
	r = store_indicator_get(a->store, ind_id, &ind);
	if (r == 0 && ind.report_id != id)
		r = KR_ENOTFOUND; /* an indicator of another report is not here */
	if (r == KR_ENOTFOUND) {
		r = api_not_found(res);
		goto out;
	}
	if (r)
		goto out;
	r = store_indicator_delete(a->store, ind_id);
	if (r)
		goto out;
	r = api_audit(a, &c, req, AUDIT_WRITE, rep.community_id, "indicator", ind_id, "delete");
	if (r)
		goto out;
	r = store_commit(a->store);
	if (r)
		goto out;
	in_tx = false;
	http_no_content(res);
out:
	if (in_tx)
		store_rollback(a->store);
	core_report_release(&rep);
	return api_report_finish(res, r);
}

/* ---- GET /api/v1/indicators: search across readable reports ---- */

/* What one search request learned about a report. */
struct report_seen {
	int64_t id;
	int64_t community_id;
	enum tlp tlp;
	bool readable;
};

struct search_state {
	struct report_seen cache[REPORT_CACHE];
	int ncache;
	unsigned next_slot;                     /* round-robin replacement once full */
	struct report_seen shown[API_LIMIT_MAX]; /* distinct readable reports shown */
	int nshown;
};

/* What c may know about report id: looked up once per request (while it
 * stays in the small cache). *seen points into st. */
static int search_report(struct api *a, const struct api_caller *c, struct search_state *st,
			 int64_t id, const struct report_seen **seen)
{
	struct core_report rep;
	struct report_seen *e;
	int slot;
	int r;

	for (int i = 0; i < st->ncache; i++) {
		if (st->cache[i].id == id) {
			*seen = &st->cache[i];
			return 0;
		}
	}
	memset(&rep, 0, sizeof rep);
	r = store_report_get(a->store, id, &rep);
	if (r && r != KR_ENOTFOUND)
		return r;
	slot = st->ncache < REPORT_CACHE ? st->ncache++ : (int)(st->next_slot++ % REPORT_CACHE);
	e = &st->cache[slot];
	memset(e, 0, sizeof *e);
	e->id = id;
	if (r == 0) {
		e->community_id = rep.community_id;
		e->tlp = rep.tlp;
		e->readable = api_report_allows(c, &rep, POLICY_READ);
		core_report_release(&rep);
	}
	*seen = e;
	return 0;
}

/* Remembers a readable report whose indicator is shown (once each). */
static void search_note_shown(struct search_state *st, const struct report_seen *seen)
{
	for (int i = 0; i < st->nshown; i++)
		if (st->shown[i].id == seen->id)
			return;
	if (st->nshown < API_LIMIT_MAX)
		st->shown[st->nshown++] = *seen;
}

/* One read audit per AMBER+ report shown, in one transaction. */
static void search_audit(struct api *a, const struct api_caller *c, struct http_request *req,
			 const struct search_state *st)
{
	struct core_report rep;
	bool any = false;

	for (int i = 0; i < st->nshown && !any; i++)
		any = st->shown[i].tlp >= TLP_AMBER;
	if (!any)
		return;
	bool began = store_begin(a->store) == 0;
	for (int i = 0; i < st->nshown; i++) {
		memset(&rep, 0, sizeof rep);
		rep.id = st->shown[i].id;
		rep.community_id = st->shown[i].community_id;
		rep.tlp = st->shown[i].tlp;
		api_report_audit_read(a, c, req, &rep, rep.tlp, "indicator search");
	}
	if (began && store_commit(a->store))
		store_rollback(a->store);
}

static int indicators_search(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct store_indicator_filter f;
	struct search_state *st = NULL;
	struct core_indicator *rows = NULL;
	size_t nrows = 0;
	char norm[CORE_INDICATOR_MAX + 1];
	char detail[160];
	const char *value = NULL, *why = NULL;
	json_t *items = NULL, *page;
	int64_t limit = 0, cursor = 0, next = 0, last = 0;
	size_t nkept = 0;
	bool exhausted = false;
	int type = -1;
	int r;

	r = api_caller_resolve(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, search_params);
	if (r)
		goto out;
	r = api_query_enum(req, res, "type", ind_type_parse, &type);
	if (r)
		goto out;
	r = api_query_int(req, res, "limit", 1, API_LIMIT_MAX, API_LIMIT_DEFAULT, &limit);
	if (r)
		goto out;
	r = api_query_int(req, res, "cursor", 1, INT64_MAX, 0, &cursor);
	if (r)
		goto out;
	memset(&f, 0, sizeof f);
	f.type = type;
	r = api_query_text(req, res, "q", &f.text);
	if (r)
		goto out;
	value = http_query(req, "value");
	if (value && value[0]) {
		size_t len = strlen(value);

		if (len > CORE_INDICATOR_MAX || !core_utf8_valid(value, len, false)) {
			r = api_bad_query(res, "Query parameter 'value' is not a valid value.");
			goto out;
		}
		/* Stored values are normalised: normalise the query the same way. */
		if (type >= 0) {
			if (core_indicator_normalise((enum ind_type)type, value, norm, &why)) {
				snprintf(detail, sizeof detail,
					 "Query parameter 'value' is not a valid %s: %s.",
					 ind_type_name((enum ind_type)type), why ? why : "invalid");
				r = api_bad_query(res, detail);
				goto out;
			}
			f.value = norm;
		} else {
			f.value = value;
		}
	}

	st = kr_calloc(1, sizeof *st);
	items = json_array();
	if (!st || !items) {
		r = KR_ENOMEM;
		goto out;
	}
	f.before_id = cursor;
	f.limit = SEARCH_BATCH;
	while (nkept < (size_t)limit && !exhausted) {
		size_t i;

		r = store_indicator_search(a->store, &f, &rows, &nrows);
		if (r)
			goto out;
		for (i = 0; i < nrows && nkept < (size_t)limit; i++) {
			const struct report_seen *seen;

			r = search_report(a, &c, st, rows[i].report_id, &seen);
			if (r)
				goto out;
			if (!seen->readable)
				continue;
			search_note_shown(st, seen);
			if (json_array_append_new(items, api_indicator_json(&rows[i]))) {
				r = KR_ENOMEM;
				goto out;
			}
			last = rows[i].id;
			nkept++;
		}
		if (nrows == 0 || (nrows < SEARCH_BATCH && i == nrows))
			exhausted = true;
		else
			f.before_id = rows[nrows - 1].id;
		if (rows)
			store_indicator_free(rows);
		rows = NULL;
		nrows = 0;
	}
	if (!exhausted && nkept > 0)
		next = last;

	search_audit(a, &c, req, st);
	page = api_page(items, next);
	items = NULL; /* api_page took the reference */
	if (!page) {
		r = KR_ENOMEM;
		goto out;
	}
	r = http_json(res, 200, page);
out:
	if (rows)
		store_indicator_free(rows);
	json_decref(items);
	kr_free(st);
	return api_report_finish(res, r);
}

int api_indicators_register(struct api *a, struct http_server *srv)
{
	int r;

	r = http_route(srv, "GET", "/api/v1/reports/:id/indicators", indicators_list, a);
	if (r)
		return r;
	r = http_route(srv, "POST", "/api/v1/reports/:id/indicators", indicators_create, a);
	if (r)
		return r;
	r = http_route(srv, "DELETE", "/api/v1/reports/:id/indicators/:ind_id",
		       indicators_delete, a);
	if (r)
		return r;
	return http_route(srv, "GET", "/api/v1/indicators", indicators_search, a);
}
