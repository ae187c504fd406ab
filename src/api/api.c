/* api.c - the /api/v1 surface as a whole: configuration defaults and the
 * registration of every resource's routes in one fixed order. */
#include "api/api.h"
#include "util/err.h"

#include <stddef.h>

#include "util/banned.h"

#define DEFAULT_SESSION_TTL_MS (12LL * 60 * 60 * 1000)
#define DEFAULT_LOGIN_MAX_FAILURES 5
#define DEFAULT_LOGIN_MAX_FAILURES_IP 20
#define DEFAULT_LOGIN_WINDOW_MS (15LL * 60 * 1000)
#define DEFAULT_VERSION "0.1.0"

static void config_defaults(struct api_config *c)
{
	if (c->session_ttl_ms <= 0)
		c->session_ttl_ms = DEFAULT_SESSION_TTL_MS;
	if (c->login_max_failures <= 0)
		c->login_max_failures = DEFAULT_LOGIN_MAX_FAILURES;
	if (c->login_max_failures_ip <= 0)
		c->login_max_failures_ip = DEFAULT_LOGIN_MAX_FAILURES_IP;
	if (c->login_window_ms <= 0)
		c->login_window_ms = DEFAULT_LOGIN_WINDOW_MS;
	if (!c->version || !c->version[0])
		c->version = DEFAULT_VERSION;
}

int api_register(struct api *a, struct http_server *srv)
{
	/* The order is the order of `kring routes` and of route matching. */
	static int (*const registrars[])(struct api *, struct http_server *) = {
		api_meta_register,        api_auth_register,      api_orgs_register,
		api_people_register,      api_communities_register, api_admission_register,
		api_audit_register,       api_reports_register,   api_comments_register,
		api_indicators_register,  api_notify_register,
	};
	int r = 0;
	config_defaults(&a->cfg);
	for (size_t i = 0; i < sizeof registrars / sizeof registrars[0]; i++) {
		r = registrars[i](a, srv);
		if (r)
			goto out;
	}
out:
	return r;
}

void api_release(struct api *a)
{
	if (!a)
		return;
	api_auth_release(a);
}
