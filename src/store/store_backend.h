/* store_backend.h - what a storage backend implements (internal to src/store).
 *
 * The public store_* functions (store.c) check their arguments, clamp list
 * limits and then call the matching member of struct store_ops. A backend
 * (sqlite.c; a later pg.c) embeds struct store as the FIRST member of its own
 * handle and fills every member of one static const struct store_ops.
 *
 * What store.c guarantees before it calls an op: s and every pointer the
 * public contract requires are non-NULL; filter limits are within
 * 1..STORE_LIST_MAX. Everything else (transactions, error mapping, enum and
 * length checks against the schema) is the backend's job, under the
 * contract of store.h. */
#ifndef KR_STORE_BACKEND_H
#define KR_STORE_BACKEND_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Upper bound of rows in any list answer (also of the un-paged lists). */
#define STORE_LIST_MAX 1000

struct store_ops {
	const char *name; /* "sqlite" */

	/* Releases the handle and everything it owns (the struct store too). */
	void (*close)(struct store *s);
	/* Backend's last error text for the boundary's log; never NULL. */
	const char *(*errmsg)(struct store *s);
	int (*schema_version)(struct store *s, int *version);
	int (*migrate)(struct store *s, int *applied);
	int (*backup)(struct store *s, const char *dest_path);
	int (*check)(struct store *s);

	int (*begin)(struct store *s);
	int (*commit)(struct store *s);
	int (*rollback)(struct store *s);

	int (*org_create)(struct store *s, struct core_org *o);
	int (*org_get)(struct store *s, int64_t id, struct core_org *out);
	int (*org_update)(struct store *s, const struct core_org *o);
	int (*org_list)(struct store *s, const struct store_org_filter *f, struct core_org **out,
	                size_t *n);
	int (*org_count)(struct store *s, int64_t *n);

	int (*person_create)(struct store *s, struct core_person *p, const char *pw_hash);
	int (*person_get)(struct store *s, int64_t id, struct core_person *out);
	int (*person_get_by_email)(struct store *s, const char *email, struct core_person *out,
	                           char *pw_hash_out, size_t pw_hash_size);
	int (*person_update)(struct store *s, const struct core_person *p);
	int (*person_set_password)(struct store *s, int64_t id, const char *pw_hash);
	int (*person_list)(struct store *s, const struct store_person_filter *f,
	                   struct core_person **out, size_t *n);
	int (*person_count)(struct store *s, int64_t *n);

	int (*community_create)(struct store *s, struct core_community *c);
	int (*community_get)(struct store *s, int64_t id, struct core_community *out);
	int (*community_update)(struct store *s, struct core_community *c);
	int (*community_list)(struct store *s, int64_t before_id, int limit,
	                      struct core_community **out, size_t *n);

	int (*membership_set)(struct store *s, const struct core_membership *m);
	int (*membership_get)(struct store *s, int64_t community_id, int64_t org_id,
	                      struct core_membership *out);
	int (*membership_list)(struct store *s, int64_t community_id, struct core_membership **out,
	                       size_t *n);
	int (*membership_list_by_org)(struct store *s, int64_t org_id, struct core_membership **out,
	                              size_t *n);

	int (*rep_set)(struct store *s, const struct core_representative *r);
	int (*rep_remove)(struct store *s, int64_t community_id, int64_t person_id);
	int (*rep_get)(struct store *s, int64_t community_id, int64_t person_id,
	               struct core_representative *out);
	int (*rep_list)(struct store *s, int64_t community_id, int64_t person_id,
	                struct core_representative **out, size_t *n);

	int (*guidelines_accept)(struct store *s, int64_t community_id, int64_t person_id,
	                         int version);
	int (*guidelines_accepted)(struct store *s, int64_t community_id, int64_t person_id,
	                           int *version);

	int (*application_create)(struct store *s, struct core_application *a);
	int (*application_get)(struct store *s, int64_t id, struct core_application *out);
	int (*application_set_status)(struct store *s, int64_t id, enum app_status st,
	                              int64_t decided);
	int (*application_list)(struct store *s, int64_t community_id, int status,
	                        struct core_application **out, size_t *n);
	int (*vote_add)(struct store *s, const struct core_vote *v);
	int (*vote_list)(struct store *s, int64_t application_id, struct core_vote **out,
	                 size_t *n);

	int (*report_create)(struct store *s, struct core_report *r,
	                     const struct core_indicator *inds, size_t ninds);
	int (*report_get)(struct store *s, int64_t id, struct core_report *out);
	int (*report_update)(struct store *s, struct core_report *r);
	int (*report_list)(struct store *s, const struct store_report_filter *f,
	                   struct core_report **out, size_t *n);
	int (*report_version_get)(struct store *s, int64_t id, int version,
	                          struct core_report *out);
	int (*report_version_count)(struct store *s, int64_t id, int *n);

	int (*comment_create)(struct store *s, struct core_comment *c);
	int (*comment_list)(struct store *s, int64_t report_id, struct core_comment **out,
	                    size_t *n);

	int (*indicator_add)(struct store *s, struct core_indicator *i);
	int (*indicator_get)(struct store *s, int64_t id, struct core_indicator *out);
	int (*indicator_delete)(struct store *s, int64_t id);
	int (*indicator_list)(struct store *s, int64_t report_id, struct core_indicator **out,
	                      size_t *n);
	int (*indicator_search)(struct store *s, const struct store_indicator_filter *f,
	                        struct core_indicator **out, size_t *n);

	int (*audit_append)(struct store *s, struct core_audit *a);
	int (*audit_list)(struct store *s, const struct store_audit_filter *f,
	                  struct core_audit **out, size_t *n);

	int (*session_create)(struct store *s, const struct store_session *ss);
	int (*session_get)(struct store *s, const char *hash, struct store_session *out);
	int (*session_delete)(struct store *s, const char *hash);
	int (*session_purge)(struct store *s, int64_t now);
	int (*session_delete_person)(struct store *s, int64_t person_id, const char *keep_hash);

	int (*token_create)(struct store *s, struct store_token *t);
	int (*token_get_by_hash)(struct store *s, const char *hash, struct store_token *out);
	int (*token_get)(struct store *s, int64_t id, struct store_token *out);
	int (*token_list)(struct store *s, int64_t person_id, struct store_token **out, size_t *n);
	int (*token_revoke)(struct store *s, int64_t id, int64_t when);
	int (*token_touch)(struct store *s, int64_t id, int64_t when);

	int (*actor_load)(struct store *s, int64_t person_id, struct policy_actor *out);
};

/* The head of every backend handle. */
struct store {
	const struct store_ops *ops;
};

/* The connection of a SQLite store, for the SQLite backend's other files
 * (sqlite_web.c). The handle of sqlite.c starts with struct store followed
 * by its sqlite3 pointer; this mirrors exactly that head. Only valid when
 * strcmp(store_backend(s), "sqlite") == 0. */
struct sqlite3;
struct store_sqlite_head {
	struct store base;
	struct sqlite3 *db;
};
static inline struct sqlite3 *store_sqlite_db(struct store *s)
{
	return ((struct store_sqlite_head *)(void *)s)->db;
}

#endif
