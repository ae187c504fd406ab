/* store_interop.h - what the store keeps for STIX 2.1, TAXII 2.1 and MISP:
 * STIX objects per community with the order they were added in, the kring
 * reports they belong to, reports imported from outside (with the raw MISP
 * event), resumable import runs, the watermarks of the STIX form of kring's
 * own reports, and TAXII status resources (tables of
 * migrations/002_interop.sql; SQLite only).
 *
 * Status and transactions as in store.h: 0, KR_ENOTFOUND, KR_ECONFLICT,
 * KR_EINVAL, KR_ENOMEM, KR_EIO. A write made of several statements runs in
 * its own transaction, or in a savepoint of the caller's (store_begin).
 * Nothing here decides access: rows carry what policy/ needs (label,
 * author, source organisation, comment, reports) and the caller asks it. */
#ifndef KR_STORE_INTEROP_H
#define KR_STORE_INTEROP_H

#include "core/model.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_STIX_ID_MAX 288      /* "<type>--<uuid>", type at most 250 */
#define STORE_STIX_TYPE_MAX 250
#define STORE_STIX_VERSION_MAX 40
#define STORE_STIX_LINKS_MAX 32    /* reports of one object returned by a list */
#define STORE_STIX_MATCH_MAX 16    /* values of one match filter */
#define STORE_IMPORT_NAME_MAX 1024

enum store_stix_origin {
	STORE_ORIGIN_IMPORT, /* `kring import` */
	STORE_ORIGIN_TAXII,  /* posted to a TAXII collection */
	STORE_ORIGIN_KRING,  /* the STIX form of a kring report */
	STORE_ORIGIN__COUNT
};
/* "import", "taxii", "kring"; "unknown" when out of range. */
const char *store_stix_origin_name(enum store_stix_origin o);

/* One STIX object as kept for a community. */
struct store_stix_object {
	int64_t seq;          /* order of addition (> 0); set by store_stix_add */
	int64_t community_id;
	char stix_id[STORE_STIX_ID_MAX + 1];
	char type[STORE_STIX_TYPE_MAX + 1];
	char version[STORE_STIX_VERSION_MAX + 1]; /* exact text, "" when none */
	int64_t modified;     /* ms; 0 when the object has no version */
	bool spec_21;         /* spec_version "2.1" is written in the object */
	/* The object as compact JSON. store_stix_add only reads it; rows
	 * returned by store_stix_list own it (freed by store_stix_free). */
	char *json;
	size_t json_len;
	enum tlp tlp;
	enum store_stix_origin origin;
	int64_t author_id;     /* who brought it (0 for the STIX form of a report) */
	int64_t source_org_id; /* that person's organisation, or 0 */
	int64_t comment_id;    /* the kring comment of a note, or 0 */
	int64_t run_id;        /* the import run, or 0 */
	int64_t date_added;    /* microseconds since the epoch; set by store_stix_add */
	bool latest;           /* set by lists: no newer version of its id is kept */
	/* Reports it belongs to. store_stix_add adds these links; a list
	 * returns at most STORE_STIX_LINKS_MAX of them, the newest reports
	 * first. */
	int nreports;
	int64_t reports[STORE_STIX_LINKS_MAX];
};

/* Adds o to its community unless an object with the same (stix_id,
 * version) is there already. The report links of o are added to a new
 * object, and to an existing one only when it was brought by the same
 * person (author_id) or both are kring's own (STORE_ORIGIN_KRING: a shared
 * identity belongs to every report that brought it): linking an object to
 * a report shows it to the report's readers, so nobody may file another
 * person's object under their own report. On a new
 * object o->seq and o->date_added are set and *added is true; date_added is
 * the current time in microseconds, raised when needed so that it grows
 * strictly with seq across the whole store. On an existing one o->seq and
 * o->date_added are those of the stored object and *added is false.
 * KR_EINVAL for empty or overlong text fields or an enum out of range. */
int store_stix_add(struct store *s, struct store_stix_object *o, bool *added);
/* store_stix_add for n objects in one transaction (or savepoint): all or
 * none. added[i] (n of them) tells which were new; all false on failure. */
int store_stix_add_many(struct store *s, struct store_stix_object *objs, size_t n,
			bool *added);

/* Whether the community holds (stix_id, version): 0 with *seq and *run_id
 * (0 when it came from no import run) set, or KR_ENOTFOUND. */
int store_stix_find(struct store *s, int64_t community_id, const char *stix_id,
		    const char *version, int64_t *seq, int64_t *run_id);

/* Which versions of each object a list returns (bits; 0 = all). */
#define STORE_STIX_V_ALL 0u
#define STORE_STIX_V_LAST 1u   /* the newest version of its id */
#define STORE_STIX_V_FIRST 2u  /* the oldest version of its id */

struct store_stix_query {
	int64_t community_id;      /* required */
	int64_t after_seq;         /* only seq > after_seq */
	int64_t added_after;       /* µs; only date_added > added_after; 0 = any */
	int64_t modified_since;    /* ms; only modified (or, without one, date_added)
				    * at or after it; 0 = any */
	int nids;                  /* match[id]: 0 = any */
	const char *ids[STORE_STIX_MATCH_MAX];
	int ntypes;                /* match[type]: 0 = any */
	const char *types[STORE_STIX_MATCH_MAX];
	/* match[version]: the union of the bits and the listed times (an
	 * object's modified, ms). No bits and no times = every version. */
	unsigned versions;
	int nversion_times;
	int64_t version_times[STORE_STIX_MATCH_MAX];
	int limit;                 /* clamped to 1..1000 */
};

/* Objects of q->community_id matching q in seq order (oldest first), at
 * most q->limit. Fewer than limit rows means there are no more. *out is
 * owned by the caller: store_stix_free(*out, *n). */
int store_stix_list(struct store *s, const struct store_stix_query *q,
		    struct store_stix_object **out, size_t *n);
void store_stix_free(struct store_stix_object *arr, size_t n);
/* Number of objects of a community (every version). */
int store_stix_count(struct store *s, int64_t community_id, int64_t *n);

/* ---- reports ---- */

/* The id of the report with this uuid (lower-case text); KR_ENOTFOUND. */
int store_report_id_by_uuid(struct store *s, const char *uuid, int64_t *id);

enum store_import_format { STORE_FORMAT_STIX, STORE_FORMAT_MISP, STORE_FORMAT__COUNT };
/* "stix", "misp"; "unknown" when out of range. */
const char *store_import_format_name(enum store_import_format f);

/* A report that came from outside. */
struct store_imported_report {
	int64_t report_id;
	enum store_import_format format;
	int version;         /* the report's version the import made (1) */
	int64_t run_id;      /* 0 = not from an import run (e.g. TAXII) */
	char *raw;           /* MISP event in feed form, or NULL; owned on get */
	size_t raw_len;
	int raw_tlp;         /* enum tlp of raw, -1 when there is no raw */
	int64_t created;     /* set by add */
};
/* Records r (raw is borrowed); KR_ECONFLICT when the report has a record. */
int store_imported_report_add(struct store *s, struct store_imported_report *r);
/* KR_ENOTFOUND when the report was not imported. out->raw is owned by the
 * caller: store_imported_report_release(). */
int store_imported_report_get(struct store *s, int64_t report_id,
			      struct store_imported_report *out);
void store_imported_report_release(struct store_imported_report *r);

/* ---- import runs ---- */

struct store_import_run {
	int64_t id;
	char sha256[65];     /* of the file's bytes, lower-case hex */
	char name[STORE_IMPORT_NAME_MAX + 1];
	enum store_import_format format;
	int64_t community_id;
	int64_t person_id;
	bool finished;       /* status 'done' */
	int64_t total;       /* units of work (objects or attributes) */
	int64_t done;        /* units committed, 0..total */
	int64_t nreports, nindicators, nobjects; /* new rows made so far */
	int64_t started, updated, finish_time;
};
/* Finds the unfinished run of (sha256, community_id, person_id) and fills
 * *run with it (*resumed = true), or creates one from *run (*resumed =
 * false; id, started, updated set; done and the counters 0). */
int store_import_run_start(struct store *s, struct store_import_run *run, bool *resumed);
/* Saves total, done and the counters of run (updated = now). Call inside
 * the transaction that committed that work, so progress and work agree. */
int store_import_run_progress(struct store *s, struct store_import_run *run);
/* Marks the run done (finished, finish_time = now) with its counters. */
int store_import_run_finish(struct store *s, struct store_import_run *run);
int store_import_run_get(struct store *s, int64_t id, struct store_import_run *out);

/* ---- the STIX form of kring's own reports ---- */

/* The watermarks of a community: the newest report update time and the
 * highest comment id whose STIX form was written (0, 0 when never). */
int store_stix_marks_get(struct store *s, int64_t community_id, int64_t *report_mark,
			 int64_t *comment_mark);
int store_stix_marks_set(struct store *s, int64_t community_id, int64_t report_mark,
			 int64_t comment_mark);
/* The newest report update time and highest comment id of the whole store:
 * when both equal a community's marks nothing changed since its last
 * export. Cheap (two index lookups). */
int store_stix_marks_probe(struct store *s, int64_t *report_max, int64_t *comment_max);
/* Ids of the community's reports, ascending, above after_id, that were not
 * imported from STIX and were updated at or after updated_since or have a comment
 * with an id above comment_after; at most limit (1..1000). *ids is owned by
 * the caller (kr_free). */
int store_stix_changed_reports(struct store *s, int64_t community_id, int64_t updated_since,
			       int64_t comment_after, int64_t after_id, int limit, int64_t **ids,
			       size_t *n);

/* ---- TAXII status resources ---- */

/* Saves the status resource json (borrowed) under id (a lower-case UUID). */
int store_taxii_status_add(struct store *s, const char *id, int64_t community_id,
			   int64_t person_id, const char *json);
/* KR_ENOTFOUND when unknown. *json is owned by the caller (kr_free). */
int store_taxii_status_get(struct store *s, const char *id, int64_t *community_id,
			   int64_t *person_id, char **json);

/* A number that changes whenever anything in the store changed, through
 * this handle or another connection (for caches of answers). */
int store_interop_generation(struct store *s, uint64_t *gen);

#endif
