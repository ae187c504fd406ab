/* cache.c - answers to repeated TAXII GETs, kept while the store has not
 * changed. An entry is found by a SHA-256 key over everything the answer
 * depends on besides the store (method, path, query, credential, Accept,
 * Host) and is only used at the same store generation and within a short
 * age, so a revoked token or a new object is seen at once and an expired
 * credential at most that age late. */
#include "taxii/taxii_int.h"
#include "util/alloc.h"
#include "util/err.h"

#include <string.h>

#include "util/banned.h"

struct entry {
	char key[65];
	uint64_t gen;
	int64_t at;
	struct http_response res;
	bool used;
};

struct taxii_cache {
	struct entry *e;
	size_t n;
	size_t next;
	size_t max_bytes;
	size_t bytes;
};

int taxii_cache_new(size_t max_entries, size_t max_bytes, struct taxii_cache **out)
{
	*out = NULL;
	if (max_entries == 0)
		return KR_EINVAL;
	struct taxii_cache *c = kr_calloc(1, sizeof *c);
	if (!c)
		return KR_ENOMEM;
	c->e = kr_calloc(max_entries, sizeof *c->e);
	if (!c->e) {
		kr_free(c);
		return KR_ENOMEM;
	}
	for (size_t i = 0; i < max_entries; i++)
		http_response_init(&c->e[i].res);
	c->n = max_entries;
	c->max_bytes = max_bytes;
	*out = c;
	return 0;
}

static void drop(struct taxii_cache *c, struct entry *e)
{
	if (!e->used)
		return;
	c->bytes -= e->res.body.len;
	http_response_release(&e->res);
	http_response_init(&e->res);
	e->used = false;
}

void taxii_cache_free(struct taxii_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		drop(c, &c->e[i]);
	kr_free(c->e);
	kr_free(c);
}

/* Copies src's status, type, body and headers into an empty dst. */
static int copy_response(struct http_response *dst, const struct http_response *src)
{
	dst->status = src->status;
	memcpy(dst->content_type, src->content_type, sizeof dst->content_type);
	int r = strbuf_add(&dst->body, src->body.buf ? src->body.buf : "", src->body.len);
	for (int i = 0; !r && i < src->nheaders; i++)
		r = http_response_header(dst, src->header_names[i], src->header_values[i]);
	return r;
}

bool taxii_cache_get(struct taxii_cache *c, const char *key, uint64_t gen, int64_t now,
		     long max_age_ms, struct http_response *res)
{
	for (size_t i = 0; i < c->n; i++) {
		struct entry *e = &c->e[i];
		if (!e->used || memcmp(e->key, key, 64) != 0)
			continue;
		if (e->gen != gen || now - e->at > max_age_ms || now < e->at) {
			drop(c, e);
			return false;
		}
		if (copy_response(res, &e->res)) {
			http_response_release(res);
			http_response_init(res);
			return false;
		}
		return true;
	}
	return false;
}

void taxii_cache_put(struct taxii_cache *c, const char *key, uint64_t gen, int64_t now,
		     const struct http_response *res)
{
	/* one answer may take at most an eighth of the room */
	if (c->n == 0 || res->body.len > c->max_bytes / 8)
		return;
	struct entry *e = NULL;
	for (size_t i = 0; i < c->n && !e; i++) {
		if (c->e[i].used && memcmp(c->e[i].key, key, 64) == 0)
			e = &c->e[i];
	}
	if (!e) {
		e = &c->e[c->next];
		c->next = (c->next + 1) % c->n;
	}
	drop(c, e);
	while (c->bytes + res->body.len > c->max_bytes) {
		/* make room, oldest slots first */
		struct entry *v = &c->e[c->next];
		c->next = (c->next + 1) % c->n;
		drop(c, v);
	}
	if (copy_response(&e->res, res)) {
		http_response_release(&e->res);
		http_response_init(&e->res);
		return;
	}
	memcpy(e->key, key, 65);
	e->gen = gen;
	e->at = now;
	e->used = true;
	c->bytes += e->res.body.len;
}
