/* args.c - option parsing for kring's subcommands, against a table per
 * command, with one-line usage errors. */
#include "cli/cli.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

static int spec_find(const struct cli_optspec *spec, const char *name, size_t len)
{
	for (int i = 0; spec && spec[i].name && i < CLI_MAX_OPTS; i++) {
		if (strlen(spec[i].name) == len && strncmp(spec[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

static const char *cmd_name(const struct cli_command *cmd, char *buf, size_t n)
{
	if (cmd->verb)
		snprintf(buf, n, "%s %s", cmd->group, cmd->verb);
	else
		snprintf(buf, n, "%s", cmd->group);
	return buf;
}

int cli_args_parse(struct cli *c, const struct cli_command *cmd, int argc, char **argv,
		   struct cli_args *a)
{
	char name[64];
	bool options_done = false;
	memset(a, 0, sizeof *a);
	a->spec = cmd->opts;
	cmd_name(cmd, name, sizeof name);
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			a->help = true;
			return 0;
		}
	}
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		if (options_done || arg[0] != '-' || arg[1] == '\0') {
			if (a->npos >= cmd->max_pos)
				return cli_usage(c, "%s: unexpected argument '%.100s'", name, arg);
			a->pos[a->npos++] = arg;
			continue;
		}
		if (arg[1] != '-')
			return cli_usage(c, "%s: unknown option '%.100s'", name, arg);
		const char *opt = arg + 2;
		const char *eq = strchr(opt, '=');
		size_t olen = eq ? (size_t)(eq - opt) : strlen(opt);
		int k = spec_find(cmd->opts, opt, olen);
		if (k < 0)
			return cli_usage(c, "%s: unknown option '--%.*s'", name,
					 (int)(olen > 100 ? 100 : olen), opt);
		const struct cli_optspec *sp = &cmd->opts[k];
		const char *val = NULL;
		if (sp->has_arg) {
			if (eq) {
				val = eq + 1;
			} else {
				if (i + 1 >= argc)
					return cli_usage(c, "%s: option --%s needs a value", name,
							 sp->name);
				val = argv[++i];
			}
		} else if (eq) {
			return cli_usage(c, "%s: option --%s takes no value", name, sp->name);
		}
		int max = sp->max > 0 ? sp->max : 1;
		if (max > CLI_MAX_REPEAT)
			max = CLI_MAX_REPEAT;
		if (max == 1) {
			a->vals[k][0] = val;
			a->count[k] = 1;
		} else {
			if (a->count[k] >= max)
				return cli_usage(c, "%s: option --%s may be given at most %d times",
						 name, sp->name, max);
			a->vals[k][a->count[k]++] = val;
		}
	}
	if (a->npos < cmd->min_pos)
		return cli_usage(c, "%s: missing argument (see kring %s --help)", name, name);
	for (int k = 0; cmd->opts && cmd->opts[k].name && k < CLI_MAX_OPTS; k++) {
		if (cmd->opts[k].required && a->count[k] == 0)
			return cli_usage(c, "%s: option --%s is required", name, cmd->opts[k].name);
	}
	return 0;
}

const char *cli_arg(const struct cli_args *a, const char *name)
{
	int k = spec_find(a->spec, name, strlen(name));
	if (k < 0 || a->count[k] == 0)
		return NULL;
	return a->vals[k][a->count[k] - 1];
}

int cli_arg_count(const struct cli_args *a, const char *name)
{
	int k = spec_find(a->spec, name, strlen(name));
	return k < 0 ? 0 : a->count[k];
}

const char *cli_arg_at(const struct cli_args *a, const char *name, int i)
{
	int k = spec_find(a->spec, name, strlen(name));
	if (k < 0 || i < 0 || i >= a->count[k])
		return NULL;
	return a->vals[k][i];
}
