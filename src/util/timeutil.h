/* timeutil.h - wall-clock time as int64 milliseconds since the epoch (UTC)
 * and RFC 3339 text. */
#ifndef KR_TIMEUTIL_H
#define KR_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

int64_t time_now_ms(void);
/* Writes "2026-11-26T07:32:46.123Z" into buf (at least 25 bytes). */
void time_format_rfc3339(int64_t ms, char *buf, size_t n);
/* Parses RFC 3339 ("Z" or +hh:mm offset, optional fraction, or a plain date
 * "YYYY-MM-DD"); 0 on success, KR_EINVAL otherwise. */
int time_parse_rfc3339(const char *s, int64_t *ms);

#endif
