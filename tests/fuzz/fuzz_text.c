/* fuzz_text.c - libFuzzer target: UTF-8 validation (core_utf8_valid) and
 * personal e-mail addresses (core_email_normalise).
 *
 * Oracles: core_utf8_valid agrees with an independent decoder written from
 * RFC 3629 (shortest form, no surrogates, at most U+10FFFF) plus kring's
 * control-character rule, for both newline settings; an accepted e-mail
 * address is lower-case, fits CORE_EMAIL_MAX, has one '@', is accepted
 * again unchanged, and its local part is no functional mailbox. */
#include "core/model.h"
#include "util/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define EMAIL_IN_MAX 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes one code point at s[i..n); returns its length or 0 when invalid. */
static size_t decode(const uint8_t *s, size_t i, size_t n, uint32_t *cp)
{
	uint8_t c = s[i];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n - i < len)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[i + k] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i + k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static bool reference_valid(const uint8_t *s, size_t n, bool newlines)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = decode(s, i, n, &cp);
		if (!k)
			return false;
		if (cp == '\t' || ((cp == '\n' || cp == '\r') && newlines)) {
			i += k;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f)
			return false;
		i += k;
	}
	return true;
}

static const char *const functional[] = {
	"info", "security", "abuse", "admin", "postmaster", "noreply", "no-reply",
	"helpdesk", "support", "contact", "office", "soc", "cert", "csirt",
};

static void check_email(const uint8_t *data, size_t size)
{
	char in[EMAIL_IN_MAX + 1];
	char out[CORE_EMAIL_MAX + 1];
	char again[CORE_EMAIL_MAX + 1];
	const char *why = NULL;
	if (size > EMAIL_IN_MAX)
		return;
	memcpy(in, data, size);
	in[size] = '\0';
	if (core_email_normalise(in, out, &why) != 0) {
		if (!why) {
			fprintf(stderr, "e-mail refused without a reason: [%s]\n", in);
			abort();
		}
		return;
	}
	size_t n = strnlen(out, sizeof out);
	const char *at = strchr(out, '@');
	bool bad = n == sizeof out || n == 0 || !at || strchr(at + 1, '@');
	for (size_t i = 0; !bad && i < n; i++)
		bad = out[i] >= 'A' && out[i] <= 'Z';
	size_t llen = at ? strcspn(out, "@+") : 0;
	for (size_t i = 0; !bad && i < sizeof functional / sizeof functional[0]; i++)
		bad = strlen(functional[i]) == llen && memcmp(functional[i], out, llen) == 0;
	if (!bad)
		bad = core_email_normalise(out, again, &why) != 0 || strcmp(out, again) != 0;
	if (bad) {
		fprintf(stderr, "e-mail normalisation broken: [%s] -> [%.*s]\n", in,
			(int)(n < sizeof out ? n : 0), out);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int nl = 0; nl < 2; nl++) {
		bool got = core_utf8_valid((const char *)data, size, nl);
		bool want = reference_valid(data, size, nl);
		if (got != want) {
			fprintf(stderr, "core_utf8_valid(newlines=%d) = %d, reference %d\n", nl, got,
				want);
			abort();
		}
	}
	check_email(data, size);
	return 0;
}
