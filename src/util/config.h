/* config.h - kring's configuration: defaults, then a config file
 * (key = value lines), then KRING_* environment variables, then flags.
 * Documented in README.md (Configuration). */
#ifndef KR_CONFIG_H
#define KR_CONFIG_H

#include "util/log.h"

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_BODY_MIN 1024L
#define CONFIG_MAX_BODY_MAX (1024L * 1024 * 1024)
#define CONFIG_SESSION_TTL_MIN 60L
#define CONFIG_SESSION_TTL_MAX (366L * 24 * 3600)
#define CONFIG_DEDUP_WINDOW_MAX (366L * 24 * 3600)
#define CONFIG_PROXIES_MAX 8
#define CONFIG_SEND_INTERVAL_MAX 86400L

struct config {
	char listen[128];      /* KRING_LISTEN, "listen", default "127.0.0.1:8080" */
	char data_dir[1024];   /* KRING_DATA, "data", default "./kring-data" */
	char log_level[16];    /* KRING_LOG_LEVEL, "log_level": debug|info|warn|error */
	long max_body;         /* KRING_MAX_BODY, "max_body", bytes, default 1048576 */
	long session_ttl_s;    /* KRING_SESSION_TTL, "session_ttl", seconds, default 43200 */
	/* Notifications (docs/internals/notify.md). */
	char smtp_relay[256];  /* KRING_SMTP_RELAY, "smtp_relay", HOST:PORT, default "127.0.0.1:25" */
	char smtp_starttls[16];/* KRING_SMTP_STARTTLS, "smtp_starttls": no|try|required, default "try" */
	char notify_from[320]; /* KRING_NOTIFY_FROM, "notify_from", "Name <addr>" or "addr" */
	long notify_dedup_window_s; /* KRING_NOTIFY_DEDUP_WINDOW, "notify_dedup_window", seconds
				     * 0..CONFIG_DEDUP_WINDOW_MAX (0 = off), default 604800 */
	char notify_url[256];  /* KRING_NOTIFY_URL, "notify_url": http(s) base of the
				* acknowledgement links, default "" = http://LISTEN */
	long notify_send_interval_s; /* KRING_NOTIFY_SEND_INTERVAL, "notify_send_interval":
				      * seconds between the outbox worker's turns in
				      * kring serve, 0..CONFIG_SEND_INTERVAL_MAX (0 = no
				      * worker), default 10 */
	/* KRING_TRUSTED_PROXY (older name KRING_WEB_TRUSTED_PROXY),
	 * "trusted_proxy": up to CONFIG_PROXIES_MAX IP literals, comma-separated,
	 * of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are
	 * believed; default "" = none. */
	char trusted_proxy[CONFIG_PROXIES_MAX * 48];
	/* KRING_WEB_SECURE, "web_secure": kring is only reached over TLS, so
	 * every cookie is Secure and every answer carries HSTS; 1/true/yes or
	 * 0/false/no, default no. */
	bool web_secure;
	/* KRING_TAXII_CACHE_MS, "taxii_cache_ms": how long a TAXII answer is
	 * kept while the store does not change, 0..60000 (0 = not at all),
	 * default 1000. */
	long taxii_cache_ms;
};

/* Fills defaults. */
void config_defaults(struct config *c);
/* Sets one key ("listen", "data", "log_level", "max_body", "session_ttl",
 * "smtp_relay", "smtp_starttls", "notify_from", "notify_dedup_window",
 * "notify_url", "notify_send_interval", "trusted_proxy", "web_secure",
 * "taxii_cache_ms") from text, validating it: listen must split
 * (config_split_listen), data is non-empty and fits, log_level is one of
 * the four names, max_body is CONFIG_MAX_BODY_MIN..CONFIG_MAX_BODY_MAX,
 * session_ttl is CONFIG_SESSION_TTL_MIN..CONFIG_SESSION_TTL_MAX (plain
 * decimal digits); smtp_relay is HOST:PORT with a port 1..65535 (the host
 * may be a name), smtp_starttls no|try|required, notify_from an address
 * with '@' and no control characters, notify_dedup_window seconds
 * 0..CONFIG_DEDUP_WINDOW_MAX, notify_url "" or an http(s) URL,
 * notify_send_interval seconds 0..CONFIG_SEND_INTERVAL_MAX,
 * trusted_proxy "" or IP literals separated by commas (blanks allowed),
 * web_secure 1/true/yes/0/false/no (any case), taxii_cache_ms 0..60000.
 * 0, or KR_EINVAL with a one-line message in err; c is unchanged then. */
int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen);
/* Reads a config file; lines "key = value", '#' comments, blank lines;
 * surrounding blanks and one pair of double quotes around the value are
 * removed. Unknown keys and bad values are errors: returns KR_EINVAL with a
 * message "FILE:LINE: ..." in err (one line); KR_EIO when the file cannot be
 * read. Keys set before the failing line stay set. */
int config_load_file(struct config *c, const char *path, char *err, size_t errlen);
/* Applies KRING_* environment variables (KRING_LISTEN, KRING_DATA,
 * KRING_LOG_LEVEL, KRING_MAX_BODY, KRING_SESSION_TTL, KRING_SMTP_RELAY,
 * KRING_SMTP_STARTTLS, KRING_NOTIFY_FROM, KRING_NOTIFY_DEDUP_WINDOW,
 * KRING_NOTIFY_URL, KRING_NOTIFY_SEND_INTERVAL, KRING_TRUSTED_PROXY and its older name
 * KRING_WEB_TRUSTED_PROXY, which the new name overrides, KRING_WEB_SECURE,
 * KRING_TAXII_CACHE_MS; an empty variable
 * counts as unset); same error contract, the message names the variable. */
int config_load_env(struct config *c, char *err, size_t errlen);
/* Splits listen "host:port" / "[v6]:port"; 0 or KR_EINVAL. host gets at most hostlen-1 chars.
 * The port is 0..65535 (0 = any free port); the host must be non-empty. */
int config_split_listen(const char *listen, char *host, size_t hostlen, int *port);
/* True if host is a literal IPv4 or IPv6 address (no names, no brackets). */
bool config_host_is_ip(const char *host);
/* Calls fn for each address of a trusted_proxy list (blanks trimmed, at
 * most 47 bytes each); stops at fn's first non-zero and returns it. Returns
 * KR_EINVAL for an empty element, one that is not an IP literal, or more
 * than CONFIG_PROXIES_MAX of them (fn may have been called for the earlier
 * ones); "" calls nothing and returns 0. */
int config_proxies_each(const char *list, int (*fn)(void *arg, const char *addr), void *arg);
/* Path of the SQLite file inside data_dir into out. */
void config_db_path(const struct config *c, char *out, size_t n);
/* The log level named by c->log_level (LOG_INFO if it names none). */
enum log_level config_log_level(const struct config *c);

#endif
