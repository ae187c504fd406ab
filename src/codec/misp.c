/* misp.c - reading MISP core-format events into a kring report with its
 * indicators, keeping the event itself verbatim. */
#include "codec/misp.h"

#include "codec/digest.h"
#include "codec/stix.h"
#include "codec/stix_int.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

int misp_tag_tlp(const char *tag)
{
	static const struct {
		const char *name;
		enum tlp tlp;
	} tags[] = {
		{"tlp:clear", TLP_CLEAR}, {"tlp:white", TLP_CLEAR},
		{"tlp:green", TLP_GREEN}, {"tlp:amber", TLP_AMBER},
		{"tlp:amber+strict", TLP_AMBER_STRICT}, {"tlp:red", TLP_RED},
	};
	if (!tag)
		return -1;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if (strcasecmp(tag, tags[i].name) == 0)
			return (int)tags[i].tlp;
	}
	return -1;
}

/* ---- supported attribute types ---- */

enum part { PART_WHOLE, PART_LEFT, PART_RIGHT, PART_BOTH };
#define IND_IP_AUTO (-1) /* ipv4, ipv6 or cidr, as the value shows */

static const struct {
	const char *type;
	enum part part;
	int first;  /* indicator type of the (first) value */
	int second; /* of the right part with PART_BOTH */
} supported[] = {
	{"ip-src", PART_WHOLE, IND_IP_AUTO, 0},
	{"ip-dst", PART_WHOLE, IND_IP_AUTO, 0},
	{"ip-src|port", PART_LEFT, IND_IP_AUTO, 0},
	{"ip-dst|port", PART_LEFT, IND_IP_AUTO, 0},
	{"domain", PART_WHOLE, IND_DOMAIN, 0},
	{"hostname", PART_WHOLE, IND_DOMAIN, 0},
	{"domain|ip", PART_BOTH, IND_DOMAIN, IND_IP_AUTO},
	{"url", PART_WHOLE, IND_URL, 0},
	{"uri", PART_WHOLE, IND_URL, 0},
	{"email", PART_WHOLE, IND_EMAIL, 0},
	{"email-src", PART_WHOLE, IND_EMAIL, 0},
	{"email-dst", PART_WHOLE, IND_EMAIL, 0},
	{"md5", PART_WHOLE, IND_MD5, 0},
	{"sha1", PART_WHOLE, IND_SHA1, 0},
	{"sha256", PART_WHOLE, IND_SHA256, 0},
	{"filename|md5", PART_RIGHT, IND_MD5, 0},
	{"filename|sha1", PART_RIGHT, IND_SHA1, 0},
	{"filename|sha256", PART_RIGHT, IND_SHA256, 0},
	{"vulnerability", PART_WHOLE, IND_CVE, 0},
	{"AS", PART_WHOLE, IND_ASN, 0},
};

static int find_supported(const char *type)
{
	for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++) {
		if (strcmp(supported[i].type, type) == 0)
			return (int)i;
	}
	return -1;
}

/* ---- small readers ---- */

/* A number given as a JSON integer or as a string of digits. */
static bool read_number(const json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	const char *s = json_string_value(v);
	char *end;
	if (!*s || strlen(s) > 18)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
	}
	*out = strtoll(s, &end, 10);
	return *end == '\0';
}

static bool flag_set(const json_t *v)
{
	int64_t n;
	if (json_is_true(v))
		return true;
	if (json_is_string(v) && strcasecmp(json_string_value(v), "true") == 0)
		return true;
	return read_number(v, &n) && n != 0;
}

/* ---- the import state ---- */

struct state {
	struct misp_event *ev;
	size_t cap_ind, cap_rej, cap_tags;
	struct stix_index seen;  /* indicators by type and value */
	struct stix_index tagset; /* tags by name */
	size_t nattributes;
	char *err;
	size_t errsz;
};

struct ind_key {
	const struct misp_event *ev;
	enum ind_type type;
	const char *value;
};

static bool same_ind(const void *ctx, size_t pos)
{
	const struct ind_key *k = ctx;
	const struct core_indicator *i = &k->ev->indicators[pos];
	return i->type == k->type && strcmp(i->value, k->value) == 0;
}

static bool same_tag(const void *ctx, size_t pos)
{
	const void *const *c = ctx;
	const struct misp_event *ev = c[0];
	return strcmp(ev->tags[pos], c[1]) == 0;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = kr_realloc(*arr, ncap * size);
	if (!p)
		return KR_ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int add_tag(struct state *st, const char *name)
{
	struct misp_event *ev = st->ev;
	char cut[MISP_TAG_MAX + 1];
	const void *ctx[2] = {ev, cut};
	size_t pos;
	uint64_t h;
	int r;

	stix_copy_cut(cut, MISP_TAG_MAX, name);
	h = stix_hash(STIX_HASH_SEED, cut);
	if (stix_index_find(&st->tagset, h, same_tag, ctx, &pos))
		return 0;
	r = grow((void **)&ev->tags, &st->cap_tags, ev->ntags, sizeof(*ev->tags));
	if (r)
		return r;
	ev->tags[ev->ntags] = kr_strdup(cut);
	if (!ev->tags[ev->ntags])
		return KR_ENOMEM;
	r = stix_index_add(&st->tagset, h, ev->ntags);
	if (r) {
		kr_free(ev->tags[ev->ntags]);
		return r;
	}
	ev->ntags++;
	return 0;
}

/* Reads a Tag list: every name must be a string. *tlp receives the
 * strictest TLP named (or stays as it was); keep adds the names to the
 * event's tags. */
static int read_tags(struct state *st, const json_t *tags, const char *where, bool keep,
		     int *tlp)
{
	if (!tags)
		return 0;
	if (!json_is_array(tags))
		return fail(st->err, st->errsz, KR_EINVAL, "%s: Tag is not a list", where);
	for (size_t i = 0; i < json_array_size(tags); i++) {
		json_t *tag = json_array_get(tags, i);
		const char *name = json_string_value(json_object_get(tag, "name"));
		if (!name)
			return fail(st->err, st->errsz, KR_EINVAL, "%s: Tag[%zu] has no name",
				    where, i);
		int t = misp_tag_tlp(name);
		if (t > *tlp)
			*tlp = t;
		if (t > (int)st->ev->max_tlp)
			st->ev->max_tlp = (enum tlp)t;
		if (keep) {
			int r = add_tag(st, name);
			if (r)
				return r;
		}
	}
	return 0;
}

static int add_reject(struct state *st, const json_t *attr, const char *type, const char *value,
		      const char *why)
{
	struct misp_event *ev = st->ev;
	struct misp_reject *rj;
	const char *uuid = json_string_value(json_object_get(attr, "uuid"));
	int r = grow((void **)&ev->rejects, &st->cap_rej, ev->nrejects, sizeof(*ev->rejects));
	if (r)
		return r;
	rj = &ev->rejects[ev->nrejects++];
	memset(rj, 0, sizeof(*rj));
	stix_copy_cut(rj->uuid, 36, uuid ? uuid : "");
	stix_copy_cut(rj->type, MISP_TYPE_MAX, type);
	stix_copy_cut(rj->value, MISP_VALUE_SHOWN, value);
	rj->why = why;
	return 0;
}

/* One value of a supported attribute: normalise it, merge duplicates, add. */
static int take_value(struct state *st, const json_t *attr, const char *type, int want,
		      const char *raw, size_t rawlen, bool too_strict)
{
	struct misp_event *ev = st->ev;
	char buf[CORE_INDICATOR_MAX + 1];
	char value[CORE_INDICATOR_MAX + 1];
	const char *why = NULL;
	enum ind_type it;
	int r;

	ev->nvalues++;
	if (rawlen > CORE_INDICATOR_MAX)
		return add_reject(st, attr, type, raw, "value longer than 2048 characters");
	memcpy(buf, raw, rawlen);
	buf[rawlen] = '\0';
	if (too_strict)
		return add_reject(st, attr, type, buf,
				  "tagged with a TLP stricter than the event's");
	if (want == IND_IP_AUTO)
		it = strchr(buf, '/') ? IND_CIDR : strchr(buf, ':') ? IND_IPV6 : IND_IPV4;
	else
		it = (enum ind_type)want;
	if (core_indicator_normalise(it, buf, value, &why))
		return add_reject(st, attr, type, buf, why);

	struct ind_key k = {ev, it, value};
	uint64_t h = stix_hash(stix_hash(STIX_HASH_SEED, ind_type_name(it)), value);
	size_t pos;
	if (stix_index_find(&st->seen, h, same_ind, &k, &pos)) {
		ev->nduplicates++;
		return 0;
	}
	if (ev->nindicators >= CORE_INDICATORS_PER_REPORT)
		return fail(st->err, st->errsz, KR_ELIMIT,
			    "more than %d distinct indicators, kring's limit per report",
			    CORE_INDICATORS_PER_REPORT);
	r = grow((void **)&ev->indicators, &st->cap_ind, ev->nindicators,
		 sizeof(*ev->indicators));
	if (r)
		return r;
	struct core_indicator *ind = &ev->indicators[ev->nindicators];
	memset(ind, 0, sizeof(*ind));
	ind->type = it;
	memcpy(ind->value, value, strlen(value) + 1);
	const char *comment = json_string_value(json_object_get(attr, "comment"));
	if (comment)
		stix_copy_line(ind->comment, CORE_NAME_MAX, comment);
	int64_t ts;
	if (read_number(json_object_get(attr, "timestamp"), &ts))
		ind->created = ts * 1000;
	const char *fs = json_string_value(json_object_get(attr, "first_seen"));
	const char *ls = json_string_value(json_object_get(attr, "last_seen"));
	if (fs && time_parse_rfc3339(fs, &ind->first_seen))
		ind->first_seen = 0;
	if (ls && time_parse_rfc3339(ls, &ind->last_seen))
		ind->last_seen = 0;
	r = stix_index_add(&st->seen, h, ev->nindicators);
	if (r)
		return r;
	ev->nindicators++;
	return 0;
}

static int read_attribute(struct state *st, const json_t *attr, const char *where,
			  int container_tlp, int event_tlp)
{
	const char *type = json_string_value(json_object_get(attr, "type"));
	json_t *vj = json_object_get(attr, "value");
	char num[32];
	const char *value;
	int tlp = container_tlp;
	int r, s;

	if (!json_is_object(attr))
		return fail(st->err, st->errsz, KR_EINVAL, "%s: not an object", where);
	if (!type)
		return fail(st->err, st->errsz, KR_EINVAL, "%s: type is missing", where);
	if (++st->nattributes > MISP_MAX_ATTRIBUTES)
		return fail(st->err, st->errsz, KR_ELIMIT, "more than %d attributes",
			    MISP_MAX_ATTRIBUTES);
	r = read_tags(st, json_object_get(attr, "Tag"), where, false, &tlp);
	if (r)
		return r;
	if (flag_set(json_object_get(attr, "deleted")))
		return 0;
	s = find_supported(type);
	if (s < 0)
		return 0;
	st->ev->nsupported++;

	if (json_is_integer(vj)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(vj));
		value = num;
	} else if (json_is_string(vj)) {
		value = json_string_value(vj);
	} else {
		st->ev->nvalues++;
		return add_reject(st, attr, type, "", "value is not a string");
	}

	bool too_strict = tlp > event_tlp;
	size_t n = strlen(value);
	const char *bar = strchr(value, '|');
	if (supported[s].part == PART_WHOLE)
		return take_value(st, attr, type, supported[s].first, value, n, too_strict);
	if (!bar) {
		st->ev->nvalues++;
		return add_reject(st, attr, type, value, "composite value without '|'");
	}
	if (supported[s].part == PART_LEFT)
		return take_value(st, attr, type, supported[s].first, value,
				  (size_t)(bar - value), too_strict);
	if (supported[s].part == PART_RIGHT)
		return take_value(st, attr, type, supported[s].first, bar + 1, strlen(bar + 1),
				  too_strict);
	r = take_value(st, attr, type, supported[s].first, value, (size_t)(bar - value),
		       too_strict);
	if (!r)
		r = take_value(st, attr, type, supported[s].second, bar + 1, strlen(bar + 1),
			       too_strict);
	return r;
}

static int read_attributes(struct state *st, const json_t *list, const char *where,
			   int container_tlp, int event_tlp)
{
	char at[96];
	if (!list)
		return 0;
	if (!json_is_array(list))
		return fail(st->err, st->errsz, KR_EINVAL, "%s: Attribute is not a list", where);
	for (size_t i = 0; i < json_array_size(list); i++) {
		snprintf(at, sizeof(at), "%s.Attribute[%zu]", where, i);
		int r = read_attribute(st, json_array_get(list, i), at, container_tlp, event_tlp);
		if (r)
			return r;
	}
	return 0;
}

/* Event-level fields other than attributes. */
static int read_head(struct state *st, const json_t *e, int *event_tlp)
{
	struct misp_event *ev = st->ev;
	const char *uuid = json_string_value(json_object_get(e, "uuid"));
	json_t *v;
	int64_t n;
	int r;

	v = json_object_get(e, "uuid");
	if (v) {
		unsigned char u[16];
		if (!uuid || digest_uuid_parse(uuid, u))
			return fail(st->err, st->errsz, KR_EINVAL, "Event: uuid is not a UUID");
		for (size_t i = 0; i < 36; i++)
			ev->report.uuid[i] = (char)((uuid[i] >= 'A' && uuid[i] <= 'F')
							    ? uuid[i] - 'A' + 'a'
							    : uuid[i]);
		ev->report.uuid[36] = '\0';
	}
	v = json_object_get(e, "info");
	if (v && !json_is_string(v))
		return fail(st->err, st->errsz, KR_EINVAL, "Event: info is not a string");
	if (v)
		stix_copy_line(ev->report.title, CORE_TITLE_MAX, json_string_value(v));

	v = json_object_get(e, "timestamp");
	if (v) {
		if (!read_number(v, &n))
			return fail(st->err, st->errsz, KR_EINVAL,
				    "Event: timestamp is not a number of seconds");
		ev->report.updated = n * 1000;
	}
	v = json_object_get(e, "date");
	if (v) {
		const char *d = json_string_value(v);
		int64_t ms;
		if (!d || strlen(d) != 10 || time_parse_rfc3339(d, &ms))
			return fail(st->err, st->errsz, KR_EINVAL, "Event: date is not YYYY-MM-DD");
		ev->report.created = ms;
	}
	if (!ev->report.created)
		ev->report.created = ev->report.updated;
	if (!ev->report.updated)
		ev->report.updated = ev->report.created;

	ev->analysis = -1;
	v = json_object_get(e, "analysis");
	if (v) {
		if (!read_number(v, &n) || n < 0 || n > 2)
			return fail(st->err, st->errsz, KR_EINVAL,
				    "Event: analysis is not 0, 1 or 2");
		ev->analysis = (int)n;
	}
	ev->threat_level_id = -1;
	v = json_object_get(e, "threat_level_id");
	if (v) {
		if (!read_number(v, &n) || n < 1 || n > 4)
			return fail(st->err, st->errsz, KR_EINVAL,
				    "Event: threat_level_id is not 1 to 4");
		ev->threat_level_id = (int)n;
	}
	ev->published = flag_set(json_object_get(e, "published"));

	v = json_object_get(e, "Orgc");
	if (v && !json_is_object(v))
		return fail(st->err, st->errsz, KR_EINVAL, "Event: Orgc is not an object");
	const char *oname = json_string_value(json_object_get(v, "name"));
	const char *ouuid = json_string_value(json_object_get(v, "uuid"));
	unsigned char u[16];
	if (oname)
		stix_copy_line(ev->orgc_name, CORE_NAME_MAX, oname);
	if (ouuid && digest_uuid_parse(ouuid, u) == 0)
		stix_copy_cut(ev->orgc_uuid, 36, ouuid);

	r = read_tags(st, json_object_get(e, "Tag"), "Event", true, event_tlp);
	if (r)
		return r;
	v = json_object_get(e, "Galaxy");
	if (v && !json_is_array(v))
		return fail(st->err, st->errsz, KR_EINVAL, "Event: Galaxy is not a list");
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *cl = json_object_get(json_array_get(v, i), "GalaxyCluster");
		for (size_t k = 0; k < json_array_size(cl); k++) {
			json_t *c = json_array_get(cl, k);
			const char *tn = json_string_value(json_object_get(c, "tag_name"));
			if (tn) {
				r = add_tag(st, tn);
				if (r)
					return r;
			}
		}
	}
	return 0;
}

/* Even a fragment of an event has one of these; a STIX bundle or some other
 * JSON object has none. */
static bool looks_like_event(const json_t *e)
{
	static const char *const keys[] = {"uuid", "info", "date", "Attribute", "Object", "Tag"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (json_object_get(e, keys[i]))
			return true;
	}
	return false;
}

void misp_event_release(struct misp_event *e)
{
	if (!e)
		return;
	core_report_release(&e->report);
	kr_free(e->indicators);
	kr_free(e->rejects);
	for (size_t i = 0; i < e->ntags; i++)
		kr_free(e->tags[i]);
	kr_free(e->tags);
	kr_free(e->raw);
	memset(e, 0, sizeof(*e));
}

int misp_import(const char *json, size_t len, enum tlp default_tlp, struct misp_event *out,
		char *err, size_t errsz)
{
	struct misp_event ev;
	struct state st;
	json_t *root = NULL, *e, *wrapped = NULL, *objs;
	json_error_t je;
	struct strbuf canon;
	int event_tlp = -1;
	int r = 0;

	memset(out, 0, sizeof(*out));
	memset(&ev, 0, sizeof(ev));
	memset(&st, 0, sizeof(st));
	st.ev = &ev;
	st.err = err;
	st.errsz = errsz;
	stix_index_init(&st.seen);
	stix_index_init(&st.tagset);
	strbuf_init(&canon, MISP_MAX_INPUT);
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
	if (len > MISP_MAX_INPUT) {
		r = fail(err, errsz, KR_ELIMIT, "input is larger than %zu MiB",
			 MISP_MAX_INPUT / (1024 * 1024));
		goto out;
	}
	if (stix_json_depth(json, len) > MISP_MAX_DEPTH) {
		r = fail(err, errsz, KR_EINVAL, "JSON nested deeper than %d levels",
			 MISP_MAX_DEPTH);
		goto out;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		r = fail(err, errsz, KR_EINVAL, "not valid JSON: %s (line %d, column %d)", je.text,
			 je.line, je.column);
		goto out;
	}
	e = json_object_get(root, "Event") ? json_object_get(root, "Event") : root;
	if (!json_is_object(e)) {
		r = fail(err, errsz, KR_EINVAL, "not a MISP event: expected an object");
		goto out;
	}
	if (!looks_like_event(e)) {
		r = fail(err, errsz, KR_EINVAL,
			 "not a MISP event: none of uuid, info, date, Attribute, Object, Tag");
		goto out;
	}

	ev.max_tlp = TLP_CLEAR;
	r = read_head(&st, e, &event_tlp);
	if (r)
		goto out;
	ev.tlp_tagged = event_tlp >= 0;
	ev.report.tlp = event_tlp >= 0 ? (enum tlp)event_tlp : default_tlp;
	if (ev.report.tlp > ev.max_tlp)
		ev.max_tlp = ev.report.tlp;

	r = read_attributes(&st, json_object_get(e, "Attribute"), "Event", -1, ev.report.tlp);
	if (r)
		goto out;
	objs = json_object_get(e, "Object");
	if (objs && !json_is_array(objs)) {
		r = fail(err, errsz, KR_EINVAL, "Event: Object is not a list");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(objs); i++) {
		json_t *o = json_array_get(objs, i);
		char where[64];
		int otlp = -1;
		snprintf(where, sizeof(where), "Object[%zu]", i);
		if (!json_is_object(o)) {
			r = fail(err, errsz, KR_EINVAL, "%s: not an object", where);
			goto out;
		}
		r = read_tags(&st, json_object_get(o, "Tag"), where, false, &otlp);
		if (r)
			goto out;
		if (flag_set(json_object_get(o, "deleted")))
			continue;
		r = read_attributes(&st, json_object_get(o, "Attribute"), where, otlp,
				    ev.report.tlp);
		if (r)
			goto out;
	}

	/* Keep the event in feed form; name an event without a uuid after its
	 * content. */
	wrapped = json_pack("{s:O}", "Event", e);
	if (!wrapped) {
		r = KR_ENOMEM;
		goto out;
	}
	r = stix_json_dump(wrapped, MISP_MAX_INPUT, &ev.raw, &ev.raw_len);
	if (r)
		goto out;
	if (!ev.report.uuid[0]) {
		unsigned char ns[16];
		r = strbuf_adds(&canon, "misp-event:");
		if (!r)
			r = stix_jcs_append(&canon, e);
		if (r)
			goto out;
		digest_uuid_parse(STIX_KRING_NAMESPACE, ns);
		digest_uuid5(ns, canon.buf, canon.len, ev.report.uuid);
	}
	if (!ev.report.title[0])
		snprintf(ev.report.title, sizeof(ev.report.title), "MISP event %s", ev.report.uuid);
	ev.report.kind = RK_THREAT;
	ev.report.level = LEVEL_TECHNICAL;
	ev.report.version = 1;

	*out = ev;
	memset(&ev, 0, sizeof(ev));
out:
	if (r == KR_ENOMEM && err && errsz && !err[0])
		fail(err, errsz, r, "out of memory");
	misp_event_release(&ev);
	stix_index_release(&st.seen);
	stix_index_release(&st.tagset);
	strbuf_release(&canon);
	json_decref(wrapped);
	json_decref(root);
	return r;
}
