/* sqlite_interop.c - the SQLite side of store_interop.h: STIX objects and
 * their reports, imported reports, import runs, export watermarks and TAXII
 * status resources (tables of migrations/002_interop.sql).
 *
 * SQL text is constant (the list query joins constant fragments); every
 * value is a bound parameter. A write of several statements runs in its own
 * BEGIN IMMEDIATE, or in a savepoint when a transaction is open. */
#include "store/store.h"
#include "store/store_backend.h"
#include "store/store_interop.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

#define LIST_MAX 1000
/* A report whose `updated` was taken before a slower writer committed can
 * land just below the watermark; looking this far back catches it (the
 * busy timeout of a writer is 5 s). */
#define MARK_SLACK_MS 10000

/* ---- plumbing ---- */

static sqlite3 *db_of(struct store *s)
{
	if (!s || strcmp(store_backend(s), "sqlite") != 0)
		return NULL;
	return (sqlite3 *)store_sqlite_db(s);
}

static int map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_CONSTRAINT:
		return KR_ECONFLICT;
	case SQLITE_NOMEM:
		return KR_ENOMEM;
	default:
		return KR_EIO;
	}
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	*st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return map_rc(rc);
	}
	return 0;
}

/* Steps once: *row tells whether a row is there. */
static int step(sqlite3_stmt *st, bool *row)
{
	int rc = sqlite3_step(st);
	*row = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : map_rc(rc);
}

static int step_done(sqlite3_stmt *st)
{
	bool row;
	return step(st, &row);
}

/* Binding in order; the first failure is kept. */
struct bind {
	sqlite3_stmt *st;
	int i;
	int rc;
};

static void b_i64(struct bind *b, int64_t v)
{
	int rc = sqlite3_bind_int64(b->st, ++b->i, v);
	if (b->rc == SQLITE_OK)
		b->rc = rc;
}

/* 0 is stored as NULL (an optional reference). */
static void b_ref(struct bind *b, int64_t v)
{
	int rc = v ? sqlite3_bind_int64(b->st, ++b->i, v) : sqlite3_bind_null(b->st, ++b->i);
	if (b->rc == SQLITE_OK)
		b->rc = rc;
}

static void b_textn(struct bind *b, const char *s, size_t len)
{
	int rc;
	if (!s)
		rc = sqlite3_bind_null(b->st, ++b->i);
	else if (len > INT_MAX)
		rc = SQLITE_TOOBIG;
	else
		rc = sqlite3_bind_text(b->st, ++b->i, s, (int)len, SQLITE_STATIC);
	if (b->rc == SQLITE_OK)
		b->rc = rc;
}

static void b_str(struct bind *b, const char *s)
{
	b_textn(b, s, s ? strlen(s) : 0);
}

static int bind_end(struct bind *b)
{
	return map_rc(b->rc);
}

/* Copies a text column into dst[size]; too long is a damaged store. */
static int col_arr(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t len = (size_t)sqlite3_column_bytes(st, col);
	dst[0] = '\0';
	if (!t)
		return sqlite3_column_type(st, col) == SQLITE_NULL ? 0 : KR_ENOMEM;
	if (len >= size)
		return KR_EIO;
	memcpy(dst, t, len);
	dst[len] = '\0';
	return 0;
}

/* A heap copy of a text column (kr_free); NULL column gives NULL. */
static int col_dup(sqlite3_stmt *st, int col, char **out, size_t *len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	*out = NULL;
	if (len)
		*len = 0;
	if (!t)
		return sqlite3_column_type(st, col) == SQLITE_NULL ? 0 : KR_ENOMEM;
	*out = kr_strndup((const char *)t, n);
	if (!*out)
		return KR_ENOMEM;
	if (len)
		*len = n;
	return 0;
}

/* A write of several statements: its own transaction, or a savepoint. */
static int tx_begin(sqlite3 *db, bool *own)
{
	*own = sqlite3_get_autocommit(db) != 0;
	int rc = sqlite3_exec(db, *own ? "BEGIN IMMEDIATE" : "SAVEPOINT kr_interop", NULL, NULL,
			      NULL);
	return map_rc(rc);
}

static int tx_end(sqlite3 *db, bool own, int r)
{
	if (!r) {
		int rc = sqlite3_exec(db, own ? "COMMIT" : "RELEASE kr_interop", NULL, NULL, NULL);
		r = map_rc(rc);
		if (!r)
			return 0;
	}
	if (sqlite3_get_autocommit(db))
		return r; /* SQLite rolled the whole transaction back already */
	if (own) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	} else {
		sqlite3_exec(db, "ROLLBACK TO kr_interop", NULL, NULL, NULL);
		sqlite3_exec(db, "RELEASE kr_interop", NULL, NULL, NULL);
	}
	return r;
}

/* Reads of several statements see one snapshot. */
static int rd_begin(sqlite3 *db, bool *own)
{
	*own = false;
	if (!sqlite3_get_autocommit(db))
		return 0;
	int r = map_rc(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL));
	if (!r)
		*own = true;
	return r;
}

static void rd_end(sqlite3 *db, bool own)
{
	if (own && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One integer of a one-row query with up to two integer parameters. */
static int query_i64(sqlite3 *db, const char *sql, int nparams, int64_t p1, int64_t p2,
		     int64_t *out)
{
	sqlite3_stmt *st = NULL;
	bool row = false;
	*out = 0;
	int r = prep(db, sql, &st);
	if (r)
		goto out;
	struct bind b = {st, 0, SQLITE_OK};
	if (nparams > 0)
		b_i64(&b, p1);
	if (nparams > 1)
		b_i64(&b, p2);
	r = bind_end(&b);
	if (!r)
		r = step(st, &row);
	if (!r && row)
		*out = sqlite3_column_int64(st, 0);
out:
	sqlite3_finalize(st);
	return r;
}

static bool text_ok(const char *s, size_t size, bool may_be_empty)
{
	size_t n = strnlen(s, size);
	return n < size && (may_be_empty || n > 0);
}

/* ---- names ---- */

const char *store_stix_origin_name(enum store_stix_origin o)
{
	static const char *const names[] = {"import", "taxii", "kring"};
	if ((int)o < 0 || o >= STORE_ORIGIN__COUNT)
		return "unknown";
	return names[o];
}

static int origin_parse(const char *s)
{
	for (int i = 0; i < STORE_ORIGIN__COUNT; i++) {
		if (strcmp(s, store_stix_origin_name((enum store_stix_origin)i)) == 0)
			return i;
	}
	return -1;
}

const char *store_import_format_name(enum store_import_format f)
{
	static const char *const names[] = {"stix", "misp"};
	if ((int)f < 0 || f >= STORE_FORMAT__COUNT)
		return "unknown";
	return names[f];
}

static int format_parse(const char *s)
{
	for (int i = 0; i < STORE_FORMAT__COUNT; i++) {
		if (strcmp(s, store_import_format_name((enum store_import_format)i)) == 0)
			return i;
	}
	return -1;
}

/* ---- STIX objects ---- */

/* The statements of adding objects, prepared once per call. */
struct adder {
	sqlite3_stmt *find, *insert, *link;
	int64_t last;   /* date_added of the newest object, kept while adding */
};

static void adder_release(struct adder *a)
{
	sqlite3_finalize(a->find);
	sqlite3_finalize(a->insert);
	sqlite3_finalize(a->link);
}

static int adder_init(sqlite3 *db, struct adder *a)
{
	memset(a, 0, sizeof *a);
	int r = prep(db,
		     "SELECT seq, date_added, coalesce(author_id, 0), origin FROM stix_objects "
		     "WHERE community_id = ?1 AND stix_id = ?2 AND version = ?3",
		     &a->find);
	if (!r)
		r = prep(db,
			 "INSERT INTO stix_objects (community_id, stix_id, type, version, modified, "
			 "spec_version, json, tlp, origin, author_id, source_org_id, comment_id, "
			 "run_id, date_added) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
			 "?12, ?13, ?14)",
			 &a->insert);
	if (!r)
		r = prep(db,
			 "INSERT OR IGNORE INTO stix_object_reports (object_seq, report_id) "
			 "VALUES (?1, ?2)",
			 &a->link);
	/* date_added grows strictly with seq, store-wide: paging by seq and
	 * filtering by date_added then agree. Inside the write transaction
	 * nobody else adds, so the newest one is read once. */
	if (!r)
		r = query_i64(db, "SELECT date_added FROM stix_objects ORDER BY seq DESC LIMIT 1", 0,
			      0, 0, &a->last);
	return r;
}

static bool object_ok(const struct store_stix_object *o)
{
	return text_ok(o->stix_id, sizeof o->stix_id, false) &&
	       text_ok(o->type, sizeof o->type, false) &&
	       text_ok(o->version, sizeof o->version, true) && o->json && o->json_len >= 2 &&
	       (int)o->tlp >= 0 && o->tlp < TLP__COUNT && (int)o->origin >= 0 &&
	       o->origin < STORE_ORIGIN__COUNT && o->community_id > 0 && o->nreports >= 0 &&
	       o->nreports <= STORE_STIX_LINKS_MAX;
}

static int add_links(struct adder *a, int64_t seq, const int64_t *reports, int n)
{
	int r = 0;
	for (int i = 0; !r && i < n; i++) {
		sqlite3_reset(a->link);
		struct bind b = {a->link, 0, SQLITE_OK};
		b_i64(&b, seq);
		b_i64(&b, reports[i]);
		r = bind_end(&b);
		if (!r)
			r = step_done(a->link);
	}
	return r;
}

static int add_one(struct adder *a, struct store_stix_object *o, bool *added)
{
	bool row = false;
	*added = false;
	sqlite3_reset(a->find);
	struct bind b = {a->find, 0, SQLITE_OK};
	b_i64(&b, o->community_id);
	b_str(&b, o->stix_id);
	b_str(&b, o->version);
	int r = bind_end(&b);
	if (!r)
		r = step(a->find, &row);
	if (r)
		return r;
	if (row) {
		o->seq = sqlite3_column_int64(a->find, 0);
		o->date_added = sqlite3_column_int64(a->find, 1);
		/* Filing an object under a report lets the report's readers see
		 * it: only who brought it may do that (and kring, for its own
		 * objects shared by several reports). */
		int64_t author = sqlite3_column_int64(a->find, 2);
		const char *origin = (const char *)sqlite3_column_text(a->find, 3);
		bool kring = origin && strcmp(origin, store_stix_origin_name(STORE_ORIGIN_KRING)) == 0;
		if ((kring && o->origin == STORE_ORIGIN_KRING) ||
		    (!kring && o->origin != STORE_ORIGIN_KRING && author == o->author_id))
			return add_links(a, o->seq, o->reports, o->nreports);
		return 0;
	}
	int64_t when = now_us();
	if (when <= a->last)
		when = a->last + 1;
	sqlite3_reset(a->insert);
	struct bind w = {a->insert, 0, SQLITE_OK};
	b_i64(&w, o->community_id);
	b_str(&w, o->stix_id);
	b_str(&w, o->type);
	b_str(&w, o->version);
	b_i64(&w, o->modified);
	b_str(&w, o->spec_21 ? "2.1" : "");
	b_textn(&w, o->json, o->json_len);
	b_str(&w, tlp_name(o->tlp));
	b_str(&w, store_stix_origin_name(o->origin));
	b_ref(&w, o->author_id);
	b_ref(&w, o->source_org_id);
	b_ref(&w, o->comment_id);
	b_ref(&w, o->run_id);
	b_i64(&w, when);
	r = bind_end(&w);
	if (!r)
		r = step_done(a->insert);
	if (r)
		return r;
	o->seq = sqlite3_last_insert_rowid(sqlite3_db_handle(a->insert));
	o->date_added = when;
	a->last = when;
	*added = true;
	return add_links(a, o->seq, o->reports, o->nreports);
}

int store_stix_add_many(struct store *s, struct store_stix_object *objs, size_t n, bool *added)
{
	sqlite3 *db = db_of(s);
	struct adder a;
	bool own = false;
	memset(&a, 0, sizeof a);
	for (size_t i = 0; i < n; i++)
		added[i] = false;
	if (!db)
		return KR_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!object_ok(&objs[i]))
			return KR_EINVAL;
	}
	if (n == 0)
		return 0;
	int r = tx_begin(db, &own);
	if (r)
		return r;
	r = adder_init(db, &a);
	for (size_t i = 0; !r && i < n; i++)
		r = add_one(&a, &objs[i], &added[i]);
	adder_release(&a);
	r = tx_end(db, own, r);
	if (r) {
		for (size_t i = 0; i < n; i++)
			added[i] = false;
	}
	return r;
}

int store_stix_add(struct store *s, struct store_stix_object *o, bool *added)
{
	return store_stix_add_many(s, o, 1, added);
}

int store_stix_find(struct store *s, int64_t community_id, const char *stix_id,
		    const char *version, int64_t *seq, int64_t *run_id)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	bool row = false;
	*seq = 0;
	*run_id = 0;
	if (!db || !stix_id || !version)
		return KR_EINVAL;
	int r = prep(db,
		     "SELECT seq, run_id FROM stix_objects "
		     "WHERE community_id = ?1 AND stix_id = ?2 AND version = ?3",
		     &st);
	if (!r) {
		struct bind b = {st, 0, SQLITE_OK};
		b_i64(&b, community_id);
		b_str(&b, stix_id);
		b_str(&b, version);
		r = bind_end(&b);
	}
	if (!r)
		r = step(st, &row);
	if (!r && !row)
		r = KR_ENOTFOUND;
	if (!r) {
		*seq = sqlite3_column_int64(st, 0);
		*run_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return r;
}

/* Appends " AND <col> IN (?, ...)" for n text values. */
static int frag_in(struct strbuf *sql, const char *col, int n)
{
	int r = strbuf_addf(sql, " AND %s IN (", col);
	for (int i = 0; !r && i < n; i++)
		r = strbuf_adds(sql, i ? ", ?" : "?");
	if (!r)
		r = strbuf_adds(sql, ")");
	return r;
}

static const char SQL_LIST_COLS[] =
	"SELECT o.seq, o.community_id, o.stix_id, o.type, o.version, o.modified, "
	"o.spec_version, o.json, o.tlp, o.origin, o.author_id, o.source_org_id, o.comment_id, "
	"o.run_id, o.date_added, ";
static const char SQL_LIST_FROM[] = " FROM stix_objects o WHERE o.community_id = ? AND o.seq > ?";

static const char SQL_NEWER[] =
	"NOT EXISTS (SELECT 1 FROM stix_objects n WHERE n.community_id = o.community_id AND "
	"n.stix_id = o.stix_id AND (n.modified > o.modified OR (n.modified = o.modified AND "
	"n.version > o.version)))";
static const char SQL_OLDER[] =
	"NOT EXISTS (SELECT 1 FROM stix_objects n WHERE n.community_id = o.community_id AND "
	"n.stix_id = o.stix_id AND (n.modified < o.modified OR (n.modified = o.modified AND "
	"n.version < o.version)))";

/* The reports of one object, newest first; run once per listed row (a
 * separate statement keeps the list query simple to prepare and run). */
static const char SQL_LINKS[] =
	"SELECT report_id FROM stix_object_reports WHERE object_seq = ?1 "
	"ORDER BY report_id DESC LIMIT 32";
_Static_assert(STORE_STIX_LINKS_MAX == 32, "the LIMIT in SQL_LINKS");

static int list_sql(const struct store_stix_query *q, struct strbuf *sql)
{
	/* the last-version filter alone already says which rows are latest */
	bool only_last = q->versions == STORE_STIX_V_LAST && q->nversion_times == 0;
	int r = strbuf_adds(sql, SQL_LIST_COLS);
	if (!r)
		r = strbuf_adds(sql, only_last ? "1" : SQL_NEWER);
	if (!r)
		r = strbuf_adds(sql, SQL_LIST_FROM);
	if (!r && q->modified_since > 0)
		r = strbuf_adds(sql, " AND (o.modified >= ? OR (o.modified = 0 AND "
				     "o.date_added >= ? * 1000))");
	if (!r && q->nids > 0)
		r = frag_in(sql, "o.stix_id", q->nids);
	if (!r && q->ntypes > 0)
		r = frag_in(sql, "o.type", q->ntypes);
	if (!r && (q->versions || q->nversion_times > 0)) {
		const char *sep = "";
		r = strbuf_adds(sql, " AND (");
		if (!r && (q->versions & STORE_STIX_V_LAST)) {
			r = strbuf_adds(sql, SQL_NEWER);
			sep = " OR ";
		}
		if (!r && (q->versions & STORE_STIX_V_FIRST)) {
			r = strbuf_addf(sql, "%s%s", sep, SQL_OLDER);
			sep = " OR ";
		}
		if (!r && q->nversion_times > 0) {
			r = strbuf_addf(sql, "%so.modified IN (", sep);
			for (int i = 0; !r && i < q->nversion_times; i++)
				r = strbuf_adds(sql, i ? ", ?" : "?");
			if (!r)
				r = strbuf_adds(sql, ")");
		}
		if (!r)
			r = strbuf_adds(sql, ")");
	}
	if (!r)
		r = strbuf_adds(sql, " ORDER BY o.seq LIMIT ?");
	return r;
}

/* Fills o->reports from the prepared SQL_LINKS statement. */
static int read_links(sqlite3_stmt *links, struct store_stix_object *o)
{
	int r = 0;
	o->nreports = 0;
	sqlite3_reset(links);
	struct bind b = {links, 0, SQLITE_OK};
	b_i64(&b, o->seq);
	r = bind_end(&b);
	while (!r && o->nreports < STORE_STIX_LINKS_MAX) {
		bool row = false;
		r = step(links, &row);
		if (r || !row)
			break;
		o->reports[o->nreports++] = sqlite3_column_int64(links, 0);
	}
	return r;
}

static int read_object(sqlite3_stmt *st, struct store_stix_object *o)
{
	char text[32] = "";
	memset(o, 0, sizeof *o);
	o->seq = sqlite3_column_int64(st, 0);
	o->community_id = sqlite3_column_int64(st, 1);
	int r = col_arr(st, 2, o->stix_id, sizeof o->stix_id);
	if (!r)
		r = col_arr(st, 3, o->type, sizeof o->type);
	if (!r)
		r = col_arr(st, 4, o->version, sizeof o->version);
	o->modified = sqlite3_column_int64(st, 5);
	if (!r)
		r = col_arr(st, 6, text, sizeof text);
	o->spec_21 = !r && strcmp(text, "2.1") == 0;
	if (!r)
		r = col_dup(st, 7, &o->json, &o->json_len);
	if (!r && !o->json)
		r = KR_EIO;
	if (!r)
		r = col_arr(st, 8, text, sizeof text);
	if (!r) {
		int t = tlp_parse(text);
		if (t < 0)
			r = KR_EIO;
		o->tlp = t < 0 ? TLP_RED : (enum tlp)t;
	}
	if (!r)
		r = col_arr(st, 9, text, sizeof text);
	if (!r) {
		int g = origin_parse(text);
		if (g < 0)
			r = KR_EIO;
		o->origin = g < 0 ? STORE_ORIGIN_IMPORT : (enum store_stix_origin)g;
	}
	o->author_id = sqlite3_column_int64(st, 10);
	o->source_org_id = sqlite3_column_int64(st, 11);
	o->comment_id = sqlite3_column_int64(st, 12);
	o->run_id = sqlite3_column_int64(st, 13);
	o->date_added = sqlite3_column_int64(st, 14);
	o->latest = sqlite3_column_int(st, 15) != 0;
	return r;
}

int store_stix_list(struct store *s, const struct store_stix_query *q,
		    struct store_stix_object **out, size_t *n)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL, *links = NULL;
	struct strbuf sql;
	struct store_stix_object *arr = NULL;
	size_t cnt = 0;
	bool own = false;
	int64_t after = q->after_seq > 0 ? q->after_seq : 0;
	int limit = q->limit < 1 ? 1 : q->limit > LIST_MAX ? LIST_MAX : q->limit;
	*out = NULL;
	*n = 0;
	strbuf_init(&sql, 64 * 1024);
	if (!db)
		return KR_EINVAL;
	if (q->community_id <= 0 || q->nids < 0 || q->nids > STORE_STIX_MATCH_MAX ||
	    q->ntypes < 0 || q->ntypes > STORE_STIX_MATCH_MAX || q->nversion_times < 0 ||
	    q->nversion_times > STORE_STIX_MATCH_MAX)
		return KR_EINVAL;
	int r = rd_begin(db, &own);
	if (r)
		goto out;
	if (q->added_after > 0) {
		/* date_added grows with seq: "added after t" is "seq after the
		 * last object added at or before t". */
		int64_t lo = 0;
		r = query_i64(db,
			      "SELECT seq FROM stix_objects WHERE date_added <= ?1 "
			      "ORDER BY date_added DESC LIMIT 1",
			      1, q->added_after, 0, &lo);
		if (r)
			goto out;
		if (lo > after)
			after = lo;
	}
	r = list_sql(q, &sql);
	if (!r)
		r = prep(db, sql.buf, &st);
	if (!r)
		r = prep(db, SQL_LINKS, &links);
	if (r)
		goto out;
	struct bind b = {st, 0, SQLITE_OK};
	b_i64(&b, q->community_id);
	b_i64(&b, after);
	if (q->modified_since > 0) {
		b_i64(&b, q->modified_since);
		b_i64(&b, q->modified_since);
	}
	for (int i = 0; i < q->nids; i++)
		b_str(&b, q->ids[i]);
	for (int i = 0; i < q->ntypes; i++)
		b_str(&b, q->types[i]);
	for (int i = 0; i < q->nversion_times; i++)
		b_i64(&b, q->version_times[i]);
	b_i64(&b, limit);
	r = bind_end(&b);
	if (r)
		goto out;
	arr = kr_calloc((size_t)limit, sizeof *arr);
	if (!arr) {
		r = KR_ENOMEM;
		goto out;
	}
	for (;;) {
		bool row = false;
		r = step(st, &row);
		if (r || !row)
			break;
		r = read_object(st, &arr[cnt]);
		cnt++;
		if (r || cnt == (size_t)limit)
			break;
	}
	for (size_t i = 0; !r && i < cnt; i++)
		r = read_links(links, &arr[i]);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(links);
	if (db)
		rd_end(db, own);
	strbuf_release(&sql);
	if (r) {
		store_stix_free(arr, cnt);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

void store_stix_free(struct store_stix_object *arr, size_t n)
{
	if (!arr)
		return;
	for (size_t i = 0; i < n; i++)
		kr_free(arr[i].json);
	kr_free(arr);
}

int store_stix_count(struct store *s, int64_t community_id, int64_t *n)
{
	sqlite3 *db = db_of(s);
	if (!db)
		return KR_EINVAL;
	return query_i64(db, "SELECT count(*) FROM stix_objects WHERE community_id = ?1", 1,
			 community_id, 0, n);
}

/* ---- reports ---- */

int store_report_id_by_uuid(struct store *s, const char *uuid, int64_t *id)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	bool row = false;
	*id = 0;
	if (!db || !uuid)
		return KR_EINVAL;
	int r = prep(db, "SELECT id FROM reports WHERE uuid = ?1", &st);
	if (!r) {
		struct bind b = {st, 0, SQLITE_OK};
		b_str(&b, uuid);
		r = bind_end(&b);
	}
	if (!r)
		r = step(st, &row);
	if (!r && !row)
		r = KR_ENOTFOUND;
	if (!r)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r;
}

int store_imported_report_add(struct store *s, struct store_imported_report *ir)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || ir->report_id <= 0 || (int)ir->format < 0 || ir->format >= STORE_FORMAT__COUNT ||
	    ir->version < 1 || ir->raw_tlp < -1 || ir->raw_tlp >= TLP__COUNT ||
	    (ir->raw && ir->raw_tlp < 0))
		return KR_EINVAL;
	int64_t now = time_now_ms();
	int r = prep(db,
		     "INSERT INTO imported_reports (report_id, format, version, run_id, raw, "
		     "raw_tlp, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		     &st);
	if (!r) {
		struct bind b = {st, 0, SQLITE_OK};
		b_i64(&b, ir->report_id);
		b_str(&b, store_import_format_name(ir->format));
		b_i64(&b, ir->version);
		b_ref(&b, ir->run_id);
		b_textn(&b, ir->raw, ir->raw_len);
		b_str(&b, ir->raw ? tlp_name((enum tlp)ir->raw_tlp) : NULL);
		b_i64(&b, now);
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(st);
	sqlite3_finalize(st);
	if (!r)
		ir->created = now;
	return r;
}

int store_imported_report_get(struct store *s, int64_t report_id,
			      struct store_imported_report *out)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	bool row = false;
	char text[32];
	memset(out, 0, sizeof *out);
	out->raw_tlp = -1;
	if (!db)
		return KR_EINVAL;
	int r = prep(db,
		     "SELECT format, version, run_id, raw, raw_tlp, created FROM imported_reports "
		     "WHERE report_id = ?1",
		     &st);
	if (!r) {
		struct bind b = {st, 0, SQLITE_OK};
		b_i64(&b, report_id);
		r = bind_end(&b);
	}
	if (!r)
		r = step(st, &row);
	if (!r && !row)
		r = KR_ENOTFOUND;
	if (r)
		goto out;
	out->report_id = report_id;
	r = col_arr(st, 0, text, sizeof text);
	if (!r) {
		int f = format_parse(text);
		if (f < 0)
			r = KR_EIO;
		out->format = f < 0 ? STORE_FORMAT_STIX : (enum store_import_format)f;
	}
	out->version = sqlite3_column_int(st, 1);
	out->run_id = sqlite3_column_int64(st, 2);
	if (!r)
		r = col_dup(st, 3, &out->raw, &out->raw_len);
	if (!r)
		r = col_arr(st, 4, text, sizeof text);
	if (!r && out->raw) {
		out->raw_tlp = tlp_parse(text);
		if (out->raw_tlp < 0)
			r = KR_EIO;
	}
	out->created = sqlite3_column_int64(st, 5);
out:
	sqlite3_finalize(st);
	if (r)
		store_imported_report_release(out);
	return r;
}

void store_imported_report_release(struct store_imported_report *ir)
{
	if (!ir)
		return;
	kr_free(ir->raw);
	ir->raw = NULL;
	ir->raw_len = 0;
}

/* ---- import runs ---- */

static const char SQL_RUN_COLS[] =
	"SELECT id, sha256, name, format, community_id, person_id, status, total, done, nreports, "
	"nindicators, nobjects, started, updated, finished FROM import_runs ";

static int read_run(sqlite3_stmt *st, struct store_import_run *run)
{
	char text[32];
	memset(run, 0, sizeof *run);
	run->id = sqlite3_column_int64(st, 0);
	int r = col_arr(st, 1, run->sha256, sizeof run->sha256);
	if (!r)
		r = col_arr(st, 2, run->name, sizeof run->name);
	if (!r)
		r = col_arr(st, 3, text, sizeof text);
	if (!r) {
		int f = format_parse(text);
		if (f < 0)
			r = KR_EIO;
		run->format = f < 0 ? STORE_FORMAT_STIX : (enum store_import_format)f;
	}
	run->community_id = sqlite3_column_int64(st, 4);
	run->person_id = sqlite3_column_int64(st, 5);
	if (!r)
		r = col_arr(st, 6, text, sizeof text);
	run->finished = !r && strcmp(text, "done") == 0;
	run->total = sqlite3_column_int64(st, 7);
	run->done = sqlite3_column_int64(st, 8);
	run->nreports = sqlite3_column_int64(st, 9);
	run->nindicators = sqlite3_column_int64(st, 10);
	run->nobjects = sqlite3_column_int64(st, 11);
	run->started = sqlite3_column_int64(st, 12);
	run->updated = sqlite3_column_int64(st, 13);
	run->finish_time = sqlite3_column_int64(st, 14);
	return r;
}

static bool sha_ok(const char *h)
{
	if (strnlen(h, 65) != 64)
		return false;
	for (int i = 0; i < 64; i++) {
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	}
	return true;
}

int store_import_run_start(struct store *s, struct store_import_run *run, bool *resumed)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	bool own = false, row = false;
	struct strbuf sql;
	*resumed = false;
	strbuf_init(&sql, 1024);
	if (!db || !sha_ok(run->sha256) || !text_ok(run->name, sizeof run->name, true) ||
	    (int)run->format < 0 || run->format >= STORE_FORMAT__COUNT ||
	    run->community_id <= 0 || run->person_id <= 0)
		return KR_EINVAL;
	int r = tx_begin(db, &own);
	if (r)
		return r;
	r = strbuf_adds(&sql, SQL_RUN_COLS);
	if (!r)
		r = strbuf_adds(&sql, "WHERE sha256 = ?1 AND community_id = ?2 AND person_id = ?3 "
				      "AND status = 'running'");
	if (!r)
		r = prep(db, sql.buf, &st);
	if (r)
		goto out;
	struct bind b = {st, 0, SQLITE_OK};
	b_str(&b, run->sha256);
	b_i64(&b, run->community_id);
	b_i64(&b, run->person_id);
	r = bind_end(&b);
	if (!r)
		r = step(st, &row);
	if (r)
		goto out;
	if (row) {
		struct store_import_run found;
		r = read_run(st, &found);
		if (!r) {
			*run = found;
			*resumed = true;
		}
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	int64_t now = time_now_ms();
	r = prep(db,
		 "INSERT INTO import_runs (sha256, name, format, community_id, person_id, status, "
		 "total, done, started, updated) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, 0, ?7, "
		 "?7)",
		 &st);
	if (r)
		goto out;
	struct bind w = {st, 0, SQLITE_OK};
	b_str(&w, run->sha256);
	b_str(&w, run->name);
	b_str(&w, store_import_format_name(run->format));
	b_i64(&w, run->community_id);
	b_i64(&w, run->person_id);
	b_i64(&w, run->total > 0 ? run->total : 0);
	b_i64(&w, now);
	r = bind_end(&w);
	if (!r)
		r = step_done(st);
	if (r)
		goto out;
	run->id = sqlite3_last_insert_rowid(db);
	run->finished = false;
	run->total = run->total > 0 ? run->total : 0;
	run->done = run->nreports = run->nindicators = run->nobjects = 0;
	run->started = run->updated = now;
	run->finish_time = 0;
out:
	sqlite3_finalize(st);
	strbuf_release(&sql);
	return tx_end(db, own, r);
}

static int run_save(struct store *s, struct store_import_run *run, bool finish)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || run->id <= 0 || run->total < 0 || run->done < 0 || run->done > run->total)
		return KR_EINVAL;
	int64_t now = time_now_ms();
	int r = prep(db,
		     finish ? "UPDATE import_runs SET total = ?2, done = ?3, nreports = ?4, "
			      "nindicators = ?5, nobjects = ?6, updated = ?7, status = 'done', "
			      "finished = ?7 WHERE id = ?1"
			    : "UPDATE import_runs SET total = ?2, done = ?3, nreports = ?4, "
			      "nindicators = ?5, nobjects = ?6, updated = ?7 WHERE id = ?1",
		     &st);
	if (!r) {
		struct bind b = {st, 0, SQLITE_OK};
		b_i64(&b, run->id);
		b_i64(&b, run->total);
		b_i64(&b, run->done);
		b_i64(&b, run->nreports);
		b_i64(&b, run->nindicators);
		b_i64(&b, run->nobjects);
		b_i64(&b, now);
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(st);
	if (!r && sqlite3_changes(db) == 0)
		r = KR_ENOTFOUND;
	sqlite3_finalize(st);
	if (!r) {
		run->updated = now;
		if (finish) {
			run->finished = true;
			run->finish_time = now;
		}
	}
	return r;
}

int store_import_run_progress(struct store *s, struct store_import_run *run)
{
	return run_save(s, run, false);
}

int store_import_run_finish(struct store *s, struct store_import_run *run)
{
	return run_save(s, run, true);
}

int store_import_run_get(struct store *s, int64_t id, struct store_import_run *out)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	bool row = false;
	struct strbuf sql;
	memset(out, 0, sizeof *out);
	strbuf_init(&sql, 1024);
	if (!db)
		return KR_EINVAL;
	int r = strbuf_adds(&sql, SQL_RUN_COLS);
	if (!r)
		r = strbuf_adds(&sql, "WHERE id = ?1");
	if (!r)
		r = prep(db, sql.buf, &st);
	if (!r) {
		struct bind b = {st, 0, SQLITE_OK};
		b_i64(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step(st, &row);
	if (!r && !row)
		r = KR_ENOTFOUND;
	if (!r)
		r = read_run(st, out);
	sqlite3_finalize(st);
	strbuf_release(&sql);
	return r;
}

/* ---- the STIX form of kring's own reports ---- */

int store_stix_marks_get(struct store *s, int64_t community_id, int64_t *report_mark,
			 int64_t *comment_mark)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	bool row = false;
	*report_mark = 0;
	*comment_mark = 0;
	if (!db)
		return KR_EINVAL;
	int r = prep(db,
		     "SELECT report_mark, comment_mark FROM stix_export_marks "
		     "WHERE community_id = ?1",
		     &st);
	if (!r) {
		struct bind b = {st, 0, SQLITE_OK};
		b_i64(&b, community_id);
		r = bind_end(&b);
	}
	if (!r)
		r = step(st, &row);
	if (!r && row) {
		*report_mark = sqlite3_column_int64(st, 0);
		*comment_mark = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return r;
}

int store_stix_marks_set(struct store *s, int64_t community_id, int64_t report_mark,
			 int64_t comment_mark)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || community_id <= 0)
		return KR_EINVAL;
	int r = prep(db,
		     "INSERT INTO stix_export_marks (community_id, report_mark, comment_mark, "
		     "updated) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (community_id) DO UPDATE SET "
		     "report_mark = excluded.report_mark, comment_mark = excluded.comment_mark, "
		     "updated = excluded.updated",
		     &st);
	if (!r) {
		struct bind b = {st, 0, SQLITE_OK};
		b_i64(&b, community_id);
		b_i64(&b, report_mark);
		b_i64(&b, comment_mark);
		b_i64(&b, time_now_ms());
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(st);
	sqlite3_finalize(st);
	return r;
}

int store_stix_marks_probe(struct store *s, int64_t *report_max, int64_t *comment_max)
{
	sqlite3 *db = db_of(s);
	bool own = false;
	*report_max = 0;
	*comment_max = 0;
	if (!db)
		return KR_EINVAL;
	int r = rd_begin(db, &own);
	if (!r)
		r = query_i64(db, "SELECT coalesce(max(updated), 0) FROM reports", 0, 0, 0,
			      report_max);
	if (!r)
		r = query_i64(db, "SELECT coalesce(max(id), 0) FROM comments", 0, 0, 0,
			      comment_max);
	rd_end(db, own);
	return r;
}

int store_stix_changed_reports(struct store *s, int64_t community_id, int64_t updated_since,
			       int64_t comment_after, int64_t after_id, int limit, int64_t **ids,
			       size_t *n)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	int64_t *arr = NULL;
	size_t cnt = 0;
	*ids = NULL;
	*n = 0;
	if (!db || community_id <= 0)
		return KR_EINVAL;
	if (limit < 1 || limit > LIST_MAX)
		limit = LIST_MAX;
	int r = prep(db,
		     "SELECT id FROM ("
		     "SELECT r.id AS id FROM reports r WHERE r.updated >= ?2 AND "
		     "r.community_id = ?1 "
		     "UNION SELECT c.report_id FROM comments c JOIN reports r ON r.id = c.report_id "
		     "WHERE c.id > ?3 AND r.community_id = ?1) "
		     "WHERE id > ?4 AND id NOT IN (SELECT report_id FROM imported_reports "
		     "WHERE format = 'stix') "
		     "ORDER BY id LIMIT ?5",
		     &st);
	if (r)
		goto out;
	struct bind b = {st, 0, SQLITE_OK};
	b_i64(&b, community_id);
	b_i64(&b, updated_since - MARK_SLACK_MS);
	b_i64(&b, comment_after);
	b_i64(&b, after_id);
	b_i64(&b, limit);
	r = bind_end(&b);
	if (r)
		goto out;
	arr = kr_calloc((size_t)limit, sizeof *arr);
	if (!arr) {
		r = KR_ENOMEM;
		goto out;
	}
	for (;;) {
		bool row = false;
		r = step(st, &row);
		if (r || !row)
			break;
		arr[cnt++] = sqlite3_column_int64(st, 0);
		if (cnt == (size_t)limit)
			break;
	}
out:
	sqlite3_finalize(st);
	if (r) {
		kr_free(arr);
		return r;
	}
	*ids = arr;
	*n = cnt;
	return 0;
}

/* ---- TAXII status resources ---- */

int store_taxii_status_add(struct store *s, const char *id, int64_t community_id,
			   int64_t person_id, const char *json)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !id || !json || community_id <= 0 || person_id <= 0)
		return KR_EINVAL;
	int r = prep(db,
		     "INSERT INTO taxii_status (id, community_id, person_id, created, json) "
		     "VALUES (?1, ?2, ?3, ?4, ?5)",
		     &st);
	if (!r) {
		struct bind b = {st, 0, SQLITE_OK};
		b_str(&b, id);
		b_i64(&b, community_id);
		b_i64(&b, person_id);
		b_i64(&b, time_now_ms());
		b_str(&b, json);
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(st);
	sqlite3_finalize(st);
	return r;
}

int store_taxii_status_get(struct store *s, const char *id, int64_t *community_id,
			   int64_t *person_id, char **json)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	bool row = false;
	*json = NULL;
	*community_id = 0;
	*person_id = 0;
	if (!db || !id)
		return KR_EINVAL;
	int r = prep(db, "SELECT community_id, person_id, json FROM taxii_status WHERE id = ?1",
		     &st);
	if (!r) {
		struct bind b = {st, 0, SQLITE_OK};
		b_str(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step(st, &row);
	if (!r && !row)
		r = KR_ENOTFOUND;
	if (!r) {
		*community_id = sqlite3_column_int64(st, 0);
		*person_id = sqlite3_column_int64(st, 1);
		r = col_dup(st, 2, json, NULL);
		if (!r && !*json)
			r = KR_EIO;
	}
	sqlite3_finalize(st);
	return r;
}

int store_interop_generation(struct store *s, uint64_t *gen)
{
	sqlite3 *db = db_of(s);
	int64_t dv = 0;
	*gen = 0;
	if (!db)
		return KR_EINVAL;
	/* data_version moves with commits of other connections, total_changes
	 * with every row this connection changed. (The pager's data version
	 * file control would save the statement, but it only sees other
	 * connections' commits once a read transaction started.) */
	int r = query_i64(db, "PRAGMA data_version", 0, 0, 0, &dv);
	if (r)
		return r;
	uint64_t tc = (uint64_t)sqlite3_total_changes64(db);
	*gen = ((uint64_t)dv << 40) ^ tc;
	return 0;
}
