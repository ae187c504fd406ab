/* product.c - product and version-range match: dotted-version comparison,
 * CPE 2.3 / 2.2 parsing, and an index of registrations grouped by
 * (vendor, product). A lookup walks the group of its product and reports
 * every registration whose range holds the version; products are shared by
 * many owners, so there is no "most specific" answer here. */
#include "match/match_int.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define CPE_MAX 1024 /* longest CPE text accepted */

/* ---- versions ---- */

static bool is_sep(char c)
{
	return c == '.' || c == '-' || c == '_' || c == '+';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* Compares one component of each version; *a and *b advance past it and
 * its separator. An exhausted version contributes "0". */
static int component_cmp(const char **pa, const char **pb)
{
	const char *a = *pa, *b = *pb;
	static const char zero[] = "0";
	const char *ca = *a ? a : zero, *cb = *b ? b : zero;
	size_t la = 0, lb = 0;
	while (ca[la] && !is_sep(ca[la]))
		la++;
	while (cb[lb] && !is_sep(cb[lb]))
		lb++;
	if (*a)
		*pa = a + la + (a[la] ? 1 : 0);
	if (*b)
		*pb = b + lb + (b[lb] ? 1 : 0);
	size_t da = 0, db = 0;
	while (da < la && ca[da] >= '0' && ca[da] <= '9')
		da++;
	while (db < lb && cb[db] >= '0' && cb[db] <= '9')
		db++;
	if ((da > 0) != (db > 0))
		return da > 0 ? 1 : -1;
	if (da > 0) {
		/* Numbers of any length: drop leading zeros, longer is larger. */
		size_t za = 0, zb = 0;
		while (za + 1 < da && ca[za] == '0')
			za++;
		while (zb + 1 < db && cb[zb] == '0')
			zb++;
		if (da - za != db - zb)
			return da - za > db - zb ? 1 : -1;
		int c = memcmp(ca + za, cb + zb, da - za);
		if (c)
			return c < 0 ? -1 : 1;
	}
	/* The rest after the number: "" < "a" < "b" ..., case-insensitive. */
	size_t i = da, j = db;
	while (i < la && j < lb) {
		char x = lower(ca[i]), y = lower(cb[j]);
		if (x != y)
			return (unsigned char)x < (unsigned char)y ? -1 : 1;
		i++;
		j++;
	}
	if (i < la)
		return 1;
	if (j < lb)
		return -1;
	return 0;
}

int match_version_cmp(const char *a, const char *b)
{
	if (!a)
		a = "";
	if (!b)
		b = "";
	while (*a || *b) {
		int c = component_cmp(&a, &b);
		if (c)
			return c;
	}
	return 0;
}

/* ---- texts ---- */

int match_prod_name(const char *in, char *out)
{
	if (!in)
		return KR_EINVAL;
	size_t len = strnlen(in, MATCH_TEXT_MAX + 1);
	if (len == 0 || len > MATCH_TEXT_MAX)
		return KR_EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x20 || c == 0x7f)
			return KR_EINVAL;
		out[i] = c == ' ' ? '_' : lower((char)c);
	}
	out[len] = '\0';
	if (!strcmp(out, "*") || !strcmp(out, "-"))
		return KR_EINVAL;
	return 0;
}

int match_prod_version(const char *in, char *out)
{
	if (!in || !strcmp(in, "*")) {
		out[0] = '\0';
		return 0;
	}
	size_t len = strnlen(in, MATCH_TEXT_MAX + 1);
	if (len > MATCH_TEXT_MAX)
		return KR_EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x20 || c == 0x7f)
			return KR_EINVAL;
	}
	memcpy(out, in, len + 1);
	return 0;
}

/* ---- CPE ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Copies the next ':'-separated CPE component from *p into out (unescaped),
 * advancing *p past it. uri: percent escapes; else backslash escapes.
 * KR_EINVAL when it does not fit or an escape is broken. */
static int cpe_component(const char **p, bool uri, char out[MATCH_TEXT_MAX + 1])
{
	const char *s = *p;
	size_t n = 0;
	while (*s && *s != ':') {
		char c = *s++;
		if (!uri && c == '\\') {
			if (!*s)
				return KR_EINVAL;
			c = *s++;
		} else if (uri && c == '%') {
			int hi = s[0] ? hexval(s[0]) : -1;
			int lo = hi >= 0 && s[1] ? hexval(s[1]) : -1;
			if (hi < 0 || lo < 0)
				return KR_EINVAL;
			c = (char)(hi * 16 + lo);
			s += 2;
		}
		if ((unsigned char)c < 0x20 || c == 0x7f || n >= MATCH_TEXT_MAX)
			return KR_EINVAL;
		out[n++] = c;
	}
	out[n] = '\0';
	*p = *s == ':' ? s + 1 : s;
	return 0;
}

int match_cpe_parse(const char *cpe, struct match_cpe *out)
{
	if (!cpe || !out || strnlen(cpe, CPE_MAX + 1) > CPE_MAX)
		return KR_EINVAL;
	memset(out, 0, sizeof *out);
	bool uri;
	const char *p;
	if (!strncmp(cpe, "cpe:2.3:", 8)) {
		uri = false;
		p = cpe + 8;
	} else if (!strncmp(cpe, "cpe:/", 5)) {
		uri = true;
		p = cpe + 5;
	} else {
		return KR_EINVAL;
	}
	char part[MATCH_TEXT_MAX + 1];
	int r = cpe_component(&p, uri, part);
	if (r)
		return r;
	if (strlen(part) != 1 || (part[0] != 'a' && part[0] != 'o' && part[0] != 'h'))
		return KR_EINVAL;
	out->part = part[0];
	char vendor[MATCH_TEXT_MAX + 1], product[MATCH_TEXT_MAX + 1];
	r = cpe_component(&p, uri, vendor);
	if (!r)
		r = cpe_component(&p, uri, product);
	if (!r)
		r = cpe_component(&p, uri, out->version);
	if (r)
		return r;
	r = match_prod_name(vendor, out->vendor);
	if (!r)
		r = match_prod_name(product, out->product);
	if (r)
		return r;
	if (!strcmp(out->version, "*") || !strcmp(out->version, "-"))
		out->version[0] = '\0';
	return 0;
}

/* ---- the index ---- */

void match_prod_free(struct match_prod *p)
{
	kr_free(p->reg);
	kr_free(p->group);
	kr_free(p->text);
	memset(p, 0, sizeof *p);
}

static uint64_t group_hash(const char *vendor, const char *product)
{
	uint64_t h = match_fnv(MATCH_FNV_SEED, vendor, strlen(vendor) + 1);
	return match_mix64(match_fnv(h, product, strlen(product)));
}

static int cmp_reg(const void *a, const void *b)
{
	const struct match_prodreg *x = a, *y = b;
	int c = strcmp(x->p.vendor, y->p.vendor);
	if (!c)
		c = strcmp(x->p.product, y->p.product);
	if (!c)
		c = match_version_cmp(x->p.min_version, y->p.min_version);
	if (!c)
		c = (x->owner > y->owner) - (x->owner < y->owner);
	return c;
}

static char *put_text(char **at, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = *at;
	memcpy(d, s, n);
	*at += n;
	return d;
}

int match_prod_build(struct match_prod *p, const struct match_set *recs)
{
	memset(p, 0, sizeof *p);
	size_t n = recs->n;
	const struct match_rec_prod *rec = (const void *)recs->rec;
	size_t total = 1;
	for (size_t i = 0; i < n; i++)
		total += strlen(rec[i].vendor) + strlen(rec[i].product) + strlen(rec[i].min) +
		         strlen(rec[i].max) + 4;
	p->reg = kr_calloc(n + 1, sizeof *p->reg);
	p->text = kr_malloc(total);
	if (!p->reg || !p->text)
		goto fail;
	char *at = p->text;
	for (size_t i = 0; i < n; i++) {
		struct match_prodreg *g = &p->reg[i];
		g->owner = rec[i].owner;
		g->payload = rec[i].payload;
		g->p.vendor = put_text(&at, rec[i].vendor);
		g->p.product = put_text(&at, rec[i].product);
		g->p.min_version = put_text(&at, rec[i].min);
		g->p.max_version = put_text(&at, rec[i].max);
	}
	qsort(p->reg, n, sizeof *p->reg, cmp_reg);
	size_t ngroups = 0;
	for (size_t i = 0; i < n; i++) {
		p->reg[i].ref = (uint32_t)(i + 1);
		if (i == 0 || strcmp(p->reg[i].p.vendor, p->reg[i - 1].p.vendor) != 0 ||
		    strcmp(p->reg[i].p.product, p->reg[i - 1].p.product) != 0)
			ngroups++;
	}
	size_t size = 16;
	while (size < 2 * ngroups)
		size *= 2;
	p->group = kr_calloc(size, sizeof *p->group);
	if (!p->group)
		goto fail;
	p->mask = size - 1;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && !strcmp(p->reg[i].p.vendor, p->reg[j].p.vendor) &&
		       !strcmp(p->reg[i].p.product, p->reg[j].p.product))
			j++;
		uint64_t h = group_hash(p->reg[i].p.vendor, p->reg[i].p.product);
		size_t s = (size_t)h & p->mask;
		while (p->group[s].count)
			s = (s + 1) & p->mask;
		p->group[s].hash = h;
		p->group[s].first = (uint32_t)i;
		p->group[s].count = (uint32_t)(j - i);
		i = j;
	}
	p->n = n;
	p->bytes = (n + 1) * sizeof *p->reg + size * sizeof *p->group + total;
	return 0;
fail:
	match_prod_free(p);
	return KR_ENOMEM;
}

static bool in_range(const struct match_product *r, const char *version)
{
	if (!version[0])
		return true;
	if (r->min_version[0] && match_version_cmp(r->min_version, version) > 0)
		return false;
	if (r->max_version[0] && match_version_cmp(version, r->max_version) > 0)
		return false;
	return true;
}

int match_product_lookup(const struct match_index *ix, const char *vendor, const char *product,
                         const char *version, match_product_fn fn, void *ctx)
{
	const struct match_prod *p = &ix->prod;
	char v[MATCH_TEXT_MAX + 1], pr[MATCH_TEXT_MAX + 1], ver[MATCH_TEXT_MAX + 1];
	if (!fn)
		return KR_EINVAL;
	int r = match_prod_name(vendor, v);
	if (!r)
		r = match_prod_name(product, pr);
	if (!r)
		r = match_prod_version(version, ver);
	if (r)
		return r;
	if (!p->n)
		return 0;
	uint64_t h = group_hash(v, pr);
	size_t s = (size_t)h & p->mask;
	for (; p->group[s].count; s = (s + 1) & p->mask) {
		const struct match_prodgroup *g = &p->group[s];
		const struct match_prodreg *first = &p->reg[g->first];
		if (g->hash != h || strcmp(first->p.vendor, v) != 0 ||
		    strcmp(first->p.product, pr) != 0)
			continue;
		for (uint32_t i = 0; i < g->count; i++) {
			const struct match_prodreg *reg = &first[i];
			if (!in_range(&reg->p, ver))
				continue;
			struct match_hit hit;
			memset(&hit, 0, sizeof hit);
			hit.owner = reg->owner;
			hit.payload = reg->payload;
			hit.ref = reg->ref;
			r = fn(ctx, &hit, &reg->p);
			if (r)
				return r;
		}
		break;
	}
	return 0;
}

int match_cpe_lookup(const struct match_index *ix, const char *cpe, match_product_fn fn, void *ctx)
{
	struct match_cpe c;
	int r = match_cpe_parse(cpe, &c);
	if (r)
		return r;
	return match_product_lookup(ix, c.vendor, c.product, c.version, fn, ctx);
}
