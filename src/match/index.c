/* index.c - building an index from a builder, reference counting, the
 * publishing slot, statistics, and the helpers every part shares (the
 * nesting sweep, large-table memory). */
#include "match/match_int.h"
#include "util/alloc.h"
#include "util/err.h"

#include <string.h>
#include <sys/mman.h>

#include "util/banned.h"

#define HUGE_PAGE ((size_t)2 << 20)

void *match_big_alloc(size_t bytes, void **base)
{
	/* Over-allocate so the table can start on a huge-page boundary; the
	 * advice is best effort (the kernel may not have huge pages). */
	unsigned char *p = kr_malloc(bytes + HUGE_PAGE);
	*base = p;
	if (!p)
		return NULL;
	uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	unsigned char *t = p + (a - (uintptr_t)p);
	size_t whole = bytes & ~(HUGE_PAGE - 1);
	if (whole)
		(void)madvise(t, whole, MADV_HUGEPAGE);
	return t;
}

/* Appends interval (s, v), or changes the last one when it starts at s,
 * keeping neighbours distinct. */
static void emit(match_u128 *istart, uint32_t *ival, size_t *m, match_u128 s, uint32_t v)
{
	size_t k = *m;
	if (k && istart[k - 1] == s) {
		ival[k - 1] = v;
		if (k >= 2 && ival[k - 2] == v)
			*m = k - 1;
		return;
	}
	if (k && ival[k - 1] == v)
		return;
	istart[k] = s;
	ival[k] = v;
	*m = k + 1;
}

void match_sweep(const match_u128 *start, const match_u128 *end, size_t n, match_u128 top,
                 uint32_t *parent, match_u128 *istart, uint32_t *ival, size_t *m)
{
	/* Prefixes are nested or disjoint, so in (start, length) order an
	 * open-prefix stack is the chain of covering prefixes. The stack is
	 * at most 129 deep (one prefix per length on a chain). */
	uint32_t stack[130];
	size_t sp = 0;
	*m = 0;
	emit(istart, ival, m, 0, 0);
	for (size_t i = 0; i < n; i++) {
		while (sp && end[stack[sp - 1] - 1] < start[i]) {
			match_u128 e = end[stack[--sp] - 1];
			emit(istart, ival, m, e + 1, sp ? stack[sp - 1] : 0);
		}
		parent[i] = sp ? stack[sp - 1] : 0;
		stack[sp++] = (uint32_t)(i + 1);
		emit(istart, ival, m, start[i], (uint32_t)(i + 1));
	}
	while (sp) {
		match_u128 e = end[stack[--sp] - 1];
		if (e < top)
			emit(istart, ival, m, e + 1, sp ? stack[sp - 1] : 0);
	}
}

static void index_free(struct match_index *ix)
{
	match_v4_free(&ix->v4);
	match_v6_free(&ix->v6);
	match_asn_free(&ix->asn);
	match_dom_free(&ix->dom);
	match_prod_free(&ix->prod);
	kr_free(ix);
}

int match_build(const struct match_builder *b, struct match_index **out)
{
	if (!b || !out)
		return KR_EINVAL;
	struct match_index *ix = kr_calloc(1, sizeof *ix);
	if (!ix)
		return KR_ENOMEM;
	atomic_init(&ix->refs, 1);
	/* The large IPv4 tables come last: a failure elsewhere costs little. */
	int r = match_v6_build(&ix->v6, &b->v6);
	if (r)
		goto out;
	r = match_asn_build(&ix->asn, &b->asn);
	if (r)
		goto out;
	r = match_dom_build(&ix->dom, &b->dom);
	if (r)
		goto out;
	r = match_prod_build(&ix->prod, &b->prod);
	if (r)
		goto out;
	r = match_v4_build(&ix->v4, &b->v4);
out:
	if (r) {
		index_free(ix);
		return r;
	}
	*out = ix;
	return 0;
}

void match_index_ref(struct match_index *ix)
{
	if (ix)
		atomic_fetch_add_explicit(&ix->refs, 1, memory_order_relaxed);
}

void match_index_unref(struct match_index *ix)
{
	if (!ix)
		return;
	if (atomic_fetch_sub_explicit(&ix->refs, 1, memory_order_acq_rel) == 1)
		index_free(ix);
}

void match_index_stats(const struct match_index *ix, struct match_stats *out)
{
	memset(out, 0, sizeof *out);
	out->n.ipv4 = ix->v4.n;
	out->n.ipv6 = ix->v6.n;
	out->n.asn = ix->asn.n;
	out->n.domain = ix->dom.n;
	out->n.product = ix->prod.n;
	out->ipv4_bytes = ix->v4.bytes;
	out->ipv4_table_bytes = ix->v4.table_bytes;
	out->ipv4_groups = ix->v4.ngroups;
	out->ipv6_bytes = ix->v6.bytes;
	out->ipv6_intervals = ix->v6.nintervals;
	out->asn_bytes = ix->asn.bytes;
	out->domain_bytes = ix->dom.bytes;
	out->product_bytes = ix->prod.bytes;
	out->total_bytes = sizeof *ix + out->ipv4_bytes + out->ipv6_bytes + out->asn_bytes +
	                   out->domain_bytes + out->product_bytes;
}

int match_ip_lookup(const struct match_index *ix, int family, const uint8_t *addr,
                    struct match_hit *hit)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (!ix || !addr || !hit)
		return KR_EINVAL;
	if (family == 6 && memcmp(addr, mapped, sizeof mapped) != 0)
		return match_ipv6_lookup(ix, addr, hit);
	if (family != 4 && family != 6)
		return KR_EINVAL;
	const uint8_t *a = family == 4 ? addr : addr + 12;
	uint32_t v = ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) | a[3];
	return match_ipv4_lookup(ix, v, hit);
}

/* ---- the slot ---- */

void match_slot_init(struct match_slot *s)
{
	pthread_mutex_init(&s->lock, NULL);
	s->ix = NULL;
	s->generation = 0;
}

void match_slot_destroy(struct match_slot *s)
{
	match_index_unref(s->ix);
	s->ix = NULL;
	pthread_mutex_destroy(&s->lock);
}

struct match_index *match_slot_get(struct match_slot *s)
{
	/* The lock makes "read the pointer, take a reference" one step, so a
	 * concurrent set() cannot free the index in between. Readers take an
	 * index once per batch or file, not per lookup. */
	pthread_mutex_lock(&s->lock);
	struct match_index *ix = s->ix;
	match_index_ref(ix);
	pthread_mutex_unlock(&s->lock);
	return ix;
}

void match_slot_set(struct match_slot *s, struct match_index *ix)
{
	pthread_mutex_lock(&s->lock);
	struct match_index *old = s->ix;
	s->ix = ix;
	s->generation++;
	pthread_mutex_unlock(&s->lock);
	match_index_unref(old);
}
