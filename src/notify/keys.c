/* keys.c - the de-duplication and idempotency keys of notifications, and
 * the CSV line writer of the rows. */
#include "notify/notify.h"
#include "util/err.h"
#include "util/hash.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* Fields are joined with the unit separator, which no normalised value
 * holds, so two different tuples never give one text. */
static void key_of(struct strbuf *sb, char out[65])
{
	if (sb->buf)
		hash_sha256_hex(sb->buf, sb->len, out);
	else
		hash_sha256_hex("", 0, out);
	strbuf_release(sb);
}

void notify_row_key(const char *event_type, const char *subject, int port, const char *detail,
                    char out[65])
{
	struct strbuf sb;
	strbuf_init(&sb, 0);
	/* A failed append only weakens de-duplication; the key is still made. */
	(void)strbuf_addf(&sb, "row\x1f%s\x1f%s\x1f%d\x1f%s", event_type ? event_type : "",
	                  subject ? subject : "", port, detail ? detail : "");
	key_of(&sb, out);
}

void notify_sent_key(int64_t recipient, enum notify_route route, int64_t victim,
                     const char *row_key, char out[65])
{
	struct strbuf sb;
	strbuf_init(&sb, 0);
	(void)strbuf_addf(&sb, "sent\x1f%" PRId64 "\x1f%s\x1f%" PRId64 "\x1f%s", recipient,
	                  notify_route_name(route), victim, row_key ? row_key : "");
	key_of(&sb, out);
}

void notify_message_key(const char *input_hash, int64_t recipient, enum notify_route route,
                        enum lang lang, char out[65])
{
	struct strbuf sb;
	strbuf_init(&sb, 0);
	(void)strbuf_addf(&sb, "message\x1f%s\x1f%" PRId64 "\x1f%s\x1f%s",
	                  input_hash ? input_hash : "", recipient, notify_route_name(route),
	                  lang_name(lang));
	key_of(&sb, out);
}

/* Would a spreadsheet read the field as a formula? */
static bool formula_like(const char *f)
{
	if (f[0] == '=' || f[0] == '+' || f[0] == '@' || f[0] == '\t' || f[0] == '\r')
		return true;
	return f[0] == '-' && !(f[1] >= '0' && f[1] <= '9');
}

int notify_csv_line(struct strbuf *sb, const char *const *field, size_t n)
{
	int r = 0;
	for (size_t i = 0; !r && i < n; i++) {
		const char *f = field[i] ? field[i] : "";
		bool formula = formula_like(f);
		bool quote = formula || strpbrk(f, ",\"\r\n") != NULL;
		if (i)
			r = strbuf_add(sb, ",", 1);
		if (!r && quote)
			r = strbuf_add(sb, "\"", 1);
		if (!r && formula)
			r = strbuf_add(sb, "'", 1);
		for (const char *p = f; !r && *p; p++) {
			r = strbuf_add(sb, p, 1);
			if (!r && *p == '"')
				r = strbuf_add(sb, "\"", 1);
		}
		if (!r && quote)
			r = strbuf_add(sb, "\"", 1);
	}
	return r;
}
