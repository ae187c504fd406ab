/* serve.c - `kring serve`: the JSON API on a listening socket until SIGINT
 * or SIGTERM. The shared serving loop is also used by `kring demo`. */
#include "api/api.h"
#include "cli/cli.h"
#include "deliver/worker.h"
#include "http/http.h"
#include "store/store.h"
#include "taxii/taxii.h"
#include "util/err.h"
#include "util/log.h"
#include "web/web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/banned.h"

#ifndef KRING_VERSION
#define KRING_VERSION "0.0.0"
#endif

int cli_listen_check(struct cli *c, char *host, size_t hostlen, int *port)
{
	if (config_split_listen(c->cfg.listen, host, hostlen, port))
		return cli_fail(c, KR_EINVAL, "listen address '%s' is not HOST:PORT or [IPv6]:PORT",
				c->cfg.listen);
	if (!config_host_is_ip(host))
		return cli_fail(c, KR_EINVAL, "listen address '%s' is not a literal IP address",
				c->cfg.listen);
	return 0;
}

/* Binds and closes a socket on host:port to learn early, with the system's
 * reason, whether the server could listen there; the HTTP layer would only
 * report a generic failure. 0 or a positive errno. */
static int listen_probe(const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, e = 0;
	memset(&ss, 0, sizeof ss);
	if (strchr(host, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return EINVAL;
		len = sizeof *a6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return EINVAL;
		len = sizeof *a4;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	/* same option as the server, so a port in TIME_WAIT is not refused here */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0)
		e = errno;
	close(fd);
	return e;
}

/* The outbox worker (notify_send_interval, 0 = none): sends what uploads
 * through the API queued, with its own store connection. */
static int start_worker(struct cli *c, struct deliver_worker **out)
{
	struct deliver_config dc;
	char err[256], db[1100];
	*out = NULL;
	if (c->cfg.notify_send_interval_s <= 0)
		return 0;
	int r = deliver_config_from(&c->cfg, &dc, err, sizeof err);
	if (r)
		return cli_fail(c, r, "%s", err);
	config_db_path(&c->cfg, db, sizeof db);
	r = deliver_worker_start(db, &dc, (int64_t)c->cfg.notify_send_interval_s * 1000, out);
	if (r)
		return cli_fail(c, r, "cannot start the notification sender: %s", kr_strerror(r));
	log_info("notifications: the outbox is drained every %ld s through %s",
		 c->cfg.notify_send_interval_s, c->cfg.smtp_relay);
	return 0;
}

static void wake_worker(void *ctx)
{
	deliver_worker_wake(ctx); /* NULL when there is no worker */
}

int cli_serve_store(struct cli *c, struct store *s, cli_ready_fn ready, void *arg)
{
	char host[128];
	int port = 0;
	int sig = 0;
	struct http_server *srv = NULL;
	struct api api;
	struct web web;
	struct taxii taxii;
	struct deliver_worker *worker = NULL;
	sigset_t set;
	memset(&api, 0, sizeof api);
	memset(&web, 0, sizeof web);
	memset(&taxii, 0, sizeof taxii);
	int r = cli_listen_check(c, host, sizeof host, &port);
	if (r)
		return r;

	/* Block the stop signals before the server thread exists so that it
	 * inherits the mask and only sigwait() below receives them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return cli_fail(c, KR_EIO, "cannot block signals");
	signal(SIGPIPE, SIG_IGN);

	int e = port ? listen_probe(host, port) : 0;
	if (e)
		return cli_fail(c, KR_EIO, "cannot listen on %s: %s", c->cfg.listen, strerror(e));

	struct http_config hc;
	memset(&hc, 0, sizeof hc);
	hc.address = host;
	hc.port = port;
	hc.max_body = (size_t)c->cfg.max_body;
	hc.max_connections = 256;
	hc.timeout_s = 30;
	hc.trusted_proxies = c->cfg.trusted_proxy;
	r = http_server_new(&hc, &srv);
	if (r) {
		cli_fail(c, r, "cannot create the HTTP server: %s", kr_strerror(r));
		goto out;
	}
	api.store = s;
	api.config = &c->cfg;
	api.cfg.session_ttl_ms = (int64_t)c->cfg.session_ttl_s * 1000;
	api.cfg.login_max_failures = 5;
	api.cfg.login_max_failures_ip = 20;
	api.cfg.login_window_ms = 15 * 60 * 1000;
	api.cfg.version = KRING_VERSION;
	r = api_register(&api, srv);
	if (r) {
		cli_fail(c, r, "cannot register the API routes: %s", kr_strerror(r));
		goto out;
	}
	web.api = &api;
	web.cfg.secure_cookies = c->cfg.web_secure;
	r = web_register(&web, srv);
	if (r) {
		cli_fail(c, r, "cannot register the web routes: %s", kr_strerror(r));
		goto out;
	}
	taxii.api = &api;
	taxii.max_content_length = hc.max_body;
	taxii.cache_ms = c->cfg.taxii_cache_ms > 0 ? c->cfg.taxii_cache_ms : -1;
	r = taxii_register(&taxii, srv);
	if (r) {
		cli_fail(c, r, "cannot register the TAXII routes: %s", kr_strerror(r));
		goto out;
	}
	/* before the server starts: its thread reads api.on_queued_ctx */
	r = start_worker(c, &worker);
	if (r)
		goto out;
	api.on_queued = wake_worker;
	api.on_queued_ctx = worker;
	r = http_server_start(srv);
	if (r) {
		cli_fail(c, r, "cannot listen on %s: %s", c->cfg.listen, kr_strerror(r));
		goto out;
	}
	bool v6 = strchr(host, ':') != NULL;
	printf("kring listening on http://%s%s%s:%d/\n", v6 ? "[" : "", host, v6 ? "]" : "",
	       http_server_port(srv));
	if (ready)
		ready(arg);
	fflush(stdout);
	log_info("kring %s listening on %s%s%s:%d (store %s)", KRING_VERSION, v6 ? "[" : "", host,
		 v6 ? "]" : "", http_server_port(srv), store_backend(s));
	if (geteuid() == 0)
		log_warn("serving as root (allowed by --allow-root or KRING_ALLOW_ROOT=1)");

	while (sigwait(&set, &sig) != 0)
		;
	log_info("received %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	http_server_stop(srv);
out:
	deliver_worker_stop(worker); /* after the last upload: what it queued is sent next time */
	if (srv)
		http_server_free(srv);
	web_release(&web);
	taxii_release(&taxii);
	api_release(&api);
	return r;
}

int cli_root_check(struct cli *c, const struct cli_args *a)
{
	const char *env = getenv("KRING_ALLOW_ROOT");
	/* A server holding members' secrets should not hold every other
	 * right on the machine too. */
	if (geteuid() != 0 || cli_arg_count(a, "allow-root") > 0 || (env && strcmp(env, "1") == 0))
		return 0;
	return cli_fail(c, KR_EFORBIDDEN, "refusing to serve as root: run kring as an "
			"unprivileged user (or give --allow-root or KRING_ALLOW_ROOT=1)");
}

static int serve_run(struct cli *c, const struct cli_args *a)
{
	struct store *s = NULL;
	char err[256];
	int r = cli_root_check(c, a);
	if (r)
		return r;
	const char *listen = cli_arg(a, "listen");
	if (listen && config_set(&c->cfg, "listen", listen, err, sizeof err))
		return cli_fail(c, KR_EINVAL, "--%s", err);
	char host[128];
	int port;
	r = cli_listen_check(c, host, sizeof host, &port);
	if (r)
		return r;
	r = cli_store_open(c, &s);
	if (r)
		return r;
	r = cli_serve_store(c, s, NULL, NULL);
	store_close(s);
	return r;
}

static const struct cli_optspec serve_opts[] = {
	{ .name = "listen", .has_arg = true },
	{ .name = "allow-root" },
	{ .name = NULL },
};

const struct cli_command cli_cmd_serve = {
	.group = "serve",
	.summary = "serve the API until SIGINT/SIGTERM",
	.usage = "usage: kring [--config FILE] [--data DIR] serve [--listen HOST:PORT]\n"
		 "\n"
		 "Opens the store (creating it when missing) and serves the JSON API under\n"
		 "/api/v1 until SIGINT or SIGTERM. Prints \"kring listening on\n"
		 "http://HOST:PORT/\" once ready; logs go to stderr. HOST must be a literal\n"
		 "IPv4 or IPv6 address ([::1]:8080); port 0 picks a free port.\n"
		 "\n"
		 "  --listen HOST:PORT   address to listen on (default: listen setting,\n"
		 "                       127.0.0.1:8080)\n"
		 "  --allow-root         serve even as root (also KRING_ALLOW_ROOT=1); kring\n"
		 "                       refuses to otherwise\n",
	.opts = serve_opts,
	.needs_config = true,
	.run = serve_run,
};
