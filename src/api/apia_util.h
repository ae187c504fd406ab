/* apia_util.h - helpers shared by the directory and membership resources of
 * the API (auth, organisations, people, communities, admission, audit).
 *
 * Instance-directory visibility (who may see which organisation or person)
 * is not TLP: it follows from the actor's community memberships as the
 * policy reports them. Each resource has exactly one predicate for it,
 * defined next to its routes and declared here so that other resources
 * (members lists, applications) reuse it instead of deciding again. */
#ifndef KR_API_APIA_UTIL_H
#define KR_API_APIA_UTIL_H

#include "api/api.h"
#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Field limits of the directory resources, in bytes. */
#define APIA_PASSWORD_MIN 12
#define APIA_PASSWORD_MAX 1024
#define APIA_LIST_DEFAULT 50
#define APIA_LIST_MAX 200
/* Rows a filtered list scans at most for one page, so that a caller who sees
 * little of a large directory cannot make one request walk all of it. */
#define APIA_SCAN_MAX 2000

/* Organisation visibility (orgs.c): admins see every organisation; others
 * see their own and every organisation that is an admitted member of a
 * community whose members the actor may view (policy PC_VIEW_MEMBERS, i.e.
 * a community their own organisation is a member of). Says nothing about
 * existence: the caller still reads the row. 0 or a store status. */
int apia_org_visible(struct api *a, const struct api_caller *c, int64_t org_id, bool *visible);

/* Person visibility (people.c): admins see everyone; others see the people
 * of their own organisation and the representatives of communities whose
 * members the actor may view (PC_VIEW_MEMBERS). 0 or a store status. */
int apia_person_visible(struct api *a, const struct api_caller *c, const struct core_person *p,
			bool *visible);

/* Whether the caller sees p's e-mail address: self, same organisation, admin. */
static inline bool apia_shows_email(const struct api_caller *c, const struct core_person *p)
{
	return c->actor.is_admin || c->actor.person_id == p->id || c->actor.org_id == p->org_id;
}

/* Answers 422 "validation" naming one field, like api_validate does for
 * checks a field table cannot express. Returns KR_EINVAL. */
static inline int apia_invalid(struct http_response *res, const char *field, const char *detail)
{
	json_t *errs = json_pack("[{s:s,s:s}]", "field", field, "detail", detail);
	http_problem(res, 422, "validation", "Validation failed", detail, errs);
	return KR_EINVAL;
}

/* Sends j (reference taken) with status; a NULL j (allocation failed while
 * building it) answers 500. Returns 0 or KR_ENOMEM. */
static inline int apia_reply(struct http_response *res, int status, json_t *j)
{
	if (!j)
		return api_fail(res, KR_ENOMEM, "out of memory while building the answer");
	http_json(res, status, j);
	return 0;
}

/* Reads the list parameters cursor (an id, 0 = from the newest) and limit
 * (1..200, default 50); answers 400 on bad values. */
static inline int apia_page_params(struct http_request *req, struct http_response *res,
				   int64_t *cursor, int *limit)
{
	int64_t l = APIA_LIST_DEFAULT;
	int r = api_query_int(req, res, "cursor", 1, INT64_MAX, 0, cursor);
	if (r)
		return r;
	r = api_query_int(req, res, "limit", 1, APIA_LIST_MAX, APIA_LIST_DEFAULT, &l);
	*limit = (int)l;
	return r;
}

/* Free-text query parameter (e.g. q): NULL when absent or empty; answers
 * 400 "bad-query" when longer than max bytes or not clean UTF-8. */
static inline int apia_query_text(struct http_request *req, struct http_response *res,
				  const char *name, size_t max, const char **out)
{
	const char *v = http_query(req, name);
	*out = NULL;
	if (!v || !*v)
		return 0;
	size_t len = strnlen(v, max + 1);
	if (len > max || !core_utf8_valid(v, len, false)) {
		http_problem(res, 400, "bad-query", "Bad query parameter",
			     "a text parameter is too long or not valid UTF-8", NULL);
		return KR_EINVAL;
	}
	*out = v;
	return 0;
}

/* A name must have something besides blanks. */
static inline bool apia_blank(const char *s)
{
	for (; s && *s; s++) {
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	}
	return true;
}

/* Copies src into a fixed array of size n, cutting if needed. */
static inline void apia_copy(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

#endif
