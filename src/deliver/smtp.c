/* smtp.c - delivery settings and sending one message to the configured
 * SMTP relay through libcurl (optional STARTTLS). */
#include "deliver/deliver.h"
#include "util/err.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define DEFAULT_MAX_ATTEMPTS    8
#define DEFAULT_BACKOFF_BASE_MS (60LL * 1000)
#define DEFAULT_BACKOFF_MAX_MS  (6LL * 3600 * 1000)
#define DEFAULT_TIMEOUT_S       60L
#define RCPT_MAX                64

int deliver_config_from(const struct config *c, struct deliver_config *out, char *err,
                        size_t errlen)
{
	char host[256];
	int port = 0;
	memset(out, 0, sizeof *out);
	if (config_split_listen(c->smtp_relay, host, sizeof host, &port) || port <= 0) {
		snprintf(err, errlen, "smtp_relay: expected HOST:PORT, got '%.100s'",
		         c->smtp_relay);
		return KR_EINVAL;
	}
	snprintf(out->relay_host, sizeof out->relay_host, "%s", host);
	out->relay_port = port;
	out->tls = strcmp(c->smtp_starttls, "no") == 0         ? DELIVER_TLS_NO
	           : strcmp(c->smtp_starttls, "required") == 0 ? DELIVER_TLS_REQUIRED
	                                                       : DELIVER_TLS_TRY;
	snprintf(out->from, sizeof out->from, "%s", c->notify_from);
	/* "Name <addr>" or "addr" */
	const char *lt = strchr(c->notify_from, '<');
	const char *addr = lt ? lt + 1 : c->notify_from;
	size_t n = lt ? strcspn(addr, ">") : strlen(addr);
	while (n && addr[n - 1] == ' ')
		n--;
	while (n && *addr == ' ') {
		addr++;
		n--;
	}
	if (n == 0 || n > CORE_EMAIL_MAX || !memchr(addr, '@', n)) {
		snprintf(err, errlen, "notify_from: no e-mail address in '%.100s'", c->notify_from);
		return KR_EINVAL;
	}
	memcpy(out->from_addr, addr, n);
	out->from_addr[n] = '\0';
	if (lt) {
		size_t k = (size_t)(lt - c->notify_from);
		while (k && c->notify_from[k - 1] == ' ')
			k--;
		snprintf(out->sender, sizeof out->sender, "%.*s", (int)k, c->notify_from);
		/* a quoted display name loses its quotes */
		size_t sl = strlen(out->sender);
		if (sl >= 2 && out->sender[0] == '"' && out->sender[sl - 1] == '"') {
			memmove(out->sender, out->sender + 1, sl - 2);
			out->sender[sl - 2] = '\0';
		}
	}
	if (!out->sender[0])
		snprintf(out->sender, sizeof out->sender, "%.*s", (int)sizeof out->sender - 1,
		         out->from_addr);
	if (c->notify_url[0]) {
		snprintf(out->notify_url, sizeof out->notify_url, "%s", c->notify_url);
	} else {
		snprintf(out->notify_url, sizeof out->notify_url, "http://%s", c->listen);
	}
	size_t ul = strlen(out->notify_url);
	while (ul && out->notify_url[ul - 1] == '/')
		out->notify_url[--ul] = '\0';
	out->dedup_window_ms = (int64_t)c->notify_dedup_window_s * 1000;
	out->max_attempts = DEFAULT_MAX_ATTEMPTS;
	out->backoff_base_ms = DEFAULT_BACKOFF_BASE_MS;
	out->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
	out->timeout_s = DEFAULT_TIMEOUT_S;
	return 0;
}

int64_t deliver_backoff_ms(const struct deliver_config *c, int attempts)
{
	int64_t base = c->backoff_base_ms > 0 ? c->backoff_base_ms : DEFAULT_BACKOFF_BASE_MS;
	int64_t max = c->backoff_max_ms > 0 ? c->backoff_max_ms : DEFAULT_BACKOFF_MAX_MS;
	int64_t d = base;
	for (int i = 1; i < attempts && d < max; i++)
		d *= 2;
	return d < max ? d : max;
}

struct upload {
	const char *data;
	size_t len, pos;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ctx)
{
	struct upload *u = ctx;
	size_t room = size * nitems;
	size_t n = u->len - u->pos < room ? u->len - u->pos : room;
	memcpy(buf, u->data + u->pos, n);
	u->pos += n;
	return n;
}

/* "a@x, b@y" -> a curl list of "<a@x>" entries. */
static int rcpt_list(const char *recipients, struct curl_slist **out)
{
	char addr[CORE_EMAIL_MAX + 3];
	struct curl_slist *list = NULL;
	int n = 0;
	for (const char *p = recipients; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t l = strcspn(p, ", ");
		if (l == 0)
			break;
		if (l > CORE_EMAIL_MAX || !memchr(p, '@', l) || ++n > RCPT_MAX)
			goto bad;
		snprintf(addr, sizeof addr, "<%.*s>", (int)l, p);
		struct curl_slist *next = curl_slist_append(list, addr);
		if (!next)
			goto bad;
		list = next;
		p += l;
	}
	if (!list)
		return KR_EINVAL;
	*out = list;
	return 0;
bad:
	curl_slist_free_all(list);
	return KR_EINVAL;
}

int deliver_smtp_send(const struct deliver_config *c, const char *recipients, const char *msg,
                      size_t len, char *err, size_t errlen)
{
	char url[300], from[CORE_EMAIL_MAX + 3];
	char cerr[CURL_ERROR_SIZE];
	struct curl_slist *rcpt = NULL;
	struct upload up = {.data = msg, .len = len};
	long code = 0;
	int r = 0;
	if (errlen)
		err[0] = '\0';
	if (!c || !recipients || !msg) {
		snprintf(err, errlen, "nothing to send");
		return KR_EINVAL;
	}
	if (rcpt_list(recipients, &rcpt)) {
		snprintf(err, errlen, "no valid recipient address");
		return KR_EINVAL;
	}
	CURL *h = curl_easy_init();
	if (!h) {
		curl_slist_free_all(rcpt);
		snprintf(err, errlen, "cannot start an SMTP client");
		return KR_EIO;
	}
	bool v6 = strchr(c->relay_host, ':') != NULL;
	snprintf(url, sizeof url, v6 ? "smtp://[%s]:%d" : "smtp://%s:%d", c->relay_host,
	         c->relay_port);
	snprintf(from, sizeof from, "<%s>", c->from_addr);
	cerr[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s > 0 ? c->timeout_s : DEFAULT_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_USE_SSL,
	                 c->tls == DELIVER_TLS_NO         ? (long)CURLUSESSL_NONE
	                 : c->tls == DELIVER_TLS_REQUIRED ? (long)CURLUSESSL_ALL
	                                                  : (long)CURLUSESSL_TRY);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		/* A 5xx answer will not change by trying again; anything else may. */
		bool permanent = code >= 500 && code < 600;
		snprintf(err, errlen, "%s%s%s (SMTP %ld)", curl_easy_strerror(rc),
		         cerr[0] ? ": " : "", cerr, code);
		r = permanent ? KR_EINVAL : KR_EIO;
	}
	curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	return r;
}
