/* log.c - timestamped records on stderr; one fprintf per record so lines from
 * several threads do not interleave. */
#include "util/log.h"
#include "util/timeutil.h"

#include <stdarg.h>
#include <stdio.h>

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level min)
{
	min_level = min;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	if (lvl < min_level)
		return;
	char ts[40];
	char msg[1024];
	time_format_rfc3339(time_now_ms(), ts, sizeof ts);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s %s\n", ts, names[lvl], msg);
}
