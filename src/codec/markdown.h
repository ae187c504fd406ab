/* markdown.h - Markdown to safe HTML with cmark: raw HTML is dropped and
 * dangerous link schemes (javascript:, data:, vbscript:) are removed. */
#ifndef KR_MARKDOWN_H
#define KR_MARKDOWN_H

#include <stddef.h>

/* *out receives a NUL-terminated HTML string owned by the caller (kr_free).
 * Returns 0, KR_EINVAL (not UTF-8) or KR_ENOMEM. */
int markdown_to_html(const char *md, size_t len, char **out);

#endif
