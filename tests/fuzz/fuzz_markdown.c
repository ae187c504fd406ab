/* fuzz_markdown.c - libFuzzer target: the Markdown renderer
 * (markdown_to_html), which turns member-written text into HTML shown to
 * every reader.
 *
 * Oracles besides the sanitizers: input that is not UTF-8 text is refused;
 * the HTML is UTF-8 (character references may yield control characters); every tag in it is one of the tags CommonMark writes
 * (no raw HTML passes: script, iframe, style, svg, ... never appear); no
 * attribute starts with "on"; no href or src carries a javascript:,
 * vbscript:, file: or data: target (except raster images: png, gif, jpeg,
 * webp). */
#include "codec/markdown.h"
#include "core/model.h"
#include "util/alloc.h"
#include "util/err.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const allowed_tags[] = {
	"p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "code", "pre", "a", "img",
	"ul", "ol", "li", "blockquote", "hr", "br",
};

static void broken(const char *what, const char *html, size_t at)
{
	size_t from = at > 80 ? at - 80 : 0;
	fprintf(stderr, "markdown: %s near [%.200s]\n", what, html + from);
	abort();
}

static bool tag_allowed(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof allowed_tags / sizeof allowed_tags[0]; i++) {
		if (strlen(allowed_tags[i]) == n && strncmp(allowed_tags[i], name, n) == 0)
			return true;
	}
	return false;
}

/* Scheme check of an attribute value as the browser would read it: entity
 * and blank tricks are resolved by cmark's escaping, so the raw text counts.
 * Raster images are the only data: targets allowed (they cannot script;
 * image/svg+xml can). */
static bool dangerous_target(const char *v, size_t n)
{
	static const char *const bad[] = { "javascript:", "vbscript:", "file:", "data:" };
	static const char *const images[] = { "data:image/png", "data:image/gif",
					      "data:image/jpeg", "data:image/webp" };
	char low[24];
	size_t k = 0;
	for (size_t i = 0; i < n && k < sizeof low - 1; i++) {
		if ((unsigned char)v[i] <= 0x20)
			continue; /* browsers skip blanks and controls in schemes */
		low[k++] = (char)tolower((unsigned char)v[i]);
	}
	low[k] = '\0';
	for (size_t i = 0; i < sizeof images / sizeof images[0]; i++) {
		if (strncmp(low, images[i], strlen(images[i])) == 0)
			return false;
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (strncmp(low, bad[i], strlen(bad[i])) == 0)
			return true;
	}
	return false;
}

static void check_tag(const char *html, size_t at, size_t end)
{
	const char *t = html + at + 1;
	if (*t == '/')
		t++;
	size_t n = 0;
	while (isalnum((unsigned char)t[n]))
		n++;
	if (!tag_allowed(t, n))
		broken("tag outside CommonMark's set", html, at);
	/* attributes: name="value" pairs */
	const char *p = t + n;
	const char *stop = html + end;
	while (p < stop) {
		while (p < stop && (*p == ' ' || *p == '/'))
			p++;
		const char *name = p;
		while (p < stop && (isalnum((unsigned char)*p) || *p == '-'))
			p++;
		size_t nl = (size_t)(p - name);
		if (nl == 0)
			break;
		if (nl >= 2 && strncasecmp(name, "on", 2) == 0)
			broken("event handler attribute", html, at);
		if (p < stop && *p == '=' && p + 1 < stop && p[1] == '"') {
			const char *v = p + 2;
			const char *q = memchr(v, '"', (size_t)(stop - v));
			if (!q)
				broken("unterminated attribute", html, at);
			bool is_src = nl == 3 && strncmp(name, "src", 3) == 0;
			bool is_href = nl == 4 && strncmp(name, "href", 4) == 0;
			if ((is_src || is_href) && dangerous_target(v, (size_t)(q - v)))
				broken("dangerous link target", html, at);
			p = q + 1;
		}
	}
}

/* UTF-8 check that lets control characters pass: a character reference
 * such as &#1; legitimately yields one (harmless in HTML text). */
static bool utf8_ok(const char *s, size_t n)
{
	char *copy = kr_malloc(n + 1);
	if (!copy)
		return true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		copy[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	bool ok = core_utf8_valid(copy, n, false);
	kr_free(copy);
	return ok;
}

static void check_html(const char *html)
{
	size_t n = strlen(html);
	if (!utf8_ok(html, n))
		broken("output is not UTF-8", html, 0);
	static const char omitted[] = "<!-- raw HTML omitted -->";
	for (size_t i = 0; i < n; i++) {
		if (html[i] != '<')
			continue;
		if (strncmp(html + i, omitted, sizeof omitted - 1) == 0) {
			i += sizeof omitted - 2;
			continue;
		}
		const char *gt = strchr(html + i, '>');
		if (!gt)
			broken("unterminated tag", html, i);
		check_tag(html, i, (size_t)(gt - html));
		i = (size_t)(gt - html);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *html = NULL;
	int r = markdown_to_html((const char *)data, size, &html);
	bool text = core_utf8_valid((const char *)data, size, true);
	if (r == KR_EINVAL && text)
		broken("UTF-8 text refused", "", 0);
	if (r == 0 && !text)
		broken("text that is not UTF-8 accepted", "", 0);
	if (r == 0)
		check_html(html);
	kr_free(html);
	return 0;
}
