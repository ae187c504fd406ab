/* store.c - store maintenance commands: init, migrate, backup, check. */
#include "cli/cli.h"
#include "store/store.h"
#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/banned.h"

static int init_run(struct cli *c, const struct cli_args *a)
{
	(void)a;
	struct store *s = NULL;
	char db[sizeof c->cfg.data_dir + 16];
	int r = cli_store_open(c, &s);
	if (r)
		return r;
	store_close(s);
	config_db_path(&c->cfg, db, sizeof db);
	printf("initialised %s\n", db);
	return 0;
}

static int migrate_run(struct cli *c, const struct cli_args *a)
{
	(void)a;
	struct store *s = NULL;
	struct stat st;
	char db[sizeof c->cfg.data_dir + 16];
	int applied = 0, version = 0;
	config_db_path(&c->cfg, db, sizeof db);
	/* Opening applies pending migrations already; a store that did not
	 * exist before gets all of them now. */
	bool existed = stat(db, &st) == 0;
	int r = cli_store_open(c, &s);
	if (r)
		return r;
	r = store_migrate(s, &applied);
	if (r) {
		cli_fail(c, r, "migration failed: %s", kr_strerror(r));
		goto out;
	}
	r = store_schema_version(s, &version);
	if (r) {
		cli_fail(c, r, "cannot read the schema version: %s", kr_strerror(r));
		goto out;
	}
	if (!existed)
		applied = version;
	printf("schema version %d (applied %d)\n", version, applied);
out:
	store_close(s);
	return r;
}

static int backup_run(struct cli *c, const struct cli_args *a)
{
	struct store *s = NULL;
	struct stat st;
	const char *dest = a->pos[0];
	if (!dest[0])
		return cli_fail(c, KR_EINVAL, "backup: empty destination");
	if (lstat(dest, &st) == 0)
		return cli_fail(c, KR_ECONFLICT, "%s exists; refusing to overwrite it", dest);
	if (errno != ENOENT)
		return cli_fail(c, KR_EIO, "cannot use %s: %s", dest, strerror(errno));
	int r = cli_store_open(c, &s);
	if (r)
		return r;
	r = store_backup(s, dest);
	store_close(s);
	if (r)
		return cli_fail(c, r, "backup to %s failed: %s", dest, kr_strerror(r));
	printf("backup written to %s\n", dest);
	return 0;
}

static int check_run(struct cli *c, const struct cli_args *a)
{
	(void)a;
	struct store *s = NULL;
	int r = cli_store_open(c, &s);
	if (r)
		return r;
	r = store_check(s);
	store_close(s);
	if (r)
		return cli_fail(c, r, "integrity check failed: %s", kr_strerror(r));
	printf("ok\n");
	return 0;
}

static const struct cli_optspec no_opts[] = { { .name = NULL } };

const struct cli_command cli_cmd_init = {
	.group = "init",
	.summary = "create the data directory and the store, apply migrations",
	.usage = "usage: kring [--config FILE] [--data DIR] init\n"
		 "\n"
		 "Creates the data directory (mode 0700) and the store DIR/kring.db when\n"
		 "missing and applies pending migrations. Prints \"initialised PATH\".\n",
	.opts = no_opts,
	.needs_config = true,
	.run = init_run,
};

const struct cli_command cli_cmd_migrate = {
	.group = "migrate",
	.summary = "apply pending schema migrations",
	.usage = "usage: kring [--config FILE] [--data DIR] migrate\n"
		 "\n"
		 "Applies pending migrations and prints \"schema version N (applied M)\".\n",
	.opts = no_opts,
	.needs_config = true,
	.run = migrate_run,
};

const struct cli_command cli_cmd_backup = {
	.group = "backup",
	.summary = "write a consistent online backup of the store",
	.usage = "usage: kring [--config FILE] [--data DIR] backup DEST\n"
		 "\n"
		 "Copies the store to the file DEST while kring may keep serving. Refuses\n"
		 "to overwrite an existing DEST. Prints \"backup written to DEST\".\n",
	.opts = no_opts,
	.min_pos = 1,
	.max_pos = 1,
	.needs_config = true,
	.run = backup_run,
};

const struct cli_command cli_cmd_check = {
	.group = "check",
	.summary = "run the store's integrity check",
	.usage = "usage: kring [--config FILE] [--data DIR] check\n"
		 "\n"
		 "Runs the integrity check of the store. Prints \"ok\"; exits 1 otherwise.\n",
	.opts = no_opts,
	.needs_config = true,
	.run = check_run,
};
