/* ipv4.c - IPv4 longest-prefix match with a DIR-24-8 table: 2^24 first-level
 * entries indexed by the top 24 bits hold the answer for a whole /24, or
 * point at a group of 256 second-level entries for the /24s that hold
 * longer prefixes. A lookup is one memory read, two for those /24s; the
 * batch form keeps many reads in flight with prefetches. */
#include "match/match_int.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

/* How far ahead the batch lookup prefetches (tuned on bench/dsn; a
 * build may override it to tune for another machine). */
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 32
#endif
#define GROUP_PENDING 256 /* second-level reads waiting in a batch */

static int cmp_v4(const void *a, const void *b)
{
	const struct match_rec_v4 *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (x->plen > y->plen) - (x->plen < y->plen);
}

void match_v4_free(struct match_v4 *v)
{
	kr_free(v->t24_base);
	kr_free(v->t8_base);
	kr_free(v->leaf);
	memset(v, 0, sizeof *v);
}

/* Fills the tables from the elementary intervals (istart ascending from 0). */
static void fill(struct match_v4 *v, const match_u128 *istart, const uint32_t *ival, size_t m)
{
	const uint64_t blocks = (uint64_t)1 << 24;
	size_t i = 0;
	uint32_t g = 0;
	for (uint64_t b = 0; b < blocks;) {
		uint64_t lo = b << 8;
		while (i + 1 < m && istart[i + 1] <= lo)
			i++;
		uint64_t next = i + 1 < m ? (uint64_t)istart[i + 1] : (uint64_t)1 << 32;
		if (next >= lo + 256) {
			/* Whole /24s up to the next boundary share the answer. */
			uint64_t e = next >> 8;
			if (e > blocks)
				e = blocks;
			uint32_t val = ival[i];
			for (uint64_t k = b; k < e; k++)
				v->t24[k] = val;
			b = e;
			continue;
		}
		uint32_t *grp = v->t8 + ((size_t)g << 8);
		for (uint64_t k = 0; k < 256; k++) {
			while (i + 1 < m && istart[i + 1] <= lo + k)
				i++;
			grp[k] = ival[i];
		}
		v->t24[b] = MATCH_V4_EXT | g;
		g++;
		b++;
	}
}

int match_v4_build(struct match_v4 *v, const struct match_set *recs)
{
	memset(v, 0, sizeof *v);
	size_t n = recs->n;
	if (n == 0)
		return 0;
	struct match_rec_v4 *sorted = NULL;
	match_u128 *start = NULL, *end = NULL, *istart = NULL;
	uint32_t *parent = NULL, *ival = NULL;
	int r = KR_ENOMEM;
	sorted = kr_malloc(n * sizeof *sorted);
	start = kr_malloc(n * sizeof *start);
	end = kr_malloc(n * sizeof *end);
	parent = kr_malloc(n * sizeof *parent);
	istart = kr_malloc((2 * n + 1) * sizeof *istart);
	ival = kr_malloc((2 * n + 1) * sizeof *ival);
	v->leaf = kr_calloc(n + 1, sizeof *v->leaf);
	if (!sorted || !start || !end || !parent || !istart || !ival || !v->leaf)
		goto out;
	memcpy(sorted, recs->rec, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_v4);
	for (size_t i = 0; i < n; i++) {
		uint32_t host = (uint32_t)(0xffffffffULL >> sorted[i].plen);
		start[i] = sorted[i].addr;
		end[i] = sorted[i].addr | host;
	}
	size_t m;
	match_sweep(start, end, n, 0xffffffffu, parent, istart, ival, &m);
	v->n = n;
	for (size_t i = 0; i < n; i++) {
		v->leaf[i + 1].owner = sorted[i].owner;
		v->leaf[i + 1].payload = sorted[i].payload;
		v->leaf[i + 1].parent = parent[i];
		v->leaf[i + 1].prefix = sorted[i].addr;
		v->leaf[i + 1].plen = sorted[i].plen;
	}
	/* A /24 needs a group when an interval starts inside it. */
	size_t ngroups = 0;
	uint64_t lastblk = UINT64_MAX;
	for (size_t i = 1; i < m; i++) {
		uint64_t s = (uint64_t)istart[i];
		if ((s & 0xff) && (s >> 8) != lastblk) {
			ngroups++;
			lastblk = s >> 8;
		}
	}
	if (ngroups >= MATCH_V4_EXT) {
		r = KR_ELIMIT;
		goto out;
	}
	v->t24 = match_big_alloc(((size_t)1 << 24) * sizeof *v->t24, &v->t24_base);
	if (!v->t24)
		goto out;
	if (ngroups) {
		v->t8 = match_big_alloc((ngroups << 8) * sizeof *v->t8, &v->t8_base);
		if (!v->t8)
			goto out;
	}
	v->ngroups = ngroups;
	fill(v, istart, ival, m);
	v->table_bytes = (((size_t)1 << 24) + (ngroups << 8)) * sizeof(uint32_t);
	v->bytes = v->table_bytes + (n + 1) * sizeof *v->leaf;
	r = 0;
out:
	kr_free(sorted);
	kr_free(start);
	kr_free(end);
	kr_free(parent);
	kr_free(istart);
	kr_free(ival);
	if (r)
		match_v4_free(v);
	return r;
}

static inline uint32_t v4_find(const struct match_v4 *v, uint32_t a)
{
	uint32_t e = v->t24[a >> 8];
	if (e & MATCH_V4_EXT)
		e = v->t8[((size_t)(e & ~MATCH_V4_EXT) << 8) | (a & 0xff)];
	return e;
}

int match_ipv4_ref_hit(const struct match_index *ix, uint32_t ref, struct match_hit *hit)
{
	const struct match_v4 *v = &ix->v4;
	if (ref == 0 || ref > v->n)
		return KR_ENOTFOUND;
	const struct match_leaf *l = &v->leaf[ref];
	memset(hit, 0, sizeof *hit);
	hit->owner = l->owner;
	hit->payload = l->payload;
	hit->ref = ref;
	hit->plen = l->plen;
	uint32_t p = l->prefix;
	hit->addr[0] = (uint8_t)(p >> 24);
	hit->addr[1] = (uint8_t)(p >> 16);
	hit->addr[2] = (uint8_t)(p >> 8);
	hit->addr[3] = (uint8_t)p;
	return 0;
}

int64_t match_ipv4_ref_owner(const struct match_index *ix, uint32_t ref)
{
	if (ref == 0 || ref > ix->v4.n)
		return 0;
	return ix->v4.leaf[ref].owner;
}

int match_ipv4_lookup(const struct match_index *ix, uint32_t addr, struct match_hit *hit)
{
	if (!ix->v4.t24)
		return KR_ENOTFOUND;
	return match_ipv4_ref_hit(ix, v4_find(&ix->v4, addr), hit);
}

/* Resolves the second-level reads of the entries listed in pend. */
static void resolve_groups(const uint32_t *t8, const uint32_t *addr, uint32_t *ref,
                           const size_t *pend, size_t np)
{
	for (size_t k = 0; k < np; k++) {
		size_t j = pend[k];
		ref[j] = t8[((size_t)(ref[j] & ~MATCH_V4_EXT) << 8) | (addr[j] & 0xff)];
	}
}

void match_ipv4_lookup_batch(const struct match_index *ix, const uint32_t *addr, size_t n,
                             uint32_t *ref)
{
	const struct match_v4 *v = &ix->v4;
	if (!v->t24) {
		memset(ref, 0, n * sizeof *ref);
		return;
	}
	const uint32_t *t24 = v->t24;
	const uint32_t *t8 = v->t8;
	/* The read for addr[i + PREFETCH_AHEAD] is started before addr[i] is
	 * used, so that many misses are in flight at once. The few entries
	 * that point into a group get their second read prefetched at once
	 * and resolved later, when it has arrived. */
	size_t pend[GROUP_PENDING];
	size_t np = 0;
	size_t pre = n;
	if (pre > PREFETCH_AHEAD)
		pre = PREFETCH_AHEAD;
	for (size_t i = 0; i < pre; i++)
		__builtin_prefetch(&t24[addr[i] >> 8]);
	for (size_t i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			__builtin_prefetch(&t24[addr[i + PREFETCH_AHEAD] >> 8]);
		uint32_t e = t24[addr[i] >> 8];
		ref[i] = e;
		if (__builtin_expect((e & MATCH_V4_EXT) != 0, 0)) {
			__builtin_prefetch(
			    &t8[((size_t)(e & ~MATCH_V4_EXT) << 8) | (addr[i] & 0xff)]);
			if (np == GROUP_PENDING) {
				resolve_groups(t8, addr, ref, pend, np);
				np = 0;
			}
			pend[np++] = i;
		}
	}
	resolve_groups(t8, addr, ref, pend, np);
}

int match_ipv4_covering(const struct match_index *ix, uint32_t addr, struct match_hit *out,
                        size_t max)
{
	if (!out && max)
		return KR_EINVAL;
	if (!ix->v4.t24)
		return 0;
	uint32_t ref = v4_find(&ix->v4, addr);
	size_t k = 0;
	while (ref && k < max) {
		match_ipv4_ref_hit(ix, ref, &out[k++]);
		ref = ix->v4.leaf[ref].parent;
	}
	return (int)k;
}
