/* domain.c - domain suffix match. Registered names sit in one hash table;
 * a lookup hashes the name once from its last byte to its first, which
 * yields the hash of every suffix that starts at a label (nl, example.nl,
 * b.example.nl, ...), prefetches all their buckets, and probes them from
 * the longest: the first registered suffix is the most specific owner. */
#include "match/match_int.h"
#include "util/alloc.h"
#include "util/err.h"

#include <string.h>

#include "util/banned.h"

#define MAX_LABELS 128 /* a 253-byte name has at most 127 labels */

void match_dom_free(struct match_dom *d)
{
	kr_free(d->slot);
	kr_free(d->leaf);
	kr_free(d->off);
	kr_free(d->names);
	memset(d, 0, sizeof *d);
}

static uint64_t full_hash(const char *s, size_t len)
{
	uint64_t h = MATCH_FNV_SEED;
	for (size_t i = len; i > 0; i--)
		h = match_dom_step(h, (unsigned char)s[i - 1]);
	return h;
}

static bool same_name(const char *stored, const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if ((unsigned char)stored[i] != c)
			return false;
	}
	return true;
}

/* Ref of the registration of exactly in[0..len) with suffix hash h, or 0. */
static uint32_t probe(const struct match_dom *d, uint64_t h, const char *in, size_t len)
{
	size_t s = (size_t)match_mix64(h) & d->mask;
	while (d->slot[s].ref) {
		const struct match_domslot *e = &d->slot[s];
		if (e->hash == h && e->len == len && same_name(d->names + d->off[e->ref], in, len))
			return e->ref;
		s = (s + 1) & d->mask;
	}
	return 0;
}

/* Ref of the most specific registration covering name, 0 for none, or
 * KR_EINVAL (as a negative number) when name is not a domain name. */
static long find(const struct match_dom *d, const char *name, size_t len)
{
	if (!name)
		return KR_EINVAL;
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > MATCH_DOMAIN_MAX)
		return KR_EINVAL;
	size_t pos[MAX_LABELS];
	uint64_t hash[MAX_LABELS];
	size_t nsuf = 0, label = 0;
	uint64_t h = MATCH_FNV_SEED;
	for (size_t i = len; i > 0; i--) {
		unsigned char c = (unsigned char)name[i - 1];
		if (c == '.') {
			if (label == 0)
				return KR_EINVAL;
			pos[nsuf] = i;
			hash[nsuf++] = h;
			label = 0;
		} else {
			bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			          (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80;
			if (!ok || ++label > 63)
				return KR_EINVAL;
		}
		h = match_dom_step(h, c);
	}
	if (label == 0)
		return KR_EINVAL;
	pos[nsuf] = 0;
	hash[nsuf++] = h;
	if (!d->n)
		return 0;
	for (size_t k = 0; k < nsuf; k++)
		__builtin_prefetch(&d->slot[(size_t)match_mix64(hash[k]) & d->mask]);
	for (size_t k = nsuf; k > 0; k--) {
		uint32_t ref = probe(d, hash[k - 1], name + pos[k - 1], len - pos[k - 1]);
		if (ref)
			return ref;
	}
	return 0;
}

int match_dom_build(struct match_dom *d, const struct match_set *recs)
{
	memset(d, 0, sizeof *d);
	size_t n = recs->n;
	const struct match_rec_dom *rec = (const void *)recs->rec;
	size_t total = 1;
	for (size_t i = 0; i < n; i++)
		total += rec[i].len + 1;
	size_t size = 16;
	while (size < 2 * n)
		size *= 2;
	d->slot = kr_calloc(size, sizeof *d->slot);
	d->leaf = kr_calloc(n + 1, sizeof *d->leaf);
	d->off = kr_calloc(n + 1, sizeof *d->off);
	d->names = kr_malloc(total);
	if (!d->slot || !d->leaf || !d->off || !d->names || total > UINT32_MAX) {
		int r = total > UINT32_MAX ? KR_ELIMIT : KR_ENOMEM;
		match_dom_free(d);
		return r;
	}
	d->mask = size - 1;
	size_t at = 1; /* offset 0 stays unused */
	d->names[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		uint32_t ref = (uint32_t)(i + 1);
		d->leaf[ref].owner = rec[i].owner;
		d->leaf[ref].payload = rec[i].payload;
		d->off[ref] = (uint32_t)at;
		memcpy(d->names + at, rec[i].name, rec[i].len + 1);
		at += rec[i].len + 1;
		uint64_t h = full_hash(rec[i].name, rec[i].len);
		size_t s = (size_t)match_mix64(h) & d->mask;
		while (d->slot[s].ref)
			s = (s + 1) & d->mask;
		d->slot[s].hash = h;
		d->slot[s].ref = ref;
		d->slot[s].len = (uint32_t)rec[i].len;
	}
	d->n = n;
	/* The parent of a registration is the most specific registration
	 * covering its parent domain. */
	for (size_t i = 0; i < n; i++) {
		const char *dot = memchr(rec[i].name, '.', rec[i].len);
		if (!dot)
			continue;
		size_t skip = (size_t)(dot - rec[i].name) + 1;
		long p = find(d, rec[i].name + skip, rec[i].len - skip);
		d->leaf[i + 1].parent = p > 0 ? (uint32_t)p : 0;
	}
	d->bytes = size * sizeof *d->slot + (n + 1) * (sizeof *d->leaf + sizeof *d->off) + total;
	return 0;
}

static void dom_hit(const struct match_dom *d, uint32_t ref, struct match_hit *hit)
{
	memset(hit, 0, sizeof *hit);
	hit->owner = d->leaf[ref].owner;
	hit->payload = d->leaf[ref].payload;
	hit->ref = ref;
	hit->name = d->names + d->off[ref];
}

int match_domain_lookup(const struct match_index *ix, const char *name, size_t len,
                        struct match_hit *hit)
{
	long ref = find(&ix->dom, name, len);
	if (ref < 0)
		return (int)ref;
	if (ref == 0)
		return KR_ENOTFOUND;
	dom_hit(&ix->dom, (uint32_t)ref, hit);
	return 0;
}

int match_domain_covering(const struct match_index *ix, const char *name, size_t len,
                          struct match_hit *out, size_t max)
{
	if (!out && max)
		return KR_EINVAL;
	long ref = find(&ix->dom, name, len);
	if (ref < 0)
		return (int)ref;
	size_t k = 0;
	while (ref && k < max) {
		dom_hit(&ix->dom, (uint32_t)ref, &out[k++]);
		ref = ix->dom.leaf[ref].parent;
	}
	return (int)k;
}
