/* interop.h - STIX 2.1 and MISP content in and out of a community, shared
 * by `kring import` / `kring export`, the TAXII 2.1 server and the MISP
 * feed: importing into kring reports and verbatim STIX objects, writing the
 * STIX form of kring's own reports into the store, and deciding, object by
 * object and report by report through policy/, what a reader may see.
 *
 * No HTTP and no printing: functions return a status and, where a person
 * needs to know why, a one-line English message in err. Calls that write
 * run their own transactions (store_begin ... store_commit): they must not
 * be called inside one.
 *
 * Ownership: everything passed in is borrowed; what is handed out says who
 * frees it. */
#ifndef KR_INTEROP_H
#define KR_INTEROP_H

#include "codec/misp.h"
#include "codec/stix.h"
#include "core/model.h"
#include "policy/policy.h"
#include "store/store.h"
#include "store/store_interop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INTEROP_ERR_MAX 512
#define INTEROP_BATCH_DEFAULT 500  /* objects per transaction of an import */
#define INTEROP_SCAN_MAX 20000     /* rows looked at for one page of answers */

/* ---- import ---- */

enum interop_format { INTEROP_STIX, INTEROP_MISP };

/* Tells a STIX bundle / object / array of objects from a MISP event by the
 * members of the top-level JSON object (without parsing its values). Text
 * that is no JSON object counts as STIX, whose reader then says what is
 * wrong with it. KR_EINVAL with a message for a JSON object that is
 * neither (no "type", no "Event", "info", "Attribute", ...). */
int interop_detect(const char *buf, size_t len, enum interop_format *out, char *err,
		   size_t errsz);

/* Called after each committed batch: done of total units (objects, or 1 for
 * a MISP event). */
typedef void (*interop_progress_fn)(void *arg, size_t done, size_t total);

struct interop_import_opts {
	int64_t community_id;
	const struct core_person *as;  /* author of new reports; its org the source */
	enum tlp default_tlp;          /* for content without a TLP marking or tag */
	enum store_stix_origin origin; /* STORE_ORIGIN_IMPORT or STORE_ORIGIN_TAXII */
	/* SHA-256 hex of the input bytes: with the label it names the reports
	 * made for indicators that no STIX report holds, so importing the same
	 * input again finds them instead of making new ones. */
	char input_sha256[65];
	const char *name;              /* shown in titles of such reports ("file.json") */
	struct store_import_run *run;  /* NULL, or the run: its progress is saved
					* with each batch, its counters grow */
	size_t batch;                  /* objects per transaction; 0 = default */
	interop_progress_fn progress;  /* may be NULL */
	void *progress_arg;
};

struct interop_counts {
	size_t nunits;          /* STIX objects, or 1 per MISP event */
	size_t nobjects_new;    /* STIX objects stored now */
	size_t nobjects_known;  /* STIX objects that were stored already */
	size_t nreports_new;    /* kring reports made */
	size_t nreports_known;  /* kring reports that existed already */
	size_t nindicators;     /* indicators of the reports made */
	size_t nskipped;        /* STIX indicators kept only verbatim */
	size_t nrejected;       /* MISP values that did not become indicators */
};

/* Stores parsed STIX content into o->community_id: every STIX `report`
 * becomes a kring report (uuid from its id; the newest version when the
 * input has several; one this person made in this community already is
 * reused, one of another person or community gets a derived uuid) with the
 * indicators
 * it names; indicators no report holds go into one report per label
 * ("Indicators from <name>"), at most CORE_INDICATORS_PER_REPORT each;
 * every object is stored verbatim, linked to the reports it belongs to.
 * Reports are committed first, then objects in batches with the run's
 * progress, so an interrupted import done again with the same input and run
 * adds nothing twice. counts are of this call. */
int interop_import_stix(struct store *s, const struct stix_import *imp,
			const struct interop_import_opts *o, struct interop_counts *counts,
			char *err, size_t errsz);

/* Stores one parsed MISP event as a kring report with its indicators and
 * the raw event (exported instead of kring's own form while the report is
 * unchanged), in one transaction. An event whose report exists is left as
 * it is (counted in nreports_known). */
int interop_import_misp(struct store *s, const struct misp_event *ev,
			const struct interop_import_opts *o, struct interop_counts *counts,
			char *err, size_t errsz);

/* ---- the STIX form of kring's own reports ---- */

/* Writes the STIX objects of the community's reports that changed since
 * the last call (new reports, edits, comments) into the store, linked to
 * their reports; reports imported from STIX are not written again. Cheap
 * when nothing changed. instance scopes organisation ids (NULL = ""). */
int interop_sync(struct store *s, int64_t community_id, const char *instance);

/* ---- read audits ---- */

/* What was let out under AMBER, AMBER+STRICT or RED, for the boundary to
 * write as AUDIT_READ records: a report (object_type "report") or an object
 * that belongs to none (object_type "stix-object", object_id its seq). Each
 * thing appears once, with the strictest label it was let out under. */
struct interop_audit_entry {
	const char *object_type; /* static text */
	int64_t object_id;
	int64_t community_id;
	enum tlp tlp;
};
#define INTEROP_AUDIT_MAX 10000 /* entries kept; truncated is set past it */
struct interop_audit {
	struct interop_audit_entry *items; /* owned: interop_audit_release() */
	size_t n, cap;
	size_t *slots;                     /* owned: a hash of items */
	bool truncated;
};
/* Records one thing (nothing for CLEAR and GREEN). KR_ENOMEM. */
int interop_audit_note(struct interop_audit *a, const char *object_type, int64_t object_id,
		       int64_t community_id, enum tlp tlp);
void interop_audit_release(struct interop_audit *a);

/* ---- what a reader may see ---- */

/* Decides objects for one reader with policy/: an object that belongs to
 * reports is seen when one of them is (under the stricter of its own and
 * the report's label; a note as the comment it came from), an object on its
 * own under its own label, author and source organisation. Reports are
 * loaded once and kept while the reader lives. */
struct interop_reader;

/* *out is owned by the caller: interop_reader_free(). actor is borrowed and
 * must outlive the reader. act: POLICY_EXPORT for TAXII, feeds and exports. */
int interop_reader_new(struct store *s, const struct policy_actor *actor,
		       enum policy_action act, struct interop_reader **out);
void interop_reader_free(struct interop_reader *rd);
/* From now on, what the reader is allowed to see is noted in a (borrowed;
 * NULL stops it). */
void interop_reader_audit(struct interop_reader *rd, struct interop_audit *a);
/* *allow: whether the reader may see o. Store failures are returned. */
int interop_reader_allows(struct interop_reader *rd, const struct store_stix_object *o,
			  bool *allow);

/* One page of objects a reader may see. */
struct interop_page {
	struct store_stix_object *items; /* owned: interop_page_release() */
	size_t n;
	bool more;          /* there may be more after next_seq */
	int64_t next_seq;   /* continue with after_seq = next_seq */
};

/* Fills page with at most limit (1..1000) objects matching q (its
 * after_seq and limit are replaced while scanning) that the reader may see,
 * in seq order. Scans at most INTEROP_SCAN_MAX rows: a page may then be
 * short (even empty) with more = true. */
int interop_page_fetch(struct interop_reader *rd, const struct store_stix_query *q, int limit,
		       struct interop_page *page);
void interop_page_release(struct interop_page *page);

/* ---- exports (each item decided with POLICY_EXPORT for actor) ---- */

enum interop_export_format { INTEROP_EXPORT_STIX, INTEROP_EXPORT_MISP, INTEROP_EXPORT_CSV };

struct interop_export_opts {
	int64_t community_id;
	const struct policy_actor *actor; /* anonymous: TLP:CLEAR only */
	int64_t since;                    /* ms; items changed at or after it; 0 = all */
	const char *instance;             /* NULL = "" */
	struct interop_audit *audit;      /* NULL, or where exported items are noted */
};

/* The community's items the actor may export:
 *   STIX: a bundle of the newest version of every visible object (the STIX
 *         form of kring's reports, imported objects verbatim) with the TLP
 *         2.0 marking definitions they use;
 *   MISP: {"response":[{"Event":...},...]}, one event per report (the raw
 *         event of a report imported from MISP while it is unchanged and
 *         its strictest label may be exported too);
 *   CSV:  one line per indicator of the visible reports, with a header.
 * *out (NUL-terminated) is owned by the caller (kr_free); *count is the
 * number of objects, events or indicators. An export with nothing in it is
 * not an error (STIX: *out is NULL and *count 0, since STIX bundles need an
 * object). */
int interop_export(struct store *s, enum interop_export_format fmt,
		   const struct interop_export_opts *o, char **out, size_t *len, size_t *count,
		   char *err, size_t errsz);

/* A MISP feed of the community's reports the actor may export; *feed is
 * owned by the caller (misp_feed_free). *count is the number of events. */
int interop_misp_feed(struct store *s, const struct interop_export_opts *o,
		      struct misp_feed **feed, size_t *count);
/* The feed file "<uuid>.json" of one report the actor may export:
 * KR_ENOTFOUND when there is none (or it may not be exported). *out is
 * owned by the caller (kr_free). */
int interop_misp_feed_event(struct store *s, const struct interop_export_opts *o,
			    const char *uuid, char **out, size_t *len);

#endif
