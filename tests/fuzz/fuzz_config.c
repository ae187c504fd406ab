/* fuzz_config.c - libFuzzer target: configuration files
 * (config_load_file, through an in-memory file) and listen addresses
 * (config_split_listen).
 *
 * Oracles besides the sanitizers: a refused file leaves a one-line message
 * that names the file; an accepted file leaves a configuration whose every
 * value config_set accepts again, with listen splitting into a host and a
 * port in 0..65535 and the numbers in their documented ranges. */
#include "util/config.h"
#include "util/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, const char *detail)
{
	fprintf(stderr, "config: %s: [%s]\n", what, detail);
	abort();
}

static void check_config(const struct config *c)
{
	struct config copy;
	char err[256], host[128], num[32];
	int port = -1;
	config_defaults(&copy);
	if (config_set(&copy, "listen", c->listen, err, sizeof err) ||
	    config_split_listen(c->listen, host, sizeof host, &port) || port < 0 || port > 65535)
		broken("listen value does not hold", c->listen);
	if (config_set(&copy, "data", c->data_dir, err, sizeof err))
		broken("data value does not hold", c->data_dir);
	if (config_set(&copy, "log_level", c->log_level, err, sizeof err))
		broken("log_level value does not hold", c->log_level);
	snprintf(num, sizeof num, "%ld", c->max_body);
	if (config_set(&copy, "max_body", num, err, sizeof err))
		broken("max_body value does not hold", num);
	snprintf(num, sizeof num, "%ld", c->session_ttl_s);
	if (config_set(&copy, "session_ttl", num, err, sizeof err))
		broken("session_ttl value does not hold", num);
}

static void check_listen(const uint8_t *data, size_t size)
{
	char in[300], host[64];
	int port = -1;
	if (size >= sizeof in)
		return;
	memcpy(in, data, size);
	in[size] = '\0';
	if (config_split_listen(in, host, sizeof host, &port) != 0)
		return;
	if (port < 0 || port > 65535 || !host[0] || strlen(host) >= sizeof host)
		broken("listen split out of range", in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct config c;
	char err[512];
	if (fd < 0) {
		fd = memfd_create("kring-fuzz.conf", MFD_CLOEXEC);
		if (fd < 0)
			broken("memfd_create failed", "");
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	check_listen(data, size);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		broken("cannot write the in-memory file", path);
	config_defaults(&c);
	err[0] = '\0';
	int r = config_load_file(&c, path, err, sizeof err);
	if (r == 0) {
		check_config(&c);
	} else {
		if (r != KR_EINVAL && r != KR_EIO)
			broken("unexpected status", kr_strerror(r));
		if (!err[0] || strchr(err, '\n') || !strstr(err, path))
			broken("message is not one line naming the file", err);
		/* Keys before the failing line stay set, and they were valid. */
		check_config(&c);
	}
	return 0;
}
