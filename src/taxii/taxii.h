/* taxii.h - kring as a TAXII 2.1 server and as a MISP feed, on the HTTP
 * server next to the JSON API.
 *
 *   /taxii2/                                       discovery
 *   /taxii2/<community id>/                        API root, one per community
 *   /taxii2/<id>/collections/                      its one collection, "reports"
 *   /taxii2/<id>/collections/<c>/                  the collection (uuid or "reports")
 *   /taxii2/<id>/collections/<c>/objects/          GET (paged), POST an envelope
 *   /taxii2/<id>/collections/<c>/objects/<o>/      one object
 *   /taxii2/<id>/collections/<c>/objects/<o>/versions/
 *   /taxii2/<id>/collections/<c>/manifest/
 *   /taxii2/<id>/status/<status id>/
 *   /feeds/misp/<community id>/manifest.json | hashes.csv | <uuid>.json
 *
 * Callers authenticate with HTTP Basic (e-mail and an API token or the
 * password) or a bearer token (as the JSON API). An organisation that is no
 * member of a community gets 404 for its API root and everything under it;
 * every object and event is decided by policy/ with POLICY_EXPORT, so RED
 * content reaches only its author. Errors under /taxii2 are TAXII error
 * messages, except the limits http/ applies before any handler runs (413,
 * 431, more than 64 query parameters), which answer problem+json as
 * everywhere; the feed answers problem+json like the API.
 *
 * TAXII paths end with '/', which the router of http/ does not match, so
 * the paths under /taxii2/ are dispatched from the server's before hook
 * (http_set_before); the same handlers are also registered as routes
 * without the trailing slash, which the router serves and `kring routes`
 * lists. Handlers run on the server's one thread, like the API's. */
#ifndef KR_TAXII_H
#define KR_TAXII_H

#include "api/api.h"
#include "http/http.h"

#include <stddef.h>
#include <stdint.h>

#define TAXII_MEDIA_TYPE "application/taxii+json;version=2.1"
#define TAXII_STIX_MEDIA_TYPE "application/stix+json;version=2.1"
#define TAXII_LIMIT_DEFAULT 100
#define TAXII_LIMIT_MAX 1000

struct taxii_private;

struct taxii {
	struct api *api;           /* required: store, caller resolution, audit */
	size_t max_content_length; /* the server's max_body; 0 = 1 MiB */
	const char *instance;      /* scope of organisation ids in STIX; NULL = "" */
	/* Answers to repeated GETs are kept while nothing in the store
	 * changed, for at most this long (0 = 1000 ms; negative = never;
	 * util/config's taxii_cache_ms in kring serve). */
	long cache_ms;
	struct taxii_private *priv; /* set by taxii_register */
};

/* Registers the TAXII and feed handlers on srv (and installs the before
 * hook). t must outlive srv. 0, KR_EINVAL (no api), KR_ENOMEM. */
int taxii_register(struct taxii *t, struct http_server *srv);
/* Frees what taxii_register allocated; t may be reused. */
void taxii_release(struct taxii *t);

#endif
