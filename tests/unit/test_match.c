/* test_match.c - cmocka tests of src/match/: IPv4 and IPv6 longest-prefix
 * match against a brute-force reference (every prefix length probed in a
 * hash set) on 100 000 random, heavily nested prefixes and 1 000 000
 * addresses, before and after deletions; covering chains; ASN, domain and
 * product matches; the builder's conflicts; publishing through a slot
 * while other threads read; allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "util/alloc.h"
#include "util/err.h"

#define NPREFIX 100000
#define NADDR   1000000

/* ---- deterministic randomness ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* ---- reference: a hash set of (address, length) -> owner ---- */

struct ref_entry {
	uint64_t hi, lo; /* IPv4 uses lo only */
	int len;         /* -1 = empty */
	int64_t owner;
	uint32_t payload;
};

struct ref_set {
	struct ref_entry *e;
	size_t mask;
	bool has_len[129];
	uint64_t *filter; /* one bit per hash: most absent keys never touch e[] */
};

#define FILTER_BITS 24

static void ref_init(struct ref_set *s, size_t n)
{
	size_t size = 16;
	while (size < 4 * n)
		size *= 2;
	s->e = calloc(size, sizeof *s->e);
	assert_non_null(s->e);
	for (size_t i = 0; i < size; i++)
		s->e[i].len = -1;
	s->mask = size - 1;
	memset(s->has_len, 0, sizeof s->has_len);
	s->filter = calloc(((size_t)1 << FILTER_BITS) / 64, sizeof *s->filter);
	assert_non_null(s->filter);
}

static void ref_free(struct ref_set *s)
{
	free(s->e);
	free(s->filter);
}

static uint64_t ref_hash(uint64_t hi, uint64_t lo, int len)
{
	return mix(hi ^ mix(lo ^ (uint64_t)len));
}

static size_t ref_slot(const struct ref_set *s, uint64_t hi, uint64_t lo, int len)
{
	size_t i = (size_t)ref_hash(hi, lo, len) & s->mask;
	while (s->e[i].len >= 0 && !(s->e[i].hi == hi && s->e[i].lo == lo && s->e[i].len == len))
		i = (i + 1) & s->mask;
	return i;
}

static struct ref_entry *ref_get(const struct ref_set *s, uint64_t hi, uint64_t lo, int len)
{
	uint64_t f = ref_hash(hi, lo, len) >> (64 - FILTER_BITS);
	if (!(s->filter[f / 64] & (1ULL << (f % 64))))
		return NULL;
	size_t i = ref_slot(s, hi, lo, len);
	return s->e[i].len >= 0 ? &s->e[i] : NULL;
}

/* Inserts or, with owner 0, marks the entry deleted (owner 0 never matches). */
static void ref_put(struct ref_set *s, uint64_t hi, uint64_t lo, int len, int64_t owner,
                    uint32_t payload)
{
	size_t i = ref_slot(s, hi, lo, len);
	s->e[i].hi = hi;
	s->e[i].lo = lo;
	s->e[i].len = len;
	s->e[i].owner = owner;
	s->e[i].payload = payload;
	s->has_len[len] = true;
	uint64_t f = ref_hash(hi, lo, len) >> (64 - FILTER_BITS);
	s->filter[f / 64] |= 1ULL << (f % 64);
}

static uint32_t mask32(int len)
{
	return len == 0 ? 0 : (uint32_t)(0xffffffffULL << (32 - len));
}

/* Owner chain of a v4 address, longest prefix first; returns the count. */
static int ref_v4_chain(const struct ref_set *s, uint32_t a, struct ref_entry **out, int max)
{
	int k = 0;
	for (int len = 32; len >= 0 && k < max; len--) {
		if (!s->has_len[len])
			continue;
		struct ref_entry *e = ref_get(s, 0, a & mask32(len), len);
		if (e && e->owner)
			out[k++] = e;
	}
	return k;
}

static void mask128(uint64_t hi, uint64_t lo, int len, uint64_t *mh, uint64_t *ml)
{
	if (len == 0) {
		*mh = *ml = 0;
	} else if (len <= 64) {
		*mh = hi & (len == 64 ? ~0ULL : ~(~0ULL >> len));
		*ml = 0;
	} else {
		*mh = hi;
		*ml = lo & (len == 128 ? ~0ULL : ~(~0ULL >> (len - 64)));
	}
}

static int ref_v6_chain(const struct ref_set *s, uint64_t hi, uint64_t lo, struct ref_entry **out,
                        int max)
{
	int k = 0;
	for (int len = 128; len >= 0 && k < max; len--) {
		if (!s->has_len[len])
			continue;
		uint64_t mh, ml;
		mask128(hi, lo, len, &mh, &ml);
		struct ref_entry *e = ref_get(s, mh, ml, len);
		if (e && e->owner)
			out[k++] = e;
	}
	return k;
}

static void to_bytes(uint64_t hi, uint64_t lo, uint8_t a[16])
{
	for (int i = 0; i < 8; i++) {
		a[i] = (uint8_t)(hi >> (56 - 8 * i));
		a[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
	}
}

/* ---- IPv4 against the reference ---- */

struct v4p {
	uint32_t addr;
	int len;
	int64_t owner;
	bool gone;
};

static void check_v4(const struct match_index *ix, const struct ref_set *ref, uint32_t *addrs,
                     uint32_t *refs)
{
	match_ipv4_lookup_batch(ix, addrs, NADDR, refs);
	size_t matched = 0;
	for (size_t i = 0; i < NADDR; i++) {
		struct ref_entry *chain[33];
		int k = ref_v4_chain(ref, addrs[i], chain, i % 50 == 0 ? 33 : 1);
		if (k == 0) {
			if (refs[i] != 0)
				fail_msg("v4 %08x: expected no match, got ref %u", addrs[i],
				         refs[i]);
			continue;
		}
		matched++;
		struct match_hit hit;
		assert_int_equal(match_ipv4_ref_hit(ix, refs[i], &hit), 0);
		if (hit.owner != chain[0]->owner || (int)hit.plen != chain[0]->len)
			fail_msg("v4 %08x: expected owner %lld /%d, got %lld /%u", addrs[i],
			         (long long)chain[0]->owner, chain[0]->len, (long long)hit.owner,
			         hit.plen);
		assert_int_equal(hit.payload, chain[0]->payload);
		assert_int_equal(match_ipv4_ref_owner(ix, refs[i]), hit.owner);
		if (i % 50 == 0) {
			/* Single lookups and covering chains on a sample. */
			struct match_hit one, cov[33];
			assert_int_equal(match_ipv4_lookup(ix, addrs[i], &one), 0);
			assert_int_equal(one.ref, refs[i]);
			int n = match_ipv4_covering(ix, addrs[i], cov, 33);
			assert_int_equal(n, k);
			for (int j = 0; j < n; j++) {
				assert_int_equal(cov[j].owner, chain[j]->owner);
				assert_int_equal((int)cov[j].plen, chain[j]->len);
			}
			if (k > 1)
				assert_int_equal(match_ipv4_covering(ix, addrs[i], cov, 1), 1);
		}
	}
	/* The address mix is meant to hit registrations most of the time. */
	assert_true(matched > NADDR / 3);
}

static void test_ipv4_reference(void **state)
{
	(void)state;
	struct v4p *p = calloc(NPREFIX + 1, sizeof *p);
	uint32_t *addrs = malloc(NADDR * sizeof *addrs);
	uint32_t *refs = malloc(NADDR * sizeof *refs);
	assert_non_null(p);
	assert_non_null(addrs);
	assert_non_null(refs);
	struct ref_set ref;
	ref_init(&ref, NPREFIX + 8);
	struct match_builder *b;
	assert_int_equal(match_builder_new(&b), 0);
	size_t n = 0;
	/* /32s at both ends of the space, and prefixes that nest: a third of
	 * them extend an earlier prefix by 1..12 bits. */
	uint32_t fixed[][2] = {{0, 32},          {0xffffffffu, 32}, {0x0a000000, 8},
	                       {0x0a010000, 16}, {0x0a010200, 24},  {0x0a010203, 32}};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		p[n] = (struct v4p){fixed[i][0], (int)fixed[i][1], (int64_t)(n + 1), false};
		assert_int_equal(match_builder_add_ipv4(b, fixed[i][0], fixed[i][1], p[n].owner,
		                                        (uint32_t)n * 7),
		                 0);
		ref_put(&ref, 0, fixed[i][0], (int)fixed[i][1], p[n].owner, (uint32_t)n * 7);
		n++;
	}
	size_t added = n;
	while (n < NPREFIX) {
		uint32_t a;
		int len;
		if (n > 10 && rnd() % 3 == 0) {
			const struct v4p *base = &p[rnd() % n];
			len = base->len + 1 + (int)(rnd() % 12);
			if (len > 32)
				len = 32;
			a = base->addr | ((uint32_t)rnd() & ~mask32(base->len));
		} else {
			len = 8 + (int)(rnd() % 25);
			a = (uint32_t)rnd();
		}
		a &= mask32(len);
		p[n] = (struct v4p){a, len, (int64_t)(n + 1), false};
		int r = match_builder_add_ipv4(b, a, (unsigned)len, p[n].owner, (uint32_t)n * 7);
		if (r == KR_ECONFLICT) /* drawn twice: draw again */
			continue;
		assert_int_equal(r, 0);
		ref_put(&ref, 0, a, len, p[n].owner, (uint32_t)n * 7);
		n++;
		added++;
	}
	struct match_counts c;
	match_builder_counts(b, &c);
	assert_int_equal(c.ipv4, added);
	assert_int_equal(added, NPREFIX);
	/* Addresses: half inside a random registered prefix, half anywhere. */
	for (size_t i = 0; i < NADDR; i++) {
		uint32_t r32 = (uint32_t)rnd();
		if (i & 1) {
			const struct v4p *q = &p[rnd() % n];
			addrs[i] = q->addr | (r32 & ~mask32(q->len));
		} else {
			addrs[i] = r32;
		}
	}
	addrs[0] = 0;
	addrs[2] = 0xffffffffu;
	addrs[4] = 0x0a010203;
	struct match_index *ix;
	assert_int_equal(match_build(b, &ix), 0);
	check_v4(ix, &ref, addrs, refs);
	struct match_stats st;
	match_index_stats(ix, &st);
	assert_int_equal(st.n.ipv4, added);
	assert_true(st.ipv4_groups > 0);
	match_index_unref(ix);

	/* Deletions: every tenth prefix goes, /0 comes in. */
	size_t removed = 0;
	for (size_t i = 0; i < n; i += 10) {
		if (p[i].gone)
			continue;
		assert_int_equal(match_builder_remove_ipv4(b, p[i].addr, (unsigned)p[i].len), 0);
		assert_int_equal(match_builder_remove_ipv4(b, p[i].addr, (unsigned)p[i].len),
		                 KR_ENOTFOUND);
		ref_put(&ref, 0, p[i].addr, p[i].len, 0, 0);
		removed++;
	}
	assert_int_equal(match_builder_add_ipv4(b, 0, 0, 999999999, 5), 0);
	ref_put(&ref, 0, 0, 0, 999999999, 5);
	match_builder_counts(b, &c);
	assert_int_equal(c.ipv4, added - removed + 1);
	assert_int_equal(match_build(b, &ix), 0);
	check_v4(ix, &ref, addrs, refs);
	match_index_unref(ix);
	match_builder_free(b);
	ref_free(&ref);
	free(p);
	free(addrs);
	free(refs);
}

/* ---- IPv6 against the reference ---- */

struct v6p {
	uint64_t hi, lo;
	int len;
	bool gone;
};

static void check_v6(const struct match_index *ix, const struct ref_set *ref, uint8_t (*addrs)[16],
                     const uint64_t *ahi, const uint64_t *alo, uint32_t *refs)
{
	match_ipv6_lookup_batch(ix, (const uint8_t(*)[16])addrs, NADDR, refs);
	size_t matched = 0;
	for (size_t i = 0; i < NADDR; i++) {
		struct ref_entry *chain[129];
		int k = ref_v6_chain(ref, ahi[i], alo[i], chain, i % 50 == 0 ? 129 : 1);
		if (k == 0) {
			if (refs[i] != 0)
				fail_msg("v6 #%zu: expected no match, got ref %u", i, refs[i]);
			continue;
		}
		matched++;
		struct match_hit hit;
		assert_int_equal(match_ipv6_ref_hit(ix, refs[i], &hit), 0);
		if (hit.owner != chain[0]->owner || (int)hit.plen != chain[0]->len)
			fail_msg("v6 #%zu: expected owner %lld /%d, got %lld /%u", i,
			         (long long)chain[0]->owner, chain[0]->len, (long long)hit.owner,
			         hit.plen);
		uint8_t pb[16];
		to_bytes(chain[0]->hi, chain[0]->lo, pb);
		assert_memory_equal(hit.addr, pb, 16);
		if (i % 50 == 0) {
			struct match_hit one, cov[129];
			assert_int_equal(match_ipv6_lookup(ix, addrs[i], &one), 0);
			assert_int_equal(one.ref, refs[i]);
			int n = match_ipv6_covering(ix, addrs[i], cov, 129);
			assert_int_equal(n, k);
			for (int j = 0; j < n; j++) {
				assert_int_equal(cov[j].owner, chain[j]->owner);
				assert_int_equal((int)cov[j].plen, chain[j]->len);
			}
		}
	}
	assert_true(matched > NADDR / 3);
}

static void test_ipv6_reference(void **state)
{
	(void)state;
	struct v6p *p = calloc(NPREFIX, sizeof *p);
	uint8_t(*addrs)[16] = malloc(NADDR * sizeof *addrs);
	uint64_t *ahi = malloc(NADDR * sizeof *ahi), *alo = malloc(NADDR * sizeof *alo);
	uint32_t *refs = malloc(NADDR * sizeof *refs);
	assert_non_null(p);
	assert_non_null(addrs);
	assert_non_null(ahi);
	assert_non_null(alo);
	assert_non_null(refs);
	struct ref_set ref;
	ref_init(&ref, NPREFIX + 8);
	struct match_builder *b;
	assert_int_equal(match_builder_new(&b), 0);
	size_t n = 0;
	p[n++] = (struct v6p){0, 0, 128, false};         /* :: /128 */
	p[n++] = (struct v6p){~0ULL, ~0ULL, 128, false}; /* ffff:...:ffff/128 */
	p[n++] = (struct v6p){0x20010db800000000ULL, 0, 32, false};
	p[n++] = (struct v6p){0x20010db800010000ULL, 0, 48, false};
	p[n++] = (struct v6p){0x20010db800010000ULL, 0, 64, false};
	p[n++] = (struct v6p){0x20010db800010000ULL, 1, 128, false};
	/* A few hundred "allocations" (/19../32) holding most prefixes, so that
	 * they nest as in real registries; lengths cover 1..128. */
	uint64_t alloc_hi[300];
	for (size_t i = 0; i < 300; i++)
		alloc_hi[i] = (0x2000000000000000ULL | (rnd() >> 4)) & ~(~0ULL >> 32);
	size_t added = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t a[16];
		to_bytes(p[i].hi, p[i].lo, a);
		assert_int_equal(
		    match_builder_add_ipv6(b, a, (unsigned)p[i].len, (int64_t)(i + 1), (uint32_t)i),
		    0);
		ref_put(&ref, p[i].hi, p[i].lo, p[i].len, (int64_t)(i + 1), (uint32_t)i);
		added++;
	}
	while (n < NPREFIX) {
		uint64_t hi = rnd(), lo = rnd();
		int len;
		uint64_t dice = rnd() % 10;
		if (dice < 3 && n > 10) {
			const struct v6p *base = &p[rnd() % n];
			len = base->len + 1 + (int)(rnd() % 24);
			if (len > 128)
				len = 128;
			uint64_t bh, bl;
			mask128(~0ULL, ~0ULL, base->len, &bh, &bl);
			hi = base->hi | (hi & ~bh);
			lo = base->lo | (lo & ~bl);
		} else if (dice < 9) {
			hi = alloc_hi[rnd() % 300] | (hi & (~0ULL >> 32));
			len = 19 + (int)(rnd() % 110);
		} else {
			len = 1 + (int)(rnd() % 128);
		}
		mask128(hi, lo, len, &hi, &lo);
		uint8_t a[16];
		to_bytes(hi, lo, a);
		int r = match_builder_add_ipv6(b, a, (unsigned)len, (int64_t)(n + 1), (uint32_t)n);
		if (r == KR_ECONFLICT)
			continue;
		assert_int_equal(r, 0);
		p[n] = (struct v6p){hi, lo, len, false};
		ref_put(&ref, hi, lo, len, (int64_t)(n + 1), (uint32_t)n);
		n++;
		added++;
	}
	assert_int_equal(added, NPREFIX);
	for (size_t i = 0; i < NADDR; i++) {
		uint64_t hi = rnd(), lo = rnd();
		uint64_t dice = i % 4;
		if (dice == 0 || dice == 1) {
			const struct v6p *q = &p[rnd() % n];
			uint64_t mh, ml;
			mask128(~0ULL, ~0ULL, q->len, &mh, &ml);
			hi = q->hi | (hi & ~mh);
			lo = q->lo | (lo & ~ml);
		} else if (dice == 2) {
			hi = alloc_hi[rnd() % 300] | (hi & (~0ULL >> 32));
		}
		ahi[i] = hi;
		alo[i] = lo;
		to_bytes(hi, lo, addrs[i]);
	}
	ahi[0] = alo[0] = 0;
	ahi[1] = alo[1] = ~0ULL;
	to_bytes(0, 0, addrs[0]);
	to_bytes(~0ULL, ~0ULL, addrs[1]);
	struct match_index *ix;
	assert_int_equal(match_build(b, &ix), 0);
	check_v6(ix, &ref, addrs, ahi, alo, refs);
	match_index_unref(ix);

	size_t removed = 0;
	for (size_t i = 1; i < n; i += 10) {
		if (p[i].gone)
			continue;
		uint8_t a[16];
		to_bytes(p[i].hi, p[i].lo, a);
		assert_int_equal(match_builder_remove_ipv6(b, a, (unsigned)p[i].len), 0);
		ref_put(&ref, p[i].hi, p[i].lo, p[i].len, 0, 0);
		removed++;
	}
	uint8_t zero[16] = {0};
	assert_int_equal(match_builder_add_ipv6(b, zero, 0, 777, 1), 0);
	ref_put(&ref, 0, 0, 0, 777, 1);
	struct match_counts c;
	match_builder_counts(b, &c);
	assert_int_equal(c.ipv6, added - removed + 1);
	assert_int_equal(match_build(b, &ix), 0);
	check_v6(ix, &ref, addrs, ahi, alo, refs);
	match_index_unref(ix);
	match_builder_free(b);
	ref_free(&ref);
	free(p);
	free(addrs);
	free(ahi);
	free(alo);
	free(refs);
}

/* ---- small IP cases ---- */

static struct match_index *build(struct match_builder *b)
{
	struct match_index *ix = NULL;
	assert_int_equal(match_build(b, &ix), 0);
	assert_non_null(ix);
	return ix;
}

static void test_ip_edges(void **state)
{
	(void)state;
	struct match_builder *b;
	assert_int_equal(match_builder_new(&b), 0);
	struct match_index *ix = build(b);
	struct match_hit hit, cov[4];
	uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8};
	assert_int_equal(match_ipv4_lookup(ix, 0x01020304, &hit), KR_ENOTFOUND);
	assert_int_equal(match_ipv6_lookup(ix, a6, &hit), KR_ENOTFOUND);
	assert_int_equal(match_ipv4_covering(ix, 1, cov, 4), 0);
	uint32_t one = 5, r1 = 9;
	match_ipv4_lookup_batch(ix, &one, 1, &r1);
	assert_int_equal(r1, 0);
	match_index_unref(ix);

	/* Text forms, host bits, conflicts. */
	assert_int_equal(match_builder_add_prefix(b, "192.0.2.0/24", 1, 10), 0);
	assert_int_equal(match_builder_add_prefix(b, "192.0.2.0/24", 1, 10), 0);
	assert_int_equal(match_builder_add_prefix(b, "192.0.2.0/24", 2, 10), KR_ECONFLICT);
	assert_int_equal(match_builder_add_prefix(b, "192.0.2.0/24", 1, 11), KR_ECONFLICT);
	assert_int_equal(match_builder_add_prefix(b, "192.0.2.128/25", 2, 20), 0);
	assert_int_equal(match_builder_add_prefix(b, "192.0.2.200", 3, 30), 0);
	assert_int_equal(match_builder_add_prefix(b, "2001:db8::/32", 4, 40), 0);
	assert_int_equal(match_builder_add_prefix(b, "2001:db8:1::/48", 5, 50), 0);
	assert_int_equal(match_builder_add_prefix(b, "192.0.2.1/24", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_prefix(b, "192.0.2.0/33", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_prefix(b, "192.0.2.0/", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_prefix(b, "192.0.2.0/-1", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_prefix(b, "2001:db8::1/32", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_prefix(b, "2001:db8::/129", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_prefix(b, "example.nl", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_prefix(b, "10.0.0.0/8", 0, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_prefix(b, NULL, 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_ipv4(b, 0x0a000001, 8, 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_remove_prefix(b, "198.51.100.0/24"), KR_ENOTFOUND);
	ix = build(b);
	assert_int_equal(match_ipv4_lookup(ix, 0xc0000201, &hit), 0);
	assert_int_equal(hit.owner, 1);
	assert_int_equal(hit.payload, 10);
	assert_int_equal(hit.plen, 24);
	assert_int_equal(hit.addr[0], 192);
	assert_int_equal(hit.addr[2], 2);
	assert_int_equal(hit.addr[3], 0);
	assert_int_equal(match_ipv4_lookup(ix, 0xc00002c8, &hit), 0);
	assert_int_equal(hit.owner, 3);
	assert_int_equal(match_ipv4_covering(ix, 0xc00002c8, cov, 4), 3);
	assert_int_equal(cov[0].owner, 3);
	assert_int_equal(cov[1].owner, 2);
	assert_int_equal(cov[2].owner, 1);
	assert_int_equal(match_ipv4_covering(ix, 0xc00002c8, cov, 2), 2);
	assert_int_equal(match_ipv4_covering(ix, 0xc00002c8, NULL, 0), 0);
	assert_int_equal(match_ipv4_covering(ix, 0xc00002c8, NULL, 3), KR_EINVAL);
	assert_int_equal(match_ipv4_lookup(ix, 0xc0000301, &hit), KR_ENOTFOUND);
	assert_int_equal(match_ipv4_ref_hit(ix, 0, &hit), KR_ENOTFOUND);
	assert_int_equal(match_ipv4_ref_hit(ix, 99, &hit), KR_ENOTFOUND);
	a6[5] = 1;
	assert_int_equal(match_ipv6_lookup(ix, a6, &hit), 0);
	assert_int_equal(hit.owner, 5);
	assert_int_equal(match_ipv6_covering(ix, a6, cov, 4), 2);
	assert_int_equal(cov[1].owner, 4);
	a6[5] = 2;
	assert_int_equal(match_ipv6_lookup(ix, a6, &hit), 0);
	assert_int_equal(hit.owner, 4);
	/* Either family through one call; v4-mapped v6 goes to IPv4. */
	uint8_t v4b[4] = {192, 0, 2, 129};
	assert_int_equal(match_ip_lookup(ix, 4, v4b, &hit), 0);
	assert_int_equal(hit.owner, 2);
	uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 5};
	assert_int_equal(match_ip_lookup(ix, 6, mapped, &hit), 0);
	assert_int_equal(hit.owner, 1);
	assert_int_equal(match_ip_lookup(ix, 6, a6, &hit), 0);
	assert_int_equal(hit.owner, 4);
	assert_int_equal(match_ip_lookup(ix, 5, a6, &hit), KR_EINVAL);
	struct match_stats st;
	match_index_stats(ix, &st);
	assert_int_equal(st.n.ipv4, 3);
	assert_int_equal(st.n.ipv6, 2);
	assert_true(st.total_bytes >= st.ipv4_bytes + st.ipv6_bytes);
	match_index_unref(ix);

	/* Parsing helper. */
	int fam;
	uint8_t pa[16];
	unsigned plen;
	assert_int_equal(match_parse_prefix("10.0.0.0/8", &fam, pa, &plen), 0);
	assert_int_equal(fam, 4);
	assert_int_equal(plen, 8);
	assert_int_equal(match_parse_prefix("::/0", &fam, pa, &plen), 0);
	assert_int_equal(fam, 6);
	assert_int_equal(plen, 0);
	assert_int_equal(match_parse_prefix("::1", &fam, pa, &plen), 0);
	assert_int_equal(plen, 128);
	assert_int_equal(match_parse_prefix("1.2.3.4.5", &fam, pa, &plen), KR_EINVAL);
	assert_int_equal(match_parse_prefix("", &fam, pa, &plen), KR_EINVAL);
	match_builder_free(b);
}

/* ---- ASN ---- */

static void test_asn(void **state)
{
	(void)state;
	struct match_builder *b;
	assert_int_equal(match_builder_new(&b), 0);
	assert_int_equal(match_builder_add_asn(b, 0, 1, 0), KR_EINVAL);
	assert_int_equal(match_builder_add_asn(b, 64500, 0, 0), KR_EINVAL);
	/* 100 000 random ASNs against a plain array. */
	enum { N = 100000 };
	uint32_t *asn = malloc(N * sizeof *asn);
	assert_non_null(asn);
	for (size_t i = 0; i < N; i++) {
		asn[i] = (uint32_t)rnd() | 1;
		int r = match_builder_add_asn(b, asn[i], (int64_t)i + 1, (uint32_t)i);
		if (r == KR_ECONFLICT)
			asn[i] = 0;
		else
			assert_int_equal(r, 0);
	}
	assert_int_equal(match_builder_add_asn(b, 4294967295u, 5, 5), 0);
	assert_int_equal(match_builder_add_asn(b, 4294967295u, 5, 5), 0);
	assert_int_equal(match_builder_add_asn(b, 4294967295u, 6, 5), KR_ECONFLICT);
	for (size_t i = 0; i < N; i += 3) {
		if (asn[i]) {
			assert_int_equal(match_builder_remove_asn(b, asn[i]), 0);
			asn[i] = 0;
		}
	}
	struct match_index *ix = build(b);
	struct match_hit hit;
	for (size_t i = 0; i < N; i++) {
		if (!asn[i])
			continue;
		assert_int_equal(match_asn_lookup(ix, asn[i], &hit), 0);
		assert_int_equal(hit.owner, (int64_t)i + 1);
		assert_int_equal(hit.payload, (uint32_t)i);
	}
	for (size_t i = 0; i < 1000; i++) {
		uint32_t x = (uint32_t)rnd() & ~1u; /* even: never added */
		assert_int_equal(match_asn_lookup(ix, x, &hit), KR_ENOTFOUND);
	}
	assert_int_equal(match_asn_lookup(ix, 4294967295u, &hit), 0);
	assert_int_equal(hit.owner, 5);
	assert_int_equal(match_asn_lookup(ix, 0, &hit), KR_ENOTFOUND);
	match_index_unref(ix);
	match_builder_free(b);
	free(asn);
}

/* ---- domains ---- */

static void test_domain_cases(void **state)
{
	(void)state;
	struct match_builder *b;
	assert_int_equal(match_builder_new(&b), 0);
	assert_int_equal(match_builder_add_domain(b, "Example.NL.", 1, 10), 0);
	assert_int_equal(match_builder_add_domain(b, "example.nl", 1, 10), 0);
	assert_int_equal(match_builder_add_domain(b, "example.nl", 9, 10), KR_ECONFLICT);
	assert_int_equal(match_builder_add_domain(b, "shop.example.nl", 2, 20), 0);
	assert_int_equal(match_builder_add_domain(b, "nl", 3, 30), 0);
	assert_int_equal(match_builder_add_domain(b, "_dmarc.other.org", 4, 40), 0);
	assert_int_equal(match_builder_add_domain(b, "", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_domain(b, ".", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_domain(b, "a..b", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_domain(b, ".a.b", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_domain(b, "a b.nl", 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_domain(b, "a/b.nl", 1, 1), KR_EINVAL);
	char longlabel[80];
	memset(longlabel, 'a', 64);
	memcpy(longlabel + 64, ".nl", 4);
	assert_int_equal(match_builder_add_domain(b, longlabel, 1, 1), KR_EINVAL);
	char longname[300];
	for (int i = 0; i < 127; i++)
		memcpy(longname + 2 * i, "a.", 2);
	memcpy(longname + 254, "nl", 3); /* 256 bytes */
	assert_int_equal(match_builder_add_domain(b, longname, 1, 1), KR_EINVAL);
	assert_int_equal(match_builder_add_domain(b, longname + 8, 8, 8), 0); /* 248 bytes */
	struct match_index *ix = build(b);
	struct match_hit hit, cov[8];
#define LOOK(name) match_domain_lookup(ix, name, strlen(name), &hit)
	assert_int_equal(LOOK("a.b.example.nl"), 0);
	assert_int_equal(hit.owner, 1);
	assert_string_equal(hit.name, "example.nl");
	assert_int_equal(hit.payload, 10);
	assert_int_equal(LOOK("SHOP.Example.NL."), 0);
	assert_int_equal(hit.owner, 2);
	assert_int_equal(LOOK("x.y.shop.example.nl"), 0);
	assert_int_equal(hit.owner, 2);
	assert_int_equal(LOOK("example.nl"), 0);
	assert_int_equal(hit.owner, 1);
	/* A suffix counts only at a label boundary. */
	assert_int_equal(LOOK("badexample.nl"), 0);
	assert_int_equal(hit.owner, 3);
	assert_int_equal(LOOK("nl"), 0);
	assert_int_equal(hit.owner, 3);
	assert_int_equal(LOOK("example.com"), KR_ENOTFOUND);
	assert_int_equal(LOOK("com"), KR_ENOTFOUND);
	assert_int_equal(LOOK("x._dmarc.other.org"), 0);
	assert_int_equal(hit.owner, 4);
	assert_int_equal(LOOK("other.org"), KR_ENOTFOUND);
	assert_int_equal(LOOK(""), KR_EINVAL);
	assert_int_equal(LOOK("a..example.nl"), KR_EINVAL);
	assert_int_equal(LOOK(".example.nl"), KR_EINVAL);
	assert_int_equal(LOOK("exa mple.nl"), KR_EINVAL);
	assert_int_equal(LOOK(longname), KR_EINVAL);
	assert_int_equal(LOOK(longname + 8), 0);
	assert_int_equal(hit.owner, 8);
	assert_int_equal(LOOK(longname + 4), 0); /* two labels more: still covered */
	assert_int_equal(hit.owner, 8);
	assert_int_equal(LOOK(longname + 2), KR_EINVAL); /* 254 bytes */
	/* Length-bounded input: only the first len bytes count. */
	assert_int_equal(match_domain_lookup(ix, "shop.example.nlXYZ", 15, &hit), 0);
	assert_int_equal(hit.owner, 2);
	assert_int_equal(match_domain_covering(ix, "www.shop.example.nl", 19, cov, 8), 3);
	assert_int_equal(cov[0].owner, 2);
	assert_int_equal(cov[1].owner, 1);
	assert_int_equal(cov[2].owner, 3);
	assert_string_equal(cov[2].name, "nl");
	assert_int_equal(match_domain_covering(ix, "a..b", 4, cov, 8), KR_EINVAL);
	match_index_unref(ix);
	assert_int_equal(match_builder_remove_domain(b, "EXAMPLE.nl"), 0);
	assert_int_equal(match_builder_remove_domain(b, "example.nl"), KR_ENOTFOUND);
	ix = build(b);
	assert_int_equal(LOOK("a.b.example.nl"), 0);
	assert_int_equal(hit.owner, 3);
	assert_int_equal(match_domain_covering(ix, "www.shop.example.nl", 19, cov, 8), 2);
	assert_int_equal(cov[1].owner, 3);
#undef LOOK
	match_index_unref(ix);
	char norm[MATCH_DOMAIN_MAX + 1];
	assert_int_equal(match_domain_normalise("WWW.Example.NL.", 15, norm), 0);
	assert_string_equal(norm, "www.example.nl");
	match_builder_free(b);
}

/* Random names against a reference that strips labels one at a time. */
static void test_domain_random(void **state)
{
	(void)state;
	enum { NREG = 50000, NQ = 200000 };
	static const char *const tld[] = {"nl", "com", "org", "eu", "be"};
	char(*reg)[64] = malloc(NREG * sizeof *reg);
	bool *gone = calloc(NREG, sizeof *gone);
	assert_non_null(reg);
	assert_non_null(gone);
	struct match_builder *b;
	assert_int_equal(match_builder_new(&b), 0);
	for (size_t i = 0; i < NREG; i++) {
		uint64_t r = rnd();
		/* A copy: the compiler cannot see that base is an earlier row. */
		char base[64];
		memcpy(base, reg[rnd() % (i ? i : 1)], sizeof base);
		if (i > 100 && r % 4 == 0 && strlen(base) < 40) /* nest under an earlier one */
			snprintf(reg[i], sizeof reg[i], "s%u.%.40s", (unsigned)(r >> 40) % 50, base);
		else
			snprintf(reg[i], sizeof reg[i], "d%u.%s", (unsigned)(r >> 20) % 40000,
			         tld[r % 5]);
		int e = match_builder_add_domain(b, reg[i], (int64_t)i + 1, 0);
		if (e == KR_ECONFLICT)
			gone[i] = true;
		else
			assert_int_equal(e, 0);
	}
	for (size_t i = 0; i < NREG; i += 7) {
		if (!gone[i]) {
			assert_int_equal(match_builder_remove_domain(b, reg[i]), 0);
			gone[i] = true;
		}
	}
	/* Reference map: name -> owner, by linear probing over the array. */
	size_t size = 1 << 18;
	int64_t *owner_of = calloc(size, sizeof *owner_of);
	char(*key)[64] = calloc(size, sizeof *key);
	assert_non_null(owner_of);
	assert_non_null(key);
	for (size_t i = 0; i < NREG; i++) {
		if (gone[i])
			continue;
		uint64_t h = 1469598103934665603ULL;
		for (const char *c = reg[i]; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
		size_t s = (size_t)mix(h) & (size - 1);
		while (owner_of[s])
			s = (s + 1) & (size - 1);
		owner_of[s] = (int64_t)i + 1;
		memcpy(key[s], reg[i], 64);
	}
	struct match_index *ix = build(b);
	for (size_t q = 0; q < NQ; q++) {
		char name[128];
		uint64_t r = rnd();
		if (r % 3)
			snprintf(name, sizeof name, "%s%s", r % 2 ? "www." : "", reg[rnd() % NREG]);
		else
			snprintf(name, sizeof name, "x%u.d%u.%s", (unsigned)(r >> 50),
			         (unsigned)(r >> 20) % 40000, tld[r % 5]);
		/* Reference: drop labels from the left until a name is registered. */
		int64_t want = 0;
		for (const char *s = name; s;) {
			uint64_t h = 1469598103934665603ULL;
			for (const char *c = s; *c; c++)
				h = (h ^ (unsigned char)*c) * 1099511628211ULL;
			size_t i = (size_t)mix(h) & (size - 1);
			while (owner_of[i] && strcmp(key[i], s))
				i = (i + 1) & (size - 1);
			if (owner_of[i]) {
				want = owner_of[i];
				break;
			}
			const char *dot = strchr(s, '.');
			s = dot ? dot + 1 : NULL;
		}
		struct match_hit hit;
		int e = match_domain_lookup(ix, name, strlen(name), &hit);
		if (want) {
			assert_int_equal(e, 0);
			assert_int_equal(hit.owner, want);
		} else {
			assert_int_equal(e, KR_ENOTFOUND);
		}
	}
	match_index_unref(ix);
	match_builder_free(b);
	free(owner_of);
	free(key);
	free(reg);
	free(gone);
}

/* ---- products ---- */

static void test_version_cmp(void **state)
{
	(void)state;
	assert_int_equal(match_version_cmp("1.2.3", "1.2.3"), 0);
	assert_true(match_version_cmp("2.4.9", "2.4.10") < 0);
	assert_true(match_version_cmp("2.4.10", "2.4.9") > 0);
	assert_int_equal(match_version_cmp("1.2", "1.2.0"), 0);
	assert_int_equal(match_version_cmp("1.02", "1.2"), 0);
	assert_true(match_version_cmp("1.0.2", "1.0.2a") < 0);
	assert_true(match_version_cmp("1.0.2k", "1.0.2a") > 0);
	assert_true(match_version_cmp("1.0.2K", "1.0.2k") == 0);
	assert_true(match_version_cmp("1.0.rc1", "1.0") < 0);
	assert_true(match_version_cmp("1.0-rc1", "1.0-rc2") < 0);
	assert_true(match_version_cmp("15.2.721", "15.2.1118") < 0);
	assert_true(match_version_cmp("99999999999999999999.1", "100000000000000000000") < 0);
	assert_true(match_version_cmp("10", "9") > 0);
	assert_true(match_version_cmp("", "0") == 0);
	assert_true(match_version_cmp(NULL, "1") < 0);
	assert_true(match_version_cmp("1.0+build5", "1.0+build6") < 0);
}

static void test_cpe(void **state)
{
	(void)state;
	struct match_cpe c;
	assert_int_equal(
	    match_cpe_parse(
	        "cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_11:*:*:*:*:*:*", &c),
	    0);
	assert_int_equal(c.part, 'a');
	assert_string_equal(c.vendor, "microsoft");
	assert_string_equal(c.product, "exchange_server");
	assert_string_equal(c.version, "2019");
	assert_int_equal(match_cpe_parse("cpe:2.3:o:Fortinet:FortiOS:*:*:*:*:*:*:*:*", &c), 0);
	assert_string_equal(c.vendor, "fortinet");
	assert_string_equal(c.product, "fortios");
	assert_string_equal(c.version, "");
	assert_int_equal(match_cpe_parse("cpe:2.3:a:foo\\:bar:baz:1.0\\:beta", &c), 0);
	assert_string_equal(c.vendor, "foo:bar");
	assert_string_equal(c.version, "1.0:beta");
	assert_int_equal(match_cpe_parse("cpe:/a:apache:http_server:2.4.49", &c), 0);
	assert_string_equal(c.product, "http_server");
	assert_string_equal(c.version, "2.4.49");
	assert_int_equal(match_cpe_parse("cpe:/a:acme%20corp:widget", &c), 0);
	assert_string_equal(c.vendor, "acme_corp");
	assert_string_equal(c.version, "");
	assert_int_equal(match_cpe_parse("cpe:2.3:a:*:product:1", &c), KR_EINVAL);
	assert_int_equal(match_cpe_parse("cpe:2.3:x:v:p:1", &c), KR_EINVAL);
	assert_int_equal(match_cpe_parse("cpe:2.3:a:vendor", &c), KR_EINVAL);
	assert_int_equal(match_cpe_parse("cpe:/a:v:p%2", &c), KR_EINVAL);
	assert_int_equal(match_cpe_parse("cpe:2.3:a:v:p:1\\", &c), KR_EINVAL);
	assert_int_equal(match_cpe_parse("apache httpd", &c), KR_EINVAL);
	assert_int_equal(match_cpe_parse(NULL, &c), KR_EINVAL);
}

struct collect {
	int n;
	int64_t owners[16];
	int stop_after;
};

static int collect_fn(void *ctx, const struct match_hit *hit, const struct match_product *reg)
{
	struct collect *c = ctx;
	assert_non_null(reg->vendor);
	if (c->n < 16)
		c->owners[c->n] = hit->owner;
	c->n++;
	return c->stop_after && c->n >= c->stop_after ? 42 : 0;
}

static bool has_owner(const struct collect *c, int64_t o)
{
	for (int i = 0; i < c->n && i < 16; i++) {
		if (c->owners[i] == o)
			return true;
	}
	return false;
}

static void test_products(void **state)
{
	(void)state;
	struct match_builder *b;
	assert_int_equal(match_builder_new(&b), 0);
	struct match_product p1 = {"Apache", "HTTP Server", "2.4.0", "2.4.49"};
	struct match_product p2 = {"apache", "http_server", "2.4.50", NULL};
	struct match_product p3 = {"apache", "http_server", NULL, "2.2.34"};
	struct match_product p4 = {"microsoft", "exchange_server", "15.2", "15.2.999"};
	struct match_product bad = {"apache", "http_server", "3", "2"};
	struct match_product nov = {"", "x", NULL, NULL};
	assert_int_equal(match_builder_add_product(b, &p1, 1, 11), 0);
	assert_int_equal(match_builder_add_product(b, &p1, 1, 11), 0);
	assert_int_equal(match_builder_add_product(b, &p1, 1, 12), KR_ECONFLICT);
	assert_int_equal(match_builder_add_product(b, &p1, 2, 21), 0); /* shared product */
	assert_int_equal(match_builder_add_product(b, &p2, 3, 31), 0);
	assert_int_equal(match_builder_add_product(b, &p3, 4, 41), 0);
	assert_int_equal(match_builder_add_product(b, &p4, 5, 51), 0);
	assert_int_equal(match_builder_add_product(b, &bad, 6, 0), KR_EINVAL);
	assert_int_equal(match_builder_add_product(b, &nov, 6, 0), KR_EINVAL);
	assert_int_equal(match_builder_add_product(b, NULL, 6, 0), KR_EINVAL);
	assert_int_equal(
	    match_builder_add_cpe(b, "cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*", 7, 71), 0);
	assert_int_equal(
	    match_builder_add_cpe(b, "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", 8, 81), 0);
	assert_int_equal(match_builder_add_cpe(b, "not a cpe", 8, 81), KR_EINVAL);
	struct match_counts cnt;
	match_builder_counts(b, &cnt);
	assert_int_equal(cnt.product, 7);
	struct match_index *ix = build(b);
	struct collect c = {0};
	assert_int_equal(
	    match_product_lookup(ix, "APACHE", "http server", "2.4.49", collect_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_true(has_owner(&c, 1) && has_owner(&c, 2));
	memset(&c, 0, sizeof c);
	assert_int_equal(
	    match_product_lookup(ix, "apache", "http_server", "2.4.50", collect_fn, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.owners[0], 3);
	memset(&c, 0, sizeof c);
	assert_int_equal(match_product_lookup(ix, "apache", "http_server", "2.3.1", collect_fn, &c),
	                 0);
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(match_product_lookup(ix, "apache", "http_server", "2.2.9", collect_fn, &c),
	                 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.owners[0], 4);
	memset(&c, 0, sizeof c);
	assert_int_equal(match_product_lookup(ix, "apache", "http_server", NULL, collect_fn, &c),
	                 0);
	assert_int_equal(c.n, 4);
	memset(&c, 0, sizeof c);
	c.stop_after = 2;
	assert_int_equal(match_product_lookup(ix, "apache", "http_server", "*", collect_fn, &c),
	                 42);
	assert_int_equal(c.n, 2);
	memset(&c, 0, sizeof c);
	assert_int_equal(
	    match_product_lookup(ix, "microsoft", "exchange_server", "15.2.721", collect_fn, &c),
	    0);
	assert_int_equal(c.n, 1);
	memset(&c, 0, sizeof c);
	assert_int_equal(
	    match_product_lookup(ix, "microsoft", "exchange_server", "15.1.2375", collect_fn, &c),
	    0);
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(
	    match_cpe_lookup(ix, "cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*", collect_fn, &c),
	    0);
	assert_int_equal(c.n, 2);
	memset(&c, 0, sizeof c);
	assert_int_equal(
	    match_cpe_lookup(ix, "cpe:2.3:o:fortinet:fortios:7.2.0:*:*:*:*:*:*:*", collect_fn, &c),
	    0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.owners[0], 8);
	memset(&c, 0, sizeof c);
	assert_int_equal(match_product_lookup(ix, "nobody", "nothing", "1", collect_fn, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(match_product_lookup(ix, "", "nothing", "1", collect_fn, &c), KR_EINVAL);
	assert_int_equal(match_product_lookup(ix, "a", "b", "1", NULL, &c), KR_EINVAL);
	match_index_unref(ix);
	assert_int_equal(match_builder_remove_product(b, &p1, 1), 0);
	assert_int_equal(match_builder_remove_product(b, &p1, 1), KR_ENOTFOUND);
	assert_int_equal(
	    match_builder_remove_cpe(b, "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", 8), 0);
	ix = build(b);
	memset(&c, 0, sizeof c);
	assert_int_equal(
	    match_product_lookup(ix, "apache", "http_server", "2.4.49", collect_fn, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.owners[0], 2);
	memset(&c, 0, sizeof c);
	assert_int_equal(
	    match_cpe_lookup(ix, "cpe:2.3:o:fortinet:fortios:7.2.0:*:*:*:*:*:*:*", collect_fn, &c),
	    0);
	assert_int_equal(c.n, 0);
	match_index_unref(ix);
	match_builder_free(b);
}

/* ---- publishing while others read ---- */

struct reader_ctx {
	struct match_slot *slot;
	int rounds;
	long seen;
};

static void *reader(void *arg)
{
	struct reader_ctx *c = arg;
	for (int i = 0; i < c->rounds; i++) {
		struct match_index *ix = match_slot_get(c->slot);
		if (!ix)
			continue;
		struct match_hit hit;
		if (match_domain_lookup(ix, "www.example.nl", 14, &hit) == 0)
			c->seen += hit.owner > 0;
		match_index_unref(ix);
	}
	return NULL;
}

static void test_slot(void **state)
{
	(void)state;
	struct match_slot slot;
	match_slot_init(&slot);
	assert_null(match_slot_get(&slot));
	struct match_builder *b;
	assert_int_equal(match_builder_new(&b), 0);
	/* Domains only: builds stay cheap, so the swaps come fast. */
	assert_int_equal(match_builder_add_domain(b, "example.nl", 1, 0), 0);
	match_slot_set(&slot, build(b));
	struct match_index *held = match_slot_get(&slot);
	assert_non_null(held);
	struct reader_ctx rc[2] = {{&slot, 20000, 0}, {&slot, 20000, 0}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &rc[i]), 0);
	for (int g = 0; g < 200; g++) {
		assert_int_equal(match_builder_remove_domain(b, "example.nl"), 0);
		assert_int_equal(match_builder_add_domain(b, "example.nl", g + 2, 0), 0);
		match_slot_set(&slot, build(b));
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(rc[0].seen, 20000);
	assert_int_equal(rc[1].seen, 20000);
	assert_int_equal(slot.generation, 201);
	/* The old index stays usable while held, after it was replaced. */
	struct match_hit hit;
	assert_int_equal(match_domain_lookup(held, "www.example.nl", 14, &hit), 0);
	assert_int_equal(hit.owner, 1);
	match_index_unref(held);
	struct match_index *cur = match_slot_get(&slot);
	assert_int_equal(match_domain_lookup(cur, "www.example.nl", 14, &hit), 0);
	assert_int_equal(hit.owner, 201);
	match_index_unref(cur);
	match_index_unref(NULL);
	match_slot_destroy(&slot);
	match_builder_free(b);
}

/* ---- allocation failures: no crash, no leak, a clean status ---- */

static int fill_small(struct match_builder *b)
{
	struct match_product p = {"v", "p", "1", "2"};
	int r = match_builder_add_prefix(b, "10.0.0.0/8", 1, 0);
	if (!r)
		r = match_builder_add_prefix(b, "10.1.2.128/25", 2, 0);
	if (!r)
		r = match_builder_add_prefix(b, "2001:db8::/32", 3, 0);
	if (!r)
		r = match_builder_add_asn(b, 64500, 4, 0);
	if (!r)
		r = match_builder_add_domain(b, "example.nl", 5, 0);
	if (!r)
		r = match_builder_add_product(b, &p, 6, 0);
	return r;
}

static void test_alloc_failures(void **state)
{
	(void)state;
	int failures = 0;
	bool done = false;
	for (long n = 0; n < 400 && !done; n++) {
		struct match_builder *b = NULL;
		struct match_index *ix = NULL;
		kr_alloc_fail_after(n);
		int r = match_builder_new(&b);
		if (!r)
			r = fill_small(b);
		if (!r)
			r = match_build(b, &ix);
		kr_alloc_fail_after(-1);
		if (r) {
			assert_int_equal(r, KR_ENOMEM);
			assert_null(ix);
			failures++;
		} else {
			struct match_hit hit;
			assert_int_equal(match_ipv4_lookup(ix, 0x0a010281, &hit), 0);
			assert_int_equal(hit.owner, 2);
			match_index_unref(ix);
			done = true;
		}
		match_builder_free(b);
	}
	assert_true(done);
	assert_true(failures > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ip_edges),       cmocka_unit_test(test_ipv4_reference),
	    cmocka_unit_test(test_ipv6_reference), cmocka_unit_test(test_asn),
	    cmocka_unit_test(test_domain_cases),   cmocka_unit_test(test_domain_random),
	    cmocka_unit_test(test_version_cmp),    cmocka_unit_test(test_cpe),
	    cmocka_unit_test(test_products),       cmocka_unit_test(test_slot),
	    cmocka_unit_test(test_alloc_failures),
	};
	/* KRING_TEST_FILTER=pattern runs only the matching tests. */
	const char *filter = getenv("KRING_TEST_FILTER");
	if (filter)
		cmocka_set_test_filter(filter);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
