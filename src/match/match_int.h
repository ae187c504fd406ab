/* match_int.h - what the files of src/match/ share: the builder's sets, the
 * per-kind parts of an index and their build functions. Not for callers
 * outside src/match/. */
#ifndef KR_MATCH_INT_H
#define KR_MATCH_INT_H

#include "match/match.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

__extension__ typedef unsigned __int128 match_u128;

/* ---- builder ---- */

/* An insertion-ordered array of fixed-size records with a linear-probing
 * hash of positions, keyed by what same() compares. */
struct match_set {
	unsigned char *rec;
	size_t recsize, n, cap;
	uint32_t *slot; /* position + 1; 0 = empty */
	size_t nslot;   /* power of two, >= 2 * n, or 0 */
	uint64_t (*hash)(const void *rec);
	bool (*same)(const void *a, const void *b);
	void (*release)(void *rec); /* frees what a record owns; may be NULL */
};

struct match_rec_v4 {
	uint32_t addr;
	uint32_t plen;
	int64_t owner;
	uint32_t payload;
};

struct match_rec_v6 {
	uint8_t addr[16];
	uint32_t plen;
	int64_t owner;
	uint32_t payload;
};

struct match_rec_asn {
	uint32_t asn;
	int64_t owner;
	uint32_t payload;
};

struct match_rec_dom {
	char *name; /* normalised, owned */
	size_t len;
	int64_t owner;
	uint32_t payload;
};

struct match_rec_prod {
	char *vendor, *product, *min, *max; /* normalised, owned; min/max "" = open */
	int64_t owner;
	uint32_t payload;
};

struct match_builder {
	struct match_set v4, v6, asn, dom, prod;
};

/* ---- index parts ---- */

/* One registration. Everything a hit needs sits in these 24 bytes, so that
 * resolving a ref costs one memory read. */
struct match_leaf {
	int64_t owner;
	uint32_t payload;
	uint32_t parent; /* ref of the next covering registration; 0 = none */
	uint32_t prefix; /* IPv4: the registered prefix, host order */
	uint32_t plen;   /* IPv4/IPv6: prefix length */
};

#define MATCH_V4_EXT 0x80000000u /* first-level entry points at a group */

struct match_v4 {
	uint32_t *t24; /* 2^24 entries: ref, or MATCH_V4_EXT | group; NULL if empty */
	uint32_t *t8;  /* ngroups * 256 refs */
	size_t ngroups;
	void *t24_base, *t8_base; /* allocations behind t24 / t8 */
	size_t n;
	struct match_leaf *leaf; /* [1..n] */
	size_t bytes, table_bytes;
};

struct match_v6 {
	size_t nkeys;    /* interval starts after the first, in Eytzinger order */
	match_u128 *key; /* [1..nkeys] */
	uint32_t *prev;  /* [1..nkeys] ref of the interval before key[k] */
	uint32_t last;   /* ref of the last interval */
	void *key_base;
	size_t nintervals;
	size_t n;
	struct match_leaf *leaf; /* [1..n] */
	match_u128 *prefix;      /* [1..n] */
	size_t bytes;
};

struct match_asntab {
	size_t n;
	uint32_t *slot_asn; /* mask + 1 slots; asn 0 = empty */
	uint32_t *slot_ref;
	size_t mask;
	struct match_leaf *leaf; /* [1..n] */
	uint32_t *asn;           /* [1..n] */
	size_t bytes;
};

struct match_domslot {
	uint64_t hash;
	uint32_t ref; /* 0 = empty */
	uint32_t len;
};

struct match_dom {
	size_t n;
	struct match_domslot *slot;
	size_t mask;
	struct match_leaf *leaf; /* [1..n] */
	uint32_t *off;           /* [1..n] offset of the name in names */
	char *names;             /* NUL-terminated names */
	size_t bytes;
};

struct match_prodreg {
	int64_t owner;
	uint32_t payload;
	uint32_t ref;
	struct match_product p; /* texts point into the index's arena */
};

struct match_prodgroup {
	uint64_t hash;
	uint32_t first, count; /* into regs */
};

struct match_prod {
	size_t n;
	struct match_prodreg *reg;     /* sorted by vendor, product */
	struct match_prodgroup *group; /* open-addressing table, mask + 1 slots, count 0 = empty */
	size_t mask;
	char *text;
	size_t bytes;
};

struct match_index {
	atomic_long refs;
	struct match_v4 v4;
	struct match_v6 v6;
	struct match_asntab asn;
	struct match_dom dom;
	struct match_prod prod;
};

/* Builds each part from the builder's records; on failure the part is left
 * for the matching *_free(), which also takes a zeroed part. */
int match_v4_build(struct match_v4 *v, const struct match_set *recs);
void match_v4_free(struct match_v4 *v);
int match_v6_build(struct match_v6 *v, const struct match_set *recs);
void match_v6_free(struct match_v6 *v);
int match_asn_build(struct match_asntab *t, const struct match_set *recs);
void match_asn_free(struct match_asntab *t);
int match_dom_build(struct match_dom *d, const struct match_set *recs);
void match_dom_free(struct match_dom *d);
int match_prod_build(struct match_prod *p, const struct match_set *recs);
void match_prod_free(struct match_prod *p);

/* The nesting sweep over prefixes sorted by (start, length): start[i] and
 * end[i] (inclusive) of registration ref i + 1; top is the last address of
 * the space. Writes parent[i] (ref of the closest covering prefix, 0 none)
 * and the elementary intervals: istart[0] = 0, istart ascending, ival =
 * ref of the most specific prefix covering the interval (0 none);
 * neighbouring intervals never share a value. istart/ival need room for
 * 2 * n + 1 entries; *m receives the count. */
void match_sweep(const match_u128 *start, const match_u128 *end, size_t n, match_u128 top,
                 uint32_t *parent, match_u128 *istart, uint32_t *ival, size_t *m);

/* Memory for large lookup tables, aligned to 2 MiB and advised to use huge
 * pages (fewer TLB misses on random reads); *base is what kr_free() takes. */
void *match_big_alloc(size_t bytes, void **base);

/* 64-bit finaliser (murmur3) used by every hash in the module. */
static inline uint64_t match_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static inline uint64_t match_fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		h = (h ^ c) * 0x100000001b3ULL;
	}
	return h;
}

#define MATCH_FNV_SEED 0xcbf29ce484222325ULL

/* Hash of a domain suffix, computed from its last byte to its first so
 * that every suffix of a name comes out of one pass (see domain.c). */
static inline uint64_t match_dom_step(uint64_t h, unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (unsigned char)(c + 32);
	return (h ^ c) * 0x100000001b3ULL;
}

/* Normalises vendor/product text (lower case, ' ' -> '_') into out
 * (MATCH_TEXT_MAX + 1); 0 or KR_EINVAL (empty, too long, control bytes). */
int match_prod_name(const char *in, char *out);
/* Checks a version bound: NULL, "" and "*" become "", else copied; 0 or KR_EINVAL. */
int match_prod_version(const char *in, char *out);

static inline match_u128 match_u128_from(const uint8_t a[16])
{
	match_u128 v = 0;
	for (int i = 0; i < 16; i++)
		v = (v << 8) | a[i];
	return v;
}

static inline void match_u128_to(match_u128 v, uint8_t a[16])
{
	for (int i = 15; i >= 0; i--) {
		a[i] = (uint8_t)v;
		v >>= 8;
	}
}

#endif
