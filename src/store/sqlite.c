/* sqlite.c - the SQLite backend of the store: connection set-up, schema
 * migrations, transactions, and every operation of struct store_ops.
 *
 * Rules kept throughout: SQL text is constant (list filters only join
 * constant fragments); every value is a bound parameter; every write runs
 * in op_begin()/op_end() (its own transaction, or a savepoint inside the
 * caller's); statements are finalised before their function returns. */
#include "store/migrations.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "policy/policy.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/random.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/banned.h"

#define BUSY_TIMEOUT_MS 5000
#define LIKE_MAX        8192 /* bytes of an escaped text filter */

struct sq {
	/* First, so that a struct store * is a struct sq *; the head is the
	 * layout store_sqlite_db() (store_backend.h) reads for sqlite_*.c. */
	struct store_sqlite_head head;
	bool in_tx;    /* the caller's transaction (store_begin) is open */
	char err[256]; /* text of the last failure, for store_errmsg() */
};

static const struct store_ops sqlite_ops;

static struct sq *sq_of(struct store *s)
{
	return (struct sq *)s;
}

/* ---- errors ---- */

/* Maps a SQLite result code to a status and keeps SQLite's text. */
static int sq_fail(struct sq *q, int rc)
{
	snprintf(q->err, sizeof q->err, "%s", sqlite3_errmsg(q->head.db));
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return KR_ECONFLICT;
	case SQLITE_NOMEM:
		return KR_ENOMEM;
	default:
		return KR_EIO;
	}
}

/* A failure found by this file rather than by SQLite. */
static int sq_err(struct sq *q, int status, const char *what)
{
	snprintf(q->err, sizeof q->err, "%s", what);
	return status;
}

/* ---- statements ---- */

static int prep(struct sq *q, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(q->head.db, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return sq_fail(q, rc);
	}
	return 0;
}

/* Runs constant SQL without values (PRAGMAs, transaction control, DDL). */
static int exec(struct sq *q, const char *sql)
{
	int rc = sqlite3_exec(q->head.db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(q, rc);
}

/* Clean-up SQL whose failure must not replace the error being reported. */
static void exec_quiet(struct sq *q, const char *sql)
{
	(void)sqlite3_exec(q->head.db, sql, NULL, NULL, NULL);
}

/* Steps st once: *row tells whether a row is available. */
static int step(struct sq *q, sqlite3_stmt *st, bool *row)
{
	int rc = sqlite3_step(st);
	*row = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	return sq_fail(q, rc);
}

/* Steps a statement that must produce a row: KR_ENOTFOUND when none. */
static int step_row(struct sq *q, sqlite3_stmt *st)
{
	bool row;
	int r = step(q, st, &row);
	if (r)
		return r;
	return row ? 0 : KR_ENOTFOUND;
}

/* Steps a statement that writes. */
static int step_done(struct sq *q, sqlite3_stmt *st)
{
	bool row;
	return step(q, st, &row);
}

/* Steps a write that must touch a row: KR_ENOTFOUND when it touched none. */
static int step_changed(struct sq *q, sqlite3_stmt *st)
{
	int r = step_done(q, st);
	if (r)
		return r;
	return sqlite3_changes(q->head.db) > 0 ? 0 : KR_ENOTFOUND;
}

/* Makes st ready for another round of bindings. */
static void rewind_stmt(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* ---- binding parameters, in order ?1, ?2, ... ---- */

struct bind {
	struct sq *q;
	sqlite3_stmt *st;
	int i;      /* index of the last bound parameter */
	int rc;     /* first SQLite failure, SQLITE_OK while none */
	int status; /* first input error found here (KR_EINVAL), 0 while none */
};

static struct bind bind_start(struct sq *q, sqlite3_stmt *st)
{
	struct bind b = {.q = q, .st = st, .i = 0, .rc = SQLITE_OK, .status = 0};
	return b;
}

static void b_i64(struct bind *b, int64_t v)
{
	int rc = sqlite3_bind_int64(b->st, ++b->i, v);
	if (b->rc == SQLITE_OK)
		b->rc = rc;
}

static void b_int(struct bind *b, int v)
{
	b_i64(b, v);
}

static void b_bool(struct bind *b, bool v)
{
	b_i64(b, v ? 1 : 0);
}

/* An optional reference: 0 is stored as NULL. */
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
		rc = sqlite3_bind_text(b->st, ++b->i, s, (int)len, SQLITE_TRANSIENT);
	if (b->rc == SQLITE_OK)
		b->rc = rc;
}

/* A heap string (NULL is stored as NULL). */
static void b_str(struct bind *b, const char *s)
{
	b_textn(b, s, s ? strlen(s) : 0);
}

/* A fixed-size char array of a model struct: it must be terminated. */
static void b_arr(struct bind *b, const char *s, size_t size)
{
	size_t len = strnlen(s, size);
	if (len == size) {
		if (!b->status)
			b->status = sq_err(b->q, KR_EINVAL, "unterminated text field");
		len = 0;
	}
	b_textn(b, s, len);
}

/* An enum value as its text (name is the enum's *_name() of v). */
static void b_enum(struct bind *b, int v, int count, const char *name)
{
	if (v < 0 || v >= count) {
		if (!b->status)
			b->status = sq_err(b->q, KR_EINVAL, "enum value out of range");
		name = "";
	}
	b_str(b, name);
}

static int bind_end(struct bind *b)
{
	if (b->status)
		return b->status;
	if (b->rc != SQLITE_OK)
		return sq_fail(b->q, b->rc);
	return 0;
}

/* ---- reading columns, in order 0, 1, ... ---- */

struct row {
	struct sq *q;
	sqlite3_stmt *st;
	int i;      /* next column */
	int status; /* first failure, 0 while none */
};

static struct row row_start(struct sq *q, sqlite3_stmt *st)
{
	struct row w = {.q = q, .st = st, .i = 0, .status = 0};
	return w;
}

static void row_fail(struct row *w, int status, const char *what)
{
	if (!w->status)
		w->status = sq_err(w->q, status, what);
}

static int64_t c_i64(struct row *w)
{
	return sqlite3_column_int64(w->st, w->i++);
}

static int c_int(struct row *w)
{
	int64_t v = c_i64(w);
	if (v < INT_MIN || v > INT_MAX) {
		row_fail(w, KR_EIO, "integer column out of range");
		return 0;
	}
	return (int)v;
}

static bool c_bool(struct row *w)
{
	return c_i64(w) != 0;
}

/* Text of the next column; NULL for SQL NULL (or on failure, recorded). */
static const char *c_text(struct row *w, size_t *len)
{
	int col = w->i++;
	const char *t = (const char *)sqlite3_column_text(w->st, col);
	*len = 0;
	if (!t) {
		if (sqlite3_column_type(w->st, col) != SQLITE_NULL)
			row_fail(w, KR_ENOMEM, "out of memory reading a column");
		return NULL;
	}
	*len = (size_t)sqlite3_column_bytes(w->st, col);
	return t;
}

/* Into a fixed-size array; text that does not fit is a damaged store. */
static void c_arr(struct row *w, char *dst, size_t size)
{
	size_t len;
	const char *t = c_text(w, &len);
	dst[0] = '\0';
	if (!t)
		return;
	if (len >= size) {
		row_fail(w, KR_EIO, "stored text longer than its field");
		return;
	}
	memcpy(dst, t, len);
	dst[len] = '\0';
}

/* A heap copy (kr_free) or NULL for SQL NULL. */
static char *c_dup(struct row *w)
{
	size_t len;
	const char *t = c_text(w, &len);
	if (!t)
		return NULL;
	char *d = kr_strndup(t, len);
	if (!d)
		row_fail(w, KR_ENOMEM, "out of memory");
	return d;
}

/* An enum stored as text; an unknown text is a damaged store. */
static int c_enum(struct row *w, int (*parse)(const char *))
{
	size_t len;
	const char *t = c_text(w, &len);
	int v = t ? parse(t) : -1;
	if (v < 0) {
		row_fail(w, KR_EIO, "unknown enum text in the store");
		return 0;
	}
	return v;
}

/* ---- transactions ---- */

enum txmode { TX_OWN, TX_SAVEPOINT };

/* Starts a write operation: its own BEGIN IMMEDIATE, or a savepoint when a
 * transaction (the caller's, or an enclosing operation's) is open. */
static int op_begin(struct sq *q, enum txmode *m)
{
	if (sqlite3_get_autocommit(q->head.db)) {
		*m = TX_OWN;
		return exec(q, "BEGIN IMMEDIATE");
	}
	*m = TX_SAVEPOINT;
	return exec(q, "SAVEPOINT kr_op");
}

/* Ends a write operation: commits when r == 0, else undoes exactly this
 * operation's work and leaves an enclosing transaction usable. Returns r,
 * or the commit's failure. */
static int op_end(struct sq *q, enum txmode m, int r)
{
	if (!r) {
		r = exec(q, m == TX_OWN ? "COMMIT" : "RELEASE kr_op");
		if (!r)
			return 0;
	}
	if (sqlite3_get_autocommit(q->head.db))
		return r; /* SQLite already rolled the whole transaction back */
	if (m == TX_OWN) {
		exec_quiet(q, "ROLLBACK");
	} else {
		exec_quiet(q, "ROLLBACK TO kr_op");
		exec_quiet(q, "RELEASE kr_op");
	}
	return r;
}

/* Reads made of several statements see one snapshot: a deferred
 * transaction unless one is open already. */
static int rd_begin(struct sq *q, bool *own)
{
	*own = false;
	if (!sqlite3_get_autocommit(q->head.db))
		return 0;
	int r = exec(q, "BEGIN");
	if (!r)
		*own = true;
	return r;
}

static void rd_end(struct sq *q, bool own)
{
	if (own && !sqlite3_get_autocommit(q->head.db))
		exec_quiet(q, "COMMIT");
}

static int sq_begin(struct store *s)
{
	struct sq *q = sq_of(s);
	if (q->in_tx)
		return sq_err(q, KR_ECONFLICT, "a transaction is already open");
	int r = exec(q, "BEGIN IMMEDIATE");
	if (!r)
		q->in_tx = true;
	return r;
}

static int sq_commit(struct store *s)
{
	struct sq *q = sq_of(s);
	if (!q->in_tx)
		return sq_err(q, KR_EINVAL, "no transaction is open");
	q->in_tx = false;
	if (sqlite3_get_autocommit(q->head.db))
		return sq_err(q, KR_EIO, "the transaction was rolled back by the database");
	int r = exec(q, "COMMIT");
	if (r && !sqlite3_get_autocommit(q->head.db))
		exec_quiet(q, "ROLLBACK");
	return r;
}

static int sq_rollback(struct store *s)
{
	struct sq *q = sq_of(s);
	if (!q->in_tx)
		return sq_err(q, KR_EINVAL, "no transaction is open");
	q->in_tx = false;
	if (sqlite3_get_autocommit(q->head.db))
		return 0;
	return exec(q, "ROLLBACK");
}

/* ---- small helpers ---- */

/* Grows a list array to hold one more element; NULL on allocation failure
 * (the old array stays valid). */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *t = kr_realloc(arr, ncap * elem);
	if (t)
		*cap = ncap;
	return t;
}

/* A cursor of 0 means "from the newest". */
static int64_t cursor(int64_t before_id)
{
	return before_id > 0 ? before_id : INT64_MAX;
}

/* True when ids[i] appeared before position i. */
static bool seen_before(const int64_t *ids, int i)
{
	for (int j = 0; j < i; j++) {
		if (ids[j] == ids[i])
			return true;
	}
	return false;
}

/* The distinct ids as a JSON array, in the order given. */
static int ids_json(const int64_t *ids, int n, struct strbuf *sb)
{
	int r = strbuf_adds(sb, "[");
	bool first = true;
	for (int i = 0; i < n && !r; i++) {
		if (seen_before(ids, i))
			continue;
		r = strbuf_addf(sb, "%s%" PRId64, first ? "" : ",", ids[i]);
		first = false;
	}
	if (!r)
		r = strbuf_adds(sb, "]");
	return r;
}

/* The LIKE pattern of a case-insensitive substring search for text, with
 * the wildcards %, _ and the escape character \ taken literally. */
static int like_pattern(const char *text, struct strbuf *sb)
{
	int r = strbuf_adds(sb, "%");
	for (const char *p = text; *p && !r; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			r = strbuf_add(sb, "\\", 1);
		if (!r)
			r = strbuf_add(sb, p, 1);
	}
	if (!r)
		r = strbuf_adds(sb, "%");
	return r == KR_ELIMIT ? KR_EINVAL : r;
}

/* ---- list queries built from constant fragments ---- */

#define QUERY_MAX_PARAMS 16

struct query {
	struct strbuf sql;
	struct strbuf like; /* the escaped text filter (one per query) */
	int n;
	struct {
		bool is_text;
		int64_t i;
		const char *s;
	} p[QUERY_MAX_PARAMS];
	int status; /* first failure, 0 while none */
};

static void qb_init(struct query *qb, const char *head)
{
	memset(qb, 0, sizeof *qb);
	strbuf_init(&qb->sql, 16384);
	strbuf_init(&qb->like, LIKE_MAX);
	qb->status = strbuf_adds(&qb->sql, head);
}

static void qb_release(struct query *qb)
{
	strbuf_release(&qb->sql);
	strbuf_release(&qb->like);
}

/* Appends a constant fragment with nparams '?' taking the value given. */
static void qb_frag(struct query *qb, const char *frag, int nparams, bool is_text, int64_t i,
                    const char *s)
{
	if (qb->status)
		return;
	if (qb->n + nparams > QUERY_MAX_PARAMS) {
		qb->status = KR_EINVAL;
		return;
	}
	qb->status = strbuf_adds(&qb->sql, frag);
	for (int k = 0; k < nparams; k++) {
		qb->p[qb->n].is_text = is_text;
		qb->p[qb->n].i = i;
		qb->p[qb->n].s = s;
		qb->n++;
	}
}

static void qb_i64(struct query *qb, const char *frag, int64_t v)
{
	qb_frag(qb, frag, 1, false, v, NULL);
}

static void qb_text(struct query *qb, const char *frag, const char *s)
{
	qb_frag(qb, frag, 1, true, 0, s);
}

/* frag holds nparams LIKE ? ESCAPE '\' tests, all of the same text. One
 * text filter per query: the parameters point into qb->like. */
static void qb_like(struct query *qb, const char *frag, int nparams, const char *text)
{
	if (qb->status)
		return;
	if (qb->like.len) {
		qb->status = KR_EINVAL;
		return;
	}
	qb->status = like_pattern(text, &qb->like);
	qb_frag(qb, frag, nparams, true, 0, qb->like.buf);
}

static int qb_prepare(struct sq *q, struct query *qb, sqlite3_stmt **st)
{
	*st = NULL;
	if (qb->status)
		return sq_err(q, qb->status, "cannot build the query");
	int r = prep(q, qb->sql.buf, st);
	if (r)
		return r;
	struct bind b = bind_start(q, *st);
	for (int k = 0; k < qb->n; k++) {
		if (qb->p[k].is_text)
			b_str(&b, qb->p[k].s);
		else
			b_i64(&b, qb->p[k].i);
	}
	return bind_end(&b);
}

/* ---- open, migrations, maintenance ---- */

static int migrations_check_applied(struct sq *q, int *current)
{
	sqlite3_stmt *st = NULL;
	int r = prep(q, "SELECT version, name FROM schema_migrations ORDER BY version", &st);
	*current = 0;
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct row w = row_start(q, st);
		int v = c_int(&w);
		char name[128];
		c_arr(&w, name, sizeof name);
		r = w.status;
		if (r)
			break;
		if (v < 1 || v > store_migration_count) {
			r = sq_err(q, KR_EINVAL, "the store is newer than this kring");
		} else if (strcmp(name, store_migrations[v - 1].name) != 0 || v != *current + 1) {
			r = sq_err(q, KR_EINVAL, "the store's migrations do not match this kring");
		} else {
			*current = v;
		}
	}
	sqlite3_finalize(st);
	return r;
}

static int migration_apply(struct sq *q, int version)
{
	int r = exec(q, store_migrations[version - 1].sql);
	if (r)
		return r;
	sqlite3_stmt *st = NULL;
	r = prep(q, "INSERT INTO schema_migrations (version, name, applied) VALUES (?1, ?2, ?3)",
	         &st);
	if (r)
		return r;
	struct bind b = bind_start(q, st);
	b_int(&b, version);
	b_str(&b, store_migrations[version - 1].name);
	b_i64(&b, time_now_ms());
	r = bind_end(&b);
	if (!r)
		r = step_done(q, st);
	sqlite3_finalize(st);
	return r;
}

static int sq_migrate(struct store *s, int *applied)
{
	struct sq *q = sq_of(s);
	if (q->in_tx)
		return sq_err(q, KR_ECONFLICT, "cannot migrate inside a transaction");
	int r = exec(q, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	                "applied INTEGER NOT NULL) STRICT");
	/* One transaction per migration; the version is read again inside it,
	 * so two processes opening the same new store apply each one once. */
	while (!r) {
		r = exec(q, "BEGIN IMMEDIATE");
		if (r)
			break;
		int current = 0;
		r = migrations_check_applied(q, &current);
		if (!r && current == store_migration_count) {
			exec_quiet(q, "ROLLBACK");
			break;
		}
		if (!r)
			r = migration_apply(q, current + 1);
		if (!r)
			r = exec(q, "COMMIT");
		if (r) {
			if (!sqlite3_get_autocommit(q->head.db))
				exec_quiet(q, "ROLLBACK");
			break;
		}
		(*applied)++;
	}
	return r;
}

static int sq_schema_version(struct store *s, int *version)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int r = prep(q, "SELECT coalesce(max(version), 0) FROM schema_migrations", &st);
	if (!r)
		r = step_row(q, st);
	if (!r) {
		struct row w = row_start(q, st);
		*version = c_int(&w);
		r = w.status;
	}
	sqlite3_finalize(st);
	return r;
}

/* The value of a one-row PRAGMA as text (at most n-1 bytes). */
static int pragma_text(struct sq *q, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	int r = prep(q, sql, &st);
	if (!r)
		r = step_row(q, st);
	if (!r) {
		struct row w = row_start(q, st);
		c_arr(&w, out, n);
		r = w.status;
	}
	sqlite3_finalize(st);
	return r;
}

static int sq_configure(struct sq *q)
{
	char val[32];
	sqlite3_busy_timeout(q->head.db, BUSY_TIMEOUT_MS);
	/* No writes to the schema through PRAGMAs, no side effects from
	 * functions in the schema: a damaged or hostile file stays data. */
	sqlite3_db_config(q->head.db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(q->head.db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	int r = pragma_text(q, "PRAGMA journal_mode = WAL", val, sizeof val);
	if (r)
		return r;
	if (strcmp(val, "wal") != 0 && strcmp(val, "memory") != 0)
		return sq_err(q, KR_EIO, "cannot switch the store to WAL mode");
	/* FULL: a commit that returned is on disk (WAL fsync at every commit). */
	r = exec(q, "PRAGMA synchronous = FULL");
	if (!r)
		r = exec(q, "PRAGMA foreign_keys = ON");
	if (!r)
		r = pragma_text(q, "PRAGMA foreign_keys", val, sizeof val);
	if (!r && strcmp(val, "1") != 0)
		r = sq_err(q, KR_EIO, "SQLite without foreign key support");
	return r;
}

int store_open_sqlite(const char *path, struct store **out)
{
	if (!path || !out)
		return KR_EINVAL;
	*out = NULL;
	if (random_init() < 0)
		return KR_EIO; /* report uuids need the random source */
	struct sq *q = kr_calloc(1, sizeof *q);
	if (!q)
		return KR_ENOMEM;
	q->head.base.ops = &sqlite_ops;
	int r;
	int rc = sqlite3_open_v2(path, &q->head.db,
	                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                             SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
	                         NULL);
	if (rc != SQLITE_OK) {
		r = q->head.db ? sq_fail(q, rc) : KR_ENOMEM;
		goto out;
	}
	r = sq_configure(q);
	if (r)
		goto out;
	int applied = 0;
	r = sq_migrate(&q->head.base, &applied);
out:
	if (r) {
		sqlite3_close_v2(q->head.db);
		kr_free(q);
		return r;
	}
	*out = &q->head.base;
	return 0;
}

static void sq_close(struct store *s)
{
	struct sq *q = sq_of(s);
	/* Closing with the caller's transaction open abandons it. */
	sqlite3_close_v2(q->head.db);
	kr_free(q);
}

static const char *sq_errmsg(struct store *s)
{
	struct sq *q = sq_of(s);
	return q->err[0] ? q->err : "no error";
}

/* Makes the directory entry of a new file durable. */
static int sync_parent_dir(const char *path)
{
	char copy[PATH_MAX];
	if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy)
		return KR_EINVAL;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return KR_EIO;
	int rc = fsync(fd);
	close(fd);
	return rc ? KR_EIO : 0;
}

static int sq_backup(struct store *s, const char *dest_path)
{
	struct sq *q = sq_of(s);
	if (q->in_tx)
		return sq_err(q, KR_ECONFLICT, "cannot back up inside a transaction");
	/* Claim the name first: a backup never overwrites a file, and the copy
	 * is readable by the owner only. */
	int fd = open(dest_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return sq_err(q, errno == EEXIST ? KR_ECONFLICT : KR_EIO,
		              "cannot create the backup file");
	close(fd);

	sqlite3 *dest = NULL;
	sqlite3_backup *bk = NULL;
	int r = 0;
	int rc =
	    sqlite3_open_v2(dest_path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dest, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = dest ? sq_err(q, KR_EIO, sqlite3_errmsg(dest)) : KR_ENOMEM;
		goto out;
	}
	bk = sqlite3_backup_init(dest, "main", q->head.db, "main");
	if (!bk) {
		r = sq_err(q, KR_EIO, sqlite3_errmsg(dest));
		goto out;
	}
	/* All pages in one step: one read transaction, one consistent copy. */
	rc = sqlite3_backup_step(bk, -1);
	int rc_finish = sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE || rc_finish != SQLITE_OK) {
		r = sq_err(q, (rc & 0xff) == SQLITE_NOMEM ? KR_ENOMEM : KR_EIO,
		           sqlite3_errmsg(dest));
		goto out;
	}
out:
	rc = sqlite3_close(dest);
	if (!r && rc != SQLITE_OK)
		r = sq_err(q, KR_EIO, "cannot close the backup file");
	if (!r)
		r = sync_parent_dir(dest_path);
	if (r)
		unlink(dest_path);
	return r;
}

static int sq_check(struct store *s)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int r = prep(q, "PRAGMA integrity_check", &st);
	if (!r)
		r = step_row(q, st);
	if (!r) {
		/* One row "ok", or rows describing each problem found. */
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (!t || strcmp(t, "ok") != 0) {
			snprintf(q->err, sizeof q->err, "integrity check: %s", t ? t : "no answer");
			r = KR_EIO;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!r)
		r = prep(q, "PRAGMA foreign_key_check", &st);
	if (!r) {
		bool row;
		r = step(q, st, &row);
		if (!r && row)
			r = sq_err(q, KR_EIO, "foreign key check found dangling references");
	}
	sqlite3_finalize(st);
	return r;
}

/* ---- organisations ---- */

#define ORG_COLS    "id, name, kind, region, size_class, nis2, website, created"
#define SQL_SECTORS "SELECT sector FROM organisation_sectors WHERE org_id = ?1 ORDER BY pos"

static int org_read(struct sq *q, sqlite3_stmt *st, struct core_org *o)
{
	struct row w = row_start(q, st);
	memset(o, 0, sizeof *o);
	o->id = c_i64(&w);
	c_arr(&w, o->name, sizeof o->name);
	o->kind = c_enum(&w, org_kind_parse);
	c_arr(&w, o->region, sizeof o->region);
	c_arr(&w, o->size_class, sizeof o->size_class);
	o->nis2 = c_enum(&w, nis2_parse);
	c_arr(&w, o->website, sizeof o->website);
	o->created = c_i64(&w);
	return w.status;
}

/* Fills o->sectors with the prepared SQL_SECTORS statement sec. */
static int org_sectors_load(struct sq *q, sqlite3_stmt *sec, struct core_org *o)
{
	rewind_stmt(sec);
	struct bind b = bind_start(q, sec);
	b_i64(&b, o->id);
	int r = bind_end(&b);
	o->nsectors = 0;
	while (!r) {
		bool row;
		r = step(q, sec, &row);
		if (r || !row)
			break;
		if (o->nsectors == CORE_SECTORS_MAX)
			return sq_err(q, KR_EIO, "too many sectors stored");
		struct row w = row_start(q, sec);
		c_arr(&w, o->sectors[o->nsectors], sizeof o->sectors[0]);
		r = w.status;
		o->nsectors++;
	}
	return r;
}

static int org_sectors_write(struct sq *q, const struct core_org *o, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int r = prep(q, "DELETE FROM organisation_sectors WHERE org_id = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(q, st);
	sqlite3_finalize(st);
	st = NULL;
	if (!r)
		r = prep(
		    q, "INSERT INTO organisation_sectors (org_id, pos, sector) VALUES (?1, ?2, ?3)",
		    &st);
	for (int i = 0; i < o->nsectors && !r; i++) {
		rewind_stmt(st);
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		b_int(&b, i);
		b_arr(&b, o->sectors[i], sizeof o->sectors[i]);
		r = bind_end(&b);
		if (!r)
			r = step_done(q, st);
	}
	sqlite3_finalize(st);
	return r;
}

/* Binds the writable columns of an organisation, in ORG_COLS order from name. */
static void org_bind(struct bind *b, const struct core_org *o)
{
	b_arr(b, o->name, sizeof o->name);
	b_enum(b, (int)o->kind, ORG_KIND__COUNT, org_kind_name(o->kind));
	b_arr(b, o->region, sizeof o->region);
	b_arr(b, o->size_class, sizeof o->size_class);
	b_enum(b, (int)o->nis2, NIS2__COUNT, nis2_name(o->nis2));
	b_arr(b, o->website, sizeof o->website);
}

static int sq_org_create(struct store *s, struct core_org *o)
{
	struct sq *q = sq_of(s);
	if (o->nsectors < 0 || o->nsectors > CORE_SECTORS_MAX)
		return sq_err(q, KR_EINVAL, "too many sectors");
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms(), id = 0;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(
	    q,
	    "INSERT INTO organisations (name, kind, region, size_class, nis2, website, created) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    &st);
	if (r)
		goto out;
	struct bind b = bind_start(q, st);
	org_bind(&b, o);
	b_i64(&b, now);
	r = bind_end(&b);
	if (!r)
		r = step_done(q, st);
	if (r)
		goto out;
	id = sqlite3_last_insert_rowid(q->head.db);
	r = org_sectors_write(q, o, id);
out:
	sqlite3_finalize(st);
	r = op_end(q, m, r);
	if (!r) {
		o->id = id;
		o->created = now;
	}
	return r;
}

static int sq_org_get(struct store *s, int64_t id, struct core_org *out)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL, *sec = NULL;
	bool own;
	memset(out, 0, sizeof *out);
	int r = rd_begin(q, &own);
	if (r)
		return r;
	r = prep(q, "SELECT " ORG_COLS " FROM organisations WHERE id = ?1", &st);
	if (r)
		goto out;
	struct bind b = bind_start(q, st);
	b_i64(&b, id);
	r = bind_end(&b);
	if (!r)
		r = step_row(q, st);
	if (!r)
		r = org_read(q, st, out);
	if (!r)
		r = prep(q, SQL_SECTORS, &sec);
	if (!r)
		r = org_sectors_load(q, sec, out);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(sec);
	rd_end(q, own);
	if (r)
		memset(out, 0, sizeof *out);
	return r;
}

static int sq_org_update(struct store *s, const struct core_org *o)
{
	struct sq *q = sq_of(s);
	if (o->nsectors < 0 || o->nsectors > CORE_SECTORS_MAX)
		return sq_err(q, KR_EINVAL, "too many sectors");
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "UPDATE organisations SET name = ?1, kind = ?2, region = ?3, size_class = ?4, "
	         "nis2 = ?5, website = ?6 WHERE id = ?7",
	         &st);
	if (r)
		goto out;
	struct bind b = bind_start(q, st);
	org_bind(&b, o);
	b_i64(&b, o->id);
	r = bind_end(&b);
	if (!r)
		r = step_changed(q, st);
	if (!r)
		r = org_sectors_write(q, o, o->id);
out:
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_org_list(struct store *s, const struct store_org_filter *f, struct core_org **out,
                       size_t *n)
{
	struct sq *q = sq_of(s);
	struct query qb;
	sqlite3_stmt *st = NULL, *sec = NULL;
	struct core_org *arr = NULL;
	size_t cnt = 0, cap = 0;
	bool own = false;

	qb_init(&qb, "SELECT " ORG_COLS " FROM organisations WHERE ");
	qb_i64(&qb, "id < ?", cursor(f->before_id));
	if (f->kind >= 0)
		qb_text(&qb, " AND kind = ?", org_kind_name((enum org_kind)f->kind));
	if (f->text)
		qb_like(&qb, " AND name LIKE ? ESCAPE '\\'", 1, f->text);
	qb_i64(&qb, " ORDER BY id DESC LIMIT ?", f->limit);

	int r = rd_begin(q, &own);
	if (!r)
		r = qb_prepare(q, &qb, &st);
	if (!r)
		r = prep(q, SQL_SECTORS, &sec);
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct core_org *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		r = org_read(q, st, &arr[cnt]);
		if (!r)
			r = org_sectors_load(q, sec, &arr[cnt]);
		cnt++;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(sec);
	rd_end(q, own);
	qb_release(&qb);
	if (r) {
		kr_free(arr);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

/* SELECT count(*) of a table named by constant SQL. */
static int count_rows(struct sq *q, const char *sql, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	int r = prep(q, sql, &st);
	if (!r)
		r = step_row(q, st);
	if (!r) {
		struct row w = row_start(q, st);
		*n = c_i64(&w);
	}
	sqlite3_finalize(st);
	return r;
}

static int sq_org_count(struct store *s, int64_t *n)
{
	return count_rows(sq_of(s), "SELECT count(*) FROM organisations", n);
}

/* ---- people ---- */

#define PERSON_COLS "id, name, email, org_id, lang, is_admin, disabled, created"

/* Reads PERSON_COLS from w's next column on. */
static void person_fields(struct row *w, struct core_person *p)
{
	memset(p, 0, sizeof *p);
	p->id = c_i64(w);
	c_arr(w, p->name, sizeof p->name);
	c_arr(w, p->email, sizeof p->email);
	p->org_id = c_i64(w);
	p->lang = c_enum(w, lang_parse);
	p->is_admin = c_bool(w);
	p->disabled = c_bool(w);
	p->created = c_i64(w);
}

static int person_read(struct sq *q, sqlite3_stmt *st, struct core_person *p)
{
	struct row w = row_start(q, st);
	person_fields(&w, p);
	return w.status;
}

static void person_bind(struct bind *b, const struct core_person *p)
{
	b_arr(b, p->name, sizeof p->name);
	b_arr(b, p->email, sizeof p->email);
	b_ref(b, p->org_id);
	b_enum(b, (int)p->lang, LANG__COUNT, lang_name(p->lang));
	b_bool(b, p->is_admin);
	b_bool(b, p->disabled);
}

static int sq_person_create(struct store *s, struct core_person *p, const char *pw_hash)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms(), id = 0;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "INSERT INTO people (name, email, org_id, lang, is_admin, disabled, pw_hash, "
	         "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	         &st);
	if (r)
		goto out;
	struct bind b = bind_start(q, st);
	person_bind(&b, p);
	b_str(&b, pw_hash);
	b_i64(&b, now);
	r = bind_end(&b);
	if (!r)
		r = step_done(q, st);
	id = sqlite3_last_insert_rowid(q->head.db);
out:
	sqlite3_finalize(st);
	r = op_end(q, m, r);
	if (!r) {
		p->id = id;
		p->created = now;
	}
	return r;
}

static int sq_person_get(struct store *s, int64_t id, struct core_person *out)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	int r = prep(q, "SELECT " PERSON_COLS " FROM people WHERE id = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r)
		r = person_read(q, st, out);
	sqlite3_finalize(st);
	return r;
}

static int sq_person_get_by_email(struct store *s, const char *email, struct core_person *out,
                                  char *pw_hash_out, size_t pw_hash_size)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	/* email has COLLATE NOCASE: the match ignores ASCII case. */
	int r = prep(q, "SELECT " PERSON_COLS ", pw_hash FROM people WHERE email = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_str(&b, email);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r) {
		struct row w = row_start(q, st);
		person_fields(&w, out);
		size_t len;
		const char *hash = c_text(&w, &len);
		r = w.status;
		if (!r && pw_hash_out) {
			if (len >= pw_hash_size) {
				r = sq_err(q, KR_EINVAL, "password hash buffer too small");
			} else {
				if (len)
					memcpy(pw_hash_out, hash, len);
				pw_hash_out[len] = '\0';
			}
		}
	}
	sqlite3_finalize(st);
	if (r)
		memset(out, 0, sizeof *out);
	return r;
}

static int sq_person_update(struct store *s, const struct core_person *p)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "UPDATE people SET name = ?1, email = ?2, org_id = ?3, lang = ?4, is_admin = ?5, "
	         "disabled = ?6 WHERE id = ?7",
	         &st);
	if (r)
		goto out;
	struct bind b = bind_start(q, st);
	person_bind(&b, p);
	b_i64(&b, p->id);
	r = bind_end(&b);
	if (!r)
		r = step_changed(q, st);
out:
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_person_set_password(struct store *s, int64_t id, const char *pw_hash)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q, "UPDATE people SET pw_hash = ?1 WHERE id = ?2", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_str(&b, pw_hash);
		b_i64(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_changed(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_person_list(struct store *s, const struct store_person_filter *f,
                          struct core_person **out, size_t *n)
{
	struct sq *q = sq_of(s);
	struct query qb;
	sqlite3_stmt *st = NULL;
	struct core_person *arr = NULL;
	size_t cnt = 0, cap = 0;

	qb_init(&qb, "SELECT " PERSON_COLS " FROM people WHERE ");
	qb_i64(&qb, "id < ?", cursor(f->before_id));
	if (f->org_id)
		qb_i64(&qb, " AND org_id = ?", f->org_id);
	if (f->text)
		qb_like(&qb, " AND (name LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')", 2,
		        f->text);
	qb_i64(&qb, " ORDER BY id DESC LIMIT ?", f->limit);

	int r = qb_prepare(q, &qb, &st);
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct core_person *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		r = person_read(q, st, &arr[cnt++]);
	}
	sqlite3_finalize(st);
	qb_release(&qb);
	if (r) {
		kr_free(arr);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

static int sq_person_count(struct store *s, int64_t *n)
{
	return count_rows(sq_of(s), "SELECT count(*) FROM people", n);
}

/* ---- communities ---- */

#define COMMUNITY_COLS                                                                             \
	"id, name, kind, description, guidelines, guidelines_version, max_primary, "               \
	"default_tlp, created"

/* Fills c from a row; on failure c owns nothing. */
static int community_read(struct sq *q, sqlite3_stmt *st, struct core_community *c)
{
	struct row w = row_start(q, st);
	memset(c, 0, sizeof *c);
	c->id = c_i64(&w);
	c_arr(&w, c->name, sizeof c->name);
	c->kind = c_enum(&w, community_kind_parse);
	c->description = c_dup(&w);
	c->guidelines = c_dup(&w);
	c->guidelines_version = c_int(&w);
	c->max_primary = c_int(&w);
	c->default_tlp = c_enum(&w, tlp_parse);
	c->created = c_i64(&w);
	if (w.status)
		core_community_release(c);
	return w.status;
}

static int guidelines_history_add(struct sq *q, int64_t id, int version, const char *text,
                                  int64_t now)
{
	sqlite3_stmt *st = NULL;
	int r = prep(q,
	             "INSERT INTO community_guidelines (community_id, version, text, created) "
	             "VALUES (?1, ?2, ?3, ?4)",
	             &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		b_int(&b, version);
		b_str(&b, text);
		b_i64(&b, now);
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(q, st);
	sqlite3_finalize(st);
	return r;
}

static int sq_community_create(struct store *s, struct core_community *c)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms(), id = 0;
	int max_primary = c->max_primary ? c->max_primary : 2;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(
	    q,
	    "INSERT INTO communities (name, kind, description, guidelines, guidelines_version, "
	    "max_primary, default_tlp, created) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7)",
	    &st);
	if (r)
		goto out;
	struct bind b = bind_start(q, st);
	b_arr(&b, c->name, sizeof c->name);
	b_enum(&b, (int)c->kind, COMM_KIND__COUNT, community_kind_name(c->kind));
	b_str(&b, c->description);
	b_str(&b, c->guidelines);
	b_int(&b, max_primary);
	b_enum(&b, (int)c->default_tlp, TLP__COUNT, tlp_name(c->default_tlp));
	b_i64(&b, now);
	r = bind_end(&b);
	if (!r)
		r = step_done(q, st);
	if (r)
		goto out;
	id = sqlite3_last_insert_rowid(q->head.db);
	r = guidelines_history_add(q, id, 1, c->guidelines, now);
out:
	sqlite3_finalize(st);
	r = op_end(q, m, r);
	if (!r) {
		c->id = id;
		c->created = now;
		c->guidelines_version = 1;
		c->max_primary = max_primary;
	}
	return r;
}

static int sq_community_get(struct store *s, int64_t id, struct core_community *out)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	int r = prep(q, "SELECT " COMMUNITY_COLS " FROM communities WHERE id = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r)
		r = community_read(q, st, out);
	sqlite3_finalize(st);
	return r;
}

/* Whether the stored guidelines of community id differ from text; the
 * current version goes to *version. */
static int guidelines_changed(struct sq *q, int64_t id, const char *text, bool *changed,
                              int *version)
{
	sqlite3_stmt *st = NULL;
	int r = prep(
	    q, "SELECT guidelines IS NOT ?2, guidelines_version FROM communities WHERE id = ?1",
	    &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		b_str(&b, text);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r) {
		struct row w = row_start(q, st);
		*changed = c_bool(&w);
		*version = c_int(&w);
		r = w.status;
	}
	sqlite3_finalize(st);
	return r;
}

static int sq_community_update(struct store *s, struct core_community *c)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	bool changed = false;
	int version = 0;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = guidelines_changed(q, c->id, c->guidelines, &changed, &version);
	if (r)
		goto out;
	if (changed)
		version++;
	r = prep(q,
	         "UPDATE communities SET name = ?1, kind = ?2, description = ?3, max_primary = ?4, "
	         "default_tlp = ?5, guidelines = ?6, guidelines_version = ?7 WHERE id = ?8",
	         &st);
	if (r)
		goto out;
	struct bind b = bind_start(q, st);
	b_arr(&b, c->name, sizeof c->name);
	b_enum(&b, (int)c->kind, COMM_KIND__COUNT, community_kind_name(c->kind));
	b_str(&b, c->description);
	b_int(&b, c->max_primary);
	b_enum(&b, (int)c->default_tlp, TLP__COUNT, tlp_name(c->default_tlp));
	b_str(&b, c->guidelines);
	b_int(&b, version);
	b_i64(&b, c->id);
	r = bind_end(&b);
	if (!r)
		r = step_changed(q, st);
	if (!r && changed)
		r = guidelines_history_add(q, c->id, version, c->guidelines, time_now_ms());
out:
	sqlite3_finalize(st);
	r = op_end(q, m, r);
	if (!r)
		c->guidelines_version = version;
	return r;
}

static int sq_community_list(struct store *s, int64_t before_id, int limit,
                             struct core_community **out, size_t *n)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	struct core_community *arr = NULL;
	size_t cnt = 0, cap = 0;
	int r = prep(q,
	             "SELECT " COMMUNITY_COLS " FROM communities WHERE id < ?1 "
	             "ORDER BY id DESC LIMIT ?2",
	             &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, cursor(before_id));
		b_int(&b, limit);
		r = bind_end(&b);
	}
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct core_community *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		r = community_read(q, st, &arr[cnt]);
		if (!r)
			cnt++;
	}
	sqlite3_finalize(st);
	if (r) {
		store_community_free(arr, cnt);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

/* ---- memberships ---- */

#define MEMBERSHIP_COLS "community_id, org_id, status, since"

static int membership_read(struct sq *q, sqlite3_stmt *st, struct core_membership *m)
{
	struct row w = row_start(q, st);
	memset(m, 0, sizeof *m);
	m->community_id = c_i64(&w);
	m->org_id = c_i64(&w);
	m->status = c_enum(&w, membership_status_parse);
	m->since = c_i64(&w);
	return w.status;
}

static int sq_membership_set(struct store *s, const struct core_membership *mb)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "INSERT INTO memberships (community_id, org_id, status, since) "
	         "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (community_id, org_id) "
	         "DO UPDATE SET status = excluded.status, since = excluded.since",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, mb->community_id);
		b_i64(&b, mb->org_id);
		b_enum(&b, (int)mb->status, MS__COUNT, membership_status_name(mb->status));
		b_i64(&b, mb->since ? mb->since : time_now_ms());
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_membership_get(struct store *s, int64_t community_id, int64_t org_id,
                             struct core_membership *out)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	int r = prep(q,
	             "SELECT " MEMBERSHIP_COLS " FROM memberships "
	             "WHERE community_id = ?1 AND org_id = ?2",
	             &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, community_id);
		b_i64(&b, org_id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r)
		r = membership_read(q, st, out);
	sqlite3_finalize(st);
	return r;
}

/* Runs constant SQL with one id parameter and collects up to
 * STORE_LIST_MAX memberships. */
static int membership_list_by(struct sq *q, const char *sql, int64_t id,
                              struct core_membership **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct core_membership *arr = NULL;
	size_t cnt = 0, cap = 0;
	int r = prep(q, sql, &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		b_int(&b, STORE_LIST_MAX);
		r = bind_end(&b);
	}
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct core_membership *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		r = membership_read(q, st, &arr[cnt++]);
	}
	sqlite3_finalize(st);
	if (r) {
		kr_free(arr);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

static int sq_membership_list(struct store *s, int64_t community_id, struct core_membership **out,
                              size_t *n)
{
	return membership_list_by(sq_of(s),
	                          "SELECT " MEMBERSHIP_COLS
	                          " FROM memberships WHERE community_id = ?1 "
	                          "ORDER BY org_id LIMIT ?2",
	                          community_id, out, n);
}

static int sq_membership_list_by_org(struct store *s, int64_t org_id, struct core_membership **out,
                                     size_t *n)
{
	return membership_list_by(sq_of(s),
	                          "SELECT " MEMBERSHIP_COLS " FROM memberships WHERE org_id = ?1 "
	                          "ORDER BY community_id LIMIT ?2",
	                          org_id, out, n);
}

/* ---- representatives ---- */

/* The organisation comes from people: always the person's current one. */
#define REP_SELECT                                                                                 \
	"SELECT r.community_id, r.person_id, coalesce(p.org_id, 0), r.kind, r.role "               \
	"FROM representatives r JOIN people p ON p.id = r.person_id "

static int rep_read(struct sq *q, sqlite3_stmt *st, struct core_representative *rp)
{
	struct row w = row_start(q, st);
	memset(rp, 0, sizeof *rp);
	rp->community_id = c_i64(&w);
	rp->person_id = c_i64(&w);
	rp->org_id = c_i64(&w);
	rp->kind = c_enum(&w, rep_kind_parse);
	rp->role = c_enum(&w, role_parse);
	return w.status;
}

static int sq_rep_set(struct store *s, const struct core_representative *rp)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "INSERT INTO representatives (community_id, person_id, kind, role) "
	         "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (community_id, person_id) "
	         "DO UPDATE SET kind = excluded.kind, role = excluded.role",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, rp->community_id);
		b_i64(&b, rp->person_id);
		b_enum(&b, (int)rp->kind, REP__COUNT, rep_kind_name(rp->kind));
		b_enum(&b, (int)rp->role, ROLE__COUNT, role_name(rp->role));
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_rep_remove(struct store *s, int64_t community_id, int64_t person_id)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q, "DELETE FROM representatives WHERE community_id = ?1 AND person_id = ?2", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, community_id);
		b_i64(&b, person_id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_changed(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_rep_get(struct store *s, int64_t community_id, int64_t person_id,
                      struct core_representative *out)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	int r = prep(q, REP_SELECT "WHERE r.community_id = ?1 AND r.person_id = ?2", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, community_id);
		b_i64(&b, person_id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r)
		r = rep_read(q, st, out);
	sqlite3_finalize(st);
	return r;
}

static int sq_rep_list(struct store *s, int64_t community_id, int64_t person_id,
                       struct core_representative **out, size_t *n)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	struct core_representative *arr = NULL;
	size_t cnt = 0, cap = 0;
	int r = community_id ? prep(q,
	                            REP_SELECT "WHERE r.community_id = ?1 "
	                                       "ORDER BY r.person_id LIMIT ?2",
	                            &st)
	                     : prep(q,
	                            REP_SELECT "WHERE r.person_id = ?1 "
	                                       "ORDER BY r.community_id LIMIT ?2",
	                            &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, community_id ? community_id : person_id);
		b_int(&b, STORE_LIST_MAX);
		r = bind_end(&b);
	}
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct core_representative *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		r = rep_read(q, st, &arr[cnt++]);
	}
	sqlite3_finalize(st);
	if (r) {
		kr_free(arr);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

/* ---- guideline acceptance ---- */

static int sq_guidelines_accept(struct store *s, int64_t community_id, int64_t person_id,
                                int version)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	/* Accepting a version again keeps the first acceptance time. */
	r = prep(
	    q,
	    "INSERT INTO guideline_acceptances (community_id, person_id, version, accepted_at) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
	    &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, community_id);
		b_i64(&b, person_id);
		b_int(&b, version);
		b_i64(&b, time_now_ms());
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_guidelines_accepted(struct store *s, int64_t community_id, int64_t person_id,
                                  int *version)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int r = prep(q,
	             "SELECT coalesce(max(version), 0) FROM guideline_acceptances "
	             "WHERE community_id = ?1 AND person_id = ?2",
	             &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, community_id);
		b_i64(&b, person_id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r) {
		struct row w = row_start(q, st);
		*version = c_int(&w);
		r = w.status;
	}
	sqlite3_finalize(st);
	return r;
}

/* ---- admission ---- */

#define APP_COLS     "id, community_id, org_id, status, motivation, created, decided"
#define SQL_APP_REPS "SELECT person_id FROM application_reps WHERE application_id = ?1 ORDER BY pos"

static int app_read(struct sq *q, sqlite3_stmt *st, struct core_application *a)
{
	struct row w = row_start(q, st);
	memset(a, 0, sizeof *a);
	a->id = c_i64(&w);
	a->community_id = c_i64(&w);
	a->org_id = c_i64(&w);
	a->status = c_enum(&w, app_status_parse);
	c_arr(&w, a->motivation, sizeof a->motivation);
	a->created = c_i64(&w);
	a->decided = c_i64(&w);
	return w.status;
}

/* Fills a->proposed with the prepared SQL_APP_REPS statement reps. */
static int app_reps_load(struct sq *q, sqlite3_stmt *reps, struct core_application *a)
{
	rewind_stmt(reps);
	struct bind b = bind_start(q, reps);
	b_i64(&b, a->id);
	int r = bind_end(&b);
	a->nproposed = 0;
	while (!r) {
		bool row;
		r = step(q, reps, &row);
		if (r || !row)
			break;
		if (a->nproposed == CORE_PROPOSED_MAX)
			return sq_err(q, KR_EIO, "too many proposed representatives stored");
		struct row w = row_start(q, reps);
		a->proposed[a->nproposed++] = c_i64(&w);
	}
	return r;
}

static int sq_application_create(struct store *s, struct core_application *a)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms(), id = 0;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "INSERT INTO applications (community_id, org_id, status, motivation, created, "
	         "decided) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	         &st);
	if (r)
		goto out;
	struct bind b = bind_start(q, st);
	b_i64(&b, a->community_id);
	b_i64(&b, a->org_id);
	b_enum(&b, (int)a->status, APP__COUNT, app_status_name(a->status));
	b_arr(&b, a->motivation, sizeof a->motivation);
	b_i64(&b, now);
	b_i64(&b, a->decided);
	r = bind_end(&b);
	if (!r)
		r = step_done(q, st);
	if (r)
		goto out;
	id = sqlite3_last_insert_rowid(q->head.db);
	sqlite3_finalize(st);
	st = NULL;
	r = prep(
	    q, "INSERT INTO application_reps (application_id, pos, person_id) VALUES (?1, ?2, ?3)",
	    &st);
	for (int i = 0; i < a->nproposed && !r; i++) {
		rewind_stmt(st);
		b = bind_start(q, st);
		b_i64(&b, id);
		b_int(&b, i);
		b_i64(&b, a->proposed[i]);
		r = bind_end(&b);
		if (!r)
			r = step_done(q, st);
	}
out:
	sqlite3_finalize(st);
	r = op_end(q, m, r);
	if (!r) {
		a->id = id;
		a->created = now;
	}
	return r;
}

static int sq_application_get(struct store *s, int64_t id, struct core_application *out)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL, *reps = NULL;
	bool own;
	memset(out, 0, sizeof *out);
	int r = rd_begin(q, &own);
	if (r)
		return r;
	r = prep(q, "SELECT " APP_COLS " FROM applications WHERE id = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r)
		r = app_read(q, st, out);
	if (!r)
		r = prep(q, SQL_APP_REPS, &reps);
	if (!r)
		r = app_reps_load(q, reps, out);
	sqlite3_finalize(st);
	sqlite3_finalize(reps);
	rd_end(q, own);
	if (r)
		memset(out, 0, sizeof *out);
	return r;
}

static int sq_application_set_status(struct store *s, int64_t id, enum app_status status,
                                     int64_t decided)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q, "UPDATE applications SET status = ?1, decided = ?2 WHERE id = ?3", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_enum(&b, (int)status, APP__COUNT, app_status_name(status));
		b_i64(&b, decided);
		b_i64(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_changed(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_application_list(struct store *s, int64_t community_id, int status,
                               struct core_application **out, size_t *n)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL, *reps = NULL;
	struct core_application *arr = NULL;
	size_t cnt = 0, cap = 0;
	bool own;
	int r = rd_begin(q, &own);
	if (r)
		return r;
	r = prep(q,
	         "SELECT " APP_COLS " FROM applications WHERE community_id = ?1 "
	         "AND (?2 IS NULL OR status = ?2) ORDER BY id DESC LIMIT ?3",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, community_id);
		b_str(&b, status >= 0 ? app_status_name((enum app_status)status) : NULL);
		b_int(&b, STORE_LIST_MAX);
		r = bind_end(&b);
	}
	if (!r)
		r = prep(q, SQL_APP_REPS, &reps);
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct core_application *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		r = app_read(q, st, &arr[cnt]);
		if (!r)
			r = app_reps_load(q, reps, &arr[cnt]);
		cnt++;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(reps);
	rd_end(q, own);
	if (r) {
		kr_free(arr);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

/* enum vote has no text functions in core: its two texts live here. */
static int vote_parse_text(const char *s)
{
	if (strcmp(s, "yes") == 0)
		return VOTE_YES;
	if (strcmp(s, "no") == 0)
		return VOTE_NO;
	return -1;
}

static int sq_vote_add(struct store *s, const struct core_vote *v)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "INSERT INTO votes (application_id, voter_org_id, voter_person_id, vote, cast_at) "
	         "VALUES (?1, ?2, ?3, ?4, ?5)",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, v->application_id);
		b_i64(&b, v->voter_org_id);
		b_ref(&b, v->voter_person_id);
		b_enum(&b, (int)v->vote, 2, v->vote == VOTE_YES ? "yes" : "no");
		b_i64(&b, v->cast ? v->cast : time_now_ms());
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_vote_list(struct store *s, int64_t application_id, struct core_vote **out, size_t *n)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	struct core_vote *arr = NULL;
	size_t cnt = 0, cap = 0;
	int r = prep(q,
	             "SELECT application_id, voter_org_id, coalesce(voter_person_id, 0), vote, "
	             "cast_at FROM votes WHERE application_id = ?1 ORDER BY id LIMIT ?2",
	             &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, application_id);
		b_int(&b, STORE_LIST_MAX);
		r = bind_end(&b);
	}
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct core_vote *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		struct core_vote *v = &arr[cnt++];
		struct row w = row_start(q, st);
		memset(v, 0, sizeof *v);
		v->application_id = c_i64(&w);
		v->voter_org_id = c_i64(&w);
		v->voter_person_id = c_i64(&w);
		v->vote = c_enum(&w, vote_parse_text);
		v->cast = c_i64(&w);
		r = w.status;
	}
	sqlite3_finalize(st);
	if (r) {
		kr_free(arr);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

/* ---- reports ---- */

#define REPORT_COLS                                                                                \
	"id, uuid, kind, title, level, tlp, community_id, source_org_id, author_id, version, "     \
	"created, updated"

/* Recipients of the current version, in the order given. */
#define SQL_RCPT_ORGS "SELECT org_id FROM report_recipient_orgs WHERE report_id = ?1 ORDER BY pos"
#define SQL_RCPT_PEOPLE                                                                            \
	"SELECT rp.person_id, coalesce(p.org_id, 0) FROM report_recipient_people rp "              \
	"LEFT JOIN people p ON p.id = rp.person_id WHERE rp.report_id = ?1 ORDER BY rp.pos"
/* Recipients of one stored version (?1 report, ?2 version), from its JSON. */
#define SQL_VRCPT_ORGS                                                                             \
	"SELECT j.value FROM report_versions v, json_each(v.recipient_orgs) j "                    \
	"WHERE v.report_id = ?1 AND v.version = ?2 ORDER BY j.key"
#define SQL_VRCPT_PEOPLE                                                                           \
	"SELECT j.value, coalesce(p.org_id, 0) FROM report_versions v, "                           \
	"json_each(v.recipient_people) j LEFT JOIN people p ON p.id = j.value "                    \
	"WHERE v.report_id = ?1 AND v.version = ?2 ORDER BY j.key"

/* Reads REPORT_COLS (and the body when with_body, as the next column). */
static int report_read(struct sq *q, sqlite3_stmt *st, struct core_report *rp, bool with_body)
{
	struct row w = row_start(q, st);
	memset(rp, 0, sizeof *rp);
	rp->id = c_i64(&w);
	c_arr(&w, rp->uuid, sizeof rp->uuid);
	rp->kind = c_enum(&w, report_kind_parse);
	c_arr(&w, rp->title, sizeof rp->title);
	rp->level = c_enum(&w, level_parse);
	rp->tlp = c_enum(&w, tlp_parse);
	rp->community_id = c_i64(&w);
	rp->source_org_id = c_i64(&w);
	rp->author_id = c_i64(&w);
	rp->version = c_int(&w);
	rp->created = c_i64(&w);
	rp->updated = c_i64(&w);
	if (with_body)
		rp->body = c_dup(&w);
	if (w.status)
		core_report_release(rp);
	return w.status;
}

struct rcpt_stmts {
	sqlite3_stmt *orgs;
	sqlite3_stmt *people;
	bool versioned; /* the SQL_VRCPT_* pair: also bind the version */
};

static int rcpt_prepare(struct sq *q, struct rcpt_stmts *rs, bool versioned)
{
	rs->versioned = versioned;
	int r = prep(q, versioned ? SQL_VRCPT_ORGS : SQL_RCPT_ORGS, &rs->orgs);
	if (!r)
		r = prep(q, versioned ? SQL_VRCPT_PEOPLE : SQL_RCPT_PEOPLE, &rs->people);
	return r;
}

static void rcpt_finalize(struct rcpt_stmts *rs)
{
	sqlite3_finalize(rs->orgs);
	sqlite3_finalize(rs->people);
	rs->orgs = NULL;
	rs->people = NULL;
}

static int rcpt_bind(struct sq *q, const struct rcpt_stmts *rs, sqlite3_stmt *st,
                     const struct core_report *rp)
{
	rewind_stmt(st);
	struct bind b = bind_start(q, st);
	b_i64(&b, rp->id);
	if (rs->versioned)
		b_int(&b, rp->version);
	return bind_end(&b);
}

/* Fills the recipient arrays of rp (rp->id, and rp->version when
 * versioned, select what is read). */
static int rcpt_load(struct sq *q, const struct rcpt_stmts *rs, struct core_report *rp)
{
	rp->nrecipient_orgs = 0;
	rp->nrecipient_people = 0;
	int r = rcpt_bind(q, rs, rs->orgs, rp);
	while (!r) {
		bool row;
		r = step(q, rs->orgs, &row);
		if (r || !row)
			break;
		if (rp->nrecipient_orgs == CORE_RECIPIENTS_MAX)
			return sq_err(q, KR_EIO, "too many recipient organisations stored");
		struct row w = row_start(q, rs->orgs);
		rp->recipient_orgs[rp->nrecipient_orgs++] = c_i64(&w);
	}
	if (!r)
		r = rcpt_bind(q, rs, rs->people, rp);
	while (!r) {
		bool row;
		r = step(q, rs->people, &row);
		if (r || !row)
			break;
		if (rp->nrecipient_people == CORE_RECIPIENTS_MAX)
			return sq_err(q, KR_EIO, "too many recipient people stored");
		struct row w = row_start(q, rs->people);
		rp->recipient_people[rp->nrecipient_people] = c_i64(&w);
		rp->recipient_people_orgs[rp->nrecipient_people] = c_i64(&w);
		rp->nrecipient_people++;
	}
	return r;
}

/* Replaces the recipient rows of report id with those of rp (duplicates
 * dropped, order kept). */
static int rcpt_write(struct sq *q, int64_t id, const struct core_report *rp)
{
	static const char *const del[] = {
	    "DELETE FROM report_recipient_orgs WHERE report_id = ?1",
	    "DELETE FROM report_recipient_people WHERE report_id = ?1",
	};
	static const char *const ins[] = {
	    "INSERT INTO report_recipient_orgs (report_id, org_id, pos) VALUES (?1, ?2, ?3)",
	    "INSERT INTO report_recipient_people (report_id, person_id, pos) VALUES (?1, ?2, ?3)",
	};
	const int64_t *ids[] = {rp->recipient_orgs, rp->recipient_people};
	const int counts[] = {rp->nrecipient_orgs, rp->nrecipient_people};
	int r = 0;
	for (int k = 0; k < 2 && !r; k++) {
		sqlite3_stmt *st = NULL;
		r = prep(q, del[k], &st);
		if (!r) {
			struct bind b = bind_start(q, st);
			b_i64(&b, id);
			r = bind_end(&b);
		}
		if (!r)
			r = step_done(q, st);
		sqlite3_finalize(st);
		st = NULL;
		if (!r)
			r = prep(q, ins[k], &st);
		for (int i = 0, pos = 0; i < counts[k] && !r; i++) {
			if (seen_before(ids[k], i))
				continue;
			rewind_stmt(st);
			struct bind b = bind_start(q, st);
			b_i64(&b, id);
			b_i64(&b, ids[k][i]);
			b_int(&b, pos++);
			r = bind_end(&b);
			if (!r)
				r = step_done(q, st);
		}
		sqlite3_finalize(st);
	}
	return r;
}

/* Stores version `version` of report id: the content of rp, whole. */
static int version_write(struct sq *q, int64_t id, int version, const struct core_report *rp,
                         int64_t updated)
{
	struct strbuf orgs, people;
	sqlite3_stmt *st = NULL;
	strbuf_init(&orgs, 4096);
	strbuf_init(&people, 4096);
	int r = ids_json(rp->recipient_orgs, rp->nrecipient_orgs, &orgs);
	if (!r)
		r = ids_json(rp->recipient_people, rp->nrecipient_people, &people);
	if (r) {
		r = sq_err(q, r, "cannot encode the recipients");
		goto out;
	}
	r = prep(q,
	         "INSERT INTO report_versions (report_id, version, kind, title, body, level, tlp, "
	         "recipient_orgs, recipient_people, updated) "
	         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	         &st);
	if (r)
		goto out;
	struct bind b = bind_start(q, st);
	b_i64(&b, id);
	b_int(&b, version);
	b_enum(&b, (int)rp->kind, RK__COUNT, report_kind_name(rp->kind));
	b_arr(&b, rp->title, sizeof rp->title);
	b_str(&b, rp->body);
	b_enum(&b, (int)rp->level, LEVEL__COUNT, level_name(rp->level));
	b_enum(&b, (int)rp->tlp, TLP__COUNT, tlp_name(rp->tlp));
	b_str(&b, orgs.buf);
	b_str(&b, people.buf);
	b_i64(&b, updated);
	r = bind_end(&b);
	if (!r)
		r = step_done(q, st);
out:
	sqlite3_finalize(st);
	strbuf_release(&orgs);
	strbuf_release(&people);
	return r;
}

static void indicator_bind(struct bind *b, const struct core_indicator *in)
{
	b_enum(b, (int)in->type, IND__COUNT, ind_type_name(in->type));
	b_arr(b, in->value, sizeof in->value);
	b_arr(b, in->comment, sizeof in->comment);
	b_i64(b, in->first_seen);
	b_i64(b, in->last_seen);
	b_i64(b, in->valid_until);
}

#define SQL_INDICATOR_INSERT                                                                       \
	"INSERT INTO indicators (report_id, type, value, comment, first_seen, last_seen, "         \
	"valid_until, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"

/* Inserts through the prepared SQL_INDICATOR_INSERT statement st. */
static int indicator_insert(struct sq *q, sqlite3_stmt *st, int64_t report_id,
                            const struct core_indicator *in, int64_t now)
{
	rewind_stmt(st);
	struct bind b = bind_start(q, st);
	b_i64(&b, report_id);
	indicator_bind(&b, in);
	b_i64(&b, now);
	int r = bind_end(&b);
	if (!r)
		r = step_done(q, st);
	return r;
}

static int sq_report_create(struct store *s, struct core_report *rp,
                            const struct core_indicator *inds, size_t ninds)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms(), id = 0;
	char uuid[sizeof rp->uuid];
	if (rp->uuid[0])
		snprintf(uuid, sizeof uuid, "%.36s", rp->uuid);
	else
		random_uuid(uuid);
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "INSERT INTO reports (uuid, kind, title, body, level, tlp, community_id, "
	         "source_org_id, author_id, version, created, updated) "
	         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?10)",
	         &st);
	if (r)
		goto out;
	struct bind b = bind_start(q, st);
	b_arr(&b, uuid, sizeof uuid);
	b_enum(&b, (int)rp->kind, RK__COUNT, report_kind_name(rp->kind));
	b_arr(&b, rp->title, sizeof rp->title);
	b_str(&b, rp->body);
	b_enum(&b, (int)rp->level, LEVEL__COUNT, level_name(rp->level));
	b_enum(&b, (int)rp->tlp, TLP__COUNT, tlp_name(rp->tlp));
	b_i64(&b, rp->community_id);
	b_i64(&b, rp->source_org_id);
	b_i64(&b, rp->author_id);
	b_i64(&b, now);
	r = bind_end(&b);
	if (!r)
		r = step_done(q, st);
	if (r)
		goto out;
	id = sqlite3_last_insert_rowid(q->head.db);
	r = rcpt_write(q, id, rp);
	if (!r)
		r = version_write(q, id, 1, rp, now);
	if (r)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	r = prep(q, SQL_INDICATOR_INSERT, &st);
	for (size_t i = 0; i < ninds && !r; i++)
		r = indicator_insert(q, st, id, &inds[i], now);
out:
	sqlite3_finalize(st);
	r = op_end(q, m, r);
	if (!r) {
		rp->id = id;
		memcpy(rp->uuid, uuid, sizeof uuid);
		rp->version = 1;
		rp->created = now;
		rp->updated = now;
	}
	return r;
}

static int sq_report_get(struct store *s, int64_t id, struct core_report *out)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	struct rcpt_stmts rs = {0};
	bool own;
	memset(out, 0, sizeof *out);
	int r = rd_begin(q, &own);
	if (r)
		return r;
	r = prep(q, "SELECT " REPORT_COLS ", body FROM reports WHERE id = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r)
		r = report_read(q, st, out, true);
	if (!r)
		r = rcpt_prepare(q, &rs, false);
	if (!r)
		r = rcpt_load(q, &rs, out);
	sqlite3_finalize(st);
	rcpt_finalize(&rs);
	rd_end(q, own);
	if (r) {
		core_report_release(out);
		memset(out, 0, sizeof *out);
	}
	return r;
}

static int sq_report_update(struct store *s, struct core_report *rp)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms();
	int version = 0;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q, "SELECT version FROM reports WHERE id = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, rp->id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r) {
		struct row w = row_start(q, st);
		version = c_int(&w) + 1;
		r = w.status;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (r)
		goto out;
	r = prep(q,
	         "UPDATE reports SET kind = ?1, title = ?2, body = ?3, level = ?4, tlp = ?5, "
	         "version = ?6, updated = ?7 WHERE id = ?8",
	         &st);
	if (r)
		goto out;
	struct bind b = bind_start(q, st);
	b_enum(&b, (int)rp->kind, RK__COUNT, report_kind_name(rp->kind));
	b_arr(&b, rp->title, sizeof rp->title);
	b_str(&b, rp->body);
	b_enum(&b, (int)rp->level, LEVEL__COUNT, level_name(rp->level));
	b_enum(&b, (int)rp->tlp, TLP__COUNT, tlp_name(rp->tlp));
	b_int(&b, version);
	b_i64(&b, now);
	b_i64(&b, rp->id);
	r = bind_end(&b);
	if (!r)
		r = step_changed(q, st);
	if (!r)
		r = rcpt_write(q, rp->id, rp);
	if (!r)
		r = version_write(q, rp->id, version, rp, now);
out:
	sqlite3_finalize(st);
	r = op_end(q, m, r);
	if (!r) {
		rp->version = version;
		rp->updated = now;
	}
	return r;
}

static int sq_report_list(struct store *s, const struct store_report_filter *f,
                          struct core_report **out, size_t *n)
{
	struct sq *q = sq_of(s);
	struct query qb;
	sqlite3_stmt *st = NULL;
	struct rcpt_stmts rs = {0};
	struct core_report *arr = NULL;
	size_t cnt = 0, cap = 0;
	bool own = false;

	qb_init(&qb, "SELECT " REPORT_COLS " FROM reports WHERE ");
	qb_i64(&qb, "id < ?", cursor(f->before_id));
	if (f->kind >= 0)
		qb_text(&qb, " AND kind = ?", report_kind_name((enum report_kind)f->kind));
	if (f->tlp >= 0)
		qb_text(&qb, " AND tlp = ?", tlp_name((enum tlp)f->tlp));
	if (f->level >= 0)
		qb_text(&qb, " AND level = ?", level_name((enum level)f->level));
	if (f->community_id)
		qb_i64(&qb, " AND community_id = ?", f->community_id);
	if (f->author_id)
		qb_i64(&qb, " AND author_id = ?", f->author_id);
	if (f->since)
		qb_i64(&qb, " AND updated >= ?", f->since);
	if (f->text)
		qb_like(&qb, " AND (title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')", 2,
		        f->text);
	qb_i64(&qb, " ORDER BY id DESC LIMIT ?", f->limit);

	int r = rd_begin(q, &own);
	if (!r)
		r = qb_prepare(q, &qb, &st);
	if (!r)
		r = rcpt_prepare(q, &rs, false);
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct core_report *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		r = report_read(q, st, &arr[cnt], false);
		if (!r)
			r = rcpt_load(q, &rs, &arr[cnt]);
		cnt++; /* lists carry no body: nothing to release on failure */
	}
	sqlite3_finalize(st);
	rcpt_finalize(&rs);
	rd_end(q, own);
	qb_release(&qb);
	if (r) {
		kr_free(arr);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

static int sq_report_version_get(struct store *s, int64_t id, int version, struct core_report *out)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	struct rcpt_stmts rs = {0};
	bool own;
	memset(out, 0, sizeof *out);
	int r = rd_begin(q, &own);
	if (r)
		return r;
	/* The same columns as REPORT_COLS + body, content from the version. */
	r = prep(q,
	         "SELECT r.id, r.uuid, v.kind, v.title, v.level, v.tlp, r.community_id, "
	         "r.source_org_id, r.author_id, v.version, r.created, v.updated, v.body "
	         "FROM report_versions v JOIN reports r ON r.id = v.report_id "
	         "WHERE v.report_id = ?1 AND v.version = ?2",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		b_int(&b, version);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r)
		r = report_read(q, st, out, true);
	if (!r)
		r = rcpt_prepare(q, &rs, true);
	if (!r)
		r = rcpt_load(q, &rs, out);
	sqlite3_finalize(st);
	rcpt_finalize(&rs);
	rd_end(q, own);
	if (r) {
		core_report_release(out);
		memset(out, 0, sizeof *out);
	}
	return r;
}

static int sq_report_version_count(struct store *s, int64_t id, int *n)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int r = prep(q, "SELECT version FROM reports WHERE id = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r) {
		struct row w = row_start(q, st);
		*n = c_int(&w);
		r = w.status;
	}
	sqlite3_finalize(st);
	return r;
}

/* ---- comments ---- */

static int sq_comment_create(struct store *s, struct core_comment *c)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms(), id = 0;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "INSERT INTO comments (report_id, author_id, org_id, tlp, body, created) "
	         "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, c->report_id);
		b_i64(&b, c->author_id);
		b_ref(&b, c->org_id);
		b_enum(&b, (int)c->tlp, TLP__COUNT, tlp_name(c->tlp));
		b_str(&b, c->body);
		b_i64(&b, now);
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(q, st);
	id = sqlite3_last_insert_rowid(q->head.db);
	sqlite3_finalize(st);
	r = op_end(q, m, r);
	if (!r) {
		c->id = id;
		c->created = now;
	}
	return r;
}

static int sq_comment_list(struct store *s, int64_t report_id, struct core_comment **out, size_t *n)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	struct core_comment *arr = NULL;
	size_t cnt = 0, cap = 0;
	int r = prep(q,
	             "SELECT id, report_id, author_id, coalesce(org_id, 0), tlp, body, created "
	             "FROM comments WHERE report_id = ?1 ORDER BY id LIMIT ?2",
	             &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, report_id);
		b_int(&b, STORE_LIST_MAX);
		r = bind_end(&b);
	}
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct core_comment *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		struct core_comment *c = &arr[cnt];
		struct row w = row_start(q, st);
		memset(c, 0, sizeof *c);
		c->id = c_i64(&w);
		c->report_id = c_i64(&w);
		c->author_id = c_i64(&w);
		c->org_id = c_i64(&w);
		c->tlp = c_enum(&w, tlp_parse);
		c->body = c_dup(&w);
		c->created = c_i64(&w);
		cnt++;
		r = w.status; /* a failed element owns nothing or its body: both freed below */
	}
	sqlite3_finalize(st);
	if (r) {
		store_comment_free(arr, cnt);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

/* ---- indicators ---- */

#define INDICATOR_COLS                                                                             \
	"id, report_id, type, value, comment, first_seen, last_seen, valid_until, created"

static int indicator_read(struct sq *q, sqlite3_stmt *st, struct core_indicator *in)
{
	struct row w = row_start(q, st);
	memset(in, 0, sizeof *in);
	in->id = c_i64(&w);
	in->report_id = c_i64(&w);
	in->type = c_enum(&w, ind_type_parse);
	c_arr(&w, in->value, sizeof in->value);
	c_arr(&w, in->comment, sizeof in->comment);
	in->first_seen = c_i64(&w);
	in->last_seen = c_i64(&w);
	in->valid_until = c_i64(&w);
	in->created = c_i64(&w);
	return w.status;
}

static int sq_indicator_add(struct store *s, struct core_indicator *in)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms(), id = 0;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q, SQL_INDICATOR_INSERT, &st);
	if (!r)
		r = indicator_insert(q, st, in->report_id, in, now);
	id = sqlite3_last_insert_rowid(q->head.db);
	sqlite3_finalize(st);
	r = op_end(q, m, r);
	if (!r) {
		in->id = id;
		in->created = now;
	}
	return r;
}

static int sq_indicator_get(struct store *s, int64_t id, struct core_indicator *out)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	int r = prep(q, "SELECT " INDICATOR_COLS " FROM indicators WHERE id = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r)
		r = indicator_read(q, st, out);
	sqlite3_finalize(st);
	return r;
}

static int sq_indicator_delete(struct store *s, int64_t id)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q, "DELETE FROM indicators WHERE id = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_changed(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

/* Collects up to STORE_LIST_MAX indicators from a bound statement. */
static int indicator_collect(struct sq *q, sqlite3_stmt *st, struct core_indicator **out, size_t *n)
{
	struct core_indicator *arr = NULL;
	size_t cnt = 0, cap = 0;
	int r = 0;
	while (!r && cnt < STORE_LIST_MAX) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct core_indicator *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		r = indicator_read(q, st, &arr[cnt++]);
	}
	if (r) {
		kr_free(arr);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

static int sq_indicator_list(struct store *s, int64_t report_id, struct core_indicator **out,
                             size_t *n)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int r = prep(q,
	             "SELECT " INDICATOR_COLS " FROM indicators WHERE report_id = ?1 "
	             "ORDER BY id LIMIT ?2",
	             &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, report_id);
		b_int(&b, STORE_LIST_MAX);
		r = bind_end(&b);
	}
	if (!r)
		r = indicator_collect(q, st, out, n);
	sqlite3_finalize(st);
	return r;
}

static int sq_indicator_search(struct store *s, const struct store_indicator_filter *f,
                               struct core_indicator **out, size_t *n)
{
	struct sq *q = sq_of(s);
	struct query qb;
	sqlite3_stmt *st = NULL;
	qb_init(&qb, "SELECT " INDICATOR_COLS " FROM indicators WHERE ");
	qb_i64(&qb, "id < ?", cursor(f->before_id));
	if (f->type >= 0)
		qb_text(&qb, " AND type = ?", ind_type_name((enum ind_type)f->type));
	if (f->value)
		qb_text(&qb, " AND value = ?", f->value);
	if (f->text)
		qb_like(&qb, " AND value LIKE ? ESCAPE '\\'", 1, f->text);
	qb_i64(&qb, " ORDER BY id DESC LIMIT ?", f->limit);
	int r = qb_prepare(q, &qb, &st);
	if (!r)
		r = indicator_collect(q, st, out, n);
	sqlite3_finalize(st);
	qb_release(&qb);
	return r;
}

/* ---- audit ---- */

static int sq_audit_append(struct store *s, struct core_audit *a)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int64_t at = a->at ? a->at : time_now_ms(), id = 0;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "INSERT INTO audit (at, person_id, org_id, community_id, action, object_type, "
	         "object_id, detail, addr) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, at);
		b_i64(&b, a->person_id);
		b_i64(&b, a->org_id);
		b_i64(&b, a->community_id);
		b_enum(&b, (int)a->action, AUDIT_LOGOUT + 1, audit_action_name(a->action));
		b_arr(&b, a->object_type, sizeof a->object_type);
		b_i64(&b, a->object_id);
		b_arr(&b, a->detail, sizeof a->detail);
		b_arr(&b, a->addr, sizeof a->addr);
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(q, st);
	id = sqlite3_last_insert_rowid(q->head.db);
	sqlite3_finalize(st);
	r = op_end(q, m, r);
	if (!r) {
		a->id = id;
		a->at = at;
	}
	return r;
}

static int sq_audit_list(struct store *s, const struct store_audit_filter *f,
                         struct core_audit **out, size_t *n)
{
	struct sq *q = sq_of(s);
	struct query qb;
	sqlite3_stmt *st = NULL;
	struct core_audit *arr = NULL;
	size_t cnt = 0, cap = 0;

	qb_init(&qb, "SELECT id, at, person_id, org_id, community_id, action, object_type, "
	             "object_id, detail, addr FROM audit WHERE ");
	qb_i64(&qb, "id < ?", cursor(f->before_id));
	if (f->community_id)
		qb_i64(&qb, " AND community_id = ?", f->community_id);
	if (f->person_id)
		qb_i64(&qb, " AND person_id = ?", f->person_id);
	if (f->action >= 0)
		qb_text(&qb, " AND action = ?", audit_action_name((enum audit_action)f->action));
	if (f->object_type)
		qb_text(&qb, " AND object_type = ?", f->object_type);
	if (f->since)
		qb_i64(&qb, " AND at >= ?", f->since);
	qb_i64(&qb, " ORDER BY id DESC LIMIT ?", f->limit);

	int r = qb_prepare(q, &qb, &st);
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct core_audit *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		struct core_audit *a = &arr[cnt++];
		struct row w = row_start(q, st);
		memset(a, 0, sizeof *a);
		a->id = c_i64(&w);
		a->at = c_i64(&w);
		a->person_id = c_i64(&w);
		a->org_id = c_i64(&w);
		a->community_id = c_i64(&w);
		a->action = c_enum(&w, audit_action_parse);
		c_arr(&w, a->object_type, sizeof a->object_type);
		a->object_id = c_i64(&w);
		c_arr(&w, a->detail, sizeof a->detail);
		c_arr(&w, a->addr, sizeof a->addr);
		r = w.status;
	}
	sqlite3_finalize(st);
	qb_release(&qb);
	if (r) {
		kr_free(arr);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

/* ---- sessions ---- */

static int sq_session_create(struct store *s, const struct store_session *ss)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "INSERT INTO sessions (hash, person_id, created, expires, csrf) "
	         "VALUES (?1, ?2, ?3, ?4, ?5)",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_arr(&b, ss->hash, sizeof ss->hash);
		b_i64(&b, ss->person_id);
		b_i64(&b, ss->created ? ss->created : time_now_ms());
		b_i64(&b, ss->expires);
		b_arr(&b, ss->csrf, sizeof ss->csrf);
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_session_get(struct store *s, const char *hash, struct store_session *out)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	int r = prep(
	    q, "SELECT hash, person_id, created, expires, csrf FROM sessions WHERE hash = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_str(&b, hash);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r) {
		struct row w = row_start(q, st);
		c_arr(&w, out->hash, sizeof out->hash);
		out->person_id = c_i64(&w);
		out->created = c_i64(&w);
		out->expires = c_i64(&w);
		c_arr(&w, out->csrf, sizeof out->csrf);
		r = w.status;
	}
	sqlite3_finalize(st);
	return r;
}

/* Runs a one-parameter write of constant SQL; KR_ENOTFOUND if must_change
 * and no row changed. */
static int write_one(struct sq *q, const char *sql, bool is_text, const char *text, int64_t v,
                     bool must_change)
{
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q, sql, &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		if (is_text)
			b_str(&b, text);
		else
			b_i64(&b, v);
		r = bind_end(&b);
	}
	if (!r)
		r = must_change ? step_changed(q, st) : step_done(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_session_delete(struct store *s, const char *hash)
{
	return write_one(sq_of(s), "DELETE FROM sessions WHERE hash = ?1", true, hash, 0, true);
}

static int sq_session_purge(struct store *s, int64_t now)
{
	return write_one(sq_of(s), "DELETE FROM sessions WHERE expires <= ?1", false, NULL, now,
	                 false);
}

static int sq_session_delete_person(struct store *s, int64_t person_id, const char *keep_hash)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q, "DELETE FROM sessions WHERE person_id = ?1 AND hash <> ?2", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, person_id);
		b_str(&b, keep_hash);
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

/* ---- API tokens ---- */

#define TOKEN_COLS "id, person_id, name, scope, hash, prefix, created, expires, last_used, revoked"

static int token_read(struct sq *q, sqlite3_stmt *st, struct store_token *t)
{
	struct row w = row_start(q, st);
	memset(t, 0, sizeof *t);
	t->id = c_i64(&w);
	t->person_id = c_i64(&w);
	c_arr(&w, t->name, sizeof t->name);
	c_arr(&w, t->scope, sizeof t->scope);
	c_arr(&w, t->hash, sizeof t->hash);
	c_arr(&w, t->prefix, sizeof t->prefix);
	t->created = c_i64(&w);
	t->expires = c_i64(&w);
	t->last_used = c_i64(&w);
	t->revoked = c_i64(&w);
	return w.status;
}

static int sq_token_create(struct store *s, struct store_token *t)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms(), id = 0;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q,
	         "INSERT INTO api_tokens (person_id, name, scope, hash, prefix, created, expires, "
	         "last_used, revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, t->person_id);
		b_arr(&b, t->name, sizeof t->name);
		b_arr(&b, t->scope, sizeof t->scope);
		b_arr(&b, t->hash, sizeof t->hash);
		b_arr(&b, t->prefix, sizeof t->prefix);
		b_i64(&b, now);
		b_i64(&b, t->expires);
		b_i64(&b, t->last_used);
		b_i64(&b, t->revoked);
		r = bind_end(&b);
	}
	if (!r)
		r = step_done(q, st);
	id = sqlite3_last_insert_rowid(q->head.db);
	sqlite3_finalize(st);
	r = op_end(q, m, r);
	if (!r) {
		t->id = id;
		t->created = now;
	}
	return r;
}

/* One token by constant SQL with one parameter (text or integer). */
static int token_get_by(struct sq *q, const char *sql, const char *text, int64_t v,
                        struct store_token *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	int r = prep(q, sql, &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		if (text)
			b_str(&b, text);
		else
			b_i64(&b, v);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (!r)
		r = token_read(q, st, out);
	sqlite3_finalize(st);
	return r;
}

static int sq_token_get_by_hash(struct store *s, const char *hash, struct store_token *out)
{
	return token_get_by(sq_of(s), "SELECT " TOKEN_COLS " FROM api_tokens WHERE hash = ?1", hash,
	                    0, out);
}

static int sq_token_get(struct store *s, int64_t id, struct store_token *out)
{
	return token_get_by(sq_of(s), "SELECT " TOKEN_COLS " FROM api_tokens WHERE id = ?1", NULL,
	                    id, out);
}

static int sq_token_list(struct store *s, int64_t person_id, struct store_token **out, size_t *n)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	struct store_token *arr = NULL;
	size_t cnt = 0, cap = 0;
	int r = prep(q,
	             "SELECT " TOKEN_COLS " FROM api_tokens WHERE person_id = ?1 "
	             "ORDER BY id DESC LIMIT ?2",
	             &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, person_id);
		b_int(&b, STORE_LIST_MAX);
		r = bind_end(&b);
	}
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct store_token *t = grow(arr, &cap, cnt, sizeof *arr);
		if (!t) {
			r = sq_err(q, KR_ENOMEM, "out of memory");
			break;
		}
		arr = t;
		r = token_read(q, st, &arr[cnt++]);
	}
	sqlite3_finalize(st);
	if (r) {
		kr_free(arr);
		return r;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

static int sq_token_revoke(struct store *s, int64_t id, int64_t when)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	/* A second revocation keeps the first time. */
	r = prep(q,
	         "UPDATE api_tokens SET revoked = CASE WHEN revoked = 0 THEN ?2 ELSE revoked END "
	         "WHERE id = ?1",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		b_i64(&b, when);
		r = bind_end(&b);
	}
	if (!r)
		r = step_changed(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

static int sq_token_touch(struct store *s, int64_t id, int64_t when)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum txmode m;
	int r = op_begin(q, &m);
	if (r)
		return r;
	r = prep(q, "UPDATE api_tokens SET last_used = ?2 WHERE id = ?1", &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, id);
		b_i64(&b, when);
		r = bind_end(&b);
	}
	if (!r)
		r = step_changed(q, st);
	sqlite3_finalize(st);
	return op_end(q, m, r);
}

/* ---- the policy actor ---- */

static int sq_actor_load(struct store *s, int64_t person_id, struct policy_actor *out)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	bool own;
	memset(out, 0, sizeof *out);
	int r = rd_begin(q, &own);
	if (r)
		return r;
	r = prep(q, "SELECT coalesce(org_id, 0), is_admin, disabled FROM people WHERE id = ?1",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, person_id);
		r = bind_end(&b);
	}
	if (!r)
		r = step_row(q, st);
	if (r)
		goto out;
	struct row w = row_start(q, st);
	int64_t org_id = c_i64(&w);
	bool is_admin = c_bool(&w);
	if (c_bool(&w)) {
		r = KR_ENOTFOUND; /* a disabled person acts as nobody */
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Every community where the organisation has a membership row or the
	 * person is a representative. Admitted memberships come first, so that
	 * if there were ever more than POLICY_MAX_MEMBERSHIPS, what is cut off
	 * only narrows access. */
	r = prep(q,
	         "SELECT c.id, coalesce(m.status = 'member', 0), r.person_id IS NOT NULL, "
	         "coalesce(r.kind, 'primary'), coalesce(r.role, 'member'), c.guidelines_version, "
	         "(SELECT coalesce(max(g.version), 0) FROM guideline_acceptances g "
	         " WHERE g.community_id = c.id AND g.person_id = ?1) "
	         "FROM communities c "
	         "LEFT JOIN memberships m ON m.community_id = c.id AND m.org_id = ?2 "
	         "LEFT JOIN representatives r ON r.community_id = c.id AND r.person_id = ?1 "
	         "WHERE m.org_id IS NOT NULL OR r.person_id IS NOT NULL "
	         "ORDER BY coalesce(m.status = 'member', 0) DESC, c.id LIMIT ?3",
	         &st);
	if (!r) {
		struct bind b = bind_start(q, st);
		b_i64(&b, person_id);
		b_ref(&b, org_id);
		b_int(&b, POLICY_MAX_MEMBERSHIPS);
		r = bind_end(&b);
	}
	while (!r) {
		bool row;
		r = step(q, st, &row);
		if (r || !row)
			break;
		struct policy_membership *pm = &out->memberships[out->nmemberships++];
		struct row c = row_start(q, st);
		pm->community_id = c_i64(&c);
		pm->org_is_member = c_bool(&c);
		pm->is_representative = c_bool(&c);
		pm->rep_kind = c_enum(&c, rep_kind_parse);
		pm->role = c_enum(&c, role_parse);
		int current = c_int(&c);
		int accepted = c_int(&c);
		pm->accepted_current = accepted >= current;
		r = c.status;
	}
	if (r)
		goto out;
	out->authenticated = true;
	out->person_id = person_id;
	out->org_id = org_id;
	out->is_admin = is_admin;
	out->can_write = true;
out:
	sqlite3_finalize(st);
	rd_end(q, own);
	if (r)
		memset(out, 0, sizeof *out);
	return r;
}

/* ---- the operations table ---- */

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .errmsg = sq_errmsg,
    .schema_version = sq_schema_version,
    .migrate = sq_migrate,
    .backup = sq_backup,
    .check = sq_check,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .org_create = sq_org_create,
    .org_get = sq_org_get,
    .org_update = sq_org_update,
    .org_list = sq_org_list,
    .org_count = sq_org_count,
    .person_create = sq_person_create,
    .person_get = sq_person_get,
    .person_get_by_email = sq_person_get_by_email,
    .person_update = sq_person_update,
    .person_set_password = sq_person_set_password,
    .person_list = sq_person_list,
    .person_count = sq_person_count,
    .community_create = sq_community_create,
    .community_get = sq_community_get,
    .community_update = sq_community_update,
    .community_list = sq_community_list,
    .membership_set = sq_membership_set,
    .membership_get = sq_membership_get,
    .membership_list = sq_membership_list,
    .membership_list_by_org = sq_membership_list_by_org,
    .rep_set = sq_rep_set,
    .rep_remove = sq_rep_remove,
    .rep_get = sq_rep_get,
    .rep_list = sq_rep_list,
    .guidelines_accept = sq_guidelines_accept,
    .guidelines_accepted = sq_guidelines_accepted,
    .application_create = sq_application_create,
    .application_get = sq_application_get,
    .application_set_status = sq_application_set_status,
    .application_list = sq_application_list,
    .vote_add = sq_vote_add,
    .vote_list = sq_vote_list,
    .report_create = sq_report_create,
    .report_get = sq_report_get,
    .report_update = sq_report_update,
    .report_list = sq_report_list,
    .report_version_get = sq_report_version_get,
    .report_version_count = sq_report_version_count,
    .comment_create = sq_comment_create,
    .comment_list = sq_comment_list,
    .indicator_add = sq_indicator_add,
    .indicator_get = sq_indicator_get,
    .indicator_delete = sq_indicator_delete,
    .indicator_list = sq_indicator_list,
    .indicator_search = sq_indicator_search,
    .audit_append = sq_audit_append,
    .audit_list = sq_audit_list,
    .session_create = sq_session_create,
    .session_get = sq_session_get,
    .session_delete = sq_session_delete,
    .session_purge = sq_session_purge,
    .session_delete_person = sq_session_delete_person,
    .token_create = sq_token_create,
    .token_get_by_hash = sq_token_get_by_hash,
    .token_get = sq_token_get,
    .token_list = sq_token_list,
    .token_revoke = sq_token_revoke,
    .token_touch = sq_token_touch,
    .actor_load = sq_actor_load,
};
