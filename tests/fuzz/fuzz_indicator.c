/* fuzz_indicator.c - libFuzzer target: indicator normalisation of every
 * type (core_indicator_normalise).
 *
 * Input: one byte choosing the type (modulo the number of types), then the
 * value. Oracles besides the sanitizers: a normalised value is non-empty,
 * fits CORE_INDICATOR_MAX, is single-line UTF-8, and normalising it again
 * accepts it unchanged (the canonical form is a fixed point). */
#include "core/model.h"
#include "util/err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define VALUE_MAX (CORE_INDICATOR_MAX + 64)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, enum ind_type t, const char *in, const char *out)
{
	fprintf(stderr, "indicator %s: %s\n  input  [%s]\n  output [%s]\n", ind_type_name(t), what,
		in, out);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[VALUE_MAX + 1];
	char out[CORE_INDICATOR_MAX + 1];
	char again[CORE_INDICATOR_MAX + 1];
	const char *why = NULL;
	if (size < 1 || size - 1 > VALUE_MAX)
		return 0;
	enum ind_type t = (enum ind_type)(data[0] % IND__COUNT);
	/* The value is a C string: it ends at the first NUL, as it would from JSON. */
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	memset(out, 0x5a, sizeof out);
	if (core_indicator_normalise(t, in, out, &why) != 0) {
		if (!why)
			broken("refused without a reason", t, in, "");
		return 0;
	}
	size_t n = strnlen(out, sizeof out);
	if (n == sizeof out)
		broken("output not terminated", t, in, "");
	if (n == 0)
		broken("empty canonical form", t, in, out);
	if (!core_utf8_valid(out, n, false))
		broken("canonical form is not single-line UTF-8", t, in, out);
	why = NULL;
	if (core_indicator_normalise(t, out, again, &why) != 0)
		broken(why ? why : "canonical form refused", t, in, out);
	if (strcmp(out, again) != 0)
		broken("canonical form is not a fixed point", t, out, again);
	return 0;
}
