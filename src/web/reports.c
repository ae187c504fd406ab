/* reports.c - the report pages: the filtered list, one report with its
 * rendered body, indicators, comments and versions, an old version, the
 * write and edit form with its confirmation step for looser labels, and the
 * comment form.
 *
 * Every report, version and comment shown is decided by policy_decide /
 * policy_decide_comment, loaded from the store the same way as
 * api/reports.c does; an unreadable report answers the same 404 page as a
 * missing one. Reads of AMBER, AMBER+STRICT and RED are audited like the
 * API's. */
#include "api/apia_util.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"
#include "web/web_int.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define LIST_PAGE 25
#define LIST_BATCH 200
#define TEXT_QUERY_MAX 200
#define PEOPLE_PER_ORG 200

/* ---- loading ---- */

static bool allows(const struct web_req *q, const struct core_report *r, enum policy_action act)
{
	struct policy_item it = policy_item_from_report(r);
	return policy_decide(&q->caller.actor, &it, act).allow;
}

/* Report id into *out when it exists and the reader may READ it; else
 * KR_ENOTFOUND (the same for both). On 0 the caller releases *out. */
static int load_report(struct web_req *q, int64_t id, struct core_report *out)
{
	memset(out, 0, sizeof *out);
	if (id <= 0)
		return KR_ENOTFOUND;
	int r = store_report_get(q->w->api->store, id, out);
	if (r) {
		memset(out, 0, sizeof *out);
		return r;
	}
	if (!allows(q, out, POLICY_READ)) {
		core_report_release(out);
		memset(out, 0, sizeof *out);
		return KR_ENOTFOUND;
	}
	return 0;
}

/* Audit record of a read of report r shown with label (AMBER and up). */
static void audit_read(struct web_req *q, const struct core_report *r, enum tlp label,
		       const char *how)
{
	char detail[64];
	if (label < TLP_AMBER)
		return;
	snprintf(detail, sizeof detail, "tlp=%s %s", tlp_name(label), how);
	(void)web_audit(q, AUDIT_READ, r->community_id, "report", r->id, detail);
}

static int community_name(struct web_req *q, int64_t id, char *out, size_t n)
{
	struct core_community c;
	memset(&c, 0, sizeof c);
	int r = store_community_get(q->w->api->store, id, &c);
	snprintf(out, n, "%s", r ? "" : c.name);
	core_community_release(&c);
	return r == KR_ENOTFOUND ? 0 : r;
}

/* ---- lists ---- */

/* The list form of one readable report. */
static int row_json(struct web_req *q, const struct core_report *rep, json_t **out)
{
	char com[CORE_NAME_MAX + 1], org[CORE_NAME_MAX + 1], url[48];
	int r = community_name(q, rep->community_id, com, sizeof com);
	if (!r)
		r = web_org_name(q, rep->source_org_id, org, sizeof org);
	if (r)
		return r;
	json_t *o = web_obj(q);
	snprintf(url, sizeof url, "/reports/%lld", (long long)rep->id);
	web_set_int(q, o, "id", rep->id);
	web_set_str(q, o, "url", url);
	web_set_str(q, o, "title", rep->title);
	web_set(q, o, "tlp", web_tlp_json(q, rep->tlp));
	web_set_str(q, o, "kind", web_t2(q, "kind.", report_kind_name(rep->kind)));
	web_set_str(q, o, "level", web_t2(q, "level.", level_name(rep->level)));
	web_set_str(q, o, "community", com);
	web_set_str(q, o, "source", org);
	web_set(q, o, "updated", web_time_json(q, rep->updated));
	web_set_int(q, o, "version", rep->version);
	*out = o;
	return 0;
}

struct shown {
	int64_t id, community_id;
	enum tlp tlp;
};

int web_report_rows(struct web_req *q, struct store_report_filter *f, int limit,
		    json_t *rows, int64_t *next)
{
	struct core_report *arr = NULL;
	size_t n = 0, nkeep = 0;
	bool exhausted = false;
	struct shown *kept = kr_calloc((size_t)limit, sizeof *kept);
	int r = 0;
	*next = 0;
	if (!kept)
		return KR_ENOMEM;
	f->limit = LIST_BATCH;
	/* The store pages unfiltered candidates; fetch until a page of
	 * readable ones is full or the candidates run out. */
	while (nkeep < (size_t)limit && !exhausted) {
		size_t i;
		r = store_report_list(q->w->api->store, f, &arr, &n);
		if (r)
			goto out;
		for (i = 0; i < n && nkeep < (size_t)limit; i++) {
			json_t *o = NULL;
			if (!allows(q, &arr[i], POLICY_READ))
				continue;
			r = row_json(q, &arr[i], &o);
			if (r)
				goto out;
			web_push(q, rows, o);
			kept[nkeep++] = (struct shown){ arr[i].id, arr[i].community_id, arr[i].tlp };
		}
		if (n == 0 || (n < LIST_BATCH && i == n))
			exhausted = true;
		else
			f->before_id = arr[n - 1].id;
		store_report_free(arr, n);
		arr = NULL;
		n = 0;
	}
	if (!exhausted && nkeep > 0)
		*next = kept[nkeep - 1].id;
	bool any = false;
	for (size_t k = 0; k < nkeep && !any; k++)
		any = kept[k].tlp >= TLP_AMBER;
	if (any) {
		struct store *s = q->w->api->store;
		bool began = store_begin(s) == 0;
		for (size_t k = 0; k < nkeep; k++) {
			struct core_report stub;
			memset(&stub, 0, sizeof stub);
			stub.id = kept[k].id;
			stub.community_id = kept[k].community_id;
			audit_read(q, &stub, kept[k].tlp, "list");
		}
		if (began && store_commit(s)) {
			store_rollback(s);
			log_error("web: read records of a report list were not committed");
		}
	}
out:
	if (arr)
		store_report_free(arr, n);
	kr_free(kept);
	return r;
}

/* Options of the community filter and pickers: every community the reader
 * may view, selected marks one id. */
static json_t *community_options(struct web_req *q, int64_t selected, bool share_only,
				 int *count)
{
	struct core_community *arr = NULL;
	size_t n = 0;
	json_t *opts = web_arr(q);
	*count = 0;
	if (store_community_list(q->w->api->store, 0, 1000, &arr, &n)) {
		q->oom = true;
		return opts;
	}
	for (size_t i = 0; i < n; i++) {
		enum policy_community_action act = share_only ? PC_SHARE : PC_VIEW;
		if (!policy_decide_community(&q->caller.actor, arr[i].id, act).allow)
			continue;
		json_t *o = web_obj(q);
		char url[64];
		snprintf(url, sizeof url, "/reports/new?community=%lld", (long long)arr[i].id);
		web_set_int(q, o, "value", arr[i].id);
		web_set_str(q, o, "label", arr[i].name);
		web_set_str(q, o, "url", url);
		web_set_bool(q, o, "selected", arr[i].id == selected);
		web_push(q, opts, o);
		(*count)++;
	}
	store_community_free(arr, n);
	return opts;
}

static const char *kind_at(int i)
{
	return report_kind_name((enum report_kind)i);
}

static const char *level_at(int i)
{
	return level_name((enum level)i);
}

static const char *tlp_at(int i)
{
	return tlp_name((enum tlp)i);
}

/* Appends "&name=value" (value percent-encoded) to a query being built. */
static void query_add(struct strbuf *sb, const char *name, const char *value)
{
	char enc[3 * TEXT_QUERY_MAX + 1];
	if (!value || !*value || web_url_encode(value, enc, sizeof enc))
		return;
	strbuf_addf(sb, "%s%s=%s", sb->len ? "&" : "", name, enc);
}

/* Enum query parameter: its value, or -1 when absent or unknown. */
static int query_enum(const struct web_req *q, const char *name, int (*parse)(const char *))
{
	const char *v = http_query(q->req, name);
	return v && *v ? parse(v) : -1;
}

static int h_list(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct store_report_filter f;
	struct strbuf qs;
	strbuf_init(&qs, 4096);
	int64_t next = 0;
	int ncom = 0;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_require(&q);
	if (r)
		goto out;
	memset(&f, 0, sizeof f);
	f.kind = query_enum(&q, "kind", report_kind_parse);
	f.level = query_enum(&q, "level", level_parse);
	f.tlp = query_enum(&q, "tlp", tlp_parse);
	f.community_id = web_parse_id(http_query(req, "community"));
	f.before_id = web_parse_id(http_query(req, "cursor"));
	const char *text = http_query(req, "q");
	if (text && (!*text || strlen(text) > TEXT_QUERY_MAX ||
		     !core_utf8_valid(text, strlen(text), false)))
		text = NULL; /* a filter that cannot be used is no filter */
	f.text = text;

	json_t *p = q.page;
	web_set_text(&q, p, "title", "reports.title");
	web_set_bool(&q, p, "nav_reports", true);
	json_t *filt = web_obj(&q);
	web_set(&q, filt, "communities", community_options(&q, f.community_id, false, &ncom));
	web_set(&q, filt, "kinds", web_options(&q, RK__COUNT, kind_at, "kind.", f.kind));
	web_set(&q, filt, "levels", web_options(&q, LEVEL__COUNT, level_at, "level.", f.level));
	web_set(&q, filt, "tlps", web_options(&q, TLP__COUNT, tlp_at, NULL, f.tlp));
	web_set_str(&q, filt, "q", text ? text : "");
	web_set_bool(&q, filt, "active", f.kind >= 0 || f.level >= 0 || f.tlp >= 0 ||
						 f.community_id || text);
	web_set(&q, p, "filter", filt);
	json_t *rows = web_arr(&q);
	web_set(&q, p, "reports", rows);
	r = web_report_rows(&q, &f, LIST_PAGE, rows, &next);
	if (r)
		goto out;
	if (next) {
		char cur[32];
		if (f.community_id) {
			snprintf(cur, sizeof cur, "%lld", (long long)f.community_id);
			query_add(&qs, "community", cur);
		}
		query_add(&qs, "kind", f.kind >= 0 ? kind_at(f.kind) : NULL);
		query_add(&qs, "level", f.level >= 0 ? level_at(f.level) : NULL);
		query_add(&qs, "tlp", f.tlp >= 0 ? tlp_at(f.tlp) : NULL);
		query_add(&qs, "q", text);
		snprintf(cur, sizeof cur, "%lld", (long long)next);
		query_add(&qs, "cursor", cur);
		char url[sizeof "/reports?" + 4096];
		snprintf(url, sizeof url, "/reports?%s", qs.buf ? qs.buf : "");
		web_set_str(&q, p, "next_url", url);
	}
	int nshare = 0;
	json_t *share = community_options(&q, 0, true, &nshare);
	json_decref(share);
	web_set_bool(&q, p, "can_share", nshare > 0);
	r = web_render(&q, 200, "reports");
out:
	strbuf_release(&qs);
	return web_req_end(&q, r);
}

/* ---- one report ---- */

static int names_json(struct web_req *q, const int64_t *ids, int n, bool people, json_t **out)
{
	char name[CORE_NAME_MAX + 1];
	json_t *arr = web_arr(q);
	for (int i = 0; i < n; i++) {
		int r = people ? web_person_name(q, ids[i], name, sizeof name)
			       : web_org_name(q, ids[i], name, sizeof name);
		if (r) {
			json_decref(arr);
			return r;
		}
		json_t *o = web_obj(q);
		web_set_str(q, o, "name", name);
		web_push(q, arr, o);
	}
	*out = arr;
	return 0;
}

/* TLP options of a comment on a report labelled t: that label or stricter. */
static json_t *comment_tlps(struct web_req *q, enum tlp t, int selected)
{
	json_t *arr = web_arr(q);
	for (int i = (int)t; i < TLP__COUNT; i++) {
		json_t *o = web_obj(q);
		char label[32];
		snprintf(label, sizeof label, "TLP:%s", tlp_name((enum tlp)i));
		web_set_str(q, o, "value", tlp_name((enum tlp)i));
		web_set_str(q, o, "label", label);
		web_set_bool(q, o, "selected", i == (selected >= 0 ? selected : (int)t));
		web_push(q, arr, o);
	}
	return arr;
}

/* Fills q->page for report rep (readable) and renders it. The comment
 * draft and error come back when a comment was refused. */
static int render_report(struct web_req *q, struct core_report *rep, int status,
			 const char *draft, int draft_tlp, const char *comment_error)
{
	struct store *s = q->w->api->store;
	struct core_indicator *inds = NULL;
	struct core_comment *cms = NULL;
	struct core_report snap;
	size_t ninds = 0, ncms = 0;
	char name[CORE_NAME_MAX + 1], url[80];
	enum tlp shown = rep->tlp;
	int nver = 0;
	json_t *list = NULL;
	memset(&snap, 0, sizeof snap);
	json_t *p = q->page;
	json_t *o = web_obj(q);
	web_set(q, p, "report", o);
	web_set_str(q, p, "title", rep->title);
	web_set_bool(q, p, "nav_reports", true);
	web_set_int(q, o, "id", rep->id);
	web_set_str(q, o, "title", rep->title);
	web_set(q, o, "tlp", web_tlp_json(q, rep->tlp));
	web_set_str(q, o, "kind", web_t2(q, "kind.", report_kind_name(rep->kind)));
	web_set_str(q, o, "level", web_t2(q, "level.", level_name(rep->level)));
	web_set_int(q, o, "version", rep->version);
	web_set(q, o, "created", web_time_json(q, rep->created));
	web_set(q, o, "updated", web_time_json(q, rep->updated));
	web_set(q, o, "body_html", web_markdown_json(q, rep->body));
	int r = community_name(q, rep->community_id, name, sizeof name);
	if (r)
		goto out;
	web_set_str(q, o, "community", name);
	snprintf(url, sizeof url, "/communities/%lld", (long long)rep->community_id);
	web_set_str(q, o, "community_url", url);
	r = web_person_name(q, rep->author_id, name, sizeof name);
	if (r)
		goto out;
	web_set_str(q, o, "author", name);
	r = web_org_name(q, rep->source_org_id, name, sizeof name);
	if (r)
		goto out;
	web_set_str(q, o, "source", name);
	r = names_json(q, rep->recipient_orgs, rep->nrecipient_orgs, false, &list);
	if (r)
		goto out;
	web_set(q, o, "recipient_orgs", list);
	r = names_json(q, rep->recipient_people, rep->nrecipient_people, true, &list);
	if (r)
		goto out;
	web_set(q, o, "recipient_people", list);
	bool may_edit = allows(q, rep, POLICY_EDIT);
	bool may_comment = allows(q, rep, POLICY_COMMENT);
	web_set_bool(q, o, "may_edit", may_edit);
	web_set_bool(q, o, "may_comment", may_comment);
	snprintf(url, sizeof url, "/reports/%lld/edit", (long long)rep->id);
	web_set_str(q, o, "edit_url", url);
	snprintf(url, sizeof url, "/reports/%lld/comments", (long long)rep->id);
	web_set_str(q, o, "comment_url", url);

	r = store_indicator_list(s, rep->id, &inds, &ninds);
	if (r)
		goto out;
	list = web_arr(q);
	for (size_t i = 0; i < ninds; i++) {
		json_t *io = web_obj(q);
		web_set_str(q, io, "type", web_t2(q, "ind.", ind_type_name(inds[i].type)));
		web_set_str(q, io, "value", inds[i].value);
		web_set_str(q, io, "comment", inds[i].comment);
		web_set(q, io, "first_seen", web_time_json(q, inds[i].first_seen));
		web_set(q, io, "last_seen", web_time_json(q, inds[i].last_seen));
		web_push(q, list, io);
	}
	web_set(q, o, "indicators", list);

	r = store_comment_list(s, rep->id, &cms, &ncms);
	if (r)
		goto out;
	list = web_arr(q);
	for (size_t i = 0; i < ncms; i++) {
		if (!policy_decide_comment(&q->caller.actor, rep, &cms[i], cms[i].org_id,
					   POLICY_READ)
			     .allow)
			continue;
		json_t *co = web_obj(q);
		web_set_int(q, co, "id", cms[i].id);
		web_set(q, co, "tlp", web_tlp_json(q, cms[i].tlp));
		web_set(q, co, "body_html", web_markdown_json(q, cms[i].body));
		web_set(q, co, "created", web_time_json(q, cms[i].created));
		r = web_person_name(q, cms[i].author_id, name, sizeof name);
		if (r)
			goto out;
		web_set_str(q, co, "author", name);
		r = web_org_name(q, cms[i].org_id, name, sizeof name);
		if (r)
			goto out;
		web_set_str(q, co, "org", name);
		web_push(q, list, co);
		if (cms[i].tlp > shown)
			shown = cms[i].tlp;
	}
	web_set(q, o, "comments", list);
	if (may_comment) {
		json_t *form = web_obj(q);
		web_set(q, form, "tlps", comment_tlps(q, rep->tlp, draft_tlp));
		web_set_str(q, form, "body", draft ? draft : "");
		if (comment_error)
			web_set_text(q, form, "error", comment_error);
		web_set(q, o, "comment_form", form);
	}

	/* Each older version is decided on its own label and audience. */
	r = store_report_version_count(s, rep->id, &nver);
	if (r)
		goto out;
	list = web_arr(q);
	for (int v = nver; v >= 1; v--) {
		r = store_report_version_get(s, rep->id, v, &snap);
		if (r)
			goto out;
		if (allows(q, &snap, POLICY_READ)) {
			json_t *vo = web_obj(q);
			snprintf(url, sizeof url, "/reports/%lld/versions/%d", (long long)rep->id, v);
			web_set_int(q, vo, "version", v);
			web_set_str(q, vo, "title", snap.title);
			web_set(q, vo, "tlp", web_tlp_json(q, snap.tlp));
			web_set(q, vo, "updated", web_time_json(q, snap.updated));
			web_set_str(q, vo, "url", url);
			web_set_bool(q, vo, "current", v == nver);
			web_push(q, list, vo);
			if (snap.tlp > shown)
				shown = snap.tlp;
		}
		core_report_release(&snap);
		memset(&snap, 0, sizeof snap);
	}
	web_set(q, o, "versions", list);
	audit_read(q, rep, shown, "view");
	r = web_render(q, status, "report");
out:
	core_report_release(&snap);
	if (inds)
		store_indicator_free(inds);
	if (cms)
		store_comment_free(cms, ncms);
	return r;
}

static int h_view(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_report rep;
	memset(&rep, 0, sizeof rep);
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_require(&q);
	if (!r)
		r = load_report(&q, web_path_id(&q, 0), &rep);
	if (!r)
		r = render_report(&q, &rep, 200, NULL, -1, NULL);
	core_report_release(&rep);
	return web_req_end(&q, r);
}

static int h_version(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_report rep, snap;
	char url[48];
	memset(&rep, 0, sizeof rep);
	memset(&snap, 0, sizeof snap);
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_require(&q);
	if (!r)
		r = load_report(&q, web_path_id(&q, 0), &rep);
	if (r)
		goto out;
	int64_t v = web_path_id(&q, 1);
	if (v < 1 || v > rep.version) {
		r = KR_ENOTFOUND;
		goto out;
	}
	r = store_report_version_get(q.w->api->store, rep.id, (int)v, &snap);
	if (r)
		goto out;
	if (!allows(&q, &snap, POLICY_READ)) {
		r = KR_ENOTFOUND;
		goto out;
	}
	json_t *o = web_obj(&q);
	web_set(&q, q.page, "report", o);
	web_set_str(&q, q.page, "title", snap.title);
	web_set_bool(&q, q.page, "nav_reports", true);
	web_set_int(&q, o, "id", rep.id);
	web_set_int(&q, o, "version", v);
	web_set_int(&q, o, "current_version", rep.version);
	web_set_str(&q, o, "title", snap.title);
	web_set(&q, o, "tlp", web_tlp_json(&q, snap.tlp));
	web_set_str(&q, o, "kind", web_t2(&q, "kind.", report_kind_name(snap.kind)));
	web_set_str(&q, o, "level", web_t2(&q, "level.", level_name(snap.level)));
	web_set(&q, o, "updated", web_time_json(&q, snap.updated));
	web_set(&q, o, "body_html", web_markdown_json(&q, snap.body));
	snprintf(url, sizeof url, "/reports/%lld", (long long)rep.id);
	web_set_str(&q, o, "url", url);
	audit_read(&q, &rep, snap.tlp > rep.tlp ? snap.tlp : rep.tlp, "version");
	r = web_render(&q, 200, "report_version");
out:
	core_report_release(&snap);
	core_report_release(&rep);
	return web_req_end(&q, r);
}

/* ---- write and edit ---- */

struct draft {
	int64_t community_id;
	const char *title;
	const char *body;
	const char *indicators;
	int kind, level, tlp;      /* -1 = not chosen */
	int norgs, npeople;
	int64_t orgs[CORE_RECIPIENTS_MAX];
	int64_t people[CORE_RECIPIENTS_MAX];
	const char *confirm_tlp;   /* the looser label the author confirmed */
};

static bool has_id(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++) {
		if (ids[i] == id)
			return true;
	}
	return false;
}

/* Adds an error {"field","message"} to errs. */
static void add_error(struct web_req *q, json_t *errs, const char *field, const char *text)
{
	json_t *e = web_obj(q);
	web_set_str(q, e, "field", field);
	web_set_str(q, e, "message", text);
	web_push(q, errs, e);
}

/* Member organisations (checkboxes) and the people of them the reader may
 * see (for named recipients). */
static int recipients_json(struct web_req *q, const struct core_community *com,
			   const struct draft *d, json_t *form)
{
	struct store *s = q->w->api->store;
	struct core_membership *ms = NULL;
	size_t nms = 0;
	json_t *orgs = web_arr(q), *people = web_arr(q);
	web_set(q, form, "orgs", orgs);
	web_set(q, form, "people", people);
	int r = store_membership_list(s, com->id, &ms, &nms);
	if (r)
		return r;
	for (size_t i = 0; i < nms && !r; i++) {
		struct core_org org;
		struct core_person *ps = NULL;
		size_t nps = 0;
		if (ms[i].status != MS_MEMBER)
			continue;
		r = store_org_get(s, ms[i].org_id, &org);
		bool own = ms[i].org_id == q->caller.person.org_id;
		if (r == KR_ENOTFOUND) {
			r = 0;
			continue;
		}
		if (r)
			break;
		/* the source organisation always receives its own report */
		if (!own) {
			json_t *o = web_obj(q);
			web_set_int(q, o, "id", org.id);
			web_set_str(q, o, "name", org.name);
			web_set_bool(q, o, "checked", has_id(d->orgs, d->norgs, org.id));
			web_push(q, orgs, o);
		}
		struct store_person_filter pf = { .org_id = org.id, .limit = PEOPLE_PER_ORG };
		r = store_person_list(s, &pf, &ps, &nps);
		for (size_t k = 0; !r && k < nps; k++) {
			bool vis = false;
			if (ps[k].disabled || ps[k].id == q->caller.person.id)
				continue; /* the author always reads their own report */
			r = apia_person_visible(q->w->api, &q->caller, &ps[k], &vis);
			if (r || !vis)
				continue;
			json_t *po = web_obj(q);
			web_set_int(q, po, "id", ps[k].id);
			web_set_str(q, po, "name", ps[k].name);
			web_set_str(q, po, "org", org.name);
			web_set_bool(q, po, "checked", has_id(d->people, d->npeople, ps[k].id));
			web_push(q, people, po);
		}
		store_person_free(ps, nps);
	}
	store_membership_free(ms);
	return r;
}

/* The form page (new or edit). old_tlp < 0 for a new report; confirm asks
 * the author to confirm a label looser than reference (the community's
 * default for a new report, the previous label for an edit). */
static int render_form(struct web_req *q, int status, const struct core_community *com,
		       const struct draft *d, int64_t report_id, int old_tlp, json_t *errors,
		       bool confirm)
{
	char url[64];
	json_t *p = q->page;
	json_t *f = web_obj(q);
	web_set(q, p, "form", f);
	web_set_bool(q, p, "nav_reports", true);
	web_set_text(q, p, "title", report_id ? "form.title_edit" : "form.title_new");
	web_set_bool(q, f, "edit", report_id != 0);
	if (report_id)
		snprintf(url, sizeof url, "/reports/%lld", (long long)report_id);
	else
		snprintf(url, sizeof url, "/reports");
	web_set_str(q, f, "action", url);
	web_set_str(q, f, "cancel_url", report_id ? url : "/reports");
	web_set_int(q, f, "community_id", com->id);
	web_set_str(q, f, "community", com->name);
	web_set(q, f, "default_tlp", web_tlp_json(q, com->default_tlp));
	web_set_str(q, f, "title", d->title ? d->title : "");
	web_set_str(q, f, "body", d->body ? d->body : "");
	web_set_str(q, f, "indicators", d->indicators ? d->indicators : "");
	web_set(q, f, "kinds", web_options(q, RK__COUNT, kind_at, "kind.", d->kind));
	web_set(q, f, "levels", web_options(q, LEVEL__COUNT, level_at, "level.", d->level));
	int reference = old_tlp >= 0 ? old_tlp : (int)com->default_tlp;
	json_t *tlps = web_arr(q);
	for (int i = 0; i < TLP__COUNT; i++) {
		json_t *o = web_tlp_json(q, (enum tlp)i);
		/* No label is chosen in advance for a new report: the author
		 * picks one. An edit starts from the current label. */
		web_set_bool(q, o, "checked", i == d->tlp);
		web_set_bool(q, o, "looser", i < reference);
		web_push(q, tlps, o);
	}
	web_set(q, f, "tlps", tlps);
	if (old_tlp >= 0)
		web_set(q, f, "old_tlp", web_tlp_json(q, (enum tlp)old_tlp));
	if (confirm && d->tlp >= 0) {
		json_t *c = web_obj(q);
		web_set(q, c, "tlp", web_tlp_json(q, (enum tlp)d->tlp));
		web_set(q, c, "reference", web_tlp_json(q, (enum tlp)reference));
		web_set_bool(q, c, "edit", old_tlp >= 0);
		web_set(q, f, "confirm", c);
	}
	if (errors && json_array_size(errors))
		web_set(q, f, "errors", json_incref(errors));
	int r = recipients_json(q, com, d, f);
	if (r)
		return r;
	return web_render(q, status, "report_form");
}

/* The communities the reader may write in: a picker, or a page saying
 * there are none. */
static int render_pick(struct web_req *q)
{
	int n = 0;
	web_set_text(q, q->page, "title", "form.title_new");
	web_set_bool(q, q->page, "nav_reports", true);
	web_set(q, q->page, "communities", community_options(q, 0, true, &n));
	return web_render(q, 200, "report_pick");
}

static int load_share_community(struct web_req *q, int64_t id, struct core_community *com)
{
	memset(com, 0, sizeof *com);
	if (id <= 0)
		return KR_ENOTFOUND;
	int r = store_community_get(q->w->api->store, id, com);
	if (r)
		return r;
	if (!policy_decide_community(&q->caller.actor, id, PC_SHARE).allow)
		return web_forbidden(q, "form.not_participant");
	return 0;
}

static int h_new(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_community com;
	struct draft d;
	memset(&com, 0, sizeof com);
	memset(&d, 0, sizeof d);
	d.kind = d.level = d.tlp = -1;
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_require(&q);
	if (r)
		goto out;
	int64_t cid = web_parse_id(http_query(req, "community"));
	if (!cid) {
		r = render_pick(&q);
		goto out;
	}
	r = load_share_community(&q, cid, &com);
	if (!r)
		r = render_form(&q, 200, &com, &d, 0, -1, NULL, false);
out:
	core_community_release(&com);
	return web_req_end(&q, r);
}

/* Reads the fields of the form into d (strings stay in q->form) and checks
 * them; problems are added to errs. Indicators (new reports only) are
 * normalised into *inds (kr_free'd by the caller). */
static int read_draft(struct web_req *q, const struct core_community *com, bool with_indicators,
		      struct draft *d, json_t *errs, struct core_indicator **inds, size_t *ninds)
{
	struct store *s = q->w->api->store;
	const struct web_form *f = &q->form;
	const char *vals[CORE_RECIPIENTS_MAX];
	char msg[256];
	const char *v;
	int r = 0;
	d->title = web_form_get(f, "title");
	d->body = web_form_get(f, "body");
	d->indicators = with_indicators ? web_form_get(f, "indicators") : NULL;
	d->confirm_tlp = web_form_get(f, "confirm_tlp");
	v = web_form_get(f, "kind");
	d->kind = v && *v ? report_kind_parse(v) : -1;
	v = web_form_get(f, "level");
	d->level = v && *v ? level_parse(v) : -1;
	v = web_form_get(f, "tlp");
	d->tlp = v && *v ? tlp_parse(v) : -1;

	bool blank = true;
	for (const char *t = d->title; t && *t; t++)
		blank = blank && (*t == ' ' || *t == '\t');
	if (blank)
		add_error(q, errs, "title", web_t(q, "form.error.title"));
	else if (strlen(d->title) > CORE_TITLE_MAX ||
		 !core_utf8_valid(d->title, strlen(d->title), false))
		add_error(q, errs, "title", web_t(q, "form.error.title_long"));
	if (d->body && strlen(d->body) > CORE_BODY_MAX)
		add_error(q, errs, "body", web_t(q, "form.error.body_long"));
	if (d->kind < 0)
		add_error(q, errs, "kind", web_t(q, "form.error.kind"));
	if (d->level < 0)
		add_error(q, errs, "level", web_t(q, "form.error.level"));
	if (d->tlp < 0)
		add_error(q, errs, "tlp", web_t(q, "form.error.tlp"));

	int n = web_form_all(f, "recipient_org", vals, CORE_RECIPIENTS_MAX);
	if (n > CORE_RECIPIENTS_MAX)
		add_error(q, errs, "recipient_org", web_t(q, "form.error.too_many"));
	for (int i = 0; i < n && i < CORE_RECIPIENTS_MAX; i++) {
		struct core_membership m;
		int64_t id = web_parse_id(vals[i]);
		if (!id || has_id(d->orgs, d->norgs, id))
			continue;
		r = store_membership_get(s, com->id, id, &m);
		if (r && r != KR_ENOTFOUND)
			return r;
		if (r || m.status != MS_MEMBER) {
			add_error(q, errs, "recipient_org", web_t(q, "form.error.recipient"));
			continue;
		}
		d->orgs[d->norgs++] = id;
	}
	n = web_form_all(f, "recipient_person", vals, CORE_RECIPIENTS_MAX);
	if (n > CORE_RECIPIENTS_MAX)
		add_error(q, errs, "recipient_person", web_t(q, "form.error.too_many"));
	for (int i = 0; i < n && i < CORE_RECIPIENTS_MAX; i++) {
		struct core_person p;
		struct core_membership m;
		int64_t id = web_parse_id(vals[i]);
		if (!id || has_id(d->people, d->npeople, id))
			continue;
		r = store_person_get(s, id, &p);
		if (!r)
			r = store_membership_get(s, com->id, p.org_id, &m);
		if (r && r != KR_ENOTFOUND)
			return r;
		if (r || m.status != MS_MEMBER) {
			add_error(q, errs, "recipient_person", web_t(q, "form.error.recipient"));
			continue;
		}
		d->people[d->npeople++] = id;
	}
	if (d->tlp == TLP_RED && d->npeople == 0)
		add_error(q, errs, "recipient_person", web_t(q, "form.error.red_people"));

	/* Indicators: one per line, "type value [comment]". */
	*inds = NULL;
	*ninds = 0;
	if (!d->indicators || !*d->indicators)
		return 0;
	size_t lines = 1;
	for (const char *t = d->indicators; *t; t++)
		lines += *t == '\n';
	if (lines > CORE_INDICATORS_PER_REPORT) {
		add_error(q, errs, "indicators", web_t(q, "form.error.too_many"));
		return 0;
	}
	*inds = kr_calloc(lines, sizeof **inds);
	if (!*inds)
		return KR_ENOMEM;
	const char *line = d->indicators;
	for (int no = 1; line && *line; no++) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[CORE_INDICATOR_MAX + CORE_NAME_MAX + 64];
		char type[32] = "", value[CORE_INDICATOR_MAX + 1] = "";
		bool cut = len >= sizeof buf;
		if (cut)
			len = sizeof buf - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		line = nl ? nl + 1 : NULL;
		char *t = buf;
		while (*t == ' ' || *t == '\t' || *t == '\r')
			t++;
		size_t tl = strlen(t);
		while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\t' || t[tl - 1] == '\r'))
			t[--tl] = '\0';
		if (!*t)
			continue;
		char *sp = strpbrk(t, " \t");
		char *rest = sp ? sp : t + strlen(t);
		size_t typ = (size_t)(rest - t);
		snprintf(type, sizeof type, "%.*s", (int)(typ < sizeof type ? typ : sizeof type - 1),
			 t);
		while (*rest == ' ' || *rest == '\t')
			rest++;
		char *sp2 = strpbrk(rest, " \t");
		char *comment = sp2 ? sp2 : rest + strlen(rest);
		size_t vlen = (size_t)(comment - rest);
		snprintf(value, sizeof value, "%.*s", (int)vlen, rest);
		while (*comment == ' ' || *comment == '\t')
			comment++;
		/* Refused, not cut: a shortened value is another indicator, and a
		 * comment cut inside a UTF-8 character could not be served as JSON. */
		bool too_long = cut || vlen > CORE_INDICATOR_MAX || strlen(comment) > CORE_NAME_MAX;
		int it = ind_type_parse(type);
		const char *why = NULL, *error_key = NULL;
		struct core_indicator *ind = &(*inds)[*ninds];
		if (it < 0)
			error_key = "form.error.indicator_type";
		else if (too_long)
			error_key = "form.error.indicator_long";
		else if (core_indicator_normalise((enum ind_type)it, value, ind->value, &why))
			error_key = "form.error.indicator_value";
		if (error_key) {
			char no_s[16];
			snprintf(no_s, sizeof no_s, "%d", no);
			snprintf(msg, sizeof msg, "%s %s: %s", web_t(q, "form.error.indicator_line"),
				 no_s, web_t(q, error_key));
			add_error(q, errs, "indicators", msg);
			memset(ind, 0, sizeof *ind);
			continue;
		}
		ind->type = (enum ind_type)it;
		snprintf(ind->comment, sizeof ind->comment, "%s", comment);
		bool dup = false;
		for (size_t k = 0; k < *ninds && !dup; k++)
			dup = (*inds)[k].type == ind->type && strcmp((*inds)[k].value, ind->value) == 0;
		if (dup) {
			memset(ind, 0, sizeof *ind);
			continue; /* the same indicator twice is kept once */
		}
		(*ninds)++;
	}
	return 0;
}

/* Whether the looser label d->tlp was confirmed with this very label. */
static bool confirmed(const struct draft *d)
{
	return d->confirm_tlp && d->tlp >= 0 && tlp_parse(d->confirm_tlp) == d->tlp;
}

static int h_create(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_community com;
	struct core_report rep;
	struct core_indicator *inds = NULL;
	size_t ninds = 0;
	struct draft d;
	json_t *errs = NULL;
	bool in_tx = false;
	char url[48];
	memset(&com, 0, sizeof com);
	memset(&rep, 0, sizeof rep);
	memset(&d, 0, sizeof d);
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (!r)
		r = web_req_require(&q);
	if (r)
		goto out;
	struct store *s = q.w->api->store;
	r = load_share_community(&q, web_parse_id(web_form_get(&q.form, "community")), &com);
	if (r)
		goto out;
	errs = web_arr(&q);
	d.community_id = com.id;
	r = read_draft(&q, &com, true, &d, errs, &inds, &ninds);
	if (r)
		goto out;
	if (json_array_size(errs)) {
		r = render_form(&q, 422, &com, &d, 0, -1, errs, false);
		goto out;
	}
	if (d.tlp < (int)com.default_tlp && !confirmed(&d)) {
		r = render_form(&q, 200, &com, &d, 0, -1, NULL, true);
		goto out;
	}
	rep.community_id = com.id;
	rep.kind = (enum report_kind)d.kind;
	rep.level = (enum level)d.level;
	rep.tlp = (enum tlp)d.tlp;
	snprintf(rep.title, sizeof rep.title, "%s", d.title);
	rep.body = kr_strdup(d.body ? d.body : "");
	if (!rep.body) {
		r = KR_ENOMEM;
		goto out;
	}
	rep.source_org_id = q.caller.person.org_id;
	rep.author_id = q.caller.person.id;
	rep.nrecipient_orgs = d.norgs;
	memcpy(rep.recipient_orgs, d.orgs, sizeof d.orgs);
	rep.nrecipient_people = d.npeople;
	memcpy(rep.recipient_people, d.people, sizeof d.people);
	r = store_begin(s);
	if (r)
		goto out;
	in_tx = true;
	r = store_report_create(s, &rep, inds, ninds);
	if (!r)
		r = web_audit(&q, AUDIT_WRITE, rep.community_id, "report", rep.id, "create");
	if (!r)
		r = store_commit(s);
	if (r)
		goto out;
	in_tx = false;
	snprintf(url, sizeof url, "/reports/%lld", (long long)rep.id);
	r = web_redirect(&q, url);
out:
	if (in_tx)
		store_rollback(q.w->api->store);
	json_decref(errs);
	kr_free(inds);
	core_report_release(&rep);
	core_community_release(&com);
	return web_req_end(&q, r);
}

/* Loads a report for editing: 404 when unreadable, 403 when readable but
 * not the reader's to edit. */
static int load_for_edit(struct web_req *q, struct core_report *rep, struct core_community *com)
{
	memset(com, 0, sizeof *com);
	int r = load_report(q, web_path_id(q, 0), rep);
	if (r)
		return r;
	if (!allows(q, rep, POLICY_EDIT))
		return web_forbidden(q, "form.not_author");
	return store_community_get(q->w->api->store, rep->community_id, com);
}

static int h_edit(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_report rep;
	struct core_community com;
	struct draft d;
	memset(&rep, 0, sizeof rep);
	memset(&com, 0, sizeof com);
	memset(&d, 0, sizeof d);
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_require(&q);
	if (!r)
		r = load_for_edit(&q, &rep, &com);
	if (r)
		goto out;
	d.community_id = rep.community_id;
	d.title = rep.title;
	d.body = rep.body;
	d.kind = (int)rep.kind;
	d.level = (int)rep.level;
	d.tlp = (int)rep.tlp;
	d.norgs = rep.nrecipient_orgs;
	memcpy(d.orgs, rep.recipient_orgs, sizeof d.orgs);
	d.npeople = rep.nrecipient_people;
	memcpy(d.people, rep.recipient_people, sizeof d.people);
	r = render_form(&q, 200, &com, &d, rep.id, (int)rep.tlp, NULL, false);
out:
	core_community_release(&com);
	core_report_release(&rep);
	return web_req_end(&q, r);
}

static int h_update(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_report rep;
	struct core_community com;
	struct core_indicator *inds = NULL;
	size_t ninds = 0;
	struct draft d;
	json_t *errs = NULL;
	bool in_tx = false;
	char url[48], detail[64];
	memset(&rep, 0, sizeof rep);
	memset(&com, 0, sizeof com);
	memset(&d, 0, sizeof d);
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (!r)
		r = web_req_require(&q);
	if (!r)
		r = load_for_edit(&q, &rep, &com);
	if (r)
		goto out;
	struct store *s = q.w->api->store;
	errs = web_arr(&q);
	d.community_id = rep.community_id;
	r = read_draft(&q, &com, false, &d, errs, &inds, &ninds);
	if (r)
		goto out;
	if (json_array_size(errs)) {
		r = render_form(&q, 422, &com, &d, rep.id, (int)rep.tlp, errs, false);
		goto out;
	}
	if (d.tlp < (int)rep.tlp && !confirmed(&d)) {
		r = render_form(&q, 200, &com, &d, rep.id, (int)rep.tlp, NULL, true);
		goto out;
	}
	enum tlp old = rep.tlp;
	snprintf(rep.title, sizeof rep.title, "%s", d.title);
	char *body = kr_strdup(d.body ? d.body : "");
	if (!body) {
		r = KR_ENOMEM;
		goto out;
	}
	kr_free(rep.body);
	rep.body = body;
	rep.kind = (enum report_kind)d.kind;
	rep.level = (enum level)d.level;
	rep.tlp = (enum tlp)d.tlp;
	rep.nrecipient_orgs = d.norgs;
	memcpy(rep.recipient_orgs, d.orgs, sizeof d.orgs);
	rep.nrecipient_people = d.npeople;
	memcpy(rep.recipient_people, d.people, sizeof d.people);
	memset(rep.recipient_people_orgs, 0, sizeof rep.recipient_people_orgs);
	snprintf(detail, sizeof detail, "update tlp=%s->%s", tlp_name(old), tlp_name(rep.tlp));
	r = store_begin(s);
	if (r)
		goto out;
	in_tx = true;
	r = store_report_update(s, &rep);
	if (!r)
		r = web_audit(&q, AUDIT_WRITE, rep.community_id, "report", rep.id, detail);
	if (!r)
		r = store_commit(s);
	if (r)
		goto out;
	in_tx = false;
	snprintf(url, sizeof url, "/reports/%lld", (long long)rep.id);
	r = web_redirect(&q, url);
out:
	if (in_tx)
		store_rollback(q.w->api->store);
	json_decref(errs);
	kr_free(inds);
	core_community_release(&com);
	core_report_release(&rep);
	return web_req_end(&q, r);
}

/* ---- comments ---- */

static int h_comment(struct http_request *req, struct http_response *res, void *ctx)
{
	struct web_req q;
	struct core_report rep;
	struct core_comment cm;
	bool in_tx = false;
	char url[64];
	memset(&rep, 0, sizeof rep);
	memset(&cm, 0, sizeof cm);
	int r = web_req_begin(ctx, req, res, &q);
	if (!r)
		r = web_req_post(&q);
	if (!r)
		r = web_req_require(&q);
	if (!r)
		r = load_report(&q, web_path_id(&q, 0), &rep);
	if (r)
		goto out;
	if (!allows(&q, &rep, POLICY_COMMENT)) {
		r = web_forbidden(&q, "report.may_not_comment");
		goto out;
	}
	const char *body = web_form_get(&q.form, "body");
	const char *tv = web_form_get(&q.form, "tlp");
	int t = tv && *tv ? tlp_parse(tv) : (int)rep.tlp;
	bool blank = true;
	for (const char *c = body; c && *c; c++)
		blank = blank && (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n');
	const char *err = NULL;
	if (blank)
		err = "report.comment_error.blank";
	else if (strlen(body) > CORE_COMMENT_MAX)
		err = "report.comment_error.long";
	else if (t < 0 || !core_comment_tlp_ok(rep.tlp, (enum tlp)t))
		err = "report.comment_error.tlp";
	if (err) {
		r = render_report(&q, &rep, 422, body, t, err);
		goto out;
	}
	struct store *s = q.w->api->store;
	cm.report_id = rep.id;
	cm.author_id = q.caller.person.id;
	cm.org_id = q.caller.person.org_id;
	cm.tlp = (enum tlp)t;
	cm.body = kr_strdup(body);
	if (!cm.body) {
		r = KR_ENOMEM;
		goto out;
	}
	r = store_begin(s);
	if (r)
		goto out;
	in_tx = true;
	r = store_comment_create(s, &cm);
	if (!r)
		r = web_audit(&q, AUDIT_WRITE, rep.community_id, "comment", cm.id, "create");
	if (!r)
		r = store_commit(s);
	if (r)
		goto out;
	in_tx = false;
	snprintf(url, sizeof url, "/reports/%lld#comment-%lld", (long long)rep.id,
		 (long long)cm.id);
	r = web_redirect(&q, url);
out:
	if (in_tx)
		store_rollback(q.w->api->store);
	core_comment_release(&cm);
	core_report_release(&rep);
	return web_req_end(&q, r);
}

int web_reports_register(struct web *w, struct http_server *srv)
{
	static const struct {
		const char *method;
		const char *pattern;
		http_handler fn;
	} routes[] = {
		{ "GET", "/reports", h_list },
		{ "POST", "/reports", h_create },
		/* before /reports/:id, which would take "new" for an id */
		{ "GET", "/reports/new", h_new },
		{ "GET", "/reports/:id", h_view },
		{ "POST", "/reports/:id", h_update },
		{ "GET", "/reports/:id/edit", h_edit },
		{ "POST", "/reports/:id/comments", h_comment },
		{ "GET", "/reports/:id/versions/:n", h_version },
	};
	int r = 0;
	for (size_t i = 0; !r && i < sizeof routes / sizeof routes[0]; i++)
		r = http_route(srv, routes[i].method, routes[i].pattern, routes[i].fn, w);
	return r;
}
