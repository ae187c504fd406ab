/* builder.c - the mutable set of registrations an index is built from:
 * one hashed record array per kind, with add (idempotent, conflict on a
 * different owner) and remove. */
#include "match/match_int.h"
#include "util/alloc.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#include "util/banned.h"

/* ---- the generic set ---- */

static void mset_init(struct match_set *s, size_t recsize, uint64_t (*hash)(const void *),
                      bool (*same)(const void *, const void *), void (*release)(void *))
{
	memset(s, 0, sizeof *s);
	s->recsize = recsize;
	s->hash = hash;
	s->same = same;
	s->release = release;
}

static void mset_free(struct match_set *s)
{
	if (s->release) {
		for (size_t i = 0; i < s->n; i++)
			s->release(s->rec + i * s->recsize);
	}
	kr_free(s->rec);
	kr_free(s->slot);
	s->rec = NULL;
	s->slot = NULL;
	s->n = s->cap = s->nslot = 0;
}

/* Slot holding the record equal to key, or the empty slot where it would go. */
static size_t mset_find(const struct match_set *s, const void *key, bool *found)
{
	size_t mask = s->nslot - 1;
	size_t i = (size_t)s->hash(key) & mask;
	for (;;) {
		uint32_t v = s->slot[i];
		if (!v) {
			*found = false;
			return i;
		}
		if (s->same(s->rec + (size_t)(v - 1) * s->recsize, key)) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static int mset_rehash(struct match_set *s, size_t nslot)
{
	uint32_t *slot = kr_calloc(nslot, sizeof *slot);
	if (!slot)
		return KR_ENOMEM;
	kr_free(s->slot);
	s->slot = slot;
	s->nslot = nslot;
	for (size_t p = 0; p < s->n; p++) {
		bool found;
		size_t i = mset_find(s, s->rec + p * s->recsize, &found);
		s->slot[i] = (uint32_t)(p + 1);
	}
	return 0;
}

/* Looks rec up by key; *pos is its position when found. */
static bool mset_get(const struct match_set *s, const void *key, size_t *pos)
{
	if (!s->nslot)
		return false;
	bool found;
	size_t i = mset_find(s, key, &found);
	if (found)
		*pos = s->slot[i] - 1;
	return found;
}

/* Appends a copy of rec (its key must not be present). */
static int mset_put(struct match_set *s, const void *rec)
{
	if (s->n >= MATCH_MAX_ENTRIES)
		return KR_ELIMIT;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		void *nrec = kr_realloc(s->rec, ncap * s->recsize);
		if (!nrec)
			return KR_ENOMEM;
		s->rec = nrec;
		s->cap = ncap;
	}
	if ((s->n + 1) * 2 > s->nslot) {
		int r = mset_rehash(s, s->nslot ? s->nslot * 2 : 128);
		if (r)
			return r;
	}
	memcpy(s->rec + s->n * s->recsize, rec, s->recsize);
	bool found;
	size_t i = mset_find(s, rec, &found);
	s->slot[i] = (uint32_t)(s->n + 1);
	s->n++;
	return 0;
}

/* Empties slot i of a linear-probing table, moving later entries of the
 * same run back so that every lookup still finds them. */
static void mset_unslot(struct match_set *s, size_t i)
{
	size_t mask = s->nslot - 1;
	size_t j = i;
	for (;;) {
		s->slot[i] = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!s->slot[j])
				return;
			size_t home =
			    (size_t)s->hash(s->rec + (size_t)(s->slot[j] - 1) * s->recsize) & mask;
			/* j may move to i unless its home lies cyclically in (i, j]. */
			bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
			if (!stays)
				break;
		}
		s->slot[i] = s->slot[j];
		i = j;
	}
}

static int mset_remove(struct match_set *s, const void *key)
{
	if (!s->nslot)
		return KR_ENOTFOUND;
	bool found;
	size_t i = mset_find(s, key, &found);
	if (!found)
		return KR_ENOTFOUND;
	size_t pos = s->slot[i] - 1;
	mset_unslot(s, i);
	if (s->release)
		s->release(s->rec + pos * s->recsize);
	size_t last = s->n - 1;
	if (pos != last) {
		/* The last record takes the freed place; repoint its slot. */
		unsigned char *lrec = s->rec + last * s->recsize;
		size_t j = mset_find(s, lrec, &found);
		memcpy(s->rec + pos * s->recsize, lrec, s->recsize);
		s->slot[j] = (uint32_t)(pos + 1);
	}
	s->n--;
	return 0;
}

/* ---- record kinds ---- */

static uint64_t v4_hash(const void *p)
{
	const struct match_rec_v4 *r = p;
	return match_mix64(((uint64_t)r->addr << 8) | r->plen);
}

static bool v4_same(const void *a, const void *b)
{
	const struct match_rec_v4 *x = a, *y = b;
	return x->addr == y->addr && x->plen == y->plen;
}

static uint64_t v6_hash(const void *p)
{
	const struct match_rec_v6 *r = p;
	uint64_t hi, lo;
	memcpy(&hi, r->addr, 8);
	memcpy(&lo, r->addr + 8, 8);
	return match_mix64(hi ^ match_mix64(lo ^ r->plen));
}

static bool v6_same(const void *a, const void *b)
{
	const struct match_rec_v6 *x = a, *y = b;
	return x->plen == y->plen && !memcmp(x->addr, y->addr, 16);
}

static uint64_t asn_hash(const void *p)
{
	const struct match_rec_asn *r = p;
	return match_mix64(r->asn);
}

static bool asn_same(const void *a, const void *b)
{
	const struct match_rec_asn *x = a, *y = b;
	return x->asn == y->asn;
}

static uint64_t dom_hash(const void *p)
{
	const struct match_rec_dom *r = p;
	return match_mix64(match_fnv(MATCH_FNV_SEED, r->name, r->len));
}

static bool dom_same(const void *a, const void *b)
{
	const struct match_rec_dom *x = a, *y = b;
	return x->len == y->len && !memcmp(x->name, y->name, x->len);
}

static void dom_release(void *p)
{
	struct match_rec_dom *r = p;
	kr_free(r->name);
	r->name = NULL;
}

static uint64_t prod_hash(const void *p)
{
	const struct match_rec_prod *r = p;
	uint64_t h = MATCH_FNV_SEED;
	h = match_fnv(h, r->vendor, strlen(r->vendor) + 1);
	h = match_fnv(h, r->product, strlen(r->product) + 1);
	h = match_fnv(h, r->min, strlen(r->min) + 1);
	h = match_fnv(h, r->max, strlen(r->max) + 1);
	return match_mix64(h ^ (uint64_t)r->owner);
}

static bool prod_same(const void *a, const void *b)
{
	const struct match_rec_prod *x = a, *y = b;
	return x->owner == y->owner && !strcmp(x->vendor, y->vendor) &&
	       !strcmp(x->product, y->product) && !strcmp(x->min, y->min) &&
	       !strcmp(x->max, y->max);
}

static void prod_release(void *p)
{
	struct match_rec_prod *r = p;
	kr_free(r->vendor);
	kr_free(r->product);
	kr_free(r->min);
	kr_free(r->max);
	r->vendor = r->product = r->min = r->max = NULL;
}

/* ---- builder API ---- */

int match_builder_new(struct match_builder **out)
{
	struct match_builder *b = kr_calloc(1, sizeof *b);
	if (!b)
		return KR_ENOMEM;
	mset_init(&b->v4, sizeof(struct match_rec_v4), v4_hash, v4_same, NULL);
	mset_init(&b->v6, sizeof(struct match_rec_v6), v6_hash, v6_same, NULL);
	mset_init(&b->asn, sizeof(struct match_rec_asn), asn_hash, asn_same, NULL);
	mset_init(&b->dom, sizeof(struct match_rec_dom), dom_hash, dom_same, dom_release);
	mset_init(&b->prod, sizeof(struct match_rec_prod), prod_hash, prod_same, prod_release);
	*out = b;
	return 0;
}

void match_builder_free(struct match_builder *b)
{
	if (!b)
		return;
	mset_free(&b->v4);
	mset_free(&b->v6);
	mset_free(&b->asn);
	mset_free(&b->dom);
	mset_free(&b->prod);
	kr_free(b);
}

void match_builder_counts(const struct match_builder *b, struct match_counts *out)
{
	out->ipv4 = b->v4.n;
	out->ipv6 = b->v6.n;
	out->asn = b->asn.n;
	out->domain = b->dom.n;
	out->product = b->prod.n;
}

/* Shared tail of the exclusive kinds: idempotent add, conflict when the
 * key is registered with another owner or payload. The offsets locate owner
 * and payload inside the record kind. */
static int add_exclusive(struct match_set *s, const void *rec, size_t owner_off, size_t payload_off)
{
	size_t pos;
	if (mset_get(s, rec, &pos)) {
		const unsigned char *old = s->rec + pos * s->recsize;
		const unsigned char *now = rec;
		if (!memcmp(old + owner_off, now + owner_off, sizeof(int64_t)) &&
		    !memcmp(old + payload_off, now + payload_off, sizeof(uint32_t)))
			return 0;
		return KR_ECONFLICT;
	}
	return mset_put(s, rec);
}

#define ADD_EXCLUSIVE(set, rec, type)                                                              \
	add_exclusive((set), (rec), offsetof(type, owner), offsetof(type, payload))

static bool v4_host_bits_clear(uint32_t addr, unsigned plen)
{
	if (plen == 0)
		return addr == 0;
	return plen >= 32 || (addr & (0xffffffffu >> plen)) == 0;
}

static bool v6_host_bits_clear(const uint8_t a[16], unsigned plen)
{
	for (unsigned bit = plen; bit < 128; bit++) {
		if (a[bit / 8] & (0x80u >> (bit % 8)))
			return false;
	}
	return true;
}

int match_builder_add_ipv4(struct match_builder *b, uint32_t addr, unsigned plen, int64_t owner,
                           uint32_t payload)
{
	if (plen > 32 || owner <= 0 || !v4_host_bits_clear(addr, plen))
		return KR_EINVAL;
	struct match_rec_v4 r = {.addr = addr, .plen = plen, .owner = owner, .payload = payload};
	return ADD_EXCLUSIVE(&b->v4, &r, struct match_rec_v4);
}

int match_builder_remove_ipv4(struct match_builder *b, uint32_t addr, unsigned plen)
{
	if (plen > 32 || !v4_host_bits_clear(addr, plen))
		return KR_EINVAL;
	struct match_rec_v4 r = {.addr = addr, .plen = plen};
	return mset_remove(&b->v4, &r);
}

int match_builder_add_ipv6(struct match_builder *b, const uint8_t addr[16], unsigned plen,
                           int64_t owner, uint32_t payload)
{
	if (plen > 128 || owner <= 0 || !v6_host_bits_clear(addr, plen))
		return KR_EINVAL;
	struct match_rec_v6 r = {.plen = plen, .owner = owner, .payload = payload};
	memcpy(r.addr, addr, 16);
	return ADD_EXCLUSIVE(&b->v6, &r, struct match_rec_v6);
}

int match_builder_remove_ipv6(struct match_builder *b, const uint8_t addr[16], unsigned plen)
{
	if (plen > 128 || !v6_host_bits_clear(addr, plen))
		return KR_EINVAL;
	struct match_rec_v6 r = {.plen = plen};
	memcpy(r.addr, addr, 16);
	return mset_remove(&b->v6, &r);
}

int match_parse_prefix(const char *text, int *family, uint8_t addr[16], unsigned *plen)
{
	if (!text)
		return KR_EINVAL;
	char buf[64];
	size_t len = strnlen(text, sizeof buf);
	if (len == 0 || len >= sizeof buf)
		return KR_EINVAL;
	memcpy(buf, text, len + 1);
	long n = -1;
	char *slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		const char *d = slash + 1;
		size_t nd = strlen(d);
		if (nd == 0 || nd > 3)
			return KR_EINVAL;
		n = 0;
		for (size_t i = 0; i < nd; i++) {
			if (d[i] < '0' || d[i] > '9')
				return KR_EINVAL;
			n = n * 10 + (d[i] - '0');
		}
	}
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		if (n > 32)
			return KR_EINVAL;
		*family = 4;
		*plen = n < 0 ? 32 : (unsigned)n;
		uint32_t a = ((uint32_t)addr[0] << 24) | ((uint32_t)addr[1] << 16) |
		             ((uint32_t)addr[2] << 8) | addr[3];
		return v4_host_bits_clear(a, *plen) ? 0 : KR_EINVAL;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		if (n > 128)
			return KR_EINVAL;
		*family = 6;
		*plen = n < 0 ? 128 : (unsigned)n;
		return v6_host_bits_clear(addr, *plen) ? 0 : KR_EINVAL;
	}
	return KR_EINVAL;
}

static uint32_t v4_from_bytes(const uint8_t a[4])
{
	return ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) | a[3];
}

int match_builder_add_prefix(struct match_builder *b, const char *text, int64_t owner,
                             uint32_t payload)
{
	int family;
	uint8_t a[16];
	unsigned plen;
	int r = match_parse_prefix(text, &family, a, &plen);
	if (r)
		return r;
	if (family == 4)
		return match_builder_add_ipv4(b, v4_from_bytes(a), plen, owner, payload);
	return match_builder_add_ipv6(b, a, plen, owner, payload);
}

int match_builder_remove_prefix(struct match_builder *b, const char *text)
{
	int family;
	uint8_t a[16];
	unsigned plen;
	int r = match_parse_prefix(text, &family, a, &plen);
	if (r)
		return r;
	if (family == 4)
		return match_builder_remove_ipv4(b, v4_from_bytes(a), plen);
	return match_builder_remove_ipv6(b, a, plen);
}

int match_builder_add_asn(struct match_builder *b, uint32_t asn, int64_t owner, uint32_t payload)
{
	if (asn == 0 || owner <= 0)
		return KR_EINVAL;
	struct match_rec_asn r = {.asn = asn, .owner = owner, .payload = payload};
	return ADD_EXCLUSIVE(&b->asn, &r, struct match_rec_asn);
}

int match_builder_remove_asn(struct match_builder *b, uint32_t asn)
{
	if (asn == 0)
		return KR_EINVAL;
	struct match_rec_asn r = {.asn = asn};
	return mset_remove(&b->asn, &r);
}

int match_domain_normalise(const char *in, size_t len, char out[MATCH_DOMAIN_MAX + 1])
{
	if (!in)
		return KR_EINVAL;
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > MATCH_DOMAIN_MAX)
		return KR_EINVAL;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '.') {
			if (label == 0)
				return KR_EINVAL;
			label = 0;
		} else {
			bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			          (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80;
			if (!ok || ++label > 63)
				return KR_EINVAL;
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c + 32);
		}
		out[i] = (char)c;
	}
	if (label == 0)
		return KR_EINVAL;
	out[len] = '\0';
	return 0;
}

int match_builder_add_domain(struct match_builder *b, const char *name, int64_t owner,
                             uint32_t payload)
{
	char norm[MATCH_DOMAIN_MAX + 1];
	if (!name || owner <= 0)
		return KR_EINVAL;
	int r = match_domain_normalise(name, strlen(name), norm);
	if (r)
		return r;
	struct match_rec_dom key = {
	    .name = norm, .len = strlen(norm), .owner = owner, .payload = payload};
	size_t pos;
	if (mset_get(&b->dom, &key, &pos)) {
		const struct match_rec_dom *old = (const void *)(b->dom.rec + pos * b->dom.recsize);
		return old->owner == owner && old->payload == payload ? 0 : KR_ECONFLICT;
	}
	key.name = kr_strndup(norm, key.len);
	if (!key.name)
		return KR_ENOMEM;
	r = mset_put(&b->dom, &key);
	if (r)
		kr_free(key.name);
	return r;
}

int match_builder_remove_domain(struct match_builder *b, const char *name)
{
	char norm[MATCH_DOMAIN_MAX + 1];
	if (!name)
		return KR_EINVAL;
	int r = match_domain_normalise(name, strlen(name), norm);
	if (r)
		return r;
	struct match_rec_dom key = {.name = norm, .len = strlen(norm)};
	return mset_remove(&b->dom, &key);
}

/* The normalised texts of a product registration, on the stack. */
struct prod_texts {
	char vendor[MATCH_TEXT_MAX + 1];
	char product[MATCH_TEXT_MAX + 1];
	char min[MATCH_TEXT_MAX + 1];
	char max[MATCH_TEXT_MAX + 1];
};

static int prod_texts(const struct match_product *p, struct prod_texts *t)
{
	if (!p)
		return KR_EINVAL;
	int r = match_prod_name(p->vendor, t->vendor);
	if (!r)
		r = match_prod_name(p->product, t->product);
	if (!r)
		r = match_prod_version(p->min_version, t->min);
	if (!r)
		r = match_prod_version(p->max_version, t->max);
	if (!r && t->min[0] && t->max[0] && match_version_cmp(t->min, t->max) > 0)
		r = KR_EINVAL;
	return r;
}

int match_builder_add_product(struct match_builder *b, const struct match_product *p, int64_t owner,
                              uint32_t payload)
{
	struct prod_texts t;
	if (owner <= 0)
		return KR_EINVAL;
	int r = prod_texts(p, &t);
	if (r)
		return r;
	struct match_rec_prod rec = {.vendor = t.vendor,
	                             .product = t.product,
	                             .min = t.min,
	                             .max = t.max,
	                             .owner = owner,
	                             .payload = payload};
	size_t pos;
	if (mset_get(&b->prod, &rec, &pos)) {
		const struct match_rec_prod *old =
		    (const void *)(b->prod.rec + pos * b->prod.recsize);
		return old->payload == payload ? 0 : KR_ECONFLICT;
	}
	rec.vendor = kr_strdup(t.vendor);
	rec.product = kr_strdup(t.product);
	rec.min = kr_strdup(t.min);
	rec.max = kr_strdup(t.max);
	if (!rec.vendor || !rec.product || !rec.min || !rec.max) {
		r = KR_ENOMEM;
		goto out;
	}
	r = mset_put(&b->prod, &rec);
out:
	if (r)
		prod_release(&rec);
	return r;
}

int match_builder_remove_product(struct match_builder *b, const struct match_product *p,
                                 int64_t owner)
{
	struct prod_texts t;
	int r = prod_texts(p, &t);
	if (r)
		return r;
	struct match_rec_prod rec = {
	    .vendor = t.vendor, .product = t.product, .min = t.min, .max = t.max, .owner = owner};
	return mset_remove(&b->prod, &rec);
}

static void cpe_product(const struct match_cpe *c, struct match_product *p)
{
	p->vendor = c->vendor;
	p->product = c->product;
	p->min_version = c->version;
	p->max_version = c->version;
}

int match_builder_add_cpe(struct match_builder *b, const char *cpe, int64_t owner, uint32_t payload)
{
	struct match_cpe c;
	struct match_product p;
	int r = match_cpe_parse(cpe, &c);
	if (r)
		return r;
	cpe_product(&c, &p);
	return match_builder_add_product(b, &p, owner, payload);
}

int match_builder_remove_cpe(struct match_builder *b, const char *cpe, int64_t owner)
{
	struct match_cpe c;
	struct match_product p;
	int r = match_cpe_parse(cpe, &c);
	if (r)
		return r;
	cpe_product(&c, &p);
	return match_builder_remove_product(b, &p, owner);
}
