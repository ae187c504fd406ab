/* form.h - application/x-www-form-urlencoded request bodies. */
#ifndef KR_WEB_FORM_H
#define KR_WEB_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_FORM_FIELDS_MAX 256

struct web_form {
	int n;
	const char *keys[WEB_FORM_FIELDS_MAX]; /* point into buf */
	const char *vals[WEB_FORM_FIELDS_MAX];
	char *buf;                             /* owned decoded copy */
};

/* Decodes body (len bytes: "a=1&b=x+y%21"; '+' is a space) into f. Every
 * key and value must be valid UTF-8 without NUL or control characters other
 * than tab, CR and LF. KR_EINVAL for bad encoding, KR_ELIMIT for more than
 * WEB_FORM_FIELDS_MAX fields, KR_ENOMEM. f owns a copy: web_form_release(),
 * also after a failure. */
int web_form_parse(const char *body, size_t len, struct web_form *f);
void web_form_release(struct web_form *f);
/* First value of key, or NULL. */
const char *web_form_get(const struct web_form *f, const char *key);
/* Up to max values of key, in order, into vals; returns how many there are
 * in all (may exceed max). */
int web_form_all(const struct web_form *f, const char *key, const char **vals, int max);

/* Percent-encodes s for a URL query value into out (n bytes); KR_ELIMIT
 * when it does not fit (out is then ""). */
int web_url_encode(const char *s, char *out, size_t n);

#endif
