/* strbuf.c - growable capped buffer. */
#include "util/strbuf.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

void strbuf_init(struct strbuf *sb, size_t max)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->max = max ? max : STRBUF_DEFAULT_MAX;
}

static int grow(struct strbuf *sb, size_t extra)
{
	if (extra > sb->max || sb->len > sb->max - extra)
		return KR_ELIMIT;
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	size_t ncap = sb->cap ? sb->cap : 64;
	while (ncap < need)
		ncap *= 2;
	char *n = kr_realloc(sb->buf, ncap);
	if (!n)
		return KR_ENOMEM;
	sb->buf = n;
	sb->cap = ncap;
	return 0;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t n)
{
	int r = grow(sb, n);
	if (r)
		return r;
	if (n)
		memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_adds(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return KR_EINVAL;
	int r = grow(sb, (size_t)n);
	if (r)
		return r;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_release(struct strbuf *sb)
{
	kr_free(sb->buf);
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	if (!sb->buf) {
		if (grow(sb, 0) || !sb->buf)
			return NULL;
		sb->buf[0] = '\0';
	}
	char *s = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
	return s;
}
