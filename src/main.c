/* main.c - the kring command: global options, then one subcommand of cli/.
 *
 *   kring [--config FILE] [--data DIR] <command> [options]
 *
 * Exit status: 0 success, 1 failure, 2 usage error; a failure prints
 * exactly one line "kring: <message>" on stderr. */
#include "cli/cli.h"
#include "util/err.h"
#include "util/log.h"
#include "util/random.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#ifndef KRING_VERSION
#define KRING_VERSION "0.0.0"
#endif

/* cli/interop.c */
extern const struct cli_command cli_cmd_import, cli_cmd_export;
/* cli/notify.c, cli/constituency.c */
extern const struct cli_command cli_cmd_notify_run, cli_cmd_notify_send,
	cli_cmd_constituency_add, cli_cmd_constituency_load, cli_cmd_constituency_list;

static const struct cli_command *const commands[] = {
	&cli_cmd_init,      &cli_cmd_migrate,       &cli_cmd_serve,      &cli_cmd_demo,
	&cli_cmd_org_add,   &cli_cmd_user_add,      &cli_cmd_community_add, &cli_cmd_member_add,
	&cli_cmd_report_list, &cli_cmd_backup,      &cli_cmd_check,      &cli_cmd_routes,
	&cli_cmd_import,    &cli_cmd_export,
	&cli_cmd_constituency_add, &cli_cmd_constituency_load, &cli_cmd_constituency_list,
	&cli_cmd_notify_run, &cli_cmd_notify_send,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage_all(FILE *out)
{
	fputs("usage: kring [--config FILE] [--data DIR] <command> [options]\n"
	      "\n"
	      "kring shares cyber-security information within trusted communities, with\n"
	      "FIRST TLP 2.0 enforced on every way out.\n"
	      "\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char name[48];
		const struct cli_command *cmd = commands[i];
		snprintf(name, sizeof name, "%s%s%s", cmd->group, cmd->verb ? " " : "",
			 cmd->verb ? cmd->verb : "");
		fprintf(out, "  %-16s %s\n", name, cmd->summary);
	}
	fputs("\n"
	      "global options:\n"
	      "  --config FILE    read settings from FILE (key = value lines)\n"
	      "  --data DIR       data directory (store: DIR/kring.db)\n"
	      "  --help, -h       this text; `kring <command> --help` for a command\n"
	      "  --version        print the version\n"
	      "\n"
	      "Settings: defaults < config file < environment (KRING_LISTEN, KRING_DATA,\n"
	      "KRING_LOG_LEVEL, KRING_MAX_BODY, KRING_SESSION_TTL, KRING_SMTP_RELAY,\n"
	      "KRING_SMTP_STARTTLS, KRING_NOTIFY_FROM, KRING_NOTIFY_DEDUP_WINDOW,\n"
	      "KRING_NOTIFY_URL) < flags.\n",
	      out);
}

static bool group_has_verbs(const char *group)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i]->group, group) == 0 && commands[i]->verb)
			return true;
	}
	return false;
}

static bool group_exists(const char *group)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i]->group, group) == 0)
			return true;
	}
	return false;
}

static void usage_group(FILE *out, const char *group)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i]->group, group) == 0)
			fputs(commands[i]->usage, out);
	}
}

static const struct cli_command *find(const char *group, const char *verb)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct cli_command *cmd = commands[i];
		if (strcmp(cmd->group, group) != 0)
			continue;
		if (!cmd->verb || (verb && strcmp(cmd->verb, verb) == 0))
			return cmd;
	}
	return NULL;
}

/* "--name value" or "--name=value" at argv[*i]; NULL if arg is not --name. */
static const char *global_value(struct cli *c, int argc, char **argv, int *i, const char *name,
				bool *matched)
{
	size_t n = strlen(name);
	const char *arg = argv[*i];
	*matched = false;
	if (strncmp(arg, name, n) != 0 || (arg[n] != '\0' && arg[n] != '='))
		return NULL;
	*matched = true;
	if (arg[n] == '=')
		return arg + n + 1;
	if (*i + 1 >= argc) {
		cli_usage(c, "option %s needs a value", name);
		return NULL;
	}
	return argv[++*i];
}

static int finish(const struct cli *c, int r)
{
	if (r == 0)
		return CLI_EXIT_OK;
	fflush(stdout);
	fprintf(stderr, "kring: %s\n", c->msg[0] ? c->msg : kr_strerror(r));
	return c->usage_error ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	static struct cli c; /* large; keep it off the stack */
	struct cli_args a;
	int i = 1;
	memset(&c, 0, sizeof c);
	config_defaults(&c.cfg);

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i];
		bool matched = false;
		const char *v;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage_all(stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(arg, "--version") == 0) {
			printf("kring %s\n", KRING_VERSION);
			return CLI_EXIT_OK;
		}
		v = global_value(&c, argc, argv, &i, "--config", &matched);
		if (matched) {
			if (!v)
				return finish(&c, KR_EINVAL);
			c.config_path = v;
			continue;
		}
		v = global_value(&c, argc, argv, &i, "--data", &matched);
		if (matched) {
			if (!v)
				return finish(&c, KR_EINVAL);
			c.data_flag = v;
			continue;
		}
		return finish(&c, cli_usage(&c, "unknown option '%.100s' (see kring --help)", arg));
	}
	if (i >= argc)
		return finish(&c, cli_usage(&c, "missing command (see kring --help)"));

	const char *group = argv[i++];
	if (strcmp(group, "help") == 0) {
		if (i < argc && group_exists(argv[i]))
			usage_group(stdout, argv[i]);
		else if (i < argc)
			return finish(&c, cli_usage(&c, "unknown command '%.100s'", argv[i]));
		else
			usage_all(stdout);
		return CLI_EXIT_OK;
	}
	if (!group_exists(group))
		return finish(&c, cli_usage(&c, "unknown command '%.100s' (see kring --help)",
					     group));
	const char *verb = NULL;
	if (group_has_verbs(group)) {
		if (i < argc && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
			usage_group(stdout, group);
			return CLI_EXIT_OK;
		}
		if (i >= argc)
			return finish(&c, cli_usage(&c, "%s: missing subcommand (see kring %s "
							"--help)", group, group));
		verb = argv[i++];
	}
	const struct cli_command *cmd = find(group, verb);
	if (!cmd)
		return finish(&c, cli_usage(&c, "%s: unknown subcommand '%.100s' (see kring %s "
						"--help)", group, verb, group));

	int r = cli_args_parse(&c, cmd, argc - i, argv + i, &a);
	if (r)
		return finish(&c, r);
	if (a.help) {
		fputs(cmd->usage, stdout);
		return CLI_EXIT_OK;
	}
	if (random_init() != 0)
		return finish(&c, cli_fail(&c, KR_EIO, "cannot initialise the random generator"));
	if (cmd->needs_config) {
		r = cli_config_load(&c);
		if (r)
			return finish(&c, r);
		log_set_level(config_log_level(&c.cfg));
	}
	return finish(&c, cmd->run(&c, &a));
}
