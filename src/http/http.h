/* http.h - kring's HTTP server on libmicrohttpd: routing, bounded request
 * bodies, responses and RFC 9457 problem+json. This layer knows nothing about
 * communities, TLP or the store.
 *
 * Threading: handlers run one at a time on the server's single event thread,
 * so they may use a single store handle without locking.
 *
 * Ownership: a struct http_request and everything it points to belongs to
 * the server and lives until the handler returns. A handler fills the
 * struct http_response it is given; the server frees it after sending. */
#ifndef KR_HTTP_H
#define KR_HTTP_H

#include "util/strbuf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_PARAMS 4        /* path parameters per route */
#define HTTP_MAX_RESP_HEADERS 16

struct http_request {
	const char *method;      /* "GET", "POST", ... */
	const char *path;        /* URL path without query, percent-decoded by MHD */
	const char *body;        /* NUL-terminated copy of the body, "" if none */
	size_t body_len;
	/* The client: the TCP peer, or when the peer is a trusted proxy
	 * (http_config.trusted_proxies) the right-most address of
	 * X-Forwarded-For that is not a trusted proxy itself, in canonical
	 * form. Rate limits and audit records key on it. */
	const char *client_addr; /* "127.0.0.1" */
	const char *peer_addr;   /* the TCP peer, always */
	bool via_proxy;          /* the peer is a trusted proxy (its X-Forwarded-* count) */
	int nparams;
	const char *params[HTTP_MAX_PARAMS]; /* values of ":name" segments, in order */
	void *conn;              /* private: struct MHD_Connection * */
};

/* Request header value (case-insensitive name) or NULL. */
const char *http_header(const struct http_request *req, const char *name);
/* Query parameter value or NULL ("?a" gives ""). */
const char *http_query(const struct http_request *req, const char *name);
/* Calls fn for each query parameter; stops when fn returns non-zero and
 * returns that value. */
int http_query_each(const struct http_request *req,
		    int (*fn)(void *arg, const char *key, const char *value), void *arg);
/* Cookie value or NULL. */
const char *http_cookie(const struct http_request *req, const char *name);

struct http_response {
	int status;
	char content_type[96];
	struct strbuf body;
	int nheaders;
	char *header_names[HTTP_MAX_RESP_HEADERS];  /* owned */
	char *header_values[HTTP_MAX_RESP_HEADERS]; /* owned */
};

/* Adds a response header (copied); KR_ELIMIT past HTTP_MAX_RESP_HEADERS,
 * KR_EINVAL for a name that is not a token or a value with CR/LF. A header
 * the handler sets replaces the server's default of the same name (e.g. a
 * page's own Content-Security-Policy). */
int http_response_header(struct http_response *res, const char *name, const char *value);
/* Value of a header added with http_response_header (case-insensitive), or NULL. */
const char *http_response_header_get(const struct http_response *res, const char *name);
/* An empty response (status 0 = not filled). The server does this before
 * calling a handler; tests and tools that call handlers directly use it too. */
void http_response_init(struct http_response *res);
/* Frees the body and headers; res is empty (as after init) afterwards. */
void http_response_release(struct http_response *res);
/* Sets status and a JSON body (serialised compactly); takes the reference
 * of j (json_decref'd here; j NULL gives KR_ENOMEM). Setters replace any
 * earlier body; on failure res is left as it was. */
int http_json(struct http_response *res, int status, json_t *j);
/* Sets status and a text body with the given content type. */
int http_text(struct http_response *res, int status, const char *content_type,
	      const char *text, size_t len);
/* 204 No Content. */
void http_no_content(struct http_response *res);

/* RFC 9457 problem+json. slug becomes the stable type "urn:kring:problem:<slug>";
 * title is a short fixed summary for the type, detail a human sentence for
 * this occurrence. errors (may be NULL; its reference is taken) is an array of
 * {"field": "...", "detail": "..."} objects added as "errors". */
int http_problem(struct http_response *res, int status, const char *slug, const char *title,
		 const char *detail, json_t *errors);

typedef int (*http_handler)(struct http_request *req, struct http_response *res, void *ctx);

struct http_config {
	const char *address;     /* "127.0.0.1" (IPv4 or IPv6 literal) */
	int port;                /* 0 = ephemeral */
	size_t max_body;         /* bytes; larger bodies get 413; default 1 MiB */
	unsigned max_connections;/* default 256 */
	unsigned timeout_s;      /* idle connection timeout, default 30 */
	/* Reverse proxies whose X-Forwarded-For is believed: IP literals
	 * separated by commas (util/config's trusted_proxy), NULL or "" = none.
	 * From any other peer the header is ignored. An entry that is not an IP
	 * address stops the walk, and the last good address is used. */
	const char *trusted_proxies;
};

struct http_server;

/* Limits applied before any handler runs, each answered as problem+json
 * with the default headers: a Content-Length above max_body, or a chunked
 * body growing past it, 413 "payload-too-large" (the former without
 * reading the body); more than 100 request headers 431 "too-many-headers";
 * more than 64 query parameters 400 "bad-query". The request line and
 * header lines together are bounded by a 64 KiB per-connection memory
 * limit (libmicrohttpd answers past it itself).
 *
 * Every answer carries X-Content-Type-Options: nosniff, Cache-Control:
 * no-store, Referrer-Policy: no-referrer, X-Frame-Options: DENY and
 * Content-Security-Policy: default-src 'none'; frame-ancestors 'none',
 * unless the handler set the same header itself. A handler that returns
 * without a status in res (whatever it returns) answers 500 "internal",
 * logged once; an answer with a status is sent even if the handler
 * returned an error. One access log line per request at info level:
 * method, path (escaped), status, milliseconds.
 *
 * Creates a server (not yet listening). address must be an IPv4 or IPv6
 * literal (else KR_EINVAL). *out owned by caller: http_server_free(). */
int http_server_new(const struct http_config *cfg, struct http_server **out);
/* Routes: pattern segments starting with ':' capture into req->params.
 * A path that matches a pattern but not its method answers 405 with Allow.
 * No match answers 404 problem+json. Routes are tried in order added.
 * Segments match exactly (case-sensitive); ":x" needs a non-empty segment;
 * a trailing slash never matches. HEAD is not implied by GET. method is
 * upper-case letters; pattern starts with '/', has no empty segments and
 * at most HTTP_MAX_PARAMS parameters (else KR_EINVAL). Routes may only be
 * added while the server is not running (else KR_EINVAL). */
int http_route(struct http_server *srv, const char *method, const char *pattern,
	       http_handler fn, void *ctx);
/* Called for every request before routing; may fill res and return 1 to
 * answer without routing (e.g. rate limits), 0 to continue (anything it put
 * in res is then dropped). A negative return is a failure: its answer, or
 * 500 when it gave none. Optional. */
void http_set_before(struct http_server *srv, http_handler fn, void *ctx);
/* The registered routes, in order (for `kring routes` and tests). Pointers
 * stay valid while srv lives. */
int http_route_count(const struct http_server *srv);
void http_route_get(const struct http_server *srv, int i, const char **method,
		    const char **pattern);
/* Starts listening on its own thread. KR_EINVAL if running, KR_EIO if the
 * address cannot be bound. */
int http_server_start(struct http_server *srv);
/* The port actually bound (useful with port 0). */
int http_server_port(const struct http_server *srv);
void http_server_stop(struct http_server *srv);
void http_server_free(struct http_server *srv);

#endif
