/* tpl.h - kring's small HTML template engine with automatic escaping.
 *
 * Templates are compiled once (web_tpl_set_add) and rendered against a
 * jansson value tree. Syntax:
 *   {{name}}            value of name, HTML-escaped (& < > " ' become entities)
 *   {{a.b.c}}, {{.}}    dotted paths; "." is the current item of an each
 *   {{raw name}}        value without escaping: ONLY for HTML that kring
 *                       itself produced safely (rendered Markdown, QR SVG)
 *   {{t key}}           text of key from the message catalogue, escaped
 *   {{t key a b}}       the same with "{1}", "{2}" replaced by the escaped
 *                       values of a and b
 *   {{#if name}}..{{else}}..{{/if}}      conditional on the truth of name
 *   {{#unless name}}..{{else}}..{{/unless}}
 *   {{#each name}}..{{else}}..{{/each}}  once per array item (else: empty)
 *   {{> partial}}       another template of the same set, same scope
 *   {{! comment}}       nothing
 * A name is looked up in the innermost scope (each item) first, then
 * outwards. Truth: missing, null, false, "", 0 and [] are false. Numbers
 * print in decimal, true prints "true", false and null print nothing.
 * There is no way to write unescaped text except {{raw}}. The words "t",
 * "raw" and "else" start tags, so they are not variable names. */
#ifndef KR_WEB_TPL_H
#define KR_WEB_TPL_H

#include "util/strbuf.h"

#include <jansson.h>
#include <stddef.h>

#define WEB_TPL_NAME_MAX 64  /* bytes of a name, key or partial name */
#define WEB_TPL_ARGS_MAX 4   /* arguments of {{t key ...}} */
#define WEB_TPL_DEPTH_MAX 24 /* nesting of sections and partials while rendering */

struct web_tpl_set;

/* The catalogue lookup of {{t key}}: the text, or NULL when key is unknown
 * (the key itself is then printed, escaped). */
typedef const char *(*web_tpl_text_fn)(void *arg, const char *key);

/* An empty set; *out is owned by the caller: web_tpl_set_free(). */
int web_tpl_set_new(struct web_tpl_set **out);
void web_tpl_set_free(struct web_tpl_set *set);

/* Compiles text (len bytes, copied) as template name. On a syntax error
 * (unclosed or unmatched section, unknown tag, bad name, too many
 * arguments) returns KR_EINVAL with "name:line: reason" in err. A second
 * template of the same name is KR_ECONFLICT. */
int web_tpl_set_add(struct web_tpl_set *set, const char *name, const char *text, size_t len,
		    char *err, size_t errlen);

/* Checks that every {{> partial}} names a template of the set and that fn
 * knows every {{t key}} (fn NULL: partials only). KR_EINVAL with the first
 * problem in err. */
int web_tpl_set_check(const struct web_tpl_set *set, web_tpl_text_fn fn, void *arg, char *err,
		      size_t errlen);

/* Renders template name with ctx (borrowed) as the outermost scope,
 * appending to out. KR_ENOTFOUND for an unknown template, KR_ELIMIT when out
 * is full or partials nest deeper than WEB_TPL_DEPTH_MAX, KR_ENOMEM.
 * On failure out may hold part of the page. */
int web_tpl_render(const struct web_tpl_set *set, const char *name, json_t *ctx,
		   web_tpl_text_fn text, void *text_arg, struct strbuf *out);

/* Appends s (n bytes) to out with & < > " ' escaped. */
int web_html_escape(struct strbuf *out, const char *s, size_t n);

#endif
