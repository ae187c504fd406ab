/* i18n.h - the message catalogues of the web interface (nl, en) and dates
 * in the reader's style.
 *
 * A catalogue is UTF-8 text, one "key = text" per line; blank lines and
 * lines starting with '#' are ignored; keys are [a-z0-9_.-]; a key appears
 * once. Texts may hold "{1}".."{4}" for template arguments. Both catalogues
 * must have exactly the same keys (web_i18n_new refuses them otherwise),
 * so a lookup that succeeds in one language succeeds in the other. */
#ifndef KR_WEB_I18N_H
#define KR_WEB_I18N_H

#include "core/model.h"

#include <stddef.h>
#include <stdint.h>

struct web_i18n;

/* Parses the catalogues (texts borrowed only during the call; lengths in
 * bytes). KR_EINVAL with "lang:line: reason" in err for a malformed line, a
 * duplicate key, or a key present in one catalogue only. *out is owned by
 * the caller: web_i18n_free(). */
int web_i18n_new(const char *nl, size_t nl_len, const char *en, size_t en_len,
		 struct web_i18n **out, char *err, size_t errlen);
void web_i18n_free(struct web_i18n *in);

/* The text of key in lang, or NULL when the key is unknown. The pointer
 * stays valid while `in` lives. */
const char *web_i18n_text(const struct web_i18n *in, enum lang lang, const char *key);
/* Number of keys (the same in both languages). */
size_t web_i18n_count(const struct web_i18n *in);

/* Writes ms (UTC milliseconds) as a local date and time in Europe/Amsterdam
 * (CET/CEST by the EU rule) in the style of lang, using the catalogue's
 * "date.month.1".."date.month.12" and "date.pattern" ({d} day, {mon} month
 * name, {y} year, {H}:{M} time): "3 mrt. 2026 14:05" / "3 Mar 2026, 14:05".
 * 0 gives "". Always NUL-terminates out (n > 0). */
void web_date_format(const struct web_i18n *in, enum lang lang, int64_t ms, char *out, size_t n);
/* Offset of Europe/Amsterdam from UTC at the instant ms, in seconds
 * (3600 in winter, 7200 in summer). */
int web_amsterdam_offset(int64_t ms);

#endif
