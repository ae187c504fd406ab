/* export.c - a community's items as a STIX bundle, MISP events, CSV lines
 * and a MISP feed, each item decided with POLICY_EXPORT for the reader. */
#include "interop/interop.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define REPORT_PAGE 500
#define ORG_CACHE 64
#define EXPORT_MAX ((size_t)512 * 1024 * 1024) /* bytes of one export */

static void say(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* ---- STIX ---- */

static int export_stix(struct store *s, const struct interop_export_opts *o, char **out,
		       size_t *len, size_t *count, char *err, size_t errsz)
{
	struct interop_reader *rd = NULL;
	struct stix_bundle *b = NULL;
	struct interop_page page;
	struct store_stix_query q;
	bool used[TLP__COUNT] = {false};
	size_t n = 0;
	memset(&page, 0, sizeof page);
	memset(&q, 0, sizeof q);
	int r = interop_sync(s, o->community_id, o->instance);
	if (r) {
		say(err, errsz, "cannot bring the STIX form of the reports up to date: %s",
		    kr_strerror(r));
		return r;
	}
	r = interop_reader_new(s, o->actor, POLICY_EXPORT, &rd);
	if (!r)
		r = stix_bundle_new(&b);
	if (r)
		goto out;
	interop_reader_audit(rd, o->audit);
	q.community_id = o->community_id;
	q.versions = STORE_STIX_V_LAST;
	q.modified_since = o->since;
	for (;;) {
		r = interop_page_fetch(rd, &q, 1000, &page);
		if (r)
			goto out;
		for (size_t i = 0; i < page.n; i++) {
			const struct store_stix_object *row = &page.items[i];
			if (row->origin == STORE_ORIGIN_KRING &&
			    strcmp(row->type, "marking-definition") == 0)
				continue; /* kring's TLP 2.0 definitions: added below for the
					   * labels in use */
			struct stix_object so;
			memset(&so, 0, sizeof so);
			so.id = (char *)row->stix_id;
			so.type = (char *)row->type;
			so.json = row->json;
			so.json_len = row->json_len;
			so.modified = row->modified;
			so.tlp = row->tlp;
			snprintf(so.version, sizeof so.version, "%s", row->version);
			r = stix_bundle_add_object(b, &so);
			if (r)
				goto out;
			/* the definition goes along when the object names it */
			if (strstr(row->json, stix_tlp_marking_id(row->tlp)))
				used[row->tlp] = true;
			n++;
		}
		bool more = page.more;
		q.after_seq = page.next_seq;
		interop_page_release(&page);
		if (!more)
			break;
	}
	for (int t = 0; t < TLP__COUNT && n; t++) {
		if (used[t])
			r = stix_bundle_add_marking(b, (enum tlp)t);
		if (r)
			goto out;
	}
	*count = n;
	if (n)
		r = stix_bundle_serialise(b, out, len);
out:
	if (r == KR_ELIMIT)
		say(err, errsz, "the export is larger than one STIX bundle may be (%d objects, "
				"64 MiB); export less at a time with --since",
		    STIX_MAX_OBJECTS);
	else if (r)
		say(err, errsz, "cannot export the STIX objects: %s", kr_strerror(r));
	interop_page_release(&page);
	stix_bundle_free(b);
	interop_reader_free(rd);
	return r;
}

/* ---- report-based exports ---- */

struct org_cache {
	struct core_org orgs[ORG_CACHE];
	size_t n, next;
};

static int org_of(struct store *s, struct org_cache *c, int64_t id, const struct core_org **out)
{
	for (size_t i = 0; i < c->n; i++) {
		if (c->orgs[i].id == id) {
			*out = &c->orgs[i];
			return 0;
		}
	}
	size_t slot = c->n < ORG_CACHE ? c->n++ : (c->next++ % ORG_CACHE);
	int r = store_org_get(s, id, &c->orgs[slot]);
	if (r) {
		c->orgs[slot].id = 0;
		return r;
	}
	*out = &c->orgs[slot];
	return 0;
}

/* Calls fn for every report of the community the actor may export, newest
 * first, with its indicators. */
typedef int (*report_fn)(void *arg, const struct core_report *rep, const struct core_org *org,
			 const struct core_indicator *inds, size_t ninds);

static int each_report(struct store *s, const struct interop_export_opts *o, report_fn fn,
		       void *arg)
{
	struct store_report_filter f;
	struct core_report *rows = NULL;
	size_t nrows = 0;
	struct org_cache *orgs = kr_calloc(1, sizeof *orgs);
	int r = 0;
	if (!orgs)
		return KR_ENOMEM;
	memset(&f, 0, sizeof f);
	f.kind = -1;
	f.tlp = -1;
	f.level = -1;
	f.community_id = o->community_id;
	f.since = o->since;
	f.limit = REPORT_PAGE;
	for (;;) {
		r = store_report_list(s, &f, &rows, &nrows);
		if (r)
			break;
		for (size_t i = 0; !r && i < nrows; i++) {
			struct policy_item it = policy_item_from_report(&rows[i]);
			if (!policy_decide(o->actor, &it, POLICY_EXPORT).allow)
				continue;
			struct core_indicator *inds = NULL;
			size_t ninds = 0;
			const struct core_org *org = NULL;
			r = org_of(s, orgs, rows[i].source_org_id, &org);
			if (!r)
				r = store_indicator_list(s, rows[i].id, &inds, &ninds);
			if (!r)
				r = fn(arg, &rows[i], org, inds, ninds);
			store_indicator_free(inds);
		}
		bool more = !r && nrows == (size_t)f.limit;
		if (nrows)
			f.before_id = rows[nrows - 1].id;
		store_report_free(rows, nrows);
		rows = NULL;
		nrows = 0;
		if (!more)
			break;
	}
	kr_free(orgs);
	return r;
}

static struct misp_event_in event_in(const struct core_report *rep, const struct core_org *org,
				     const struct core_indicator *inds, size_t ninds,
				     const char *instance)
{
	struct misp_event_in in = {
		.report = rep,
		.orgc = org,
		.indicators = inds,
		.nindicators = ninds,
		.instance = instance,
		.analysis = 2,
		.threat_level_id = 4,
	};
	return in;
}

struct misp_ctx {
	struct store *s;
	const struct interop_export_opts *o;
	struct strbuf *sb;
	size_t n;
	struct misp_feed *feed;
};

static int misp_one(void *arg, const struct core_report *rep, const struct core_org *org,
		    const struct core_indicator *inds, size_t ninds)
{
	struct misp_ctx *c = arg;
	struct store_imported_report ir;
	char *ev = NULL;
	size_t evlen = 0;
	enum tlp shown = rep->tlp;
	int r = store_imported_report_get(c->s, rep->id, &ir);
	if (r && r != KR_ENOTFOUND)
		return r;
	bool raw = false;
	/* An event without its own uuid (a fragment) goes out in kring's form,
	 * which carries the uuid kring gave it. */
	if (!r && ir.format == STORE_FORMAT_MISP && ir.raw && rep->version == ir.version &&
	    ir.raw_tlp >= 0 && strstr(ir.raw, rep->uuid)) {
		/* The raw event may hold something stricter than the report:
		 * it goes out only to whom that label allows it. */
		struct policy_item it = policy_item_from_report(rep);
		if (ir.raw_tlp > (int)it.tlp)
			it.tlp = (enum tlp)ir.raw_tlp;
		raw = policy_decide(c->o->actor, &it, POLICY_EXPORT).allow;
		if (raw)
			shown = it.tlp;
	}
	if (!raw) {
		struct misp_event_in in = event_in(rep, org, inds, ninds, c->o->instance);
		r = misp_event_export(&in, &ev, &evlen);
	} else {
		r = 0;
	}
	if (!r && c->n)
		r = strbuf_adds(c->sb, ",");
	if (!r)
		r = raw ? strbuf_add(c->sb, ir.raw, ir.raw_len) : strbuf_add(c->sb, ev, evlen);
	if (!r)
		r = interop_audit_note(c->o->audit, "report", rep->id, rep->community_id, shown);
	if (!r)
		c->n++;
	if (r == KR_EINVAL)
		r = 0; /* a report MISP cannot carry is passed over */
	kr_free(ev);
	store_imported_report_release(&ir);
	return r;
}

struct csv_ctx {
	struct strbuf *sb;
	const struct interop_export_opts *o;
	size_t n;
};

/* One RFC 4180 field: quoted when it holds a comma, quote or line break. */
static int csv_field(struct strbuf *sb, const char *v, bool last)
{
	int r = 0;
	if (strpbrk(v, ",\"\r\n")) {
		r = strbuf_add(sb, "\"", 1);
		for (const char *p = v; !r && *p; p++)
			r = *p == '"' ? strbuf_add(sb, "\"\"", 2) : strbuf_add(sb, p, 1);
		if (!r)
			r = strbuf_add(sb, "\"", 1);
	} else {
		r = strbuf_adds(sb, v);
	}
	if (!r)
		r = strbuf_adds(sb, last ? "\r\n" : ",");
	return r;
}

static int csv_time(struct strbuf *sb, int64_t ms, bool last)
{
	char buf[40] = "";
	if (ms > 0)
		time_format_rfc3339(ms, buf, sizeof buf);
	return csv_field(sb, buf, last);
}

static int csv_one(void *arg, const struct core_report *rep, const struct core_org *org,
		   const struct core_indicator *inds, size_t ninds)
{
	struct csv_ctx *c = arg;
	(void)org;
	int r = 0;
	for (size_t i = 0; !r && i < ninds; i++) {
		r = csv_field(c->sb, rep->uuid, false);
		if (!r)
			r = csv_field(c->sb, rep->title, false);
		if (!r)
			r = csv_field(c->sb, tlp_name(rep->tlp), false);
		if (!r)
			r = csv_field(c->sb, ind_type_name(inds[i].type), false);
		if (!r)
			r = csv_field(c->sb, inds[i].value, false);
		if (!r)
			r = csv_field(c->sb, inds[i].comment, false);
		if (!r)
			r = csv_time(c->sb, inds[i].first_seen, false);
		if (!r)
			r = csv_time(c->sb, inds[i].last_seen, false);
		if (!r)
			r = csv_time(c->sb, inds[i].valid_until, false);
		if (!r)
			r = csv_time(c->sb, inds[i].created, true);
		if (!r)
			c->n++;
	}
	if (!r && ninds)
		r = interop_audit_note(c->o->audit, "report", rep->id, rep->community_id, rep->tlp);
	return r;
}

int interop_export(struct store *s, enum interop_export_format fmt,
		   const struct interop_export_opts *o, char **out, size_t *len, size_t *count,
		   char *err, size_t errsz)
{
	struct strbuf sb;
	int r = 0;
	*out = NULL;
	*len = 0;
	*count = 0;
	if (!o->actor || o->community_id <= 0) {
		say(err, errsz, "an export needs a community and a reader");
		return KR_EINVAL;
	}
	if (fmt == INTEROP_EXPORT_STIX)
		return export_stix(s, o, out, len, count, err, errsz);
	strbuf_init(&sb, EXPORT_MAX);
	if (fmt == INTEROP_EXPORT_MISP) {
		struct misp_ctx c = {.s = s, .o = o, .sb = &sb};
		r = strbuf_adds(&sb, "{\"response\":[");
		if (!r)
			r = each_report(s, o, misp_one, &c);
		if (!r)
			r = strbuf_adds(&sb, "]}\n");
		*count = c.n;
	} else {
		struct csv_ctx c = {.sb = &sb, .o = o};
		r = strbuf_adds(&sb, "report_uuid,report_title,tlp,type,value,comment,first_seen,"
				     "last_seen,valid_until,created\r\n");
		if (!r)
			r = each_report(s, o, csv_one, &c);
		*count = c.n;
	}
	if (!r) {
		*out = strbuf_detach(&sb, len);
		if (!*out)
			r = KR_ENOMEM;
	}
	if (r == KR_ELIMIT)
		say(err, errsz, "the export is larger than 512 MiB; export less at a time with "
				"--since");
	else if (r)
		say(err, errsz, "cannot export the reports: %s", kr_strerror(r));
	if (r)
		*count = 0;
	strbuf_release(&sb);
	return r;
}

/* ---- MISP feed ---- */

static int feed_one(void *arg, const struct core_report *rep, const struct core_org *org,
		    const struct core_indicator *inds, size_t ninds)
{
	struct misp_ctx *c = arg;
	struct misp_event_in in = event_in(rep, org, inds, ninds, c->o->instance);
	char *ev = NULL;
	size_t evlen = 0;
	int r = misp_feed_add(c->feed, &in, &ev, &evlen);
	kr_free(ev);
	if (r == KR_EINVAL || r == KR_ECONFLICT)
		return 0; /* not representable, or its uuid is in already */
	if (!r) {
		c->n++;
		r = interop_audit_note(c->o->audit, "report", rep->id, rep->community_id, rep->tlp);
	}
	return r;
}

int interop_misp_feed(struct store *s, const struct interop_export_opts *o,
		      struct misp_feed **feed, size_t *count)
{
	struct misp_ctx c = {.s = s, .o = o};
	*feed = NULL;
	*count = 0;
	if (!o->actor || o->community_id <= 0)
		return KR_EINVAL;
	int r = misp_feed_new(&c.feed);
	if (!r)
		r = each_report(s, o, feed_one, &c);
	if (r) {
		misp_feed_free(c.feed);
		return r;
	}
	*feed = c.feed;
	*count = c.n;
	return 0;
}

int interop_misp_feed_event(struct store *s, const struct interop_export_opts *o,
			    const char *uuid, char **out, size_t *len)
{
	struct core_report rep;
	struct core_org org;
	struct core_indicator *inds = NULL;
	size_t ninds = 0;
	int64_t id = 0;
	*out = NULL;
	*len = 0;
	memset(&rep, 0, sizeof rep);
	if (!o->actor || o->community_id <= 0 || !uuid)
		return KR_EINVAL;
	int r = store_report_id_by_uuid(s, uuid, &id);
	if (!r)
		r = store_report_get(s, id, &rep);
	if (r)
		goto out;
	struct policy_item it = policy_item_from_report(&rep);
	if (rep.community_id != o->community_id ||
	    !policy_decide(o->actor, &it, POLICY_EXPORT).allow) {
		r = KR_ENOTFOUND; /* invisible is the same as absent */
		goto out;
	}
	r = store_org_get(s, rep.source_org_id, &org);
	if (!r)
		r = store_indicator_list(s, id, &inds, &ninds);
	if (r)
		goto out;
	struct misp_event_in in = event_in(&rep, &org, inds, ninds, o->instance);
	r = misp_event_export(&in, out, len);
	if (r == KR_EINVAL)
		r = KR_ENOTFOUND;
	if (!r)
		r = interop_audit_note(o->audit, "report", rep.id, rep.community_id, rep.tlp);
out:
	if (r) {
		kr_free(*out);
		*out = NULL;
		*len = 0;
	}
	store_indicator_free(inds);
	core_report_release(&rep);
	return r;
}
