/* response.c - filling a struct http_response: JSON, text, problem+json and
 * extra headers. Nothing here touches the network; server.c sends. */
#include "http/http.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

#define PROBLEM_PREFIX "urn:kring:problem:"

void http_response_init(struct http_response *res)
{
	res->status = 0;
	res->content_type[0] = '\0';
	strbuf_init(&res->body, 0);
	res->nheaders = 0;
	for (int i = 0; i < HTTP_MAX_RESP_HEADERS; i++) {
		res->header_names[i] = NULL;
		res->header_values[i] = NULL;
	}
}

void http_response_release(struct http_response *res)
{
	strbuf_release(&res->body);
	for (int i = 0; i < res->nheaders; i++) {
		kr_free(res->header_names[i]);
		kr_free(res->header_values[i]);
		res->header_names[i] = NULL;
		res->header_values[i] = NULL;
	}
	res->nheaders = 0;
	res->status = 0;
	res->content_type[0] = '\0';
}

const char *http_response_header_get(const struct http_response *res, const char *name)
{
	for (int i = 0; i < res->nheaders; i++) {
		if (strcasecmp(res->header_names[i], name) == 0)
			return res->header_values[i];
	}
	return NULL;
}

/* A header name is an RFC 9110 token; a value has no CR, LF or NUL (no
 * response splitting). */
static bool header_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch <= 0x20 || ch >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", ch))
			return false;
	}
	return true;
}

static bool header_value_ok(const char *s)
{
	for (; *s; s++) {
		if (*s == '\r' || *s == '\n')
			return false;
	}
	return true;
}

int http_response_header(struct http_response *res, const char *name, const char *value)
{
	int r = 0;
	char *n = NULL;
	char *v = NULL;
	if (!header_name_ok(name) || !header_value_ok(value)) {
		r = KR_EINVAL;
		goto out;
	}
	if (res->nheaders >= HTTP_MAX_RESP_HEADERS) {
		r = KR_ELIMIT;
		goto out;
	}
	n = kr_strdup(name);
	v = kr_strdup(value);
	if (!n || !v) {
		r = KR_ENOMEM;
		goto out;
	}
	res->header_names[res->nheaders] = n;
	res->header_values[res->nheaders] = v;
	res->nheaders++;
	n = NULL;
	v = NULL;
out:
	kr_free(n);
	kr_free(v);
	return r;
}

static int set_content_type(struct http_response *res, const char *ct)
{
	size_t len = strlen(ct);
	if (len >= sizeof res->content_type || !header_value_ok(ct))
		return KR_EINVAL;
	memcpy(res->content_type, ct, len + 1);
	return 0;
}

struct dump_ctx {
	struct strbuf *sb;
	int err;
};

static int dump_cb(const char *buf, size_t size, void *data)
{
	struct dump_ctx *d = data;
	d->err = strbuf_add(d->sb, buf, size);
	return d->err ? -1 : 0;
}

/* Serialises j into a fresh buffer and only then replaces res's body, so a
 * failure leaves res as it was. */
static int set_json_body(struct http_response *res, int status, const char *ct, json_t *j)
{
	struct strbuf sb;
	strbuf_init(&sb, res->body.max);
	struct dump_ctx d = { &sb, 0 };
	int r = 0;
	if (!j) {
		r = KR_ENOMEM;
		goto out;
	}
	if (json_dump_callback(j, dump_cb, &d, JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
		r = d.err ? d.err : KR_ENOMEM;
		goto out;
	}
	r = set_content_type(res, ct);
	if (r)
		goto out;
	strbuf_release(&res->body);
	res->body = sb;
	strbuf_init(&sb, res->body.max);
	res->status = status;
out:
	strbuf_release(&sb);
	return r;
}

int http_json(struct http_response *res, int status, json_t *j)
{
	int r = set_json_body(res, status, "application/json", j);
	json_decref(j);
	return r;
}

int http_text(struct http_response *res, int status, const char *content_type,
	      const char *text, size_t len)
{
	struct strbuf sb;
	strbuf_init(&sb, res->body.max);
	int r = strbuf_add(&sb, text ? text : "", text ? len : 0);
	if (r)
		goto out;
	r = set_content_type(res, content_type);
	if (r)
		goto out;
	strbuf_release(&res->body);
	res->body = sb;
	strbuf_init(&sb, res->body.max);
	res->status = status;
out:
	strbuf_release(&sb);
	return r;
}

void http_no_content(struct http_response *res)
{
	strbuf_reset(&res->body);
	res->content_type[0] = '\0';
	res->status = 204;
}

int http_problem(struct http_response *res, int status, const char *slug, const char *title,
		 const char *detail, json_t *errors)
{
	char type[128];
	int r = 0;
	json_t *j = NULL;
	int n = snprintf(type, sizeof type, "%s%s", PROBLEM_PREFIX, slug);
	if (n < 0 || (size_t)n >= sizeof type) {
		r = KR_EINVAL;
		goto out;
	}
	j = json_object();
	if (!j) {
		r = KR_ENOMEM;
		goto out;
	}
	/* json_string refuses invalid UTF-8: a NULL here is a bad argument. */
	if (json_object_set_new(j, "type", json_string(type)) ||
	    json_object_set_new(j, "title", json_string(title ? title : "")) ||
	    json_object_set_new(j, "status", json_integer(status)) ||
	    json_object_set_new(j, "detail", json_string(detail ? detail : ""))) {
		r = KR_EINVAL;
		goto out;
	}
	if (errors) {
		r = json_object_set(j, "errors", errors) ? KR_ENOMEM : 0;
		if (r)
			goto out;
	}
	r = set_json_body(res, status, "application/problem+json", j);
out:
	json_decref(j);
	json_decref(errors);
	return r;
}
