/* meta.c - routes about the service itself: GET /api/v1/health and
 * GET /api/v1/openapi.json. Both answer anyone and touch no item. */
#include "api/api.h"
#include "api/apib_openapi.h"
#include "api/apib_report.h"
#include "store/store.h"
#include "util/err.h"

#include <jansson.h>

#include "util/banned.h"

static const char *const no_params[] = { NULL };

/* Cheap on purpose (load balancers poll it): names the store backend but
 * runs no integrity check. */
static int meta_health(struct http_request *req, struct http_response *res, void *ctx)
{
	struct api *a = ctx;
	json_t *j;
	int r;

	r = api_query_allow(req, res, no_params);
	if (r)
		goto out;
	j = json_pack("{s:s, s:s, s:s}", "status", "ok", "version",
		      a->cfg.version ? a->cfg.version : "", "store", store_backend(a->store));
	if (!j) {
		r = KR_ENOMEM;
		goto out;
	}
	r = http_json(res, 200, j);
out:
	return api_report_finish(res, r);
}

static int meta_openapi(struct http_request *req, struct http_response *res, void *ctx)
{
	int r;

	(void)ctx;
	r = api_query_allow(req, res, no_params);
	if (r)
		goto out;
	r = http_text(res, 200, "application/json", api_openapi_json, api_openapi_json_len);
out:
	return api_report_finish(res, r);
}

int api_meta_register(struct api *a, struct http_server *srv)
{
	int r;

	r = http_route(srv, "GET", "/api/v1/health", meta_health, a);
	if (r)
		return r;
	return http_route(srv, "GET", "/api/v1/openapi.json", meta_openapi, a);
}
