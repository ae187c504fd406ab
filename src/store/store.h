/* store.h - the durable store of kring: the ONLY place with SQL.
 *
 * The interface takes and returns core/ model types. A backend implements
 * struct store_ops (SQLite in sqlite.c; PostgreSQL later in pg.c); the
 * store_* functions below dispatch to it. Every store_* call that writes is
 * one transaction on its own, unless the caller opened one with
 * store_begin(); then it joins that one and nothing is durable before
 * store_commit(). A committed transaction survives kill -9 and power loss
 * (SQLite: WAL, synchronous=FULL).
 *
 * Status: 0 on success, or KR_ENOTFOUND (no such row), KR_ECONFLICT
 * (unique/foreign key/state conflict), KR_EINVAL, KR_ENOMEM, KR_EIO.
 * A store is used by one thread at a time (the caller serialises; SQLite's
 * own mutexes are off). A thread that works beside another opens its own
 * store on the same file, as the outbox worker of kring serve does.
 *
 * Ownership: structs passed in are borrowed. Arrays returned through
 * `**out, *n` are allocated by the store and freed by the caller with the
 * matching store_*_free(); single structs filled through `*out` own their
 * heap strings and are released with core_*_release() where one exists.
 *
 * Listing: lists are ordered newest first by id and paged by cursor:
 * `before_id` = 0 starts at the newest, otherwise only ids < before_id are
 * returned; `limit` is clamped to 1..1000. Lists are NOT filtered by the
 * TLP policy: callers filter every row through policy/ before showing it. */
#ifndef KR_STORE_H
#define KR_STORE_H

#include "core/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* Open (creating if missing) the store at path (a SQLite file path) and
 * apply pending migrations. *out is owned by the caller: store_close(). */
int store_open_sqlite(const char *path, struct store **out);
void store_close(struct store *s);
/* Schema version after migrations (number of the last applied migration). */
int store_schema_version(struct store *s, int *version);
/* Apply pending migrations (also done by open); *applied = how many. */
int store_migrate(struct store *s, int *applied);
/* Consistent online copy of the whole store into dest_path. */
int store_backup(struct store *s, const char *dest_path);
/* Runs the backend's integrity check; 0 if it reports ok. */
int store_check(struct store *s);
/* Name of the backend ("sqlite"). */
const char *store_backend(struct store *s);
/* Text of the backend's last failure, for the boundary's log (never shown
 * to clients); static or owned by s, valid until the next call; never NULL. */
const char *store_errmsg(struct store *s);

int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* ---- organisations ---- */
struct store_org_filter {
	int kind;            /* -1 = any */
	const char *text;    /* substring of name, NULL = any */
	int64_t before_id;
	int limit;
};
int store_org_create(struct store *s, struct core_org *o);         /* sets o->id, o->created */
int store_org_get(struct store *s, int64_t id, struct core_org *out);
int store_org_update(struct store *s, const struct core_org *o);
int store_org_list(struct store *s, const struct store_org_filter *f,
		   struct core_org **out, size_t *n);
void store_org_free(struct core_org *arr, size_t n);
int store_org_count(struct store *s, int64_t *n);

/* ---- people ---- */
struct store_person_filter {
	int64_t org_id;      /* 0 = any */
	const char *text;    /* substring of name or e-mail */
	int64_t before_id;
	int limit;
};
/* pw_hash: argon2id string from libsodium (crypto_pwhash_str), may be "" (no login). */
int store_person_create(struct store *s, struct core_person *p, const char *pw_hash);
int store_person_get(struct store *s, int64_t id, struct core_person *out);
/* pw_hash_out may be NULL; otherwise it receives the stored hash (at least 256 bytes). */
int store_person_get_by_email(struct store *s, const char *email, struct core_person *out,
			      char *pw_hash_out, size_t pw_hash_size);
int store_person_update(struct store *s, const struct core_person *p);
int store_person_set_password(struct store *s, int64_t id, const char *pw_hash);
int store_person_list(struct store *s, const struct store_person_filter *f,
		      struct core_person **out, size_t *n);
void store_person_free(struct core_person *arr, size_t n);
int store_person_count(struct store *s, int64_t *n);

/* ---- communities ---- */
/* create: c->guidelines_version is set to 1; max_primary 0 means the
 * default 2 (c->max_primary receives it). */
int store_community_create(struct store *s, struct core_community *c);
int store_community_get(struct store *s, int64_t id, struct core_community *out);
/* update: name, description, max_primary, default_tlp, kind; if guidelines
 * text differs from the stored one it is saved and guidelines_version is
 * incremented (c->guidelines_version receives the new number). */
int store_community_update(struct store *s, struct core_community *c);
int store_community_list(struct store *s, int64_t before_id, int limit,
			 struct core_community **out, size_t *n);
void store_community_free(struct core_community *arr, size_t n); /* releases each */

/* ---- memberships (organisation in community) ---- */
/* Insert or update the row (community_id, org_id). */
int store_membership_set(struct store *s, const struct core_membership *m);
int store_membership_get(struct store *s, int64_t community_id, int64_t org_id,
			 struct core_membership *out);
/* All memberships of a community (any status), ordered by org id. */
int store_membership_list(struct store *s, int64_t community_id,
			  struct core_membership **out, size_t *n);
/* All memberships of an organisation. */
int store_membership_list_by_org(struct store *s, int64_t org_id,
				 struct core_membership **out, size_t *n);
void store_membership_free(struct core_membership *arr);

/* ---- representatives ---- */
/* Insert or update (community_id, person_id). Does not check limits: the
 * caller (core rules) does, inside a transaction. r->org_id is ignored: the
 * org_id read back is always the person's current organisation. A second
 * chair, vice-chair or secretary in one community is KR_ECONFLICT. */
int store_rep_set(struct store *s, const struct core_representative *r);
int store_rep_remove(struct store *s, int64_t community_id, int64_t person_id);
int store_rep_get(struct store *s, int64_t community_id, int64_t person_id,
		  struct core_representative *out);
/* community_id != 0: all reps of the community; else person_id: all of a person. */
int store_rep_list(struct store *s, int64_t community_id, int64_t person_id,
		   struct core_representative **out, size_t *n);
void store_rep_free(struct core_representative *arr);

/* ---- guideline acceptance ---- */
int store_guidelines_accept(struct store *s, int64_t community_id, int64_t person_id,
			    int version);
/* *version = highest accepted version, 0 if never. */
int store_guidelines_accepted(struct store *s, int64_t community_id, int64_t person_id,
			      int *version);

/* ---- admission ---- */
/* Sets id, created. KR_ECONFLICT if the organisation already has a pending
 * application in that community. */
int store_application_create(struct store *s, struct core_application *a);
int store_application_get(struct store *s, int64_t id, struct core_application *out);
int store_application_set_status(struct store *s, int64_t id, enum app_status st,
				 int64_t decided);
/* community_id's applications, newest first; status -1 = any. */
int store_application_list(struct store *s, int64_t community_id, int status,
			   struct core_application **out, size_t *n);
void store_application_free(struct core_application *arr);
/* One vote per (application, voter org): KR_ECONFLICT if that org voted. */
int store_vote_add(struct store *s, const struct core_vote *v);
int store_vote_list(struct store *s, int64_t application_id, struct core_vote **out,
		    size_t *n);
void store_vote_free(struct core_vote *arr);

/* ---- reports ---- */
struct store_report_filter {
	int kind;            /* -1 = any */
	int tlp;             /* -1 = any */
	int level;           /* -1 = any */
	int64_t community_id; /* 0 = any */
	int64_t author_id;   /* 0 = any */
	const char *text;    /* substring of title or body (case-insensitive), NULL = any */
	int64_t since;       /* updated >= since (ms), 0 = any */
	int64_t before_id;
	int limit;
};
/* Creates the report (version 1, uuid set if empty), its first version
 * row and its indicators in one transaction. r->id, created, updated,
 * version are set. KR_ECONFLICT if two indicators are duplicates
 * (same type and value). */
int store_report_create(struct store *s, struct core_report *r,
			const struct core_indicator *inds, size_t ninds);
/* Fills out with the current version, including body and recipients. */
int store_report_get(struct store *s, int64_t id, struct core_report *out);
/* Saves a new version of r (r->id must exist): version+1, updated=now;
 * the previous content stays readable through store_report_version_get. */
int store_report_update(struct store *s, struct core_report *r);
/* Rows without body (body = NULL) but with recipients. */
int store_report_list(struct store *s, const struct store_report_filter *f,
		      struct core_report **out, size_t *n);
void store_report_free(struct core_report *arr, size_t n); /* releases each */
/* Versions 1..current of a report; each entry a full snapshot incl. body. */
int store_report_version_get(struct store *s, int64_t id, int version,
			     struct core_report *out);
/* Number of versions (= current version). */
int store_report_version_count(struct store *s, int64_t id, int *n);

/* ---- comments ---- */
int store_comment_create(struct store *s, struct core_comment *c); /* sets id, created */
/* Oldest first. */
int store_comment_list(struct store *s, int64_t report_id, struct core_comment **out,
		       size_t *n);
void store_comment_free(struct core_comment *arr, size_t n);

/* ---- indicators ---- */
/* KR_ECONFLICT when (report_id, type, value) exists. Sets id, created. */
int store_indicator_add(struct store *s, struct core_indicator *i);
int store_indicator_get(struct store *s, int64_t id, struct core_indicator *out);
int store_indicator_delete(struct store *s, int64_t id);
/* Of one report, oldest first. */
int store_indicator_list(struct store *s, int64_t report_id, struct core_indicator **out,
			 size_t *n);
struct store_indicator_filter {
	int type;            /* -1 = any */
	const char *value;   /* exact normalised value, NULL = any */
	const char *text;    /* substring of value, NULL = any */
	int64_t before_id;
	int limit;
};
/* Across all reports, newest first (caller checks each report by policy). */
int store_indicator_search(struct store *s, const struct store_indicator_filter *f,
			   struct core_indicator **out, size_t *n);
void store_indicator_free(struct core_indicator *arr);

/* ---- audit (append-only: no update or delete exists) ---- */
int store_audit_append(struct store *s, struct core_audit *a); /* sets id; at=now if 0 */
struct store_audit_filter {
	int64_t community_id; /* 0 = any (instance admins only) */
	int64_t person_id;    /* 0 = any */
	int action;           /* -1 = any */
	const char *object_type; /* NULL = any */
	int64_t since;
	int64_t before_id;
	int limit;
};
int store_audit_list(struct store *s, const struct store_audit_filter *f,
		     struct core_audit **out, size_t *n);
void store_audit_free(struct core_audit *arr);

/* ---- sessions and API tokens (only SHA-256 hashes of secrets are stored) ---- */
struct store_session {
	char hash[65];        /* hex SHA-256 of the session secret */
	int64_t person_id;
	int64_t created;
	int64_t expires;
	char csrf[65];        /* CSRF token for HTML forms */
};
int store_session_create(struct store *s, const struct store_session *ss);
int store_session_get(struct store *s, const char *hash, struct store_session *out);
int store_session_delete(struct store *s, const char *hash);
int store_session_purge(struct store *s, int64_t now); /* delete expired */
/* Ends every session of a person except the one whose hash is keep_hash
 * (NULL or "" = end all): after a password change or when disabled. */
int store_session_delete_person(struct store *s, int64_t person_id, const char *keep_hash);

struct store_token {
	int64_t id;
	int64_t person_id;
	char name[CORE_NAME_MAX + 1];
	char scope[16];       /* "read" or "write" */
	char hash[65];        /* hex SHA-256 of the secret */
	char prefix[13];      /* first characters of the secret, to recognise it */
	int64_t created;
	int64_t expires;      /* 0 = never */
	int64_t last_used;
	int64_t revoked;      /* 0 = active */
};
int store_token_create(struct store *s, struct store_token *t); /* sets id, created */
int store_token_get_by_hash(struct store *s, const char *hash, struct store_token *out);
int store_token_get(struct store *s, int64_t id, struct store_token *out);
int store_token_list(struct store *s, int64_t person_id, struct store_token **out,
		     size_t *n);
void store_token_free(struct store_token *arr);
int store_token_revoke(struct store *s, int64_t id, int64_t when);
int store_token_touch(struct store *s, int64_t id, int64_t when);

/* ---- the actor for the policy ---- */
struct policy_actor;
/* Builds the policy actor of a person: organisation, admin flag, and for
 * each community where the organisation has a membership or the person is
 * a representative: member status, representative kind and role, and
 * whether the person accepted the current guidelines version.
 * can_write is set true; the caller lowers it for read-only tokens. */
int store_actor_load(struct store *s, int64_t person_id, struct policy_actor *out);

#endif
