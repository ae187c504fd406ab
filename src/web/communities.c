/* communities.c - the community pages: the list, one community with its
 * guidelines (and the accept button), member organisations with their
 * representatives and roles, pending applications with the tally and the
 * vote buttons, and the secretary's audit log with filters.
 *
 * Every permission is policy_decide_community(); the outcome of a vote and
 * the admission are api_admission_decide() (core_admission_outcome() and
 * core_rep_check()), the same as for the API, written in the same
 * transaction as the vote. */
#include "api/apia_util.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "web/web_int.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define AUDIT_PAGE 50
#define AUDIT_TEXT_MAX 64

static bool may(const struct web_req *q, int64_t cid, enum policy_community_action act)
{
	return policy_decide_community(&q->caller.actor, cid, act).allow;
}

/* Community path[0] when the reader may view it (every signed-in person
 * may: PC_VIEW); KR_ENOTFOUND otherwise. com is always releasable. */
static int load_community(struct web_req *q, struct core_community *com)
{
	memset(com, 0, sizeof *com);
	int64_t id = web_path_id(q, 0);
	if (id <= 0)
		return KR_ENOTFOUND;
	int r = store_community_get(q->w->api->store, id, com);
	if (r)
		return r;
	return may(q, id, PC_VIEW) ? 0 : KR_ENOTFOUND;
}

static const char *vote_name(enum vote v)
{
	return v == VOTE_YES ? "yes" : "no";
}

/* Who sees an application: those who see the community's members, and the
 * people of the applying organisation (as the API decides it). Whoever sees
 * an application sees the name of the organisation that applies, as in the
 * API's application JSON. */
static bool app_visible(const struct web_req *q, const struct core_application *app)
{
	return may(q, app->community_id, PC_VIEW_MEMBERS) || app->org_id == q->caller.actor.org_id;
}

/* ---- list ---- */

static int h_list(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_community *arr = NULL;
	size_t n = 0;
	char url[48];
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_require(&q);
	if (r)
		goto out;
	r = store_community_list(q.w->api->store, 0, 1000, &arr, &n);
	if (r)
		goto out;
	json_t *list = web_arr(&q);
	for (size_t i = 0; i < n; i++) {
		if (!may(&q, arr[i].id, PC_VIEW))
			continue;
		const struct policy_membership *m = policy_membership_of(&q.caller.actor, arr[i].id);
		json_t *o = web_obj(&q);
		snprintf(url, sizeof url, "/communities/%lld", (long long)arr[i].id);
		web_set_int(&q, o, "id", arr[i].id);
		web_set_str(&q, o, "url", url);
		web_set_str(&q, o, "name", arr[i].name);
		web_set_str(&q, o, "kind", web_t2(&q, "community.kind.",
						  community_kind_name(arr[i].kind)));
		web_set_str(&q, o, "description", arr[i].description ? arr[i].description : "");
		web_set_bool(&q, o, "member", m && m->org_is_member);
		web_set_bool(&q, o, "participant", policy_is_participant(&q.caller.actor, arr[i].id));
		web_push(&q, list, o);
	}
	web_set(&q, q.page, "communities", list);
	web_set_text(&q, q.page, "title", "communities.title");
	web_set_bool(&q, q.page, "nav_communities", true);
	r = web_render(&q, 200, "communities");
out:
	store_community_free(arr, n);
	return web_req_end(&q, r);
}

/* ---- one community ---- */

/* Member organisations and their representatives. */
static int members_json(struct web_req *q, const struct core_community *com, json_t **out)
{
	struct store *s = q->w->api->store;
	struct core_membership *ms = NULL;
	struct core_representative *reps = NULL;
	size_t nms = 0, nreps = 0;
	char name[CORE_NAME_MAX + 1];
	json_t *list = web_arr(q);
	*out = list;
	int r = store_membership_list(s, com->id, &ms, &nms);
	if (!r)
		r = store_rep_list(s, com->id, 0, &reps, &nreps);
	for (size_t i = 0; !r && i < nms; i++) {
		struct core_org org;
		if (ms[i].status != MS_MEMBER)
			continue;
		r = store_org_get(s, ms[i].org_id, &org);
		if (r == KR_ENOTFOUND) {
			r = 0;
			continue;
		}
		if (r)
			break;
		json_t *o = web_obj(q);
		web_set_str(q, o, "name", org.name);
		web_set(q, o, "since", web_time_json(q, ms[i].since));
		json_t *rl = web_arr(q);
		for (size_t k = 0; !r && k < nreps; k++) {
			if (reps[k].org_id != org.id)
				continue;
			r = web_person_name(q, reps[k].person_id, name, sizeof name);
			json_t *ro = web_obj(q);
			web_set_str(q, ro, "name", name);
			web_set_str(q, ro, "kind", web_t2(q, "rep.", rep_kind_name(reps[k].kind)));
			web_set_str(q, ro, "role", web_t2(q, "role.", role_name(reps[k].role)));
			web_set_bool(q, ro, "has_role", reps[k].role != ROLE_MEMBER);
			web_push(q, rl, ro);
		}
		web_set(q, o, "reps", rl);
		web_push(q, list, o);
	}
	store_membership_free(ms);
	store_rep_free(reps);
	return r;
}

static int app_json(struct web_req *q, const struct core_community *com,
		    const struct core_application *app, json_t **out)
{
	struct store *s = q->w->api->store;
	struct core_vote *votes = NULL;
	size_t nvotes = 0;
	int64_t *orgs = NULL;
	size_t norgs = 0;
	char name[CORE_NAME_MAX + 1], url[96];
	struct core_org applicant;
	json_t *o = web_obj(q);
	*out = o;
	int r = store_org_get(s, app->org_id, &applicant);
	if (r)
		goto out;
	web_set_int(q, o, "id", app->id);
	web_set_str(q, o, "org", applicant.name);
	web_set_str(q, o, "motivation", app->motivation);
	web_set(q, o, "created", web_time_json(q, app->created));
	snprintf(url, sizeof url, "/communities/%lld/applications/%lld/vote",
		 (long long)com->id, (long long)app->id);
	web_set_str(q, o, "vote_url", url);
	/* Proposed people are named where the directory lets the reader see
	 * them; the number is always shown. */
	json_t *prop = web_arr(q);
	for (int i = 0; i < app->nproposed && !r; i++) {
		struct core_person p;
		bool vis = false;
		r = store_person_get(s, app->proposed[i], &p);
		if (r == KR_ENOTFOUND) {
			r = 0;
			continue;
		}
		if (!r)
			r = apia_person_visible(q->w->api, &q->caller, &p, &vis);
		if (r || !vis)
			continue;
		json_t *po = web_obj(q);
		web_set_str(q, po, "name", p.name);
		web_push(q, prop, po);
	}
	web_set(q, o, "proposed", prop);
	web_set_int(q, o, "proposed_count", app->nproposed);
	if (r)
		goto out;
	r = store_vote_list(s, app->id, &votes, &nvotes);
	if (r)
		goto out;
	const char *mine = NULL;
	for (size_t i = 0; i < nvotes; i++) {
		if (votes[i].voter_org_id == q->caller.actor.org_id)
			mine = vote_name(votes[i].vote);
	}
	if (mine)
		web_set_str(q, o, "my_vote", web_t2(q, "vote.", mine));
	web_set_bool(q, o, "can_vote", !mine && app->status == APP_PENDING &&
					       app->org_id != q->caller.actor.org_id &&
					       q->caller.actor.can_write && may(q, com->id, PC_VOTE));
	if (!may(q, com->id, PC_VIEW_TALLY))
		goto out;
	/* The full tally: every vote and who has not voted yet. */
	r = api_admission_voters(q->w->api, app, &orgs, &norgs);
	if (r)
		goto out;
	int yes = 0, no = 0, outstanding = 0;
	json_t *vl = web_arr(q);
	for (size_t i = 0; i < nvotes && !r; i++) {
		if (votes[i].vote == VOTE_YES)
			yes++;
		else
			no++;
		r = web_org_name(q, votes[i].voter_org_id, name, sizeof name);
		json_t *vo = web_obj(q);
		web_set_str(q, vo, "org", name);
		web_set_str(q, vo, "vote", web_t2(q, "vote.", vote_name(votes[i].vote)));
		web_set(q, vo, "cast", web_time_json(q, votes[i].cast));
		web_push(q, vl, vo);
	}
	for (size_t i = 0; app->status == APP_PENDING && i < norgs; i++) {
		bool voted = false;
		for (size_t k = 0; k < nvotes && !voted; k++)
			voted = votes[k].voter_org_id == orgs[i];
		outstanding += !voted;
	}
	json_t *t = web_obj(q);
	web_set_int(q, t, "yes", yes);
	web_set_int(q, t, "no", no);
	web_set_int(q, t, "outstanding", outstanding);
	web_set(q, t, "votes", vl);
	web_set(q, o, "tally", t);
out:
	store_vote_free(votes);
	kr_free(orgs);
	return r;
}

/* Whether the reader's organisation applies to the community right now. */
static int org_is_applying(struct web_req *q, int64_t cid, bool *applying)
{
	struct core_application *apps = NULL;
	size_t n = 0;
	*applying = false;
	int r = store_application_list(q->w->api->store, cid, APP_PENDING, &apps, &n);
	for (size_t i = 0; !r && i < n; i++)
		*applying = *applying || apps[i].org_id == q->caller.actor.org_id;
	store_application_free(apps);
	return r;
}

static int render_community(struct web_req *q, struct core_community *com, int status,
			    const char *error_key)
{
	struct store *s = q->w->api->store;
	struct core_application *apps = NULL;
	size_t napps = 0;
	char url[64];
	int accepted = 0;
	json_t *p = q->page;
	json_t *c = web_obj(q);
	web_set(q, p, "community", c);
	web_set_str(q, p, "title", com->name);
	web_set_bool(q, p, "nav_communities", true);
	if (error_key)
		web_set_text(q, p, "error", error_key);
	const char *msg = http_query(q->req, "msg");
	if (msg && (strcmp(msg, "accepted") == 0 || strcmp(msg, "voted") == 0 ||
		    strcmp(msg, "admitted") == 0 || strcmp(msg, "rejected") == 0))
		web_set_str(q, p, "notice", web_t2(q, "community.notice.", msg));
	web_set_int(q, c, "id", com->id);
	web_set_str(q, c, "name", com->name);
	web_set_str(q, c, "kind", web_t2(q, "community.kind.", community_kind_name(com->kind)));
	web_set_str(q, c, "description", com->description ? com->description : "");
	web_set(q, c, "guidelines_html", web_markdown_json(q, com->guidelines));
	web_set_int(q, c, "guidelines_version", com->guidelines_version);
	web_set(q, c, "default_tlp", web_tlp_json(q, com->default_tlp));
	snprintf(url, sizeof url, "/communities/%lld/guidelines/accept", (long long)com->id);
	web_set_str(q, c, "accept_url", url);
	const struct policy_membership *m = policy_membership_of(&q->caller.actor, com->id);
	bool applying = false;
	int r = store_guidelines_accepted(s, com->id, q->caller.person.id, &accepted);
	if (!r && !m)
		r = org_is_applying(q, com->id, &applying);
	if (r)
		goto out;
	bool concerned = m != NULL || applying;
	web_set_bool(q, c, "member", m && m->org_is_member);
	web_set_bool(q, c, "participant", policy_is_participant(&q->caller.actor, com->id));
	web_set_bool(q, c, "accepted", accepted >= com->guidelines_version);
	web_set_bool(q, c, "may_accept", concerned && accepted < com->guidelines_version &&
						 q->caller.actor.can_write);
	if (m && m->is_representative) {
		web_set_str(q, c, "my_role", web_t2(q, "role.", role_name(m->role)));
		web_set_str(q, c, "my_rep", web_t2(q, "rep.", rep_kind_name(m->rep_kind)));
	}
	if (may(q, com->id, PC_SHARE)) {
		snprintf(url, sizeof url, "/reports/new?community=%lld", (long long)com->id);
		web_set_str(q, c, "share_url", url);
	}
	snprintf(url, sizeof url, "/reports?community=%lld", (long long)com->id);
	web_set_str(q, c, "reports_url", url);
	if (may(q, com->id, PC_VIEW_AUDIT)) {
		snprintf(url, sizeof url, "/communities/%lld/audit", (long long)com->id);
		web_set_str(q, c, "audit_url", url);
	}
	if (may(q, com->id, PC_VIEW_MEMBERS)) {
		json_t *members = NULL;
		r = members_json(q, com, &members);
		web_set(q, c, "members", members);
		if (r)
			goto out;
		web_set_bool(q, c, "show_members", true);
	}
	r = store_application_list(s, com->id, APP_PENDING, &apps, &napps);
	if (r)
		goto out;
	json_t *al = web_arr(q);
	for (size_t i = 0; i < napps && !r; i++) {
		json_t *ao = NULL;
		if (!app_visible(q, &apps[i]))
			continue;
		r = app_json(q, com, &apps[i], &ao);
		web_push(q, al, ao);
	}
	web_set(q, c, "applications", al);
	web_set_bool(q, c, "show_applications", may(q, com->id, PC_VIEW_MEMBERS) ||
							json_array_size(al) > 0);
	if (!r)
		r = web_render(q, status, "community");
out:
	store_application_free(apps);
	return r;
}

static int h_view(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_community com;
	memset(&com, 0, sizeof com);
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_require(&q);
	if (!r)
		r = load_community(&q, &com);
	if (!r)
		r = render_community(&q, &com, 200, NULL);
	core_community_release(&com);
	return web_req_end(&q, r);
}

static int h_accept(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_community com;
	bool in_tx = false;
	char url[64], detail[64];
	memset(&com, 0, sizeof com);
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (!r)
		r = web_req_require(&q);
	if (!r)
		r = load_community(&q, &com);
	if (r)
		goto out;
	struct store *s = q.w->api->store;
	/* Guidelines concern those inside or on their way in (as the API). */
	bool concerned = policy_membership_of(&q.caller.actor, com.id) != NULL;
	if (!concerned)
		r = org_is_applying(&q, com.id, &concerned);
	if (r)
		goto out;
	if (!concerned) {
		r = KR_ENOTFOUND;
		goto out;
	}
	if (!q.caller.actor.can_write) {
		r = web_forbidden(&q, NULL);
		goto out;
	}
	int64_t version = web_parse_id(web_form_get(&q.form, "version"));
	if (version != com.guidelines_version) {
		/* the guidelines changed while the page was open: read them again */
		r = render_community(&q, &com, 409, "community.guidelines_changed");
		goto out;
	}
	r = store_begin(s);
	if (r)
		goto out;
	in_tx = true;
	snprintf(detail, sizeof detail, "accept guidelines v=%d", com.guidelines_version);
	r = store_guidelines_accept(s, com.id, q.caller.person.id, com.guidelines_version);
	if (!r)
		r = web_audit(&q, AUDIT_WRITE, com.id, "guidelines", com.id, detail);
	if (!r)
		r = store_commit(s);
	if (r)
		goto out;
	in_tx = false;
	snprintf(url, sizeof url, "/communities/%lld?msg=accepted", (long long)com.id);
	r = web_redirect(&q, url);
out:
	if (in_tx)
		store_rollback(q.w->api->store);
	core_community_release(&com);
	return web_req_end(&q, r);
}

static int h_vote(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_community com;
	struct core_application app;
	bool in_tx = false;
	char url[80], detail[32];
	memset(&com, 0, sizeof com);
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (!r)
		r = web_req_require(&q);
	if (!r)
		r = load_community(&q, &com);
	if (r)
		goto out;
	struct store *s = q.w->api->store;
	int64_t app_id = web_path_id(&q, 1);
	r = app_id ? store_application_get(s, app_id, &app) : KR_ENOTFOUND;
	if (r)
		goto out;
	if (app.community_id != com.id || !app_visible(&q, &app)) {
		r = KR_ENOTFOUND;
		goto out;
	}
	if (!q.caller.actor.can_write || !may(&q, com.id, PC_VOTE) ||
	    app.org_id == q.caller.actor.org_id) {
		r = web_forbidden(&q, "community.may_not_vote");
		goto out;
	}
	const char *v = web_form_get(&q.form, "vote");
	if (!v || (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)) {
		r = web_error_page(&q, 400, "error.bad_request");
		goto out;
	}
	int64_t now = time_now_ms();
	struct core_vote vote = { .application_id = app.id, .voter_org_id = q.caller.actor.org_id,
				  .voter_person_id = q.caller.person.id,
				  .vote = strcmp(v, "yes") == 0 ? VOTE_YES : VOTE_NO, .cast = now };
	r = store_begin(s);
	if (r)
		goto out;
	in_tx = true;
	r = store_application_get(s, app.id, &app); /* as of this transaction */
	if (r)
		goto out;
	if (app.status != APP_PENDING) {
		store_rollback(s);
		in_tx = false;
		r = render_community(&q, &com, 409, "community.already_decided");
		goto out;
	}
	r = store_vote_add(s, &vote);
	if (r == KR_ECONFLICT) {
		store_rollback(s);
		in_tx = false;
		r = render_community(&q, &com, 409, "community.already_voted");
		goto out;
	}
	snprintf(detail, sizeof detail, "vote %s", vote_name(vote.vote));
	if (!r)
		r = web_audit(&q, AUDIT_WRITE, com.id, "application", app.id, detail);
	enum app_status outcome = APP_PENDING;
	if (!r)
		r = api_admission_decide(q.w->api, &com, &app, now, &outcome);
	if (!r && outcome != APP_PENDING)
		r = web_audit(&q, AUDIT_WRITE, com.id, "application", app.id,
			      app_status_name(outcome));
	if (!r)
		r = store_commit(s);
	if (r)
		goto out;
	in_tx = false;
	snprintf(url, sizeof url, "/communities/%lld?msg=%s", (long long)com.id,
		 outcome == APP_ADMITTED ? "admitted"
		 : outcome == APP_REJECTED ? "rejected"
					   : "voted");
	r = web_redirect(&q, url);
out:
	if (in_tx)
		store_rollback(q.w->api->store);
	core_community_release(&com);
	return web_req_end(&q, r);
}

/* ---- audit log ---- */

static const char *const object_types[] = { "report", "comment", "indicator", "application",
					    "guidelines", "membership", "representative",
					    "community", "organisation", "session", "token",
					    "person", "totp" };
#define NOBJECT_TYPES ((int)(sizeof object_types / sizeof object_types[0]))

static const char *object_type_at(int i)
{
	return object_types[i];
}

static const char *action_at(int i)
{
	return audit_action_name((enum audit_action)i);
}

static int h_audit(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_community com;
	struct core_audit *arr = NULL;
	size_t n = 0;
	char name[CORE_NAME_MAX + 1], url[512], enc[3 * AUDIT_TEXT_MAX + 1];
	memset(&com, 0, sizeof com);
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_require(&q);
	if (!r)
		r = load_community(&q, &com);
	if (r)
		goto out;
	if (!may(&q, com.id, PC_VIEW_AUDIT)) {
		r = KR_ENOTFOUND; /* the log of a community is the secretary's */
		goto out;
	}
	const char *av = http_query(req, "action");
	int action = av && *av ? audit_action_parse(av) : -1;
	const char *ov = http_query(req, "object");
	int object = -1;
	for (int i = 0; ov && i < NOBJECT_TYPES; i++) {
		if (strcmp(ov, object_types[i]) == 0)
			object = i;
	}
	int64_t person = web_parse_id(http_query(req, "person"));
	const char *sv = http_query(req, "since");
	int64_t since = 0;
	if (sv && *sv && (strlen(sv) > AUDIT_TEXT_MAX || time_parse_rfc3339(sv, &since))) {
		since = 0; /* a date that cannot be read filters nothing */
		sv = NULL;
	}
	struct store_audit_filter f = {
		.community_id = com.id, .person_id = person, .action = action,
		.object_type = object >= 0 ? object_types[object] : NULL, .since = since,
		.before_id = web_parse_id(http_query(req, "cursor")), .limit = AUDIT_PAGE,
	};
	r = store_audit_list(q.w->api->store, &f, &arr, &n);
	if (r)
		goto out;
	json_t *p = q.page;
	web_set_str(&q, p, "title", web_t(&q, "audit.title"));
	web_set_bool(&q, p, "nav_communities", true);
	json_t *c = web_obj(&q);
	web_set_int(&q, c, "id", com.id);
	web_set_str(&q, c, "name", com.name);
	snprintf(url, sizeof url, "/communities/%lld", (long long)com.id);
	web_set_str(&q, c, "url", url);
	snprintf(url, sizeof url, "/communities/%lld/audit", (long long)com.id);
	web_set_str(&q, c, "audit_url", url);
	web_set(&q, p, "community", c);
	json_t *filt = web_obj(&q);
	web_set(&q, filt, "actions", web_options(&q, AUDIT_LOGOUT + 1, action_at, "audit.action.",
						 action));
	web_set(&q, filt, "objects", web_options(&q, NOBJECT_TYPES, object_type_at,
						 "audit.object.", object));
	web_set_str(&q, filt, "since", sv && since ? sv : "");
	if (person) {
		char pid[24];
		snprintf(pid, sizeof pid, "%lld", (long long)person);
		web_set_str(&q, filt, "person", pid);
	} else {
		web_set_str(&q, filt, "person", "");
	}
	web_set(&q, p, "filter", filt);
	json_t *rows = web_arr(&q);
	for (size_t i = 0; i < n && !r; i++) {
		json_t *o = web_obj(&q);
		web_set(&q, o, "at", web_time_json(&q, arr[i].at));
		if (arr[i].person_id) {
			r = web_person_name(&q, arr[i].person_id, name, sizeof name);
			web_set_str(&q, o, "person", name);
			web_set_int(&q, o, "person_id", arr[i].person_id);
		} else {
			web_set_text(&q, o, "person", "audit.operator");
		}
		web_set_str(&q, o, "action",
			    web_t2(&q, "audit.action.", audit_action_name(arr[i].action)));
		web_set_str(&q, o, "object", web_t2(&q, "audit.object.", arr[i].object_type));
		web_set_int(&q, o, "object_id", arr[i].object_id);
		web_set_str(&q, o, "detail", arr[i].detail);
		web_set_str(&q, o, "address", arr[i].addr);
		web_push(&q, rows, o);
	}
	web_set(&q, p, "rows", rows);
	if (r)
		goto out;
	if (n == AUDIT_PAGE) {
		int len = snprintf(url, sizeof url, "/communities/%lld/audit?cursor=%lld",
				   (long long)com.id, (long long)arr[n - 1].id);
		if (action >= 0)
			len += snprintf(url + len, sizeof url - (size_t)len, "&action=%s",
					audit_action_name((enum audit_action)action));
		if (object >= 0)
			len += snprintf(url + len, sizeof url - (size_t)len, "&object=%s",
					object_types[object]);
		if (person)
			len += snprintf(url + len, sizeof url - (size_t)len, "&person=%lld",
					(long long)person);
		if (sv && since && !web_url_encode(sv, enc, sizeof enc))
			snprintf(url + len, sizeof url - (size_t)len, "&since=%s", enc);
		web_set_str(&q, p, "next_url", url);
	}
	r = web_render(&q, 200, "audit");
out:
	store_audit_free(arr);
	core_community_release(&com);
	return web_req_end(&q, r);
}

int web_communities_register(struct web *w, struct http_server *srv)
{
	static const struct {
		const char *method;
		const char *pattern;
		http_handler fn;
	} routes[] = {
		{ "GET", "/communities", h_list },
		{ "GET", "/communities/:id", h_view },
		{ "POST", "/communities/:id/guidelines/accept", h_accept },
		{ "POST", "/communities/:id/applications/:app_id/vote", h_vote },
		{ "GET", "/communities/:id/audit", h_audit },
	};
	int r = 0;
	for (size_t i = 0; !r && i < sizeof routes / sizeof routes[0]; i++)
		r = http_route(srv, routes[i].method, routes[i].pattern, routes[i].fn, w);
	return r;
}
