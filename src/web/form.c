/* form.c - decoding of HTML form bodies and encoding of query values. */
#include "web/form.h"
#include "core/model.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdbool.h>
#include <string.h>

#include "util/banned.h"

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

/* Decodes s[0..n) in place into dst (never longer than the source); returns
 * the decoded length or -1 for a malformed escape. */
static long decode(const char *s, size_t n, char *dst)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			dst[o++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return -1;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			dst[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			dst[o++] = s[i];
		}
	}
	dst[o] = '\0';
	return (long)o;
}

int web_form_parse(const char *body, size_t len, struct web_form *f)
{
	memset(f, 0, sizeof *f);
	/* Decoding never grows a part; one extra byte per part for its NUL. */
	f->buf = kr_malloc(len + 2 * WEB_FORM_FIELDS_MAX + 2);
	if (!f->buf)
		return KR_ENOMEM;
	char *w = f->buf;
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && body[end] != '&')
			end++;
		if (end > i) {
			size_t eq = i;
			while (eq < end && body[eq] != '=')
				eq++;
			if (f->n == WEB_FORM_FIELDS_MAX)
				return KR_ELIMIT;
			long kl = decode(body + i, eq - i, w);
			if (kl < 0 || !core_utf8_valid(w, (size_t)kl, false))
				return KR_EINVAL;
			f->keys[f->n] = w;
			w += kl + 1;
			size_t vs = eq < end ? eq + 1 : end;
			long vl = decode(body + vs, end - vs, w);
			if (vl < 0 || !core_utf8_valid(w, (size_t)vl, true))
				return KR_EINVAL;
			f->vals[f->n] = w;
			w += vl + 1;
			f->n++;
		}
		i = end + 1;
	}
	return 0;
}

void web_form_release(struct web_form *f)
{
	kr_free(f->buf);
	memset(f, 0, sizeof *f);
}

const char *web_form_get(const struct web_form *f, const char *key)
{
	for (int i = 0; i < f->n; i++) {
		if (strcmp(f->keys[i], key) == 0)
			return f->vals[i];
	}
	return NULL;
}

int web_form_all(const struct web_form *f, const char *key, const char **vals, int max)
{
	int k = 0;
	for (int i = 0; i < f->n; i++) {
		if (strcmp(f->keys[i], key) != 0)
			continue;
		if (k < max)
			vals[k] = f->vals[i];
		k++;
	}
	return k;
}

int web_url_encode(const char *s, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	if (!n)
		return KR_ELIMIT;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
			     ch == '~';
		if (o + (plain ? 1 : 3) >= n) {
			out[0] = '\0';
			return KR_ELIMIT;
		}
		if (plain) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	return 0;
}
