/* sqlite_web.c - the SQLite side of store_web.h: TOTP secrets and visit
 * times of the web interface (tables of migrations/003_web.sql).
 *
 * Each function is one statement with bound values, so it joins the
 * caller's transaction when one is open and is atomic on its own otherwise. */
#include "store/store.h"
#include "store/store_backend.h"
#include "store/store_web.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

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

/* Runs a write statement; *changes receives the rows it touched. */
static int run(sqlite3 *db, sqlite3_stmt *st, int *changes)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		return map_rc(rc == SQLITE_ROW ? SQLITE_MISUSE : rc);
	if (changes)
		*changes = sqlite3_changes(db);
	return 0;
}

static bool secret_ok(const char *s)
{
	size_t n = strnlen(s, STORE_WEB_TOTP_SECRET_MAX + 1);
	if (n < 40 || n > STORE_WEB_TOTP_SECRET_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

int store_web_totp_get(struct store *s, int64_t person_id, struct store_web_totp *out)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !out)
		return KR_EINVAL;
	memset(out, 0, sizeof *out);
	int r = prep(db, "SELECT secret, enabled, last_step, created FROM web_totp "
			 "WHERE person_id = ?1", &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, person_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = KR_ENOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = map_rc(rc);
		goto out;
	}
	const unsigned char *sec = sqlite3_column_text(st, 0);
	out->person_id = person_id;
	snprintf(out->secret, sizeof out->secret, "%s", sec ? (const char *)sec : "");
	out->enabled = sqlite3_column_int(st, 1) != 0;
	out->last_step = sqlite3_column_int64(st, 2);
	out->created = sqlite3_column_int64(st, 3);
out:
	sqlite3_finalize(st);
	return r;
}

int store_web_totp_set(struct store *s, const struct store_web_totp *t)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !t || t->person_id <= 0 || t->last_step < 0 || !secret_ok(t->secret))
		return KR_EINVAL;
	/* last_step never goes back: a code once accepted stays used. */
	int r = prep(db, "INSERT INTO web_totp (person_id, secret, enabled, last_step, created) "
			 "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (person_id) DO UPDATE SET "
			 "secret = excluded.secret, enabled = excluded.enabled, "
			 "last_step = max(last_step, excluded.last_step), created = excluded.created",
		     &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, t->person_id);
	sqlite3_bind_text(st, 2, t->secret, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, t->enabled ? 1 : 0);
	sqlite3_bind_int64(st, 4, t->last_step);
	sqlite3_bind_int64(st, 5, t->created ? t->created : time_now_ms());
	r = run(db, st, NULL);
out:
	sqlite3_finalize(st);
	return r;
}

int store_web_totp_use(struct store *s, int64_t person_id, int64_t step)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	int changes = 0;
	if (!db || step <= 0)
		return KR_EINVAL;
	/* The comparison is in the statement so that two sign-ins with the same
	 * code cannot both pass. */
	int r = prep(db, "UPDATE web_totp SET last_step = ?2 WHERE person_id = ?1 "
			 "AND last_step < ?2", &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, person_id);
	sqlite3_bind_int64(st, 2, step);
	r = run(db, st, &changes);
	if (r || changes)
		goto out;
	struct store_web_totp t;
	r = store_web_totp_get(s, person_id, &t);
	if (!r)
		r = KR_ECONFLICT;
out:
	sqlite3_finalize(st);
	return r;
}

int store_web_totp_delete(struct store *s, int64_t person_id)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	int changes = 0;
	if (!db)
		return KR_EINVAL;
	int r = prep(db, "DELETE FROM web_totp WHERE person_id = ?1", &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, person_id);
	r = run(db, st, &changes);
	if (!r && !changes)
		r = KR_ENOTFOUND;
out:
	sqlite3_finalize(st);
	return r;
}

int store_web_visit_begin(struct store *s, int64_t person_id, int64_t now)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || person_id <= 0)
		return KR_EINVAL;
	int r = prep(db, "INSERT INTO web_visits (person_id, last_seen, previous) "
			 "VALUES (?1, ?2, 0) ON CONFLICT (person_id) DO UPDATE "
			 "SET previous = last_seen, last_seen = excluded.last_seen", &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, person_id);
	sqlite3_bind_int64(st, 2, now);
	r = run(db, st, NULL);
out:
	sqlite3_finalize(st);
	return r;
}

int store_web_visit_touch(struct store *s, int64_t person_id, int64_t now, int64_t min_gap_ms)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || person_id <= 0 || min_gap_ms < 0)
		return KR_EINVAL;
	int r = prep(db, "INSERT INTO web_visits (person_id, last_seen, previous) "
			 "VALUES (?1, ?2, 0) ON CONFLICT (person_id) DO UPDATE "
			 "SET last_seen = excluded.last_seen WHERE last_seen < ?3", &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, person_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, now - min_gap_ms);
	r = run(db, st, NULL);
out:
	sqlite3_finalize(st);
	return r;
}

int store_web_visit_get(struct store *s, int64_t person_id, struct store_web_visit *out)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	if (!db || !out)
		return KR_EINVAL;
	memset(out, 0, sizeof *out);
	out->person_id = person_id;
	int r = prep(db, "SELECT last_seen, previous FROM web_visits WHERE person_id = ?1", &st);
	if (r)
		goto out;
	sqlite3_bind_int64(st, 1, person_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->last_seen = sqlite3_column_int64(st, 0);
		out->previous = sqlite3_column_int64(st, 1);
	} else if (rc != SQLITE_DONE) {
		r = map_rc(rc);
	}
out:
	sqlite3_finalize(st);
	return r;
}
