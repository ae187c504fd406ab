/* server.c - kring's HTTP server on libmicrohttpd: one internal polling
 * thread (so handlers run one at a time), request bodies bounded by
 * max_body, a small router with ":name" path parameters, default security
 * headers on every answer and one access log line per request. */
#include "http/http.h"
#include "util/alloc.h"
#include "util/config.h"
#include "util/err.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/banned.h"

#define HTTP_MAX_REQ_HEADERS 100
#define HTTP_MAX_QUERY_PARAMS 64
#define HTTP_MAX_SEGMENTS 32
#define HTTP_DEFAULT_MAX_BODY ((size_t)1024 * 1024)
#define HTTP_DEFAULT_CONNECTIONS 256
#define HTTP_DEFAULT_TIMEOUT 30
/* Per-connection memory of MHD: bounds the request line and header lines. */
#define HTTP_CONN_MEMORY ((size_t)64 * 1024)
#define HTTP_LISTEN_BACKLOG 1024
/* After a chunked body passed max_body the rest is read and dropped so the
 * client can still receive its 413; past this many dropped bytes the
 * connection is simply closed. */
#define HTTP_DRAIN_MAX ((size_t)1024 * 1024)
#define HTTP_LOG_PATH_MAX 256

struct route {
	char *method;
	char *pattern;
	char *segbuf;  /* copy of the pattern, '/' replaced by NUL; segs point here */
	int nsegs;
	const char *segs[HTTP_MAX_SEGMENTS];
	http_handler fn;
	void *ctx;
};

struct http_server {
	char address[INET6_ADDRSTRLEN];
	int port;
	int bound_port;
	size_t max_body;
	unsigned max_connections;
	unsigned timeout_s;
	struct route *routes;
	int nroutes;
	int cap_routes;
	http_handler before;
	void *before_ctx;
	struct MHD_Daemon *daemon;
	int listen_fd;              /* ours: the acceptor thread accepts */
	pthread_t acceptor;
	bool acceptor_running;
	int nproxies;
	unsigned char proxies[CONFIG_PROXIES_MAX][16]; /* IPv6, IPv4 mapped */
};

/* One per request (MHD's con_cls), freed when MHD reports completion. */
struct request_state {
	struct timespec start;
	struct strbuf body;
	bool too_large;     /* body passed max_body: answer 413 at the end */
	bool answered;      /* a response was queued already */
	size_t dropped;
	int status;         /* status sent, for the access log */
	char *pathbuf;      /* copy of the path split into segments */
	char client_addr[INET6_ADDRSTRLEN];
	char peer_addr[INET6_ADDRSTRLEN];
	bool via_proxy;
	char log_method[24];
	char log_path[HTTP_LOG_PATH_MAX];
};

static const char *const default_headers[][2] = {
	{ "X-Content-Type-Options", "nosniff" },
	{ "Cache-Control", "no-store" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Frame-Options", "DENY" },
	{ "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'" },
};

/* Sent when even building an answer failed; static so it needs no memory. */
static const char fallback_500[] =
	"{\"type\":\"urn:kring:problem:internal\",\"title\":\"Internal error\","
	"\"status\":500,\"detail\":\"The server could not complete the request.\"}";

/* ---- request accessors ---- */

const char *http_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_request *req, const char *name)
{
	const char *v = NULL;
	size_t vlen = 0;
	if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name),
					  &v, &vlen) != MHD_YES)
		return NULL;
	/* "?a" is stored without a value. */
	return v ? v : "";
}

struct query_each_ctx {
	int (*fn)(void *arg, const char *key, const char *value);
	void *arg;
	int result;
};

static enum MHD_Result query_each_cb(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	(void)kind;
	struct query_each_ctx *q = cls;
	q->result = q->fn(q->arg, key, value ? value : "");
	return q->result ? MHD_NO : MHD_YES;
}

int http_query_each(const struct http_request *req,
		    int (*fn)(void *arg, const char *key, const char *value), void *arg)
{
	struct query_each_ctx q = { fn, arg, 0 };
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_each_cb, &q);
	return q.result;
}

const char *http_cookie(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

/* ---- server set-up ---- */

static int parse_address(const char *address, int port, struct sockaddr_storage *ss,
			 bool *v6)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, address, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*v6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*v6 = true;
		return 0;
	}
	return KR_EINVAL;
}

/* Parses an IPv4 or IPv6 literal of len bytes at s ("[v6]" too) into a
 * 16-byte IPv6 address, IPv4 mapped. */
static bool addr_parse(const char *s, size_t len, unsigned char out[16])
{
	char buf[INET6_ADDRSTRLEN + 2];
	struct in_addr v4;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (!len || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return true;
	}
	return inet_pton(AF_INET6, buf, out) == 1;
}

/* Canonical text of a: dotted IPv4 when mapped, else IPv6. */
static void addr_format(const unsigned char a[16], char *out, size_t n)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a, mapped, sizeof mapped) == 0)
		inet_ntop(AF_INET, a + 12, out, (socklen_t)n);
	else
		inet_ntop(AF_INET6, a, out, (socklen_t)n);
}

static bool is_proxy(const struct http_server *srv, const unsigned char a[16])
{
	for (int i = 0; i < srv->nproxies; i++) {
		if (memcmp(srv->proxies[i], a, 16) == 0)
			return true;
	}
	return false;
}

static int add_proxy(void *arg, const char *addr)
{
	struct http_server *srv = arg;
	if (srv->nproxies >= CONFIG_PROXIES_MAX ||
	    !addr_parse(addr, strlen(addr), srv->proxies[srv->nproxies]))
		return KR_EINVAL;
	srv->nproxies++;
	return 0;
}

int http_server_new(const struct http_config *cfg, struct http_server **out)
{
	int r = 0;
	struct http_server *srv = NULL;
	struct sockaddr_storage ss;
	bool v6;
	*out = NULL;
	if (!cfg || !cfg->address || cfg->port < 0 || cfg->port > 65535 ||
	    strlen(cfg->address) >= sizeof srv->address) {
		r = KR_EINVAL;
		goto out;
	}
	r = parse_address(cfg->address, cfg->port, &ss, &v6);
	if (r)
		goto out;
	srv = kr_calloc(1, sizeof *srv);
	if (!srv) {
		r = KR_ENOMEM;
		goto out;
	}
	snprintf(srv->address, sizeof srv->address, "%s", cfg->address);
	srv->port = cfg->port;
	srv->max_body = cfg->max_body ? cfg->max_body : HTTP_DEFAULT_MAX_BODY;
	srv->max_connections = cfg->max_connections ? cfg->max_connections
						    : HTTP_DEFAULT_CONNECTIONS;
	srv->timeout_s = cfg->timeout_s ? cfg->timeout_s : HTTP_DEFAULT_TIMEOUT;
	if (cfg->trusted_proxies) {
		r = config_proxies_each(cfg->trusted_proxies, add_proxy, srv);
		if (r)
			goto out;
	}
	*out = srv;
	srv = NULL;
out:
	kr_free(srv);
	return r;
}

/* Splits s (starting after the leading '/') in place into segments.
 * Returns the count, or -1 when there are more than max. */
static int split_segments(char *s, const char **segs, int max)
{
	int n = 0;
	for (;;) {
		if (n == max)
			return -1;
		segs[n++] = s;
		char *slash = strchr(s, '/');
		if (!slash)
			break;
		*slash = '\0';
		s = slash + 1;
	}
	return n;
}

static int route_init(struct route *rt, const char *method, const char *pattern)
{
	int r = 0;
	memset(rt, 0, sizeof *rt);
	rt->method = kr_strdup(method);
	rt->pattern = kr_strdup(pattern);
	rt->segbuf = kr_strdup(pattern + 1);
	if (!rt->method || !rt->pattern || !rt->segbuf) {
		r = KR_ENOMEM;
		goto out;
	}
	rt->nsegs = split_segments(rt->segbuf, rt->segs, HTTP_MAX_SEGMENTS);
	if (rt->nsegs < 0) {
		r = KR_EINVAL;
		goto out;
	}
	int nparams = 0;
	for (int i = 0; i < rt->nsegs; i++) {
		/* Only the root pattern "/" has an empty segment. */
		if (!rt->segs[i][0] && !(rt->nsegs == 1 && pattern[1] == '\0')) {
			r = KR_EINVAL;
			goto out;
		}
		if (rt->segs[i][0] == ':') {
			nparams++;
			if (!rt->segs[i][1] || nparams > HTTP_MAX_PARAMS) {
				r = KR_EINVAL;
				goto out;
			}
		}
	}
out:
	if (r) {
		kr_free(rt->method);
		kr_free(rt->pattern);
		kr_free(rt->segbuf);
		memset(rt, 0, sizeof *rt);
	}
	return r;
}

static bool method_ok(const char *m)
{
	if (!*m || strlen(m) > 16)
		return false;
	for (; *m; m++) {
		if (*m < 'A' || *m > 'Z')
			return false;
	}
	return true;
}

int http_route(struct http_server *srv, const char *method, const char *pattern,
	       http_handler fn, void *ctx)
{
	int r = 0;
	/* The routes are read by the server thread without locks: no changes
	 * once it runs. */
	if (srv->daemon || !fn || !method_ok(method) || pattern[0] != '/') {
		r = KR_EINVAL;
		goto out;
	}
	if (srv->nroutes == srv->cap_routes) {
		int ncap = srv->cap_routes ? srv->cap_routes * 2 : 32;
		struct route *n = kr_realloc(srv->routes, (size_t)ncap * sizeof *n);
		if (!n) {
			r = KR_ENOMEM;
			goto out;
		}
		srv->routes = n;
		srv->cap_routes = ncap;
	}
	r = route_init(&srv->routes[srv->nroutes], method, pattern);
	if (r)
		goto out;
	srv->routes[srv->nroutes].fn = fn;
	srv->routes[srv->nroutes].ctx = ctx;
	srv->nroutes++;
out:
	return r;
}

void http_set_before(struct http_server *srv, http_handler fn, void *ctx)
{
	srv->before = fn;
	srv->before_ctx = ctx;
}

int http_route_count(const struct http_server *srv)
{
	return srv->nroutes;
}

void http_route_get(const struct http_server *srv, int i, const char **method,
		    const char **pattern)
{
	if (i < 0 || i >= srv->nroutes) {
		*method = NULL;
		*pattern = NULL;
		return;
	}
	*method = srv->routes[i].method;
	*pattern = srv->routes[i].pattern;
}

/* ---- per-request state ---- */

/* Copies s for the log with bytes that could forge or split a log line
 * (controls, space, non-ASCII, '%') percent-encoded; truncated to fit. */
static void log_escape(char *dst, size_t n, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t j = 0;
	for (; *s && j + 4 < n; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch <= 0x20 || ch >= 0x7f || ch == '%') {
			dst[j++] = '%';
			dst[j++] = hex[ch >> 4];
			dst[j++] = hex[ch & 15];
		} else {
			dst[j++] = (char)ch;
		}
	}
	if (*s && j + 3 < n) {
		dst[j++] = '.';
		dst[j++] = '.';
		dst[j++] = '.';
	}
	dst[j] = '\0';
}

static void client_address(struct MHD_Connection *conn, char *out, size_t n)
{
	snprintf(out, n, "%s", "unknown");
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)n);
}

static struct request_state *state_new(struct http_server *srv, struct MHD_Connection *conn,
				       const char *method, const char *url)
{
	struct request_state *st = kr_calloc(1, sizeof *st);
	if (!st)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &st->start);
	strbuf_init(&st->body, srv->max_body);
	client_address(conn, st->peer_addr, sizeof st->peer_addr);
	memcpy(st->client_addr, st->peer_addr, sizeof st->client_addr);
	log_escape(st->log_method, sizeof st->log_method, method);
	log_escape(st->log_path, sizeof st->log_path, url);
	return st;
}

static void state_free(struct request_state *st)
{
	if (!st)
		return;
	strbuf_release(&st->body);
	kr_free(st->pathbuf);
	kr_free(st);
}

/* ---- sending ---- */

static enum MHD_Result queue_fallback(struct MHD_Connection *conn, struct request_state *st)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		sizeof fallback_500 - 1, (void *)fallback_500, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	for (size_t i = 0; i < sizeof default_headers / sizeof default_headers[0]; i++)
		MHD_add_response_header(resp, default_headers[i][0], default_headers[i][1]);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/problem+json");
	enum MHD_Result ok = MHD_queue_response(conn, 500, resp);
	MHD_destroy_response(resp);
	if (ok == MHD_YES) {
		st->status = 500;
		st->answered = true;
	}
	return ok;
}

/* Sends res (and releases it). A response MHD refuses to build becomes the
 * static 500 answer. */
static enum MHD_Result queue_response(struct MHD_Connection *conn, struct request_state *st,
				      struct http_response *res)
{
	struct MHD_Response *resp = NULL;
	enum MHD_Result ok = MHD_NO;
	size_t len = 0;
	char *body = NULL;
	if (res->body.len) {
		body = strbuf_detach(&res->body, &len);
		if (!body)
			goto fallback;
		resp = MHD_create_response_from_buffer_with_free_callback(len, body, kr_free);
		if (!resp) {
			kr_free(body);
			goto fallback;
		}
	} else {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (!resp)
			goto fallback;
	}
	for (size_t i = 0; i < sizeof default_headers / sizeof default_headers[0]; i++) {
		if (http_response_header_get(res, default_headers[i][0]))
			continue;
		if (MHD_add_response_header(resp, default_headers[i][0], default_headers[i][1]) !=
		    MHD_YES)
			goto fallback;
	}
	if (res->content_type[0] &&
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type) !=
		    MHD_YES)
		goto fallback;
	for (int i = 0; i < res->nheaders; i++) {
		if (MHD_add_response_header(resp, res->header_names[i], res->header_values[i]) !=
		    MHD_YES) {
			log_error("http: header %s refused", res->header_names[i]);
			goto fallback;
		}
	}
	ok = MHD_queue_response(conn, (unsigned)res->status, resp);
	MHD_destroy_response(resp);
	resp = NULL;
	if (ok == MHD_YES) {
		st->status = res->status;
		st->answered = true;
	}
	http_response_release(res);
	return ok;
fallback:
	if (resp)
		MHD_destroy_response(resp);
	http_response_release(res);
	return queue_fallback(conn, st);
}

static enum MHD_Result queue_problem(struct MHD_Connection *conn, struct request_state *st,
				     int status, const char *slug, const char *title,
				     const char *detail, const char *allow)
{
	struct http_response res;
	http_response_init(&res);
	int r = http_problem(&res, status, slug, title, detail, NULL);
	if (!r && allow)
		r = http_response_header(&res, "Allow", allow);
	if (r) {
		http_response_release(&res);
		return queue_fallback(conn, st);
	}
	return queue_response(conn, st, &res);
}

/* ---- request handling ---- */

static enum MHD_Result begin(struct http_server *srv, struct request_state *st,
			     struct MHD_Connection *conn)
{
	int nheaders = MHD_get_connection_values(conn, MHD_HEADER_KIND, NULL, NULL);
	if (nheaders > HTTP_MAX_REQ_HEADERS)
		return queue_problem(conn, st, 431, "too-many-headers", "Too many headers",
				     "The request has more than 100 header fields.", NULL);
	int nquery = MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
	if (nquery > HTTP_MAX_QUERY_PARAMS)
		return queue_problem(conn, st, 400, "bad-query", "Bad query",
				     "The request has more than 64 query parameters.", NULL);
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		/* MHD rejects a malformed Content-Length itself; here only its size
		 * matters, and a huge value must not wrap. */
		char *end = NULL;
		unsigned long long n = strtoull(cl, &end, 10);
		if (end == cl || n > srv->max_body)
			return queue_problem(conn, st, 413, "payload-too-large",
					     "Payload too large",
					     "The request body is larger than allowed.", NULL);
	}
	return MHD_YES;
}

static enum MHD_Result absorb(struct request_state *st, const char *data, size_t n)
{
	if (!st->too_large && !st->answered) {
		int r = strbuf_add(&st->body, data, n);
		if (!r)
			return MHD_YES;
		if (r != KR_ELIMIT)
			return MHD_NO;
		st->too_large = true;
		strbuf_release(&st->body);
	}
	st->dropped += n;
	return st->dropped > HTTP_DRAIN_MAX ? MHD_NO : MHD_YES;
}

static bool route_matches(const struct route *rt, const char *const *segs, int nsegs)
{
	if (rt->nsegs != nsegs)
		return false;
	for (int i = 0; i < nsegs; i++) {
		if (rt->segs[i][0] == ':') {
			if (!segs[i][0])
				return false;
		} else if (strcmp(rt->segs[i], segs[i]) != 0) {
			return false;
		}
	}
	return true;
}

/* Comma-separated methods of the routes whose pattern matches. */
static void allowed_methods(const struct http_server *srv, const char *const *segs, int nsegs,
			    char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; i < srv->nroutes; i++) {
		const struct route *rt = &srv->routes[i];
		if (!route_matches(rt, segs, nsegs))
			continue;
		bool dup = false;
		for (int j = 0; j < i; j++) {
			if (strcmp(srv->routes[j].method, rt->method) == 0 &&
			    route_matches(&srv->routes[j], segs, nsegs))
				dup = true;
		}
		if (dup)
			continue;
		int w = snprintf(out + len, n - len, "%s%s", len ? ", " : "", rt->method);
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
	out[len] = '\0';
}

/* Checks what a handler (or the before hook) left: failing without an
 * answer, or answering nonsense, becomes a logged 500. */
static void check_answer(int r, const char *what, struct http_request *req,
			 struct http_response *res)
{
	if (res->status >= 100 && res->status <= 599)
		return;
	if (r)
		log_error("http: %s %s failed without an answer: %s", req->method, what,
			  kr_strerror(r));
	else
		log_error("http: %s %s gave no answer", req->method, what);
	http_response_release(res);
	http_response_init(res);
	if (http_problem(res, 500, "internal", "Internal error",
			 "The server could not complete the request.", NULL))
		http_response_release(res);
}

static enum MHD_Result last_xff(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	(void)kind;
	if (key && value && strcasecmp(key, "X-Forwarded-For") == 0)
		*(const char **)cls = value;
	return MHD_YES;
}

/* When the peer is a trusted proxy: the client is the right-most address of
 * (the last) X-Forwarded-For that is not a trusted proxy itself. Addresses
 * left of it were written by the client and prove nothing. */
static void forwarded_client(const struct http_server *srv, struct MHD_Connection *conn,
			     struct request_state *st)
{
	unsigned char a[16];
	if (!srv->nproxies || !addr_parse(st->peer_addr, strlen(st->peer_addr), a) ||
	    !is_proxy(srv, a))
		return;
	st->via_proxy = true;
	const char *xff = NULL;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, last_xff, (void *)&xff);
	if (!xff)
		return;
	size_t end = strlen(xff);
	for (int hops = 0; end > 0 && hops < 64; hops++) {
		size_t start = end;
		while (start > 0 && xff[start - 1] != ',')
			start--;
		size_t b = start, e = end;
		while (b < e && (xff[b] == ' ' || xff[b] == '\t'))
			b++;
		while (e > b && (xff[e - 1] == ' ' || xff[e - 1] == '\t'))
			e--;
		if (!addr_parse(xff + b, e - b, a))
			return; /* not an address: keep the last good one */
		addr_format(a, st->client_addr, sizeof st->client_addr);
		if (!is_proxy(srv, a))
			return;
		end = start > 0 ? start - 1 : 0;
	}
}

static enum MHD_Result finish(struct http_server *srv, struct request_state *st,
			      struct MHD_Connection *conn, const char *method, const char *url)
{
	if (st->too_large)
		return queue_problem(conn, st, 413, "payload-too-large", "Payload too large",
				     "The request body is larger than allowed.", NULL);
	forwarded_client(srv, conn, st);
	struct http_request req = {
		.method = method,
		.path = url,
		.body = st->body.buf ? st->body.buf : "",
		.body_len = st->body.len,
		.client_addr = st->client_addr,
		.peer_addr = st->peer_addr,
		.via_proxy = st->via_proxy,
		.nparams = 0,
		.conn = conn,
	};
	struct http_response res;
	http_response_init(&res);

	if (srv->before) {
		int r = srv->before(&req, &res, srv->before_ctx);
		if (r != 0) {
			check_answer(r == 1 ? 0 : r, "(before)", &req, &res);
			return res.status ? queue_response(conn, st, &res)
					  : queue_fallback(conn, st);
		}
		http_response_release(&res);
		http_response_init(&res);
	}

	const char *segs[HTTP_MAX_SEGMENTS];
	int nsegs = -1;
	if (url[0] == '/') {
		st->pathbuf = kr_strdup(url + 1);
		if (!st->pathbuf)
			return queue_fallback(conn, st);
		nsegs = split_segments(st->pathbuf, segs, HTTP_MAX_SEGMENTS);
	}
	const struct route *found = NULL;
	bool path_known = false;
	for (int i = 0; nsegs > 0 && i < srv->nroutes; i++) {
		const struct route *rt = &srv->routes[i];
		if (!route_matches(rt, segs, nsegs))
			continue;
		path_known = true;
		if (strcmp(rt->method, method) == 0) {
			found = rt;
			break;
		}
	}
	if (!found && path_known) {
		char allow[256];
		allowed_methods(srv, segs, nsegs, allow, sizeof allow);
		return queue_problem(conn, st, 405, "method-not-allowed", "Method not allowed",
				     "This resource does not support the request method.", allow);
	}
	if (!found)
		return queue_problem(conn, st, 404, "not-found", "Not found",
				     "No such resource.", NULL);
	for (int i = 0; i < nsegs; i++) {
		if (found->segs[i][0] == ':')
			req.params[req.nparams++] = segs[i];
	}
	int r = found->fn(&req, &res, found->ctx);
	check_answer(r, found->pattern, &req, &res);
	if (!res.status)
		return queue_fallback(conn, st);
	return queue_response(conn, st, &res);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	(void)version;
	struct http_server *srv = cls;
	struct request_state *st = *con_cls;
	if (!st) {
		st = state_new(srv, conn, method, url);
		if (!st)
			return MHD_NO;
		*con_cls = st;
		return begin(srv, st, conn);
	}
	if (*upload_data_size) {
		enum MHD_Result ok = absorb(st, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return ok;
	}
	if (st->answered)
		return MHD_YES;
	return finish(srv, st, conn, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	struct request_state *st = *con_cls;
	if (!st)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (long long)(now.tv_sec - st->start.tv_sec) * 1000 +
		       (now.tv_nsec - st->start.tv_nsec) / 1000000;
	log_info("%s %s %d %lldms%s", st->log_method, st->log_path, st->status, ms,
		 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
	state_free(st);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_warn("http: %s", msg);
}

/* The listening socket, made here rather than by libmicrohttpd: see
 * acceptor_main. KR_EIO when it cannot be bound. */
static int listen_on(const struct sockaddr_storage *ss, bool v6, int *fd_out, int *port_out)
{
	int one = 1;
	socklen_t len = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return KR_EIO;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	struct sockaddr_storage bound;
	socklen_t blen = sizeof bound;
	memset(&bound, 0, sizeof bound);
	if (bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, HTTP_LISTEN_BACKLOG) != 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen) != 0) {
		close(fd);
		return KR_EIO;
	}
	*port_out = ntohs(v6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
			     : ((struct sockaddr_in *)&bound)->sin_port);
	*fd_out = fd;
	return 0;
}

/* Accepts every waiting connection at once and hands it to the server
 * thread (MHD_add_connection is thread-safe with MHD_USE_ITC). Left to
 * itself, libmicrohttpd's poll loop accepts one connection per turn, and a
 * turn under load takes as long as all the requests it answers, so a burst
 * of new clients waited tens of seconds to be let in. */
static void *acceptor_main(void *arg)
{
	struct http_server *srv = arg;
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		int fd = accept4(srv->listen_fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				struct timespec ts = { .tv_sec = 0, .tv_nsec = 10 * 1000000L };
				nanosleep(&ts, NULL); /* out of descriptors: let some close */
				continue;
			}
			break; /* the socket was shut down: stopping */
		}
		/* MHD owns fd from here, also when it refuses it (over the limit) */
		(void)MHD_add_connection(srv->daemon, fd, (struct sockaddr *)&peer, plen);
	}
	return NULL;
}

int http_server_start(struct http_server *srv)
{
	struct sockaddr_storage ss;
	bool v6 = false;
	int r = 0;
	if (srv->daemon) {
		r = KR_EINVAL;
		goto out;
	}
	r = parse_address(srv->address, srv->port, &ss, &v6);
	if (r)
		goto out;
	r = listen_on(&ss, v6, &srv->listen_fd, &srv->bound_port);
	if (r)
		goto out;
	/* poll(), not epoll: with epoll (what MHD_USE_AUTO picks on Linux)
	 * libmicrohttpd 0.9.75 leaves the next request of a keep-alive
	 * connection unread until the idle timeout when many clients are busy
	 * at once (tests/security/test_security.py, keep-alive section). The
	 * listening socket is ours (acceptor_main). */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
			 MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET;
	srv->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv,
		/* first, so that MHD's own messages go to kring's log too */
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_CONNECTION_LIMIT, srv->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, srv->timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_END);
	if (!srv->daemon) {
		r = KR_EIO;
		goto fail;
	}
	if (pthread_create(&srv->acceptor, NULL, acceptor_main, srv) != 0) {
		MHD_stop_daemon(srv->daemon);
		srv->daemon = NULL;
		r = KR_EIO;
		goto fail;
	}
	srv->acceptor_running = true;
	goto out;
fail:
	close(srv->listen_fd);
	srv->listen_fd = -1;
out:
	return r;
}

int http_server_port(const struct http_server *srv)
{
	return srv->daemon ? srv->bound_port : srv->port;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv || !srv->daemon)
		return;
	if (srv->acceptor_running) {
		shutdown(srv->listen_fd, SHUT_RDWR); /* wakes accept() with an error */
		pthread_join(srv->acceptor, NULL);
		srv->acceptor_running = false;
	}
	close(srv->listen_fd);
	srv->listen_fd = -1;
	MHD_stop_daemon(srv->daemon);
	srv->daemon = NULL;
}

void http_server_free(struct http_server *srv)
{
	if (!srv)
		return;
	http_server_stop(srv);
	for (int i = 0; i < srv->nroutes; i++) {
		kr_free(srv->routes[i].method);
		kr_free(srv->routes[i].pattern);
		kr_free(srv->routes[i].segbuf);
	}
	kr_free(srv->routes);
	kr_free(srv);
}
