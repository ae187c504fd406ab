/* digest.c - SHA-1 (FIPS 180-4) and MD5 (RFC 1321), and version 5 UUIDs. */
#include "codec/digest.h"

#include "util/err.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

static uint32_t rol(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

/* ---- SHA-1 ---- */

static uint32_t be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80];
	for (int i = 0; i < 16; i++)
		w[i] = be32(p + 4 * i);
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);

	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999u;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1u;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdcu;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6u;
		}
		uint32_t t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void digest_sha1_init(struct digest_sha1 *c)
{
	c->h[0] = 0x67452301u;
	c->h[1] = 0xefcdab89u;
	c->h[2] = 0x98badcfeu;
	c->h[3] = 0x10325476u;
	c->h[4] = 0xc3d2e1f0u;
	c->total = 0;
	c->used = 0;
}

void digest_sha1_update(struct digest_sha1 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	c->total += len;
	while (len > 0) {
		size_t take = sizeof(c->block) - c->used;
		if (take > len)
			take = len;
		memcpy(c->block + c->used, p, take);
		c->used += take;
		p += take;
		len -= take;
		if (c->used == sizeof(c->block)) {
			sha1_block(c->h, c->block);
			c->used = 0;
		}
	}
}

void digest_sha1_final(struct digest_sha1 *c, unsigned char out[DIGEST_SHA1_LEN])
{
	uint64_t bits = c->total * 8;
	unsigned char pad = 0x80;
	unsigned char zero = 0;
	unsigned char len[8];

	digest_sha1_update(c, &pad, 1);
	while (c->used != 56)
		digest_sha1_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	digest_sha1_update(c, len, sizeof(len));
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void digest_sha1(const void *data, size_t len, unsigned char out[DIGEST_SHA1_LEN])
{
	struct digest_sha1 c;
	digest_sha1_init(&c);
	digest_sha1_update(&c, data, len);
	digest_sha1_final(&c, out);
}

/* ---- MD5 ---- */

/* Per-round shift amounts and the sine-derived constants of RFC 1321. */
static const unsigned md5_shift[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
	4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
	0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
	0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
	0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
	0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
	0xeb86d391,
};

static uint32_t le32(const unsigned char *p)
{
	return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

static void md5_block(uint32_t h[4], const unsigned char *p)
{
	uint32_t m[16];
	for (int i = 0; i < 16; i++)
		m[i] = le32(p + 4 * i);

	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	for (unsigned i = 0; i < 64; i++) {
		uint32_t f;
		unsigned g;
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		uint32_t t = d;
		d = c;
		c = b;
		b = b + rol(a + f + md5_k[i] + m[g], md5_shift[i]);
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

void digest_md5_init(struct digest_md5 *c)
{
	c->h[0] = 0x67452301u;
	c->h[1] = 0xefcdab89u;
	c->h[2] = 0x98badcfeu;
	c->h[3] = 0x10325476u;
	c->total = 0;
	c->used = 0;
}

void digest_md5_update(struct digest_md5 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	c->total += len;
	while (len > 0) {
		size_t take = sizeof(c->block) - c->used;
		if (take > len)
			take = len;
		memcpy(c->block + c->used, p, take);
		c->used += take;
		p += take;
		len -= take;
		if (c->used == sizeof(c->block)) {
			md5_block(c->h, c->block);
			c->used = 0;
		}
	}
}

void digest_md5_final(struct digest_md5 *c, unsigned char out[DIGEST_MD5_LEN])
{
	uint64_t bits = c->total * 8;
	unsigned char pad = 0x80;
	unsigned char zero = 0;
	unsigned char len[8];

	digest_md5_update(c, &pad, 1);
	while (c->used != 56)
		digest_md5_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (8 * i));
	digest_md5_update(c, len, sizeof(len));
	for (int i = 0; i < 4; i++) {
		out[4 * i] = (unsigned char)c->h[i];
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 3] = (unsigned char)(c->h[i] >> 24);
	}
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void digest_md5_hex(const void *data, size_t len, char out[2 * DIGEST_MD5_LEN + 1])
{
	struct digest_md5 c;
	unsigned char d[DIGEST_MD5_LEN];
	digest_md5_init(&c);
	digest_md5_update(&c, data, len);
	digest_md5_final(&c, d);
	to_hex(d, sizeof(d), out);
}

/* ---- UUIDs ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int digest_uuid_parse(const char *s, unsigned char out[16])
{
	size_t k = 0;
	if (!s || strlen(s) != 36)
		return KR_EINVAL;
	for (size_t i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return KR_EINVAL;
			i++;
			continue;
		}
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return KR_EINVAL;
		out[k++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return 0;
}

static void uuid_text(const unsigned char b[16], char out[37])
{
	char hex[33];
	to_hex(b, 16, hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

void digest_uuid5_final(struct digest_sha1 *c, char out[37])
{
	unsigned char d[DIGEST_SHA1_LEN];
	digest_sha1_final(c, d);
	d[6] = (unsigned char)((d[6] & 0x0f) | 0x50); /* version 5 */
	d[8] = (unsigned char)((d[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	uuid_text(d, out);
}

void digest_uuid5(const unsigned char ns[16], const void *name, size_t len, char out[37])
{
	struct digest_sha1 c;
	digest_sha1_init(&c);
	digest_sha1_update(&c, ns, 16);
	digest_sha1_update(&c, name, len);
	digest_uuid5_final(&c, out);
}
