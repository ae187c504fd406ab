/* stix_int.h - helpers shared by the STIX (and MISP) codec files; not a
 * public contract. */
#ifndef KR_STIX_INT_H
#define KR_STIX_INT_H

#include "codec/stix.h"
#include "util/strbuf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Dumps j as compact JSON into a new NUL-terminated string the caller frees
 * with kr_free; at most max bytes (0 = STIX_MAX_INPUT). KR_ELIMIT, KR_ENOMEM. */
int stix_json_dump(const json_t *j, size_t max, char **out, size_t *len);
/* Appends the compact JSON of j to sb. KR_ELIMIT, KR_ENOMEM. */
int stix_json_append(struct strbuf *sb, const json_t *j);

/* Appends the RFC 8785 canonical form of j to sb. KR_EINVAL (too deep or a
 * number JSON cannot hold), KR_ELIMIT, KR_ENOMEM. */
int stix_jcs_append(struct strbuf *sb, const json_t *j);

/* Nesting depth of the JSON text (brackets outside strings); a quick guard
 * that runs before the parser. */
size_t stix_json_depth(const char *s, size_t len);

/* A STIX timestamp "YYYY-MM-DDTHH:MM:SS[.fraction]Z": *sec receives seconds
 * since the epoch and *nsec the first nine fraction digits. 0 or KR_EINVAL. */
int stix_time_parse(const char *s, int64_t *sec, int32_t *nsec);
/* Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (buf at least 25 bytes). */
void stix_time_format(int64_t ms, char *buf, size_t n);

/* True for a valid STIX type name (3..250 of a-z, 0-9, '-', starting with a
 * letter, no "--"). */
bool stix_type_valid(const char *t);
/* True for "<type>--<uuid>" with a valid type (equal to want_type when that
 * is not NULL) and an RFC 4122 uuid. */
bool stix_id_valid(const char *id, const char *want_type);
/* True for the STIX 2.1 cyber-observable types. */
bool stix_is_sco_type(const char *type);

/* Cuts s to at most max bytes at a UTF-8 character boundary and copies it
 * into out (max + 1 bytes). */
void stix_copy_cut(char *out, size_t max, const char *s);

/* As stix_copy_cut, and every control character (newlines included)
 * becomes a space: for one-line fields such as titles. */
void stix_copy_line(char *out, size_t max, const char *s);

/* FNV-1a over a NUL-terminated string, continuing from h (start with
 * STIX_HASH_SEED). */
#define STIX_HASH_SEED 0xcbf29ce484222325ull
uint64_t stix_hash(uint64_t h, const char *s);

/* An open-addressing index from 64-bit hashes to array positions; the
 * caller decides equality, so keys stay in the caller's array. */
struct stix_index {
	size_t cap;       /* power of two, or 0 */
	size_t n;
	uint64_t *hash;
	size_t *slot;     /* position + 1; 0 = empty */
};
typedef bool (*stix_same_fn)(const void *ctx, size_t pos);

void stix_index_init(struct stix_index *x);
void stix_index_release(struct stix_index *x);
/* Finds a position stored under h for which same(ctx, pos) is true. */
bool stix_index_find(const struct stix_index *x, uint64_t h, stix_same_fn same,
		     const void *ctx, size_t *pos);
/* Stores pos under h. KR_ENOMEM. */
int stix_index_add(struct stix_index *x, uint64_t h, size_t pos);

#endif
