/* ipv6.c - IPv6 longest-prefix match by range search. The registered
 * prefixes cut the address space into elementary intervals, each with one
 * most specific covering prefix; a lookup finds the interval holding the
 * address. The interval starts are kept as 128-bit keys in Eytzinger (BFS)
 * order, so a search walks a complete binary tree whose top levels share
 * cache lines, and the batch form runs a group of searches level by level
 * with prefetches so that their memory reads overlap. 100 000 prefixes
 * make about 200 000 keys (3 MB). */
#include "match/match_int.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define V6_GROUP 16

static int cmp_v6(const void *a, const void *b)
{
	const struct match_rec_v6 *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);
	if (c)
		return c;
	return (x->plen > y->plen) - (x->plen < y->plen);
}

void match_v6_free(struct match_v6 *v)
{
	kr_free(v->key_base);
	kr_free(v->prev);
	kr_free(v->leaf);
	kr_free(v->prefix);
	memset(v, 0, sizeof *v);
}

/* Lays sorted keys [i..] out in Eytzinger order below node k; returns the
 * next unused sorted index. */
static size_t eytzinger(const match_u128 *keys, const uint32_t *pv, size_t n, match_u128 *key,
                        uint32_t *prev, size_t i, size_t k)
{
	if (k <= n) {
		i = eytzinger(keys, pv, n, key, prev, i, 2 * k);
		key[k] = keys[i];
		prev[k] = pv[i];
		i++;
		i = eytzinger(keys, pv, n, key, prev, i, 2 * k + 1);
	}
	return i;
}

static match_u128 host_mask(unsigned plen)
{
	return plen >= 128 ? 0 : (~(match_u128)0) >> plen;
}

int match_v6_build(struct match_v6 *v, const struct match_set *recs)
{
	memset(v, 0, sizeof *v);
	size_t n = recs->n;
	struct match_rec_v6 *sorted = NULL;
	match_u128 *start = NULL, *end = NULL, *istart = NULL;
	uint32_t *parent = NULL, *ival = NULL;
	int r = KR_ENOMEM;
	sorted = kr_malloc((n ? n : 1) * sizeof *sorted);
	start = kr_malloc((n ? n : 1) * sizeof *start);
	end = kr_malloc((n ? n : 1) * sizeof *end);
	parent = kr_malloc((n ? n : 1) * sizeof *parent);
	istart = kr_malloc((2 * n + 1) * sizeof *istart);
	ival = kr_malloc((2 * n + 1) * sizeof *ival);
	v->leaf = kr_calloc(n + 1, sizeof *v->leaf);
	v->prefix = kr_calloc(n + 1, sizeof *v->prefix);
	if (!sorted || !start || !end || !parent || !istart || !ival || !v->leaf || !v->prefix)
		goto out;
	if (n)
		memcpy(sorted, recs->rec, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_v6);
	for (size_t i = 0; i < n; i++) {
		start[i] = match_u128_from(sorted[i].addr);
		end[i] = start[i] | host_mask(sorted[i].plen);
	}
	size_t m;
	match_sweep(start, end, n, ~(match_u128)0, parent, istart, ival, &m);
	v->n = n;
	for (size_t i = 0; i < n; i++) {
		v->leaf[i + 1].owner = sorted[i].owner;
		v->leaf[i + 1].payload = sorted[i].payload;
		v->leaf[i + 1].parent = parent[i];
		v->prefix[i + 1] = start[i];
		v->leaf[i + 1].plen = sorted[i].plen;
	}
	/* Interval 0 starts at ::, at or below every address, so only the
	 * later starts are keys; the interval before key j is interval j. */
	v->nintervals = m;
	v->nkeys = m - 1;
	v->last = ival[m - 1];
	size_t bytes = (v->nkeys + 1) * sizeof *v->key + 64;
	unsigned char *kb = kr_malloc(bytes);
	v->key_base = kb;
	v->prev = kr_calloc(v->nkeys + 1, sizeof *v->prev);
	if (!kb || !v->prev)
		goto out;
	/* Node k and its sibling share a cache line: 64-byte alignment. */
	uintptr_t al = ((uintptr_t)kb + 63) & ~(uintptr_t)63;
	v->key = (match_u128 *)(void *)(kb + (al - (uintptr_t)kb));
	v->key[0] = 0;
	v->prev[0] = 0;
	eytzinger(istart + 1, ival, v->nkeys, v->key, v->prev, 0, 1);
	v->bytes = bytes + (v->nkeys + 1) * sizeof *v->prev +
	           (n + 1) * (sizeof *v->leaf + sizeof *v->prefix);
	r = 0;
out:
	kr_free(sorted);
	kr_free(start);
	kr_free(end);
	kr_free(parent);
	kr_free(istart);
	kr_free(ival);
	if (r)
		match_v6_free(v);
	return r;
}

/* The ref answering a: the interval before the first key > a. The descent
 * ended at k = (node << (t + 1)) | (2^t - 1) for that key's node: drop the
 * t trailing ones and the zero above them. k <= 2 * nkeys + 1, so ~k has a
 * set bit. */
static inline uint32_t v6_answer(const struct match_v6 *v, size_t k)
{
	k >>= __builtin_ctzll(~(unsigned long long)k) + 1;
	return k ? v->prev[k] : v->last;
}

static uint32_t v6_find(const struct match_v6 *v, match_u128 a)
{
	size_t k = 1;
	while (k <= v->nkeys)
		k = 2 * k + (v->key[k] <= a);
	return v6_answer(v, k);
}

/* Fills hit for ref; the prefix comes from addr when the caller has an
 * address inside it (no read of the prefix table), else from the table. */
static void v6_hit(const struct match_v6 *v, uint32_t ref, const match_u128 *addr,
                   struct match_hit *hit)
{
	const struct match_leaf *l = &v->leaf[ref];
	memset(hit, 0, sizeof *hit);
	hit->owner = l->owner;
	hit->payload = l->payload;
	hit->ref = ref;
	hit->plen = l->plen;
	match_u128 p = addr ? *addr & ~host_mask(l->plen) : v->prefix[ref];
	match_u128_to(p, hit->addr);
}

int match_ipv6_ref_hit(const struct match_index *ix, uint32_t ref, struct match_hit *hit)
{
	const struct match_v6 *v = &ix->v6;
	if (ref == 0 || ref > v->n)
		return KR_ENOTFOUND;
	v6_hit(v, ref, NULL, hit);
	return 0;
}

int64_t match_ipv6_ref_owner(const struct match_index *ix, uint32_t ref)
{
	if (ref == 0 || ref > ix->v6.n)
		return 0;
	return ix->v6.leaf[ref].owner;
}

int match_ipv6_lookup(const struct match_index *ix, const uint8_t addr[16], struct match_hit *hit)
{
	const struct match_v6 *v = &ix->v6;
	if (!v->leaf)
		return KR_ENOTFOUND;
	match_u128 a = match_u128_from(addr);
	uint32_t ref = v6_find(v, a);
	if (!ref)
		return KR_ENOTFOUND;
	v6_hit(v, ref, &a, hit);
	return 0;
}

void match_ipv6_lookup_batch(const struct match_index *ix, const uint8_t (*addr)[16], size_t n,
                             uint32_t *ref)
{
	const struct match_v6 *v = &ix->v6;
	if (!v->leaf) {
		memset(ref, 0, n * sizeof *ref);
		return;
	}
	const size_t nk = v->nkeys;
	const match_u128 *key = v->key;
	for (size_t base = 0; base < n; base += V6_GROUP) {
		size_t g = n - base;
		if (g > V6_GROUP)
			g = V6_GROUP;
		match_u128 a[V6_GROUP];
		size_t k[V6_GROUP];
		for (size_t j = 0; j < g; j++) {
			a[j] = match_u128_from(addr[base + j]);
			k[j] = 1;
		}
		/* All searches of the group descend one level per round; each
		 * prefetches the node it will read next round. */
		bool active = nk > 0;
		while (active) {
			active = false;
			for (size_t j = 0; j < g; j++) {
				size_t kj = k[j];
				if (kj > nk)
					continue;
				kj = 2 * kj + (key[kj] <= a[j]);
				k[j] = kj;
				if (kj <= nk) {
					__builtin_prefetch(&key[kj]);
					active = true;
				}
			}
		}
		for (size_t j = 0; j < g; j++)
			ref[base + j] = v6_answer(v, k[j]);
	}
}

int match_ipv6_covering(const struct match_index *ix, const uint8_t addr[16], struct match_hit *out,
                        size_t max)
{
	if (!out && max)
		return KR_EINVAL;
	if (!ix->v6.leaf)
		return 0;
	match_u128 a = match_u128_from(addr);
	uint32_t ref = v6_find(&ix->v6, a);
	size_t k = 0;
	while (ref && k < max) {
		v6_hit(&ix->v6, ref, &a, &out[k++]);
		ref = ix->v6.leaf[ref].parent;
	}
	return (int)k;
}
