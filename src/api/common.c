/* common.c - plumbing shared by every /api/v1 handler: who is calling,
 * request bodies and their validation against field tables, query and path
 * parameters, problem answers, audit records, and the JSON of
 * organisations, people and communities. */
#include "api/api.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

#define SECRET_HEX 64
#define SECRET_LEN (3 + SECRET_HEX)
#define MAX_DEPTH 32          /* JSON nesting allowed in a body */
#define MAX_ERRORS 50         /* errors[] entries in one 422 answer */
#define DEFAULT_MAX_LEN 200   /* AF_STRING/AF_TEXT when max_len is 0 */
#define DEFAULT_MAX_ITEMS 64  /* arrays when max_items is 0 */
#define TIME_TEXT_MAX 64      /* longest RFC 3339 text considered */
#define TOKEN_TOUCH_MS 60000  /* last_used is refreshed at most once a minute */

/* ---- small helpers ---- */

/* Copies s into dst (size n) without splitting a UTF-8 sequence. */
static void copy_utf8(char *dst, size_t n, const char *s)
{
	size_t len = strlen(s);
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* Copies s for use in a problem detail: printable ASCII only (anything else
 * becomes '?'), so the answer is always valid UTF-8 and one line. */
static void copy_printable(char *dst, size_t n, const char *s)
{
	size_t j = 0;
	for (; *s && j + 1 < n; s++) {
		unsigned char ch = (unsigned char)*s;
		dst[j++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[j] = '\0';
}

static int problem(struct http_response *res, int status, const char *slug, const char *title,
		   const char *detail, json_t *errors, int ret)
{
	int r = http_problem(res, status, slug, title, detail, errors);
	return r ? r : ret;
}

static int bad_query(struct http_response *res, const char *fmt, const char *name,
		     const char *extra)
{
	char clean[64];
	char detail[256];
	copy_printable(clean, sizeof clean, name);
	snprintf(detail, sizeof detail, fmt, clean, extra ? extra : "");
	return problem(res, 400, "bad-query", "Bad query", detail, NULL, KR_EINVAL);
}

/* ---- authentication ---- */

int api_unauthorized(struct http_response *res, const char *detail)
{
	int r = http_problem(res, 401, "unauthorized", "Unauthorized",
			     detail ? detail : "A valid credential is required.", NULL);
	if (!r)
		r = http_response_header(res, "WWW-Authenticate", "Bearer");
	return r ? r : KR_EAUTH;
}

/* The secret of "Bearer <secret>" when it has the shape of a kring secret:
 * "ks_" or "kt_" and 64 lower-case hex digits. */
static const char *bearer_secret(const char *auth)
{
	if (strncasecmp(auth, "Bearer", 6) != 0 || (auth[6] != ' ' && auth[6] != '\t'))
		return NULL;
	const char *s = auth + 6;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strlen(s) != SECRET_LEN || s[0] != 'k' || (s[1] != 's' && s[1] != 't') || s[2] != '_')
		return NULL;
	for (int i = 3; i < SECRET_LEN; i++) {
		char ch = s[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return NULL;
	}
	return s;
}

int api_caller_resolve(struct api *a, struct http_request *req, struct http_response *res,
		       struct api_caller *out)
{
	int r = 0;
	bool bad = false;
	bool read_only = false;
	int64_t person_id = 0;
	int64_t now = time_now_ms();
	char hash[65];
	const char *auth = http_header(req, "Authorization");
	const char *secret = NULL;
	memset(out, 0, sizeof *out);

	if (!auth)
		goto out;
	secret = bearer_secret(auth);
	if (!secret) {
		bad = true;
		goto out;
	}
	/* Only hashes are stored: the lookup by hash is the comparison. */
	hash_sha256_hex(secret, SECRET_LEN, hash);
	if (secret[1] == 's') {
		struct store_session ss;
		r = store_session_get(a->store, hash, &ss);
		if (r)
			goto out;
		if (ss.expires <= now) {
			bad = true;
			goto out;
		}
		person_id = ss.person_id;
		memcpy(out->session_hash, hash, sizeof out->session_hash);
	} else {
		struct store_token t;
		r = store_token_get_by_hash(a->store, hash, &t);
		if (r)
			goto out;
		if (t.revoked || (t.expires && t.expires <= now)) {
			bad = true;
			goto out;
		}
		person_id = t.person_id;
		out->via_token = true;
		out->token_id = t.id;
		/* Anything but an explicit write scope only reads. */
		read_only = strcmp(t.scope, "write") != 0;
		if (now - t.last_used >= TOKEN_TOUCH_MS) {
			int tr = store_token_touch(a->store, t.id, now);
			if (tr)
				log_warn("api: recording use of token %lld failed: %s",
					 (long long)t.id, kr_strerror(tr));
		}
	}
	r = store_person_get(a->store, person_id, &out->person);
	if (r)
		goto out;
	if (out->person.disabled) {
		bad = true;
		goto out;
	}
	r = store_actor_load(a->store, person_id, &out->actor);
	if (r)
		goto out;
	out->actor.authenticated = true;
	out->actor.person_id = person_id;
	if (read_only)
		out->actor.can_write = false;
out:
	if (r == KR_ENOTFOUND) {
		bad = true;
		r = 0;
	}
	if (bad || r)
		memset(out, 0, sizeof *out);
	if (bad)
		return api_unauthorized(res, "The credential is invalid, expired or revoked.");
	if (r)
		return api_fail(res, r, NULL);
	return 0;
}

int api_caller_require(struct api *a, struct http_request *req, struct http_response *res,
		       struct api_caller *out)
{
	int r = api_caller_resolve(a, req, res, out);
	if (r)
		return r;
	if (!out->actor.authenticated)
		return api_unauthorized(res, "Authentication is required.");
	return 0;
}

int api_require_write(const struct api_caller *c, struct http_response *res)
{
	if (c->actor.can_write)
		return 0;
	return problem(res, 403, "forbidden", "Forbidden", "This API token is read-only.", NULL,
		       KR_EFORBIDDEN);
}

/* ---- request bodies ---- */

/* "application/json" with optional parameters, case-insensitive. */
static bool is_json_media_type(const char *ct)
{
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	static const char want[] = "application/json";
	if (strncasecmp(ct, want, sizeof want - 1) != 0)
		return false;
	ct += sizeof want - 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* Deepest nesting of arrays/objects in the text, counted before parsing so
 * that a deep document costs no parser recursion. Stops past limit. */
static int json_text_depth(const char *s, size_t n, int limit)
{
	int depth = 0;
	int max = 0;
	bool in_string = false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = false;
			continue;
		}
		if (ch == '"') {
			in_string = true;
		} else if (ch == '[' || ch == '{') {
			depth++;
			if (depth > max)
				max = depth;
			if (max > limit)
				break;
		} else if (ch == ']' || ch == '}') {
			depth--;
		}
	}
	return max;
}

int api_body_object(struct http_request *req, struct http_response *res, json_t **out)
{
	int r = 0;
	json_t *j = NULL;
	char detail[256];
	*out = NULL;
	if (!is_json_media_type(http_header(req, "Content-Type"))) {
		r = problem(res, 415, "unsupported-media-type", "Unsupported media type",
			    "The request body must be application/json.", NULL, KR_EINVAL);
		goto out;
	}
	if (req->body_len == 0) {
		r = problem(res, 400, "malformed-json", "Malformed JSON",
			    "The request body is empty.", NULL, KR_EINVAL);
		goto out;
	}
	if (json_text_depth(req->body, req->body_len, MAX_DEPTH) > MAX_DEPTH) {
		snprintf(detail, sizeof detail, "The request body is nested deeper than %d levels.",
			 MAX_DEPTH);
		r = problem(res, 400, "malformed-json", "Malformed JSON", detail, NULL, KR_EINVAL);
		goto out;
	}
	/* jansson refuses invalid UTF-8 and \u0000 unless asked not to. */
	json_error_t err;
	j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		char why[160];
		copy_printable(why, sizeof why, err.text);
		snprintf(detail, sizeof detail,
			 "The request body is not valid JSON (line %d, column %d): %s.", err.line,
			 err.column, why);
		r = problem(res, 400, "malformed-json", "Malformed JSON", detail, NULL, KR_EINVAL);
		goto out;
	}
	if (!json_is_object(j)) {
		r = problem(res, 400, "malformed-json", "Malformed JSON",
			    "The request body must be a JSON object.", NULL, KR_EINVAL);
		goto out;
	}
	*out = j;
	j = NULL;
out:
	json_decref(j);
	return r;
}

/* ---- validation ---- */

struct verrors {
	json_t *arr;
	bool nomem;
};

static void verror(struct verrors *v, const char *field, const char *detail)
{
	if (v->nomem || json_array_size(v->arr) >= MAX_ERRORS)
		return;
	/* Field names come from the table or from the (valid UTF-8) body. */
	json_t *e = json_pack("{s:s,s:s}", "field", field, "detail", detail);
	if (!e || json_array_append_new(v->arr, e))
		v->nomem = true;
}

static size_t field_max_len(const struct api_field *f)
{
	return f->max_len ? f->max_len : DEFAULT_MAX_LEN;
}

static int field_max_items(const struct api_field *f)
{
	return f->max_items > 0 ? f->max_items : DEFAULT_MAX_ITEMS;
}

/* NULL when the string is fine, else the reason. */
static const char *check_text(json_t *v, size_t max, bool multiline, bool required, char *buf,
			      size_t n)
{
	if (!json_is_string(v))
		return "must be a string";
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (len > max) {
		snprintf(buf, n, "must be at most %zu bytes", max);
		return buf;
	}
	if (!core_utf8_valid(s, len, multiline))
		return multiline ? "must be UTF-8 text without control characters"
				 : "must be single-line UTF-8 text without control characters";
	if (required && len == 0)
		return "must not be empty";
	return NULL;
}

static void validate_field(const struct api_field *f, json_t *v, struct verrors *errs)
{
	char buf[128];
	char name[160];
	const char *why = NULL;
	switch (f->type) {
	case AF_STRING:
	case AF_TEXT:
		why = check_text(v, field_max_len(f), f->type == AF_TEXT, f->required, buf,
				 sizeof buf);
		break;
	case AF_INT:
		if (!json_is_integer(v)) {
			why = "must be an integer";
		} else if (f->min || f->max) {
			json_int_t x = json_integer_value(v);
			if (x < f->min || x > f->max) {
				snprintf(buf, sizeof buf, "must be from %lld to %lld",
					 (long long)f->min, (long long)f->max);
				why = buf;
			}
		}
		break;
	case AF_BOOL:
		if (!json_is_boolean(v))
			why = "must be true or false";
		break;
	case AF_ENUM:
		if (!json_is_string(v))
			why = "must be a string";
		else if (!f->parse || f->parse(json_string_value(v)) < 0)
			why = "is not one of the allowed values";
		break;
	case AF_TIME: {
		int64_t ms;
		if (!json_is_string(v) || json_string_length(v) > TIME_TEXT_MAX ||
		    time_parse_rfc3339(json_string_value(v), &ms))
			why = "must be an RFC 3339 time";
		break;
	}
	case AF_INT_ARRAY:
	case AF_STRING_ARRAY: {
		if (!json_is_array(v)) {
			why = "must be an array";
			break;
		}
		int max = field_max_items(f);
		if (json_array_size(v) > (size_t)max) {
			snprintf(buf, sizeof buf, "must have at most %d items", max);
			why = buf;
			break;
		}
		/* One entry per field: the first bad item is named. */
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item) {
			if (f->type == AF_INT_ARRAY)
				why = json_is_integer(item) && json_integer_value(item) > 0
					      ? NULL
					      : "must be a positive integer";
			else
				why = check_text(item, field_max_len(f), false, true, buf,
						 sizeof buf);
			if (why) {
				snprintf(name, sizeof name, "%s[%zu]", f->name, i);
				verror(errs, name, why);
				return;
			}
		}
		break;
	}
	case AF_ANY:
		break;
	}
	if (why)
		verror(errs, f->name, why);
}

int api_validate(json_t *obj, const struct api_field *fields, struct http_response *res)
{
	int r = 0;
	struct verrors errs = { json_array(), false };
	if (!errs.arr) {
		r = KR_ENOMEM;
		goto out;
	}
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		const struct api_field *f = fields;
		while (f->name && strcmp(f->name, key) != 0)
			f++;
		if (!f->name)
			verror(&errs, key, "is not a known field");
	}
	for (const struct api_field *f = fields; f->name; f++) {
		v = json_object_get(obj, f->name);
		/* null stands for "not given". */
		if (!v || json_is_null(v)) {
			if (f->required)
				verror(&errs, f->name, "is required");
			continue;
		}
		validate_field(f, v, &errs);
	}
	if (errs.nomem) {
		r = KR_ENOMEM;
		goto out;
	}
	if (json_array_size(errs.arr)) {
		r = problem(res, 422, "validation", "Validation failed",
			    "The request body has invalid fields.", errs.arr, KR_EINVAL);
		errs.arr = NULL; /* http_problem took it */
	}
out:
	json_decref(errs.arr);
	return r;
}

/* ---- getters ---- */

const char *api_get_str(json_t *obj, const char *name, const char *def)
{
	json_t *v = json_object_get(obj, name);
	return json_is_string(v) ? json_string_value(v) : def;
}

int64_t api_get_int(json_t *obj, const char *name, int64_t def)
{
	json_t *v = json_object_get(obj, name);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

bool api_get_bool(json_t *obj, const char *name, bool def)
{
	json_t *v = json_object_get(obj, name);
	return json_is_boolean(v) ? json_is_true(v) : def;
}

int api_get_enum(json_t *obj, const char *name, int (*parse)(const char *), int def)
{
	json_t *v = json_object_get(obj, name);
	if (!json_is_string(v))
		return def;
	int x = parse(json_string_value(v));
	return x < 0 ? def : x;
}

int64_t api_get_time(json_t *obj, const char *name, int64_t def)
{
	json_t *v = json_object_get(obj, name);
	int64_t ms;
	if (!json_is_string(v) || time_parse_rfc3339(json_string_value(v), &ms))
		return def;
	return ms;
}

int api_get_int_array(json_t *obj, const char *name, int64_t *out, int max)
{
	json_t *v = json_object_get(obj, name);
	int n = 0;
	size_t i;
	json_t *item;
	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, item) {
		if (n >= max)
			break;
		if (json_is_integer(item))
			out[n++] = (int64_t)json_integer_value(item);
	}
	return n;
}

int api_get_str_array(json_t *obj, const char *name, char *out, int max, size_t width)
{
	json_t *v = json_object_get(obj, name);
	int n = 0;
	size_t i;
	json_t *item;
	if (!json_is_array(v) || width == 0)
		return 0;
	json_array_foreach(v, i, item) {
		if (n >= max)
			break;
		if (!json_is_string(item))
			continue;
		copy_utf8(out + (size_t)n * width, width, json_string_value(item));
		n++;
	}
	return n;
}

/* ---- query and path parameters ---- */

struct allow_ctx {
	const char *const *allowed;
	const char *bad;
};

static int check_allowed(void *arg, const char *key, const char *value)
{
	(void)value;
	struct allow_ctx *c = arg;
	for (const char *const *p = c->allowed; *p; p++) {
		if (strcmp(*p, key) == 0)
			return 0;
	}
	c->bad = key;
	return 1;
}

int api_query_allow(struct http_request *req, struct http_response *res,
		    const char *const *allowed)
{
	struct allow_ctx c = { allowed, NULL };
	if (!http_query_each(req, check_allowed, &c))
		return 0;
	return bad_query(res, "Unknown query parameter '%s'%s.", c.bad, NULL);
}

/* Decimal int64: optional '-', digits only, no overflow. */
static int parse_i64(const char *s, int64_t *out)
{
	const char *d = s[0] == '-' ? s + 1 : s;
	if (*d < '0' || *d > '9')
		return KR_EINVAL;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return KR_EINVAL;
	*out = v;
	return 0;
}

int api_query_int(struct http_request *req, struct http_response *res, const char *name,
		  int64_t min, int64_t max, int64_t def, int64_t *out)
{
	/* A cursor is an id: positive whatever the caller passed. */
	if (strcmp(name, "cursor") == 0 && min < 1)
		min = 1;
	const char *s = http_query(req, name);
	if (!s) {
		*out = def;
		return 0;
	}
	int64_t v;
	if (parse_i64(s, &v) || v < min || v > max) {
		char range[96];
		snprintf(range, sizeof range, " must be an integer from %lld to %lld",
			 (long long)min, (long long)max);
		return bad_query(res, "Query parameter '%s'%s.", name, range);
	}
	*out = v;
	return 0;
}

int api_query_enum(struct http_request *req, struct http_response *res, const char *name,
		   int (*parse)(const char *), int *out)
{
	const char *s = http_query(req, name);
	*out = -1;
	if (!s)
		return 0;
	int v = parse(s);
	if (v < 0)
		return bad_query(res, "Query parameter '%s'%s.", name,
				 " is not one of the allowed values");
	*out = v;
	return 0;
}

int api_query_time(struct http_request *req, struct http_response *res, const char *name,
		   int64_t *out)
{
	const char *s = http_query(req, name);
	*out = 0;
	if (!s)
		return 0;
	int64_t ms;
	if (strlen(s) > TIME_TEXT_MAX || time_parse_rfc3339(s, &ms))
		return bad_query(res, "Query parameter '%s'%s.", name,
				 " must be an RFC 3339 time");
	*out = ms;
	return 0;
}

int api_path_id(struct http_request *req, struct http_response *res, int i, int64_t *out)
{
	int64_t v;
	*out = 0;
	if (i < 0 || i >= req->nparams || req->params[i][0] == '-' ||
	    parse_i64(req->params[i], &v) || v <= 0)
		return api_not_found(res);
	*out = v;
	return 0;
}

/* ---- answers ---- */

int api_fail(struct http_response *res, int status, const char *detail)
{
	switch (status) {
	case KR_ENOTFOUND:
		problem(res, 404, "not-found", "Not found", detail ? detail : "No such resource.",
			NULL, 0);
		break;
	case KR_ECONFLICT:
		problem(res, 409, "conflict", "Conflict",
			detail ? detail : "The request conflicts with the current state.", NULL, 0);
		break;
	case KR_EINVAL:
		problem(res, 422, "validation", "Validation failed",
			detail ? detail : "The request body has invalid fields.", json_array(), 0);
		break;
	case KR_EFORBIDDEN:
		problem(res, 403, "forbidden", "Forbidden",
			detail ? detail : "You may not do this.", NULL, 0);
		break;
	case KR_ELIMIT:
		problem(res, 413, "payload-too-large", "Payload too large",
			detail ? detail : "A size or count limit was reached.", NULL, 0);
		break;
	case KR_EBUSY:
		problem(res, 429, "rate-limited", "Too many requests",
			detail ? detail : "Too many requests; try again later.", NULL, 0);
		break;
	case KR_EAUTH:
		api_unauthorized(res, detail);
		break;
	default:
		/* The cause goes to the log, never to the client. */
		log_error("api: internal error: %s%s%s", kr_strerror(status), detail ? ": " : "",
			  detail ? detail : "");
		problem(res, 500, "internal", "Internal error",
			"The server could not complete the request.", NULL, 0);
		break;
	}
	return status;
}

int api_not_found(struct http_response *res)
{
	return problem(res, 404, "not-found", "Not found", "No such resource.", NULL,
		       KR_ENOTFOUND);
}

int api_forbidden(struct http_response *res, const char *detail)
{
	return problem(res, 403, "forbidden", "Forbidden", detail ? detail : "You may not do this.",
		       NULL, KR_EFORBIDDEN);
}

json_t *api_page(json_t *items, int64_t next_cursor)
{
	json_t *page = NULL;
	json_t *cursor = NULL;
	if (!items)
		goto out;
	if (next_cursor > 0) {
		char buf[24];
		snprintf(buf, sizeof buf, "%lld", (long long)next_cursor);
		cursor = json_string(buf);
	} else {
		cursor = json_null();
	}
	page = json_object();
	if (!cursor || !page || json_object_set(page, "items", items) ||
	    json_object_set(page, "next_cursor", cursor)) {
		json_decref(page);
		page = NULL;
	}
out:
	json_decref(items);
	json_decref(cursor);
	return page;
}

/* ---- audit ---- */

int api_audit(struct api *a, const struct api_caller *c, struct http_request *req,
	      enum audit_action act, int64_t community_id, const char *object_type,
	      int64_t object_id, const char *detail)
{
	struct core_audit rec;
	memset(&rec, 0, sizeof rec);
	rec.at = time_now_ms();
	if (c && c->actor.authenticated) {
		rec.person_id = c->person.id;
		rec.org_id = c->person.org_id;
	}
	rec.community_id = community_id;
	rec.action = act;
	copy_utf8(rec.object_type, sizeof rec.object_type, object_type ? object_type : "");
	rec.object_id = object_id;
	copy_utf8(rec.detail, sizeof rec.detail, detail ? detail : "");
	copy_utf8(rec.addr, sizeof rec.addr, req && req->client_addr ? req->client_addr : "");
	int r = store_audit_append(a->store, &rec);
	if (r)
		log_error("api: audit record (%s %s %lld) not stored: %s", audit_action_name(act),
			  rec.object_type, (long long)object_id, kr_strerror(r));
	return r;
}

/* ---- renderers ---- */

json_t *api_time_json(int64_t ms)
{
	if (!ms)
		return json_null();
	char buf[40];
	time_format_rfc3339(ms, buf, sizeof buf);
	return json_string(buf);
}

json_t *api_org_json(const struct core_org *o)
{
	json_t *sectors = json_array();
	if (!sectors)
		return NULL;
	for (int i = 0; i < o->nsectors && i < CORE_SECTORS_MAX; i++) {
		if (json_array_append_new(sectors, json_string(o->sectors[i]))) {
			json_decref(sectors);
			return NULL;
		}
	}
	/* json_pack takes the "o" references also when it fails. */
	return json_pack("{s:I,s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:o}", "id", (json_int_t)o->id, "name",
			 o->name, "kind", org_kind_name(o->kind), "sectors", sectors, "region",
			 o->region, "size_class", o->size_class, "nis2", nis2_name(o->nis2),
			 "website", o->website, "created", api_time_json(o->created));
}

json_t *api_person_json(const struct core_person *p, bool with_email)
{
	json_t *j = json_pack("{s:I,s:s,s:I,s:s,s:b,s:b,s:o}", "id", (json_int_t)p->id, "name",
			      p->name, "organisation_id", (json_int_t)p->org_id, "language",
			      lang_name(p->lang), "is_admin", p->is_admin, "disabled",
			      p->disabled, "created", api_time_json(p->created));
	if (j && with_email && json_object_set_new(j, "email", json_string(p->email))) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

json_t *api_community_json(const struct core_community *c, bool full)
{
	json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:o}", "id", (json_int_t)c->id, "name", c->name,
			      "kind", community_kind_name(c->kind), "description",
			      c->description ? c->description : "", "created",
			      api_time_json(c->created));
	if (!j || !full)
		return j;
	if (json_object_set_new(j, "guidelines", json_string(c->guidelines ? c->guidelines : "")) ||
	    json_object_set_new(j, "guidelines_version", json_integer(c->guidelines_version)) ||
	    json_object_set_new(j, "max_primary", json_integer(c->max_primary)) ||
	    json_object_set_new(j, "default_tlp", json_string(tlp_name(c->default_tlp)))) {
		json_decref(j);
		j = NULL;
	}
	return j;
}
