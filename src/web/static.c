/* static.c - the assets kring serves itself (stylesheet, icons), embedded
 * in the binary, under /static/<name>. Nothing comes from another host. */
#include "util/err.h"
#include "web/blobs.h"
#include "web/web_int.h"

#include <string.h>

#include "util/banned.h"

const struct web_blob *web_blob_find(const struct web_blob *arr, int n, const char *name)
{
	for (int i = 0; name && i < n; i++) {
		if (strcmp(arr[i].name, name) == 0)
			return &arr[i];
	}
	return NULL;
}

static const char *content_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (dot && strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (dot && strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	return "application/octet-stream";
}

static int h_static(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)ctx;
	const struct web_blob *b = web_blob_find(web_static, web_static_count, req->params[0]);
	if (!b) {
		/* not a page: a plain answer without the page machinery */
		http_text(res, 404, "text/plain; charset=utf-8", "not found\n", 10);
		return 0;
	}
	int r = http_text(res, 200, content_type(b->name), b->data, b->len);
	if (!r)
		r = http_response_header(res, "Cache-Control", "public, max-age=3600");
	return r;
}

int web_static_register(struct web *w, struct http_server *srv)
{
	return http_route(srv, "GET", "/static/:name", h_static, w);
}
