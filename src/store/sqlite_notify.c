/* sqlite_notify.c - the SQLite side of store_notify.h: constituency
 * registry, notification runs, matches, outbox and sent-log (tables of
 * migrations/004_notify.sql).
 *
 * Every write is one statement with bound values, so it joins the caller's
 * transaction when one is open and is atomic on its own otherwise; the state transitions of the
 * outbox check the old state in the statement itself, so two workers cannot both move one message.
 */
#include "store/store.h"
#include "store/store_backend.h"
#include "store/store_notify.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

static const char *const reg_kinds[] = {"prefix", "asn", "domain", "product", "cpe"};
static const char *const route_kinds[] = {"direct", "supplier", "linking"};
static const char *const run_states[] = {"matching", "queued", "done"};
static const char *const outbox_states[] = {"queued", "sending", "sent", "failed", "acknowledged"};

#define NAMES(a) (sizeof(a) / sizeof((a)[0]))

static int parse_of(const char *const *names, size_t n, const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	}
	return -1;
}

const char *store_reg_kind_name(enum store_reg_kind k)
{
	return (unsigned)k < NAMES(reg_kinds) ? reg_kinds[k] : "unknown";
}

int store_reg_kind_parse(const char *s)
{
	return parse_of(reg_kinds, NAMES(reg_kinds), s);
}

const char *store_route_kind_name(enum store_route_kind k)
{
	return (unsigned)k < NAMES(route_kinds) ? route_kinds[k] : "unknown";
}

int store_route_kind_parse(const char *s)
{
	return parse_of(route_kinds, NAMES(route_kinds), s);
}

const char *store_run_state_name(enum store_run_state st)
{
	return (unsigned)st < NAMES(run_states) ? run_states[st] : "unknown";
}

const char *store_outbox_state_name(enum store_outbox_state st)
{
	return (unsigned)st < NAMES(outbox_states) ? outbox_states[st] : "unknown";
}

int store_outbox_state_parse(const char *s)
{
	return parse_of(outbox_states, NAMES(outbox_states), s);
}

/* The connection, or NULL when s is not a SQLite store. */
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

/* Runs a write statement; *changes receives the rows it touched. A
 * foreign key failure is the caller naming something that does not exist:
 * KR_EINVAL; other constraints are conflicts. */
static int run(sqlite3 *db, sqlite3_stmt *st, int *changes)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_FOREIGNKEY ||
		    sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_CHECK)
			return KR_EINVAL;
		return map_rc(rc == SQLITE_ROW ? SQLITE_MISUSE : rc);
	}
	if (changes)
		*changes = sqlite3_changes(db);
	return 0;
}

static void col_text(sqlite3_stmt *st, int col, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(out, n, "%s", t ? (const char *)t : "");
}

/* An owned copy of a text column ("" for NULL); NULL only when memory ran out. */
static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int len = sqlite3_column_bytes(st, col);
	return kr_strndup(t ? (const char *)t : "", t ? (size_t)len : 0);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

static int64_t or_now(int64_t t)
{
	return t ? t : time_now_ms();
}

static int limit_of(int limit)
{
	return limit < 1 ? 1 : limit > STORE_LIST_MAX ? STORE_LIST_MAX : limit;
}

/* Steps a one-row query: 0 with a row, KR_ENOTFOUND without. */
static int step_row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return KR_ENOTFOUND;
	return map_rc(rc);
}

/* Growing array of fixed-size rows for the list functions. */
struct rows {
	void *arr;
	size_t n, cap, size;
};

static void *rows_next(struct rows *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		void *p = kr_realloc(r->arr, cap * r->size);
		if (!p)
			return NULL;
		r->arr = p;
		r->cap = cap;
	}
	void *slot = (char *)r->arr + r->n * r->size;
	memset(slot, 0, r->size);
	r->n++;
	return slot;
}

/* ---- registrations ---- */

#define REG_COLS "id, org_id, kind, value, vendor, product, min_version, max_version, created"

static void reg_read(sqlite3_stmt *st, struct store_registration *r)
{
	char kind[16];
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->org_id = sqlite3_column_int64(st, 1);
	col_text(st, 2, kind, sizeof kind);
	int k = store_reg_kind_parse(kind);
	r->kind = k < 0 ? STORE_REG_PREFIX : (enum store_reg_kind)k;
	col_text(st, 3, r->value, sizeof r->value);
	col_text(st, 4, r->vendor, sizeof r->vendor);
	col_text(st, 5, r->product, sizeof r->product);
	col_text(st, 6, r->min_version, sizeof r->min_version);
	col_text(st, 7, r->max_version, sizeof r->max_version);
	r->created = sqlite3_column_int64(st, 8);
}

int store_registration_add(struct store *s, struct store_registration *r)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !r || r->org_id <= 0 || (unsigned)r->kind >= STORE_REG__COUNT || !r->value[0])
		return KR_EINVAL;
	int64_t created = or_now(r->created);
	int res = prep(db,
	               "INSERT INTO notify_registrations (org_id, kind, value, vendor, "
	               "product, min_version, max_version, created) "
	               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	               &st);
	if (res)
		goto out;
	sqlite3_bind_int64(st, 1, r->org_id);
	bind_text(st, 2, store_reg_kind_name(r->kind));
	bind_text(st, 3, r->value);
	bind_text(st, 4, r->vendor);
	bind_text(st, 5, r->product);
	bind_text(st, 6, r->min_version);
	bind_text(st, 7, r->max_version);
	sqlite3_bind_int64(st, 8, created);
	res = run(db, st, NULL);
	if (!res) {
		r->id = sqlite3_last_insert_rowid(db);
		r->created = created;
	}
out:
	sqlite3_finalize(st);
	return res;
}

static int reg_get_one(sqlite3 *db, const char *sql, int64_t id, int kind, const char *value,
                       struct store_registration *out)
{
	sqlite3_stmt *st = NULL;
	int r = prep(db, sql, &st);
	if (r)
		goto out;
	if (value) {
		bind_text(st, 1, reg_kinds[kind]);
		bind_text(st, 2, value);
	} else {
		sqlite3_bind_int64(st, 1, id);
	}
	r = step_row(st);
	if (!r)
		reg_read(st, out);
out:
	sqlite3_finalize(st);
	return r;
}

int store_registration_get(struct store *s, int64_t id, struct store_registration *out)
{
	sqlite3 *db = db_of(s);
	if (!db || !out)
		return KR_EINVAL;
	return reg_get_one(db, "SELECT " REG_COLS " FROM notify_registrations WHERE id = ?1", id, 0,
	                   NULL, out);
}

int store_registration_find(struct store *s, enum store_reg_kind kind, const char *value,
                            struct store_registration *out)
{
	sqlite3 *db = db_of(s);
	if (!db || !out || !value || (unsigned)kind >= STORE_REG__COUNT)
		return KR_EINVAL;
	return reg_get_one(db,
	                   "SELECT " REG_COLS " FROM notify_registrations "
	                   "WHERE kind = ?1 AND value = ?2 ORDER BY id LIMIT 1",
	                   0, (int)kind, value, out);
}

static int delete_by_id(struct store *s, const char *sql, int64_t id)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	int changes = 0;
	if (!db)
		return KR_EINVAL;
	int r = prep(db, sql, &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	r = run(db, st, &changes);
	if (!r && !changes)
		r = KR_ENOTFOUND;
out:
	sqlite3_finalize(st);
	return r;
}

int store_registration_delete(struct store *s, int64_t id)
{
	return delete_by_id(s, "DELETE FROM notify_registrations WHERE id = ?1", id);
}

int store_registration_list(struct store *s, int64_t org_id, int64_t before_id, int limit,
                            struct store_registration **out, size_t *n)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	struct rows rows = {.size = sizeof(struct store_registration)};
	if (!db || !out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	int r = prep(db,
	             "SELECT " REG_COLS " FROM notify_registrations "
	             "WHERE (?1 = 0 OR org_id = ?1) AND (?2 = 0 OR id < ?2) "
	             "ORDER BY id DESC LIMIT ?3",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, org_id);
	sqlite3_bind_int64(st, 2, before_id);
	sqlite3_bind_int(st, 3, limit_of(limit));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_registration *reg = rows_next(&rows);
		if (!reg) {
			r = KR_ENOMEM;
			goto out;
		}
		reg_read(st, reg);
	}
	r = map_rc(rc);
out:
	sqlite3_finalize(st);
	if (r) {
		kr_free(rows.arr);
		return r;
	}
	*out = rows.arr;
	*n = rows.n;
	return 0;
}

void store_registration_free(struct store_registration *arr)
{
	kr_free(arr);
}

int store_registration_each(struct store *s, store_registration_fn fn, void *ctx)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	struct store_registration *reg = NULL;
	if (!db || !fn)
		return KR_EINVAL;
	reg = kr_malloc(sizeof *reg);
	if (!reg)
		return KR_ENOMEM;
	int r = prep(db, "SELECT " REG_COLS " FROM notify_registrations ORDER BY id", &st);
	if (r)
		goto out;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		reg_read(st, reg);
		r = fn(ctx, reg);
		if (r)
			goto out;
	}
	r = map_rc(rc);
out:
	sqlite3_finalize(st);
	kr_free(reg);
	return r;
}

/* ---- routes ---- */

static void route_read(sqlite3_stmt *st, struct store_route *r)
{
	char kind[16];
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->org_id = sqlite3_column_int64(st, 1);
	col_text(st, 2, kind, sizeof kind);
	int k = store_route_kind_parse(kind);
	r->kind = k < 0 ? STORE_ROUTE_DIRECT : (enum store_route_kind)k;
	r->via_org_id = sqlite3_column_int64(st, 3);
	r->created = sqlite3_column_int64(st, 4);
}

int store_route_add(struct store *s, struct store_route *r)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !r || r->org_id <= 0 || (unsigned)r->kind >= STORE_ROUTE__COUNT ||
	    (r->kind == STORE_ROUTE_DIRECT) != (r->via_org_id == 0) || r->via_org_id < 0 ||
	    r->via_org_id == r->org_id)
		return KR_EINVAL;
	int64_t created = or_now(r->created);
	int res = prep(db,
	               "INSERT INTO notify_routes (org_id, kind, via_org_id, created) "
	               "VALUES (?1, ?2, ?3, ?4)",
	               &st);
	if (res)
		goto out;
	sqlite3_bind_int64(st, 1, r->org_id);
	bind_text(st, 2, store_route_kind_name(r->kind));
	if (r->via_org_id)
		sqlite3_bind_int64(st, 3, r->via_org_id);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, created);
	res = run(db, st, NULL);
	if (!res) {
		r->id = sqlite3_last_insert_rowid(db);
		r->created = created;
	}
out:
	sqlite3_finalize(st);
	return res;
}

int store_route_get(struct store *s, int64_t id, struct store_route *out)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !out)
		return KR_EINVAL;
	int r = prep(db,
	             "SELECT id, org_id, kind, coalesce(via_org_id, 0), created "
	             "FROM notify_routes WHERE id = ?1",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	r = step_row(st);
	if (!r)
		route_read(st, out);
out:
	sqlite3_finalize(st);
	return r;
}

int store_route_delete(struct store *s, int64_t id)
{
	return delete_by_id(s, "DELETE FROM notify_routes WHERE id = ?1", id);
}

int store_route_list(struct store *s, int64_t org_id, struct store_route **out, size_t *n)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	struct rows rows = {.size = sizeof(struct store_route)};
	if (!db || !out || !n || org_id <= 0)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	int r = prep(db,
	             "SELECT id, org_id, kind, coalesce(via_org_id, 0), created "
	             "FROM notify_routes WHERE org_id = ?1 ORDER BY id LIMIT ?2",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, org_id);
	sqlite3_bind_int(st, 2, STORE_LIST_MAX);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_route *rt = rows_next(&rows);
		if (!rt) {
			r = KR_ENOMEM;
			goto out;
		}
		route_read(st, rt);
	}
	r = map_rc(rc);
out:
	sqlite3_finalize(st);
	if (r) {
		kr_free(rows.arr);
		return r;
	}
	*out = rows.arr;
	*n = rows.n;
	return 0;
}

void store_route_free(struct store_route *arr)
{
	kr_free(arr);
}

int store_route_each(struct store *s, store_route_fn fn, void *ctx)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	struct store_route rt;
	if (!db || !fn)
		return KR_EINVAL;
	int r = prep(db,
	             "SELECT id, org_id, kind, coalesce(via_org_id, 0), created "
	             "FROM notify_routes ORDER BY id",
	             &st);
	if (r)
		goto out;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		route_read(st, &rt);
		r = fn(ctx, &rt);
		if (r)
			goto out;
	}
	r = map_rc(rc);
out:
	sqlite3_finalize(st);
	return r;
}

/* ---- contacts ---- */

static void contact_read(sqlite3_stmt *st, struct store_contact *c)
{
	char lang[8];
	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(st, 0);
	c->org_id = sqlite3_column_int64(st, 1);
	col_text(st, 2, c->name, sizeof c->name);
	col_text(st, 3, c->email, sizeof c->email);
	col_text(st, 4, lang, sizeof lang);
	int l = lang_parse(lang);
	c->lang = l < 0 ? LANG_EN : (enum lang)l;
	c->created = sqlite3_column_int64(st, 5);
}

int store_contact_add(struct store *s, struct store_contact *c)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !c || c->org_id <= 0 || !c->name[0] || !c->email[0] ||
	    (unsigned)c->lang >= LANG__COUNT)
		return KR_EINVAL;
	int64_t created = or_now(c->created);
	int r = prep(db,
	             "INSERT INTO notify_contacts (org_id, name, email, lang, created) "
	             "VALUES (?1, ?2, ?3, ?4, ?5)",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, c->org_id);
	bind_text(st, 2, c->name);
	bind_text(st, 3, c->email);
	bind_text(st, 4, lang_name(c->lang));
	sqlite3_bind_int64(st, 5, created);
	r = run(db, st, NULL);
	if (!r) {
		c->id = sqlite3_last_insert_rowid(db);
		c->created = created;
	}
out:
	sqlite3_finalize(st);
	return r;
}

int store_contact_get(struct store *s, int64_t id, struct store_contact *out)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !out)
		return KR_EINVAL;
	int r = prep(db,
	             "SELECT id, org_id, name, email, lang, created FROM notify_contacts "
	             "WHERE id = ?1",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	r = step_row(st);
	if (!r)
		contact_read(st, out);
out:
	sqlite3_finalize(st);
	return r;
}

int store_contact_delete(struct store *s, int64_t id)
{
	return delete_by_id(s, "DELETE FROM notify_contacts WHERE id = ?1", id);
}

int store_contact_list(struct store *s, int64_t org_id, struct store_contact **out, size_t *n)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	struct rows rows = {.size = sizeof(struct store_contact)};
	if (!db || !out || !n || org_id <= 0)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	int r = prep(db,
	             "SELECT id, org_id, name, email, lang, created FROM notify_contacts "
	             "WHERE org_id = ?1 ORDER BY id LIMIT ?2",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, org_id);
	sqlite3_bind_int(st, 2, STORE_LIST_MAX);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_contact *c = rows_next(&rows);
		if (!c) {
			r = KR_ENOMEM;
			goto out;
		}
		contact_read(st, c);
	}
	r = map_rc(rc);
out:
	sqlite3_finalize(st);
	if (r) {
		kr_free(rows.arr);
		return r;
	}
	*out = rows.arr;
	*n = rows.n;
	return 0;
}

void store_contact_free(struct store_contact *arr)
{
	kr_free(arr);
}

int store_contact_each(struct store *s, store_contact_fn fn, void *ctx)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	struct store_contact c;
	if (!db || !fn)
		return KR_EINVAL;
	int r = prep(db,
	             "SELECT id, org_id, name, email, lang, created FROM notify_contacts "
	             "ORDER BY id",
	             &st);
	if (r)
		goto out;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		contact_read(st, &c);
		r = fn(ctx, &c);
		if (r)
			goto out;
	}
	r = map_rc(rc);
out:
	sqlite3_finalize(st);
	return r;
}

/* ---- runs ---- */

#define RUN_COLS                                                                                   \
	"r.id, r.input_hash, r.input_name, r.input_format, r.event_type, r.state, "                \
	"coalesce(r.person_id, 0), r.bytes, r.rows_read, r.rows_matched, r.rows_unmatched, "       \
	"r.rows_rejected, r.rows_duplicate, r.rows_suppressed, r.rows_truncated, r.victims, "      \
	"r.recipients, r.notifications, r.unroutable, r.created, r.finished, "                     \
	"(SELECT count(*) FROM notify_outbox o WHERE o.run_id = r.id AND o.state = 'queued'), "    \
	"(SELECT count(*) FROM notify_outbox o WHERE o.run_id = r.id AND o.state = 'sending'), "   \
	"(SELECT count(*) FROM notify_outbox o WHERE o.run_id = r.id AND o.state = 'sent'), "      \
	"(SELECT count(*) FROM notify_outbox o WHERE o.run_id = r.id AND o.state = 'failed'), "    \
	"(SELECT count(*) FROM notify_outbox o WHERE o.run_id = r.id "                             \
	"AND o.state = 'acknowledged')"

static void run_read(sqlite3_stmt *st, struct store_notify_run *r)
{
	char state[16];
	int c = 0;
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, c++);
	col_text(st, c++, r->input_hash, sizeof r->input_hash);
	col_text(st, c++, r->input_name, sizeof r->input_name);
	col_text(st, c++, r->input_format, sizeof r->input_format);
	col_text(st, c++, r->event_type, sizeof r->event_type);
	col_text(st, c++, state, sizeof state);
	int k = parse_of(run_states, NAMES(run_states), state);
	r->state = k < 0 ? STORE_RUN_DONE : (enum store_run_state)k;
	r->person_id = sqlite3_column_int64(st, c++);
	int64_t *counts[] = {
	    &r->bytes,         &r->rows_read,      &r->rows_matched,    &r->rows_unmatched,
	    &r->rows_rejected, &r->rows_duplicate, &r->rows_suppressed, &r->rows_truncated,
	    &r->victims,       &r->recipients,     &r->notifications,   &r->unroutable,
	    &r->created,       &r->finished,       &r->n_queued,        &r->n_sending,
	    &r->n_sent,        &r->n_failed,       &r->n_acknowledged};
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
		*counts[i] = sqlite3_column_int64(st, c++);
}

int store_notify_run_create(struct store *s, struct store_notify_run *r)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !r || (unsigned)r->state >= STORE_RUN__COUNT)
		return KR_EINVAL;
	int64_t created = or_now(r->created);
	int res = prep(db,
	               "INSERT INTO notify_runs (input_hash, input_name, input_format, "
	               "event_type, state, person_id, created) "
	               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	               &st);
	if (res)
		goto out;
	bind_text(st, 1, r->input_hash);
	bind_text(st, 2, r->input_name);
	bind_text(st, 3, r->input_format);
	bind_text(st, 4, r->event_type);
	bind_text(st, 5, store_run_state_name(r->state));
	if (r->person_id)
		sqlite3_bind_int64(st, 6, r->person_id);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_int64(st, 7, created);
	res = run(db, st, NULL);
	if (!res) {
		r->id = sqlite3_last_insert_rowid(db);
		r->created = created;
	}
out:
	sqlite3_finalize(st);
	return res;
}

int store_notify_run_update(struct store *s, const struct store_notify_run *r)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	int changes = 0;
	if (!db || !r || (unsigned)r->state >= STORE_RUN__COUNT)
		return KR_EINVAL;
	int res = prep(db,
	               "UPDATE notify_runs SET input_format = ?2, event_type = ?3, "
	               "state = ?4, bytes = ?5, rows_read = ?6, rows_matched = ?7, "
	               "rows_unmatched = ?8, rows_rejected = ?9, rows_duplicate = ?10, "
	               "rows_suppressed = ?11, rows_truncated = ?12, victims = ?13, "
	               "recipients = ?14, notifications = ?15, unroutable = ?16, "
	               "finished = ?17 WHERE id = ?1",
	               &st);
	if (res)
		goto out;
	sqlite3_bind_int64(st, 1, r->id);
	bind_text(st, 2, r->input_format);
	bind_text(st, 3, r->event_type);
	bind_text(st, 4, store_run_state_name(r->state));
	const int64_t counts[] = {r->bytes,           r->rows_read,      r->rows_matched,
	                          r->rows_unmatched,  r->rows_rejected,  r->rows_duplicate,
	                          r->rows_suppressed, r->rows_truncated, r->victims,
	                          r->recipients,      r->notifications,  r->unroutable,
	                          r->finished};
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
		sqlite3_bind_int64(st, 5 + (int)i, counts[i]);
	res = run(db, st, &changes);
	if (!res && !changes)
		res = KR_ENOTFOUND;
out:
	sqlite3_finalize(st);
	return res;
}

static int run_get_one(sqlite3 *db, const char *sql, int64_t id, const char *hash,
                       struct store_notify_run *out)
{
	sqlite3_stmt *st = NULL;
	int r = prep(db, sql, &st);
	if (r)
		goto out;
	if (hash)
		bind_text(st, 1, hash);
	else
		sqlite3_bind_int64(st, 1, id);
	r = step_row(st);
	if (!r)
		run_read(st, out);
out:
	sqlite3_finalize(st);
	return r;
}

int store_notify_run_get(struct store *s, int64_t id, struct store_notify_run *out)
{
	sqlite3 *db = db_of(s);
	if (!db || !out)
		return KR_EINVAL;
	return run_get_one(db, "SELECT " RUN_COLS " FROM notify_runs r WHERE r.id = ?1", id, NULL,
	                   out);
}

int store_notify_run_find(struct store *s, const char *input_hash, struct store_notify_run *out)
{
	sqlite3 *db = db_of(s);
	if (!db || !out || !input_hash)
		return KR_EINVAL;
	return run_get_one(db, "SELECT " RUN_COLS " FROM notify_runs r WHERE r.input_hash = ?1", 0,
	                   input_hash, out);
}

int store_notify_run_list(struct store *s, int64_t before_id, int limit,
                          struct store_notify_run **out, size_t *n)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	struct rows rows = {.size = sizeof(struct store_notify_run)};
	if (!db || !out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	int r = prep(db,
	             "SELECT " RUN_COLS " FROM notify_runs r WHERE (?1 = 0 OR r.id < ?1) "
	             "ORDER BY r.id DESC LIMIT ?2",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, before_id);
	sqlite3_bind_int(st, 2, limit_of(limit));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_notify_run *nr = rows_next(&rows);
		if (!nr) {
			r = KR_ENOMEM;
			goto out;
		}
		run_read(st, nr);
	}
	r = map_rc(rc);
out:
	sqlite3_finalize(st);
	if (r) {
		kr_free(rows.arr);
		return r;
	}
	*out = rows.arr;
	*n = rows.n;
	return 0;
}

void store_notify_run_free(struct store_notify_run *arr)
{
	kr_free(arr);
}

int store_notify_run_settle(struct store *s, int64_t run_id, bool *done)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	int changes = 0;
	if (!db || !done)
		return KR_EINVAL;
	*done = false;
	int r = prep(db,
	             "UPDATE notify_runs SET state = 'done', finished = ?2 "
	             "WHERE id = ?1 AND state <> 'done' AND NOT EXISTS (SELECT 1 FROM "
	             "notify_outbox WHERE run_id = ?1 AND state IN ('queued', 'sending'))",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, time_now_ms());
	r = run(db, st, &changes);
	if (r)
		goto out;
	if (changes) {
		*done = true;
		goto out;
	}
	sqlite3_finalize(st);
	r = prep(db, "SELECT state = 'done' FROM notify_runs WHERE id = ?1", &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	r = step_row(st);
	if (!r)
		*done = sqlite3_column_int(st, 0) != 0;
out:
	sqlite3_finalize(st);
	return r;
}

int store_notify_reject_add(struct store *s, int64_t run_id, int64_t seq,
                            const struct store_notify_reject *rj)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !rj || seq < 1)
		return KR_EINVAL;
	if (seq > STORE_REJECTS_KEPT)
		return 0;
	int r = prep(db,
	             "INSERT INTO notify_run_rejects (run_id, seq, row, line, reason) "
	             "VALUES (?1, ?2, ?3, ?4, ?5)",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, rj->row);
	sqlite3_bind_int64(st, 4, rj->line);
	bind_text(st, 5, rj->reason);
	r = run(db, st, NULL);
out:
	sqlite3_finalize(st);
	return r;
}

int store_notify_reject_list(struct store *s, int64_t run_id, struct store_notify_reject **out,
                             size_t *n)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	struct rows rows = {.size = sizeof(struct store_notify_reject)};
	if (!db || !out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	int r = prep(db,
	             "SELECT row, line, reason FROM notify_run_rejects WHERE run_id = ?1 "
	             "ORDER BY seq LIMIT ?2",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, STORE_REJECTS_KEPT);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_notify_reject *rj = rows_next(&rows);
		if (!rj) {
			r = KR_ENOMEM;
			goto out;
		}
		rj->row = sqlite3_column_int64(st, 0);
		rj->line = sqlite3_column_int64(st, 1);
		col_text(st, 2, rj->reason, sizeof rj->reason);
	}
	r = map_rc(rc);
out:
	sqlite3_finalize(st);
	if (r) {
		kr_free(rows.arr);
		return r;
	}
	*out = rows.arr;
	*n = rows.n;
	return 0;
}

void store_notify_reject_free(struct store_notify_reject *arr)
{
	kr_free(arr);
}

/* ---- matches ---- */

struct store_match_writer {
	sqlite3 *db;
	sqlite3_stmt *st;
};

int store_match_writer_new(struct store *s, struct store_match_writer **out)
{
	sqlite3 *db = db_of(s);
	struct store_match_writer *w = NULL;
	if (!db || !out)
		return KR_EINVAL;
	*out = NULL;
	w = kr_calloc(1, sizeof *w);
	if (!w)
		return KR_ENOMEM;
	w->db = db;
	/* OR IGNORE: a duplicate finding is reported through changes() = 0,
	 * without aborting the caller's transaction statement by statement. */
	int r = prep(db,
	             "INSERT OR IGNORE INTO notify_matches (run_id, victim_org_id, seq, row, "
	             "event_type, category, subject, subject_type, row_key, at, fields) "
	             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	             &w->st);
	if (r) {
		kr_free(w);
		return r;
	}
	*out = w;
	return 0;
}

int store_match_writer_add(struct store_match_writer *w, const struct store_notify_match *m)
{
	int changes = 0;
	if (!w || !m || !m->row_key || !m->subject)
		return KR_EINVAL;
	sqlite3_reset(w->st);
	sqlite3_clear_bindings(w->st);
	sqlite3_bind_int64(w->st, 1, m->run_id);
	sqlite3_bind_int64(w->st, 2, m->victim_org_id);
	sqlite3_bind_int64(w->st, 3, m->seq);
	sqlite3_bind_int64(w->st, 4, m->row);
	bind_text(w->st, 5, m->event_type);
	bind_text(w->st, 6, m->category);
	bind_text(w->st, 7, m->subject);
	bind_text(w->st, 8, m->subject_type);
	bind_text(w->st, 9, m->row_key);
	sqlite3_bind_int64(w->st, 10, m->at);
	bind_text(w->st, 11, m->fields);
	int r = run(w->db, w->st, &changes);
	sqlite3_reset(w->st);
	if (!r && !changes)
		r = KR_ECONFLICT;
	return r;
}

void store_match_writer_free(struct store_match_writer *w)
{
	if (!w)
		return;
	sqlite3_finalize(w->st);
	kr_free(w);
}

int store_notify_match_victims(struct store *s, int64_t run_id, int64_t **out, size_t *n)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	struct rows rows = {.size = sizeof(int64_t)};
	if (!db || !out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	int r = prep(db,
	             "SELECT DISTINCT victim_org_id FROM notify_matches WHERE run_id = ?1 "
	             "ORDER BY victim_org_id",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t *v = rows_next(&rows);
		if (!v) {
			r = KR_ENOMEM;
			goto out;
		}
		*v = sqlite3_column_int64(st, 0);
	}
	r = map_rc(rc);
out:
	sqlite3_finalize(st);
	if (r) {
		kr_free(rows.arr);
		return r;
	}
	*out = rows.arr;
	*n = rows.n;
	return 0;
}

int store_notify_match_each(struct store *s, int64_t run_id, int64_t victim_org_id,
                            store_match_fn fn, void *ctx)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	struct store_notify_match m;
	if (!db || !fn)
		return KR_EINVAL;
	int r = prep(db,
	             "SELECT seq, row, event_type, category, subject, subject_type, row_key, "
	             "at, fields FROM notify_matches WHERE run_id = ?1 AND victim_org_id = ?2 "
	             "ORDER BY seq",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, victim_org_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&m, 0, sizeof m);
		m.run_id = run_id;
		m.victim_org_id = victim_org_id;
		m.seq = sqlite3_column_int64(st, 0);
		m.row = sqlite3_column_int64(st, 1);
		m.event_type = (const char *)sqlite3_column_text(st, 2);
		m.category = (const char *)sqlite3_column_text(st, 3);
		m.subject = (const char *)sqlite3_column_text(st, 4);
		m.subject_type = (const char *)sqlite3_column_text(st, 5);
		m.row_key = (const char *)sqlite3_column_text(st, 6);
		m.at = sqlite3_column_int64(st, 7);
		m.fields = (const char *)sqlite3_column_text(st, 8);
		if (!m.event_type || !m.category || !m.subject || !m.subject_type || !m.row_key ||
		    !m.fields) {
			r = KR_ENOMEM;
			goto out;
		}
		r = fn(ctx, &m);
		if (r)
			goto out;
	}
	r = map_rc(rc);
out:
	sqlite3_finalize(st);
	return r;
}

int store_notify_match_count(struct store *s, int64_t run_id, int64_t *n)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !n)
		return KR_EINVAL;
	int r = prep(db, "SELECT count(*) FROM notify_matches WHERE run_id = ?1", &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	r = step_row(st);
	if (!r)
		*n = sqlite3_column_int64(st, 0);
out:
	sqlite3_finalize(st);
	return r;
}

/* ---- outbox ---- */

#define OUTBOX_COLS                                                                                \
	"id, run_id, dedup_key, recipient_org_id, route, lang, tlp, recipients, subject, "         \
	"nrows, state, attempts, next_attempt, last_error, created, sent_at, acked_at"

static void outbox_read(sqlite3_stmt *st, struct store_outbox *o)
{
	char text[32];
	int k;
	memset(o, 0, sizeof *o);
	o->id = sqlite3_column_int64(st, 0);
	o->run_id = sqlite3_column_int64(st, 1);
	col_text(st, 2, o->dedup_key, sizeof o->dedup_key);
	o->recipient_org_id = sqlite3_column_int64(st, 3);
	col_text(st, 4, text, sizeof text);
	k = store_route_kind_parse(text);
	o->route = k < 0 ? STORE_ROUTE_DIRECT : (enum store_route_kind)k;
	col_text(st, 5, text, sizeof text);
	k = lang_parse(text);
	o->lang = k < 0 ? LANG_EN : (enum lang)k;
	col_text(st, 6, text, sizeof text);
	k = tlp_parse(text);
	o->tlp = k < 0 ? TLP_RED : (enum tlp)k;
	col_text(st, 7, o->recipients, sizeof o->recipients);
	col_text(st, 8, o->subject, sizeof o->subject);
	o->nrows = sqlite3_column_int64(st, 9);
	col_text(st, 10, text, sizeof text);
	k = store_outbox_state_parse(text);
	o->state = k < 0 ? STORE_OUTBOX_FAILED : (enum store_outbox_state)k;
	o->attempts = sqlite3_column_int(st, 11);
	o->next_attempt = sqlite3_column_int64(st, 12);
	col_text(st, 13, o->last_error, sizeof o->last_error);
	o->created = sqlite3_column_int64(st, 14);
	o->sent_at = sqlite3_column_int64(st, 15);
	o->acked_at = sqlite3_column_int64(st, 16);
}

int store_outbox_add(struct store *s, struct store_outbox *o)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !o || !o->body_text || !o->csv || !o->stix || o->nrows < 1 ||
	    (unsigned)o->route >= STORE_ROUTE__COUNT || (unsigned)o->lang >= LANG__COUNT ||
	    (unsigned)o->tlp >= TLP__COUNT)
		return KR_EINVAL;
	int64_t created = or_now(o->created);
	int r = prep(db,
	             "INSERT INTO notify_outbox (run_id, dedup_key, recipient_org_id, route, "
	             "lang, tlp, recipients, subject, body_text, csv, stix, nrows, state, "
	             "next_attempt, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
	             "?11, ?12, 'queued', 0, ?13)",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, o->run_id);
	bind_text(st, 2, o->dedup_key);
	sqlite3_bind_int64(st, 3, o->recipient_org_id);
	bind_text(st, 4, store_route_kind_name(o->route));
	bind_text(st, 5, lang_name(o->lang));
	bind_text(st, 6, tlp_name(o->tlp));
	bind_text(st, 7, o->recipients);
	bind_text(st, 8, o->subject);
	bind_text(st, 9, o->body_text);
	bind_text(st, 10, o->csv);
	bind_text(st, 11, o->stix);
	sqlite3_bind_int64(st, 12, o->nrows);
	sqlite3_bind_int64(st, 13, created);
	r = run(db, st, NULL);
	if (!r) {
		o->id = sqlite3_last_insert_rowid(db);
		o->created = created;
		o->state = STORE_OUTBOX_QUEUED;
		o->attempts = 0;
	}
out:
	sqlite3_finalize(st);
	return r;
}

int store_outbox_get(struct store *s, int64_t id, struct store_outbox *out)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !out)
		return KR_EINVAL;
	memset(out, 0, sizeof *out);
	int r = prep(db,
	             "SELECT " OUTBOX_COLS ", body_text, csv, stix FROM notify_outbox "
	             "WHERE id = ?1",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	r = step_row(st);
	if (r)
		goto out;
	outbox_read(st, out);
	out->body_text = col_dup(st, 17);
	out->csv = col_dup(st, 18);
	out->stix = col_dup(st, 19);
	if (!out->body_text || !out->csv || !out->stix) {
		store_outbox_release(out);
		r = KR_ENOMEM;
	}
out:
	sqlite3_finalize(st);
	return r;
}

void store_outbox_release(struct store_outbox *o)
{
	if (!o)
		return;
	kr_free(o->body_text);
	kr_free(o->csv);
	kr_free(o->stix);
	o->body_text = o->csv = o->stix = NULL;
}

int store_outbox_list(struct store *s, int64_t run_id, int64_t before_id, int limit,
                      struct store_outbox **out, size_t *n)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	struct rows rows = {.size = sizeof(struct store_outbox)};
	if (!db || !out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	int r = prep(db,
	             "SELECT " OUTBOX_COLS " FROM notify_outbox "
	             "WHERE (?1 = 0 OR run_id = ?1) AND (?2 = 0 OR id < ?2) "
	             "ORDER BY id DESC LIMIT ?3",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, before_id);
	sqlite3_bind_int(st, 3, limit_of(limit));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_outbox *o = rows_next(&rows);
		if (!o) {
			r = KR_ENOMEM;
			goto out;
		}
		outbox_read(st, o);
	}
	r = map_rc(rc);
out:
	sqlite3_finalize(st);
	if (r) {
		kr_free(rows.arr);
		return r;
	}
	*out = rows.arr;
	*n = rows.n;
	return 0;
}

void store_outbox_free(struct store_outbox *arr)
{
	kr_free(arr);
}

int store_outbox_next(struct store *s, int64_t run_id, int64_t now, bool ignore_schedule,
                      int64_t *id)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !id)
		return KR_EINVAL;
	*id = 0;
	/* In-doubt messages first, so a resumed worker settles them before
	 * anything new goes out. */
	int r = prep(db,
	             "SELECT id FROM notify_outbox WHERE (?1 = 0 OR run_id = ?1) AND "
	             "(state = 'sending' OR (state = 'queued' AND (?3 OR next_attempt <= ?2))) "
	             "ORDER BY state = 'sending' DESC, id LIMIT 1",
	             &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, ignore_schedule ? 1 : 0);
	r = step_row(st);
	if (!r)
		*id = sqlite3_column_int64(st, 0);
out:
	sqlite3_finalize(st);
	return r;
}

/* One state transition guarded by the old states in the statement. */
static int transition(struct store *s, const char *sql, int64_t id, int64_t t, const char *text)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	int changes = 0;
	if (!db)
		return KR_EINVAL;
	int r = prep(db, sql, &st);
	if (r)
		goto out;
	/* A statement ignores the values it has no parameter for. */
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, t);
	if (text)
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	r = run(db, st, &changes);
	if (r || changes)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	/* Nothing moved: tell a missing row from a wrong state. */
	r = prep(db, "SELECT 1 FROM notify_outbox WHERE id = ?1", &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	r = step_row(st);
	if (!r)
		r = KR_ECONFLICT;
out:
	sqlite3_finalize(st);
	return r;
}

/* An error text cut to what the schema keeps, at a UTF-8 boundary. */
static void cut_error(const char *in, char out[STORE_OUTBOX_ERROR_MAX + 1])
{
	size_t n = strnlen(in ? in : "", STORE_OUTBOX_ERROR_MAX);
	while (n > 0 && n < strlen(in) && ((unsigned char)in[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, in ? in : "", n);
	out[n] = '\0';
}

int store_outbox_mark_sending(struct store *s, int64_t id, const char *ack_hash)
{
	if (!ack_hash || strlen(ack_hash) != 64)
		return KR_EINVAL;
	return transition(s,
	                  "UPDATE notify_outbox SET state = 'sending', attempts = attempts + 1, "
	                  "ack_hash = ?3 WHERE id = ?1 AND state IN ('queued', 'sending')",
	                  id, 0, ack_hash);
}

int store_outbox_mark_sent(struct store *s, int64_t id, int64_t now)
{
	return transition(s,
	                  "UPDATE notify_outbox SET state = 'sent', sent_at = ?2, "
	                  "last_error = '' WHERE id = ?1 AND state = 'sending'",
	                  id, or_now(now), NULL);
}

int store_outbox_mark_retry(struct store *s, int64_t id, int64_t next_attempt, const char *error)
{
	char e[STORE_OUTBOX_ERROR_MAX + 1];
	cut_error(error ? error : "", e);
	return transition(s,
	                  "UPDATE notify_outbox SET state = 'queued', next_attempt = ?2, "
	                  "last_error = ?3 WHERE id = ?1 AND state = 'sending'",
	                  id, next_attempt, e);
}

int store_outbox_mark_failed(struct store *s, int64_t id, const char *error)
{
	char e[STORE_OUTBOX_ERROR_MAX + 1];
	cut_error(error ? error : "", e);
	return transition(s,
	                  "UPDATE notify_outbox SET state = 'failed', last_error = ?3 "
	                  "WHERE id = ?1 AND state IN ('queued', 'sending')",
	                  id, 0, e);
}

int store_outbox_acknowledge(struct store *s, const char *ack_hash, int64_t now,
                             struct store_outbox *out)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !ack_hash || strlen(ack_hash) != 64)
		return KR_EINVAL;
	int r = prep(db,
	             "UPDATE notify_outbox SET state = 'acknowledged', acked_at = ?2 "
	             "WHERE ack_hash = ?1 AND state IN ('sent', 'sending')",
	             &st);
	if (r)
		goto out;
	bind_text(st, 1, ack_hash);
	sqlite3_bind_int64(st, 2, or_now(now));
	r = run(db, st, NULL);
	if (r)
		goto out;
	sqlite3_finalize(st);
	r = prep(db, "SELECT " OUTBOX_COLS " FROM notify_outbox WHERE ack_hash = ?1", &st);
	if (r)
		goto out;
	bind_text(st, 1, ack_hash);
	r = step_row(st);
	if (!r && out)
		outbox_read(st, out);
out:
	sqlite3_finalize(st);
	return r;
}

int store_outbox_get_by_ack(struct store *s, const char *ack_hash, struct store_outbox *out)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !ack_hash || !out || strlen(ack_hash) != 64)
		return KR_EINVAL;
	int r = prep(db, "SELECT " OUTBOX_COLS " FROM notify_outbox WHERE ack_hash = ?1", &st);
	if (r)
		goto out;
	bind_text(st, 1, ack_hash);
	r = step_row(st);
	if (!r)
		outbox_read(st, out);
out:
	sqlite3_finalize(st);
	return r;
}

/* ---- sent-log ---- */

int store_sentlog_seen(struct store *s, const char *key, int64_t since, int64_t run_id, bool *seen)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !key || !seen)
		return KR_EINVAL;
	*seen = false;
	int r = prep(db,
	             "SELECT 1 FROM notify_sentlog l JOIN notify_outbox o "
	             "ON o.id = l.outbox_id WHERE l.key = ?1 AND l.at >= ?2 AND "
	             "o.run_id <> ?3 AND o.state <> 'failed' LIMIT 1",
	             &st);
	if (r)
		goto out;
	bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, run_id);
	r = step_row(st);
	if (!r)
		*seen = true;
	else if (r == KR_ENOTFOUND)
		r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int store_sentlog_add(struct store *s, const char *key, int64_t outbox_id, int64_t at)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !key)
		return KR_EINVAL;
	int r = prep(db,
	             "INSERT OR IGNORE INTO notify_sentlog (key, outbox_id, at) "
	             "VALUES (?1, ?2, ?3)",
	             &st);
	if (r)
		goto out;
	bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, outbox_id);
	sqlite3_bind_int64(st, 3, or_now(at));
	r = run(db, st, NULL);
out:
	sqlite3_finalize(st);
	return r;
}

int store_sentlog_purge(struct store *s, int64_t before)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db)
		return KR_EINVAL;
	int r = prep(db, "DELETE FROM notify_sentlog WHERE at < ?1", &st);
	if (!r) {
		sqlite3_bind_int64(st, 1, before);
		r = run(db, st, NULL);
	}
	sqlite3_finalize(st);
	return r;
}
