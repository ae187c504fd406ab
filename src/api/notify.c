/* notify.c - the constituency registry (registrations, security contacts,
 * routes of an organisation), notification runs (upload an input -> a run;
 * list; summary) and the recipients' acknowledgement link. Who may do what
 * is policy_decide_constituency(); the acknowledgement needs no login, its
 * 256-bit token is the credential. Runs are queued here and sent by the
 * outbox worker of kring serve (woken through a->on_queued) or by `kring
 * notify send`. */
#include "api/api.h"
#include "api/apia_util.h"
#include "deliver/deliver.h"
#include "store/store_notify.h"
#include "util/config.h"
#include "util/hash.h"
#include "util/log.h"

#include <sodium.h>
#include <string.h>

#include "util/banned.h"

#define RUN_MESSAGES_SHOWN 1000

/* Settings of runs started here: the server's (a->config), or the
 * environment (KRING_NOTIFY_*) over the defaults; read once at
 * registration. */
static struct deliver_config notify_cfg;
static struct notify_catalogue *notify_cat;

static json_t *id_or_null(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

static json_t *registration_json(const struct store_registration *r)
{
	bool product = r->kind == STORE_REG_PRODUCT;
	return json_pack(
	    "{s:I,s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)r->id, "organisation_id",
	    (json_int_t)r->org_id, "kind", store_reg_kind_name(r->kind), "value", r->value,
	    "vendor", product ? json_string(r->vendor) : json_null(), "product",
	    product ? json_string(r->product) : json_null(), "min_version",
	    product && r->min_version[0] ? json_string(r->min_version) : json_null(), "max_version",
	    product && r->max_version[0] ? json_string(r->max_version) : json_null(), "created",
	    api_time_json(r->created));
}

static json_t *contact_json(const struct store_contact *c)
{
	return json_pack("{s:I,s:I,s:s,s:s,s:s,s:o}", "id", (json_int_t)c->id, "organisation_id",
	                 (json_int_t)c->org_id, "name", c->name, "email", c->email, "language",
	                 lang_name(c->lang), "created", api_time_json(c->created));
}

static json_t *route_json(const struct store_route *r)
{
	return json_pack("{s:I,s:I,s:s,s:o,s:o}", "id", (json_int_t)r->id, "organisation_id",
	                 (json_int_t)r->org_id, "kind", store_route_kind_name(r->kind),
	                 "via_organisation_id", id_or_null(r->via_org_id), "created",
	                 api_time_json(r->created));
}

static json_t *run_json(const struct store_notify_run *r)
{
	return json_pack(
	    "{s:I,s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:I,"
	    "s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I},"
	    "s:{s:I,s:I,s:I,s:I,s:I}}",
	    "id", (json_int_t)r->id, "input_name", r->input_name, "input_hash", r->input_hash,
	    "format", r->input_format, "type",
	    r->event_type[0] ? json_string(r->event_type) : json_null(), "state",
	    store_run_state_name(r->state), "started_by", id_or_null(r->person_id), "created",
	    api_time_json(r->created), "finished", api_time_json(r->finished), "bytes",
	    (json_int_t)r->bytes, "rows", "read", (json_int_t)r->rows_read, "matched",
	    (json_int_t)r->rows_matched, "unmatched", (json_int_t)r->rows_unmatched, "rejected",
	    (json_int_t)r->rows_rejected, "duplicate", (json_int_t)r->rows_duplicate, "suppressed",
	    (json_int_t)r->rows_suppressed, "truncated", (json_int_t)r->rows_truncated,
	    "organisations", (json_int_t)r->victims, "recipients", (json_int_t)r->recipients,
	    "notifications", (json_int_t)r->notifications, "unroutable", (json_int_t)r->unroutable,
	    "messages", "queued", (json_int_t)r->n_queued, "sending", (json_int_t)r->n_sending,
	    "sent", (json_int_t)r->n_sent, "failed", (json_int_t)r->n_failed, "acknowledged",
	    (json_int_t)r->n_acknowledged);
}

static json_t *message_json(const struct store_outbox *o)
{
	return json_pack(
	    "{s:I,s:I,s:s,s:s,s:s,s:s,s:I,s:s,s:i,s:o,s:s,s:o,s:o}", "id", (json_int_t)o->id,
	    "recipient_organisation_id", (json_int_t)o->recipient_org_id, "route",
	    store_route_kind_name(o->route), "language", lang_name(o->lang), "tlp",
	    tlp_name(o->tlp), "subject", o->subject, "rows", (json_int_t)o->nrows, "state",
	    store_outbox_state_name(o->state), "attempts", o->attempts, "next_attempt",
	    o->state == STORE_OUTBOX_QUEUED ? api_time_json(o->next_attempt) : json_null(),
	    "last_error", o->last_error, "sent", api_time_json(o->sent_at), "acknowledged",
	    api_time_json(o->acked_at));
}

/* ---- whose registry ---- */

/* The organisation a list is about: ?org=, else the caller's own (an
 * administrator without ?org= lists every organisation: *org = 0). Asks
 * the policy; 404 when the caller may not see that registry. */
static int list_org(struct api *a, struct http_request *req, struct http_response *res,
                    const struct api_caller *c, int64_t *org)
{
	(void)a;
	int r = api_query_int(req, res, "org", 1, INT64_MAX, 0, org);
	if (r)
		return r;
	if (*org == 0 && c->actor.is_admin)
		return 0;
	if (*org == 0)
		*org = c->actor.org_id;
	if (!policy_decide_constituency(&c->actor, *org, PCN_VIEW).allow)
		return api_not_found(res);
	return 0;
}

/* The organisation a new entry is for: "organisation_id", else the
 * caller's own; the policy decides the action on it (404 when the caller
 * may not even see that registry, 403 when it may see but not change). */
static int write_org(struct api *a, const struct api_caller *c, json_t *body,
                     struct http_response *res, enum policy_constituency_action act, int64_t *org)
{
	struct core_org o;
	*org = api_get_int(body, "organisation_id", c->actor.org_id);
	if (!policy_decide_constituency(&c->actor, *org, PCN_VIEW).allow)
		return apia_invalid(res, "organisation_id", "no such organisation");
	struct policy_decision d = policy_decide_constituency(&c->actor, *org, act);
	if (!d.allow)
		return api_forbidden(res, d.reason);
	int r = store_org_get(a->store, *org, &o);
	if (r == KR_ENOTFOUND)
		return apia_invalid(res, "organisation_id", "no such organisation");
	if (r)
		return api_fail(res, r, "the organisation could not be read");
	return 0;
}

static const char *const list_query[] = {"org", "cursor", "limit", NULL};
static const char *const org_query[] = {"org", NULL};
static const char *const no_query[] = {NULL};

/* Commits a write with its audit record; answers on failure. */
static int write_end(struct api *a, const struct api_caller *c, struct http_request *req,
                     struct http_response *res, int r, const char *type, int64_t id,
                     const char *detail, const char *conflict)
{
	if (!r)
		r = api_audit(a, c, req, AUDIT_WRITE, 0, type, id, detail);
	if (!r)
		r = store_commit(a->store);
	if (r) {
		store_rollback(a->store);
		api_fail(res, r,
		         r == KR_ECONFLICT ? conflict : "the registry could not be changed");
	}
	return r;
}

/* ---- registrations ---- */

static int h_reg_list(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct store_registration *arr = NULL;
	size_t n = 0;
	int64_t org = 0, cursor = 0;
	int limit = 0;
	json_t *items = NULL;
	int r = api_caller_require(a, req, res, &c);
	if (!r)
		r = api_query_allow(req, res, list_query);
	if (!r)
		r = list_org(a, req, res, &c, &org);
	if (!r)
		r = apia_page_params(req, res, &cursor, &limit);
	if (r)
		goto out;
	r = store_registration_list(a->store, org, cursor, limit, &arr, &n);
	if (r) {
		api_fail(res, r, "the registrations could not be read");
		goto out;
	}
	items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		if (json_array_append_new(items, registration_json(&arr[i]))) {
			json_decref(items);
			items = NULL;
		}
	}
	if (!items) {
		r = api_fail(res, KR_ENOMEM, "out of memory");
		goto out;
	}
	r = apia_reply(res, 200, api_page(items, n == (size_t)limit ? arr[n - 1].id : 0));
out:
	store_registration_free(arr);
	return r;
}

static int h_reg_create(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
	    {.name = "organisation_id", .type = AF_INT, .min = 1, .max = INT64_MAX},
	    {.name = "kind", .type = AF_ENUM, .required = true, .parse = store_reg_kind_parse},
	    {.name = "value", .type = AF_STRING, .required = true, .max_len = STORE_REG_VALUE_MAX},
	    {.name = NULL},
	};
	struct api *a = ctx;
	struct api_caller c;
	struct store_registration reg;
	json_t *body = NULL;
	int64_t org = 0;
	const char *why = NULL;
	int r = api_caller_require(a, req, res, &c);
	if (!r)
		r = api_query_allow(req, res, no_query);
	if (!r)
		r = api_require_write(&c, res);
	if (!r)
		r = api_body_object(req, res, &body);
	if (!r)
		r = api_validate(body, fields, res);
	if (r)
		goto out;
	memset(&reg, 0, sizeof reg);
	reg.kind = (enum store_reg_kind)api_get_enum(body, "kind", store_reg_kind_parse, 0);
	r = write_org(a, &c, body, res,
	              reg.kind == STORE_REG_PRODUCT || reg.kind == STORE_REG_CPE ? PCN_EDIT_PRODUCTS
	                                                                         : PCN_EDIT_NETWORK,
	              &org);
	if (r)
		goto out;
	reg.org_id = org;
	r = deliver_registration_parse(reg.kind, api_get_str(body, "value", ""), &reg, &why);
	if (r) {
		apia_invalid(res, "value", why ? why : "not a valid value");
		goto out;
	}
	r = store_begin(a->store);
	if (r) {
		api_fail(res, r, "the registry could not be changed");
		goto out;
	}
	r = store_registration_add(a->store, &reg);
	r = write_end(a, &c, req, res, r, "registration", reg.id, "create",
	              "the value is registered already");
	if (!r)
		r = apia_reply(res, 201, registration_json(&reg));
out:
	json_decref(body);
	return r;
}

/* Deletes entry path[0] of a registry after the policy allowed act on its
 * organisation (404 when the caller may not see it). */
static int delete_entry(struct http_request *req, struct http_response *res, struct api *a,
                        const char *type)
{
	struct api_caller c;
	struct store_registration reg;
	struct store_contact ct;
	struct store_route rt;
	int64_t id = 0, org = 0;
	enum policy_constituency_action act = PCN_EDIT_ROUTES;
	int r = api_caller_require(a, req, res, &c);
	if (!r)
		r = api_query_allow(req, res, no_query);
	if (!r)
		r = api_path_id(req, res, 0, &id);
	if (r)
		return r;
	if (!strcmp(type, "registration")) {
		r = store_registration_get(a->store, id, &reg);
		org = reg.org_id;
		act = reg.kind == STORE_REG_PRODUCT || reg.kind == STORE_REG_CPE ? PCN_EDIT_PRODUCTS
		                                                                 : PCN_EDIT_NETWORK;
	} else if (!strcmp(type, "contact")) {
		r = store_contact_get(a->store, id, &ct);
		org = ct.org_id;
		act = PCN_EDIT_CONTACTS;
	} else {
		r = store_route_get(a->store, id, &rt);
		org = rt.org_id;
	}
	if (r == KR_ENOTFOUND || (!r && !policy_decide_constituency(&c.actor, org, PCN_VIEW).allow))
		return api_not_found(res);
	if (r)
		return api_fail(res, r, "the registry could not be read");
	r = api_require_write(&c, res);
	if (r)
		return r;
	struct policy_decision d = policy_decide_constituency(&c.actor, org, act);
	if (!d.allow)
		return api_forbidden(res, d.reason);
	r = store_begin(a->store);
	if (r)
		return api_fail(res, r, "the registry could not be changed");
	r = !strcmp(type, "registration") ? store_registration_delete(a->store, id)
	    : !strcmp(type, "contact")    ? store_contact_delete(a->store, id)
	                                  : store_route_delete(a->store, id);
	r = write_end(a, &c, req, res, r, type, id, "delete", "conflict");
	if (!r)
		http_no_content(res);
	return r;
}

static int h_reg_delete(struct http_request *req, struct http_response *res, void *ctx)
{
	return delete_entry(req, res, ctx, "registration");
}

/* ---- contacts ---- */

static int h_contact_list(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct store_contact *arr = NULL;
	size_t n = 0;
	int64_t org = 0;
	int r = api_caller_require(a, req, res, &c);
	if (!r)
		r = api_query_allow(req, res, org_query);
	if (!r)
		r = list_org(a, req, res, &c, &org);
	if (r)
		return r;
	if (org == 0)
		return apia_invalid(res, "org", "name the organisation with ?org=");
	r = store_contact_list(a->store, org, &arr, &n);
	if (r)
		return api_fail(res, r, "the contacts could not be read");
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		if (json_array_append_new(items, contact_json(&arr[i]))) {
			json_decref(items);
			items = NULL;
		}
	}
	store_contact_free(arr);
	return apia_reply(res, 200, items ? json_pack("{s:o}", "items", items) : NULL);
}

static int h_contact_create(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
	    {.name = "organisation_id", .type = AF_INT, .min = 1, .max = INT64_MAX},
	    {.name = "name", .type = AF_STRING, .required = true, .max_len = CORE_NAME_MAX},
	    {.name = "email", .type = AF_STRING, .required = true, .max_len = CORE_EMAIL_MAX},
	    {.name = "language", .type = AF_ENUM, .parse = lang_parse},
	    {.name = NULL},
	};
	struct api *a = ctx;
	struct api_caller c;
	struct store_contact ct;
	json_t *body = NULL;
	int64_t org = 0;
	const char *why = NULL;
	int r = api_caller_require(a, req, res, &c);
	if (!r)
		r = api_query_allow(req, res, no_query);
	if (!r)
		r = api_require_write(&c, res);
	if (!r)
		r = api_body_object(req, res, &body);
	if (!r)
		r = api_validate(body, fields, res);
	if (!r)
		r = write_org(a, &c, body, res, PCN_EDIT_CONTACTS, &org);
	if (r)
		goto out;
	memset(&ct, 0, sizeof ct);
	ct.org_id = org;
	r = deliver_contact_parse(api_get_str(body, "name", ""), api_get_str(body, "email", ""),
	                          api_get_str(body, "language", "en"), &ct, &why);
	if (r) {
		apia_invalid(res, why && strstr(why, "name") == why ? "name" : "email",
		             why ? why : "not valid");
		goto out;
	}
	r = store_begin(a->store);
	if (r) {
		api_fail(res, r, "the registry could not be changed");
		goto out;
	}
	r = store_contact_add(a->store, &ct);
	r = write_end(a, &c, req, res, r, "contact", ct.id, "create",
	              "the organisation has this contact already");
	if (!r)
		r = apia_reply(res, 201, contact_json(&ct));
out:
	json_decref(body);
	return r;
}

static int h_contact_delete(struct http_request *req, struct http_response *res, void *ctx)
{
	return delete_entry(req, res, ctx, "contact");
}

/* ---- routes ---- */

static int h_route_list(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct store_route *arr = NULL;
	size_t n = 0;
	int64_t org = 0;
	int r = api_caller_require(a, req, res, &c);
	if (!r)
		r = api_query_allow(req, res, org_query);
	if (!r)
		r = list_org(a, req, res, &c, &org);
	if (r)
		return r;
	if (org == 0)
		return apia_invalid(res, "org", "name the organisation with ?org=");
	r = store_route_list(a->store, org, &arr, &n);
	if (r)
		return api_fail(res, r, "the routes could not be read");
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		if (json_array_append_new(items, route_json(&arr[i]))) {
			json_decref(items);
			items = NULL;
		}
	}
	store_route_free(arr);
	return apia_reply(res, 200, items ? json_pack("{s:o}", "items", items) : NULL);
}

static int h_route_create(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
	    {.name = "organisation_id", .type = AF_INT, .min = 1, .max = INT64_MAX},
	    {.name = "kind", .type = AF_ENUM, .required = true, .parse = store_route_kind_parse},
	    {.name = "via_organisation_id", .type = AF_INT, .min = 1, .max = INT64_MAX},
	    {.name = NULL},
	};
	struct api *a = ctx;
	struct api_caller c;
	struct store_route rt;
	json_t *body = NULL;
	int64_t org = 0;
	const char *why = NULL;
	int r = api_caller_require(a, req, res, &c);
	if (!r)
		r = api_query_allow(req, res, no_query);
	if (!r)
		r = api_require_write(&c, res);
	if (!r)
		r = api_body_object(req, res, &body);
	if (!r)
		r = api_validate(body, fields, res);
	if (!r)
		r = write_org(a, &c, body, res, PCN_EDIT_ROUTES, &org);
	if (r)
		goto out;
	memset(&rt, 0, sizeof rt);
	rt.org_id = org;
	rt.kind = (enum store_route_kind)api_get_enum(body, "kind", store_route_kind_parse, 0);
	rt.via_org_id = api_get_int(body, "via_organisation_id", 0);
	r = deliver_route_check(a->store, org, rt.kind, rt.via_org_id, &why);
	if (r == KR_EINVAL || r == KR_ENOTFOUND) {
		apia_invalid(res, "via_organisation_id", why ? why : "not a usable route");
		goto out;
	}
	if (r) {
		api_fail(res, r, "the organisation could not be read");
		goto out;
	}
	r = store_begin(a->store);
	if (r) {
		api_fail(res, r, "the registry could not be changed");
		goto out;
	}
	r = store_route_add(a->store, &rt);
	r = write_end(a, &c, req, res, r, "route", rt.id, "create",
	              "the organisation has this route already");
	if (!r)
		r = apia_reply(res, 201, route_json(&rt));
out:
	json_decref(body);
	return r;
}

static int h_route_delete(struct http_request *req, struct http_response *res, void *ctx)
{
	return delete_entry(req, res, ctx, "route");
}

/* ---- runs ---- */

struct body_source {
	const char *data;
	size_t len, pos;
};

static int body_read(void *ctx, void *buf, size_t n, size_t *got)
{
	struct body_source *b = ctx;
	*got = b->len - b->pos < n ? b->len - b->pos : n;
	memcpy(buf, b->data + b->pos, *got);
	b->pos += *got;
	return 0;
}

static int require_run_right(const struct api_caller *c, struct http_response *res)
{
	struct policy_decision d = policy_decide_constituency(&c->actor, 0, PCN_RUN);
	if (d.allow)
		return 0;
	/* runs are invisible to everyone else */
	return api_not_found(res);
}

static int h_run_create(struct http_request *req, struct http_response *res, void *ctx)
{
	static const char *const allowed[] = {"type", "name", "dry_run", NULL};
	struct api *a = ctx;
	struct api_caller c;
	struct deliver_run_summary sum;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hash[65], err[512];
	int r = api_caller_require(a, req, res, &c);
	if (!r)
		r = api_query_allow(req, res, allowed);
	if (!r)
		r = require_run_right(&c, res);
	if (!r)
		r = api_require_write(&c, res);
	if (r)
		return r;
	const char *type = http_query(req, "type");
	const char *name = http_query(req, "name");
	const char *dry = http_query(req, "dry_run");
	if (type && !*type)
		type = NULL;
	if (name &&
	    (strlen(name) > STORE_RUN_NAME_MAX || !core_utf8_valid(name, strlen(name), false))) {
		http_problem(res, 400, "bad-query", "Bad query parameter",
		             "name is at most 255 bytes of text", NULL);
		return KR_EINVAL;
	}
	if (dry && strcmp(dry, "true") != 0 && strcmp(dry, "false") != 0) {
		http_problem(res, 400, "bad-query", "Bad query parameter",
		             "dry_run is true or false", NULL);
		return KR_EINVAL;
	}
	if (type && !notify_type_known(type))
		return apia_invalid(res, "type",
		                    "unknown type (shadowserver, list, stix, advisory "
		                    "or a Shadowserver report type)");
	if (req->body_len == 0)
		return apia_invalid(res, "body",
		                    "the body is the input file and must not be empty");
	crypto_hash_sha256(digest, (const unsigned char *)req->body, req->body_len);
	sodium_bin2hex(hash, sizeof hash, digest, sizeof digest);
	struct body_source bs = {.data = req->body, .len = req->body_len};
	struct deliver_source src = {.read = body_read, .ctx = &bs, .total = req->body_len};
	struct deliver_run_options o = {.input_hash = hash,
	                                .input_name = name ? name : "upload",
	                                .type = type,
	                                .dry_run = dry && !strcmp(dry, "true"),
	                                .person_id = c.actor.person_id};
	r = deliver_run_prepare(a->store, &notify_cfg, notify_cat, &o, &src, &sum, err, sizeof err);
	if (r) {
		log_error("notify run: %s", err);
		return api_fail(res, r, "the run could not be prepared");
	}
	if (sum.run.id && !sum.existing)
		api_audit(a, &c, req, AUDIT_WRITE, 0, "notify-run", sum.run.id, "create");
	/* a new run, or one found again with messages left: send them now */
	if (sum.run.id && !o.dry_run && a->on_queued)
		a->on_queued(a->on_queued_ctx);
	json_t *j = run_json(&sum.run);
	json_t *rej = json_array();
	for (size_t i = 0; rej && i < sum.nrejects; i++)
		json_array_append_new(rej, json_pack("{s:I,s:I,s:s}", "row",
		                                     (json_int_t)sum.rejects[i].row, "line",
		                                     (json_int_t)sum.rejects[i].line, "reason",
		                                     sum.rejects[i].reason));
	if (j && rej) {
		json_object_set_new(j, "dry_run", json_boolean(o.dry_run));
		json_object_set_new(j, "existing", json_boolean(sum.existing));
		json_object_set_new(j, "rejected", rej);
		rej = NULL;
		if (o.dry_run)
			json_object_set_new(j, "id", json_null());
	} else {
		json_decref(j);
		j = NULL;
	}
	json_decref(rej);
	return apia_reply(res, o.dry_run || sum.existing ? 200 : 201, j);
}

static int h_run_list(struct http_request *req, struct http_response *res, void *ctx)
{
	static const char *const allowed[] = {"cursor", "limit", NULL};
	struct api *a = ctx;
	struct api_caller c;
	struct store_notify_run *arr = NULL;
	size_t n = 0;
	int64_t cursor = 0;
	int limit = 0;
	int r = api_caller_require(a, req, res, &c);
	if (!r)
		r = api_query_allow(req, res, allowed);
	if (!r)
		r = require_run_right(&c, res);
	if (!r)
		r = apia_page_params(req, res, &cursor, &limit);
	if (r)
		return r;
	r = store_notify_run_list(a->store, cursor, limit, &arr, &n);
	if (r)
		return api_fail(res, r, "the runs could not be read");
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		if (json_array_append_new(items, run_json(&arr[i]))) {
			json_decref(items);
			items = NULL;
		}
	}
	int64_t next = n == (size_t)limit ? arr[n - 1].id : 0;
	store_notify_run_free(arr);
	return apia_reply(res, 200, items ? api_page(items, next) : NULL);
}

static int h_run_get(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct store_notify_run run;
	struct store_notify_reject *rj = NULL;
	struct store_outbox *ob = NULL;
	size_t nrj = 0, nob = 0;
	int64_t id = 0;
	json_t *j = NULL, *rej = NULL, *msgs = NULL;
	int r = api_caller_require(a, req, res, &c);
	if (!r)
		r = api_query_allow(req, res, no_query);
	if (!r)
		r = require_run_right(&c, res);
	if (!r)
		r = api_path_id(req, res, 0, &id);
	if (r)
		return r;
	r = store_notify_run_get(a->store, id, &run);
	if (r == KR_ENOTFOUND)
		return api_not_found(res);
	if (!r)
		r = store_notify_reject_list(a->store, id, &rj, &nrj);
	if (!r)
		r = store_outbox_list(a->store, id, 0, RUN_MESSAGES_SHOWN, &ob, &nob);
	if (r) {
		api_fail(res, r, "the run could not be read");
		goto out;
	}
	j = run_json(&run);
	rej = json_array();
	msgs = json_array();
	for (size_t i = 0; rej && i < nrj; i++)
		json_array_append_new(rej, json_pack("{s:I,s:I,s:s}", "row", (json_int_t)rj[i].row,
		                                     "line", (json_int_t)rj[i].line, "reason",
		                                     rj[i].reason));
	for (size_t i = 0; msgs && i < nob; i++)
		json_array_append_new(msgs, message_json(&ob[i]));
	if (j && rej && msgs) {
		json_object_set_new(j, "rejected", rej);
		json_object_set_new(j, "notifications", msgs);
		rej = msgs = NULL;
	} else {
		json_decref(j);
		j = NULL;
	}
	r = apia_reply(res, 200, j);
out:
	json_decref(rej);
	json_decref(msgs);
	store_notify_reject_free(rj);
	store_outbox_free(ob);
	return r;
}

/* ---- acknowledgement ---- */

/* The SHA-256 of a well-formed token (64 lower-case hex digits). */
static int ack_hash(struct http_request *req, struct http_response *res, char hash[65])
{
	const char *t = req->nparams > 0 ? req->params[0] : "";
	size_t n = strlen(t);
	bool ok = n == 64;
	for (size_t i = 0; ok && i < n; i++)
		ok = (t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f');
	if (!ok)
		return api_not_found(res);
	hash_sha256_hex(t, n, hash);
	return 0;
}

static json_t *ack_json(const struct store_outbox *o)
{
	return json_pack("{s:s,s:o,s:o}", "state",
	                 o->state == STORE_OUTBOX_ACKNOWLEDGED ? "acknowledged" : "delivered",
	                 "sent", api_time_json(o->sent_at), "acknowledged",
	                 api_time_json(o->acked_at));
}

static int h_ack_get(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct store_outbox o;
	char hash[65];
	int r = api_query_allow(req, res, no_query);
	if (!r)
		r = ack_hash(req, res, hash);
	if (r)
		return r;
	/* Reading never acknowledges: mail scanners follow links. */
	r = store_outbox_get_by_ack(a->store, hash, &o);
	if (r == KR_ENOTFOUND)
		return api_not_found(res);
	if (r)
		return api_fail(res, r, "the acknowledgement could not be read");
	return apia_reply(res, 200, ack_json(&o));
}

static int h_ack_post(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct store_outbox o;
	char hash[65];
	int r = api_query_allow(req, res, no_query);
	if (!r)
		r = ack_hash(req, res, hash);
	if (r)
		return r;
	memset(&o, 0, sizeof o);
	r = store_outbox_acknowledge(a->store, hash, 0, &o);
	if (r == KR_ENOTFOUND)
		return api_not_found(res);
	if (r)
		return api_fail(res, r, "the acknowledgement could not be stored");
	return apia_reply(res, 200, ack_json(&o));
}

int api_notify_register(struct api *a, struct http_server *srv)
{
	static const struct {
		const char *method, *pattern;
		http_handler fn;
	} routes[] = {
	    {"GET", "/api/v1/constituency/registrations", h_reg_list},
	    {"POST", "/api/v1/constituency/registrations", h_reg_create},
	    {"DELETE", "/api/v1/constituency/registrations/:id", h_reg_delete},
	    {"GET", "/api/v1/constituency/contacts", h_contact_list},
	    {"POST", "/api/v1/constituency/contacts", h_contact_create},
	    {"DELETE", "/api/v1/constituency/contacts/:id", h_contact_delete},
	    {"GET", "/api/v1/constituency/routes", h_route_list},
	    {"POST", "/api/v1/constituency/routes", h_route_create},
	    {"DELETE", "/api/v1/constituency/routes/:id", h_route_delete},
	    {"GET", "/api/v1/notify/runs", h_run_list},
	    {"POST", "/api/v1/notify/runs", h_run_create},
	    {"GET", "/api/v1/notify/runs/:id", h_run_get},
	    {"GET", "/api/v1/notify/ack/:token", h_ack_get},
	    {"POST", "/api/v1/notify/ack/:token", h_ack_post},
	};
	struct config cfg;
	char err[256];
	int r = 0;
	if (!notify_cat) {
		config_defaults(&cfg);
		if (a->config)
			cfg = *a->config;
		if ((!a->config && config_load_env(&cfg, err, sizeof err)) ||
		    deliver_config_from(&cfg, &notify_cfg, err, sizeof err)) {
			log_warn("notify: %s; using the defaults", err);
			config_defaults(&cfg);
			r = deliver_config_from(&cfg, &notify_cfg, err, sizeof err);
		}
		if (!r)
			r = notify_catalogue_builtin(&notify_cat);
		if (r)
			return r;
	}
	for (size_t i = 0; !r && i < sizeof routes / sizeof routes[0]; i++)
		r = http_route(srv, routes[i].method, routes[i].pattern, routes[i].fn, a);
	return r;
}
