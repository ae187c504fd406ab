/* fuzz_shadowserver.c - libFuzzer target: Shadowserver report CSVs
 * (shadow_reader_*: header recognition, column mapping, row checks).
 *
 * Input: one byte choosing the piece sizes the input is fed in, one byte
 * choosing a type hint (or none), then the report. Oracles besides the
 * sanitizers: feeding the report in one piece and in pieces gives the same
 * events, rejections and statistics; an event names an address, hostname
 * or ASN; addresses have family 4 or 6 with a prefix length that fits;
 * ports are -1 or 0..65535; a rejection reason is one line of printable
 * ASCII; events + rejections = rows. */
#include "codec/shadowserver.h"
#include "util/err.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define FUZZ_INPUT_MAX (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, uint64_t row)
{
	fprintf(stderr, "shadowserver: %s (row %llu)\n", what, (unsigned long long)row);
	abort();
}

static void hash_u64(crypto_hash_sha256_state *st, uint64_t v)
{
	crypto_hash_sha256_update(st, (const unsigned char *)&v, sizeof v);
}

static void hash_str(crypto_hash_sha256_state *st, const char *s)
{
	crypto_hash_sha256_update(st, (const unsigned char *)s, strlen(s) + 1);
}

static void check_ip(const struct shadow_ip *ip, bool required, uint64_t row)
{
	if (ip->family == 0 && !required)
		return;
	if ((ip->family == 4 && ip->plen <= 32) || (ip->family == 6 && ip->plen <= 128))
		return;
	broken("address with a bad family or prefix length", row);
}

static void hash_ip(crypto_hash_sha256_state *st, const struct shadow_ip *ip)
{
	hash_u64(st, (uint64_t)ip->family);
	hash_u64(st, ip->plen);
	crypto_hash_sha256_update(st, ip->addr, sizeof ip->addr);
}

static int on_event(void *ctx, const struct shadow_event *ev)
{
	crypto_hash_sha256_state *st = ctx;
	check_ip(&ev->ip, false, ev->row);
	check_ip(&ev->dst, false, ev->row);
	if (ev->ip.family == 0 && !ev->hostname[0] && ev->asn == 0)
		broken("event without address, hostname or ASN", ev->row);
	if (ev->port < -1 || ev->port > 65535 || ev->dst_port < -1 || ev->dst_port > 65535)
		broken("port out of range", ev->row);
	if (!ev->type || !ev->type->type)
		broken("event without a type", ev->row);
	hash_u64(st, ev->row);
	hash_u64(st, ev->line);
	hash_str(st, ev->type->type);
	hash_u64(st, (uint64_t)ev->time_ms);
	hash_ip(st, &ev->ip);
	hash_ip(st, &ev->dst);
	hash_u64(st, (uint64_t)(int64_t)ev->port);
	hash_u64(st, (uint64_t)(int64_t)ev->dst_port);
	hash_u64(st, ev->asn);
	const char *texts[] = { ev->geo, ev->hostname, ev->tag, ev->infection, ev->family,
				ev->protocol, ev->severity, ev->url, ev->application };
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		hash_str(st, texts[i]);
	hash_u64(st, ev->nfields);
	for (size_t i = 0; i < ev->nfields; i++)
		hash_str(st, ev->field[i]);
	return 0;
}

static int on_reject(void *ctx, const struct shadow_reject *rj)
{
	crypto_hash_sha256_state *st = ctx;
	if (!rj->reason || !rj->reason[0])
		broken("rejection without a reason", rj->row);
	for (const char *p = rj->reason; *p; p++) {
		if (*p < 0x20 || *p > 0x7e)
			broken("rejection reason is not one line of printable ASCII", rj->row);
	}
	hash_u64(st, rj->row);
	hash_u64(st, rj->line);
	hash_str(st, rj->reason);
	return 0;
}

static void run(const char *hint, const uint8_t *body, size_t len, uint8_t seed,
		unsigned char digest[crypto_hash_sha256_BYTES])
{
	crypto_hash_sha256_state st;
	struct shadow_reader *r = NULL;
	struct shadow_options opt;
	struct shadow_stats stats;
	struct shadow_handler h = { on_event, on_reject, &st };
	memset(&opt, 0, sizeof opt);
	opt.hint = hint;
	crypto_hash_sha256_init(&st);
	if (shadow_reader_new(&opt, &h, &r) != 0)
		broken("reader not created", 0);
	size_t pos = 0;
	unsigned k = seed;
	int rc = 0;
	while (pos < len && rc == 0) {
		size_t n = seed ? 1 + (k % 89) : len - pos;
		k = k * 1103515245u + 12345u;
		if (n > len - pos)
			n = len - pos;
		rc = shadow_reader_feed(r, body + pos, n);
		pos += n;
	}
	if (rc == 0)
		rc = shadow_reader_finish(r);
	if (rc != 0 && rc != KR_EINVAL)
		broken("unexpected status", 0);
	hash_u64(&st, (uint64_t)(int64_t)rc);
	shadow_reader_stats(r, &stats);
	if (stats.events + stats.rejected != stats.rows)
		broken("events + rejected != rows", stats.rows);
	hash_u64(&st, stats.rows);
	hash_u64(&st, stats.events);
	hash_u64(&st, stats.rejected);
	const struct shadow_detection *d = shadow_reader_detection(r);
	hash_str(&st, d ? d->type : "-");
	shadow_reader_free(r);
	crypto_hash_sha256_final(&st, digest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hints[] = {
		NULL, "2021-03-04-event4_microsoft_sinkhole-nl.csv", "scan_http", "scan_ssl_poodle",
		"event4_sinkhole_http", "botnet_drone", "compromised_website", "blocklist",
	};
	unsigned char whole[crypto_hash_sha256_BYTES], pieces[crypto_hash_sha256_BYTES];
	if (size < 2 || size > FUZZ_INPUT_MAX)
		return 0;
	const char *hint = hints[data[1] % (sizeof hints / sizeof hints[0])];
	run(hint, data + 2, size - 2, 0, whole);
	run(hint, data + 2, size - 2, (uint8_t)(data[0] | 1), pieces);
	if (memcmp(whole, pieces, sizeof whole) != 0)
		broken("reading in pieces gives other results than reading at once", 0);
	return 0;
}
