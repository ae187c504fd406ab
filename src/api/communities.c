/* communities.c - communities, their guidelines, member organisations and
 * representatives. Every permission comes from policy_decide_community();
 * the representative limits from core_rep_check(). */
#include "api/api.h"
#include "api/apia_util.h"
#include "core/rules.h"
#include "util/alloc.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define MAX_PRIMARY_LIMIT 10

static const char *const no_query[] = { NULL };

static bool may(const struct api_caller *c, int64_t cid, enum policy_community_action act)
{
	return policy_decide_community(&c->actor, cid, act).allow;
}

/* Reads community path[idx] into com if the caller may see it (PC_VIEW);
 * answers 404 else. com is zeroed first, so core_community_release() is
 * always safe afterwards. */
static int load_community(struct api *a, const struct api_caller *c, struct http_request *req,
			  struct http_response *res, int idx, struct core_community *com)
{
	int64_t id = 0;
	memset(com, 0, sizeof *com);
	int r = api_path_id(req, res, idx, &id);
	if (r)
		return r;
	r = store_community_get(a->store, id, com);
	if (r)
		return api_fail(res, r, "no such community");
	if (!may(c, id, PC_VIEW))
		return api_not_found(res);
	return 0;
}

/* List entry: people of member organisations also see the settings that
 * matter to their sharing; others (admins too) see what a community is
 * about. Caller owns the result. */
static json_t *community_list_json(const struct api_caller *c, const struct core_community *com)
{
	const struct policy_membership *m = policy_membership_of(&c->actor, com->id);
	json_t *j = api_community_json(com, false);
	if (!j)
		return NULL;
	if (!m || !m->org_is_member) {
		json_object_del(j, "guidelines");
		json_object_del(j, "guidelines_version");
		json_object_del(j, "max_primary");
		json_object_del(j, "default_tlp");
		return j;
	}
	if (json_object_set_new(j, "guidelines_version", json_integer(com->guidelines_version)) ||
	    json_object_set_new(j, "max_primary", json_integer(com->max_primary)) ||
	    json_object_set_new(j, "default_tlp", json_string(tlp_name(com->default_tlp)))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int h_list(struct http_request *req, struct http_response *res, void *ctx)
{
	static const char *const allowed[] = { "cursor", "limit", NULL };
	struct api *a = ctx;
	struct api_caller c;
	struct core_community *arr = NULL;
	size_t n = 0;
	json_t *items = NULL;
	int64_t cursor = 0, next = 0;
	int limit = 0;
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, allowed);
	if (r)
		goto out;
	r = apia_page_params(req, res, &cursor, &limit);
	if (r)
		goto out;
	r = store_community_list(a->store, cursor, limit, &arr, &n);
	if (r) {
		api_fail(res, r, "the communities could not be read");
		goto out;
	}
	items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		if (!may(&c, arr[i].id, PC_VIEW))
			continue;
		if (json_array_append_new(items, community_list_json(&c, &arr[i]))) {
			json_decref(items);
			items = NULL;
		}
	}
	if (n == (size_t)limit)
		next = arr[n - 1].id;
	json_t *page = items ? api_page(items, next) : NULL;
	items = NULL;
	r = apia_reply(res, 200, page);
out:
	store_community_free(arr, n);
	return r;
}

#define COMMUNITY_FIELDS(req)                                                                  \
	{ .name = "name", .type = AF_STRING, .required = (req), .max_len = CORE_NAME_MAX },    \
	{ .name = "kind", .type = AF_ENUM, .required = (req), .parse = community_kind_parse }, \
	{ .name = "description", .type = AF_TEXT, .max_len = CORE_DESC_MAX },                  \
	{ .name = "guidelines", .type = AF_TEXT, .max_len = CORE_BODY_MAX },                   \
	{ .name = "max_primary", .type = AF_INT, .min = 1, .max = MAX_PRIMARY_LIMIT },         \
	{ .name = "default_tlp", .type = AF_ENUM, .parse = tlp_parse },                        \
	{ .name = NULL }

/* Replaces an owned text of com with a copy of s. */
static int set_text(char **field, const char *s)
{
	char *d = kr_strdup(s);
	if (!d)
		return KR_ENOMEM;
	kr_free(*field);
	*field = d;
	return 0;
}

/* Copies the fields present in a validated body into com; answers 422 for
 * a blank name. 0, KR_EINVAL (answered) or KR_ENOMEM (not answered). */
static int community_apply(json_t *body, struct core_community *com, struct http_response *res)
{
	int r = 0;
	const char *s = api_get_str(body, "name", NULL);
	if (s) {
		if (apia_blank(s))
			return apia_invalid(res, "name", "must not be empty");
		apia_copy(com->name, sizeof com->name, s);
	}
	if (json_object_get(body, "kind"))
		com->kind = (enum community_kind)api_get_enum(body, "kind", community_kind_parse,
							      0);
	s = api_get_str(body, "description", NULL);
	if (s) {
		r = set_text(&com->description, s);
		if (r)
			return r;
	}
	s = api_get_str(body, "guidelines", NULL);
	if (s) {
		r = set_text(&com->guidelines, s);
		if (r)
			return r;
	}
	com->max_primary = (int)api_get_int(body, "max_primary", com->max_primary);
	com->default_tlp = (enum tlp)api_get_enum(body, "default_tlp", tlp_parse,
						  (int)com->default_tlp);
	return 0;
}

static int h_create(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = { COMMUNITY_FIELDS(true) };
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	json_t *body = NULL;
	bool in_tx = false;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	/* A community that does not exist yet has no chair: creating one is an
	 * instance-administrator duty. */
	if (!c.actor.is_admin) {
		r = api_forbidden(res, "only administrators create communities");
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
	com.max_primary = 2;
	com.default_tlp = TLP_AMBER;
	r = community_apply(body, &com, res);
	if (r == KR_EINVAL)
		goto out;
	if (r)
		goto fail;
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_community_create(a->store, &com);
	if (r)
		goto fail;
	r = api_audit(a, &c, req, AUDIT_WRITE, com.id, "community", com.id, "create");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	r = apia_reply(res, 201, api_community_json(&com, true));
	goto out;
fail:
	api_fail(res, r, r == KR_ECONFLICT ? "a community with that name exists"
					   : "the community could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	core_community_release(&com);
	json_decref(body);
	return r;
}

static int h_get(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_community(a, &c, req, res, 0, &com);
	if (r)
		goto out;
	r = apia_reply(res, 200, api_community_json(&com, true));
out:
	core_community_release(&com);
	return r;
}

static int h_patch(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = { COMMUNITY_FIELDS(false) };
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	json_t *body = NULL;
	bool in_tx = false;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_community(a, &c, req, res, 0, &com);
	if (r)
		goto out;
	r = api_require_write(&c, res);
	if (r)
		goto out;
	if (!may(&c, com.id, PC_MANAGE)) {
		r = api_forbidden(res, "only the chair, vice-chair, secretary or an administrator "
				       "may change a community");
		goto out;
	}
	r = api_body_object(req, res, &body);
	if (r)
		goto out;
	r = api_validate(body, fields, res);
	if (r)
		goto out;
	int old_version = com.guidelines_version;
	r = community_apply(body, &com, res);
	if (r == KR_EINVAL)
		goto out;
	if (r)
		goto fail;
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_community_update(a->store, &com);
	if (r)
		goto fail;
	char detail[64];
	if (com.guidelines_version != old_version)
		snprintf(detail, sizeof detail, "update guidelines v=%d", com.guidelines_version);
	else
		snprintf(detail, sizeof detail, "update");
	r = api_audit(a, &c, req, AUDIT_WRITE, com.id, "community", com.id, detail);
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	r = apia_reply(res, 200, api_community_json(&com, true));
	goto out;
fail:
	api_fail(res, r, r == KR_ECONFLICT ? "a community with that name exists"
					   : "the community could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	core_community_release(&com);
	json_decref(body);
	return r;
}

/* Whether the caller's organisation applies to cid right now. */
static int org_is_applying(struct api *a, int64_t cid, int64_t org_id, bool *applying)
{
	struct core_application *apps = NULL;
	size_t n = 0;
	*applying = false;
	int r = store_application_list(a->store, cid, APP_PENDING, &apps, &n);
	for (size_t i = 0; !r && i < n; i++) {
		if (apps[i].org_id == org_id)
			*applying = true;
	}
	store_application_free(apps);
	return r;
}

static int h_accept(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
		{ .name = "version", .type = AF_INT, .required = true, .min = 1, .max = INT32_MAX },
		{ .name = NULL },
	};
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	json_t *body = NULL;
	bool in_tx = false;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_community(a, &c, req, res, 0, &com);
	if (r)
		goto out;
	/* Guidelines concern those inside or on their way in: a membership row
	 * (as the policy knows it) or a pending application. */
	bool concerned = policy_membership_of(&c.actor, com.id) != NULL;
	if (!concerned) {
		r = org_is_applying(a, com.id, c.actor.org_id, &concerned);
		if (r)
			goto fail;
	}
	if (!concerned) {
		r = api_not_found(res);
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
	int version = (int)api_get_int(body, "version", 0);
	if (version != com.guidelines_version) {
		char detail[96];
		snprintf(detail, sizeof detail, "the current guidelines version is %d",
			 com.guidelines_version);
		r = api_fail(res, KR_ECONFLICT, detail);
		goto out;
	}
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_guidelines_accept(a->store, com.id, c.person.id, version);
	if (r)
		goto fail;
	char detail[64];
	snprintf(detail, sizeof detail, "accept guidelines v=%d", version);
	r = api_audit(a, &c, req, AUDIT_WRITE, com.id, "guidelines", com.id, detail);
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	r = apia_reply(res, 200, json_pack("{s:i}", "accepted_version", version));
	goto out;
fail:
	api_fail(res, r, "the acceptance could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	core_community_release(&com);
	json_decref(body);
	return r;
}

/* ---- members ---- */

/* One representative entry; caller owns the result. */
static json_t *rep_json(const struct api_caller *c, const struct core_person *p,
			const struct core_representative *rep)
{
	return json_pack("{s:o,s:s,s:s}", "person",
			 api_person_json(p, apia_shows_email(c, p)), "kind",
			 rep_kind_name(rep->kind), "role", role_name(rep->role));
}

/* The members-list entry of membership m, with the organisation's
 * representatives among reps. *out is owned by the caller. */
static int member_json(struct api *a, const struct api_caller *c, const struct core_membership *m,
		       const struct core_representative *reps, size_t nreps, json_t **out)
{
	struct core_org org;
	struct core_person p;
	json_t *list = NULL;
	*out = NULL;
	int r = store_org_get(a->store, m->org_id, &org);
	if (r)
		goto out;
	list = json_array();
	if (!list) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nreps; i++) {
		if (reps[i].org_id != m->org_id)
			continue;
		r = store_person_get(a->store, reps[i].person_id, &p);
		if (r == KR_ENOTFOUND)
			continue;
		if (r)
			goto out;
		if (json_array_append_new(list, rep_json(c, &p, &reps[i]))) {
			r = KR_ENOMEM;
			goto out;
		}
	}
	*out = json_pack("{s:o,s:s,s:o,s:O}", "organisation", api_org_json(&org), "status",
			 membership_status_name(m->status), "since", api_time_json(m->since),
			 "representatives", list);
	if (!*out)
		r = KR_ENOMEM;
out:
	json_decref(list);
	return r;
}

static int h_members(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	struct core_membership *ms = NULL;
	struct core_representative *reps = NULL;
	size_t nms = 0, nreps = 0;
	json_t *items = NULL;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_community(a, &c, req, res, 0, &com);
	if (r)
		goto out;
	if (!may(&c, com.id, PC_VIEW_MEMBERS)) {
		r = api_not_found(res);
		goto out;
	}
	r = store_membership_list(a->store, com.id, &ms, &nms);
	if (r)
		goto fail;
	r = store_rep_list(a->store, com.id, 0, &reps, &nreps);
	if (r)
		goto fail;
	items = json_array();
	if (!items) {
		r = KR_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < nms; i++) {
		json_t *j = NULL;
		if (ms[i].status != MS_MEMBER)
			continue; /* applicants are seen through their application */
		r = member_json(a, &c, &ms[i], reps, nreps, &j);
		if (r == KR_ENOTFOUND)
			continue;
		if (r)
			goto fail;
		if (json_array_append_new(items, j)) {
			r = KR_ENOMEM;
			goto fail;
		}
	}
	json_t *page = api_page(items, 0);
	items = NULL;
	r = apia_reply(res, 200, page);
	goto out;
fail:
	api_fail(res, r, "the members could not be read");
out:
	json_decref(items);
	store_membership_free(ms);
	store_rep_free(reps);
	core_community_release(&com);
	return r;
}

static int h_add_member(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
		{ .name = "organisation_id", .type = AF_INT, .required = true, .min = 1,
		  .max = INT64_MAX },
		{ .name = NULL },
	};
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	struct core_org org;
	struct core_membership m;
	json_t *body = NULL;
	json_t *j = NULL;
	bool in_tx = false;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_community(a, &c, req, res, 0, &com);
	if (r)
		goto out;
	r = api_require_write(&c, res);
	if (r)
		goto out;
	if (!may(&c, com.id, PC_ADD_MEMBER)) {
		r = api_forbidden(res, "only administrators add founding members; others apply");
		goto out;
	}
	r = api_body_object(req, res, &body);
	if (r)
		goto out;
	r = api_validate(body, fields, res);
	if (r)
		goto out;
	int64_t org_id = api_get_int(body, "organisation_id", 0);
	r = store_org_get(a->store, org_id, &org);
	if (r == KR_ENOTFOUND) {
		r = apia_invalid(res, "organisation_id", "no such organisation");
		goto out;
	}
	if (r)
		goto fail;
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_membership_get(a->store, com.id, org_id, &m);
	if (r == 0 && m.status == MS_MEMBER) {
		r = api_fail(res, KR_ECONFLICT, "the organisation is already a member");
		goto out;
	}
	if (r && r != KR_ENOTFOUND)
		goto fail;
	m.community_id = com.id;
	m.org_id = org_id;
	m.status = MS_MEMBER;
	m.since = time_now_ms();
	r = store_membership_set(a->store, &m);
	if (r)
		goto fail;
	r = api_audit(a, &c, req, AUDIT_WRITE, com.id, "membership", org_id, "add member");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	r = member_json(a, &c, &m, NULL, 0, &j);
	if (r)
		goto fail;
	r = apia_reply(res, 201, j);
	goto out;
fail:
	api_fail(res, r, "the membership could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	core_community_release(&com);
	json_decref(body);
	return r;
}

/* ---- representatives ---- */

/* Loads the community and checks that the caller may set its
 * representatives: invisible member lists answer 404, visible ones 403. */
static int load_for_reps(struct api *a, const struct api_caller *c, struct http_request *req,
			 struct http_response *res, struct core_community *com)
{
	int r = load_community(a, c, req, res, 0, com);
	if (r)
		return r;
	if (!may(c, com->id, PC_VIEW_MEMBERS) && !may(c, com->id, PC_SET_REPS))
		return api_not_found(res);
	r = api_require_write(c, res);
	if (r)
		return r;
	if (!may(c, com->id, PC_SET_REPS))
		return api_forbidden(res, "only the chair, the secretary or an administrator "
					  "may set representatives");
	return 0;
}

static int h_rep_put(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
		{ .name = "kind", .type = AF_ENUM, .required = true, .parse = rep_kind_parse },
		{ .name = "role", .type = AF_ENUM, .parse = role_parse },
		{ .name = NULL },
	};
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	struct core_person p;
	struct core_membership m;
	struct core_representative *reps = NULL;
	size_t nreps = 0;
	json_t *body = NULL;
	int64_t pid = 0;
	bool in_tx = false, vis = false;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_for_reps(a, &c, req, res, &com);
	if (r)
		goto out;
	r = api_path_id(req, res, 1, &pid);
	if (r)
		goto out;
	r = api_body_object(req, res, &body);
	if (r)
		goto out;
	r = api_validate(body, fields, res);
	if (r)
		goto out;
	/* Whoever sets this community's representatives must be able to name
	 * the people of its member organisations, so those count as visible
	 * here; anyone else must be visible in the directory, and an invisible
	 * person is answered like one that does not exist. */
	r = store_person_get(a->store, pid, &p);
	if (r == KR_ENOTFOUND) {
		r = apia_invalid(res, "person_id", "no such person");
		goto out;
	}
	if (r)
		goto fail;
	r = store_membership_get(a->store, com.id, p.org_id, &m);
	if (r && r != KR_ENOTFOUND)
		goto fail;
	bool member_org = r == 0 && m.status == MS_MEMBER;
	if (!member_org) {
		r = apia_person_visible(a, &c, &p, &vis);
		if (r)
			goto fail;
		r = apia_invalid(res, "person_id",
				 vis ? "the person's organisation is not a member of this community"
				     : "no such person");
		goto out;
	}
	if (p.disabled) {
		r = apia_invalid(res, "person_id", "the person is disabled");
		goto out;
	}
	struct core_representative next = {
		.community_id = com.id,
		.person_id = p.id,
		.org_id = p.org_id,
		.kind = (enum rep_kind)api_get_enum(body, "kind", rep_kind_parse, REP_PRIMARY),
		.role = (enum role)api_get_enum(body, "role", role_parse, ROLE_MEMBER),
	};
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	/* Checked against the rows inside the transaction, so two changes
	 * cannot both pass the limits. */
	r = store_rep_list(a->store, com.id, 0, &reps, &nreps);
	if (r)
		goto fail;
	const char *why = NULL;
	r = core_rep_check(reps, nreps, &next, com.max_primary, &why);
	if (r) {
		api_fail(res, r, why ? why : "the representatives would break a limit");
		goto out;
	}
	r = store_rep_set(a->store, &next);
	if (r)
		goto fail;
	char detail[96];
	snprintf(detail, sizeof detail, "set representative %s %s", rep_kind_name(next.kind),
		 role_name(next.role));
	r = api_audit(a, &c, req, AUDIT_WRITE, com.id, "representative", p.id, detail);
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	r = apia_reply(res, 200, rep_json(&c, &p, &next));
	goto out;
fail:
	api_fail(res, r, "the representative could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	store_rep_free(reps);
	core_community_release(&com);
	json_decref(body);
	return r;
}

static int h_rep_delete(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	struct core_representative rep;
	int64_t pid = 0;
	bool in_tx = false;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_for_reps(a, &c, req, res, &com);
	if (r)
		goto out;
	r = api_path_id(req, res, 1, &pid);
	if (r)
		goto out;
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_rep_get(a->store, com.id, pid, &rep);
	if (r)
		goto fail;
	r = store_rep_remove(a->store, com.id, pid);
	if (r)
		goto fail;
	r = api_audit(a, &c, req, AUDIT_WRITE, com.id, "representative", pid,
		      "remove representative");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	http_no_content(res);
	goto out;
fail:
	api_fail(res, r, r == KR_ENOTFOUND ? "no such representative"
					   : "the representative could not be removed");
out:
	if (in_tx)
		store_rollback(a->store);
	core_community_release(&com);
	return r;
}

int api_communities_register(struct api *a, struct http_server *srv)
{
	static const struct {
		const char *method;
		const char *pattern;
		http_handler fn;
	} routes[] = {
		{ "GET", "/api/v1/communities", h_list },
		{ "POST", "/api/v1/communities", h_create },
		{ "GET", "/api/v1/communities/:id", h_get },
		{ "PATCH", "/api/v1/communities/:id", h_patch },
		{ "POST", "/api/v1/communities/:id/guidelines/accept", h_accept },
		{ "GET", "/api/v1/communities/:id/members", h_members },
		{ "POST", "/api/v1/communities/:id/members", h_add_member },
		{ "PUT", "/api/v1/communities/:id/representatives/:person_id", h_rep_put },
		{ "DELETE", "/api/v1/communities/:id/representatives/:person_id", h_rep_delete },
	};
	int r = 0;
	for (size_t i = 0; !r && i < sizeof routes / sizeof routes[0]; i++)
		r = http_route(srv, routes[i].method, routes[i].pattern, routes[i].fn, a);
	return r;
}
