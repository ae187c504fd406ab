/* fuzz_csv.c - libFuzzer target: the streaming CSV reader (csv_reader_*).
 *
 * Input: one byte choosing the piece sizes the input is fed in, one byte
 * choosing the options (delimiter, small record and field limits), then
 * the CSV bytes. Oracles besides the sanitizers: feeding the input in one
 * piece and in pieces gives the same records, rejections and statistics
 * (the reader is a stream: where the reads split must not matter); every
 * accepted record's fields are UTF-8 text without NUL or control
 * characters other than tab and line breaks, and their lengths are right;
 * every rejected record has a reason and no fields. */
#include "codec/csv.h"
#include "core/model.h"
#include "util/err.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define FUZZ_INPUT_MAX (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, uint64_t record)
{
	fprintf(stderr, "csv: %s (record %llu)\n", what, (unsigned long long)record);
	abort();
}

static void hash_u64(crypto_hash_sha256_state *st, uint64_t v)
{
	crypto_hash_sha256_update(st, (const unsigned char *)&v, sizeof v);
}

static int on_record(void *ctx, const struct csv_record *rec)
{
	crypto_hash_sha256_state *st = ctx;
	hash_u64(st, rec->number);
	hash_u64(st, rec->line);
	hash_u64(st, rec->nfields);
	hash_u64(st, rec->terminated);
	if (rec->error) {
		if (!rec->error[0] || rec->nfields)
			broken("rejected record without a reason or with fields", rec->number);
		crypto_hash_sha256_update(st, (const unsigned char *)rec->error,
					  strlen(rec->error) + 1);
		return 0;
	}
	for (size_t i = 0; i < rec->nfields; i++) {
		const char *f = rec->field[i];
		if (strlen(f) != rec->len[i])
			broken("field length differs from its text", rec->number);
		if (!core_utf8_valid(f, rec->len[i], true))
			broken("accepted field is not UTF-8 text", rec->number);
		hash_u64(st, rec->len[i]);
		crypto_hash_sha256_update(st, (const unsigned char *)f, rec->len[i]);
	}
	return 0;
}

/* Reads body in pieces of the sizes chosen by seed (0: one piece); returns
 * the digest of everything the reader reported. */
static void run(const struct csv_options *opt, const uint8_t *body, size_t len, uint8_t seed,
		unsigned char digest[crypto_hash_sha256_BYTES])
{
	crypto_hash_sha256_state st;
	struct csv_reader *r = NULL;
	struct csv_stats stats;
	crypto_hash_sha256_init(&st);
	if (csv_reader_new(opt, on_record, &st, &r) != 0)
		broken("reader not created", 0);
	size_t pos = 0;
	unsigned k = seed;
	while (pos < len) {
		size_t n = seed ? 1 + (k % 97) : len - pos;
		k = k * 1103515245u + 12345u;
		if (n > len - pos)
			n = len - pos;
		if (csv_reader_feed(r, body + pos, n) != 0)
			broken("feed failed", 0);
		pos += n;
	}
	if (csv_reader_finish(r) != 0)
		broken("finish failed", 0);
	csv_reader_stats(r, &stats);
	if (stats.bytes != len || stats.rejected > stats.records)
		broken("statistics do not add up", stats.records);
	hash_u64(&st, stats.records);
	hash_u64(&st, stats.rejected);
	hash_u64(&st, stats.lines);
	csv_reader_free(r);
	crypto_hash_sha256_final(&st, digest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delimiters[] = { ',', ';', '\t', '|' };
	unsigned char whole[crypto_hash_sha256_BYTES], pieces[crypto_hash_sha256_BYTES];
	struct csv_options opt;
	if (size < 2 || size > FUZZ_INPUT_MAX)
		return 0;
	memset(&opt, 0, sizeof opt);
	opt.delimiter = delimiters[data[1] & 3];
	if (data[1] & 4)
		opt.max_record = 16 + (size_t)(data[1] >> 3) * 8; /* reach the over-long path */
	if (data[1] & 8)
		opt.max_fields = 1 + (data[1] >> 4);
	run(&opt, data + 2, size - 2, 0, whole);
	run(&opt, data + 2, size - 2, (uint8_t)(data[0] | 1), pieces);
	if (memcmp(whole, pieces, sizeof whole) != 0)
		broken("reading in pieces gives other records than reading at once", 0);
	return 0;
}
