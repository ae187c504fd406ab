/* stix_import.c - strict reading of STIX 2.1 content: every object kept
 * verbatim with its TLP, reports and indicators extracted besides. */
#include "codec/stix.h"

#include "codec/stix_int.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

static int fail(char *err, size_t errsz, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errsz, int code, const char *fmt, ...)
{
	if (err && errsz) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* ---- what STIX 2.1 requires ---- */

/* Required properties of the STIX 2.1 objects besides the common ones; the
 * letter says what the value must be: s string, a non-empty array, t
 * timestamp, b boolean, i integer, o object, r identifier. */
static const struct {
	const char *type;
	const char *props[4];
} required[] = {
	{"attack-pattern", {"s:name"}},
	{"campaign", {"s:name"}},
	{"course-of-action", {"s:name"}},
	{"grouping", {"s:context", "a:object_refs"}},
	{"identity", {"s:name"}},
	{"incident", {"s:name"}},
	{"indicator", {"s:pattern", "s:pattern_type", "t:valid_from"}},
	{"infrastructure", {"s:name"}},
	{"intrusion-set", {"s:name"}},
	{"location", {NULL}},
	{"malware", {"b:is_family"}},
	{"malware-analysis", {"s:product"}},
	{"note", {"s:content", "a:object_refs"}},
	{"observed-data", {"t:first_observed", "t:last_observed", "i:number_observed"}},
	{"opinion", {"s:opinion", "a:object_refs"}},
	{"report", {"s:name", "t:published", "a:object_refs"}},
	{"threat-actor", {"s:name"}},
	{"tool", {"s:name"}},
	{"vulnerability", {"s:name"}},
	{"relationship", {"s:relationship_type", "r:source_ref", "r:target_ref"}},
	{"sighting", {"r:sighting_of_ref"}},
	{"language-content", {"r:object_ref", "o:contents"}},
	{"extension-definition", {"s:name", "s:schema", "s:version", "a:extension_types"}},
	{"marking-definition", {NULL}},
	/* cyber-observables */
	{"autonomous-system", {"i:number"}},
	{"directory", {"s:path"}},
	{"domain-name", {"s:value"}},
	{"email-addr", {"s:value"}},
	{"email-message", {"b:is_multipart"}},
	{"ipv4-addr", {"s:value"}},
	{"ipv6-addr", {"s:value"}},
	{"mac-addr", {"s:value"}},
	{"mutex", {"s:name"}},
	{"network-traffic", {"a:protocols"}},
	{"software", {"s:name"}},
	{"url", {"s:value"}},
	{"x509-certificate", {NULL}},
	{"artifact", {NULL}},
	{"file", {NULL}},
	{"process", {NULL}},
	{"user-account", {NULL}},
	{"windows-registry-key", {NULL}},
};

/* Timestamps checked wherever they appear on a domain object. */
static const char *const sdo_times[] = {
	"created",	  "modified",	     "valid_from",     "valid_until", "published",
	"first_seen",	  "last_seen",	     "first_observed", "last_observed",
};

static int find_required(const char *type)
{
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (strcmp(required[i].type, type) == 0)
			return (int)i;
	}
	return -1;
}

static bool time_ok(const json_t *v, int64_t *sec, int32_t *nsec)
{
	return json_is_string(v) && stix_time_parse(json_string_value(v), sec, nsec) == 0;
}

/* -1, 0, 1 as a is before, equal to or after b. */
static int time_cmp(const json_t *a, const json_t *b)
{
	int64_t as, bs;
	int32_t an, bn;
	if (!time_ok(a, &as, &an) || !time_ok(b, &bs, &bn))
		return 0;
	if (as != bs)
		return as < bs ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

static bool ref_ok(const json_t *v, const char *type)
{
	return json_is_string(v) && stix_id_valid(json_string_value(v), type);
}

static bool ref_list_ok(const json_t *v, const char *type)
{
	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	for (size_t i = 0; i < json_array_size(v); i++) {
		if (!ref_ok(json_array_get(v, i), type))
			return false;
	}
	return true;
}

static bool base64_ok(const char *s)
{
	size_t n = strlen(s), pad = 0;
	if (n % 4)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad) /* '=' only at the end */
			return false;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/'))
			return false;
	}
	return pad <= 2;
}

/* Checks one object; on failure writes "objects[i] <id>: <problem>". */
static int check_object(const json_t *o, size_t i, char *err, size_t errsz)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *what = id ? id : "(no id)";
	json_t *v;
	bool sco;
	int req;

	if (!json_is_object(o))
		return fail(err, errsz, KR_EINVAL, "objects[%zu]: not a JSON object", i);
	if (!type || !stix_type_valid(type))
		return fail(err, errsz, KR_EINVAL,
			    "objects[%zu] %.300s: type is missing or not a STIX type name", i,
			    what);
	if (strcmp(type, "bundle") == 0)
		return fail(err, errsz, KR_EINVAL, "objects[%zu] %.300s: a bundle inside a bundle",
			    i, what);
	if (!id || !stix_id_valid(id, type))
		return fail(err, errsz, KR_EINVAL,
			    "objects[%zu] %.300s: id is missing or not \"%s--<uuid>\"", i, what,
			    type);
	req = find_required(type);
	sco = stix_is_sco_type(type) || (req < 0 && !json_object_get(o, "created"));

	v = json_object_get(o, "spec_version");
	if (v && !(json_is_string(v) && strcmp(json_string_value(v), "2.1") == 0))
		return fail(err, errsz, KR_EINVAL,
			    "objects[%zu] %s: spec_version is not \"2.1\" (kring reads STIX 2.1)",
			    i, id);
	if (!v && !sco)
		return fail(err, errsz, KR_EINVAL,
			    "objects[%zu] %s: spec_version is required (STIX 2.0 content?)", i, id);

	if (!sco) {
		for (size_t k = 0; k < sizeof(sdo_times) / sizeof(sdo_times[0]); k++) {
			int64_t s;
			int32_t ns;
			v = json_object_get(o, sdo_times[k]);
			if (v && !time_ok(v, &s, &ns))
				return fail(err, errsz, KR_EINVAL,
					    "objects[%zu] %s: %s is not a STIX timestamp "
					    "(YYYY-MM-DDTHH:MM:SS[.s]Z)",
					    i, id, sdo_times[k]);
		}
		if (!json_object_get(o, "created"))
			return fail(err, errsz, KR_EINVAL, "objects[%zu] %s: created is required",
				    i, id);
		if (strcmp(type, "marking-definition") != 0 && !json_object_get(o, "modified"))
			return fail(err, errsz, KR_EINVAL, "objects[%zu] %s: modified is required",
				    i, id);
		if (time_cmp(json_object_get(o, "modified"), json_object_get(o, "created")) < 0)
			return fail(err, errsz, KR_EINVAL,
				    "objects[%zu] %s: modified is earlier than created", i, id);
		if (json_object_get(o, "valid_until") && json_object_get(o, "valid_from") &&
		    time_cmp(json_object_get(o, "valid_until"), json_object_get(o, "valid_from")) <=
			    0)
			return fail(err, errsz, KR_EINVAL,
				    "objects[%zu] %s: valid_until is not later than valid_from", i,
				    id);
		if (time_cmp(json_object_get(o, "last_seen"), json_object_get(o, "first_seen")) < 0)
			return fail(err, errsz, KR_EINVAL,
				    "objects[%zu] %s: last_seen is earlier than first_seen", i, id);
		if (time_cmp(json_object_get(o, "last_observed"),
			     json_object_get(o, "first_observed")) < 0)
			return fail(err, errsz, KR_EINVAL,
				    "objects[%zu] %s: last_observed is earlier than first_observed",
				    i, id);
	}

	for (size_t k = 0; req >= 0 && k < 4 && required[req].props[k]; k++) {
		const char *spec = required[req].props[k];
		const char *name = spec + 2;
		bool ok;
		int64_t s;
		int32_t ns;
		v = json_object_get(o, name);
		switch (spec[0]) {
		case 's':
			ok = json_is_string(v);
			break;
		case 'a':
			ok = json_is_array(v) && json_array_size(v) > 0;
			break;
		case 't':
			ok = time_ok(v, &s, &ns);
			break;
		case 'b':
			ok = json_is_boolean(v);
			break;
		case 'i':
			ok = json_is_integer(v);
			break;
		case 'o':
			ok = json_is_object(v);
			break;
		default:
			ok = ref_ok(v, NULL);
		}
		if (!ok)
			return fail(err, errsz, KR_EINVAL,
				    "objects[%zu] %s: %s is required (%s)", i, id, name,
				    spec[0] == 's'   ? "a string"
				    : spec[0] == 'a' ? "a non-empty list"
				    : spec[0] == 't' ? "a timestamp"
				    : spec[0] == 'b' ? "true or false"
				    : spec[0] == 'i' ? "an integer"
				    : spec[0] == 'o' ? "an object"
						     : "an identifier");
	}

	/* Type-specific rules. */
	if (strcmp(type, "malware") == 0 && json_is_true(json_object_get(o, "is_family")) &&
	    !json_is_string(json_object_get(o, "name")))
		return fail(err, errsz, KR_EINVAL,
			    "objects[%zu] %s: a malware family (is_family true) needs a name", i,
			    id);
	if (strcmp(type, "marking-definition") == 0 && !json_object_get(o, "extensions") &&
	    !(json_is_string(json_object_get(o, "definition_type")) &&
	      json_is_object(json_object_get(o, "definition"))))
		return fail(err, errsz, KR_EINVAL,
			    "objects[%zu] %s: a marking-definition needs definition_type and "
			    "definition, or extensions",
			    i, id);
	if (strcmp(type, "location") == 0 && !json_object_get(o, "region") &&
	    !json_object_get(o, "country") &&
	    !(json_object_get(o, "latitude") && json_object_get(o, "longitude")))
		return fail(err, errsz, KR_EINVAL,
			    "objects[%zu] %s: a location needs region, country or latitude and "
			    "longitude",
			    i, id);
	v = json_object_get(o, "payload_bin");
	if (strcmp(type, "artifact") == 0 && v &&
	    !(json_is_string(v) && base64_ok(json_string_value(v))))
		return fail(err, errsz, KR_EINVAL, "objects[%zu] %s: payload_bin is not base64", i,
			    id);
	v = json_object_get(json_object_get(json_object_get(o, "extensions"), "http-request-ext"),
			    "request_header");
	if (v) {
		const char *k;
		json_t *hv;
		bool ok = json_is_object(v);
		json_object_foreach(v, k, hv) {
			if (!json_is_string(hv))
				ok = false;
		}
		if (!ok)
			return fail(err, errsz, KR_EINVAL,
				    "objects[%zu] %s: http-request-ext request_header values must "
				    "be strings",
				    i, id);
	}

	/* References. */
	v = json_object_get(o, "created_by_ref");
	if (v && !ref_ok(v, "identity"))
		return fail(err, errsz, KR_EINVAL,
			    "objects[%zu] %s: created_by_ref is not an identity id", i, id);
	v = json_object_get(o, "object_marking_refs");
	if (v && !ref_list_ok(v, "marking-definition"))
		return fail(err, errsz, KR_EINVAL,
			    "objects[%zu] %s: object_marking_refs is not a list of "
			    "marking-definition ids",
			    i, id);
	v = json_object_get(o, "object_refs");
	if (v && !ref_list_ok(v, NULL))
		return fail(err, errsz, KR_EINVAL,
			    "objects[%zu] %s: object_refs is not a list of identifiers", i, id);
	v = json_object_get(o, "granular_markings");
	if (v) {
		bool ok = json_is_array(v) && json_array_size(v) > 0;
		for (size_t k = 0; ok && k < json_array_size(v); k++) {
			json_t *g = json_array_get(v, k);
			json_t *ref = json_object_get(g, "marking_ref");
			ok = json_is_array(json_object_get(g, "selectors")) &&
			     (ref ? ref_ok(ref, "marking-definition")
				  : json_is_string(json_object_get(g, "lang")));
		}
		if (!ok)
			return fail(err, errsz, KR_EINVAL,
				    "objects[%zu] %s: granular_markings needs marking_ref "
				    "(or lang) and selectors in each entry",
				    i, id);
	}
	return 0;
}

/* ---- TLP ---- */

/* A TLP marking definition given inside the input under an id of its own. */
struct local_marking {
	const char *id; /* borrowed from the parsed tree */
	enum tlp tlp;
};

struct local_set {
	struct local_marking *m;
	size_t n;
	struct stix_index index;
};

static bool same_local(const void *ctx, size_t pos)
{
	const void *const *c = ctx;
	const struct local_set *s = c[0];
	return strcmp(s->m[pos].id, c[1]) == 0;
}

/* The TLP a marking-definition object defines, or -1. */
static int defined_tlp(const json_t *o)
{
	static const char *const v1[] = {"white", "green", "amber", "red"};
	static const enum tlp t1[] = {TLP_CLEAR, TLP_GREEN, TLP_AMBER, TLP_RED};
	static const char *const v2[] = {"clear", "green", "amber", "amber+strict", "red"};
	const char *s;

	if (json_is_string(json_object_get(o, "definition_type")) &&
	    strcmp(json_string_value(json_object_get(o, "definition_type")), "tlp") == 0) {
		s = json_string_value(json_object_get(json_object_get(o, "definition"), "tlp"));
		for (size_t i = 0; s && i < 4; i++) {
			if (strcasecmp(s, v1[i]) == 0)
				return (int)t1[i];
		}
	}
	s = json_string_value(json_object_get(
		json_object_get(json_object_get(o, "extensions"), STIX_TLP2_EXTENSION), "tlp_2_0"));
	for (size_t i = 0; s && i < 5; i++) {
		if (strcasecmp(s, v2[i]) == 0)
			return (int)i;
	}
	return -1;
}

static int marking_tlp(const struct local_set *ls, const char *id)
{
	int t = stix_marking_tlp(id);
	size_t pos;
	const void *ctx[2] = {ls, id};
	if (t >= 0 || !id)
		return t;
	if (stix_index_find(&ls->index, stix_hash(STIX_HASH_SEED, id), same_local, ctx, &pos))
		return (int)ls->m[pos].tlp;
	return -1;
}

/* The strictest TLP among the object's markings (object-level and
 * granular: a granular TLP marks part of the object, and the object as a
 * whole can be no looser than its strictest part), or -1. */
static int object_tlp(const struct local_set *ls, const json_t *o)
{
	int best = -1;
	json_t *refs = json_object_get(o, "object_marking_refs");
	json_t *gm = json_object_get(o, "granular_markings");
	for (size_t i = 0; i < json_array_size(refs); i++) {
		int t = marking_tlp(ls, json_string_value(json_array_get(refs, i)));
		if (t > best)
			best = t;
	}
	for (size_t i = 0; i < json_array_size(gm); i++) {
		json_t *g = json_array_get(gm, i);
		int t = marking_tlp(ls, json_string_value(json_object_get(g, "marking_ref")));
		if (t > best)
			best = t;
	}
	return best;
}

/* ---- building the result ---- */

static int64_t to_ms(const json_t *v)
{
	int64_t s;
	int32_t ns;
	if (!time_ok(v, &s, &ns))
		return 0;
	return s * 1000 + ns / 1000000;
}

static int make_object(const json_t *o, int tlp, enum tlp default_tlp, struct stix_object *out)
{
	json_t *created = json_object_get(o, "created");
	json_t *modified = json_object_get(o, "modified");
	const char *ver;
	int r;

	memset(out, 0, sizeof(*out));
	out->id = kr_strdup(json_string_value(json_object_get(o, "id")));
	out->type = kr_strdup(json_string_value(json_object_get(o, "type")));
	if (!out->id || !out->type) {
		stix_object_release(out);
		return KR_ENOMEM;
	}
	r = stix_json_dump(o, 0, &out->json, &out->json_len);
	if (r) {
		stix_object_release(out);
		return r;
	}
	out->created = to_ms(created);
	out->modified = modified ? to_ms(modified) : out->created;
	ver = json_string_value(modified ? modified : created);
	snprintf(out->version, sizeof(out->version), "%s", ver ? ver : "");
	out->tlp_marked = tlp >= 0;
	out->tlp = tlp >= 0 ? (enum tlp)tlp : default_tlp;
	return 0;
}

/* An indicator object or a vulnerability as a kring indicator; KR_ENOTFOUND
 * when it is not one kring can keep. */
static int extract_indicator(const json_t *o, struct core_indicator *ind)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *desc = json_string_value(json_object_get(o, "description"));
	const char *why;
	int r = KR_ENOTFOUND;

	memset(ind, 0, sizeof(*ind));
	if (strcmp(type, "indicator") == 0) {
		const char *pt = json_string_value(json_object_get(o, "pattern_type"));
		if (!pt || strcmp(pt, "stix") != 0)
			return KR_ENOTFOUND;
		r = stix_pattern_read(json_string_value(json_object_get(o, "pattern")), &ind->type,
				      ind->value, &why);
		if (r)
			return KR_ENOTFOUND;
		ind->first_seen = to_ms(json_object_get(o, "valid_from"));
		ind->valid_until = to_ms(json_object_get(o, "valid_until"));
	} else if (strcmp(type, "vulnerability") == 0) {
		json_t *refs = json_object_get(o, "external_references");
		for (size_t i = 0; r && i < json_array_size(refs); i++) {
			json_t *e = json_array_get(refs, i);
			const char *src = json_string_value(json_object_get(e, "source_name"));
			const char *ext = json_string_value(json_object_get(e, "external_id"));
			if (src && ext && strcasecmp(src, "cve") == 0 &&
			    core_indicator_normalise(IND_CVE, ext, ind->value, &why) == 0)
				r = 0;
		}
		if (r && name && core_indicator_normalise(IND_CVE, name, ind->value, &why) == 0)
			r = 0;
		if (r)
			return KR_ENOTFOUND;
		ind->type = IND_CVE;
		/* The CVE id is the name kring writes; keep a description. */
		name = NULL;
	} else {
		return KR_ENOTFOUND;
	}
	ind->created = to_ms(json_object_get(o, "created"));
	stix_copy_line(ind->comment, CORE_NAME_MAX, desc ? desc : name ? name : "");
	return 0;
}

static int extract_report(const json_t *o, const struct stix_object *obj, struct core_report *rep)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *desc = json_string_value(json_object_get(o, "description"));
	json_t *labels = json_object_get(o, "labels");
	json_t *types = json_object_get(o, "report_types");
	const char *sep = strstr(obj->id, "--");
	int kind = -1, level = -1;

	memset(rep, 0, sizeof(*rep));
	snprintf(rep->uuid, sizeof(rep->uuid), "%s", sep + 2);
	for (char *p = rep->uuid; *p; p++) {
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	}
	stix_copy_line(rep->title, CORE_TITLE_MAX, name);
	for (size_t i = 0; i < json_array_size(labels); i++) {
		const char *l = json_string_value(json_array_get(labels, i));
		if (l && strncmp(l, "kring-kind:", 11) == 0)
			kind = report_kind_parse(l + 11);
		else if (l && strncmp(l, "kring-level:", 12) == 0)
			level = level_parse(l + 12);
	}
	for (size_t i = 0; kind < 0 && i < json_array_size(types); i++) {
		const char *t = json_string_value(json_array_get(types, i));
		if (t && strcmp(t, "vulnerability") == 0)
			kind = RK_VULNERABILITY;
	}
	rep->kind = kind >= 0 ? (enum report_kind)kind : RK_THREAT;
	rep->level = level >= 0 ? (enum level)level : LEVEL_TECHNICAL;
	rep->tlp = obj->tlp;
	rep->created = obj->created;
	rep->updated = obj->modified;
	rep->version = 1;
	if (desc && strlen(desc) <= CORE_BODY_MAX) {
		rep->body = kr_strdup(desc);
		if (!rep->body)
			return KR_ENOMEM;
		/* kring texts hold no control characters but tab and newlines. */
		for (char *p = rep->body; *p; p++) {
			unsigned char c = (unsigned char)*p;
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				*p = ' ';
		}
	}
	return 0;
}

/* Latest version of each indicator id, for linking reports to them. */
struct ind_group {
	const struct stix_import *imp;
	struct stix_index index;
	size_t *latest; /* per group: index into imp->indicators */
	size_t n;
};

static bool same_group(const void *ctx, size_t pos)
{
	const void *const *c = ctx;
	const struct ind_group *g = c[0];
	const struct stix_import *imp = g->imp;
	return strcmp(imp->objects[imp->indicators[g->latest[pos]].object].id, c[1]) == 0;
}

static int group_indicators(struct ind_group *g)
{
	const struct stix_import *imp = g->imp;
	g->latest = kr_calloc(imp->nindicators ? imp->nindicators : 1, sizeof(*g->latest));
	if (!g->latest)
		return KR_ENOMEM;
	for (size_t i = 0; i < imp->nindicators; i++) {
		const struct stix_object *o = &imp->objects[imp->indicators[i].object];
		const void *ctx[2] = {g, o->id};
		uint64_t h = stix_hash(STIX_HASH_SEED, o->id);
		size_t pos;
		if (stix_index_find(&g->index, h, same_group, ctx, &pos)) {
			size_t was = imp->indicators[g->latest[pos]].object;
			if (o->modified >= imp->objects[was].modified)
				g->latest[pos] = i;
			continue;
		}
		int r = stix_index_add(&g->index, h, g->n);
		if (r)
			return r;
		g->latest[g->n++] = i;
	}
	return 0;
}

static int link_report(const struct ind_group *g, const json_t *o, struct stix_report *rep,
		       char *err, size_t errsz)
{
	const struct stix_import *imp = g->imp;
	json_t *refs = json_object_get(o, "object_refs");
	size_t n = json_array_size(refs);

	rep->indicators = kr_calloc(n ? n : 1, sizeof(*rep->indicators));
	if (!rep->indicators)
		return KR_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *ref = json_string_value(json_array_get(refs, i));
		const void *ctx[2] = {g, ref};
		size_t pos;
		bool dup = false;
		uint64_t h = stix_hash(STIX_HASH_SEED, ref);
		if (!stix_index_find(&g->index, h, same_group, ctx, &pos))
			continue;
		const struct stix_indicator *si = &imp->indicators[g->latest[pos]];
		if (si->tlp > rep->report.tlp)
			continue;
		for (size_t k = 0; k < rep->nindicators && !dup; k++) {
			const struct core_indicator *had = &imp->indicators[rep->indicators[k]].ind;
			dup = had->type == si->ind.type && strcmp(had->value, si->ind.value) == 0;
		}
		if (dup)
			continue;
		if (rep->nindicators >= CORE_INDICATORS_PER_REPORT)
			return fail(err, errsz, KR_ELIMIT,
				    "%s: names more than %d indicators, kring's limit per report",
				    imp->objects[rep->object].id, CORE_INDICATORS_PER_REPORT);
		rep->indicators[rep->nindicators++] = g->latest[pos];
	}
	return 0;
}

/* ---- the import ---- */

struct same_version_ctx {
	const struct stix_import *imp;
	const char *id;
	const char *version;
};

static bool same_version(const void *ctx, size_t pos)
{
	const struct same_version_ctx *c = ctx;
	const struct stix_object *o = &c->imp->objects[pos];
	return strcmp(o->id, c->id) == 0 && strcmp(o->version, c->version) == 0;
}

/* Finds the list of objects in the parsed document. */
static int top_level(json_t *root, json_t **list, bool *single, char *err, size_t errsz)
{
	const char *type = json_string_value(json_object_get(root, "type"));
	*single = false;
	if (json_is_array(root)) {
		*list = root;
		return 0;
	}
	if (!json_is_object(root))
		return fail(err, errsz, KR_EINVAL,
			    "not STIX: the document is neither an object nor a list of objects");
	if (!type || strcmp(type, "bundle") != 0) {
		*list = root;
		*single = true;
		return 0;
	}
	json_t *id = json_object_get(root, "id");
	json_t *sv = json_object_get(root, "spec_version");
	json_t *objs = json_object_get(root, "objects");
	if (!ref_ok(id, "bundle"))
		return fail(err, errsz, KR_EINVAL,
			    "bundle: id is missing or not \"bundle--<uuid>\"");
	if (sv && !(json_is_string(sv) && strcmp(json_string_value(sv), "2.1") == 0))
		return fail(err, errsz, KR_EINVAL,
			    "%s: a STIX %.10s bundle (spec_version on the bundle); kring reads "
			    "STIX 2.1",
			    json_string_value(id),
			    json_is_string(sv) ? json_string_value(sv) : "?");
	if (objs && !json_is_array(objs))
		return fail(err, errsz, KR_EINVAL, "%s: objects is not a list",
			    json_string_value(id));
	*list = objs;
	return 0;
}

void stix_import_release(struct stix_import *imp)
{
	if (!imp)
		return;
	for (size_t i = 0; i < imp->nobjects; i++)
		stix_object_release(&imp->objects[i]);
	kr_free(imp->objects);
	kr_free(imp->indicators);
	for (size_t i = 0; i < imp->nreports; i++) {
		core_report_release(&imp->reports[i].report);
		kr_free(imp->reports[i].indicators);
	}
	kr_free(imp->reports);
	memset(imp, 0, sizeof(*imp));
}

int stix_import(const char *json, size_t len, enum tlp default_tlp, struct stix_import *out,
		char *err, size_t errsz)
{
	json_t *root = NULL, *list = NULL;
	json_error_t je;
	struct local_set ls;
	struct stix_index versions;
	struct ind_group groups;
	struct stix_import imp;
	bool single = false;
	size_t n;
	int r = 0;

	memset(out, 0, sizeof(*out));
	memset(&imp, 0, sizeof(imp));
	memset(&ls, 0, sizeof(ls));
	memset(&groups, 0, sizeof(groups));
	stix_index_init(&ls.index);
	stix_index_init(&versions);
	stix_index_init(&groups.index);
	if (err && errsz)
		err[0] = '\0';

	if (!json || len == 0) {
		r = fail(err, errsz, KR_EINVAL, "empty input");
		goto out;
	}
	if ((int)default_tlp < 0 || default_tlp >= TLP__COUNT) {
		r = fail(err, errsz, KR_EINVAL, "no valid default TLP");
		goto out;
	}
	if (len > STIX_MAX_INPUT) {
		r = fail(err, errsz, KR_ELIMIT, "input is larger than %zu MiB",
			 STIX_MAX_INPUT / (1024 * 1024));
		goto out;
	}
	if (stix_json_depth(json, len) > STIX_MAX_DEPTH) {
		r = fail(err, errsz, KR_EINVAL, "JSON nested deeper than %d levels",
			 STIX_MAX_DEPTH);
		goto out;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		r = fail(err, errsz, KR_EINVAL, "not valid JSON: %s (line %d, column %d)", je.text,
			 je.line, je.column);
		goto out;
	}
	r = top_level(root, &list, &single, err, errsz);
	if (r)
		goto out;
	n = single ? 1 : json_array_size(list);
	if (n > STIX_MAX_OBJECTS) {
		r = fail(err, errsz, KR_ELIMIT, "%zu objects; kring reads at most %d at once", n,
			 STIX_MAX_OBJECTS);
		goto out;
	}

	/* Pass 1: check every object; note TLP marking definitions. */
	ls.m = kr_calloc(n ? n : 1, sizeof(*ls.m));
	if (!ls.m) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = single ? list : json_array_get(list, i);
		r = check_object(o, i, err, errsz);
		if (r)
			goto out;
		const char *type = json_string_value(json_object_get(o, "type"));
		int t = strcmp(type, "marking-definition") == 0 ? defined_tlp(o) : -1;
		if (t >= 0) {
			ls.m[ls.n].id = json_string_value(json_object_get(o, "id"));
			ls.m[ls.n].tlp = (enum tlp)t;
			uint64_t h = stix_hash(STIX_HASH_SEED, ls.m[ls.n].id);
			r = stix_index_add(&ls.index, h, ls.n);
			if (r)
				goto out;
			ls.n++;
		}
	}

	/* Pass 2: keep every object verbatim with its TLP; extract. */
	imp.objects = kr_calloc(n ? n : 1, sizeof(*imp.objects));
	imp.indicators = kr_calloc(n ? n : 1, sizeof(*imp.indicators));
	if (!imp.objects || !imp.indicators) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = single ? list : json_array_get(list, i);
		struct stix_object *obj = &imp.objects[i];
		struct same_version_ctx c;
		size_t pos;
		uint64_t h;

		r = make_object(o, object_tlp(&ls, o), default_tlp, obj);
		if (r)
			goto out;
		imp.nobjects++;
		c.imp = &imp;
		c.id = obj->id;
		c.version = obj->version;
		h = stix_hash(stix_hash(STIX_HASH_SEED, obj->id), obj->version);
		if (stix_index_find(&versions, h, same_version, &c, &pos)) {
			r = fail(err, errsz, KR_EINVAL,
				 "objects[%zu] %s: given twice (also objects[%zu]) with the same "
				 "version %s",
				 i, obj->id, pos, obj->version[0] ? obj->version : "(none)");
			goto out;
		}
		r = stix_index_add(&versions, h, i);
		if (r)
			goto out;

		struct stix_indicator *si = &imp.indicators[imp.nindicators];
		if (strcmp(obj->type, "indicator") == 0 ||
		    strcmp(obj->type, "vulnerability") == 0) {
			if (extract_indicator(o, &si->ind) == 0) {
				si->object = i;
				si->tlp = obj->tlp;
				imp.nindicators++;
			} else {
				imp.nskipped++;
			}
		}
		if (strcmp(obj->type, "report") == 0) {
			struct stix_report *nr =
				kr_realloc(imp.reports, (imp.nreports + 1) * sizeof(*nr));
			if (!nr) {
				r = KR_ENOMEM;
				goto out;
			}
			imp.reports = nr;
			memset(&nr[imp.nreports], 0, sizeof(*nr));
			nr[imp.nreports].object = i;
			imp.nreports++;
			r = extract_report(o, obj, &nr[imp.nreports - 1].report);
			if (r)
				goto out;
		}
	}

	/* Pass 3: reports name their indicators. */
	groups.imp = &imp;
	r = group_indicators(&groups);
	for (size_t i = 0; !r && i < imp.nreports; i++) {
		size_t oi = imp.reports[i].object;
		json_t *o = single ? list : json_array_get(list, oi);
		r = link_report(&groups, o, &imp.reports[i], err, errsz);
	}
	if (r)
		goto out;

	*out = imp;
	memset(&imp, 0, sizeof(imp));
out:
	if (r == KR_ENOMEM && err && errsz && !err[0])
		fail(err, errsz, r, "out of memory");
	stix_import_release(&imp);
	kr_free(ls.m);
	stix_index_release(&ls.index);
	stix_index_release(&versions);
	stix_index_release(&groups.index);
	kr_free(groups.latest);
	json_decref(root);
	return r;
}
