/* routes.c - `kring routes`: the HTTP routes `kring serve` registers (the
 * API, the web pages, TAXII and the MISP feed), in the order they are tried. */
#include "api/api.h"
#include "cli/cli.h"
#include "http/http.h"
#include "taxii/taxii.h"
#include "util/err.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

static int routes_run(struct cli *c, const struct cli_args *a)
{
	(void)a;
	struct http_server *srv = NULL;
	struct api api;
	struct web web;
	struct taxii taxii;
	struct http_config hc;
	memset(&api, 0, sizeof api);
	memset(&web, 0, sizeof web);
	memset(&taxii, 0, sizeof taxii);
	memset(&hc, 0, sizeof hc);
	/* never started: the server only collects the routes */
	hc.address = "127.0.0.1";
	hc.port = 0;
	int r = http_server_new(&hc, &srv);
	if (r)
		return cli_fail(c, r, "cannot create the HTTP server: %s", kr_strerror(r));
	r = api_register(&api, srv);
	if (r) {
		cli_fail(c, r, "cannot register the API routes: %s", kr_strerror(r));
		goto out;
	}
	/* the same order as kring serve */
	web.api = &api;
	r = web_register(&web, srv);
	if (r) {
		cli_fail(c, r, "cannot register the web routes: %s", kr_strerror(r));
		goto out;
	}
	taxii.api = &api;
	r = taxii_register(&taxii, srv);
	if (r) {
		cli_fail(c, r, "cannot register the TAXII routes: %s", kr_strerror(r));
		goto out;
	}
	int n = http_route_count(srv);
	for (int i = 0; i < n; i++) {
		const char *method = NULL, *pattern = NULL;
		http_route_get(srv, i, &method, &pattern);
		printf("%s\t%s\n", method, pattern);
	}
out:
	http_server_free(srv);
	web_release(&web);
	taxii_release(&taxii);
	api_release(&api);
	return r;
}

static const struct cli_optspec no_opts[] = { { .name = NULL } };

const struct cli_command cli_cmd_routes = {
	.group = "routes",
	.summary = "list the HTTP routes",
	.usage = "usage: kring routes\n"
		 "\n"
		 "Prints every HTTP route of kring serve (the API, the web pages, TAXII and\n"
		 "the MISP feed) as METHOD<TAB>PATTERN, in the order they are tried.\n",
	.opts = no_opts,
	.run = routes_run,
};
