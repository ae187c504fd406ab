/* cli.h - the `kring` command line: option parsing, the command table and
 * the helpers the subcommands share.
 *
 * A command is a struct cli_command: its words ("org" "add"), its usage
 * text, its option table and a run function. main.c parses the global
 * options, finds the command, parses its options (cli_args_parse), loads
 * the configuration and calls run. run returns 0 or a negative KR_E*
 * status; on failure it has recorded ONE message with cli_fail() or
 * cli_usage(), which main prints as the single line "kring: <message>" on
 * stderr (exit 1, or 2 for usage errors). Commands never print errors
 * themselves. */
#ifndef KR_CLI_H
#define KR_CLI_H

#include "util/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define CLI_MAX_OPTS 16    /* options per command */
#define CLI_MAX_REPEAT 8   /* values of one repeatable option (e.g. --sector) */
#define CLI_MAX_POS 4      /* positional arguments */

enum cli_exit { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

/* One option a command accepts: "--name VALUE" (has_arg) or "--flag". */
struct cli_optspec {
	const char *name;   /* without the dashes; NULL ends a table */
	bool has_arg;
	int max;            /* how often it may be given; 0 = once (the last wins) */
	bool required;
};

/* Parsed arguments of one command; values point into argv. */
struct cli_args {
	const struct cli_optspec *spec;
	int count[CLI_MAX_OPTS];
	const char *vals[CLI_MAX_OPTS][CLI_MAX_REPEAT];
	int npos;
	const char *pos[CLI_MAX_POS];
	bool help;          /* --help or -h was given */
};

/* State of one run of the program. */
struct cli {
	struct config cfg;
	const char *config_path;     /* --config, or NULL */
	const char *data_flag;       /* --data, or NULL */
	bool usage_error;            /* the recorded message is a usage error */
	char msg[1024];              /* the one error line (without "kring: ") */
};

struct cli_command {
	const char *group;           /* first word: "org", "serve" */
	const char *verb;            /* second word: "add", or NULL */
	const char *summary;         /* one line for `kring --help` */
	const char *usage;           /* full text for `kring <command> --help` */
	const struct cli_optspec *opts;
	int min_pos, max_pos;        /* positional arguments */
	bool needs_config;           /* load configuration before run */
	int (*run)(struct cli *c, const struct cli_args *a);
};

/* ---- args.c ---- */

/* Parses argv[0..argc) (the words after the command) against spec. Sets
 * a->help and returns 0 when --help/-h is present. On a usage problem
 * (unknown option, missing value, too many values, wrong number of
 * positional arguments, missing required option) records it with
 * cli_usage() and returns KR_EINVAL. "--opt=value" and "--opt value" are
 * both accepted; "--" ends the options. */
int cli_args_parse(struct cli *c, const struct cli_command *cmd, int argc, char **argv,
		   struct cli_args *a);
/* Last value of an option, or NULL when absent. */
const char *cli_arg(const struct cli_args *a, const char *name);
/* Number of times an option was given. */
int cli_arg_count(const struct cli_args *a, const char *name);
/* The i-th value of a repeatable option (0-based), or NULL. */
const char *cli_arg_at(const struct cli_args *a, const char *name, int i);

/* ---- common.c ---- */

/* Records the error message (only the first one counts) and returns
 * status, which must be negative. */
int cli_fail(struct cli *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like cli_fail, marking a usage error (exit 2); returns KR_EINVAL. */
int cli_usage(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Loads the configuration: defaults < --config file < KRING_* < --data. */
int cli_config_load(struct cli *c);
/* Creates c->cfg.data_dir (and missing parents) with mode 0700. */
int cli_data_dir_ensure(struct cli *c);
/* Ensures the data directory and opens (creating and migrating) the store.
 * *out is owned by the caller: store_close(). */
int cli_store_open(struct cli *c, struct store **out);
/* Appends an audit record of an operator write: person 0, address "cli".
 * Call inside the write's transaction. */
int cli_audit_write(struct store *s, int64_t community_id, const char *object_type,
		    int64_t object_id, const char *detail);
/* Parses a positive row id ("42"); 0 or KR_EINVAL. */
int cli_parse_id(const char *s, int64_t *out);
/* Parses a decimal integer in [min, max]; 0 or KR_EINVAL. */
int cli_parse_int(const char *s, long min, long max, long *out);
/* Reads a whole file of at most max bytes into *out (NUL-terminated,
 * caller frees with kr_free); KR_ELIMIT when larger, KR_EIO when unreadable. */
int cli_read_file(const char *path, size_t max, char **out, size_t *len);
/* Checks a one-line text field: 1..max bytes (or 0 when optional), valid
 * UTF-8 without control characters. 0 or a recorded KR_EINVAL naming opt. */
int cli_check_text(struct cli *c, const char *opt, const char *v, size_t max, bool optional);
/* Hashes a password (12..1024 bytes) with argon2id, interactive limits,
 * into out (crypto_pwhash_STRBYTES). 0, or a recorded KR_EINVAL/KR_ENOMEM. */
int cli_password_hash(struct cli *c, const char *password, char *out, size_t n);

/* ---- serve.c ---- */

/* Called once the server listens, before waiting for a signal; prints
 * extra lines (demo logins). */
typedef void (*cli_ready_fn)(void *arg);
/* Serves the API on c->cfg.listen with the open store s until SIGINT or
 * SIGTERM; prints "kring listening on http://HOST:PORT/" then calls ready.
 * Does not close s. */
int cli_serve_store(struct cli *c, struct store *s, cli_ready_fn ready, void *arg);
/* Checks that c->cfg.listen is HOST:PORT with a literal IP host. */
int cli_listen_check(struct cli *c, char *host, size_t hostlen, int *port);
/* Refuses (a recorded KR_EFORBIDDEN) to serve as root unless the command
 * got --allow-root or KRING_ALLOW_ROOT is "1"; 0 otherwise. serve and demo
 * call it first, before touching the data directory. */
int cli_root_check(struct cli *c, const struct cli_args *a);

/* ---- the commands (one struct each, defined next to their code) ---- */
extern const struct cli_command cli_cmd_init, cli_cmd_migrate, cli_cmd_backup, cli_cmd_check;
extern const struct cli_command cli_cmd_serve, cli_cmd_demo, cli_cmd_routes;
extern const struct cli_command cli_cmd_org_add, cli_cmd_user_add, cli_cmd_community_add,
	cli_cmd_member_add;
extern const struct cli_command cli_cmd_report_list;

#endif
