/* home.c - the home page: what is new for the reader since their previous
 * visit (readable reports, newest first, each with its TLP badge), and what
 * waits for them: guidelines to accept and applications to vote on. */
#include "store/store_web.h"
#include "util/err.h"
#include "web/web_int.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define HOME_REPORTS 20

/* Communities whose current guidelines the reader has not accepted. */
static int todo_guidelines(struct web_req *q, json_t *list)
{
	const struct policy_actor *a = &q->caller.actor;
	for (int i = 0; i < a->nmemberships; i++) {
		const struct policy_membership *m = &a->memberships[i];
		struct core_community com;
		char url[48];
		if (!m->org_is_member || m->accepted_current)
			continue;
		memset(&com, 0, sizeof com);
		int r = store_community_get(q->w->api->store, m->community_id, &com);
		if (r == KR_ENOTFOUND)
			continue;
		if (r)
			return r;
		json_t *o = web_obj(q);
		snprintf(url, sizeof url, "/communities/%lld", (long long)com.id);
		web_set_str(q, o, "url", url);
		web_set_str(q, o, "community", com.name);
		web_push(q, list, o);
		core_community_release(&com);
	}
	return 0;
}

/* Pending applications the reader's organisation may vote on and has not. */
static int todo_votes(struct web_req *q, json_t *list)
{
	const struct policy_actor *a = &q->caller.actor;
	int r = 0;
	for (int i = 0; i < a->nmemberships && !r; i++) {
		int64_t cid = a->memberships[i].community_id;
		struct core_application *apps = NULL;
		size_t n = 0;
		if (!policy_decide_community(a, cid, PC_VOTE).allow)
			continue;
		r = store_application_list(q->w->api->store, cid, APP_PENDING, &apps, &n);
		for (size_t k = 0; !r && k < n; k++) {
			struct core_vote *votes = NULL;
			size_t nv = 0;
			bool voted = apps[k].org_id == a->org_id;
			r = store_vote_list(q->w->api->store, apps[k].id, &votes, &nv);
			for (size_t v = 0; !r && v < nv; v++)
				voted = voted || votes[v].voter_org_id == a->org_id;
			store_vote_free(votes);
			if (r || voted)
				continue;
			/* a voter sees who applies, as on the community page */
			struct core_org org;
			char url[48];
			r = store_org_get(q->w->api->store, apps[k].org_id, &org);
			if (r == KR_ENOTFOUND) {
				r = 0;
				continue;
			}
			if (r)
				break;
			json_t *o = web_obj(q);
			snprintf(url, sizeof url, "/communities/%lld", (long long)cid);
			web_set_str(q, o, "url", url);
			web_set_str(q, o, "org", org.name);
			web_push(q, list, o);
		}
		store_application_free(apps);
	}
	return r;
}

static int h_home(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct store_web_visit v;
	struct store_report_filter f;
	int64_t next = 0;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_require(&q);
	if (r)
		goto out;
	r = store_web_visit_get(q.w->api->store, q.caller.person.id, &v);
	if (r)
		goto out;
	json_t *p = q.page;
	web_set_text(&q, p, "title", "home.title");
	web_set_bool(&q, p, "nav_home", true);
	web_set_bool(&q, p, "first_visit", v.previous == 0);
	web_set(&q, p, "since", web_time_json(&q, v.previous));
	memset(&f, 0, sizeof f);
	f.kind = f.tlp = f.level = -1;
	f.since = v.previous;
	json_t *rows = web_arr(&q);
	web_set(&q, p, "reports", rows);
	r = web_report_rows(&q, &f, HOME_REPORTS, rows, &next);
	if (r)
		goto out;
	web_set_bool(&q, p, "more", next != 0);
	json_t *g = web_arr(&q), *vo = web_arr(&q);
	web_set(&q, p, "todo_guidelines", g);
	web_set(&q, p, "todo_votes", vo);
	r = todo_guidelines(&q, g);
	if (!r)
		r = todo_votes(&q, vo);
	if (!r)
		r = web_render(&q, 200, "home");
out:
	return web_req_end(&q, r);
}

int web_home_register(struct web *w, struct http_server *srv)
{
	return http_route(srv, "GET", "/", h_home, w);
}
