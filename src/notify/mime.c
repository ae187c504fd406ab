/* mime.c - a notification as an RFC 5322 / MIME message: headers (with
 * RFC 2047 encoded words where the text is not ASCII), a quoted-printable
 * text part and base64 attachments, CRLF line ends throughout. */
#include "notify/notify.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool header_ok(const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\r' || *s == '\n' || *s == '\0')
			return false;
	}
	return s != NULL;
}

static bool is_ascii(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s >= 0x7f || (unsigned char)*s < 0x20)
			return false;
	}
	return true;
}

static int b64_add(struct strbuf *sb, const unsigned char *p, size_t n)
{
	char q[4];
	int r = 0;
	for (size_t i = 0; !r && i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64[(v >> 18) & 63];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		r = strbuf_add(sb, q, 4);
	}
	return r;
}

/* Encoded words of at most 45 bytes of text each (a 72-character word),
 * cut at character boundaries, folded onto continuation lines. */
static int encoded_words(struct strbuf *sb, const char *s)
{
	size_t len = strlen(s);
	int r = 0;
	for (size_t i = 0; !r && i < len;) {
		size_t n = len - i > 45 ? 45 : len - i;
		while (n > 1 && i + n < len && ((unsigned char)s[i + n] & 0xc0) == 0x80)
			n--;
		if (i)
			r = strbuf_adds(sb, "\r\n ");
		if (!r)
			r = strbuf_adds(sb, "=?UTF-8?B?");
		if (!r)
			r = b64_add(sb, (const unsigned char *)s + i, n);
		if (!r)
			r = strbuf_adds(sb, "?=");
		i += n;
	}
	return r;
}

/* A From value: a non-ASCII display name becomes encoded words. */
static int address_header(struct strbuf *sb, const char *name, const char *v)
{
	int r = strbuf_addf(sb, "%s: ", name);
	const char *lt = strchr(v, '<');
	if (r || is_ascii(v) || !lt)
		return r ? r : strbuf_addf(sb, "%s\r\n", v);
	size_t n = (size_t)(lt - v);
	while (n && v[n - 1] == ' ')
		n--;
	char phrase[320];
	snprintf(phrase, sizeof phrase, "%.*s", (int)n, v);
	r = encoded_words(sb, phrase);
	if (!r)
		r = strbuf_addf(sb, " %s\r\n", lt);
	return r;
}

static int qp_add(struct strbuf *sb, const char *text, size_t len)
{
	char line[80];
	size_t ll = 0;
	int r = 0;
	for (size_t i = 0; !r && i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		char enc[4];
		size_t el;
		if (c == '\n' || (c == '\r' && i + 1 < len && text[i + 1] == '\n')) {
			if (c == '\r')
				i++;
			/* trailing blanks of a line are encoded */
			if (ll && (line[ll - 1] == ' ' || line[ll - 1] == '\t')) {
				unsigned char t = (unsigned char)line[--ll];
				r = strbuf_add(sb, line, ll);
				if (!r)
					r = strbuf_addf(sb, "=%02X", t);
				ll = 0;
			} else {
				r = strbuf_add(sb, line, ll);
				ll = 0;
			}
			if (!r)
				r = strbuf_add(sb, "\r\n", 2);
			continue;
		}
		if ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t') {
			enc[0] = (char)c;
			el = 1;
		} else {
			snprintf(enc, sizeof enc, "=%02X", c);
			el = 3;
		}
		if (ll + el > 75) {
			r = strbuf_add(sb, line, ll);
			if (!r)
				r = strbuf_add(sb, "=\r\n", 3);
			ll = 0;
		}
		memcpy(line + ll, enc, el);
		ll += el;
	}
	if (!r && ll) {
		r = strbuf_add(sb, line, ll);
		if (!r && (line[ll - 1] == ' ' || line[ll - 1] == '\t'))
			r = strbuf_add(sb, "=\r\n", 3);
	}
	return r ? r : strbuf_add(sb, "\r\n", 2);
}

static int b64_lines(struct strbuf *sb, const char *data, size_t len)
{
	int r = 0;
	/* 57 bytes of input make one 76-character line */
	for (size_t i = 0; !r && i < len; i += 57) {
		r = b64_add(sb, (const unsigned char *)data + i, len - i > 57 ? 57 : len - i);
		if (!r)
			r = strbuf_add(sb, "\r\n", 2);
	}
	return r;
}

static int attachment(struct strbuf *sb, const char *boundary, const char *type, const char *name,
                      const char *data, size_t len)
{
	int r = strbuf_addf(sb,
	                    "--%s\r\nContent-Type: %s; name=\"%s\"\r\n"
	                    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	                    "Content-Transfer-Encoding: base64\r\n\r\n",
	                    boundary, type, name, name);
	return r ? r : b64_lines(sb, data, len);
}

int notify_mime_build(const struct notify_mime *m, struct strbuf *sb)
{
	char date[64];
	char boundary[64];
	struct tm tm;
	if (!m || !sb || !header_ok(m->from) || !header_ok(m->to) || !header_ok(m->subject) ||
	    !header_ok(m->message_id) || !m->text || (unsigned)m->tlp >= TLP__COUNT ||
	    (m->csv && !header_ok(m->csv_name)) || (m->stix && !header_ok(m->stix_name)))
		return KR_EINVAL;
	time_t t = (time_t)(m->date_ms / 1000);
	if (!gmtime_r(&t, &tm))
		return KR_EINVAL;
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	/* "=_" never occurs in quoted-printable or base64 text. */
	snprintf(boundary, sizeof boundary, "=_kring_%.40s", m->message_id);
	for (char *p = boundary; *p; p++) {
		if (*p == '"' || *p == '@' || *p == '<' || *p == '>')
			*p = '.';
	}
	int r = address_header(sb, "From", m->from);
	if (!r)
		r = strbuf_addf(sb, "To: %s\r\nSubject: ", m->to);
	if (!r)
		r = is_ascii(m->subject) ? strbuf_adds(sb, m->subject)
		                         : encoded_words(sb, m->subject);
	if (!r)
		r = strbuf_addf(sb,
		                "\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
		                "X-TLP: %s\r\nAuto-Submitted: auto-generated\r\n"
		                "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
		                "This is a message in MIME format.\r\n\r\n",
		                date, m->message_id, tlp_name(m->tlp), boundary);
	if (!r)
		r = strbuf_addf(sb,
		                "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		                "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		                boundary);
	if (!r)
		r = qp_add(sb, m->text, m->text_len);
	if (!r && m->csv)
		r = attachment(sb, boundary, "text/csv; charset=utf-8", m->csv_name, m->csv,
		               m->csv_len);
	if (!r && m->stix)
		r = attachment(sb, boundary, "application/stix+json; version=2.1", m->stix_name,
		               m->stix, m->stix_len);
	if (!r)
		r = strbuf_addf(sb, "--%s--\r\n", boundary);
	return r;
}
