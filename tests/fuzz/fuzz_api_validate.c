/* fuzz_api_validate.c - libFuzzer target: api_validate, the field-table
 * check every JSON request body of the API passes, with tables that use
 * every field type and limit the resources use.
 *
 * Input: one byte choosing the table, then the JSON text (parsed as
 * api_body_object does: duplicate keys refused, nesting bounded).
 * Oracles: an accepted object has no unknown field, every required field,
 * and every value of the right type within its limits; a refused one gets
 * a 422 problem+json whose body is JSON with 1..50 errors, each naming a
 * field of the table or of the object. */
#include "api/api.h"
#include "core/model.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define FUZZ_INPUT_MAX (64 * 1024)
#define DEFAULT_MAX_LEN 200
#define DEFAULT_MAX_ITEMS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Shapes of the resources' tables (reports, organisations, people,
 * communities, applications, login, tokens, comments, indicators). */
static const struct api_field report_fields[] = {
	{ .name = "community_id", .type = AF_INT, .required = true, .min = 1, .max = INT64_MAX },
	{ .name = "kind", .type = AF_ENUM, .required = true, .parse = report_kind_parse },
	{ .name = "title", .type = AF_STRING, .required = true, .max_len = CORE_TITLE_MAX },
	{ .name = "body", .type = AF_TEXT, .max_len = CORE_BODY_MAX },
	{ .name = "level", .type = AF_ENUM, .parse = level_parse },
	{ .name = "tlp", .type = AF_ENUM, .parse = tlp_parse },
	{ .name = "recipient_organisations", .type = AF_INT_ARRAY,
	  .max_items = CORE_RECIPIENTS_MAX },
	{ .name = "recipient_people", .type = AF_INT_ARRAY, .max_items = CORE_RECIPIENTS_MAX },
	{ .name = "indicators", .type = AF_ANY },
	{ .name = NULL },
};
static const struct api_field org_fields[] = {
	{ .name = "name", .type = AF_STRING, .required = true, .max_len = CORE_NAME_MAX },
	{ .name = "kind", .type = AF_ENUM, .required = true, .parse = org_kind_parse },
	{ .name = "sectors", .type = AF_STRING_ARRAY, .max_len = CORE_SHORT_MAX,
	  .max_items = CORE_SECTORS_MAX },
	{ .name = "region", .type = AF_STRING, .max_len = CORE_SHORT_MAX },
	{ .name = "nis2", .type = AF_ENUM, .parse = nis2_parse },
	{ .name = "website", .type = AF_STRING, .max_len = CORE_URL_MAX },
	{ .name = NULL },
};
static const struct api_field person_fields[] = {
	{ .name = "name", .type = AF_STRING, .required = true },
	{ .name = "email", .type = AF_STRING, .required = true, .max_len = CORE_EMAIL_MAX },
	{ .name = "organisation_id", .type = AF_INT, .required = true, .min = 1,
	  .max = INT64_MAX },
	{ .name = "language", .type = AF_ENUM, .parse = lang_parse },
	{ .name = "is_admin", .type = AF_BOOL },
	{ .name = "disabled", .type = AF_BOOL },
	{ .name = "password", .type = AF_STRING, .max_len = 1024 },
	{ .name = NULL },
};
static const struct api_field community_fields[] = {
	{ .name = "name", .type = AF_STRING, .required = true, .max_len = CORE_NAME_MAX },
	{ .name = "kind", .type = AF_ENUM, .required = true, .parse = community_kind_parse },
	{ .name = "description", .type = AF_TEXT, .max_len = CORE_DESC_MAX },
	{ .name = "guidelines", .type = AF_TEXT, .max_len = CORE_BODY_MAX },
	{ .name = "max_primary", .type = AF_INT, .min = 1, .max = 10 },
	{ .name = "default_tlp", .type = AF_ENUM, .parse = tlp_parse },
	{ .name = NULL },
};
static const struct api_field application_fields[] = {
	{ .name = "organisation_id", .type = AF_INT, .required = true, .min = 1,
	  .max = INT64_MAX },
	{ .name = "representatives", .type = AF_INT_ARRAY, .required = true,
	  .max_items = CORE_PROPOSED_MAX },
	{ .name = "motivation", .type = AF_TEXT, .max_len = CORE_DESC_MAX },
	{ .name = NULL },
};
static const struct api_field login_fields[] = {
	{ .name = "email", .type = AF_STRING, .required = true, .max_len = CORE_EMAIL_MAX },
	{ .name = "password", .type = AF_STRING, .required = true, .max_len = 1024 },
	{ .name = NULL },
};
static const struct api_field token_fields[] = {
	{ .name = "name", .type = AF_STRING, .required = true },
	{ .name = "scope", .type = AF_ENUM, .parse = tlp_parse },
	{ .name = "expires", .type = AF_TIME },
	{ .name = "days", .type = AF_INT, .min = 1, .max = 3650 },
	{ .name = NULL },
};
static const struct api_field comment_fields[] = {
	{ .name = "body", .type = AF_TEXT, .required = true, .max_len = CORE_COMMENT_MAX },
	{ .name = "tlp", .type = AF_ENUM, .parse = tlp_parse },
	{ .name = NULL },
};
static const struct api_field indicator_fields[] = {
	{ .name = "type", .type = AF_ENUM, .required = true, .parse = ind_type_parse },
	{ .name = "value", .type = AF_STRING, .required = true, .max_len = CORE_INDICATOR_MAX },
	{ .name = "comment", .type = AF_STRING, .max_len = CORE_NAME_MAX },
	{ .name = "first_seen", .type = AF_TIME },
	{ .name = "valid_until", .type = AF_TIME },
	{ .name = "any_int", .type = AF_INT },
	{ .name = NULL },
};
static const struct api_field *const tables[] = {
	report_fields,  org_fields,   person_fields, community_fields, application_fields,
	login_fields,   token_fields, comment_fields, indicator_fields,
};
#define NTABLES (sizeof tables / sizeof tables[0])

static void broken(const char *what, const char *field)
{
	fprintf(stderr, "api_validate: %s: %s\n", what, field);
	abort();
}

static void check_accepted(json_t *obj, const struct api_field *fields)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		const struct api_field *f = fields;
		while (f->name && strcmp(f->name, key) != 0)
			f++;
		if (!f->name)
			broken("unknown field accepted", key);
	}
	for (const struct api_field *f = fields; f->name; f++) {
		v = json_object_get(obj, f->name);
		if (!v || json_is_null(v)) {
			if (f->required)
				broken("required field missing", f->name);
			continue;
		}
		size_t max = f->max_len ? f->max_len : DEFAULT_MAX_LEN;
		size_t items = (size_t)(f->max_items > 0 ? f->max_items : DEFAULT_MAX_ITEMS);
		int64_t ms;
		size_t i;
		json_t *it;
		switch (f->type) {
		case AF_STRING:
		case AF_TEXT:
			if (!json_is_string(v) || json_string_length(v) > max ||
			    !core_utf8_valid(json_string_value(v), json_string_length(v),
					     f->type == AF_TEXT) ||
			    (f->required && json_string_length(v) == 0))
				broken("bad text accepted", f->name);
			break;
		case AF_INT:
			if (!json_is_integer(v) ||
			    ((f->min || f->max) && (json_integer_value(v) < f->min ||
						    json_integer_value(v) > f->max)))
				broken("bad integer accepted", f->name);
			break;
		case AF_BOOL:
			if (!json_is_boolean(v))
				broken("bad boolean accepted", f->name);
			break;
		case AF_ENUM:
			if (!json_is_string(v) || f->parse(json_string_value(v)) < 0)
				broken("bad enum accepted", f->name);
			break;
		case AF_TIME:
			if (!json_is_string(v) || time_parse_rfc3339(json_string_value(v), &ms))
				broken("bad time accepted", f->name);
			break;
		case AF_INT_ARRAY:
		case AF_STRING_ARRAY:
			if (!json_is_array(v) || json_array_size(v) > items)
				broken("bad array accepted", f->name);
			json_array_foreach(v, i, it) {
				bool ok = f->type == AF_INT_ARRAY
						  ? json_is_integer(it) && json_integer_value(it) > 0
						  : json_is_string(it) && json_string_length(it) > 0 &&
							    json_string_length(it) <= max &&
							    core_utf8_valid(json_string_value(it),
									    json_string_length(it),
									    false);
				if (!ok)
					broken("bad array item accepted", f->name);
			}
			break;
		case AF_ANY:
			break;
		}
	}
}

static void check_refused(const struct http_response *res)
{
	json_error_t e;
	if (res->status != 422 || strcmp(res->content_type, "application/problem+json") != 0)
		broken("refusal is not a 422 problem", res->content_type);
	json_t *p = json_loadb(res->body.buf, res->body.len, JSON_REJECT_DUPLICATES, &e);
	json_t *errs = json_object_get(p, "errors");
	if (!json_is_array(errs) || json_array_size(errs) == 0 || json_array_size(errs) > 50)
		broken("problem without 1..50 errors", res->body.buf ? res->body.buf : "");
	size_t i;
	json_t *it;
	json_array_foreach(errs, i, it) {
		if (!json_is_string(json_object_get(it, "field")) ||
		    !json_is_string(json_object_get(it, "detail")))
			broken("error entry without field and detail", res->body.buf);
	}
	json_decref(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t e;
	struct http_response res;
	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	const struct api_field *fields = tables[data[0] % NTABLES];
	json_t *obj = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, &e);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return 0;
	}
	http_response_init(&res);
	int r = api_validate(obj, fields, &res);
	if (r == 0) {
		if (res.status != 0)
			broken("accepted with an answer", "");
		check_accepted(obj, fields);
	} else if (r == KR_EINVAL) {
		check_refused(&res);
	} else if (r != KR_ENOMEM) {
		broken("unexpected status", kr_strerror(r));
	}
	http_response_release(&res);
	json_decref(obj);
	return 0;
}
