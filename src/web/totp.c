/* totp.c - RFC 6238 codes through liboath, base32 and otpauth:// URIs. */
#include "web/totp.h"
#include "util/err.h"
#include "util/hash.h"

#include <liboath/oath.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

int web_totp_init(void)
{
	return oath_init() == OATH_OK ? 0 : KR_EIO;
}

void web_totp_done(void)
{
	oath_done();
}

int web_totp_code(const unsigned char *key, size_t keylen, int64_t unix_time, unsigned step,
		  unsigned digits, enum web_totp_alg alg, char *out)
{
	int flags = alg == WEB_TOTP_SHA256 ? OATH_TOTP_HMAC_SHA256
		    : alg == WEB_TOTP_SHA512 ? OATH_TOTP_HMAC_SHA512
					     : 0;
	out[0] = '\0';
	if (!key || !keylen || digits < 6 || digits > 8 || step == 0 || unix_time < 0)
		return KR_EINVAL;
	int rc = oath_totp_generate2((const char *)key, keylen, (time_t)unix_time, step, 0, digits,
				     flags, out);
	return rc == OATH_OK ? 0 : KR_EINVAL;
}

int web_totp_verify(const unsigned char *key, size_t keylen, int64_t unix_time,
		    const char *code, int64_t *step_out)
{
	char typed[WEB_TOTP_DIGITS + 1];
	size_t n = 0;
	/* Apps show "123 456"; accept the blanks people copy with it. */
	for (const char *p = code; p && *p; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (*p < '0' || *p > '9' || n == WEB_TOTP_DIGITS)
			return KR_EAUTH;
		typed[n++] = *p;
	}
	typed[n] = '\0';
	if (n != WEB_TOTP_DIGITS)
		return KR_EAUTH;
	int64_t now_step = unix_time / WEB_TOTP_STEP;
	bool found = false;
	int64_t matched = 0;
	/* Every candidate is compared, so the time taken does not tell which
	 * one matched. */
	for (int64_t s = now_step - WEB_TOTP_WINDOW; s <= now_step + WEB_TOTP_WINDOW; s++) {
		char want[WEB_TOTP_DIGITS + 1];
		if (s < 0)
			continue;
		int r = web_totp_code(key, keylen, s * WEB_TOTP_STEP, WEB_TOTP_STEP,
				      WEB_TOTP_DIGITS, WEB_TOTP_SHA1, want);
		if (r)
			return r;
		if (hash_equal_ct(want, typed) && !found) {
			found = true;
			matched = s;
		}
	}
	if (!found)
		return KR_EAUTH;
	*step_out = matched;
	return 0;
}

int web_base32_encode(const unsigned char *in, size_t len, char *out, size_t n)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t need = (len * 8 + 4) / 5;
	if (n < need + 1)
		return KR_ELIMIT;
	size_t o = 0;
	unsigned buf = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alphabet[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(buf << (5 - bits)) & 31];
	out[o] = '\0';
	return 0;
}

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

int web_hex_decode(const char *hex, unsigned char *out, size_t len)
{
	if (strlen(hex) != 2 * len)
		return KR_EINVAL;
	for (size_t i = 0; i < len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return KR_EINVAL;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Appends s percent-encoded (everything but unreserved characters). */
static int pct(char *out, size_t n, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
			     ch == '~';
		if (*o + (plain ? 1 : 3) >= n)
			return KR_ELIMIT;
		if (plain) {
			out[(*o)++] = (char)ch;
		} else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[ch >> 4];
			out[(*o)++] = hex[ch & 15];
		}
	}
	out[*o] = '\0';
	return 0;
}

static int lit(char *out, size_t n, size_t *o, const char *s)
{
	size_t l = strlen(s);
	if (*o + l >= n)
		return KR_ELIMIT;
	memcpy(out + *o, s, l + 1);
	*o += l;
	return 0;
}

int web_totp_uri(const char *issuer, const char *account, const char *b32, char *out,
		 size_t n)
{
	size_t o = 0;
	char tail[64];
	if (!n)
		return KR_ELIMIT;
	out[0] = '\0';
	snprintf(tail, sizeof tail, "&algorithm=SHA1&digits=%d&period=%d", WEB_TOTP_DIGITS,
		 WEB_TOTP_STEP);
	int r = lit(out, n, &o, "otpauth://totp/");
	if (!r)
		r = pct(out, n, &o, issuer);
	if (!r)
		r = lit(out, n, &o, ":");
	if (!r)
		r = pct(out, n, &o, account);
	if (!r)
		r = lit(out, n, &o, "?secret=");
	if (!r)
		r = pct(out, n, &o, b32);
	if (!r)
		r = lit(out, n, &o, "&issuer=");
	if (!r)
		r = pct(out, n, &o, issuer);
	if (!r)
		r = lit(out, n, &o, tail);
	if (r)
		out[0] = '\0';
	return r;
}
