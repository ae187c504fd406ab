/* timeutil.c - UTC milliseconds and RFC 3339. */
#include "util/timeutil.h"
#include "util/err.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_format_rfc3339(int64_t ms, char *buf, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	if (frac < 0) {
		frac += 1000;
		s -= 1;
	}
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
 * well-known civil-from-days inverse, written from the formula). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

int time_parse_rfc3339(const char *s, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, se = 0, frac = 0;
	size_t len = strlen(s);
	if (len < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return KR_EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return KR_EINVAL;
	const char *p = s + 10;
	int64_t off = 0;
	if (*p) {
		if ((*p != 'T' && *p != 't' && *p != ' ') || strlen(p) < 9)
			return KR_EINVAL;
		if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi) ||
		    p[6] != ':' || digits(p + 7, 2, &se))
			return KR_EINVAL;
		if (h > 23 || mi > 59 || se > 60)
			return KR_EINVAL;
		p += 9;
		if (*p == '.') {
			p++;
			int nd = 0;
			while (isdigit((unsigned char)*p)) {
				if (nd < 3)
					frac = frac * 10 + (*p - '0');
				nd++;
				p++;
			}
			if (nd == 0 || nd > 9)
				return KR_EINVAL;
			for (; nd < 3; nd++)
				frac *= 10;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			if (strlen(p) != 6 || digits(p + 1, 2, &oh) || p[3] != ':' ||
			    digits(p + 4, 2, &om) || oh > 23 || om > 59)
				return KR_EINVAL;
			off = (int64_t)(oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
			p += 6;
		} else {
			return KR_EINVAL;
		}
		if (*p)
			return KR_EINVAL;
	}
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	*ms = secs * 1000 + frac;
	return 0;
}
