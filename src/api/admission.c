/* admission.c - applications for membership of a community and the
 * unanimous vote on them. Permissions come from policy_decide_community();
 * the outcome of a vote from core_admission_outcome(), written in the same
 * transaction as the vote.
 *
 * A rejected application leaves no membership row: the application itself
 * carries the "rejected" status, and the organisation may apply again. */
#include "api/api.h"
#include "api/apia_util.h"
#include "core/rules.h"
#include "util/alloc.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

static const char *const no_query[] = { NULL };

static bool may(const struct api_caller *c, int64_t cid, enum policy_community_action act)
{
	return policy_decide_community(&c->actor, cid, act).allow;
}

static int vote_parse(const char *s)
{
	if (strcmp(s, "yes") == 0)
		return VOTE_YES;
	if (strcmp(s, "no") == 0)
		return VOTE_NO;
	return -1;
}

static const char *vote_name(enum vote v)
{
	return v == VOTE_YES ? "yes" : "no";
}

/* Who sees an application: those who see the community's members (its
 * member organisations and admins, per policy) and the people of the
 * applying organisation. Everyone else gets 404. */
static bool app_visible(const struct api_caller *c, const struct core_application *app)
{
	return may(c, app->community_id, PC_VIEW_MEMBERS) || app->org_id == c->actor.org_id;
}

/* Reads community path[0] into com if the caller may see it (PC_VIEW);
 * answers 404 else. com is zeroed first, so releasing it is always safe. */
static int load_community(struct api *a, const struct api_caller *c, struct http_request *req,
			  struct http_response *res, struct core_community *com)
{
	int64_t id = 0;
	memset(com, 0, sizeof *com);
	int r = api_path_id(req, res, 0, &id);
	if (r)
		return r;
	r = store_community_get(a->store, id, com);
	if (r)
		return api_fail(res, r, "no such community");
	if (!may(c, id, PC_VIEW))
		return api_not_found(res);
	return 0;
}

/* Reads application path[1] of community cid if the caller may see it;
 * answers 404 else (also for an application of another community). */
static int load_app(struct api *a, const struct api_caller *c, struct http_request *req,
		    struct http_response *res, int64_t cid, struct core_application *app)
{
	int64_t id = 0;
	int r = api_path_id(req, res, 1, &id);
	if (r)
		return r;
	r = store_application_get(a->store, id, app);
	if (r)
		return api_fail(res, r, "no such application");
	if (app->community_id != cid || !app_visible(c, app))
		return api_not_found(res);
	return 0;
}

int api_admission_voters(struct api *a, const struct core_application *app, int64_t **out,
			 size_t *n)
{
	struct core_membership *ms = NULL;
	size_t nms = 0;
	*out = NULL;
	*n = 0;
	int r = store_membership_list(a->store, app->community_id, &ms, &nms);
	if (r)
		goto out;
	*out = kr_calloc(nms ? nms : 1, sizeof **out);
	if (!*out) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nms; i++) {
		if (ms[i].status == MS_MEMBER && ms[i].org_id != app->org_id)
			(*out)[(*n)++] = ms[i].org_id;
	}
out:
	store_membership_free(ms);
	return r;
}

/* The tally of app for those who may see every vote. Caller owns *out. */
static int tally_json(struct api *a, const struct core_application *app,
		      const struct core_vote *votes, size_t nvotes, json_t **out)
{
	int64_t *orgs = NULL;
	size_t norgs = 0;
	json_t *list = NULL;
	int yes = 0, no = 0, outstanding = 0;
	*out = NULL;
	int r = api_admission_voters(a, app, &orgs, &norgs);
	if (r)
		goto out;
	list = json_array();
	if (!list) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nvotes; i++) {
		if (votes[i].vote == VOTE_YES)
			yes++;
		else
			no++;
		json_t *v = json_pack("{s:I,s:s,s:o}", "organisation_id",
				      (json_int_t)votes[i].voter_org_id, "vote",
				      vote_name(votes[i].vote), "cast",
				      api_time_json(votes[i].cast));
		if (json_array_append_new(list, v)) {
			r = KR_ENOMEM;
			goto out;
		}
	}
	/* Only a pending application waits for anyone. */
	for (size_t i = 0; app->status == APP_PENDING && i < norgs; i++) {
		bool voted = false;
		for (size_t k = 0; k < nvotes && !voted; k++)
			voted = votes[k].voter_org_id == orgs[i];
		if (!voted)
			outstanding++;
	}
	*out = json_pack("{s:i,s:i,s:i,s:O}", "yes", yes, "no", no, "outstanding", outstanding,
			 "votes", list);
	if (!*out)
		r = KR_ENOMEM;
out:
	json_decref(list);
	kr_free(orgs);
	return r;
}

/* Application JSON as the caller may see it: the tally only with
 * PC_VIEW_TALLY, otherwise just the caller's organisation's vote. *out is
 * owned by the caller. */
static int app_json(struct api *a, const struct api_caller *c, const struct core_application *app,
		    json_t **out)
{
	struct core_org org;
	struct core_vote *votes = NULL;
	size_t nvotes = 0;
	json_t *reps = NULL;
	json_t *org_j = NULL;
	json_t *mine = NULL;
	json_t *j = NULL;
	*out = NULL;
	int r = store_org_get(a->store, app->org_id, &org);
	if (r == 0)
		org_j = api_org_json(&org);
	else if (r == KR_ENOTFOUND)
		org_j = json_null();
	else
		goto out;
	r = store_vote_list(a->store, app->id, &votes, &nvotes);
	if (r)
		goto out;
	for (size_t i = 0; i < nvotes && !mine; i++) {
		if (votes[i].voter_org_id == c->actor.org_id)
			mine = json_string(vote_name(votes[i].vote));
	}
	if (!mine)
		mine = json_null();
	reps = json_array();
	for (int i = 0; reps && i < app->nproposed; i++) {
		if (json_array_append_new(reps, json_integer(app->proposed[i]))) {
			json_decref(reps);
			reps = NULL;
		}
	}
	j = json_pack("{s:I,s:I,s:O,s:s,s:O,s:s,s:o,s:o,s:O}", "id", (json_int_t)app->id,
		      "community_id", (json_int_t)app->community_id, "organisation", org_j,
		      "status", app_status_name(app->status), "representatives", reps,
		      "motivation", app->motivation, "created", api_time_json(app->created),
		      "decided", api_time_json(app->decided), "my_vote", mine);
	if (!j) {
		r = KR_ENOMEM;
		goto out;
	}
	if (may(c, app->community_id, PC_VIEW_TALLY)) {
		json_t *t = NULL;
		r = tally_json(a, app, votes, nvotes, &t);
		if (r)
			goto out;
		if (json_object_set_new(j, "tally", t)) {
			r = KR_ENOMEM;
			goto out;
		}
	}
	*out = j;
	j = NULL;
out:
	json_decref(j);
	json_decref(reps);
	json_decref(org_j);
	json_decref(mine);
	store_vote_free(votes);
	return r;
}

static int reply_app(struct api *a, const struct api_caller *c, struct http_response *res,
		     int status, const struct core_application *app)
{
	json_t *j = NULL;
	int r = app_json(a, c, app, &j);
	if (r)
		return api_fail(res, r, "the application could not be read");
	return apia_reply(res, status, j);
}

/* Checks the proposed representatives of a new application: 1..limit
 * distinct, enabled people of organisation org_id. Answers 422. */
static int check_proposed(struct api *a, struct http_response *res, int64_t org_id,
			  const int64_t *ids, int n, int limit)
{
	char detail[128];
	if (n < 1)
		return apia_invalid(res, "representatives", "name at least one person");
	if (n > limit) {
		snprintf(detail, sizeof detail, "at most %d people may be proposed", limit);
		return apia_invalid(res, "representatives", detail);
	}
	for (int i = 0; i < n; i++) {
		struct core_person p;
		for (int k = 0; k < i; k++) {
			if (ids[k] == ids[i])
				return apia_invalid(res, "representatives",
						    "a person is named twice");
		}
		int r = store_person_get(a->store, ids[i], &p);
		if (r && r != KR_ENOTFOUND)
			return api_fail(res, r, "the people could not be read");
		if (r || p.org_id != org_id || p.disabled) {
			snprintf(detail, sizeof detail,
				 "person %lld is not an active person of the organisation",
				 (long long)ids[i]);
			return apia_invalid(res, "representatives", detail);
		}
	}
	return 0;
}

static int h_apply(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
		{ .name = "organisation_id", .type = AF_INT, .required = true, .min = 1,
		  .max = INT64_MAX },
		{ .name = "representatives", .type = AF_INT_ARRAY, .required = true,
		  .max_items = CORE_PROPOSED_MAX },
		{ .name = "motivation", .type = AF_TEXT, .max_len = CORE_DESC_MAX },
		{ .name = NULL },
	};
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	struct core_org org;
	struct core_membership m;
	struct core_application app;
	struct core_application *pending = NULL;
	size_t npending = 0;
	json_t *body = NULL;
	bool in_tx = false;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_community(a, &c, req, res, &com);
	if (r)
		goto out;
	r = api_require_write(&c, res);
	if (r)
		goto out;
	r = api_body_object(req, res, &body);
	if (r)
		goto out;
	r = api_validate(body, fields, res);
	if (r)
		goto out;
	int64_t org_id = api_get_int(body, "organisation_id", 0);
	bool own = org_id == c.actor.org_id;
	if (!own && !c.actor.is_admin) {
		r = api_forbidden(res, "people apply for their own organisation only");
		goto out;
	}
	r = store_org_get(a->store, org_id, &org);
	if (r == KR_ENOTFOUND) {
		r = apia_invalid(res, "organisation_id", "no such organisation");
		goto out;
	}
	if (r)
		goto fail;
	r = store_membership_get(a->store, com.id, org_id, &m);
	if (r && r != KR_ENOTFOUND)
		goto fail;
	if (r == 0 && m.status == MS_MEMBER) {
		r = api_fail(res, KR_ECONFLICT, "the organisation is already a member");
		goto out;
	}
	/* Admins may apply on behalf of any organisation; a person applies
	 * for their own as the policy allows. */
	if (!c.actor.is_admin && !may(&c, com.id, PC_APPLY)) {
		r = api_forbidden(res, "you may not apply to this community");
		goto out;
	}
	memset(&app, 0, sizeof app);
	app.community_id = com.id;
	app.org_id = org_id;
	app.status = APP_PENDING;
	app.nproposed = api_get_int_array(body, "representatives", app.proposed,
					  CORE_PROPOSED_MAX);
	int limit = com.max_primary < CORE_PROPOSED_MAX ? com.max_primary : CORE_PROPOSED_MAX;
	r = check_proposed(a, res, org_id, app.proposed, app.nproposed, limit);
	if (r)
		goto out;
	apia_copy(app.motivation, sizeof app.motivation, api_get_str(body, "motivation", ""));

	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_application_list(a->store, com.id, APP_PENDING, &pending, &npending);
	if (r)
		goto fail;
	for (size_t i = 0; i < npending; i++) {
		if (pending[i].org_id == org_id) {
			r = api_fail(res, KR_ECONFLICT,
				     "an application of this organisation is pending");
			goto out;
		}
	}
	r = store_application_create(a->store, &app);
	if (r)
		goto fail;
	r = api_audit(a, &c, req, AUDIT_WRITE, com.id, "application", app.id, "apply");
	if (r)
		goto fail;
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	r = reply_app(a, &c, res, 201, &app);
	goto out;
fail:
	api_fail(res, r, "the application could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	store_application_free(pending);
	core_community_release(&com);
	json_decref(body);
	return r;
}

static int h_list(struct http_request *req, struct http_response *res, void *ctx)
{
	static const char *const allowed[] = { "status", NULL };
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	struct core_application *apps = NULL;
	size_t n = 0;
	json_t *items = NULL;
	int status = -1;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, allowed);
	if (r)
		goto out;
	r = api_query_enum(req, res, "status", app_status_parse, &status);
	if (r)
		goto out;
	r = load_community(a, &c, req, res, &com);
	if (r)
		goto out;
	r = store_application_list(a->store, com.id, -1, &apps, &n);
	if (r)
		goto fail;
	/* The list exists for those who see at least one application in it:
	 * members and admins, and the people of an organisation that applied. */
	bool any = false;
	for (size_t i = 0; i < n && !any; i++)
		any = app_visible(&c, &apps[i]);
	if (!any && !may(&c, com.id, PC_VIEW_MEMBERS)) {
		r = api_not_found(res);
		goto out;
	}
	items = json_array();
	if (!items) {
		r = KR_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *j = NULL;
		if (status >= 0 && (int)apps[i].status != status)
			continue;
		if (!app_visible(&c, &apps[i]))
			continue;
		r = app_json(a, &c, &apps[i], &j);
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
	api_fail(res, r, "the applications could not be read");
out:
	json_decref(items);
	store_application_free(apps);
	core_community_release(&com);
	return r;
}

static int h_get(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	struct core_application app;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_community(a, &c, req, res, &com);
	if (r)
		goto out;
	r = load_app(a, &c, req, res, com.id, &app);
	if (r)
		goto out;
	r = reply_app(a, &c, res, 200, &app);
out:
	core_community_release(&com);
	return r;
}

/* The admitted organisation becomes a member and its proposed people
 * primary representatives. A proposed person who has left the
 * organisation, is disabled, already represents it, or would break the
 * limits (max_primary may have been lowered meanwhile) is skipped: the
 * chair can set representatives later. */
static int admit(struct api *a, const struct core_community *com,
		 const struct core_application *app, int64_t now)
{
	struct core_membership m = { .community_id = com->id, .org_id = app->org_id,
				     .status = MS_MEMBER, .since = now };
	int r = store_membership_set(a->store, &m);
	if (r)
		return r;
	for (int i = 0; i < app->nproposed; i++) {
		struct core_person p;
		struct core_representative cur;
		struct core_representative *reps = NULL;
		size_t nreps = 0;
		const char *why = NULL;
		r = store_person_get(a->store, app->proposed[i], &p);
		if (r == KR_ENOTFOUND)
			continue;
		if (r)
			return r;
		if (p.org_id != app->org_id || p.disabled)
			continue;
		r = store_rep_get(a->store, com->id, p.id, &cur);
		if (r == 0)
			continue;
		if (r != KR_ENOTFOUND)
			return r;
		struct core_representative next = { .community_id = com->id, .person_id = p.id,
						    .org_id = p.org_id, .kind = REP_PRIMARY,
						    .role = ROLE_MEMBER };
		r = store_rep_list(a->store, com->id, 0, &reps, &nreps);
		if (r)
			return r;
		bool fits = core_rep_check(reps, nreps, &next, com->max_primary, &why) == 0;
		store_rep_free(reps);
		if (!fits)
			continue;
		r = store_rep_set(a->store, &next);
		if (r)
			return r;
	}
	return store_application_set_status(a->store, app->id, APP_ADMITTED, now);
}

int api_admission_decide(struct api *a, const struct core_community *com,
			 const struct core_application *app, int64_t now, enum app_status *outcome)
{
	int64_t *orgs = NULL;
	size_t norgs = 0;
	struct core_vote *votes = NULL;
	size_t nvotes = 0;
	*outcome = APP_PENDING;
	int r = api_admission_voters(a, app, &orgs, &norgs);
	if (r)
		goto out;
	r = store_vote_list(a->store, app->id, &votes, &nvotes);
	if (r)
		goto out;
	*outcome = core_admission_outcome(orgs, norgs, votes, nvotes);
	if (*outcome == APP_ADMITTED)
		r = admit(a, com, app, now);
	else if (*outcome == APP_REJECTED)
		r = store_application_set_status(a->store, app->id, APP_REJECTED, now);
out:
	kr_free(orgs);
	store_vote_free(votes);
	return r;
}

static int h_vote(struct http_request *req, struct http_response *res, void *ctx)
{
	static const struct api_field fields[] = {
		{ .name = "vote", .type = AF_ENUM, .required = true, .parse = vote_parse },
		{ .name = NULL },
	};
	struct api *a = ctx;
	struct api_caller c;
	struct core_community com;
	struct core_application app;
	json_t *body = NULL;
	bool in_tx = false;
	memset(&com, 0, sizeof com);
	int r = api_caller_require(a, req, res, &c);
	if (r)
		goto out;
	r = api_query_allow(req, res, no_query);
	if (r)
		goto out;
	r = load_community(a, &c, req, res, &com);
	if (r)
		goto out;
	r = load_app(a, &c, req, res, com.id, &app);
	if (r)
		goto out;
	r = api_require_write(&c, res);
	if (r)
		goto out;
	if (!may(&c, com.id, PC_VOTE)) {
		r = api_forbidden(res, "only representatives of member organisations who accepted "
				       "the current guidelines vote");
		goto out;
	}
	r = api_body_object(req, res, &body);
	if (r)
		goto out;
	r = api_validate(body, fields, res);
	if (r)
		goto out;
	int64_t now = time_now_ms();
	struct core_vote v = {
		.application_id = app.id,
		.voter_org_id = c.actor.org_id,
		.voter_person_id = c.person.id,
		.vote = (enum vote)api_get_enum(body, "vote", vote_parse, VOTE_NO),
		.cast = now,
	};
	r = store_begin(a->store);
	if (r)
		goto fail;
	in_tx = true;
	r = store_application_get(a->store, app.id, &app); /* as of this transaction */
	if (r)
		goto fail;
	if (app.status != APP_PENDING) {
		r = api_fail(res, KR_ECONFLICT, "the application is already decided");
		goto out;
	}
	r = store_vote_add(a->store, &v);
	if (r == KR_ECONFLICT) {
		api_fail(res, r, "your organisation has already voted on this application");
		goto out;
	}
	if (r)
		goto fail;
	char detail[32];
	snprintf(detail, sizeof detail, "vote %s", vote_name(v.vote));
	r = api_audit(a, &c, req, AUDIT_WRITE, com.id, "application", app.id, detail);
	if (r)
		goto fail;
	enum app_status outcome = APP_PENDING;
	r = api_admission_decide(a, &com, &app, now, &outcome);
	if (r)
		goto fail;
	if (outcome != APP_PENDING) {
		r = api_audit(a, &c, req, AUDIT_WRITE, com.id, "application", app.id,
			      app_status_name(outcome));
		if (r)
			goto fail;
	}
	r = store_commit(a->store);
	if (r)
		goto fail;
	in_tx = false;
	r = store_application_get(a->store, app.id, &app);
	if (r)
		goto fail;
	r = reply_app(a, &c, res, 200, &app);
	goto out;
fail:
	api_fail(res, r, "the vote could not be stored");
out:
	if (in_tx)
		store_rollback(a->store);
	core_community_release(&com);
	json_decref(body);
	return r;
}

int api_admission_register(struct api *a, struct http_server *srv)
{
	int r = http_route(srv, "POST", "/api/v1/communities/:id/applications", h_apply, a);
	if (r)
		goto out;
	r = http_route(srv, "GET", "/api/v1/communities/:id/applications", h_list, a);
	if (r)
		goto out;
	r = http_route(srv, "GET", "/api/v1/communities/:id/applications/:app_id", h_get, a);
	if (r)
		goto out;
	r = http_route(srv, "POST", "/api/v1/communities/:id/applications/:app_id/votes", h_vote,
		       a);
out:
	return r;
}
