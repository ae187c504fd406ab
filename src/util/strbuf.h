/* strbuf.h - a growable, size-capped byte buffer.
 *
 * Invariants: buf is NUL-terminated whenever buf != NULL; len never exceeds
 * max (the cap set at init). Callers may read buf/len directly but must only
 * change them through these functions. After an error the buffer keeps what
 * it had before the failed call. */
#ifndef KR_STRBUF_H
#define KR_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;
};

#define STRBUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)

/* Initialise an empty buffer that may hold at most max bytes (0 = default). */
void strbuf_init(struct strbuf *sb, size_t max);
/* Append; KR_ELIMIT when the cap would be passed, KR_ENOMEM on allocation failure. */
int strbuf_add(struct strbuf *sb, const void *data, size_t n);
int strbuf_adds(struct strbuf *sb, const char *s);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_reset(struct strbuf *sb);
/* Free the memory; the buffer is empty and reusable afterwards. */
void strbuf_release(struct strbuf *sb);
/* Hand the string to the caller (kr_free) and reset the buffer. Never NULL
 * unless allocation fails. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

#endif
