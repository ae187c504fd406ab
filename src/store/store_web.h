/* store_web.h - what the web interface keeps besides the core model: the
 * TOTP second factor of each person and the times of their visits.
 *
 * Same rules as store.h: status 0 or KR_ENOTFOUND, KR_ECONFLICT, KR_EINVAL,
 * KR_ENOMEM, KR_EIO; each write is one transaction of its own unless the
 * caller opened one with store_begin(). Implemented for the SQLite backend
 * (sqlite_web.c, tables of migrations/003_web.sql); any other backend
 * answers KR_EINVAL. Structs are filled by value; nothing is allocated for
 * the caller. */
#ifndef KR_STORE_WEB_H
#define KR_STORE_WEB_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define STORE_WEB_TOTP_SECRET_MAX 64 /* hex digits of a TOTP secret (32 bytes) */

struct store_web_totp {
	int64_t person_id;
	char secret[STORE_WEB_TOTP_SECRET_MAX + 1]; /* lower-case hex, 40..64 digits */
	bool enabled;       /* confirmed with a valid code */
	int64_t last_step;  /* highest TOTP time step accepted, 0 = none */
	int64_t created;
};

/* The TOTP row of a person; KR_ENOTFOUND when there is none. */
int store_web_totp_get(struct store *s, int64_t person_id, struct store_web_totp *out);
/* Inserts or replaces the row of t->person_id (created = now when 0); the
 * stored last_step never decreases (the larger of the two is kept). KR_EINVAL
 * for a secret that is not 40..64 lower-case hex digits. */
int store_web_totp_set(struct store *s, const struct store_web_totp *t);
/* Records that the code of time step `step` was accepted. KR_ECONFLICT when
 * a step >= step was accepted before (a code is never used twice),
 * KR_ENOTFOUND when the person has no TOTP row. */
int store_web_totp_use(struct store *s, int64_t person_id, int64_t step);
/* Removes the person's TOTP row; KR_ENOTFOUND when there was none. */
int store_web_totp_delete(struct store *s, int64_t person_id);

struct store_web_visit {
	int64_t person_id;
	int64_t last_seen;  /* last activity, 0 = never */
	int64_t previous;   /* last_seen when the current visit began, 0 = first visit */
};

/* Begins a visit (a sign-in): previous = last_seen, last_seen = now. */
int store_web_visit_begin(struct store *s, int64_t person_id, int64_t now);
/* Notes activity: last_seen = now, written only when the stored value is
 * more than min_gap_ms older (so a page view rarely writes). */
int store_web_visit_touch(struct store *s, int64_t person_id, int64_t now, int64_t min_gap_ms);
/* The visit row; a person never seen gets a zeroed row and status 0. */
int store_web_visit_get(struct store *s, int64_t person_id, struct store_web_visit *out);

#endif
