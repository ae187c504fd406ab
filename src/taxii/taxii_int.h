/* taxii_int.h - what the files of src/taxii share; not a public contract. */
#ifndef KR_TAXII_INT_H
#define KR_TAXII_INT_H

#include "api/api.h"
#include "http/http.h"
#include "interop/interop.h"
#include "taxii/taxii.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAXII_TIME_MAX 32 /* "2026-11-26T07:32:46.123456Z" */

struct taxii_cache;
struct taxii_binding;

struct taxii_private {
	int64_t retry_ms;          /* wait of the latest throttled Basic password */
	struct taxii_cache *cache; /* answers to repeated GETs; NULL when off */
	/* Recently verified Basic passwords: SHA-256 of "e-mail:password" ->
	 * person, so that a client polling with a password does not pay for
	 * argon2id on every request. */
	struct {
		char key[65];
		int64_t person_id;
		int64_t until;
	} pw[64];
	unsigned pw_next;
	unsigned char collection_ns[16]; /* namespace of collection ids */
	struct taxii_binding *bind;      /* one per route: the ctx of its handler */
	bool audited;                    /* the current answer let out audited content */
};

/* The resolved API root of a request. */
struct taxii_root {
	struct api_caller caller;
	struct core_community comm; /* owns its texts: core_community_release */
	bool can_read;              /* participant of the community */
	bool can_write;             /* may share there (PC_SHARE) */
	char collection_id[37];
};

/* ---- taxii.c ---- */

/* A TAXII error message answer; returns status_code's KR_E* mapping
 * (KR_EAUTH, KR_ENOTFOUND, KR_EINVAL, ...), never 0. */
int taxii_error(struct http_response *res, int status, const char *title,
		const char *description);
/* Sets a JSON text body with the TAXII media type. */
int taxii_json_text(struct http_response *res, int status, const char *text, size_t len);
/* The compact JSON text of j (at most max bytes; 0 = the strbuf default)
 * into *out, NUL-terminated, owned by the caller (kr_free). KR_ENOMEM,
 * KR_ELIMIT. */
int taxii_dump(const json_t *j, size_t max, char **out, size_t *len);
/* Sets a jansson body with the TAXII media type (takes the reference). */
int taxii_json(struct http_response *res, int status, json_t *j);
/* Whether Accept admits application/taxii+json;version=2.1; answers 406. */
int taxii_check_accept(struct http_request *req, struct http_response *res);
/* Authenticates (Basic or Bearer) without answering: 0, KR_EAUTH (none
 * given, or invalid), KR_EBUSY (too many failed passwords), or a store
 * failure (logged). *out is anonymous on failure. */
int taxii_caller_status(struct taxii *t, struct http_request *req, struct api_caller *out);
/* Authenticates (Basic or Bearer), answering 401/429/500 itself. */
int taxii_caller(struct taxii *t, struct http_request *req, struct http_response *res,
		 struct api_caller *out);
/* Authenticates and resolves the API root of segment root: 404 when it is
 * not a community the caller's organisation is a member of. On 0 the
 * caller releases rt with taxii_root_release. */
int taxii_root_resolve(struct taxii *t, struct http_request *req, struct http_response *res,
		       const char *root, struct taxii_root *rt);
void taxii_root_release(struct taxii_root *rt);
/* 404 unless id names the root's collection (its uuid or "reports"). */
int taxii_collection_check(struct taxii_root *rt, const char *id, struct http_response *res);
/* Writes the audit records of what was let out (one transaction). */
void taxii_audit_reads(struct taxii *t, const struct api_caller *c, struct http_request *req,
		       const struct interop_audit *a, const char *how);

/* µs since the epoch <-> "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
void taxii_time_format(int64_t us, char *buf, size_t n);
int taxii_time_parse(const char *s, int64_t *us);

/* ---- objects.c: handlers; params: root, collection[, object] ---- */
int taxii_objects_get(struct taxii *t, struct http_request *req, struct http_response *res);
int taxii_objects_post(struct taxii *t, struct http_request *req, struct http_response *res);
int taxii_object_get(struct taxii *t, struct http_request *req, struct http_response *res);
int taxii_versions_get(struct taxii *t, struct http_request *req, struct http_response *res);
int taxii_manifest_get(struct taxii *t, struct http_request *req, struct http_response *res);

/* ---- feed.c ---- */
int taxii_feed_register(struct taxii *t, struct http_server *srv);

/* ---- cache.c ---- */
int taxii_cache_new(size_t max_entries, size_t max_bytes, struct taxii_cache **out);
void taxii_cache_free(struct taxii_cache *c);
/* Fills res from the entry of key when it was stored at generation gen
 * less than max_age_ms ago; true on a hit. */
bool taxii_cache_get(struct taxii_cache *c, const char *key, uint64_t gen, int64_t now,
		     long max_age_ms, struct http_response *res);
/* Keeps a copy of res under key. */
void taxii_cache_put(struct taxii_cache *c, const char *key, uint64_t gen, int64_t now,
		     const struct http_response *res);

#endif
