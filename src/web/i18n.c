/* i18n.c - message catalogues as sorted key tables, looked up by binary
 * search, and locale-style dates in Amsterdam time. */
#include "web/i18n.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

#define KEY_MAX 96
#define ENTRIES_MAX 4096

struct entry {
	char *key;  /* points into the catalogue's copy */
	char *text;
};

struct catalogue {
	char *buf;
	struct entry *e;
	size_t n;
};

struct web_i18n {
	struct catalogue cat[LANG__COUNT];
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

static bool key_ok(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > KEY_MAX)
		return false;
	for (; *k; k++) {
		char ch = *k;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == '.' || ch == '-'))
			return false;
	}
	return true;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int cat_parse(struct catalogue *c, const char *lang, const char *text, size_t len,
		     char *err, size_t errlen)
{
	c->buf = kr_strndup(text, len);
	c->e = kr_calloc(ENTRIES_MAX, sizeof *c->e);
	if (!c->buf || !c->e)
		return KR_ENOMEM;
	int line = 0;
	char *s = c->buf;
	while (*s) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		line++;
		char *l = trim(s);
		s = nl ? nl + 1 : s + strlen(s);
		if (!*l || *l == '#')
			continue;
		char *eq = strchr(l, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: no '=' in the line", lang, line);
			return KR_EINVAL;
		}
		*eq = '\0';
		char *k = trim(l);
		char *v = trim(eq + 1);
		if (!key_ok(k)) {
			snprintf(err, errlen, "%s:%d: bad key", lang, line);
			return KR_EINVAL;
		}
		if (c->n == ENTRIES_MAX) {
			snprintf(err, errlen, "%s:%d: too many keys", lang, line);
			return KR_EINVAL;
		}
		c->e[c->n].key = k;
		c->e[c->n].text = v;
		c->n++;
	}
	qsort(c->e, c->n, sizeof *c->e, cmp_entry);
	for (size_t i = 1; i < c->n; i++) {
		if (strcmp(c->e[i - 1].key, c->e[i].key) == 0) {
			snprintf(err, errlen, "%s: key '%s' appears twice", lang, c->e[i].key);
			return KR_EINVAL;
		}
	}
	return 0;
}

void web_i18n_free(struct web_i18n *in)
{
	if (!in)
		return;
	for (int i = 0; i < LANG__COUNT; i++) {
		kr_free(in->cat[i].buf);
		kr_free(in->cat[i].e);
	}
	kr_free(in);
}

int web_i18n_new(const char *nl, size_t nl_len, const char *en, size_t en_len,
		 struct web_i18n **out, char *err, size_t errlen)
{
	struct web_i18n *in = kr_calloc(1, sizeof *in);
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!in)
		return KR_ENOMEM;
	int r = cat_parse(&in->cat[LANG_NL], "nl", nl, nl_len, err, errlen);
	if (!r)
		r = cat_parse(&in->cat[LANG_EN], "en", en, en_len, err, errlen);
	if (r)
		goto out;
	/* Both sorted: walk them together to find a key missing on one side. */
	const struct catalogue *a = &in->cat[LANG_NL], *b = &in->cat[LANG_EN];
	size_t i = 0, j = 0;
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->e[i].key, b->e[j].key);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		snprintf(err, errlen, "%s: key '%s' is missing", c < 0 ? "en" : "nl",
			 c < 0 ? a->e[i].key : b->e[j].key);
		r = KR_EINVAL;
		goto out;
	}
	*out = in;
	in = NULL;
out:
	web_i18n_free(in);
	return r;
}

const char *web_i18n_text(const struct web_i18n *in, enum lang lang, const char *key)
{
	if (!in || (int)lang < 0 || lang >= LANG__COUNT || !key)
		return NULL;
	const struct catalogue *c = &in->cat[lang];
	struct entry probe = { .key = (char *)key, .text = NULL };
	const struct entry *e = bsearch(&probe, c->e, c->n, sizeof *c->e, cmp_entry);
	return e ? e->text : NULL;
}

size_t web_i18n_count(const struct web_i18n *in)
{
	return in ? in->cat[LANG_EN].n : 0;
}

/* ---- dates ---- */

/* Seconds since the epoch of the last Sunday of month (1-12) of year, 01:00 UTC. */
static int64_t last_sunday_0100_utc(int year, int month)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = month; /* the first day of the next month ... */
	tm.tm_mday = 1;
	time_t t = timegm(&tm) - 86400; /* ... minus one day: the last day of month */
	struct tm last;
	gmtime_r(&t, &last);
	t -= (time_t)last.tm_wday * 86400;
	return (int64_t)t + 3600;
}

int web_amsterdam_offset(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	int year = tm.tm_year + 1900;
	int64_t start = last_sunday_0100_utc(year, 3);
	int64_t end = last_sunday_0100_utc(year, 10);
	return (t >= start && t < end) ? 7200 : 3600;
}

void web_date_format(const struct web_i18n *in, enum lang lang, int64_t ms, char *out, size_t n)
{
	char key[32], num[16];
	if (!n)
		return;
	out[0] = '\0';
	if (!ms)
		return;
	time_t t = (time_t)(ms / 1000 + web_amsterdam_offset(ms));
	struct tm tm;
	gmtime_r(&t, &tm);
	const char *pat = web_i18n_text(in, lang, "date.pattern");
	if (!pat)
		pat = "{d} {mon} {y} {H}:{M}";
	snprintf(key, sizeof key, "date.month.%d", tm.tm_mon + 1);
	const char *mon = web_i18n_text(in, lang, key);
	size_t len = 0;
	for (const char *p = pat; *p && len + 1 < n;) {
		const char *val = NULL;
		size_t skip = 1;
		if (strncmp(p, "{d}", 3) == 0) {
			snprintf(num, sizeof num, "%d", tm.tm_mday);
			val = num;
			skip = 3;
		} else if (strncmp(p, "{mon}", 5) == 0) {
			val = mon ? mon : "";
			skip = 5;
		} else if (strncmp(p, "{y}", 3) == 0) {
			snprintf(num, sizeof num, "%d", tm.tm_year + 1900);
			val = num;
			skip = 3;
		} else if (strncmp(p, "{H}", 3) == 0) {
			snprintf(num, sizeof num, "%02d", tm.tm_hour);
			val = num;
			skip = 3;
		} else if (strncmp(p, "{M}", 3) == 0) {
			snprintf(num, sizeof num, "%02d", tm.tm_min);
			val = num;
			skip = 3;
		}
		if (val) {
			size_t vl = strlen(val);
			if (len + vl >= n)
				break;
			memcpy(out + len, val, vl);
			len += vl;
		} else {
			out[len++] = *p;
		}
		p += skip;
	}
	out[len] = '\0';
}
