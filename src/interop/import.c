/* import.c - STIX 2.1 content and MISP events into a community: kring
 * reports with their indicators, and every STIX object verbatim, linked to
 * the reports it belongs to. Idempotent by construction (reports by uuid,
 * objects by id and version), so an interrupted import done again adds
 * nothing twice; the run row keeps the progress. */
#include "interop/interop.h"
#include "codec/digest.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/strbuf.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define LINKS_PER_OBJECT 8 /* reports one object is linked to by one import */

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

/* name as valid one-line UTF-8 of at most max bytes into out[max + 1],
 * for a report title: the name of an imported file need not be UTF-8, and
 * a title cut inside a character could not be served as JSON. Bytes that
 * are no valid character become '?'; a character is never cut. */
static void title_name(const char *name, char *out, size_t max)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)name;
	while (*p) {
		size_t k = 1;
		if (*p >= 0xf0)
			k = 4;
		else if (*p >= 0xe0)
			k = 3;
		else if (*p >= 0xc0)
			k = 2;
		bool ok = strnlen((const char *)p, k) == k &&
			  core_utf8_valid((const char *)p, k, false);
		size_t w = ok ? k : 1;
		if (o + w > max)
			break;
		if (ok)
			memcpy(out + o, p, k);
		else
			out[o] = '?';
		o += w;
		p += w;
	}
	out[o] = '\0';
}

/* ---- detecting the format ---- */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Past a JSON string starting at p (which is '"'); NULL when unterminated. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Past one JSON value at p (strings and brackets matter, nothing else is
 * checked: the codec parses for real). NULL when the text ends first. */
static const char *skip_value(const char *p, const char *end)
{
	size_t depth = 0;
	while (p < end) {
		char ch = *p;
		if (ch == '"') {
			p = skip_string(p, end);
			if (!p)
				return NULL;
			if (depth == 0)
				return p;
			continue;
		}
		if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (depth == 0)
				return p;
			if (--depth == 0)
				return p + 1;
		} else if (depth == 0 && (ch == ',' || ch == ' ' || ch == '\t' || ch == '\r' ||
					  ch == '\n')) {
			return p;
		}
		p++;
	}
	return depth == 0 ? p : NULL;
}

static bool key_is(const char *k, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(k, want, n) == 0;
}

int interop_detect(const char *buf, size_t len, enum interop_format *out, char *err,
		   size_t errsz)
{
	const char *end = buf + len;
	const char *p = skip_ws(buf, end);
	bool has_type = false, misp = false;
	if (p >= end || *p != '{') {
		/* a list of STIX objects; or not JSON at all, which the STIX
		 * reader explains with a line and column */
		*out = INTEROP_STIX;
		return 0;
	}
	p = skip_ws(p + 1, end);
	while (p && p < end && *p == '"') {
		const char *k = p + 1;
		const char *kend = skip_string(p, end);
		if (!kend)
			break;
		size_t klen = (size_t)(kend - 1 - k);
		if (key_is(k, klen, "type"))
			has_type = true;
		if (key_is(k, klen, "Event") || key_is(k, klen, "Attribute") ||
		    key_is(k, klen, "Object") || key_is(k, klen, "info") ||
		    key_is(k, klen, "Orgc") || key_is(k, klen, "Tag"))
			misp = true;
		p = skip_ws(kend, end);
		if (p >= end || *p != ':')
			break;
		p = skip_value(skip_ws(p + 1, end), end);
		if (!p)
			break;
		p = skip_ws(p, end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
		else
			break;
	}
	if (misp && !has_type) {
		*out = INTEROP_MISP;
		return 0;
	}
	if (has_type) {
		*out = INTEROP_STIX;
		return 0;
	}
	say(err, errsz, "neither a STIX bundle or object (no \"type\") nor a MISP event (no "
			"\"Event\", \"info\" or \"Attribute\")");
	return KR_EINVAL;
}

/* ---- reports ---- */

/* The uuid (36 chars) of a kring-made name: UUIDv5 in kring's namespace. */
static int name_uuid(const char *name, char out[37])
{
	char id[STIX_ID_MAX + 1];
	int r = stix_kring_id("report", name, id);
	if (r)
		return r;
	memcpy(out, id + strlen("report--"), 36);
	out[36] = '\0';
	return 0;
}

/* Finds the report for uuid in the community, made by the same person. A
 * report with that uuid in another community, or by another person, is not
 * reused (nobody adds to someone else's report): a derived uuid is taken
 * instead, so content shared into two communities becomes one report in
 * each. *id is 0 when none exists yet; uuid may be replaced by the one to
 * create. */
static int report_lookup(struct store *s, int64_t community_id, int64_t author_id,
			 char uuid[37], int64_t *id)
{
	for (int round = 0; round < 2; round++) {
		struct core_report rep;
		int64_t found = 0;
		int r = store_report_id_by_uuid(s, uuid, &found);
		if (r == KR_ENOTFOUND) {
			*id = 0;
			return 0;
		}
		if (r)
			return r;
		memset(&rep, 0, sizeof rep);
		r = store_report_get(s, found, &rep);
		int64_t comm = rep.community_id, author = rep.author_id;
		core_report_release(&rep);
		if (r)
			return r;
		if (comm == community_id && author == author_id) {
			*id = found;
			return 0;
		}
		char name[128];
		snprintf(name, sizeof name, "community:%lld:person:%lld:%s", (long long)community_id,
			 (long long)author_id, uuid);
		r = name_uuid(name, uuid);
		if (r)
			return r;
	}
	return KR_ECONFLICT;
}

/* Indicators without repeats of (type, value), in order; *out owned by the
 * caller (kr_free). */
static int dedupe(const struct core_indicator *in, size_t n, struct core_indicator **out,
		  size_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	struct core_indicator *arr = kr_calloc(n, sizeof *arr);
	if (!arr)
		return KR_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++)
			dup = arr[j].type == in[i].type && strcmp(arr[j].value, in[i].value) == 0;
		if (!dup)
			arr[k++] = in[i];
	}
	*out = arr;
	*nout = k;
	return 0;
}

/* Creates report rep (uuid set) with its indicators and the record that it
 * came from outside, in one transaction. rep->id is set. */
static int report_create(struct store *s, struct core_report *rep,
			 const struct core_indicator *inds, size_t ninds,
			 enum store_import_format fmt, const struct interop_import_opts *o,
			 const char *raw, size_t raw_len, int raw_tlp)
{
	struct core_indicator *uniq = NULL;
	size_t nuniq = 0;
	struct store_imported_report ir;
	int r = dedupe(inds, ninds, &uniq, &nuniq);
	if (r)
		return r;
	rep->community_id = o->community_id;
	rep->author_id = o->as->id;
	rep->source_org_id = o->as->org_id;
	rep->nrecipient_orgs = 0;
	rep->nrecipient_people = 0;
	if (!rep->title[0])
		snprintf(rep->title, sizeof rep->title, "Imported report %s", rep->uuid);
	r = store_begin(s);
	if (r)
		goto out;
	r = store_report_create(s, rep, uniq, nuniq);
	if (!r) {
		memset(&ir, 0, sizeof ir);
		ir.report_id = rep->id;
		ir.format = fmt;
		ir.version = 1;
		ir.run_id = o->run ? o->run->id : 0;
		ir.raw = (char *)raw;
		ir.raw_len = raw_len;
		ir.raw_tlp = raw ? raw_tlp : -1;
		r = store_imported_report_add(s, &ir);
	}
	if (r) {
		store_rollback(s);
		goto out;
	}
	r = store_commit(s);
out:
	kr_free(uniq);
	return r;
}

/* ---- STIX ---- */

struct linkset {
	int n;
	int64_t ids[LINKS_PER_OBJECT];
};

static void link_add(struct linkset *l, int64_t id)
{
	for (int i = 0; i < l->n; i++) {
		if (l->ids[i] == id)
			return;
	}
	if (l->n < LINKS_PER_OBJECT)
		l->ids[l->n++] = id;
}

/* Object positions sorted by id, to find every version of an id. */
struct id_index {
	const struct stix_import *imp;
	size_t *pos;
	size_t n;
};

static int cmp_pos(const void *a, const void *b, void *ctx)
{
	const struct stix_import *imp = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(imp->objects[x].id, imp->objects[y].id);
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

static int id_index_build(struct id_index *ix, const struct stix_import *imp)
{
	ix->imp = imp;
	ix->n = imp->nobjects;
	ix->pos = kr_calloc(ix->n ? ix->n : 1, sizeof *ix->pos);
	if (!ix->pos)
		return KR_ENOMEM;
	for (size_t i = 0; i < ix->n; i++)
		ix->pos[i] = i;
	qsort_r(ix->pos, ix->n, sizeof *ix->pos, cmp_pos, (void *)imp);
	return 0;
}

/* First index into ix->pos of objects with this id, and how many. */
static size_t id_index_find(const struct id_index *ix, const char *id, size_t *count)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->imp->objects[ix->pos[mid]].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t k = lo;
	while (k < ix->n && strcmp(ix->imp->objects[ix->pos[k]].id, id) == 0)
		k++;
	*count = k - lo;
	return lo;
}

static void link_id(const struct id_index *ix, struct linkset *links, const char *id,
		    int64_t report_id)
{
	size_t cnt;
	size_t first = id_index_find(ix, id, &cnt);
	for (size_t k = first; k < first + cnt; k++)
		link_add(&links[ix->pos[k]], report_id);
}

/* Links the report object, what its object_refs name and its creator to
 * report_id. */
static int link_report_refs(const struct id_index *ix, struct linkset *links,
			    const struct stix_object *obj, int64_t report_id)
{
	json_error_t je;
	json_t *j = json_loadb(obj->json, obj->json_len, 0, &je);
	if (!j)
		return KR_EINVAL;
	link_id(ix, links, obj->id, report_id);
	json_t *refs = json_object_get(j, "object_refs");
	size_t i;
	json_t *v;
	json_array_foreach(refs, i, v) {
		if (json_is_string(v))
			link_id(ix, links, json_string_value(v), report_id);
	}
	json_t *by = json_object_get(j, "created_by_ref");
	if (json_is_string(by))
		link_id(ix, links, json_string_value(by), report_id);
	json_decref(j);
	return 0;
}

/* The kring reports of the STIX reports in imp: one per distinct uuid,
 * made from its newest version. report_ids[i] is the kring id of
 * imp->reports[i]. */
static int stix_reports(struct store *s, const struct stix_import *imp,
			const struct interop_import_opts *o, int64_t *report_ids,
			struct interop_counts *c, char *err, size_t errsz)
{
	for (size_t i = 0; i < imp->nreports; i++) {
		const struct stix_report *sr = &imp->reports[i];
		size_t newest = i;
		bool seen = false;
		for (size_t j = 0; j < imp->nreports; j++) {
			const struct stix_report *other = &imp->reports[j];
			if (strcmp(other->report.uuid, sr->report.uuid) != 0)
				continue;
			if (j < i)
				seen = true;
			if (other->report.updated > imp->reports[newest].report.updated)
				newest = j;
		}
		if (seen) {
			for (size_t j = 0; j < i; j++) {
				if (strcmp(imp->reports[j].report.uuid, sr->report.uuid) == 0)
					report_ids[i] = report_ids[j];
			}
			continue;
		}
		const struct stix_report *src = &imp->reports[newest];
		struct core_report rep = src->report;
		struct core_indicator *inds = NULL;
		int64_t id = 0;
		rep.body = src->report.body; /* borrowed: not released here */
		int r = report_lookup(s, o->community_id, o->as->id, rep.uuid, &id);
		if (r) {
			say(err, errsz, "cannot look up report %s: %s", src->report.uuid,
			    kr_strerror(r));
			return r;
		}
		if (id) {
			report_ids[i] = id;
			c->nreports_known++;
			continue;
		}
		if (src->nindicators) {
			inds = kr_calloc(src->nindicators, sizeof *inds);
			if (!inds)
				return KR_ENOMEM;
			for (size_t k = 0; k < src->nindicators; k++)
				inds[k] = imp->indicators[src->indicators[k]].ind;
		}
		r = report_create(s, &rep, inds, src->nindicators, STORE_FORMAT_STIX, o, NULL, 0,
				  -1);
		kr_free(inds);
		if (r) {
			say(err, errsz, "cannot store report %s (%.80s): %s",
			    src->report.uuid, src->report.title, kr_strerror(r));
			return r;
		}
		report_ids[i] = rep.id;
		c->nreports_new++;
		c->nindicators += src->nindicators;
		if (o->run) {
			o->run->nreports++;
			o->run->nindicators += (int64_t)src->nindicators;
		}
	}
	return 0;
}

/* Whether indicator k of imp is held by one of the imported reports. */
static bool held_by_report(const struct stix_import *imp, size_t k)
{
	for (size_t i = 0; i < imp->nreports; i++) {
		for (size_t j = 0; j < imp->reports[i].nindicators; j++) {
			if (imp->reports[i].indicators[j] == k)
				return true;
		}
	}
	return false;
}

/* Indicators no imported report holds go into reports of their own, one
 * per label and per CORE_INDICATORS_PER_REPORT. One already stored from
 * elsewhere (another run, TAXII) is left out: it has its report. */
static int loose_reports(struct store *s, const struct stix_import *imp,
			 const struct interop_import_opts *o, struct linkset *links,
			 const struct id_index *ix, struct interop_counts *c, char *err,
			 size_t errsz)
{
	int r = 0;
	size_t *sel = NULL;
	bool *loose = kr_calloc(imp->nindicators ? imp->nindicators : 1, sizeof *loose);
	struct core_indicator *inds = kr_calloc(CORE_INDICATORS_PER_REPORT, sizeof *inds);
	sel = kr_calloc(CORE_INDICATORS_PER_REPORT, sizeof *sel);
	if (!loose || !inds || !sel) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < imp->nindicators; k++) {
		const struct stix_object *obj = &imp->objects[imp->indicators[k].object];
		int64_t seq = 0, run_id = 0;
		if (held_by_report(imp, k))
			continue;
		int fr = store_stix_find(s, o->community_id, obj->id, obj->version, &seq, &run_id);
		if (fr && fr != KR_ENOTFOUND) {
			r = fr;
			goto out;
		}
		if (!fr && (!o->run || run_id != o->run->id))
			continue;
		loose[k] = true;
	}
	for (int t = 0; t < TLP__COUNT; t++) {
		size_t k = 0;
		for (int part = 1; k < imp->nindicators; part++) {
			size_t n = 0;
			for (; k < imp->nindicators && n < CORE_INDICATORS_PER_REPORT; k++) {
				if (!loose[k] || imp->indicators[k].tlp != (enum tlp)t)
					continue;
				bool dup = false;
				for (size_t j = 0; j < n && !dup; j++)
					dup = inds[j].type == imp->indicators[k].ind.type &&
					      strcmp(inds[j].value, imp->indicators[k].ind.value) == 0;
				sel[n] = k;
				if (!dup)
					inds[n] = imp->indicators[k].ind;
				else
					inds[n].value[0] = '\0'; /* linked, not stored twice */
				n++;
			}
			if (n == 0)
				break;
			struct core_report rep;
			char name[256];
			int64_t id = 0;
			memset(&rep, 0, sizeof rep);
			snprintf(name, sizeof name, "import:%s:%lld:%s:%d", o->input_sha256,
				 (long long)o->community_id, tlp_name((enum tlp)t), part);
			r = name_uuid(name, rep.uuid);
			if (!r)
				r = report_lookup(s, o->community_id, o->as->id, rep.uuid, &id);
			if (r) {
				say(err, errsz, "cannot look up the report of loose indicators: %s",
				    kr_strerror(r));
				goto out;
			}
			if (!id) {
				size_t m = 0;
				for (size_t j = 0; j < n; j++) {
					if (inds[j].value[0])
						inds[m++] = inds[j];
				}
				rep.kind = RK_THREAT;
				rep.level = LEVEL_TECHNICAL;
				rep.tlp = (enum tlp)t;
				rep.version = 1;
				char from[201];
				title_name(o->name ? o->name : "an import", from, sizeof from - 1);
				if (part > 1)
					snprintf(rep.title, sizeof rep.title,
						 "Indicators from %s (TLP:%s, part %d)", from,
						 tlp_name(rep.tlp), part);
				else
					snprintf(rep.title, sizeof rep.title,
						 "Indicators from %s (TLP:%s)", from,
						 tlp_name(rep.tlp));
				r = report_create(s, &rep, inds, m, STORE_FORMAT_STIX, o, NULL, 0, -1);
				if (r) {
					say(err, errsz, "cannot store the report of loose "
							"indicators: %s", kr_strerror(r));
					goto out;
				}
				id = rep.id;
				c->nreports_new++;
				c->nindicators += m;
				if (o->run) {
					o->run->nreports++;
					o->run->nindicators += (int64_t)m;
				}
			} else {
				c->nreports_known++;
			}
			for (size_t j = 0; j < n; j++)
				link_id(ix, links, imp->objects[imp->indicators[sel[j]].object].id, id);
		}
	}
out:
	kr_free(loose);
	kr_free(inds);
	kr_free(sel);
	return r;
}

/* The store row of object obj of an import (json borrowed). */
static int object_row(const struct stix_object *obj, const struct linkset *l,
		      const struct interop_import_opts *o, struct store_stix_object *row)
{
	memset(row, 0, sizeof *row);
	if (strlen(obj->id) >= sizeof row->stix_id || strlen(obj->type) >= sizeof row->type ||
	    strlen(obj->version) >= sizeof row->version)
		return KR_EINVAL;
	row->community_id = o->community_id;
	snprintf(row->stix_id, sizeof row->stix_id, "%s", obj->id);
	snprintf(row->type, sizeof row->type, "%s", obj->type);
	snprintf(row->version, sizeof row->version, "%s", obj->version);
	row->modified = obj->modified;
	row->spec_21 = strstr(obj->json, "\"spec_version\":\"2.1\"") != NULL;
	row->json = obj->json;
	row->json_len = obj->json_len;
	row->tlp = obj->tlp;
	/* The published TLP definitions are public, whatever marks them. */
	if (strcmp(obj->type, "marking-definition") == 0 && stix_marking_tlp(obj->id) >= 0)
		row->tlp = TLP_CLEAR;
	row->origin = o->origin;
	row->author_id = o->as->id;
	row->source_org_id = o->as->org_id;
	row->run_id = o->run ? o->run->id : 0;
	row->nreports = l ? l->n : 0;
	for (int i = 0; i < row->nreports; i++)
		row->reports[i] = l->ids[i];
	return 0;
}

int interop_import_stix(struct store *s, const struct stix_import *imp,
			const struct interop_import_opts *o, struct interop_counts *c,
			char *err, size_t errsz)
{
	int r = 0;
	struct id_index ix = {0};
	struct linkset *links = NULL;
	int64_t *report_ids = NULL;
	struct store_stix_object *rows = NULL;
	bool *added = NULL;
	size_t batch = o->batch ? o->batch : INTEROP_BATCH_DEFAULT;
	memset(c, 0, sizeof *c);
	c->nunits = imp->nobjects;
	c->nskipped = (size_t)(imp->nskipped > 0 ? imp->nskipped : 0);
	if (!o->as || o->community_id <= 0) {
		say(err, errsz, "an import needs a community and a person");
		return KR_EINVAL;
	}
	links = kr_calloc(imp->nobjects ? imp->nobjects : 1, sizeof *links);
	report_ids = kr_calloc(imp->nreports ? imp->nreports : 1, sizeof *report_ids);
	if (!links || !report_ids) {
		r = KR_ENOMEM;
		goto out;
	}
	r = id_index_build(&ix, imp);
	if (r)
		goto out;
	r = stix_reports(s, imp, o, report_ids, c, err, errsz);
	if (r)
		goto out;
	for (size_t i = 0; i < imp->nreports; i++) {
		r = link_report_refs(&ix, links, &imp->objects[imp->reports[i].object],
				     report_ids[i]);
		if (r) {
			say(err, errsz, "cannot read the references of report %s",
			    imp->objects[imp->reports[i].object].id);
			goto out;
		}
	}
	r = loose_reports(s, imp, o, links, &ix, c, err, errsz);
	if (r)
		goto out;

	if (o->run)
		o->run->total = (int64_t)imp->nobjects;
	size_t start = o->run && o->run->done > 0 ? (size_t)o->run->done : 0;
	if (start > imp->nobjects)
		start = imp->nobjects;
	c->nobjects_known += start;
	rows = kr_calloc(batch, sizeof *rows);
	added = kr_calloc(batch, sizeof *added);
	if (!rows || !added) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t i = start; i < imp->nobjects;) {
		size_t end = i + batch < imp->nobjects ? i + batch : imp->nobjects;
		size_t nnew = 0, nknown = 0;
		for (size_t k = i; !r && k < end; k++) {
			r = object_row(&imp->objects[k], &links[k], o, &rows[k - i]);
			if (r)
				say(err, errsz, "object %.300s does not fit the store",
				    imp->objects[k].id);
		}
		if (r)
			goto out;
		r = store_begin(s);
		if (r) {
			say(err, errsz, "cannot start a transaction: %s", kr_strerror(r));
			goto out;
		}
		{
			r = store_stix_add_many(s, rows, end - i, added);
			if (r)
				say(err, errsz, "cannot store objects %zu..%zu: %s", i, end - 1,
				    kr_strerror(r));
		}
		for (size_t k = 0; !r && k < end - i; k++) {
			if (added[k])
				nnew++;
			else
				nknown++;
		}
		if (!r && o->run) {
			o->run->done = (int64_t)end;
			o->run->nobjects += (int64_t)nnew;
			r = store_import_run_progress(s, o->run);
			if (r) {
				o->run->nobjects -= (int64_t)nnew;
				say(err, errsz, "cannot save the progress of the import: %s",
				    kr_strerror(r));
			}
		}
		if (r) {
			store_rollback(s);
			if (o->run)
				o->run->done = (int64_t)i;
			goto out;
		}
		r = store_commit(s);
		if (r) {
			if (o->run) {
				o->run->done = (int64_t)i;
				o->run->nobjects -= (int64_t)nnew;
			}
			say(err, errsz, "cannot commit the import: %s", kr_strerror(r));
			goto out;
		}
		c->nobjects_new += nnew;
		c->nobjects_known += nknown;
		if (o->progress)
			o->progress(o->progress_arg, end, imp->nobjects);
		i = end;
	}
out:
	kr_free(ix.pos);
	kr_free(links);
	kr_free(report_ids);
	kr_free(rows);
	kr_free(added);
	return r;
}

/* ---- MISP ---- */

int interop_import_misp(struct store *s, const struct misp_event *ev,
			const struct interop_import_opts *o, struct interop_counts *c,
			char *err, size_t errsz)
{
	struct core_report rep = ev->report;
	int64_t id = 0;
	memset(c, 0, sizeof *c);
	c->nunits = 1;
	c->nrejected = ev->nrejects;
	if (!o->as || o->community_id <= 0) {
		say(err, errsz, "an import needs a community and a person");
		return KR_EINVAL;
	}
	rep.body = ev->report.body; /* borrowed */
	int r = report_lookup(s, o->community_id, o->as->id, rep.uuid, &id);
	if (r) {
		say(err, errsz, "cannot look up event %s: %s", ev->report.uuid, kr_strerror(r));
		return r;
	}
	if (id) {
		c->nreports_known = 1;
	} else {
		r = report_create(s, &rep, ev->indicators, ev->nindicators, STORE_FORMAT_MISP, o,
				  ev->raw, ev->raw_len, (int)ev->max_tlp);
		if (r) {
			say(err, errsz, "cannot store event %s (%.80s): %s", ev->report.uuid,
			    ev->report.title, kr_strerror(r));
			return r;
		}
		c->nreports_new = 1;
		c->nindicators = ev->nindicators;
		if (o->run) {
			o->run->nreports++;
			o->run->nindicators += (int64_t)ev->nindicators;
		}
	}
	if (o->run) {
		o->run->total = 1;
		o->run->done = 1;
	}
	if (o->progress)
		o->progress(o->progress_arg, 1, 1);
	return 0;
}
