/* fuzz_server.h - an in-process kring API server for the HTTP fuzz targets.
 *
 * The first call seeds a small world into a SQLite store under a private
 * temporary directory (organisations, people, a community with a member
 * and a chair, reports under several labels with indicators and comments,
 * a pending application, login sessions and API tokens with the fixed
 * secrets below) and starts the real HTTP server with the routes of
 * `kring serve` (the /api/v1 API, the web pages, TAXII 2.1 and the MISP
 * feed) on 127.0.0.1 with an ephemeral port.
 *
 * Before each request the store is reset to the seeded copy (when the
 * previous request wrote to it) and the login rate limiter emptied, so that
 * an input behaves the same whatever ran before it. Password hashing is
 * replaced by a cheap stand-in in these targets (see fuzz_server.c). Requests go over a real TCP connection, so libmicrohttpd's
 * parsing, kring's router, limits and handlers all see them.
 *
 * Oracles: a 5xx answer from kring (an internal error on hostile input) and
 * no answer within FUZZ_SERVER_TIMEOUT_MS both abort the process, which
 * libFuzzer reports as a crash with the input saved. */
#ifndef KR_FUZZ_SERVER_H
#define KR_FUZZ_SERVER_H

#include <stddef.h>
#include <stdint.h>

/* Fixed secrets of the seeded world ("ks_" sessions, "kt_" API tokens). */
#define FUZZ_SECRET_ADMIN "ks_" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FUZZ_SECRET_CHAIR "ks_" \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define FUZZ_SECRET_OUTSIDER "ks_" \
	"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define FUZZ_SECRET_READ_TOKEN "kt_" \
	"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define FUZZ_SECRET_WRITE_TOKEN "kt_" \
	"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
/* The one person who can log in with a password. */
#define FUZZ_LOGIN_EMAIL "carla.chair@member.example.org"
#define FUZZ_LOGIN_PASSWORD "correct horse battery staple 7"

#define FUZZ_SERVER_TIMEOUT_MS 10000
#define FUZZ_MAX_REQUEST (256 * 1024)

struct store;

/* Ids of the seeded world, for targets that add to it. */
struct fuzz_world {
	int64_t community;   /* "Fuzz Sector Community": ops and member are members */
	int64_t org_ops;     /* CSIRT of the administrator */
	int64_t org_member;  /* company of the chair */
	int64_t org_outsider;
	int64_t admin;       /* FUZZ_SECRET_ADMIN; has not accepted the guidelines */
	int64_t chair;       /* FUZZ_SECRET_CHAIR, FUZZ_LOGIN_PASSWORD, both tokens */
	int64_t outsider;    /* FUZZ_SECRET_OUTSIDER */
};

/* Adds to the seeded world before it is copied for the requests; aborts on
 * a failure. */
typedef void (*fuzz_seed_fn)(struct store *s, const struct fuzz_world *w);

/* Seeds the world and starts the server once; aborts when that fails
 * (a fuzz target without its server must not report success). */
void fuzz_server_init(void);
/* The same, with extra (may be NULL) run on the seeded store first. Only
 * the first call of either seeds. */
void fuzz_server_init_with(fuzz_seed_fn extra);

/* Helpers for a fuzz_seed_fn (abort on failure). A person with password
 * (NULL: none; hashed with the stand-in of fuzz_server.c) returns its id;
 * a session ("ks_" secret) or API token ("kt_" secret, scope "read" or
 * "write") that never expires. */
int64_t fuzz_seed_person(struct store *s, const char *name, const char *email, int64_t org,
			 const char *password);
void fuzz_seed_session(struct store *s, const char *secret, int64_t person_id);
void fuzz_seed_token(struct store *s, const char *secret, int64_t person_id, const char *scope);

/* Resets the store and the rate limiter, sends the len bytes of req (a
 * complete HTTP request that asks the server to close the connection) and
 * reads the answer until the server closes. Returns the HTTP status of the
 * answer, or 0 when the server closed without a status line. Aborts on a
 * 5xx from kring and on a hang. */
int fuzz_server_exchange(const char *req, size_t len);

/* The body of the last exchange's answer (NUL-terminated; a chunked body
 * is joined), valid until the next exchange; NULL when the answer had no
 * complete head. Aborts on a malformed chunked body or a truncated one. */
const char *fuzz_server_body(size_t *len);

#endif
