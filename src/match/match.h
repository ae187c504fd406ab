/* match.h - the matching engine: which registered owner does an IPv4 or
 * IPv6 address, an AS number, a domain name or a product version belong to.
 *
 * Pure: no I/O, no SQL, no TLP. The constituency registry (in the store) is
 * loaded into a struct match_builder, a mutable set of registrations; the
 * builder makes an immutable struct match_index that any number of threads
 * may query at once. A registry change is applied to the builder and a new
 * index is built and published through a struct match_slot; readers keep
 * the index they took (reference counted) until they drop it.
 *
 * Registrations. Each registration carries an owner id (int64, > 0: the
 * organisation) and a 32-bit payload the caller defines (e.g. route flags);
 * both come back with every hit. IP prefixes, AS numbers and domains are
 * exclusive: one owner per exact prefix / ASN / name. They may overlap
 * (a supplier's block and a client's sub-block, example.nl and
 * shop.example.nl): a lookup answers the most specific registration, and
 * the *_covering() calls answer the whole chain of covering registrations,
 * most specific first, so that a supplier can be informed as relay for its
 * client. Products are not exclusive: any number of owners may register a
 * range of versions of one product, and a lookup answers all of them.
 *
 * Addresses. IPv4 addresses are uint32_t in host order (192.0.2.1 is
 * 0xc0000201); IPv6 addresses are 16 bytes in network order.
 *
 * Limits: at most MATCH_MAX_ENTRIES registrations of each kind; domain
 * names at most MATCH_DOMAIN_MAX bytes; vendor, product and version texts
 * at most MATCH_TEXT_MAX bytes.
 *
 * Status: 0, or KR_EINVAL (malformed input), KR_ECONFLICT (the exact
 * prefix / ASN / name is registered to another owner or with another
 * payload), KR_ENOTFOUND (nothing registered or matched), KR_ELIMIT,
 * KR_ENOMEM. Documented in docs/internals/match.md. */
#ifndef KR_MATCH_H
#define KR_MATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MATCH_MAX_ENTRIES ((size_t)0x7ffffffe)
#define MATCH_DOMAIN_MAX  253
#define MATCH_TEXT_MAX    255
#define MATCH_COVER_MAX   129 /* longest possible covering chain (IPv6 /0../128) */

/* One answer. ref numbers the registration inside its kind (1..n, 0 = none)
 * and is stable for the life of the index. */
struct match_hit {
	int64_t owner;
	uint32_t payload;
	uint32_t ref;
	unsigned plen;    /* IPv4/IPv6: prefix length of the registration */
	uint8_t addr[16]; /* IPv4/IPv6: the registered prefix, network order;
	                   * IPv4 uses the first 4 bytes */
	const char *name; /* domain: the registered name (lower case), borrowed
	                   * from the index; NULL for other kinds */
};

/* A product registration: vendor and product are compared case-insensitively
 * with spaces read as '_' (CPE spelling); min_version and max_version bound an
 * inclusive range, NULL or "" or "*" meaning unbounded on that side. */
struct match_product {
	const char *vendor;
	const char *product;
	const char *min_version;
	const char *max_version;
};

/* ---- the builder: a mutable set of registrations ---- */

struct match_builder;

/* *out is owned by the caller: match_builder_free(). */
int match_builder_new(struct match_builder **out);
void match_builder_free(struct match_builder *b);

/* Adding a registration that is already there with the same owner and
 * payload is a no-op; with another owner or payload it is KR_ECONFLICT
 * (remove it first to change it). Removing one that is not there is
 * KR_ENOTFOUND. Prefixes must have their host bits clear (KR_EINVAL);
 * owner must be > 0. */
int match_builder_add_ipv4(struct match_builder *b, uint32_t addr, unsigned plen, int64_t owner,
                           uint32_t payload);
int match_builder_remove_ipv4(struct match_builder *b, uint32_t addr, unsigned plen);
int match_builder_add_ipv6(struct match_builder *b, const uint8_t addr[16], unsigned plen,
                           int64_t owner, uint32_t payload);
int match_builder_remove_ipv6(struct match_builder *b, const uint8_t addr[16], unsigned plen);
/* Text form: "192.0.2.0/24", "2001:db8::/32", or a bare address (/32, /128). */
int match_builder_add_prefix(struct match_builder *b, const char *text, int64_t owner,
                             uint32_t payload);
int match_builder_remove_prefix(struct match_builder *b, const char *text);
/* asn 1..4294967295. */
int match_builder_add_asn(struct match_builder *b, uint32_t asn, int64_t owner, uint32_t payload);
int match_builder_remove_asn(struct match_builder *b, uint32_t asn);
/* name: a domain (see match_domain_normalise); it covers its subdomains. */
int match_builder_add_domain(struct match_builder *b, const char *name, int64_t owner,
                             uint32_t payload);
int match_builder_remove_domain(struct match_builder *b, const char *name);
/* A product registration is identified by (vendor, product, min, max, owner). */
int match_builder_add_product(struct match_builder *b, const struct match_product *p, int64_t owner,
                              uint32_t payload);
int match_builder_remove_product(struct match_builder *b, const struct match_product *p,
                                 int64_t owner);
/* A CPE 2.3 formatted string or CPE 2.2 URI (match_cpe_parse): its version,
 * or every version when the CPE's version is ANY ('*'), NA ('-') or absent. */
int match_builder_add_cpe(struct match_builder *b, const char *cpe, int64_t owner,
                          uint32_t payload);
int match_builder_remove_cpe(struct match_builder *b, const char *cpe, int64_t owner);

struct match_counts {
	size_t ipv4, ipv6, asn, domain, product;
};
void match_builder_counts(const struct match_builder *b, struct match_counts *out);

/* ---- the immutable index ---- */

struct match_index;

/* Builds an index of everything in b (b is not changed and may be edited and
 * built again). *out holds one reference owned by the caller. */
int match_build(const struct match_builder *b, struct match_index **out);
/* Reference counting; both are thread-safe. The last unref frees. NULL is ignored. */
void match_index_ref(struct match_index *ix);
void match_index_unref(struct match_index *ix);

struct match_stats {
	struct match_counts n;   /* registrations of each kind */
	size_t ipv4_bytes;       /* whole IPv4 index: tables + registrations */
	size_t ipv4_table_bytes; /* the part a lookup reads: 2^24 first-level
	                          * entries and the second-level groups */
	size_t ipv4_groups;      /* second-level groups of 256 entries */
	size_t ipv6_bytes, ipv6_intervals;
	size_t asn_bytes, domain_bytes, product_bytes;
	size_t total_bytes;
};
void match_index_stats(const struct match_index *ix, struct match_stats *out);

/* IPv4. lookup: 0 and *hit, or KR_ENOTFOUND. */
int match_ipv4_lookup(const struct match_index *ix, uint32_t addr, struct match_hit *hit);
/* n lookups at once, overlapping their memory reads: ref[i] receives the
 * ref of the most specific registration covering addr[i], 0 for none. */
void match_ipv4_lookup_batch(const struct match_index *ix, const uint32_t *addr, size_t n,
                             uint32_t *ref);
/* The registration behind a ref: 0, or KR_ENOTFOUND for 0 / out of range. */
int match_ipv4_ref_hit(const struct match_index *ix, uint32_t ref, struct match_hit *hit);
/* Owner of a ref (0 for ref 0): one read, for hot loops. */
int64_t match_ipv4_ref_owner(const struct match_index *ix, uint32_t ref);
/* The chain of registrations covering addr, most specific first: writes at
 * most max hits into out and returns how many it wrote (0 = none); the
 * chain is cut after max entries. Negative KR_EINVAL when out is NULL and
 * max > 0. */
int match_ipv4_covering(const struct match_index *ix, uint32_t addr, struct match_hit *out,
                        size_t max);

/* IPv6: as for IPv4. */
int match_ipv6_lookup(const struct match_index *ix, const uint8_t addr[16], struct match_hit *hit);
void match_ipv6_lookup_batch(const struct match_index *ix, const uint8_t (*addr)[16], size_t n,
                             uint32_t *ref);
int match_ipv6_ref_hit(const struct match_index *ix, uint32_t ref, struct match_hit *hit);
int64_t match_ipv6_ref_owner(const struct match_index *ix, uint32_t ref);
int match_ipv6_covering(const struct match_index *ix, const uint8_t addr[16], struct match_hit *out,
                        size_t max);

/* Either family: family 4 (addr has 4 bytes, network order) or 6 (16
 * bytes); an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked up as
 * IPv4. 0, KR_ENOTFOUND, KR_EINVAL (other family). */
int match_ip_lookup(const struct match_index *ix, int family, const uint8_t *addr,
                    struct match_hit *hit);

/* ASN: 0 and *hit, or KR_ENOTFOUND. */
int match_asn_lookup(const struct match_index *ix, uint32_t asn, struct match_hit *hit);

/* Domains: name[0..len) is matched case-insensitively, a trailing dot
 * ignored; the registration of the name itself or of its longest
 * registered parent domain wins. 0, KR_ENOTFOUND, KR_EINVAL (not a domain
 * name). hit->name points into the index. */
int match_domain_lookup(const struct match_index *ix, const char *name, size_t len,
                        struct match_hit *hit);
/* All registrations covering name, most specific first, as
 * match_ipv4_covering; negative KR_EINVAL for a malformed name. */
int match_domain_covering(const struct match_index *ix, const char *name, size_t len,
                          struct match_hit *out, size_t max);

/* Products. fn is called once for every registration of (vendor, product)
 * whose range contains version (version NULL, "" or "*": every registration
 * of the product), in no particular order; hit->owner/payload/ref are set,
 * reg points at the registration's texts inside the index. A non-zero
 * return of fn stops the walk and is returned. Returns 0 when the walk
 * completed (also when nothing matched), KR_EINVAL for bad texts. */
typedef int (*match_product_fn)(void *ctx, const struct match_hit *hit,
                                const struct match_product *reg);
int match_product_lookup(const struct match_index *ix, const char *vendor, const char *product,
                         const char *version, match_product_fn fn, void *ctx);
/* The same for the vendor, product and version of a CPE (match_cpe_parse). */
int match_cpe_lookup(const struct match_index *ix, const char *cpe, match_product_fn fn, void *ctx);

/* ---- publishing: the current index of a process ---- */

/* A slot holds the current index. get() takes a reference (caller unrefs);
 * set() publishes a new index atomically (taking over the caller's
 * reference) and drops the slot's reference to the old one, which is freed
 * once its last reader lets go. */
struct match_slot {
	pthread_mutex_t lock;
	struct match_index *ix;
	uint64_t generation; /* number of set() calls */
};
void match_slot_init(struct match_slot *s);
/* Drops the current index. */
void match_slot_destroy(struct match_slot *s);
/* The current index with a reference for the caller, or NULL when none was set. */
struct match_index *match_slot_get(struct match_slot *s);
void match_slot_set(struct match_slot *s, struct match_index *ix);

/* ---- helpers ---- */

/* Parses "a.b.c.d[/n]" or an IPv6 text "x::y[/n]": *family 4 or 6, addr
 * (network order; 4 or 16 bytes used), *plen (32 or 128 without "/n").
 * KR_EINVAL for anything else, also for host bits set beyond the length. */
int match_parse_prefix(const char *text, int *family, uint8_t addr[16], unsigned *plen);

/* Writes the canonical form of a domain name into out (MATCH_DOMAIN_MAX + 1
 * bytes): lower case, trailing dot removed. A name is 1..253 bytes of labels
 * of 1..63 bytes, each of letters, digits, '-', '_' or bytes >= 0x80. 0 or
 * KR_EINVAL. */
int match_domain_normalise(const char *in, size_t len, char out[MATCH_DOMAIN_MAX + 1]);

/* Compares dotted versions: components split on '.', '-', '_', '+'; each
 * compares by its leading number (any length), then by the rest of it
 * (case-insensitive; "" sorts first, so 1.0.2 < 1.0.2a); a component without
 * a number sorts below every number (1.0.rc1 < 1.0); missing components
 * count as 0 (1.2 == 1.2.0). Returns <0, 0, >0. NULL counts as "". */
int match_version_cmp(const char *a, const char *b);

/* A parsed CPE: vendor, product and version unescaped; version is "" when
 * the CPE says ANY ('*'), NA ('-') or has no version. */
struct match_cpe {
	char part; /* 'a', 'o' or 'h' */
	char vendor[MATCH_TEXT_MAX + 1];
	char product[MATCH_TEXT_MAX + 1];
	char version[MATCH_TEXT_MAX + 1];
};
/* Reads "cpe:2.3:a:vendor:product:version:..." (backslash escapes) or
 * "cpe:/a:vendor:product:version..." (percent escapes). Vendor and product
 * must be given (not ANY/NA). 0 or KR_EINVAL. */
int match_cpe_parse(const char *cpe, struct match_cpe *out);

#endif
