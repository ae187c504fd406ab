/* dsn.c - the notification matching benchmark (run it through bench/dsn/run).
 *
 * Generates a constituency (IPv4 and IPv6 prefixes, domains) and a stream
 * of Shadowserver CSV reports, then measures on one core: index build time
 * and size, IPv4 / IPv6 / domain lookup rates on random input, end-to-end
 * CSV rows per second (read + parse + match + aggregate per owner), and
 * this machine's bound for such lookups: independent random 4-byte reads
 * over a table as large as the IPv4 index, and a dependent pointer chase.
 * Ends with one "key: value" line per figure. */
#include "codec/shadowserver.h"
#include "match/match.h"
#include "match/match_int.h"
#include "util/alloc.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/banned.h"

/* ---- helpers ---- */

static uint64_t rng = 0x243f6a8885a308d3ULL;

static inline uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this process: with other work on the machine, wall time
 * also counts the time the scheduler gave to others. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xalloc(size_t n)
{
	void *p = kr_malloc(n);
	if (!p) {
		fprintf(stderr, "dsn: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

static void check(int r, const char *what)
{
	if (r) {
		fprintf(stderr, "dsn: %s: %s\n", what, kr_strerror(r));
		exit(1);
	}
}

/* A number from /proc/self/status or smaps_rollup, in kB; -1 if absent. */
static long proc_kb(const char *file, const char *key)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return -1;
	char line[256];
	long v = -1;
	size_t kl = strlen(key);
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static volatile uint64_t sink; /* keeps measured loops from being optimised away */

/* ---- the constituency ---- */

struct world {
	double scale;
	size_t n4, n6, ndom, norgs;
	uint32_t *p4; /* registered IPv4 prefixes (address), for drawing addresses */
	uint8_t *l4;
	uint8_t (*p6)[16];
	uint8_t *l6;
	char (*dom)[48];
};

/* Prefix lengths of a constituency: most registrations are /16 to /24
 * blocks, a quarter are small blocks and single hosts, a few are large. */
static unsigned draw_v4_len(void)
{
	unsigned x = (unsigned)(rnd() % 1000);
	if (x < 1)
		return 8;
	if (x < 10)
		return 9 + (unsigned)(rnd() % 7);
	if (x < 50)
		return 16;
	if (x < 150)
		return 17 + (unsigned)(rnd() % 5);
	if (x < 230)
		return 22;
	if (x < 330)
		return 23;
	if (x < 750)
		return 24;
	if (x < 850)
		return 25 + (unsigned)(rnd() % 4);
	if (x < 900)
		return 29;
	if (x < 930)
		return 30;
	if (x < 940)
		return 31;
	return 32;
}

static unsigned draw_v6_len(void)
{
	unsigned x = (unsigned)(rnd() % 100);
	if (x < 5)
		return 19 + (unsigned)(rnd() % 14);
	if (x < 35)
		return 48;
	if (x < 55)
		return 56;
	if (x < 85)
		return 64;
	if (x < 95)
		return 65 + (unsigned)(rnd() % 63);
	return 128;
}

static uint32_t mask4(unsigned len)
{
	return len ? (uint32_t)(0xffffffffULL << (32 - len)) : 0;
}

static void mask6(uint8_t a[16], unsigned len)
{
	for (unsigned b = len; b < 128; b++)
		a[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
}

static void fill_builder(struct world *w, struct match_builder *b)
{
	/* IPv4: a fifth are sub-blocks of an earlier block (a supplier's
	 * client), the rest anywhere in the address space. */
	size_t n = 0;
	while (n < w->n4) {
		uint32_t a;
		unsigned len;
		if (n > 1000 && rnd() % 5 == 0) {
			size_t k = rnd() % n;
			if (w->l4[k] >= 32)
				continue;
			len = w->l4[k] + 1 + (unsigned)(rnd() % 8);
			if (len > 32)
				len = 32;
			a = w->p4[k] | ((uint32_t)rnd() & ~mask4(w->l4[k]));
		} else {
			len = draw_v4_len();
			a = (uint32_t)rnd();
		}
		a &= mask4(len);
		int r = match_builder_add_ipv4(b, a, len, 1 + (int64_t)(rnd() % w->norgs), 0);
		if (r == KR_ECONFLICT)
			continue;
		check(r, "add ipv4");
		w->p4[n] = a;
		w->l4[n] = (uint8_t)len;
		n++;
	}
	/* IPv6: inside a pool of provider /32s in 2000::/3. */
	size_t npool = w->n6 / 5 + 1;
	uint32_t *pool = xalloc(npool * sizeof *pool);
	for (size_t i = 0; i < npool; i++)
		pool[i] = 0x20000000u | ((uint32_t)rnd() & 0x1fffffffu);
	n = 0;
	while (n < w->n6) {
		uint8_t a[16];
		uint64_t r1 = rnd(), r2 = rnd();
		memcpy(a, &r1, 8);
		memcpy(a + 8, &r2, 8);
		uint32_t top = pool[rnd() % npool];
		a[0] = (uint8_t)(top >> 24);
		a[1] = (uint8_t)(top >> 16);
		a[2] = (uint8_t)(top >> 8);
		a[3] = (uint8_t)top;
		unsigned len = draw_v6_len();
		mask6(a, len);
		int r = match_builder_add_ipv6(b, a, len, 1 + (int64_t)(rnd() % w->norgs), 0);
		if (r == KR_ECONFLICT)
			continue;
		check(r, "add ipv6");
		memcpy(w->p6[n], a, 16);
		w->l6[n] = (uint8_t)len;
		n++;
	}
	kr_free(pool);
	/* Domains: names under common TLDs; a fifth are subdomains registered
	 * by another owner. */
	static const char *const tld[] = {"nl", "com", "eu", "org", "net", "be", "de", "frl"};
	n = 0;
	while (n < w->ndom) {
		if (n > 1000 && rnd() % 5 == 0) {
			char base[48];
			memcpy(base, w->dom[rnd() % n], sizeof base);
			if (strlen(base) > 30)
				continue;
			snprintf(w->dom[n], sizeof w->dom[n], "s%u.%s", (unsigned)(rnd() % 100),
			         base);
		} else {
			snprintf(w->dom[n], sizeof w->dom[n], "org%u-%u.%s",
			         (unsigned)(rnd() % 1000000), (unsigned)(rnd() % 100),
			         tld[rnd() % 8]);
		}
		int r = match_builder_add_domain(b, w->dom[n], 1 + (int64_t)(rnd() % w->norgs), 0);
		if (r == KR_ECONFLICT)
			continue;
		check(r, "add domain");
		n++;
	}
	/* A few thousand AS numbers. */
	for (size_t i = 0; i < w->norgs / 20; i++) {
		int r = match_builder_add_asn(b, 1 + (uint32_t)(rnd() % 400000),
		                              1 + (int64_t)(rnd() % w->norgs), 0);
		if (r != KR_ECONFLICT)
			check(r, "add asn");
	}
}

/* ---- address draws ---- */

static uint32_t draw_v4_addr(const struct world *w, bool inside)
{
	if (!inside)
		return (uint32_t)rnd();
	size_t k = rnd() % w->n4;
	return w->p4[k] | ((uint32_t)rnd() & ~mask4(w->l4[k]));
}

static void draw_v6_addr(const struct world *w, bool inside, uint8_t a[16])
{
	uint64_t r1 = rnd(), r2 = rnd();
	memcpy(a, &r1, 8);
	memcpy(a + 8, &r2, 8);
	if (!inside) {
		a[0] = (uint8_t)(0x20 | (a[0] & 0x1f));
		return;
	}
	size_t k = rnd() % w->n6;
	unsigned len = w->l6[k];
	for (unsigned b = 0; b < len; b++) {
		uint8_t bit = (uint8_t)(0x80u >> (b % 8));
		a[b / 8] = (uint8_t)((a[b / 8] & ~bit) | (w->p6[k][b / 8] & bit));
	}
}

/* ---- lookup rates ----
 *
 * Each function times one pass over its input and returns items per
 * second. main() runs every measurement several times, interleaved, and
 * keeps the best: other work on the machine only ever slows a pass down. */

#define BATCH 1024

static double rate_ipv4(const struct match_index *ix, const uint32_t *addr, size_t n)
{
	uint32_t ref[BATCH];
	uint64_t s = 0;
	double t0 = now();
	for (size_t i = 0; i < n; i += BATCH) {
		size_t k = n - i < BATCH ? n - i : BATCH;
		match_ipv4_lookup_batch(ix, addr + i, k, ref);
		s += ref[k - 1] + ref[k / 2];
	}
	double t = now() - t0;
	sink += s;
	return (double)n / t;
}

/* One lookup at a time, for context. */
static double rate_ipv4_single(const struct match_index *ix, const uint32_t *addr, size_t n)
{
	struct match_hit hit;
	uint64_t s = 0;
	double t0 = now();
	for (size_t i = 0; i < n; i++)
		s += (uint64_t)match_ipv4_lookup(ix, addr[i], &hit) + hit.ref;
	double t = now() - t0;
	sink += s;
	return (double)n / t;
}

/* Batched lookups resolved to their owners: one more read per match. */
static double rate_ipv4_owner(const struct match_index *ix, const uint32_t *addr, size_t n)
{
	uint32_t ref[BATCH];
	uint64_t s = 0;
	double t0 = now();
	for (size_t i = 0; i < n; i += BATCH) {
		size_t k = n - i < BATCH ? n - i : BATCH;
		match_ipv4_lookup_batch(ix, addr + i, k, ref);
		for (size_t j = 0; j < k; j++)
			s += (uint64_t)match_ipv4_ref_owner(ix, ref[j]);
	}
	double t = now() - t0;
	sink += s;
	return (double)n / t;
}

static double rate_ipv6(const struct match_index *ix, const uint8_t (*addr)[16], size_t n)
{
	uint32_t ref[BATCH];
	uint64_t s = 0;
	double t0 = now();
	for (size_t i = 0; i < n; i += BATCH) {
		size_t k = n - i < BATCH ? n - i : BATCH;
		match_ipv6_lookup_batch(ix, addr + i, k, ref);
		s += ref[k - 1];
	}
	double t = now() - t0;
	sink += s;
	return (double)n / t;
}

static double rate_domain(const struct match_index *ix, const char *names, const uint32_t *off,
                          size_t n, size_t *found)
{
	struct match_hit hit;
	uint64_t s = 0;
	size_t f = 0;
	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		int r = match_domain_lookup(ix, names + off[i], off[i + 1] - off[i] - 1, &hit);
		if (!r) {
			f++;
			s += (uint64_t)hit.owner;
		}
	}
	double t = now() - t0;
	sink += s;
	*found = f;
	return (double)n / t;
}

/* ---- the memory bound ---- */

struct dram {
	void *base;
	uint32_t *t;
	size_t words, lines;
	uint32_t *idx; /* random word indices, read like the lookup addresses */
	size_t n;
};

static void dram_setup(struct dram *d, size_t bytes, size_t n)
{
	d->words = bytes / 4;
	d->lines = bytes / 64;
	d->n = n;
	d->t = match_big_alloc(d->words * 4, &d->base);
	if (!d->t) {
		fprintf(stderr, "dsn: out of memory for the memory test\n");
		exit(1);
	}
	d->idx = xalloc(n * sizeof *d->idx);
	for (size_t i = 0; i < n; i++)
		d->idx[i] = (uint32_t)(((rnd() >> 32) * d->words) >> 32);
	/* One random cycle through the cache lines (Sattolo's shuffle): the
	 * first word of each line holds the number of the next line. The
	 * other words keep arbitrary values; every page is touched. */
	for (size_t i = 0; i < d->words; i++)
		d->t[i] = (uint32_t)i * 2654435761u;
	uint32_t *perm = xalloc(d->lines * sizeof *perm);
	for (size_t i = 0; i < d->lines; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = d->lines - 1; i > 0; i--) {
		size_t j = rnd() % i;
		uint32_t x = perm[i];
		perm[i] = perm[j];
		perm[j] = x;
	}
	for (size_t i = 0; i < d->lines; i++)
		d->t[i * 16] = perm[i];
	kr_free(perm);
}

static void dram_free(struct dram *d)
{
	kr_free(d->idx);
	kr_free(d->base);
}

/* Independent random 4-byte reads: a plain loop (the core overlaps the
 * misses by itself) or with software prefetch, as the IPv4 batch does. */
static double rate_dram(const struct dram *d, bool prefetch)
{
	const uint32_t *t = d->t, *idx = d->idx;
	size_t n = d->n, i = 0;
	uint64_t s = 0;
	double t0 = now();
	if (prefetch) {
		for (; i + 24 < n; i++) {
			__builtin_prefetch(&t[idx[i + 24]]);
			s += t[idx[i]];
		}
	}
	for (; i < n; i++)
		s += t[idx[i]];
	double el = now() - t0;
	sink += s;
	return (double)n / el;
}

static double rate_chase(const struct dram *d, size_t steps)
{
	uint32_t at = 0;
	double t0 = now();
	for (size_t i = 0; i < steps; i++)
		at = d->t[(size_t)at * 16];
	double el = now() - t0;
	sink += at;
	return (double)steps / el;
}

static void keep_max(double *best, double v)
{
	if (v > *best)
		*best = v;
}

/* ---- the CSV stream ---- */

struct report_kind {
	const char *name;
	const char *header;
	double share;
};

static const struct report_kind reports[] = {
    {"scan_http",
     "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\",\"region\","
     "\"city\",\"naics\",\"sic\",\"http\",\"http_code\",\"http_reason\",\"content_type\","
     "\"connection\",\"www_authenticate\",\"set_cookie\",\"server\",\"content_length\","
     "\"transfer_encoding\",\"http_date\"\n",
     0.5},
    {"event4_sinkhole_http",
     "\"timestamp\",\"protocol\",\"src_ip\",\"src_port\",\"src_asn\",\"src_geo\",\"src_region\","
     "\"src_city\",\"src_hostname\",\"src_naics\",\"src_sector\",\"device_vendor\",\"device_type\","
     "\"device_model\",\"dst_ip\",\"dst_port\",\"dst_asn\",\"dst_geo\",\"dst_region\",\"dst_city\","
     "\"dst_hostname\",\"dst_naics\",\"dst_sector\",\"public_source\",\"infection\",\"family\","
     "\"tag\",\"application\",\"version\",\"event_id\",\"http_url\",\"http_host\",\"http_agent\","
     "\"forwarded_by\",\"ssl_cipher\",\"http_referer\"\n",
     0.3},
    {"event6_sinkhole_http", NULL, 0.1}, /* same header as event4_sinkhole_http */
    {"compromised_website",
     "\"timestamp\",\"ip\",\"port\",\"hostname\",\"tag\",\"application\",\"asn\",\"geo\","
     "\"region\",\"city\",\"url\",\"http_host\",\"category\",\"system\",\"detected_since\","
     "\"server\",\"redirect_target\",\"naics\",\"sic\",\"sector\",\"cc_url\",\"family\"\n",
     0.1},
};

#define NREPORTS (sizeof reports / sizeof reports[0])

static void v4_text(uint32_t a, char *out, size_t n)
{
	snprintf(out, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void v6_text(const uint8_t a[16], char *out, size_t n)
{
	snprintf(out, n, "%x:%x:%x:%x:%x:%x:%x:%x", (a[0] << 8) | a[1], (a[2] << 8) | a[3],
	         (a[4] << 8) | a[5], (a[6] << 8) | a[7], (a[8] << 8) | a[9], (a[10] << 8) | a[11],
	         (a[12] << 8) | a[13], (a[14] << 8) | a[15]);
}

/* Writes rows of report k into path; 70 % of the subjects lie inside the
 * constituency. Returns the bytes written. */
static size_t write_report(const struct world *w, size_t k, size_t rows, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "dsn: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	static char buf[1 << 20];
	setvbuf(f, buf, _IOFBF, sizeof buf);
	const char *header = reports[k].header ? reports[k].header : reports[1].header;
	fputs(header, f);
	static const char *const infections[] = {"andromeda", "necurs", "qakbot",
	                                         "emotet",    "mirai",  "conficker"};
	for (size_t i = 0; i < rows; i++) {
		char ip[64], dst[64];
		bool inside = rnd() % 10 < 7;
		unsigned day = 1 + (unsigned)(rnd() % 28), h = (unsigned)(rnd() % 24),
		         mi = (unsigned)(rnd() % 60), s = (unsigned)(rnd() % 60);
		unsigned asn = 1 + (unsigned)(rnd() % 400000);
		if (k == 2) {
			uint8_t a[16];
			draw_v6_addr(w, inside, a);
			v6_text(a, ip, sizeof ip);
		} else {
			v4_text(draw_v4_addr(w, inside), ip, sizeof ip);
		}
		switch (k) {
		case 0:
			fprintf(f,
			        "\"2024-03-%02u "
			        "%02u:%02u:%02u\",\"%s\",\"tcp\",%u,\"host-%u.example.net\","
			        "\"http\",%u,\"NL\",\"NOORD-HOLLAND\",\"AMSTERDAM\",517311,0,"
			        "\"HTTP/1.1\","
			        "200,\"OK\",\"text/html\",\"close\",,,\"nginx/1.18.0\",%u,,\"Sun, "
			        "%02u Mar "
			        "2024 %02u:%02u:%02u GMT\"\n",
			        day, h, mi, s, ip, 80 + (unsigned)(rnd() % 9000),
			        (unsigned)(rnd() % 100000), asn, (unsigned)(rnd() % 100000), day, h,
			        mi, s);
			break;
		case 1:
		case 2:
			if (k == 1)
				v4_text((uint32_t)rnd(), dst, sizeof dst);
			else
				snprintf(dst, sizeof dst, "2001:db8::%x",
				         (unsigned)(rnd() % 65536));
			fprintf(
			    f,
			    "\"2024-03-%02u "
			    "%02u:%02u:%02u\",\"tcp\",\"%s\",%u,%u,\"NL\",\"UTRECHT\","
			    "\"UTRECHT\",,517311,\"Communications, Service Provider, and Hosting "
			    "Service\",,,,\"%s\",80,8075,\"US\",\"VIRGINIA\",\"ASHBURN\",,334111,"
			    "\"Information\",\"CWG\",\"%s\",\"%s\",,,,,\"/gate.php?id=%u\","
			    "\"c2-%u.example.com\",\"Mozilla/4.0 (compatible; MSIE 7.0)\",,,\n",
			    day, h, mi, s, ip, 1024 + (unsigned)(rnd() % 60000), asn, dst,
			    infections[rnd() % 6], infections[rnd() % 6],
			    (unsigned)(rnd() % 1000000), (unsigned)(rnd() % 1000));
			break;
		default: {
			const char *host = w->dom[rnd() % w->ndom];
			char other[64];
			/* The site's address and its name are drawn apart: some
			 * sites are found only by name. */
			v4_text(draw_v4_addr(w, rnd() % 2), ip, sizeof ip);
			if (!inside) {
				snprintf(other, sizeof other, "site%u.example",
				         (unsigned)(rnd() % 1000000));
				host = other;
			}
			fprintf(f,
			        "\"2024-03-%02u "
			        "%02u:%02u:%02u\",\"%s\",80,\"www.%s\",\"hacked-webserver\","
			        "\"http\",%u,\"NL\",\"ZUID-HOLLAND\",\"DEN "
			        "HAAG\",\"/wp-includes/x.php\","
			        "\"www.%s\",\"spam\",\"LINUX\",\"2024-02-01 "
			        "00:00:00\",\"Apache/2.4.41\",,"
			        "518210,0,,,\n",
			        day, h, mi, s, ip, host, asn, host);
			break;
		}
		}
	}
	long size = ftell(f);
	if (fclose(f) != 0 || size < 0) {
		fprintf(stderr, "dsn: cannot write %s\n", path);
		exit(1);
	}
	return (size_t)size;
}

/* Per-owner aggregate: rows per report kind, in an open-addressing table. */
struct agg_slot {
	int64_t owner;
	uint32_t rows[NREPORTS];
};

/* Rows wait in a small batch so that their lookups overlap in memory. */
#define PENDING 512

struct pending {
	int family;
	uint8_t addr[16];
	size_t hostlen;
	char host[MATCH_DOMAIN_MAX + 2];
};

struct e2e {
	const struct match_index *ix;
	size_t kind;
	struct agg_slot *slot;
	size_t mask, owners;
	uint64_t events, rejected, matched, via_domain;
	struct pending *p;
	size_t np;
	int64_t owner[PENDING];
};

static void aggregate(struct e2e *e, int64_t owner)
{
	size_t s = (size_t)match_mix64((uint64_t)owner) & e->mask;
	while (e->slot[s].owner && e->slot[s].owner != owner)
		s = (s + 1) & e->mask;
	if (!e->slot[s].owner) {
		e->slot[s].owner = owner;
		e->owners++;
	}
	e->slot[s].rows[e->kind]++;
}

static void flush(struct e2e *e)
{
	uint32_t a4[PENDING], r4[PENDING], r6[PENDING];
	uint8_t a6[PENDING][16];
	size_t i4[PENDING], i6[PENDING], n4 = 0, n6 = 0;
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	for (size_t i = 0; i < e->np; i++) {
		const struct pending *q = &e->p[i];
		e->owner[i] = 0;
		const uint8_t *b = q->addr;
		if (q->family == 6 && memcmp(b, mapped, 12)) {
			memcpy(a6[n6], b, 16);
			i6[n6++] = i;
			continue;
		}
		if (q->family == 6)
			b += 12;
		if (q->family) {
			a4[n4] = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
			         ((uint32_t)b[2] << 8) | b[3];
			i4[n4++] = i;
		}
	}
	if (n4)
		match_ipv4_lookup_batch(e->ix, a4, n4, r4);
	if (n6)
		match_ipv6_lookup_batch(e->ix, (const uint8_t(*)[16])a6, n6, r6);
	for (size_t k = 0; k < n4; k++)
		e->owner[i4[k]] = match_ipv4_ref_owner(e->ix, r4[k]);
	for (size_t k = 0; k < n6; k++)
		e->owner[i6[k]] = match_ipv6_ref_owner(e->ix, r6[k]);
	for (size_t i = 0; i < e->np; i++) {
		const struct pending *q = &e->p[i];
		if (!e->owner[i] && q->hostlen) {
			struct match_hit hit;
			if (!match_domain_lookup(e->ix, q->host, q->hostlen, &hit)) {
				e->owner[i] = hit.owner;
				e->via_domain++;
			}
		}
		if (e->owner[i]) {
			e->matched++;
			aggregate(e, e->owner[i]);
		}
	}
	e->np = 0;
}

static int on_event(void *ctx, const struct shadow_event *ev)
{
	struct e2e *e = ctx;
	struct pending *q = &e->p[e->np++];
	e->events++;
	q->family = ev->ip.family;
	memcpy(q->addr, ev->ip.addr, 16);
	size_t hl = strlen(ev->hostname);
	q->hostlen = hl <= MATCH_DOMAIN_MAX + 1 ? hl : 0;
	memcpy(q->host, ev->hostname, q->hostlen);
	if (e->np == PENDING)
		flush(e);
	return 0;
}

static int on_reject(void *ctx, const struct shadow_reject *rj)
{
	struct e2e *e = ctx;
	e->rejected++;
	if (e->rejected <= 3)
		fprintf(stderr, "dsn: rejected row %llu: %s\n", (unsigned long long)rj->row,
		        rj->reason);
	return 0;
}

static void read_report(struct e2e *e, const char *path, const char *hint)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "dsn: cannot read %s: %s\n", path, strerror(errno));
		exit(1);
	}
	struct shadow_handler h = {on_event, on_reject, e};
	struct shadow_options opt = {.hint = hint};
	struct shadow_reader *r;
	check(shadow_reader_new(&opt, &h, &r), "reader");
	static char buf[1 << 20];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		check(shadow_reader_feed(r, buf, (size_t)n), "feed");
	}
	check(shadow_reader_finish(r), "finish");
	flush(e);
	shadow_reader_free(r);
	close(fd);
}

/* ---- main ---- */

static void usage(void)
{
	fprintf(stderr,
	        "usage: dsn [--scale F] [--dir DIR] [--keep]\n"
	        "  --scale F  fraction of the full size (1 = 1 000 000 IPv4 prefixes,\n"
	        "             100 000 IPv6 prefixes, 500 000 domains, 10 000 000 rows)\n"
	        "  --dir DIR  where the CSV stream is written (default: a new folder in $TMPDIR)\n"
	        "  --keep     leave the CSV files there\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double scale = 1.0;
	const char *dir = NULL;
	bool keep = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--scale") && i + 1 < argc) {
			char *end;
			scale = strtod(argv[++i], &end);
			if (*end || scale <= 0 || scale > 10)
				usage();
		} else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--keep")) {
			keep = true;
		} else {
			usage();
		}
	}
	char tmpl[4096];
	if (!dir) {
		const char *tmp = getenv("TMPDIR");
		snprintf(tmpl, sizeof tmpl, "%s/kring-dsn.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		dir = mkdtemp(tmpl);
		if (!dir) {
			fprintf(stderr, "dsn: cannot make a folder: %s\n", strerror(errno));
			return 1;
		}
	} else if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "dsn: cannot make %s: %s\n", dir, strerror(errno));
		return 1;
	}

	struct world w = {.scale = scale};
	w.n4 = (size_t)(1000000 * scale);
	w.n6 = (size_t)(100000 * scale);
	w.ndom = (size_t)(500000 * scale);
	w.norgs = (size_t)(200000 * scale) + 1;
	size_t nrows = (size_t)(10000000 * scale);
	w.p4 = xalloc(w.n4 * sizeof *w.p4);
	w.l4 = xalloc(w.n4);
	w.p6 = xalloc(w.n6 * sizeof *w.p6);
	w.l6 = xalloc(w.n6);
	w.dom = xalloc(w.ndom * sizeof *w.dom);
	printf("kring dsn benchmark, scale %g: %zu IPv4 prefixes, %zu IPv6 prefixes, %zu domains, "
	       "%zu CSV rows, one core\n",
	       scale, w.n4, w.n6, w.ndom, nrows);

	/* Build: registrations into the builder, then the index. */
	struct match_builder *b;
	check(match_builder_new(&b), "builder");
	double t0 = now();
	fill_builder(&w, b);
	double t_fill = now() - t0;
	t0 = now();
	struct match_index *ix;
	check(match_build(b, &ix), "build");
	double t_build = now() - t0;
	struct match_stats st;
	match_index_stats(ix, &st);
	double mb = 1024.0 * 1024.0;
	printf("\n[index]\n");
	printf("  registrations: %zu IPv4, %zu IPv6, %zu domains, %zu ASNs\n", st.n.ipv4, st.n.ipv6,
	       st.n.domain, st.n.asn);
	printf("  generate + add to builder: %.2f s (includes drawing the random constituency)\n",
	       t_fill);
	printf("  build index:               %.2f s\n", t_build);
	printf("  index memory: %.1f MB (IPv4 %.1f MB of which lookup tables %.1f MB with %zu "
	       "second-level groups; IPv6 %.1f MB, %zu intervals; domains %.1f MB)\n",
	       (double)st.total_bytes / mb, (double)st.ipv4_bytes / mb,
	       (double)st.ipv4_table_bytes / mb, st.ipv4_groups, (double)st.ipv6_bytes / mb,
	       st.ipv6_intervals, (double)st.domain_bytes / mb);
	/* Rebuild once from the same builder: the cost of a registry change. */
	t0 = now();
	struct match_index *ix2;
	check(match_build(b, &ix2), "rebuild");
	double t_rebuild = now() - t0;
	match_index_unref(ix2);
	printf("  rebuild after a change:    %.2f s\n", t_rebuild);

	/* Lookups and the memory bound, interleaved, best of several rounds. */
	size_t nq = 8u << 20;
	uint32_t *a4 = xalloc(nq * sizeof *a4);
	for (size_t i = 0; i < nq; i++)
		a4[i] = (uint32_t)rnd();
	size_t nq6 = 2u << 20;
	uint8_t(*a6)[16] = xalloc(nq6 * sizeof *a6);
	for (size_t i = 0; i < nq6; i++)
		draw_v6_addr(&w, i % 4 != 0, a6[i]);
	size_t nqd = 1u << 20;
	uint32_t *doff = xalloc((nqd + 1) * sizeof *doff);
	char *dnames = xalloc(nqd * 64);
	size_t at = 0;
	for (size_t i = 0; i < nqd; i++) {
		doff[i] = (uint32_t)at;
		int len;
		uint64_t x = rnd() % 10;
		if (x < 8)
			len = snprintf(dnames + at, 64, "host%u.%s", (unsigned)(rnd() % 1000),
			               w.dom[rnd() % w.ndom]);
		else if (x < 9)
			len = snprintf(dnames + at, 64, "%s", w.dom[rnd() % w.ndom]);
		else
			len = snprintf(dnames + at, 64, "www.unregistered%u.example",
			               (unsigned)(rnd() % 1000000));
		at += (size_t)len + 1;
	}
	doff[nqd] = (uint32_t)at;
	struct dram dr, d24;
	dram_setup(&dr, st.ipv4_bytes, nq);
	dram_setup(&d24, ((size_t)1 << 24) * sizeof(uint32_t), nq);
	double v4 = 0, v4_single = 0, v4_owner = 0, v6 = 0, vd = 0;
	double dram_plain = 0, dram_pref = 0, chase = 0, t24_plain = 0, t24_pref = 0;
	size_t dfound = 0;
	long huge = -1;
	const int rounds = 5;
	for (int round = 0; round < rounds; round++) {
		keep_max(&v4, rate_ipv4(ix, a4, nq));
		keep_max(&dram_plain, rate_dram(&dr, false));
		keep_max(&dram_pref, rate_dram(&dr, true));
		keep_max(&t24_plain, rate_dram(&d24, false));
		keep_max(&t24_pref, rate_dram(&d24, true));
		keep_max(&v4_single, rate_ipv4_single(ix, a4, nq / 4));
		keep_max(&v4_owner, rate_ipv4_owner(ix, a4, nq));
		keep_max(&v6, rate_ipv6(ix, (const uint8_t(*)[16])a6, nq6));
		keep_max(&vd, rate_domain(ix, dnames, doff, nqd, &dfound));
		keep_max(&chase, rate_chase(&dr, 1u << 20));
		if (round == 0)
			huge = proc_kb("/proc/self/smaps_rollup", "AnonHugePages");
	}
	double dram = dram_plain > dram_pref ? dram_plain : dram_pref;
	double dram24 = t24_plain > t24_pref ? t24_plain : t24_pref;
	printf("\n[lookups, one core, random input; best of %d rounds]\n", rounds);
	printf("  IPv4: %.1f M/s batched (uniform random addresses); %.1f M/s one at a time; "
	       "%.1f M/s batched and resolved to the owner\n",
	       v4 / 1e6, v4_single / 1e6, v4_owner / 1e6);
	printf("  IPv6: %.1f M/s batched (3/4 of the addresses inside registered prefixes)\n",
	       v6 / 1e6);
	printf("  domains: %.2f M/s (%.0f %% found; names 1-2 labels below a registration)\n",
	       vd / 1e6, 100.0 * (double)dfound / (double)nqd);
	printf("\n[memory bound, table of %.1f MB = the IPv4 index; best of %d rounds]\n",
	       (double)st.ipv4_bytes / mb, rounds);
	printf("  independent random 4-byte reads: %.1f M/s (plain loop %.1f M/s, with prefetch "
	       "%.1f M/s)\n",
	       dram / 1e6, dram_plain / 1e6, dram_pref / 1e6);
	printf("  dependent pointer chase: %.1f M/s (%.1f ns per read)\n", chase / 1e6,
	       1e9 / chase);
	printf(
	    "  for comparison, random reads over 64 MiB (the first-level table alone): %.1f M/s\n",
	    dram24 / 1e6);
	printf("  IPv4 lookups / random reads: %.2f\n", v4 / dram);
	if (huge >= 0)
		printf("  huge pages: %.0f MB (index and this table both asked for them)\n",
		       (double)huge / 1024.0);
	dram_free(&dr);
	dram_free(&d24);
	kr_free(a4);
	kr_free(a6);
	kr_free(doff);
	kr_free(dnames);

	/* End to end: write the reports, then read, parse, match, aggregate. */
	char path[NREPORTS][4200];
	size_t rows[NREPORTS], bytes = 0, total_rows = 0;
	t0 = now();
	for (size_t k = 0; k < NREPORTS; k++) {
		rows[k] = (size_t)((double)nrows * reports[k].share);
		if (k == NREPORTS - 1)
			rows[k] = nrows - total_rows;
		total_rows += rows[k];
		snprintf(path[k], sizeof path[k], "%s/2024-03-01-%s-nl.csv", dir, reports[k].name);
		bytes += write_report(&w, k, rows[k], path[k]);
	}
	double t_gen = now() - t0;
	struct e2e e = {.ix = ix};
	size_t aslots = 16;
	while (aslots < 2 * w.norgs)
		aslots *= 2;
	e.slot = kr_calloc(aslots, sizeof *e.slot);
	if (!e.slot)
		check(KR_ENOMEM, "aggregate");
	e.mask = aslots - 1;
	e.p = xalloc(PENDING * sizeof *e.p);
	t0 = now();
	double c0 = cpu_now();
	for (size_t k = 0; k < NREPORTS; k++) {
		e.kind = k;
		read_report(&e, path[k], path[k]);
	}
	double t_e2e = now() - t0;
	double c_e2e = cpu_now() - c0;
	double csv_rate = (double)total_rows / t_e2e;
	double csv_cpu_rate = (double)total_rows / c_e2e;
	printf("\n[end to end: read + parse + match + aggregate per owner]\n");
	printf("  stream: %zu rows in %zu reports, %.0f MB (written in %.1f s, not counted)\n",
	       total_rows, NREPORTS, (double)bytes / mb, t_gen);
	printf(
	    "  %.2f s (%.2f s of CPU): %.0f rows/s (%.0f per CPU second), %.0f MB/s; %llu events, "
	    "%llu rejected, %llu matched "
	    "(%llu by domain), %zu owners\n",
	    t_e2e, c_e2e, csv_rate, csv_cpu_rate, (double)bytes / mb / t_e2e,
	    (unsigned long long)e.events, (unsigned long long)e.rejected,
	    (unsigned long long)e.matched, (unsigned long long)e.via_domain, e.owners);
	if (!keep) {
		for (size_t k = 0; k < NREPORTS; k++)
			unlink(path[k]);
		if (dir == tmpl)
			rmdir(dir);
	}
	long hwm = proc_kb("/proc/self/status", "VmHWM");
	double peak = hwm > 0 ? (double)hwm / 1024.0 : 0;

	printf("\n");
	printf("build_s: %.3f\n", t_fill + t_build);
	printf("index_build_only_s: %.3f\n", t_build);
	printf("index_mb: %.1f\n", (double)st.total_bytes / mb);
	printf("ipv4_index_mb: %.1f\n", (double)st.ipv4_bytes / mb);
	printf("ipv4_lookups_per_s: %.0f\n", v4);
	printf("ipv4_single_lookups_per_s: %.0f\n", v4_single);
	printf("ipv4_owner_lookups_per_s: %.0f\n", v4_owner);
	printf("ipv6_lookups_per_s: %.0f\n", v6);
	printf("domain_lookups_per_s: %.0f\n", vd);
	printf("csv_rows_per_s: %.0f\n", csv_rate);
	printf("csv_rows_per_cpu_s: %.0f\n", csv_cpu_rate);
	printf("dram_random_reads_per_s: %.0f\n", dram);
	printf("dram_random_reads_t24_per_s: %.0f\n", dram24);
	printf("dram_chase_per_s: %.0f\n", chase);
	printf("ipv4_vs_dram_ratio: %.3f\n", v4 / dram);
	printf("peak_rss_mb: %.1f\n", peak);

	kr_free(e.slot);
	kr_free(e.p);
	match_index_unref(ix);
	match_builder_free(b);
	kr_free(w.p4);
	kr_free(w.l4);
	kr_free(w.p6);
	kr_free(w.l6);
	kr_free(w.dom);
	return 0;
}
