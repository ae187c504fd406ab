/* fuzz_rfc3339.c - libFuzzer target: RFC 3339 times (time_parse_rfc3339).
 *
 * Oracle: an accepted time formats (time_format_rfc3339) to text that
 * parses back to the same millisecond, for every instant in years
 * 0000..9999 (which the format can write). */
#include "util/err.h"
#include "util/timeutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define TEXT_MAX 256
#define MS_YEAR0 (-62167219200000LL)    /* 0000-01-01T00:00:00Z */
#define MS_YEAR10000 (253402300800000LL) /* 10000-01-01T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[TEXT_MAX + 1];
	char text[64];
	int64_t ms = 0, back = 0;
	if (size > TEXT_MAX)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (time_parse_rfc3339(in, &ms) != 0)
		return 0;
	if (ms < MS_YEAR0 || ms >= MS_YEAR10000)
		return 0; /* an offset moved it out of the four-digit years */
	time_format_rfc3339(ms, text, sizeof text);
	if (time_parse_rfc3339(text, &back) != 0 || back != ms) {
		fprintf(stderr, "rfc3339 round trip: [%s] -> %lld -> [%s] -> %lld\n", in,
			(long long)ms, text, (long long)back);
		abort();
	}
	return 0;
}
