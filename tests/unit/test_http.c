/* test_http.c - unit tests of src/http: a real server on 127.0.0.1 port 0
 * spoken to over plain sockets. Covers routing with parameters, 404/405
 * with Allow, 413 for large Content-Length and chunked bodies, default
 * headers, problem+json, query and cookie parsing, header and parameter
 * limits, failing handlers, the before hook, and many sequential requests.
 * The response helpers are also tested without a server. */
#include "http/http.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/banned.h"

#define TEST_MAX_BODY 1024

static struct http_server *srv;
static int port;
static int before_calls;

/* ---- a minimal HTTP/1.1 client over a socket ---- */

struct reply {
	int status;
	char *raw;       /* whole answer, NUL-terminated */
	size_t len;
	const char *body;
	size_t body_len;
	char head[8192]; /* status line and headers */
};

static int connect_to(int family, const char *addr, int p)
{
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = { 10, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	int rc;
	if (family == AF_INET6) {
		struct sockaddr_in6 sa = { 0 };
		sa.sin6_family = AF_INET6;
		sa.sin6_port = htons((uint16_t)p);
		inet_pton(AF_INET6, addr, &sa.sin6_addr);
		rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	} else {
		struct sockaddr_in sa = { 0 };
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)p);
		inet_pton(AF_INET, addr, &sa.sin_addr);
		rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	}
	if (rc) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		assert_true(n > 0);
		data += n;
		len -= (size_t)n;
	}
}

/* Splits raw into status, head and body (Content-Length or until EOF). */
static void parse_reply(struct reply *rp)
{
	char *sep = strstr(rp->raw, "\r\n\r\n");
	assert_non_null(sep);
	size_t hlen = (size_t)(sep - rp->raw);
	assert_true(hlen < sizeof rp->head);
	memcpy(rp->head, rp->raw, hlen);
	rp->head[hlen] = '\0';
	assert_int_equal(sscanf(rp->raw, "HTTP/1.1 %d", &rp->status), 1);
	rp->body = sep + 4;
	rp->body_len = rp->len - (hlen + 4);
}

/* Reads one answer from fd: headers, then Content-Length bytes of body. */
static void read_reply(int fd, struct reply *rp)
{
	size_t cap = 4096;
	memset(rp, 0, sizeof *rp);
	rp->raw = malloc(cap);
	assert_non_null(rp->raw);
	long want = -1;
	for (;;) {
		if (rp->len + 1 >= cap) {
			cap *= 2;
			rp->raw = realloc(rp->raw, cap);
			assert_non_null(rp->raw);
		}
		/* Read byte-wise before the head is complete so that a second
		 * answer on a kept-alive connection is not consumed. */
		size_t room = want < 0 ? 1 : cap - rp->len - 1;
		if (want >= 0 && (size_t)want - rp->len < room)
			room = (size_t)want - rp->len;
		if (want >= 0 && rp->len >= (size_t)want)
			break;
		ssize_t n = recv(fd, rp->raw + rp->len, room, 0);
		if (n <= 0)
			break;
		rp->len += (size_t)n;
		rp->raw[rp->len] = '\0';
		char *sep = want < 0 ? strstr(rp->raw, "\r\n\r\n") : NULL;
		if (sep) {
			const char *cl = strcasestr(rp->raw, "\r\nContent-Length:");
			if (cl && cl < sep)
				want = (long)(sep - rp->raw) + 4 + atol(cl + 17);
		}
	}
	rp->raw[rp->len] = '\0';
	parse_reply(rp);
}

static void reply_free(struct reply *rp)
{
	free(rp->raw);
	rp->raw = NULL;
}

/* Sends a complete request (which should say "Connection: close") and
 * reads the answer. */
static void roundtrip_raw(const char *request, size_t len, struct reply *rp)
{
	int fd = connect_to(AF_INET, "127.0.0.1", port);
	assert_true(fd >= 0);
	send_all(fd, request, len);
	read_reply(fd, rp);
	close(fd);
}

static void request(const char *method, const char *target, const char *extra_headers,
		    const char *body, struct reply *rp)
{
	char req[16384];
	size_t blen = body ? strlen(body) : 0;
	int n;
	if (body)
		n = snprintf(req, sizeof req,
			     "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s"
			     "Content-Length: %zu\r\n\r\n%s",
			     method, target, extra_headers ? extra_headers : "", blen, body);
	else
		n = snprintf(req, sizeof req,
			     "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n",
			     method, target, extra_headers ? extra_headers : "");
	assert_true(n > 0 && (size_t)n < sizeof req);
	roundtrip_raw(req, (size_t)n, rp);
}

/* Value of header name in the answer copied into out, or NULL. */
static const char *reply_header(const struct reply *rp, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *p = strstr(rp->head, "\r\n");
	while (p) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			const char *e = strstr(v, "\r\n");
			size_t vl = e ? (size_t)(e - v) : strlen(v);
			if (vl >= n)
				vl = n - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return out;
		}
		p = strstr(p, "\r\n");
	}
	return NULL;
}

static int header_count(const struct reply *rp, const char *name)
{
	int count = 0;
	size_t nl = strlen(name);
	for (const char *p = strstr(rp->head, "\r\n"); p; p = strstr(p, "\r\n")) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':')
			count++;
	}
	return count;
}

static json_t *reply_json(const struct reply *rp)
{
	json_error_t err;
	json_t *j = json_loadb(rp->body, rp->body_len, 0, &err);
	if (!j)
		fail_msg("body is not JSON: %s (%.*s)", err.text, (int)rp->body_len, rp->body);
	return j;
}

static void assert_header(const struct reply *rp, const char *name, const char *value)
{
	char buf[512];
	const char *v = reply_header(rp, name, buf, sizeof buf);
	if (!v)
		fail_msg("header %s missing in:\n%s", name, rp->head);
	assert_string_equal(v, value);
}

static void assert_security_headers(const struct reply *rp)
{
	assert_header(rp, "X-Content-Type-Options", "nosniff");
	assert_header(rp, "Cache-Control", "no-store");
	assert_header(rp, "Referrer-Policy", "no-referrer");
	assert_header(rp, "X-Frame-Options", "DENY");
	assert_header(rp, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
}

/* A problem+json answer with the given status and slug. */
static void assert_problem(const struct reply *rp, int status, const char *slug)
{
	char type[128];
	assert_int_equal(rp->status, status);
	assert_header(rp, "Content-Type", "application/problem+json");
	json_t *j = reply_json(rp);
	snprintf(type, sizeof type, "urn:kring:problem:%s", slug);
	assert_string_equal(json_string_value(json_object_get(j, "type")), type);
	assert_true(json_is_string(json_object_get(j, "title")));
	assert_true(strlen(json_string_value(json_object_get(j, "title"))) > 0);
	assert_int_equal(json_integer_value(json_object_get(j, "status")), status);
	assert_true(json_is_string(json_object_get(j, "detail")));
	json_decref(j);
}

/* ---- test handlers ---- */

static int h_item(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)ctx;
	json_t *j = json_object();
	json_t *params = json_array();
	for (int i = 0; i < req->nparams; i++)
		json_array_append_new(params, json_string(req->params[i]));
	json_object_set_new(j, "params", params);
	json_object_set_new(j, "method", json_string(req->method));
	json_object_set_new(j, "path", json_string(req->path));
	return http_json(res, 200, j);
}

static int h_delete(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)req;
	(void)ctx;
	http_no_content(res);
	return 0;
}

static int h_echo(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)ctx;
	/* The body is a NUL-terminated copy. */
	if (req->body[req->body_len] != '\0')
		return KR_EINVAL;
	return http_text(res, 200, "application/octet-stream", req->body, req->body_len);
}

static int add_param(void *arg, const char *key, const char *value)
{
	json_t *arr = arg;
	json_t *pair = json_pack("[ss]", key, value);
	if (!pair)
		return -1;
	json_array_append_new(arr, pair);
	return 0;
}

static int stop_at_b(void *arg, const char *key, const char *value)
{
	(void)value;
	int *seen = arg;
	(*seen)++;
	return strcmp(key, "b") == 0 ? 7 : 0;
}

static int h_query(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)ctx;
	json_t *arr = json_array();
	int r = http_query_each(req, add_param, arr);
	if (r) {
		json_decref(arr);
		return r;
	}
	int seen = 0;
	int stopped = http_query_each(req, stop_at_b, &seen);
	const char *a = http_query(req, "a");
	const char *missing = http_query(req, "missing");
	json_t *j = json_pack("{s:o,s:s?,s:s?,s:b,s:i,s:i}", "all", arr, "a", a, "c",
			      http_query(req, "c"), "missing_is_null", missing == NULL, "stopped",
			      stopped, "seen", seen);
	return http_json(res, 200, j);
}

static int h_cookie(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)ctx;
	json_t *j = json_pack("{s:s?,s:s?,s:b}", "sid", http_cookie(req, "sid"), "lang",
			      http_cookie(req, "lang"), "none_is_null",
			      http_cookie(req, "none") == NULL);
	return http_json(res, 200, j);
}

static int h_header(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)ctx;
	json_t *j = json_pack("{s:s?,s:s,s:b}", "x_test", http_header(req, "x-TEST"), "client",
			      req->client_addr, "absent_is_null", http_header(req, "X-None") == NULL);
	return http_json(res, 200, j);
}

static int h_whois(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)ctx;
	json_t *j = json_pack("{s:s,s:s,s:b}", "client", req->client_addr, "peer",
			      req->peer_addr, "via_proxy", req->via_proxy);
	return http_json(res, 200, j);
}

static int h_fail(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)req;
	(void)ctx;
	/* A half-built answer must not leak out: only headers, no status. */
	http_response_header(res, "X-Half", "yes");
	return KR_EIO;
}

static int h_fail_filled(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)req;
	(void)ctx;
	http_problem(res, 401, "unauthorized", "Unauthorized", "No.", NULL);
	http_response_header(res, "WWW-Authenticate", "Bearer");
	return KR_EAUTH;
}

static int h_silent(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)req;
	(void)res;
	(void)ctx;
	return 0; /* success without an answer is a bug too */
}

static int h_problem(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)req;
	(void)ctx;
	json_t *errors = json_pack("[{s:s,s:s}]", "field", "name", "detail", "is required");
	return http_problem(res, 422, "validation", "Validation failed",
			    "The request body has invalid fields.", errors);
}

static int h_csp(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)req;
	(void)ctx;
	int r = http_response_header(res, "Content-Security-Policy", "default-src 'self'");
	if (r)
		return r;
	return http_text(res, 200, "text/html; charset=utf-8", "<p>hi</p>", 9);
}

static int h_root(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)req;
	(void)ctx;
	return http_text(res, 200, "text/plain", "root", 4);
}

static int before(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)ctx;
	before_calls++;
	if (strcmp(req->path, "/blocked") == 0) {
		int r = http_problem(res, 429, "rate-limited", "Too many requests", "Slow down.",
				     NULL);
		return r ? r : 1;
	}
	if (strcmp(req->path, "/before-fails") == 0)
		return KR_EIO;
	/* Filling res and still returning 0 must not leak into the answer. */
	http_response_header(res, "X-From-Before", "1");
	return 0;
}

static int start_server(void **state)
{
	(void)state;
	log_set_level(LOG_WARN);
	struct http_config cfg = { .address = "127.0.0.1", .port = 0,
				   .max_body = TEST_MAX_BODY };
	if (http_server_new(&cfg, &srv))
		return -1;
	int r = 0;
	r |= http_route(srv, "GET", "/", h_root, NULL);
	r |= http_route(srv, "GET", "/items/:id", h_item, NULL);
	r |= http_route(srv, "DELETE", "/items/:id", h_delete, NULL);
	r |= http_route(srv, "GET", "/items/:id/sub/:sub", h_item, NULL);
	r |= http_route(srv, "POST", "/items", h_echo, NULL);
	r |= http_route(srv, "GET", "/items/special", h_root, NULL);
	r |= http_route(srv, "GET", "/query", h_query, NULL);
	r |= http_route(srv, "GET", "/cookie", h_cookie, NULL);
	r |= http_route(srv, "GET", "/header", h_header, NULL);
	r |= http_route(srv, "GET", "/fail", h_fail, NULL);
	r |= http_route(srv, "GET", "/fail-filled", h_fail_filled, NULL);
	r |= http_route(srv, "GET", "/silent", h_silent, NULL);
	r |= http_route(srv, "GET", "/problem", h_problem, NULL);
	r |= http_route(srv, "GET", "/page", h_csp, NULL);
	r |= http_route(srv, "GET", "/blocked", h_root, NULL);
	r |= http_route(srv, "GET", "/before-fails", h_root, NULL);
	if (r)
		return -1;
	http_set_before(srv, before, NULL);
	if (http_server_start(srv))
		return -1;
	port = http_server_port(srv);
	return port > 0 ? 0 : -1;
}

static int stop_server(void **state)
{
	(void)state;
	http_server_free(srv);
	srv = NULL;
	return 0;
}

/* ---- without a server ---- */

static int noop(struct http_request *req, struct http_response *res, void *ctx)
{
	(void)req;
	(void)res;
	(void)ctx;
	return 0;
}

static void config_is_checked(void **state)
{
	(void)state;
	struct http_server *s = NULL;
	struct http_config bad_addr = { .address = "localhost", .port = 0 };
	assert_int_equal(http_server_new(&bad_addr, &s), KR_EINVAL);
	assert_null(s);
	struct http_config bad_port = { .address = "127.0.0.1", .port = 70000 };
	assert_int_equal(http_server_new(&bad_port, &s), KR_EINVAL);
	struct http_config no_addr = { .address = NULL };
	assert_int_equal(http_server_new(&no_addr, &s), KR_EINVAL);
	struct http_config v6 = { .address = "::1", .port = 8080 };
	assert_int_equal(http_server_new(&v6, &s), 0);
	/* Not started: the configured port. */
	assert_int_equal(http_server_port(s), 8080);
	http_server_free(s);
}

static void routes_are_checked_and_listed(void **state)
{
	(void)state;
	struct http_server *s = NULL;
	struct http_config cfg = { .address = "127.0.0.1", .port = 0 };
	assert_int_equal(http_server_new(&cfg, &s), 0);
	assert_int_equal(http_route(s, "GET", "/a/:id", noop, NULL), 0);
	assert_int_equal(http_route(s, "POST", "/a", noop, NULL), 0);
	assert_int_equal(http_route(s, "GET", "no-slash", noop, NULL), KR_EINVAL);
	assert_int_equal(http_route(s, "GET", "/a//b", noop, NULL), KR_EINVAL);
	assert_int_equal(http_route(s, "GET", "/a/", noop, NULL), KR_EINVAL);
	assert_int_equal(http_route(s, "GET", "/a/:", noop, NULL), KR_EINVAL);
	assert_int_equal(http_route(s, "get", "/a", noop, NULL), KR_EINVAL);
	assert_int_equal(http_route(s, "", "/a", noop, NULL), KR_EINVAL);
	assert_int_equal(http_route(s, "GET", "/a", NULL, NULL), KR_EINVAL);
	assert_int_equal(http_route(s, "GET", "/:a/:b/:c/:d/:e", noop, NULL), KR_EINVAL);
	assert_int_equal(http_route(s, "GET", "/:a/:b/:c/:d", noop, NULL), 0);
	/* Many routes grow the table. */
	for (int i = 0; i < 100; i++) {
		char p[32];
		snprintf(p, sizeof p, "/r%d", i);
		assert_int_equal(http_route(s, "GET", p, noop, NULL), 0);
	}
	assert_int_equal(http_route_count(s), 103);
	const char *m, *p;
	http_route_get(s, 0, &m, &p);
	assert_string_equal(m, "GET");
	assert_string_equal(p, "/a/:id");
	http_route_get(s, 1, &m, &p);
	assert_string_equal(m, "POST");
	assert_string_equal(p, "/a");
	http_route_get(s, 102, &m, &p);
	assert_string_equal(p, "/r99");
	http_route_get(s, 103, &m, &p);
	assert_null(m);
	assert_null(p);
	http_server_free(s);
}

static void response_helpers(void **state)
{
	(void)state;
	struct http_response res;
	http_response_init(&res);
	assert_int_equal(http_json(&res, 201, json_pack("{s:i}", "a", 1)), 0);
	assert_int_equal(res.status, 201);
	assert_string_equal(res.content_type, "application/json");
	assert_string_equal(res.body.buf, "{\"a\":1}");
	/* A later setter replaces the body. */
	assert_int_equal(http_text(&res, 200, "text/plain", "hello", 5), 0);
	assert_string_equal(res.body.buf, "hello");
	assert_string_equal(res.content_type, "text/plain");
	/* NULL JSON (a failed constructor) is an error and keeps res. */
	assert_int_equal(http_json(&res, 500, NULL), KR_ENOMEM);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body.buf, "hello");
	/* Too long a content type. */
	char ct[200];
	memset(ct, 'a', sizeof ct - 1);
	ct[sizeof ct - 1] = '\0';
	assert_int_equal(http_text(&res, 200, ct, "x", 1), KR_EINVAL);
	http_no_content(&res);
	assert_int_equal(res.status, 204);
	assert_int_equal(res.body.len, 0);

	/* Headers: copied, checked for splitting, bounded. */
	assert_int_equal(http_response_header(&res, "X-A", "1"), 0);
	assert_string_equal(http_response_header_get(&res, "x-a"), "1");
	assert_null(http_response_header_get(&res, "X-B"));
	assert_int_equal(http_response_header(&res, "X-Bad", "a\r\nSet-Cookie: x=1"), KR_EINVAL);
	assert_int_equal(http_response_header(&res, "Bad Name", "v"), KR_EINVAL);
	assert_int_equal(http_response_header(&res, "", "v"), KR_EINVAL);
	for (int i = 1; i < HTTP_MAX_RESP_HEADERS; i++)
		assert_int_equal(http_response_header(&res, "X-N", "v"), 0);
	assert_int_equal(http_response_header(&res, "X-N", "v"), KR_ELIMIT);
	http_response_release(&res);
	assert_int_equal(res.nheaders, 0);
	assert_int_equal(res.status, 0);

	/* Problem with errors; the errors reference is taken. */
	json_t *errors = json_pack("[{s:s,s:s}]", "field", "title", "detail", "too long");
	assert_int_equal(http_problem(&res, 422, "validation", "Validation failed",
				      "The request body has invalid fields.", errors),
			 0);
	assert_int_equal(res.status, 422);
	assert_string_equal(res.content_type, "application/problem+json");
	json_t *j = json_loads(res.body.buf, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "type")),
			    "urn:kring:problem:validation");
	assert_string_equal(json_string_value(json_object_get(j, "title")), "Validation failed");
	assert_int_equal(json_integer_value(json_object_get(j, "status")), 422);
	assert_string_equal(json_string_value(json_object_get(j, "detail")),
			    "The request body has invalid fields.");
	json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
	assert_string_equal(json_string_value(json_object_get(e0, "field")), "title");
	json_decref(j);
	/* Without errors there is no "errors" member. */
	assert_int_equal(http_problem(&res, 404, "not-found", "Not found", "No such resource.",
				      NULL),
			 0);
	j = json_loads(res.body.buf, 0, NULL);
	assert_null(json_object_get(j, "errors"));
	json_decref(j);
	/* Invalid UTF-8 in the detail is refused, res unchanged. */
	assert_int_equal(http_problem(&res, 400, "x", "X", "bad \xff", NULL), KR_EINVAL);
	assert_int_equal(res.status, 404);
	http_response_release(&res);
}

static void response_allocation_failures(void **state)
{
	(void)state;
	/* Every allocation failing at some point gives an error, never a
	 * crash or a half-filled answer. */
	for (long n = 0; n < 20; n++) {
		struct http_response res;
		http_response_init(&res);
		kr_alloc_fail_after(n);
		int r1 = http_problem(&res, 404, "not-found", "Not found", "No such resource.",
				      NULL);
		int r2 = http_response_header(&res, "X-A", "1");
		kr_alloc_fail_after(-1);
		if (r1)
			assert_int_equal(res.status, 0);
		else
			assert_int_equal(res.status, 404);
		assert_true(r2 == 0 || r2 == KR_ENOMEM);
		http_response_release(&res);
	}
}

/* ---- over the network ---- */

static void routing_with_params(void **state)
{
	(void)state;
	struct reply rp;
	request("GET", "/items/42", NULL, NULL, &rp);
	assert_int_equal(rp.status, 200);
	assert_header(&rp, "Content-Type", "application/json");
	json_t *j = reply_json(&rp);
	assert_int_equal(json_array_size(json_object_get(j, "params")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "params"), 0)),
			    "42");
	json_decref(j);
	reply_free(&rp);

	/* Two parameters, percent-decoded. */
	request("GET", "/items/7/sub/a%20b", NULL, NULL, &rp);
	assert_int_equal(rp.status, 200);
	j = reply_json(&rp);
	json_t *params = json_object_get(j, "params");
	assert_int_equal(json_array_size(params), 2);
	assert_string_equal(json_string_value(json_array_get(params, 0)), "7");
	assert_string_equal(json_string_value(json_array_get(params, 1)), "a b");
	json_decref(j);
	reply_free(&rp);

	/* Routes are tried in order: "/items/:id" comes before "/items/special". */
	request("GET", "/items/special", NULL, NULL, &rp);
	assert_int_equal(rp.status, 200);
	assert_header(&rp, "Content-Type", "application/json");
	reply_free(&rp);

	/* The root pattern. */
	request("GET", "/", NULL, NULL, &rp);
	assert_int_equal(rp.status, 200);
	assert_int_equal(rp.body_len, 4);
	assert_memory_equal(rp.body, "root", 4);
	reply_free(&rp);

	/* The query does not take part in routing. */
	request("GET", "/items/5?x=1", NULL, NULL, &rp);
	assert_int_equal(rp.status, 200);
	reply_free(&rp);

	request("DELETE", "/items/5", NULL, NULL, &rp);
	assert_int_equal(rp.status, 204);
	assert_int_equal(rp.body_len, 0);
	assert_security_headers(&rp);
	reply_free(&rp);
}

static void not_found(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"/nope", "/items/42/", "/items//sub/x", "/items/1/sub/", "/items/1/sub",
		"/items/1/sub/2/3", "//", "/ITEMS/1", "/query/",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct reply rp;
		request("GET", paths[i], NULL, NULL, &rp);
		if (rp.status != 404)
			fail_msg("%s gave %d", paths[i], rp.status);
		assert_problem(&rp, 404, "not-found");
		assert_security_headers(&rp);
		reply_free(&rp);
	}
}

static void method_not_allowed(void **state)
{
	(void)state;
	struct reply rp;
	request("PUT", "/items/1", NULL, "{}", &rp);
	assert_problem(&rp, 405, "method-not-allowed");
	assert_header(&rp, "Allow", "GET, DELETE");
	assert_security_headers(&rp);
	reply_free(&rp);

	request("GET", "/items", NULL, NULL, &rp);
	assert_problem(&rp, 405, "method-not-allowed");
	assert_header(&rp, "Allow", "POST");
	reply_free(&rp);

	/* HEAD is not implied by GET. */
	request("HEAD", "/items/1", NULL, NULL, &rp);
	assert_int_equal(rp.status, 405);
	assert_header(&rp, "Allow", "GET, DELETE");
	reply_free(&rp);

	/* Both "/items/:id" and "/items/special" match; GET is listed once. */
	request("POST", "/items/special", NULL, "x", &rp);
	assert_int_equal(rp.status, 405);
	assert_header(&rp, "Allow", "GET, DELETE");
	reply_free(&rp);
}

static void too_large_content_length(void **state)
{
	(void)state;
	/* Only the head is sent: the server must answer without the body. */
	static const char req[] = "POST /items HTTP/1.1\r\nHost: localhost\r\n"
				  "Connection: close\r\nContent-Type: application/json\r\n"
				  "Content-Length: 10000000\r\n\r\n";
	struct reply rp;
	roundtrip_raw(req, sizeof req - 1, &rp);
	assert_problem(&rp, 413, "payload-too-large");
	assert_security_headers(&rp);
	reply_free(&rp);

	/* One byte over the cap, body sent along. */
	char body[TEST_MAX_BODY + 2];
	memset(body, 'a', TEST_MAX_BODY + 1);
	body[TEST_MAX_BODY + 1] = '\0';
	request("POST", "/items", NULL, body, &rp);
	assert_problem(&rp, 413, "payload-too-large");
	reply_free(&rp);

	/* A value that would overflow. */
	static const char huge[] = "POST /items HTTP/1.1\r\nHost: localhost\r\n"
				   "Connection: close\r\n"
				   "Content-Length: 99999999999999999999999\r\n\r\n";
	roundtrip_raw(huge, sizeof huge - 1, &rp);
	assert_true(rp.status == 413 || rp.status == 400);
	reply_free(&rp);
}

static void chunked_request(const char *const *chunks, size_t n, struct reply *rp)
{
	char req[65536];
	size_t len = 0;
	int w = snprintf(req, sizeof req,
			 "POST /items HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
			 "Transfer-Encoding: chunked\r\n\r\n");
	len += (size_t)w;
	for (size_t i = 0; i < n; i++) {
		w = snprintf(req + len, sizeof req - len, "%zx\r\n%s\r\n", strlen(chunks[i]),
			     chunks[i]);
		assert_true(w > 0 && (size_t)w < sizeof req - len);
		len += (size_t)w;
	}
	w = snprintf(req + len, sizeof req - len, "0\r\n\r\n");
	len += (size_t)w;
	roundtrip_raw(req, len, rp);
}

static void too_large_chunked(void **state)
{
	(void)state;
	char chunk[301];
	memset(chunk, 'c', 300);
	chunk[300] = '\0';
	const char *chunks[] = { chunk, chunk, chunk, chunk }; /* 1200 > 1024 */
	struct reply rp;
	chunked_request(chunks, 4, &rp);
	assert_problem(&rp, 413, "payload-too-large");
	assert_security_headers(&rp);
	reply_free(&rp);

	/* Under the cap the chunks arrive joined. */
	chunked_request(chunks, 3, &rp);
	assert_int_equal(rp.status, 200);
	assert_int_equal(rp.body_len, 900);
	assert_memory_equal(rp.body, chunk, 300);
	reply_free(&rp);
}

static void bodies_are_copied(void **state)
{
	(void)state;
	struct reply rp;
	request("POST", "/items", "Content-Type: application/json\r\n", "{\"a\":1}", &rp);
	assert_int_equal(rp.status, 200);
	assert_header(&rp, "Content-Type", "application/octet-stream");
	assert_int_equal(rp.body_len, 7);
	assert_memory_equal(rp.body, "{\"a\":1}", 7);
	reply_free(&rp);

	/* Exactly max_body is allowed. */
	char body[TEST_MAX_BODY + 1];
	memset(body, 'b', TEST_MAX_BODY);
	body[TEST_MAX_BODY] = '\0';
	request("POST", "/items", NULL, body, &rp);
	assert_int_equal(rp.status, 200);
	assert_int_equal(rp.body_len, TEST_MAX_BODY);
	reply_free(&rp);

	/* No body at all gives "". */
	request("POST", "/items", NULL, NULL, &rp);
	assert_int_equal(rp.status, 200);
	assert_int_equal(rp.body_len, 0);
	reply_free(&rp);

	/* A body with a NUL byte keeps its length. */
	static const char nul[] = "POST /items HTTP/1.1\r\nHost: localhost\r\n"
				  "Connection: close\r\nContent-Length: 3\r\n\r\na\0b";
	roundtrip_raw(nul, sizeof nul - 1, &rp);
	assert_int_equal(rp.status, 200);
	assert_int_equal(rp.body_len, 3);
	assert_memory_equal(rp.body, "a\0b", 3);
	reply_free(&rp);
}

static void default_headers_everywhere(void **state)
{
	(void)state;
	static const char *const paths[] = { "/items/1", "/nope", "/fail", "/problem",
					     "/blocked" };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct reply rp;
		request("GET", paths[i], NULL, NULL, &rp);
		assert_security_headers(&rp);
		assert_int_equal(header_count(&rp, "Content-Security-Policy"), 1);
		/* What the before hook added while letting the request pass is dropped. */
		assert_int_equal(header_count(&rp, "X-From-Before"), 0);
		reply_free(&rp);
	}
	/* A handler may set its own CSP; the default is then not added. */
	struct reply rp;
	request("GET", "/page", NULL, NULL, &rp);
	assert_int_equal(rp.status, 200);
	assert_int_equal(header_count(&rp, "Content-Security-Policy"), 1);
	assert_header(&rp, "Content-Security-Policy", "default-src 'self'");
	assert_header(&rp, "Content-Type", "text/html; charset=utf-8");
	assert_header(&rp, "X-Frame-Options", "DENY");
	reply_free(&rp);
}

static void problem_shape(void **state)
{
	(void)state;
	struct reply rp;
	request("GET", "/problem", NULL, NULL, &rp);
	assert_problem(&rp, 422, "validation");
	json_t *j = reply_json(&rp);
	assert_string_equal(json_string_value(json_object_get(j, "title")), "Validation failed");
	assert_string_equal(json_string_value(json_object_get(j, "detail")),
			    "The request body has invalid fields.");
	json_t *errors = json_object_get(j, "errors");
	assert_int_equal(json_array_size(errors), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "field")),
			    "name");
	json_decref(j);
	reply_free(&rp);
}

static void query_parsing(void **state)
{
	(void)state;
	struct reply rp;
	request("GET", "/query?a=1&b=x%20y&c&d=%C3%A9&a=2", NULL, NULL, &rp);
	assert_int_equal(rp.status, 200);
	json_t *j = reply_json(&rp);
	json_t *all = json_object_get(j, "all");
	assert_int_equal(json_array_size(all), 5);
	assert_string_equal(json_string_value(json_array_get(json_array_get(all, 1), 1)), "x y");
	assert_string_equal(json_string_value(json_array_get(json_array_get(all, 2), 0)), "c");
	assert_string_equal(json_string_value(json_array_get(json_array_get(all, 2), 1)), "");
	assert_string_equal(json_string_value(json_array_get(json_array_get(all, 3), 1)),
			    "\xc3\xa9");
	/* The first of repeated keys; a key without value gives "". */
	assert_string_equal(json_string_value(json_object_get(j, "a")), "1");
	assert_string_equal(json_string_value(json_object_get(j, "c")), "");
	assert_true(json_is_true(json_object_get(j, "missing_is_null")));
	/* http_query_each stops at the first non-zero and returns it. */
	assert_int_equal(json_integer_value(json_object_get(j, "stopped")), 7);
	assert_int_equal(json_integer_value(json_object_get(j, "seen")), 2);
	json_decref(j);
	reply_free(&rp);

	/* 64 parameters pass, 65 are refused. */
	char target[2048];
	size_t len = (size_t)snprintf(target, sizeof target, "/query?");
	for (int i = 0; i < 64; i++)
		len += (size_t)snprintf(target + len, sizeof target - len, "%sp%d=%d",
					i ? "&" : "", i, i);
	request("GET", target, NULL, NULL, &rp);
	assert_int_equal(rp.status, 200);
	reply_free(&rp);
	snprintf(target + len, sizeof target - len, "&p64=64");
	request("GET", target, NULL, NULL, &rp);
	assert_problem(&rp, 400, "bad-query");
	reply_free(&rp);
}

static void cookie_parsing(void **state)
{
	(void)state;
	struct reply rp;
	request("GET", "/cookie", "Cookie: sid=abc123; lang=nl\r\n", NULL, &rp);
	assert_int_equal(rp.status, 200);
	json_t *j = reply_json(&rp);
	assert_string_equal(json_string_value(json_object_get(j, "sid")), "abc123");
	assert_string_equal(json_string_value(json_object_get(j, "lang")), "nl");
	assert_true(json_is_true(json_object_get(j, "none_is_null")));
	json_decref(j);
	reply_free(&rp);

	request("GET", "/cookie", NULL, NULL, &rp);
	j = reply_json(&rp);
	assert_true(json_is_null(json_object_get(j, "sid")));
	json_decref(j);
	reply_free(&rp);
}

static void request_headers_and_address(void **state)
{
	(void)state;
	struct reply rp;
	request("GET", "/header", "X-Test: hello\r\n", NULL, &rp);
	assert_int_equal(rp.status, 200);
	json_t *j = reply_json(&rp);
	assert_string_equal(json_string_value(json_object_get(j, "x_test")), "hello");
	assert_string_equal(json_string_value(json_object_get(j, "client")), "127.0.0.1");
	assert_true(json_is_true(json_object_get(j, "absent_is_null")));
	json_decref(j);
	reply_free(&rp);
}

static void header_limit(void **state)
{
	(void)state;
	/* Host and Connection plus n more. */
	char extra[8192];
	size_t len = 0;
	for (int i = 0; i < 98; i++)
		len += (size_t)snprintf(extra + len, sizeof extra - len, "X-H%d: %d\r\n", i, i);
	struct reply rp;
	request("GET", "/items/1", extra, NULL, &rp);
	assert_int_equal(rp.status, 200);
	reply_free(&rp);
	snprintf(extra + len, sizeof extra - len, "X-Last: 1\r\n");
	request("GET", "/items/1", extra, NULL, &rp);
	assert_problem(&rp, 431, "too-many-headers");
	reply_free(&rp);

	/* A header block past the connection memory is refused by the server
	 * (not answered by a handler). */
	size_t big = 70 * 1024;
	char *huge = malloc(big + 64);
	assert_non_null(huge);
	memcpy(huge, "X-Big: ", 7);
	memset(huge + 7, 'x', big);
	memcpy(huge + 7 + big, "\r\n", 3);
	char *req = malloc(big + 256);
	assert_non_null(req);
	int n = snprintf(req, big + 256,
			 "GET /items/1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n",
			 huge);
	int fd = connect_to(AF_INET, "127.0.0.1", port);
	assert_true(fd >= 0);
	/* The server may close before taking all of it. */
	size_t off = 0;
	while (off < (size_t)n) {
		ssize_t w = send(fd, req + off, (size_t)n - off, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	char buf[512];
	ssize_t got = recv(fd, buf, sizeof buf - 1, 0);
	close(fd);
	if (got > 0) {
		buf[got] = '\0';
		int status = 0;
		assert_int_equal(sscanf(buf, "HTTP/1.1 %d", &status), 1);
		assert_true(status == 431 || status == 413 || status == 400);
	}
	free(req);
	free(huge);
}

static void failing_handlers(void **state)
{
	(void)state;
	struct reply rp;
	request("GET", "/fail", NULL, NULL, &rp);
	assert_problem(&rp, 500, "internal");
	assert_int_equal(header_count(&rp, "X-Half"), 0);
	assert_security_headers(&rp);
	reply_free(&rp);

	request("GET", "/silent", NULL, NULL, &rp);
	assert_problem(&rp, 500, "internal");
	reply_free(&rp);

	/* An error with a filled answer sends that answer. */
	request("GET", "/fail-filled", NULL, NULL, &rp);
	assert_problem(&rp, 401, "unauthorized");
	assert_header(&rp, "WWW-Authenticate", "Bearer");
	reply_free(&rp);

	/* The server lives on. */
	request("GET", "/items/1", NULL, NULL, &rp);
	assert_int_equal(rp.status, 200);
	reply_free(&rp);
}

static void before_hook(void **state)
{
	(void)state;
	struct reply rp;
	int calls = before_calls;
	request("GET", "/blocked", NULL, NULL, &rp);
	assert_problem(&rp, 429, "rate-limited");
	reply_free(&rp);
	assert_int_equal(before_calls, calls + 1);

	request("GET", "/before-fails", NULL, NULL, &rp);
	assert_problem(&rp, 500, "internal");
	reply_free(&rp);

	/* Also for paths that then do not route. */
	request("GET", "/nowhere", NULL, NULL, &rp);
	assert_int_equal(rp.status, 404);
	reply_free(&rp);
	assert_int_equal(before_calls, calls + 3);
}

static void keep_alive(void **state)
{
	(void)state;
	int fd = connect_to(AF_INET, "127.0.0.1", port);
	assert_true(fd >= 0);
	static const char r1[] = "GET /items/1 HTTP/1.1\r\nHost: localhost\r\n\r\n";
	static const char r2[] = "GET /items/2 HTTP/1.1\r\nHost: localhost\r\n\r\n";
	struct reply rp;
	send_all(fd, r1, sizeof r1 - 1);
	read_reply(fd, &rp);
	assert_int_equal(rp.status, 200);
	reply_free(&rp);
	send_all(fd, r2, sizeof r2 - 1);
	read_reply(fd, &rp);
	assert_int_equal(rp.status, 200);
	assert_non_null(strstr(rp.body, "\"2\""));
	reply_free(&rp);
	close(fd);
}

/* Reads the file at path into buf until it contains want or a second passed
 * (the log line is written when MHD reports the request complete, which may
 * be just after the client has the answer). */
static bool wait_for_log(const char *path, const char *want, char *buf, size_t n)
{
	for (int i = 0; i < 100; i++) {
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		size_t got = fread(buf, 1, n - 1, f);
		fclose(f);
		buf[got] = '\0';
		if (strstr(buf, want))
			return true;
		usleep(10000);
	}
	return false;
}

static void access_log(void **state)
{
	(void)state;
	char path[] = "/tmp/kring-test-http-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	log_set_level(LOG_INFO);

	struct reply rp;
	request("POST", "/items", "Authorization: Bearer ks_secretvalue\r\n", "body-secret", &rp);
	assert_int_equal(rp.status, 200);
	reply_free(&rp);
	request("GET", "/nope%20x%0Aforged%20line?q=query-secret", NULL, NULL, &rp);
	assert_int_equal(rp.status, 404);
	reply_free(&rp);

	char buf[8192];
	bool found1 = wait_for_log(path, "POST /items 200 ", buf, sizeof buf);
	bool found2 = wait_for_log(path, "GET /nope%20x%0Aforged%20line 404 ", buf, sizeof buf);
	log_set_level(LOG_WARN);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	unlink(path);
	assert_true(found1);
	assert_true(found2);
	/* Never bodies, credentials or queries. */
	assert_null(strstr(buf, "body-secret"));
	assert_null(strstr(buf, "ks_secretvalue"));
	assert_null(strstr(buf, "query-secret"));
	/* One line per request: "<time> info METHOD PATH STATUS Nms". */
	assert_non_null(strstr(buf, " info POST /items 200 "));
	assert_null(strstr(buf, "\nforged"));
}

static void many_requests(void **state)
{
	(void)state;
	/* Anything a request leaves behind shows up under the leak checker
	 * when the server is freed at the end of the group. */
	for (int i = 0; i < 1000; i++) {
		struct reply rp;
		char target[64];
		snprintf(target, sizeof target, "/items/%d", i);
		request(i % 3 ? "GET" : "PUT", target, NULL, i % 3 ? NULL : "{}", &rp);
		assert_int_equal(rp.status, i % 3 ? 200 : 405);
		reply_free(&rp);
	}
	struct reply rp;
	request("GET", "/items/1", NULL, NULL, &rp);
	assert_int_equal(rp.status, 200);
	reply_free(&rp);
}

static void ipv6_loopback(void **state)
{
	(void)state;
	struct http_server *s = NULL;
	struct http_config cfg = { .address = "::1", .port = 0 };
	assert_int_equal(http_server_new(&cfg, &s), 0);
	assert_int_equal(http_route(s, "GET", "/items/:id", h_item, NULL), 0);
	assert_int_equal(http_route(s, "GET", "/header", h_header, NULL), 0);
	if (http_server_start(s) != 0) {
		http_server_free(s);
		skip(); /* no IPv6 on this host */
	}
	int p = http_server_port(s);
	assert_true(p > 0);
	int fd = connect_to(AF_INET6, "::1", p);
	assert_true(fd >= 0);
	static const char req[] = "GET /header HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	send_all(fd, req, sizeof req - 1);
	struct reply rp;
	read_reply(fd, &rp);
	close(fd);
	assert_int_equal(rp.status, 200);
	json_t *j = reply_json(&rp);
	assert_string_equal(json_string_value(json_object_get(j, "client")), "::1");
	json_decref(j);
	reply_free(&rp);
	/* Stopping twice is harmless; routes may be added again once stopped. */
	http_server_stop(s);
	http_server_stop(s);
	assert_int_equal(http_route(s, "GET", "/x", h_item, NULL), 0);
	http_server_free(s);
}

/* Who the client is, asked of a server trusting `proxies`, with these
 * extra header lines: fills client and via_proxy. */
static void whois(const char *proxies, const char *headers, char *client, size_t n,
		  bool *via_proxy)
{
	struct http_server *s = NULL;
	struct http_config cfg = { .address = "127.0.0.1", .port = 0,
				   .trusted_proxies = proxies };
	assert_int_equal(http_server_new(&cfg, &s), 0);
	assert_int_equal(http_route(s, "GET", "/whois", h_whois, NULL), 0);
	assert_int_equal(http_server_start(s), 0);
	int fd = connect_to(AF_INET, "127.0.0.1", http_server_port(s));
	assert_true(fd >= 0);
	char req[1024];
	int len = snprintf(req, sizeof req,
			   "GET /whois HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n",
			   headers);
	send_all(fd, req, (size_t)len);
	struct reply rp;
	read_reply(fd, &rp);
	close(fd);
	assert_int_equal(rp.status, 200);
	json_t *j = reply_json(&rp);
	snprintf(client, n, "%s", json_string_value(json_object_get(j, "client")));
	assert_string_equal(json_string_value(json_object_get(j, "peer")), "127.0.0.1");
	*via_proxy = json_is_true(json_object_get(j, "via_proxy"));
	json_decref(j);
	reply_free(&rp);
	http_server_free(s);
}

static void forwarded_for(void **state)
{
	(void)state;
	char c[64];
	bool via = false;
	/* no trusted proxy: the header is the client's word, ignored */
	whois(NULL, "X-Forwarded-For: 192.0.2.7\r\n", c, sizeof c, &via);
	assert_string_equal(c, "127.0.0.1");
	assert_false(via);
	/* a trusted proxy, but not this peer */
	whois("10.1.2.3", "X-Forwarded-For: 192.0.2.7\r\n", c, sizeof c, &via);
	assert_string_equal(c, "127.0.0.1");
	assert_false(via);
	/* the peer is trusted: the right-most address it did not write itself */
	whois("127.0.0.1", "X-Forwarded-For: 192.0.2.7\r\n", c, sizeof c, &via);
	assert_string_equal(c, "192.0.2.7");
	assert_true(via);
	whois("127.0.0.1", "X-Forwarded-For: 203.0.113.9, 192.0.2.7\r\n", c, sizeof c, &via);
	assert_string_equal(c, "192.0.2.7"); /* the left one was made up by the client */
	/* a chain of trusted proxies is skipped, IPv6 is written canonically */
	whois(" 127.0.0.1 , 10.0.0.2,2001:db8::1", "X-Forwarded-For: 2001:DB8:0:0::5 ,10.0.0.2\r\n",
	      c, sizeof c, &via);
	assert_string_equal(c, "2001:db8::5");
	whois("127.0.0.1,10.0.0.2", "X-Forwarded-For: [2001:db8::6]\r\n", c, sizeof c, &via);
	assert_string_equal(c, "2001:db8::6");
	/* garbage stops the walk at the last good address */
	whois("127.0.0.1,10.0.0.2", "X-Forwarded-For: 192.0.2.7, evil, 10.0.0.2\r\n", c, sizeof c,
	      &via);
	assert_string_equal(c, "10.0.0.2");
	whois("127.0.0.1", "X-Forwarded-For: 192.0.2.7:443\r\n", c, sizeof c, &via);
	assert_string_equal(c, "127.0.0.1");
	whois("127.0.0.1", "X-Forwarded-For: ,\r\n", c, sizeof c, &via);
	assert_string_equal(c, "127.0.0.1");
	whois("127.0.0.1", "X-Forwarded-For:\r\n", c, sizeof c, &via);
	assert_string_equal(c, "127.0.0.1");
	/* several header lines: the last one is the proxy's */
	whois("127.0.0.1", "X-Forwarded-For: 192.0.2.1\r\nX-Forwarded-For: 192.0.2.2\r\n", c,
	      sizeof c, &via);
	assert_string_equal(c, "192.0.2.2");
	/* no header from a trusted proxy: the proxy itself */
	whois("127.0.0.1", "", c, sizeof c, &via);
	assert_string_equal(c, "127.0.0.1");
	assert_true(via);
	/* a bad list is refused when the server is made */
	struct http_server *s = NULL;
	static const char *const bad[] = { "localhost", "10.0.0.1,", "1.2.3.4/24",
					   "1,2,3,4,5,6,7,8,9", "::1,,::2" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct http_config cfg = { .address = "127.0.0.1", .trusted_proxies = bad[i] };
		assert_int_equal(http_server_new(&cfg, &s), KR_EINVAL);
		assert_null(s);
	}
}

static void start_twice_and_routes_locked(void **state)
{
	(void)state;
	assert_int_equal(http_server_start(srv), KR_EINVAL);
	assert_int_equal(http_route(srv, "GET", "/late", h_item, NULL), KR_EINVAL);
	/* The port is taken: a second server on it fails to start. */
	struct http_server *s = NULL;
	struct http_config cfg = { .address = "127.0.0.1", .port = port };
	assert_int_equal(http_server_new(&cfg, &s), 0);
	assert_int_equal(http_server_start(s), KR_EIO);
	http_server_free(s);
}

int main(void)
{
	const struct CMUnitTest offline[] = {
		cmocka_unit_test(config_is_checked),
		cmocka_unit_test(routes_are_checked_and_listed),
		cmocka_unit_test(response_helpers),
		cmocka_unit_test(response_allocation_failures),
		cmocka_unit_test(ipv6_loopback),
		cmocka_unit_test(forwarded_for),
	};
	const struct CMUnitTest online[] = {
		cmocka_unit_test(routing_with_params),
		cmocka_unit_test(not_found),
		cmocka_unit_test(method_not_allowed),
		cmocka_unit_test(too_large_content_length),
		cmocka_unit_test(too_large_chunked),
		cmocka_unit_test(bodies_are_copied),
		cmocka_unit_test(default_headers_everywhere),
		cmocka_unit_test(problem_shape),
		cmocka_unit_test(query_parsing),
		cmocka_unit_test(cookie_parsing),
		cmocka_unit_test(request_headers_and_address),
		cmocka_unit_test(header_limit),
		cmocka_unit_test(failing_handlers),
		cmocka_unit_test(before_hook),
		cmocka_unit_test(keep_alive),
		cmocka_unit_test(access_log),
		cmocka_unit_test(many_requests),
		cmocka_unit_test(start_twice_and_routes_locked),
	};
	int failed = cmocka_run_group_tests_name("http offline", offline, NULL, NULL);
	failed += cmocka_run_group_tests_name("http server", online, start_server, stop_server);
	return failed ? 1 : 0;
}
