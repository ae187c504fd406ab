/* config.c - defaults, config file and KRING_* environment for kring. */
#include "util/config.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

/* A config line longer than this is an error, not silently split. */
#define CONFIG_LINE_MAX 4096

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen, sizeof c->listen, "%s", "127.0.0.1:8080");
	snprintf(c->data_dir, sizeof c->data_dir, "%s", "./kring-data");
	snprintf(c->log_level, sizeof c->log_level, "%s", "info");
	c->max_body = 1048576;
	c->session_ttl_s = 43200;
	snprintf(c->smtp_relay, sizeof c->smtp_relay, "%s", "127.0.0.1:25");
	snprintf(c->smtp_starttls, sizeof c->smtp_starttls, "%s", "try");
	snprintf(c->notify_from, sizeof c->notify_from, "%s", "kring <kring@localhost>");
	c->notify_dedup_window_s = 7L * 24 * 3600;
	c->notify_send_interval_s = 10;
	c->taxii_cache_ms = 1000;
}

/* Plain decimal digits only: no sign, no blanks, no hex, no overflow. */
static int parse_long(const char *s, long min, long max, long *out)
{
	if (!*s)
		return KR_EINVAL;
	long v = 0;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return KR_EINVAL;
		if (v > (max - (*p - '0')) / 10)
			return KR_EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		return KR_EINVAL;
	*out = v;
	return 0;
}

int config_split_listen(const char *listen, char *host, size_t hostlen, int *port)
{
	const char *h, *colon;
	size_t hl;
	if (!listen || hostlen == 0)
		return KR_EINVAL;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close[1] != ':')
			return KR_EINVAL;
		h = listen + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon)
			return KR_EINVAL;
		h = listen;
		hl = (size_t)(colon - h);
		/* an unbracketed IPv6 address is ambiguous */
		if (memchr(h, ':', hl))
			return KR_EINVAL;
	}
	if (hl == 0 || hl >= hostlen)
		return KR_EINVAL;
	const char *ps = colon + 1;
	size_t pl = strlen(ps);
	if (pl == 0 || pl > 5)
		return KR_EINVAL;
	long p;
	if (parse_long(ps, 0, 65535, &p))
		return KR_EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (int)p;
	return 0;
}

bool config_host_is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int config_proxies_each(const char *list, int (*fn)(void *arg, const char *addr), void *arg)
{
	int n = 0;
	const char *p = list;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return 0;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		char addr[48];
		if (!len || len >= sizeof addr || ++n > CONFIG_PROXIES_MAX)
			return KR_EINVAL;
		memcpy(addr, p, len);
		addr[len] = '\0';
		if (!config_host_is_ip(addr))
			return KR_EINVAL;
		if (fn) {
			int r = fn(arg, addr);
			if (r)
				return r;
		}
		if (!end)
			return 0;
		p = end + 1;
	}
}

/* Printable text without control characters (header-safe: no CR/LF). */
static bool header_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
	}
	return true;
}

/* The keys of notifications, proxies, the web and TAXII; 1 when key is
 * not one of them. */
static int config_set_services(struct config *c, const char *key, const char *value, char *err,
			     size_t errlen)
{
	long v;
	if (strcmp(key, "smtp_relay") == 0) {
		char host[256];
		int port = 0;
		if (strlen(value) >= sizeof c->smtp_relay ||
		    config_split_listen(value, host, sizeof host, &port) || port == 0 ||
		    !header_safe(value) || strchr(value, ' ')) {
			snprintf(err, errlen, "smtp_relay: expected HOST:PORT, got '%.100s'", value);
			return KR_EINVAL;
		}
		snprintf(c->smtp_relay, sizeof c->smtp_relay, "%s", value);
		return 0;
	}
	if (strcmp(key, "smtp_starttls") == 0) {
		if (strcmp(value, "no") != 0 && strcmp(value, "try") != 0 &&
		    strcmp(value, "required") != 0) {
			snprintf(err, errlen, "smtp_starttls: expected no, try or required, got "
					      "'%.40s'", value);
			return KR_EINVAL;
		}
		snprintf(c->smtp_starttls, sizeof c->smtp_starttls, "%s", value);
		return 0;
	}
	if (strcmp(key, "notify_from") == 0) {
		if (!strchr(value, '@') || strlen(value) >= sizeof c->notify_from ||
		    !header_safe(value)) {
			snprintf(err, errlen, "notify_from: expected an e-mail address, got '%.100s'",
				 value);
			return KR_EINVAL;
		}
		snprintf(c->notify_from, sizeof c->notify_from, "%s", value);
		return 0;
	}
	if (strcmp(key, "notify_dedup_window") == 0) {
		if (parse_long(value, 0, CONFIG_DEDUP_WINDOW_MAX, &v)) {
			snprintf(err, errlen, "notify_dedup_window: expected seconds in 0..%ld, got "
					      "'%.40s'", CONFIG_DEDUP_WINDOW_MAX, value);
			return KR_EINVAL;
		}
		c->notify_dedup_window_s = v;
		return 0;
	}
	if (strcmp(key, "notify_send_interval") == 0) {
		if (parse_long(value, 0, CONFIG_SEND_INTERVAL_MAX, &v)) {
			snprintf(err, errlen, "notify_send_interval: expected seconds in 0..%ld, got "
					      "'%.40s'", CONFIG_SEND_INTERVAL_MAX, value);
			return KR_EINVAL;
		}
		c->notify_send_interval_s = v;
		return 0;
	}
	if (strcmp(key, "web_secure") == 0) {
		if (!strcasecmp(value, "1") || !strcasecmp(value, "true") ||
		    !strcasecmp(value, "yes")) {
			c->web_secure = true;
		} else if (!strcasecmp(value, "0") || !strcasecmp(value, "false") ||
			   !strcasecmp(value, "no")) {
			c->web_secure = false;
		} else {
			snprintf(err, errlen, "web_secure: expected 1/true/yes or 0/false/no, got "
					      "'%.40s'", value);
			return KR_EINVAL;
		}
		return 0;
	}
	if (strcmp(key, "taxii_cache_ms") == 0) {
		if (parse_long(value, 0, 60000, &v)) {
			snprintf(err, errlen, "taxii_cache_ms: expected milliseconds in 0..60000, got "
					      "'%.40s'", value);
			return KR_EINVAL;
		}
		c->taxii_cache_ms = v;
		return 0;
	}
	if (strcmp(key, "trusted_proxy") == 0) {
		if (strlen(value) >= sizeof c->trusted_proxy ||
		    config_proxies_each(value, NULL, NULL)) {
			snprintf(err, errlen,
				 "trusted_proxy: expected at most %d IP addresses separated by "
				 "commas, got '%.100s'",
				 CONFIG_PROXIES_MAX, value);
			return KR_EINVAL;
		}
		snprintf(c->trusted_proxy, sizeof c->trusted_proxy, "%s", value);
		return 0;
	}
	if (strcmp(key, "notify_url") == 0) {
		if (strlen(value) >= sizeof c->notify_url || !header_safe(value) ||
		    strchr(value, ' ') ||
		    (*value && strncmp(value, "http://", 7) != 0 &&
		     strncmp(value, "https://", 8) != 0)) {
			snprintf(err, errlen, "notify_url: expected an http(s) URL, got '%.100s'",
				 value);
			return KR_EINVAL;
		}
		snprintf(c->notify_url, sizeof c->notify_url, "%s", value);
		return 0;
	}
	return 1;
}

int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen)
{
	long v;
	if (strcmp(key, "listen") == 0) {
		char host[128];
		int port;
		if (strlen(value) >= sizeof c->listen ||
		    config_split_listen(value, host, sizeof host, &port)) {
			snprintf(err, errlen,
				 "listen: expected HOST:PORT or [IPv6]:PORT, got '%.100s'", value);
			return KR_EINVAL;
		}
		snprintf(c->listen, sizeof c->listen, "%s", value);
		return 0;
	}
	if (strcmp(key, "data") == 0) {
		if (!*value || strlen(value) >= sizeof c->data_dir) {
			snprintf(err, errlen, "data: expected a directory path of 1..%zu bytes",
				 sizeof c->data_dir - 1);
			return KR_EINVAL;
		}
		snprintf(c->data_dir, sizeof c->data_dir, "%s", value);
		return 0;
	}
	if (strcmp(key, "log_level") == 0) {
		for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
			if (strcmp(value, level_names[i]) == 0) {
				snprintf(c->log_level, sizeof c->log_level, "%s", value);
				return 0;
			}
		}
		snprintf(err, errlen, "log_level: expected debug, info, warn or error, got '%.40s'",
			 value);
		return KR_EINVAL;
	}
	if (strcmp(key, "max_body") == 0) {
		if (parse_long(value, CONFIG_MAX_BODY_MIN, CONFIG_MAX_BODY_MAX, &v)) {
			snprintf(err, errlen, "max_body: expected bytes in %ld..%ld, got '%.40s'",
				 CONFIG_MAX_BODY_MIN, CONFIG_MAX_BODY_MAX, value);
			return KR_EINVAL;
		}
		c->max_body = v;
		return 0;
	}
	if (strcmp(key, "session_ttl") == 0) {
		if (parse_long(value, CONFIG_SESSION_TTL_MIN, CONFIG_SESSION_TTL_MAX, &v)) {
			snprintf(err, errlen,
				 "session_ttl: expected seconds in %ld..%ld, got '%.40s'",
				 CONFIG_SESSION_TTL_MIN, CONFIG_SESSION_TTL_MAX, value);
			return KR_EINVAL;
		}
		c->session_ttl_s = v;
		return 0;
	}
	int rn = config_set_services(c, key, value, err, errlen);
	if (rn <= 0)
		return rn;
	snprintf(err, errlen, "unknown key '%.60s'", key);
	return KR_EINVAL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

int config_load_file(struct config *c, const char *path, char *err, size_t errlen)
{
	char line[CONFIG_LINE_MAX + 2];
	char msg[256];
	int r = 0;
	long lineno = 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read config file %.200s: %s", path, strerror(errno));
		return KR_EIO;
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			snprintf(err, errlen, "%.200s:%ld: line longer than %d bytes", path, lineno,
				 CONFIG_LINE_MAX);
			r = KR_EINVAL;
			goto out;
		}
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%.200s:%ld: expected 'key = value'", path, lineno);
			r = KR_EINVAL;
			goto out;
		}
		*eq = '\0';
		char *key = trim(s);
		char *value = trim(eq + 1);
		size_t vl = strlen(value);
		if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
			value[vl - 1] = '\0';
			value++;
		}
		if (config_set(c, key, value, msg, sizeof msg)) {
			snprintf(err, errlen, "%.200s:%ld: %s", path, lineno, msg);
			r = KR_EINVAL;
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read config file %.200s", path);
		r = KR_EIO;
	}
out:
	fclose(f);
	return r;
}

int config_load_env(struct config *c, char *err, size_t errlen)
{
	static const struct {
		const char *var;
		const char *key;
	} vars[] = {
		{ "KRING_LISTEN", "listen" },       { "KRING_DATA", "data" },
		{ "KRING_LOG_LEVEL", "log_level" }, { "KRING_MAX_BODY", "max_body" },
		{ "KRING_SESSION_TTL", "session_ttl" }, { "KRING_SMTP_RELAY", "smtp_relay" },
		{ "KRING_SMTP_STARTTLS", "smtp_starttls" }, { "KRING_NOTIFY_FROM", "notify_from" },
		{ "KRING_NOTIFY_DEDUP_WINDOW", "notify_dedup_window" },
		{ "KRING_NOTIFY_URL", "notify_url" },
		{ "KRING_NOTIFY_SEND_INTERVAL", "notify_send_interval" },
		{ "KRING_WEB_TRUSTED_PROXY", "trusted_proxy" }, /* older name, first */
		{ "KRING_TRUSTED_PROXY", "trusted_proxy" },
		{ "KRING_WEB_SECURE", "web_secure" },
		{ "KRING_TAXII_CACHE_MS", "taxii_cache_ms" },
	};
	char msg[256];
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i].var);
		if (!v || !*v)
			continue;
		if (config_set(c, vars[i].key, v, msg, sizeof msg)) {
			snprintf(err, errlen, "%s: %s", vars[i].var, msg);
			return KR_EINVAL;
		}
	}
	return 0;
}

void config_db_path(const struct config *c, char *out, size_t n)
{
	size_t l = strlen(c->data_dir);
	const char *sep = (l && c->data_dir[l - 1] == '/') ? "" : "/";
	snprintf(out, n, "%s%skring.db", c->data_dir, sep);
}

enum log_level config_log_level(const struct config *c)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (strcmp(c->log_level, level_names[i]) == 0)
			return (enum log_level)i;
	}
	return LOG_INFO;
}
