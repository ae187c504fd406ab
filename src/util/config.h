/* config.h - kring's configuration: defaults, then a config file
 * (key = value lines), then KRING_* environment variables, then flags.
 * Documented in README.md (Configuration). */
#ifndef KR_CONFIG_H
#define KR_CONFIG_H

#include <stddef.h>

struct config {
	char listen[128];      /* KRING_LISTEN, "listen", default "127.0.0.1:8080" */
	char data_dir[1024];   /* KRING_DATA, "data", default "./kring-data" */
	char log_level[16];    /* KRING_LOG_LEVEL, "log_level": debug|info|warn|error */
	long max_body;         /* KRING_MAX_BODY, "max_body", bytes, default 1048576 */
	long session_ttl_s;    /* KRING_SESSION_TTL, "session_ttl", seconds, default 43200 */
};

/* Fills defaults. */
void config_defaults(struct config *c);
/* Reads a config file; lines "key = value", '#' comments. Unknown keys and
 * bad values are errors: returns KR_EINVAL with a message in err (one line). */
int config_load_file(struct config *c, const char *path, char *err, size_t errlen);
/* Applies KRING_* environment variables; same error contract. */
int config_load_env(struct config *c, char *err, size_t errlen);
/* Splits listen "host:port" / "[v6]:port"; 0 or KR_EINVAL. host gets at most hostlen-1 chars. */
int config_split_listen(const char *listen, char *host, size_t hostlen, int *port);
/* Path of the SQLite file inside data_dir into out. */
void config_db_path(const struct config *c, char *out, size_t n);

#endif
