/* web.h - kring's web interface: HTML pages rendered on the server from
 * template files, in Dutch and English, usable without JavaScript, under a
 * strict Content-Security-Policy. The URL scheme is documented in
 * docs/WEB.md.
 *
 * Like the JSON API it asks policy/ for every item it shows or changes and
 * calls store/ for the data; an item the reader may not see answers the
 * same 404 page as one that does not exist. Sessions are cookies (HttpOnly,
 * SameSite=Strict) backed by the store's session rows; every form carries
 * the session's CSRF token and every POST without it answers 403. Failed
 * sign-ins count in the API's login rate limiter. */
#ifndef KR_WEB_H
#define KR_WEB_H

#include "api/api.h"
#include "http/http.h"

#include <stdbool.h>
#include <stddef.h>

struct web_config {
	/* Mark cookies Secure and send HSTS on every answer: kring is only
	 * reached over TLS (util/config's web_secure). */
	bool secure_cookies;
	/* Behind a trusted TLS-terminating reverse proxy (util/config's
	 * trusted_proxy, KRING_TRUSTED_PROXY; req->via_proxy) a request with
	 * "X-Forwarded-Proto: https" gets Secure cookies and HSTS too. */
};

struct web_state; /* private to src/web */

struct web {
	struct api *api;       /* registered first: store, session lifetime, login limiter */
	struct web_config cfg;
	struct web_state *st;  /* set by web_register, freed by web_release */
};


/* Loads the templates and message catalogues (KR_EINVAL when one is
 * broken), and registers every page, form and static asset route on srv.
 * api_register(w->api, srv) must have run (the login limiter is shared);
 * KR_EINVAL otherwise. w must outlive srv. */
int web_register(struct web *w, struct http_server *srv);
/* Frees what web_register allocated (not the api). Safe on a zeroed w. */
void web_release(struct web *w);

#endif
