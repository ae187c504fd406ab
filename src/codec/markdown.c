/* markdown.c - Markdown to safe HTML with cmark (CommonMark).
 *
 * cmark's default ("safe") mode replaces raw HTML with a comment and drops
 * link and image targets with javascript:, vbscript:, file: and (non-image)
 * data: schemes, so the output can be shown to any reader. */
#include "codec/markdown.h"

#include "core/model.h"
#include "util/alloc.h"
#include "util/err.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

int markdown_to_html(const char *md, size_t len, char **out)
{
	int r = 0;
	char *html = NULL;

	*out = NULL;
	if (!md)
		md = "";
	/* Refuse before cmark sees it: cmark would silently replace bad bytes. */
	if (!core_utf8_valid(md, len, true)) {
		r = KR_EINVAL;
		goto out;
	}
	/* Never CMARK_OPT_UNSAFE: raw HTML and dangerous URLs must not pass. */
	html = cmark_markdown_to_html(md, len, CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
	if (!html) {
		r = KR_ENOMEM;
		goto out;
	}
	size_t n = strlen(html);
	*out = kr_malloc(n + 1);
	if (!*out) {
		r = KR_ENOMEM;
		goto out;
	}
	memcpy(*out, html, n + 1);
out:
	free(html); /* cmark allocates with the libc allocator */
	return r;
}
