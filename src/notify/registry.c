/* registry.c - the constituency registry in memory: organisations with
 * their contacts and routes, and the match index of what they own; routing
 * of findings to recipients and matching of events. */
#include "match/match.h"
#include "notify/notify.h"
#include "util/alloc.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

struct org_entry {
	struct notify_org pub;
	size_t route_start, nroutes;
};

struct contact_entry {
	int64_t org_id;
	size_t seq; /* order added, kept among an organisation's contacts */
	struct notify_contact c;
};

struct route_entry {
	int64_t org_id;
	enum notify_route kind;
	int64_t via;
};

struct notify_registry {
	struct match_builder *mb;
	struct match_index *ix;
	bool built;
	struct org_entry *orgs;
	size_t norgs, caporgs;
	struct contact_entry *contacts;
	size_t ncontacts, capcontacts;
	struct notify_contact *flat; /* contacts by organisation, after build */
	struct route_entry *routes;
	size_t nroutes, caproutes;
};

static const char *const route_names[] = {"direct", "supplier", "linking"};

const char *notify_route_name(enum notify_route r)
{
	return (unsigned)r < NOTIFY_ROUTE__COUNT ? route_names[r] : "unknown";
}

int notify_route_parse(const char *s)
{
	for (int i = 0; s && i < NOTIFY_ROUTE__COUNT; i++) {
		if (strcmp(s, route_names[i]) == 0)
			return i;
	}
	return -1;
}

/* Makes room for one more element of size sz in *arr. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *p = kr_realloc(*arr, ncap * sz);
	if (!p)
		return KR_ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int notify_registry_new(struct notify_registry **out)
{
	struct notify_registry *g = kr_calloc(1, sizeof *g);
	if (!g)
		return KR_ENOMEM;
	int r = match_builder_new(&g->mb);
	if (r) {
		kr_free(g);
		return r;
	}
	*out = g;
	return 0;
}

void notify_registry_free(struct notify_registry *g)
{
	if (!g)
		return;
	match_builder_free(g->mb);
	match_index_unref(g->ix);
	kr_free(g->orgs);
	kr_free(g->contacts);
	kr_free(g->flat);
	kr_free(g->routes);
	kr_free(g);
}

int notify_registry_add_org(struct notify_registry *g, int64_t id, const char *name,
                            enum org_kind kind)
{
	if (!g || g->built || id <= 0 || !name || (unsigned)kind >= ORG_KIND__COUNT)
		return KR_EINVAL;
	int r = grow((void **)&g->orgs, &g->caporgs, g->norgs, sizeof *g->orgs);
	if (r)
		return r;
	struct org_entry *o = &g->orgs[g->norgs++];
	memset(o, 0, sizeof *o);
	o->pub.id = id;
	snprintf(o->pub.name, sizeof o->pub.name, "%s", name);
	o->pub.kind = kind;
	return 0;
}

int notify_registry_add_prefix(struct notify_registry *g, int64_t org, const char *prefix)
{
	if (!g || g->built || !prefix)
		return KR_EINVAL;
	return match_builder_add_prefix(g->mb, prefix, org, 0);
}

int notify_registry_add_asn(struct notify_registry *g, int64_t org, uint32_t asn)
{
	if (!g || g->built)
		return KR_EINVAL;
	return match_builder_add_asn(g->mb, asn, org, 0);
}

int notify_registry_add_domain(struct notify_registry *g, int64_t org, const char *domain)
{
	if (!g || g->built || !domain)
		return KR_EINVAL;
	return match_builder_add_domain(g->mb, domain, org, 0);
}

int notify_registry_add_product(struct notify_registry *g, int64_t org, const char *vendor,
                                const char *product, const char *min_version,
                                const char *max_version)
{
	if (!g || g->built || !vendor || !product)
		return KR_EINVAL;
	struct match_product p = {.vendor = vendor,
	                          .product = product,
	                          .min_version = min_version,
	                          .max_version = max_version};
	return match_builder_add_product(g->mb, &p, org, 0);
}

int notify_registry_add_cpe(struct notify_registry *g, int64_t org, const char *cpe)
{
	if (!g || g->built || !cpe)
		return KR_EINVAL;
	return match_builder_add_cpe(g->mb, cpe, org, 0);
}

int notify_registry_add_route(struct notify_registry *g, int64_t org, enum notify_route kind,
                              int64_t via)
{
	if (!g || g->built || org <= 0 || (unsigned)kind >= NOTIFY_ROUTE__COUNT ||
	    (kind == NOTIFY_DIRECT) != (via == 0) || via < 0 || via == org)
		return KR_EINVAL;
	int r = grow((void **)&g->routes, &g->caproutes, g->nroutes, sizeof *g->routes);
	if (r)
		return r;
	g->routes[g->nroutes++] = (struct route_entry){.org_id = org, .kind = kind, .via = via};
	return 0;
}

int notify_registry_add_contact(struct notify_registry *g, int64_t org,
                                const struct notify_contact *c)
{
	if (!g || g->built || org <= 0 || !c || !c->email[0] || (unsigned)c->lang >= LANG__COUNT)
		return KR_EINVAL;
	int r = grow((void **)&g->contacts, &g->capcontacts, g->ncontacts, sizeof *g->contacts);
	if (r)
		return r;
	struct contact_entry *e = &g->contacts[g->ncontacts];
	e->org_id = org;
	e->seq = g->ncontacts++;
	e->c = *c;
	return 0;
}

static int cmp_org(const void *a, const void *b)
{
	int64_t x = ((const struct org_entry *)a)->pub.id,
	        y = ((const struct org_entry *)b)->pub.id;
	return x < y ? -1 : x > y;
}

static int cmp_contact(const void *a, const void *b)
{
	const struct contact_entry *x = a, *y = b;
	if (x->org_id != y->org_id)
		return x->org_id < y->org_id ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_route(const void *a, const void *b)
{
	const struct route_entry *x = a, *y = b;
	if (x->org_id != y->org_id)
		return x->org_id < y->org_id ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->via < y->via ? -1 : x->via > y->via;
}

static struct org_entry *find_org(const struct notify_registry *g, int64_t id)
{
	/* bsearch wants a valid array even for none; orgs is NULL until the first add */
	if (!g->norgs)
		return NULL;
	struct org_entry key = {.pub.id = id};
	return bsearch(&key, g->orgs, g->norgs, sizeof *g->orgs, cmp_org);
}

int notify_registry_build(struct notify_registry *g)
{
	if (!g || g->built)
		return KR_EINVAL;
	/* qsort wants a valid pointer even for nothing to sort */
	if (g->norgs > 1)
		qsort(g->orgs, g->norgs, sizeof *g->orgs, cmp_org);
	for (size_t i = 1; i < g->norgs; i++) {
		if (g->orgs[i].pub.id == g->orgs[i - 1].pub.id)
			return KR_ECONFLICT;
	}
	if (g->ncontacts > 1)
		qsort(g->contacts, g->ncontacts, sizeof *g->contacts, cmp_contact);
	if (g->nroutes > 1)
		qsort(g->routes, g->nroutes, sizeof *g->routes, cmp_route);
	if (g->ncontacts) {
		g->flat = kr_calloc(g->ncontacts, sizeof *g->flat);
		if (!g->flat)
			return KR_ENOMEM;
	}
	for (size_t i = 0; i < g->ncontacts;) {
		size_t j = i;
		struct org_entry *o = find_org(g, g->contacts[i].org_id);
		while (j < g->ncontacts && g->contacts[j].org_id == g->contacts[i].org_id) {
			g->flat[j] = g->contacts[j].c;
			j++;
		}
		if (o) {
			o->pub.contacts = &g->flat[i];
			o->pub.ncontacts = j - i;
		}
		i = j;
	}
	for (size_t i = 0; i < g->nroutes;) {
		size_t j = i;
		while (j < g->nroutes && g->routes[j].org_id == g->routes[i].org_id)
			j++;
		struct org_entry *o = find_org(g, g->routes[i].org_id);
		if (o) {
			o->route_start = i;
			o->nroutes = j - i;
		}
		i = j;
	}
	int r = match_build(g->mb, &g->ix);
	if (r)
		return r;
	g->built = true;
	return 0;
}

const struct notify_org *notify_registry_org(const struct notify_registry *g, int64_t id)
{
	if (!g || !g->built)
		return NULL;
	const struct org_entry *o = find_org(g, id);
	return o ? &o->pub : NULL;
}

static int add_recipient(struct notify_recipient *out, size_t max, size_t *n, int64_t org,
                         enum notify_route route, enum tlp tlp)
{
	for (size_t i = 0; i < *n; i++) {
		if (out[i].org_id == org && out[i].route == route)
			return 0;
	}
	if (*n >= max)
		return KR_ELIMIT;
	out[(*n)++] = (struct notify_recipient){.org_id = org, .route = route, .tlp = tlp};
	return 0;
}

int notify_recipients(const struct notify_registry *g, int64_t victim, struct notify_recipient *out,
                      size_t max, size_t *n)
{
	if (!g || !g->built || !out || !n)
		return KR_EINVAL;
	*n = 0;
	const struct org_entry *v = find_org(g, victim);
	if (!v)
		return 0;
	enum tlp label = TLP_RED;
	int r = 0;
	if (v->nroutes == 0) {
		/* No route chosen: the organisation itself. */
		if (policy_decide_notify(PNR_DIRECT, true, true, &label).allow)
			r = add_recipient(out, max, n, victim, NOTIFY_DIRECT, label);
		return r;
	}
	for (size_t i = 0; !r && i < v->nroutes; i++) {
		const struct route_entry *rt = &g->routes[v->route_start + i];
		const struct org_entry *via = rt->via ? find_org(g, rt->via) : NULL;
		enum policy_notify_route pr = rt->kind == NOTIFY_SUPPLIER  ? PNR_SUPPLIER
		                              : rt->kind == NOTIFY_LINKING ? PNR_LINKING
		                                                           : PNR_DIRECT;
		bool serves =
		    rt->kind == NOTIFY_DIRECT ||
		    (via && ((rt->kind == NOTIFY_SUPPLIER && via->pub.kind == ORG_SUPPLIER) ||
		             (rt->kind == NOTIFY_LINKING && via->pub.kind == ORG_LINKING)));
		/* The route row is the victim's own choice: its consent. */
		if (!policy_decide_notify(pr, true, serves, &label).allow)
			continue;
		r = add_recipient(out, max, n, rt->kind == NOTIFY_DIRECT ? victim : rt->via,
		                  rt->kind, label);
	}
	return r;
}

/* ---- matching ---- */

/* The subject text and type of an event's address. */
static int address_text(const struct notify_event *ev, char *text, size_t n, enum ind_type *t)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned full = ev->family == 4 ? 32 : 128;
	if (ev->plen > full ||
	    !inet_ntop(ev->family == 4 ? AF_INET : AF_INET6, ev->addr, addr, sizeof addr))
		return KR_EINVAL;
	if (ev->plen == full)
		snprintf(text, n, "%s", addr);
	else
		snprintf(text, n, "%s/%u", addr, ev->plen);
	*t = ev->plen < full ? IND_CIDR : ev->family == 4 ? IND_IPV4 : IND_IPV6;
	return 0;
}

/* The owner of an address, or of a network: the most specific registration
 * that covers all of it. 0 when none. */
static int64_t address_owner(const struct notify_registry *g, const struct notify_event *ev)
{
	struct match_hit hits[MATCH_COVER_MAX];
	unsigned full = ev->family == 4 ? 32 : 128;
	if (ev->plen == full) {
		struct match_hit hit;
		return match_ip_lookup(g->ix, ev->family, ev->addr, &hit) == 0 ? hit.owner : 0;
	}
	int k;
	if (ev->family == 4) {
		uint32_t a = (uint32_t)ev->addr[0] << 24 | (uint32_t)ev->addr[1] << 16 |
		             (uint32_t)ev->addr[2] << 8 | ev->addr[3];
		k = match_ipv4_covering(g->ix, a, hits, MATCH_COVER_MAX);
	} else {
		k = match_ipv6_covering(g->ix, ev->addr, hits, MATCH_COVER_MAX);
	}
	for (int i = 0; i < k; i++) {
		if (hits[i].plen <= ev->plen)
			return hits[i].owner;
	}
	return 0;
}

struct product_walk {
	const char *min, *max;
	int64_t owners[64];
	size_t n;
	bool more;
};

static bool open_bound(const char *v)
{
	return !v || !*v || strcmp(v, "*") == 0;
}

/* Ranges [a1, a2] and [b1, b2] with open ends overlap. */
static int on_product(void *ctx, const struct match_hit *hit, const struct match_product *reg)
{
	struct product_walk *w = ctx;
	if (!open_bound(w->min) && !open_bound(reg->max_version) &&
	    match_version_cmp(reg->max_version, w->min) < 0)
		return 0;
	if (!open_bound(w->max) && !open_bound(reg->min_version) &&
	    match_version_cmp(reg->min_version, w->max) > 0)
		return 0;
	for (size_t i = 0; i < w->n; i++) {
		if (w->owners[i] == hit->owner)
			return 0;
	}
	if (w->n == sizeof w->owners / sizeof w->owners[0]) {
		w->more = true;
		return 0;
	}
	w->owners[w->n++] = hit->owner;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int match_advisory(const struct notify_registry *g, const struct notify_event *ev,
                          notify_victim_fn fn, void *ctx)
{
	struct product_walk *w = kr_calloc(1, sizeof *w);
	if (!w)
		return KR_ENOMEM;
	w->min = ev->min_version;
	w->max = ev->max_version;
	int r = match_product_lookup(g->ix, ev->vendor, ev->product, NULL, on_product, w);
	if (r)
		goto out;
	if (w->n == 0) {
		r = KR_ENOTFOUND;
		goto out;
	}
	qsort(w->owners, w->n, sizeof w->owners[0], cmp_i64);
	for (size_t i = 0; !r && i < w->n; i++)
		r = fn(ctx, w->owners[i], ev->cve, IND_CVE);
out:
	kr_free(w);
	return r;
}

int notify_match(const struct notify_registry *g, const struct notify_event *ev,
                 notify_victim_fn fn, void *ctx)
{
	char subject[MATCH_DOMAIN_MAX + 64];
	char name[MATCH_DOMAIN_MAX + 1];
	enum ind_type type = IND_IPV4;
	bool has_name = false;
	int64_t owner = 0;
	if (!g || !g->built || !ev || !fn)
		return KR_EINVAL;
	if (ev->vendor && ev->product && ev->cve && ev->cve[0])
		return match_advisory(g, ev, fn, ctx);
	if (ev->domain && ev->domain[0])
		has_name = match_domain_normalise(ev->domain, strlen(ev->domain), name) == 0;
	/* The row is reported under its most precise subject, whichever
	 * registration finds the owner. */
	if (ev->family == 4 || ev->family == 6) {
		if (address_text(ev, subject, sizeof subject, &type))
			return KR_EINVAL;
	} else if (has_name) {
		snprintf(subject, sizeof subject, "%s", name);
		type = IND_DOMAIN;
	} else if (ev->asn) {
		snprintf(subject, sizeof subject, "%u", ev->asn);
		type = IND_ASN;
	} else {
		return KR_EINVAL;
	}
	if (ev->family == 4 || ev->family == 6)
		owner = address_owner(g, ev);
	if (!owner && has_name) {
		struct match_hit hit;
		if (match_domain_lookup(g->ix, name, strlen(name), &hit) == 0)
			owner = hit.owner;
	}
	if (!owner && ev->asn) {
		struct match_hit hit;
		if (match_asn_lookup(g->ix, ev->asn, &hit) == 0)
			owner = hit.owner;
	}
	if (!owner)
		return KR_ENOTFOUND;
	return fn(ctx, owner, subject, type);
}
