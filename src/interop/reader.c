/* reader.c - which STIX objects one reader may see, each decided by
 * policy/, and pages of them in the order they were added. */
#include "interop/interop.h"
#include "util/alloc.h"
#include "util/err.h"

#include <string.h>

#include "util/banned.h"

#define CACHE_MAX 1024 /* reports kept per reader */
#define AUDIT_SLOTS 32768 /* hash slots of an audit list: twice INTEROP_AUDIT_MAX, rounded up */
_Static_assert(AUDIT_SLOTS >= 2 * INTEROP_AUDIT_MAX, "audit hash load");

struct cached {
	int64_t id;
	bool exists;
	struct core_report rep; /* without body */
};

struct interop_reader {
	struct store *s;
	const struct policy_actor *actor;
	enum policy_action act;
	struct cached *cache; /* grows up to CACHE_MAX entries */
	size_t n, cap;
	struct interop_audit *audit;
};

int interop_audit_note(struct interop_audit *a, const char *object_type, int64_t object_id,
		       int64_t community_id, enum tlp tlp)
{
	if (!a || tlp < TLP_AMBER)
		return 0;
	if (!a->slots) {
		a->slots = kr_calloc(AUDIT_SLOTS, sizeof *a->slots);
		if (!a->slots)
			return KR_ENOMEM;
	}
	/* open addressing over (type, id); slots hold index + 1 */
	size_t h = ((uint64_t)object_id * 0x9e3779b97f4a7c15ull + (unsigned char)object_type[0]) &
		   (AUDIT_SLOTS - 1);
	for (; a->slots[h]; h = (h + 1) & (AUDIT_SLOTS - 1)) {
		struct interop_audit_entry *e = &a->items[a->slots[h] - 1];
		if (e->object_id == object_id && strcmp(e->object_type, object_type) == 0) {
			if (tlp > e->tlp)
				e->tlp = tlp;
			return 0;
		}
	}
	if (a->n >= INTEROP_AUDIT_MAX) {
		a->truncated = true;
		return 0;
	}
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 32;
		struct interop_audit_entry *n = kr_realloc(a->items, ncap * sizeof *n);
		if (!n)
			return KR_ENOMEM;
		a->items = n;
		a->cap = ncap;
	}
	a->slots[h] = a->n + 1;
	a->items[a->n].object_type = object_type;
	a->items[a->n].object_id = object_id;
	a->items[a->n].community_id = community_id;
	a->items[a->n].tlp = tlp;
	a->n++;
	return 0;
}

void interop_audit_release(struct interop_audit *a)
{
	if (!a)
		return;
	kr_free(a->items);
	kr_free(a->slots);
	memset(a, 0, sizeof *a);
}

void interop_reader_audit(struct interop_reader *rd, struct interop_audit *a)
{
	rd->audit = a;
}

int interop_reader_new(struct store *s, const struct policy_actor *actor,
		       enum policy_action act, struct interop_reader **out)
{
	*out = NULL;
	if (!s || !actor || (int)act < 0 || act >= POLICY__ACTION_COUNT)
		return KR_EINVAL;
	struct interop_reader *rd = kr_calloc(1, sizeof *rd);
	if (!rd)
		return KR_ENOMEM;
	rd->s = s;
	rd->actor = actor;
	rd->act = act;
	*out = rd;
	return 0;
}

void interop_reader_free(struct interop_reader *rd)
{
	if (!rd)
		return;
	kr_free(rd->cache);
	kr_free(rd);
}

/* The report id (policy fields only), loaded once; NULL when it is gone. */
static int report_of(struct interop_reader *rd, int64_t id, const struct core_report **out)
{
	*out = NULL;
	for (size_t i = 0; i < rd->n; i++) {
		if (rd->cache[i].id == id) {
			*out = rd->cache[i].exists ? &rd->cache[i].rep : NULL;
			return 0;
		}
	}
	if (rd->n == CACHE_MAX)
		rd->n = 0; /* start over rather than grow without bound */
	if (rd->n == rd->cap) {
		size_t ncap = rd->cap ? rd->cap * 2 : 8;
		struct cached *nc = kr_realloc(rd->cache, ncap * sizeof *nc);
		if (!nc)
			return KR_ENOMEM;
		rd->cache = nc;
		rd->cap = ncap;
	}
	struct cached *c = &rd->cache[rd->n];
	memset(c, 0, sizeof *c);
	int r = store_report_get(rd->s, id, &c->rep);
	if (r == KR_ENOTFOUND) {
		c->id = id;
		rd->n++;
		return 0;
	}
	if (r)
		return r;
	kr_free(c->rep.body); /* only the policy fields are kept */
	c->rep.body = NULL;
	c->id = id;
	c->exists = true;
	rd->n++;
	*out = &c->rep;
	return 0;
}

int interop_reader_allows(struct interop_reader *rd, const struct store_stix_object *o,
			  bool *allow)
{
	*allow = false;
	/* kring's own reports are served as they are now: an older version of
	 * one of their objects could carry an audience the report no longer
	 * has. */
	if (o->origin == STORE_ORIGIN_KRING && !o->latest)
		return 0;
	if (o->nreports == 0) {
		struct policy_item it = {
			.tlp = o->tlp,
			.community_id = o->community_id,
			.author_id = o->author_id,
			.source_org_id = o->source_org_id,
		};
		*allow = policy_decide(rd->actor, &it, rd->act).allow;
		if (*allow)
			return interop_audit_note(rd->audit, "stix-object", o->seq, o->community_id,
						  o->tlp);
		return 0;
	}
	for (int i = 0; i < o->nreports && !*allow; i++) {
		const struct core_report *rep = NULL;
		int r = report_of(rd, o->reports[i], &rep);
		if (r)
			return r;
		if (!rep || rep->community_id != o->community_id)
			continue;
		if (o->comment_id) {
			struct core_comment c;
			memset(&c, 0, sizeof c);
			c.id = o->comment_id;
			c.report_id = rep->id;
			c.author_id = o->author_id;
			c.org_id = o->source_org_id;
			c.tlp = o->tlp;
			*allow = policy_decide_comment(rd->actor, rep, &c, o->source_org_id, rd->act)
					 .allow;
		} else {
			struct policy_item it = policy_item_from_report(rep);
			if (o->tlp > it.tlp)
				it.tlp = o->tlp; /* never looser than the object's own label */
			*allow = policy_decide(rd->actor, &it, rd->act).allow;
		}
		if (*allow)
			return interop_audit_note(rd->audit, "report", rep->id, rep->community_id,
						  o->tlp > rep->tlp ? o->tlp : rep->tlp);
	}
	return 0;
}

void interop_page_release(struct interop_page *page)
{
	if (!page)
		return;
	store_stix_free(page->items, page->n);
	memset(page, 0, sizeof *page);
}

int interop_page_fetch(struct interop_reader *rd, const struct store_stix_query *q, int limit,
		       struct interop_page *page)
{
	struct store_stix_query sq = *q;
	struct store_stix_object *rows = NULL;
	size_t nrows = 0, scanned = 0;
	int r = 0;
	memset(page, 0, sizeof *page);
	if (limit < 1)
		limit = 1;
	if (limit > 1000)
		limit = 1000;
	page->items = kr_calloc((size_t)limit, sizeof *page->items);
	if (!page->items)
		return KR_ENOMEM;
	page->next_seq = sq.after_seq;
	/* Reads one row more than the page to know whether there are more;
	 * when rows are invisible, later rounds read twice as many. */
	sq.limit = limit + 1 > 1000 ? 1000 : limit + 1;
	for (;;) {
		r = store_stix_list(rd->s, &sq, &rows, &nrows);
		if (r)
			goto out;
		for (size_t i = 0; i < nrows; i++) {
			bool allow = false;
			scanned++;
			r = interop_reader_allows(rd, &rows[i], &allow);
			if (r)
				goto out;
			if (!allow)
				continue;
			if (page->n == (size_t)limit) {
				page->more = true; /* next_seq is the last one kept */
				goto out;
			}
			page->items[page->n] = rows[i];
			rows[i].json = NULL; /* moved */
			page->n++;
			page->next_seq = page->items[page->n - 1].seq;
		}
		bool end = nrows < (size_t)sq.limit;
		if (nrows)
			sq.after_seq = rows[nrows - 1].seq;
		sq.limit = sq.limit * 2 > 1000 ? 1000 : sq.limit * 2;
		store_stix_free(rows, nrows);
		rows = NULL;
		nrows = 0;
		if (end)
			break;
		if (scanned >= INTEROP_SCAN_MAX) {
			/* A short page: the reader may see little of this stretch. */
			page->more = true;
			page->next_seq = sq.after_seq;
			break;
		}
	}
out:
	store_stix_free(rows, nrows);
	if (r)
		interop_page_release(page);
	return r;
}
