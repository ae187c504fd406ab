/* fuzz_http.c - libFuzzer target: HTTP request lines, query strings,
 * headers (Authorization, Content-Type, Cookie, ...) and bodies through
 * libmicrohttpd, kring's router, limits and every handler of `kring
 * serve`: the /api/v1 API, the web pages and forms (session, CSRF and
 * language cookies), TAXII 2.1 (match[...], limit, next, added_after) and
 * the MISP feed.
 *
 * Input: the request head, then an empty line, then the body. Lines of the
 * head may end in "\n" or "\r\n"; the harness ends each with CRLF, drops
 * Content-Length, Transfer-Encoding and Connection lines (it sets them
 * itself, so that every request is complete and answered at once) and
 * adds a Host header when there is none. Seeds carry the fixed secrets of
 * the seeded world (fuzz_server.h), so authenticated paths are reached. */
#include "fuzz_server.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

static bool starts_with_ci(const char *line, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && strncasecmp(line, prefix, k) == 0;
}

static bool append(char *out, size_t *len, size_t cap, const void *data, size_t n)
{
	if (*len + n > cap)
		return false;
	memcpy(out + *len, data, n);
	*len += n;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req[FUZZ_MAX_REQUEST];
	const char *in = (const char *)data;
	size_t len = 0;
	bool host = false;
	if (size > FUZZ_MAX_REQUEST / 2)
		return 0;
	fuzz_server_init();

	/* The head ends at the first empty line. */
	size_t head_end = size, body_start = size;
	for (size_t i = 0; i < size; i++) {
		if (in[i] != '\n')
			continue;
		size_t next = i + 1;
		if (next < size && in[next] == '\r')
			next++;
		if (next < size && in[next] == '\n') {
			head_end = i;
			body_start = next + 1;
			break;
		}
	}
	size_t pos = 0;
	bool first = true;
	while (pos < head_end) {
		const char *nl = memchr(in + pos, '\n', head_end - pos);
		size_t end = nl ? (size_t)(nl - in) : head_end;
		size_t n = end - pos;
		if (n && in[pos + n - 1] == '\r')
			n--;
		const char *line = in + pos;
		pos = end + 1;
		if (!first && (starts_with_ci(line, n, "content-length:") ||
			       starts_with_ci(line, n, "transfer-encoding:") ||
			       starts_with_ci(line, n, "connection:")))
			continue;
		if (!first && starts_with_ci(line, n, "host:"))
			host = true;
		first = false;
		if (!append(req, &len, sizeof req, line, n) ||
		    !append(req, &len, sizeof req, "\r\n", 2))
			return 0;
	}
	if (first)
		return 0; /* no request line */
	char tail[128];
	size_t body_len = size - body_start;
	int w = snprintf(tail, sizeof tail, "%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
			 host ? "" : "Host: 127.0.0.1\r\n", body_len);
	if (w < 0 || (size_t)w >= sizeof tail)
		return 0;
	if (!append(req, &len, sizeof req, tail, (size_t)w) ||
	    !append(req, &len, sizeof req, in + body_start, body_len))
		return 0;
	fuzz_server_exchange(req, len);
	return 0;
}
