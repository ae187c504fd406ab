/* apib_report.h - helpers shared by the report resources of the API
 * (reports.c, comments.c, indicators.c): loading a report the caller may
 * read, asking the policy about it, read audits, rendering, indicator input
 * and the small problem answers they share. Internal to src/api.
 *
 * Every helper that shows or changes a report goes through policy/; none
 * decides access by itself. */
#ifndef KR_APIB_REPORT_H
#define KR_APIB_REPORT_H

#include "api/api.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define API_LIMIT_DEFAULT 50
#define API_LIMIT_MAX 200
#define API_QUERY_TEXT_MAX 200 /* bytes of a free-text query parameter */

/* ---- reports (reports.c) ---- */

/* The policy's answer for the caller and report r. */
bool api_report_allows(const struct api_caller *c, const struct core_report *r,
		       enum policy_action act);

/* Loads report id into *out when it exists and the caller may READ it.
 * A report that does not exist and one the caller may not read get the
 * same answer: 404 "not-found". Store failures answer 500. Returns 0, or
 * non-zero with res filled and *out left empty. On 0, *out owns its body:
 * the caller releases it with core_report_release(). */
int api_report_load(struct api *a, const struct api_caller *c, int64_t id,
		    struct http_response *res, struct core_report *out);

/* Appends an AUDIT_READ record on report r when label (r's own, or the
 * stricter label of what was shown with it, e.g. a comment) is AMBER,
 * AMBER+STRICT or RED; detail "tlp=<label> <how>", how e.g. "view", "list".
 * Nothing for CLEAR and GREEN. Failures are logged by api_audit and do not
 * fail a read. */
void api_report_audit_read(struct api *a, const struct api_caller *c, struct http_request *req,
			   const struct core_report *r, enum tlp label, const char *how);

/* The list form of a report (no body). New object owned by the caller
 * (json_decref), NULL when out of memory. */
json_t *api_report_json(const struct core_report *r);

/* ---- indicators (indicators.c) ---- */

/* Indicator JSON. New object owned by the caller, NULL when out of memory. */
json_t *api_indicator_json(const struct core_indicator *i);

/* Reads one indicator input object {"type"(req), "value"(req), "comment",
 * "first_seen", "last_seen", "valid_until"} into *out with its value
 * normalised by core_indicator_normalise. Each problem is appended to
 * errors as {"field": prefix + name, "detail": ...} (prefix e.g.
 * "indicators[3]." or ""). Returns 0, KR_EINVAL (errors appended) or
 * KR_ENOMEM. out->id, report_id and created are left 0. */
int api_indicator_from_json(json_t *obj, const char *prefix, struct core_indicator *out,
			    json_t *errors);

/* ---- small shared answers (reports.c) ---- */

/* Appends {"field", "detail"} to the array errors; 0 or KR_ENOMEM. */
int api_error_add(json_t *errors, const char *field, const char *detail);
/* Answers 422 "validation" with errors (its reference is taken) and returns
 * KR_EINVAL. */
int api_validation_problem(struct http_response *res, json_t *errors);
/* Answers 400 "bad-query" with detail and returns KR_EINVAL. */
int api_bad_query(struct http_response *res, const char *detail);
/* Free-text query parameter name: *out is NULL when absent or empty,
 * else the value (owned by the request). Longer than API_QUERY_TEXT_MAX
 * bytes or not UTF-8 answers 400 "bad-query" and returns KR_EINVAL. */
int api_query_text(struct http_request *req, struct http_response *res, const char *name,
		   const char **out);
/* True when s is NULL, empty or only blanks (space, tab, CR, LF). */
bool api_text_blank(const char *s);
/* Ends a handler: when r is non-zero and nothing was answered yet, answers
 * the mapped problem. Always returns 0 (the answer is in res). */
int api_report_finish(struct http_response *res, int r);

#endif
