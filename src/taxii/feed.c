/* feed.c - a community's reports as a MISP feed over HTTP, so that a MISP
 * instance can subscribe to kring:
 *
 *   GET /feeds/misp/<community id>/manifest.json
 *   GET /feeds/misp/<community id>/hashes.csv
 *   GET /feeds/misp/<community id>/<event uuid>.json
 *
 * The same credentials as TAXII (Basic or bearer); an organisation that is
 * no member of the community gets 404; every event is decided by policy/
 * with POLICY_EXPORT. Errors are problem+json like the JSON API's. */
#include "taxii/taxii_int.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

static int feed_problem(struct http_response *res, int status)
{
	int r;
	switch (status) {
	case 401:
		r = http_problem(res, 401, "unauthorized", "Unauthorized",
				 "Authenticate with HTTP Basic (e-mail and API token or password) "
				 "or a bearer token.",
				 NULL);
		if (!r)
			r = http_response_header(res, "WWW-Authenticate",
						 "Basic realm=\"kring\", Bearer realm=\"kring\"");
		return r ? r : KR_EAUTH;
	case 404:
		r = http_problem(res, 404, "not-found", "Not found", "No such resource.", NULL);
		return r ? r : KR_ENOTFOUND;
	case 429:
		r = http_problem(res, 429, "rate-limited", "Too many requests",
				 "Too many failed sign-ins; try again later.", NULL);
		return r ? r : KR_EBUSY;
	default:
		r = http_problem(res, 500, "internal", "Internal error",
				 "The server could not complete the request.", NULL);
		return r ? r : KR_EIO;
	}
}

/* "<uuid>.json" -> uuid (lower-case); false for anything else. */
static bool event_file(const char *file, char uuid[37])
{
	if (strlen(file) != 41 || strcmp(file + 36, ".json") != 0)
		return false;
	for (int i = 0; i < 36; i++) {
		char ch = file[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? ch != '-' : !isxdigit((unsigned char)ch))
			return false;
		uuid[i] = (char)tolower((unsigned char)ch);
	}
	uuid[36] = '\0';
	return true;
}

static int h_feed(struct http_request *req, struct http_response *res, void *ctx)
{
	struct taxii *t = ctx;
	struct api_caller c;
	struct interop_audit audit;
	struct misp_feed *feed = NULL;
	char *text = NULL;
	size_t len = 0, count = 0;
	char uuid[37];
	char *end = NULL;
	memset(&audit, 0, sizeof audit);
	const char *file = req->params[1];
	int r = taxii_caller_status(t, req, &c);
	if (r)
		return feed_problem(res, r == KR_EAUTH ? 401 : r == KR_EBUSY ? 429 : 500);
	long long cid = strtoll(req->params[0], &end, 10);
	const struct policy_membership *m = policy_membership_of(&c.actor, cid);
	if (!isdigit((unsigned char)req->params[0][0]) || *end || cid <= 0 || !m ||
	    !m->org_is_member)
		return feed_problem(res, 404);
	struct interop_export_opts o = {
		.community_id = cid,
		.actor = &c.actor,
		.instance = t->instance,
		.audit = &audit,
	};
	const char *ctype = "application/json";
	if (strcmp(file, "manifest.json") == 0 || strcmp(file, "hashes.csv") == 0) {
		r = interop_misp_feed(t->api->store, &o, &feed, &count);
		if (!r && file[0] == 'm')
			r = misp_feed_manifest(feed, &text, &len);
		else if (!r) {
			r = misp_feed_hashes(feed, &text, &len);
			ctype = "text/csv; charset=utf-8";
		}
	} else if (event_file(file, uuid)) {
		r = interop_misp_feed_event(t->api->store, &o, uuid, &text, &len);
		if (r == KR_ENOTFOUND) {
			r = feed_problem(res, 404);
			goto out;
		}
	} else {
		r = feed_problem(res, 404);
		goto out;
	}
	if (r) {
		log_error("feed: %s of community %lld failed: %s", file, cid, kr_strerror(r));
		r = feed_problem(res, 500);
		goto out;
	}
	r = http_text(res, 200, ctype, text, len);
	if (r) {
		r = feed_problem(res, 500);
		goto out;
	}
	taxii_audit_reads(t, &c, req, &audit, "misp-feed");
out:
	misp_feed_free(feed);
	kr_free(text);
	interop_audit_release(&audit);
	return r;
}

int taxii_feed_register(struct taxii *t, struct http_server *srv)
{
	return http_route(srv, "GET", "/feeds/misp/:community/:file", h_feed, t);
}
