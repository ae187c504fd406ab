/* asn.c - exact match of AS numbers: an open-addressing table. */
#include "match/match_int.h"
#include "util/alloc.h"
#include "util/err.h"

#include <string.h>

#include "util/banned.h"

static size_t table_size(size_t n)
{
	size_t s = 16;
	while (s < 2 * n)
		s *= 2;
	return s;
}

void match_asn_free(struct match_asntab *t)
{
	kr_free(t->slot_asn);
	kr_free(t->slot_ref);
	kr_free(t->leaf);
	kr_free(t->asn);
	memset(t, 0, sizeof *t);
}

int match_asn_build(struct match_asntab *t, const struct match_set *recs)
{
	memset(t, 0, sizeof *t);
	size_t n = recs->n;
	size_t size = table_size(n);
	t->slot_asn = kr_calloc(size, sizeof *t->slot_asn);
	t->slot_ref = kr_calloc(size, sizeof *t->slot_ref);
	t->leaf = kr_calloc(n + 1, sizeof *t->leaf);
	t->asn = kr_calloc(n + 1, sizeof *t->asn);
	if (!t->slot_asn || !t->slot_ref || !t->leaf || !t->asn) {
		match_asn_free(t);
		return KR_ENOMEM;
	}
	t->mask = size - 1;
	t->n = n;
	const struct match_rec_asn *rec = (const void *)recs->rec;
	for (size_t i = 0; i < n; i++) {
		uint32_t ref = (uint32_t)(i + 1);
		t->leaf[ref].owner = rec[i].owner;
		t->leaf[ref].payload = rec[i].payload;
		t->asn[ref] = rec[i].asn;
		size_t s = (size_t)match_mix64(rec[i].asn) & t->mask;
		while (t->slot_asn[s])
			s = (s + 1) & t->mask;
		t->slot_asn[s] = rec[i].asn;
		t->slot_ref[s] = ref;
	}
	t->bytes = size * 2 * sizeof(uint32_t) + (n + 1) * (sizeof *t->leaf + sizeof *t->asn);
	return 0;
}

int match_asn_lookup(const struct match_index *ix, uint32_t asn, struct match_hit *hit)
{
	const struct match_asntab *t = &ix->asn;
	if (asn == 0 || !t->slot_asn)
		return KR_ENOTFOUND;
	size_t s = (size_t)match_mix64(asn) & t->mask;
	while (t->slot_asn[s]) {
		if (t->slot_asn[s] == asn) {
			uint32_t ref = t->slot_ref[s];
			memset(hit, 0, sizeof *hit);
			hit->owner = t->leaf[ref].owner;
			hit->payload = t->leaf[ref].payload;
			hit->ref = ref;
			return 0;
		}
		s = (s + 1) & t->mask;
	}
	return KR_ENOTFOUND;
}
