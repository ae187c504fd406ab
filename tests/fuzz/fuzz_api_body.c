/* fuzz_api_body.c - libFuzzer target: the JSON request bodies of every API
 * resource, through api_body_object and api_validate with each handler's
 * own field table, and on into the handlers, store and policy.
 *
 * Input:
 *   line 1: "METHOD /pattern" of an /api/v1 route, e.g.
 *           "POST /reports/:id/comments" (":name" segments become ids of
 *           the seeded world: the digits after the pattern, one per
 *           parameter, default 1), e.g. "PATCH /people/:id 2";
 *   line 2: the caller: 'a' administrator, 'c' community chair, 'o'
 *           outsider, 'r' read-only token, 'w' write token, anything else
 *           anonymous; an optional second character 'x' sends the body
 *           with Content-Type text/plain instead of application/json;
 *   rest:   the body, sent as it is. */
#include "fuzz_server.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define PATH_MAX_LEN 1024

static const char *caller_secret(char c)
{
	switch (c) {
	case 'a':
		return FUZZ_SECRET_ADMIN;
	case 'c':
		return FUZZ_SECRET_CHAIR;
	case 'o':
		return FUZZ_SECRET_OUTSIDER;
	case 'r':
		return FUZZ_SECRET_READ_TOKEN;
	case 'w':
		return FUZZ_SECRET_WRITE_TOKEN;
	default:
		return NULL;
	}
}

/* Next line of in[*pos..size) (without its newline) into out; false at the end. */
static bool next_line(const char *in, size_t size, size_t *pos, char *out, size_t cap)
{
	if (*pos >= size)
		return false;
	const char *nl = memchr(in + *pos, '\n', size - *pos);
	size_t end = nl ? (size_t)(nl - in) : size;
	size_t n = end - *pos;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, in + *pos, n);
	out[n] = '\0';
	*pos = nl ? end + 1 : size;
	return true;
}

/* "/reports/:id/comments 7" -> "/api/v1/reports/7/comments". Only visible
 * ASCII survives in the path, so the request line stays one line. */
static bool build_path(const char *spec, char *out, size_t cap)
{
	char pattern[PATH_MAX_LEN];
	const char *sp = strchr(spec, ' ');
	size_t plen = sp ? (size_t)(sp - spec) : strlen(spec);
	if (plen == 0 || plen >= sizeof pattern || spec[0] != '/')
		return false;
	memcpy(pattern, spec, plen);
	pattern[plen] = '\0';
	const char *ids = sp ? sp + 1 : "";
	size_t len = 0;
	int w = snprintf(out, cap, "/api/v1");
	if (w < 0 || (size_t)w >= cap)
		return false;
	len = (size_t)w;
	char *save = NULL;
	for (char *seg = strtok_r(pattern, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		char id[24] = "1";
		if (seg[0] == ':') {
			while (*ids == ' ')
				ids++;
			size_t k = 0;
			while (ids[k] >= '0' && ids[k] <= '9' && k < sizeof id - 1)
				k++;
			if (k) {
				memcpy(id, ids, k);
				id[k] = '\0';
				ids += k;
			}
			seg = id;
		}
		for (const char *c = seg; *c; c++) {
			if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
				return false;
		}
		w = snprintf(out + len, cap - len, "/%s", seg);
		if (w < 0 || (size_t)w >= cap - len)
			return false;
		len += (size_t)w;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req[FUZZ_MAX_REQUEST];
	const char *in = (const char *)data;
	char first[PATH_MAX_LEN], second[16], method[16], path[PATH_MAX_LEN + 64];
	size_t pos = 0;
	if (size > FUZZ_MAX_REQUEST / 2)
		return 0;
	if (!next_line(in, size, &pos, first, sizeof first) ||
	    !next_line(in, size, &pos, second, sizeof second))
		return 0;
	const char *sp = strchr(first, ' ');
	if (!sp || sp == first || (size_t)(sp - first) >= sizeof method)
		return 0;
	memcpy(method, first, (size_t)(sp - first));
	method[sp - first] = '\0';
	for (const char *c = method; *c; c++) {
		if (*c < 'A' || *c > 'Z')
			return 0;
	}
	if (!build_path(sp + 1, path, sizeof path))
		return 0;
	fuzz_server_init();

	const char *secret = caller_secret(second[0]);
	bool text_plain = second[0] && second[1] == 'x';
	size_t body_len = size - pos;
	int w = snprintf(req, sizeof req,
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			 method, path, secret ? "Authorization: Bearer " : "", secret ? secret : "",
			 secret ? "\r\n" : "", text_plain ? "text/plain" : "application/json",
			 body_len);
	if (w < 0 || (size_t)w + body_len > sizeof req)
		return 0;
	memcpy(req + w, in + pos, body_len);
	fuzz_server_exchange(req, (size_t)w + body_len);
	return 0;
}
