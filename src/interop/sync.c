/* sync.c - the STIX form of a community's own reports, written into the
 * store next to imported objects, so that TAXII pages and exports read one
 * ordered table. Each report is exported by the codec after it changed (new,
 * edited, commented); its objects keep their ids, an edit adds new versions. */
#include "interop/interop.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define SYNC_PAGE 200

/* Writes the objects of bundle b made from report rep into the store. */
static int write_objects(struct store *s, const struct core_report *rep,
			 const struct core_comment *comments, size_t ncomments,
			 const struct stix_bundle *b)
{
	size_t n = stix_bundle_count(b);
	struct store_stix_object *rows = kr_calloc(n ? n : 1, sizeof *rows);
	bool *added = kr_calloc(n ? n : 1, sizeof *added);
	int r = rows && added ? 0 : KR_ENOMEM;
	for (size_t i = 0; !r && i < n; i++) {
		const struct stix_object *obj = stix_bundle_object(b, i);
		struct store_stix_object row;
		memset(&row, 0, sizeof row);
		if (strlen(obj->id) >= sizeof row.stix_id || strlen(obj->type) >= sizeof row.type ||
		    strlen(obj->version) >= sizeof row.version) {
			r = KR_EINVAL;
			break;
		}
		row.community_id = rep->community_id;
		snprintf(row.stix_id, sizeof row.stix_id, "%s", obj->id);
		snprintf(row.type, sizeof row.type, "%s", obj->type);
		snprintf(row.version, sizeof row.version, "%s", obj->version);
		row.modified = obj->modified;
		row.spec_21 = true;
		row.json = obj->json;
		row.json_len = obj->json_len;
		row.tlp = obj->tlp;
		row.origin = STORE_ORIGIN_KRING;
		row.author_id = rep->author_id;
		row.source_org_id = rep->source_org_id;
		if (strcmp(obj->type, "marking-definition") == 0) {
			/* the published TLP definitions: public, of no report */
			row.tlp = TLP_CLEAR;
		} else {
			row.nreports = 1;
			row.reports[0] = rep->id;
		}
		if (strcmp(obj->type, "note") == 0) {
			for (size_t k = 0; k < ncomments; k++) {
				char name[128], id[STIX_ID_MAX + 1];
				snprintf(name, sizeof name, "comment:%s:%lld", rep->uuid,
					 (long long)comments[k].id);
				if (stix_kring_id("note", name, id) == 0 && strcmp(id, obj->id) == 0) {
					row.comment_id = comments[k].id;
					row.author_id = comments[k].author_id;
					row.source_org_id = comments[k].org_id;
					row.tlp = comments[k].tlp > rep->tlp ? comments[k].tlp
									      : rep->tlp;
				}
			}
		}
		rows[i] = row;
	}
	/* one transaction for the whole report */
	if (!r)
		r = store_stix_add_many(s, rows, n, added);
	kr_free(rows);
	kr_free(added);
	return r;
}

/* The STIX form of report id into the store. A report the codec cannot
 * represent (text that is not UTF-8, say) is passed over: it cannot be
 * shared this way, and it must not stop the others. */
static int export_report(struct store *s, int64_t id, const char *instance)
{
	struct core_report rep;
	struct core_org org;
	struct core_indicator *inds = NULL;
	struct core_comment *comments = NULL;
	size_t ninds = 0, ncomments = 0;
	struct stix_bundle *b = NULL;
	memset(&rep, 0, sizeof rep);
	int r = store_report_get(s, id, &rep);
	if (r == KR_ENOTFOUND)
		return 0;
	if (!r)
		r = store_org_get(s, rep.source_org_id, &org);
	if (!r)
		r = store_indicator_list(s, id, &inds, &ninds);
	if (!r)
		r = store_comment_list(s, id, &comments, &ncomments);
	if (!r)
		r = stix_bundle_new(&b);
	if (r)
		goto out;
	struct stix_report_in in = {
		.report = &rep,
		.source = &org,
		.indicators = inds,
		.nindicators = ninds,
		.comments = comments,
		.ncomments = ncomments,
		.instance = instance,
	};
	r = stix_bundle_add_report(b, &in);
	if (r == KR_EINVAL) {
		r = 0;
		goto out;
	}
	if (!r)
		r = write_objects(s, &rep, comments, ncomments, b);
out:
	stix_bundle_free(b);
	store_indicator_free(inds);
	store_comment_free(comments, ncomments);
	core_report_release(&rep);
	return r;
}

int interop_sync(struct store *s, int64_t community_id, const char *instance)
{
	int64_t rmax = 0, cmax = 0, rmark = 0, cmark = 0, after = 0;
	int r = store_stix_marks_probe(s, &rmax, &cmax);
	if (!r)
		r = store_stix_marks_get(s, community_id, &rmark, &cmark);
	if (r || (rmax == rmark && cmax == cmark))
		return r;
	for (;;) {
		int64_t *ids = NULL;
		size_t n = 0;
		r = store_stix_changed_reports(s, community_id, rmark, cmark, after, SYNC_PAGE, &ids,
					       &n);
		for (size_t i = 0; !r && i < n; i++)
			r = export_report(s, ids[i], instance);
		if (n)
			after = ids[n - 1];
		kr_free(ids);
		if (r || n < SYNC_PAGE)
			break;
	}
	if (!r)
		r = store_stix_marks_set(s, community_id, rmax, cmax);
	return r;
}
