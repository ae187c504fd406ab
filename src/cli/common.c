/* common.c - what kring's subcommands share: the one error line,
 * configuration loading, the data directory, opening the store, operator
 * audit records and input checks. */
#include "cli/cli.h"
#include "core/model.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/banned.h"

static void record(struct cli *c, const char *fmt, va_list ap)
{
	if (c->msg[0])
		return; /* the first message is the one that explains */
	vsnprintf(c->msg, sizeof c->msg, fmt, ap);
	/* one line, whatever the pieces contained */
	for (char *p = c->msg; *p; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
}

int cli_fail(struct cli *c, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(c, fmt, ap);
	va_end(ap);
	return status < 0 ? status : KR_EINVAL;
}

int cli_usage(struct cli *c, const char *fmt, ...)
{
	va_list ap;
	if (!c->msg[0])
		c->usage_error = true;
	va_start(ap, fmt);
	record(c, fmt, ap);
	va_end(ap);
	return KR_EINVAL;
}

int cli_config_load(struct cli *c)
{
	char err[512] = "";
	int r = 0;
	config_defaults(&c->cfg);
	if (c->config_path) {
		r = config_load_file(&c->cfg, c->config_path, err, sizeof err);
		if (r)
			return cli_fail(c, r, "%s", err);
	}
	r = config_load_env(&c->cfg, err, sizeof err);
	if (r)
		return cli_fail(c, r, "%s", err);
	if (c->data_flag) {
		r = config_set(&c->cfg, "data", c->data_flag, err, sizeof err);
		if (r)
			return cli_fail(c, r, "--%s", err);
	}
	return 0;
}

/* mkdir that accepts an existing directory; new ones get mode 0700 */
static int mkdir_one(const char *path, bool *created)
{
	struct stat st;
	*created = false;
	if (mkdir(path, 0700) == 0) {
		*created = true;
		return 0;
	}
	if (errno != EEXIST)
		return -errno;
	if (stat(path, &st) != 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int cli_data_dir_ensure(struct cli *c)
{
	char path[sizeof c->cfg.data_dir];
	bool created = false;
	int e = 0;
	snprintf(path, sizeof path, "%s", c->cfg.data_dir);
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	/* parents first: "a/b/c" creates a, a/b, a/b/c as needed */
	for (size_t i = 1; i < n; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		e = mkdir_one(path, &created);
		path[i] = '/';
		if (e)
			goto out;
	}
	e = mkdir_one(path, &created);
	if (!e && created && chmod(path, 0700) != 0)
		e = -errno;
out:
	if (e)
		return cli_fail(c, KR_EIO, "cannot create data directory %s: %s", c->cfg.data_dir,
				strerror(-e));
	return 0;
}

int cli_store_open(struct cli *c, struct store **out)
{
	char db[sizeof c->cfg.data_dir + 16];
	int r = cli_data_dir_ensure(c);
	if (r)
		return r;
	config_db_path(&c->cfg, db, sizeof db);
	r = store_open_sqlite(db, out);
	if (r)
		return cli_fail(c, r, "cannot open store %s: %s", db, kr_strerror(r));
	return 0;
}

int cli_audit_write(struct store *s, int64_t community_id, const char *object_type,
		    int64_t object_id, const char *detail)
{
	struct core_audit a;
	memset(&a, 0, sizeof a);
	a.person_id = 0; /* the operator at the console */
	a.community_id = community_id;
	a.action = AUDIT_WRITE;
	snprintf(a.object_type, sizeof a.object_type, "%s", object_type);
	a.object_id = object_id;
	snprintf(a.detail, sizeof a.detail, "%s", detail);
	snprintf(a.addr, sizeof a.addr, "%s", "cli");
	return store_audit_append(s, &a);
}

int cli_parse_int(const char *s, long min, long max, long *out)
{
	long v = 0;
	bool neg = false;
	const char *p = s;
	if (*p == '-') {
		neg = true;
		p++;
	}
	if (!*p || strlen(p) > 18)
		return KR_EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return KR_EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return KR_EINVAL;
	*out = v;
	return 0;
}

int cli_parse_id(const char *s, int64_t *out)
{
	long v;
	int r = cli_parse_int(s, 1, LONG_MAX, &v);
	if (r)
		return r;
	*out = v;
	return 0;
}

int cli_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int r = 0;
	char *buf = NULL;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return KR_EIO;
	buf = kr_malloc(max + 2);
	if (!buf) {
		r = KR_ENOMEM;
		goto out;
	}
	/* read one byte past max to tell "exactly max" from "larger" */
	while (n < max + 1) {
		ssize_t got = read(fd, buf + n, max + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = KR_EIO;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > max) {
		r = KR_ELIMIT;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = n;
out:
	kr_free(buf);
	close(fd);
	return r;
}

int cli_check_text(struct cli *c, const char *opt, const char *v, size_t max, bool optional)
{
	size_t n = v ? strlen(v) : 0;
	if (n == 0 && optional)
		return 0;
	if (n == 0)
		return cli_fail(c, KR_EINVAL, "--%s must not be empty", opt);
	if (n > max)
		return cli_fail(c, KR_EINVAL, "--%s is longer than %zu bytes", opt, max);
	if (!core_utf8_valid(v, n, false))
		return cli_fail(c, KR_EINVAL, "--%s must be UTF-8 text without control characters",
				opt);
	return 0;
}

int cli_password_hash(struct cli *c, const char *password, char *out, size_t n)
{
	size_t len = strlen(password);
	if (len < 12 || len > 1024)
		return cli_fail(c, KR_EINVAL, "the password must be 12 to 1024 bytes long");
	if (n < crypto_pwhash_STRBYTES)
		return cli_fail(c, KR_EINVAL, "password hash buffer too small");
	if (crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return cli_fail(c, KR_ENOMEM, "cannot hash the password: out of memory");
	return 0;
}
