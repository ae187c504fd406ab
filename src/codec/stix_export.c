/* stix_export.c - kring reports, indicators, organisations and comments as
 * STIX 2.1 objects, collected in a bundle. */
#include "codec/stix.h"

#include "codec/digest.h"
#include "codec/stix_int.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/strbuf.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

struct stix_bundle {
	struct stix_object *objs;
	size_t n, cap;
	struct stix_index index; /* by id and version */
	size_t bytes;            /* sum of the objects' JSON lengths */
};

int stix_bundle_new(struct stix_bundle **out)
{
	*out = kr_calloc(1, sizeof(**out));
	if (!*out)
		return KR_ENOMEM;
	stix_index_init(&(*out)->index);
	return 0;
}

void stix_bundle_free(struct stix_bundle *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		stix_object_release(&b->objs[i]);
	kr_free(b->objs);
	stix_index_release(&b->index);
	kr_free(b);
}

size_t stix_bundle_count(const struct stix_bundle *b)
{
	return b ? b->n : 0;
}

const struct stix_object *stix_bundle_object(const struct stix_bundle *b, size_t i)
{
	if (!b || i >= b->n)
		return NULL;
	return &b->objs[i];
}

struct same_ctx {
	const struct stix_bundle *b;
	const char *id;
	const char *version;
};

static bool same_version(const void *ctx, size_t pos)
{
	const struct same_ctx *c = ctx;
	const struct stix_object *o = &c->b->objs[pos];
	return strcmp(o->id, c->id) == 0 && strcmp(o->version, c->version) == 0;
}

static uint64_t version_hash(const char *id, const char *version)
{
	return stix_hash(stix_hash(STIX_HASH_SEED, id), version);
}

/* Takes *o into the bundle (or releases it when that version is already
 * there); *o is empty afterwards either way. */
static int take(struct stix_bundle *b, struct stix_object *o)
{
	struct same_ctx c = {b, o->id, o->version};
	uint64_t h = version_hash(o->id, o->version);
	size_t pos;
	int r = 0;

	if (stix_index_find(&b->index, h, same_version, &c, &pos)) {
		stix_object_release(o);
		return 0;
	}
	if (b->n >= STIX_MAX_OBJECTS || o->json_len > STIX_MAX_INPUT - b->bytes) {
		r = KR_ELIMIT;
		goto out;
	}
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 16;
		struct stix_object *n = kr_realloc(b->objs, ncap * sizeof(*n));
		if (!n) {
			r = KR_ENOMEM;
			goto out;
		}
		b->objs = n;
		b->cap = ncap;
	}
	r = stix_index_add(&b->index, h, b->n);
	if (r)
		goto out;
	b->bytes += o->json_len;
	b->objs[b->n++] = *o;
	memset(o, 0, sizeof(*o));
	return 0;
out:
	stix_object_release(o);
	return r;
}

int stix_bundle_add_object(struct stix_bundle *b, const struct stix_object *src)
{
	struct stix_object o = *src;

	if (!src->id || !src->type || !src->json)
		return KR_EINVAL;
	o.id = kr_strdup(src->id);
	o.type = kr_strdup(src->type);
	o.json = kr_strndup(src->json, src->json_len);
	if (!o.id || !o.type || !o.json) {
		stix_object_release(&o);
		return KR_ENOMEM;
	}
	return take(b, &o);
}

/* Makes a bundle object of the JSON object j (which has type, id and
 * created/modified as kring writes them) and takes it into the bundle. */
static int add_json(struct stix_bundle *b, json_t *j, int64_t created, int64_t modified,
		    enum tlp tlp, bool marked)
{
	struct stix_object o;
	const char *ver;
	int r;

	memset(&o, 0, sizeof(o));
	o.created = created;
	o.modified = modified;
	o.tlp = tlp;
	o.tlp_marked = marked;
	ver = json_string_value(json_object_get(j, "modified"));
	if (!ver)
		ver = json_string_value(json_object_get(j, "created"));
	snprintf(o.version, sizeof(o.version), "%s", ver ? ver : "");
	o.id = kr_strdup(json_string_value(json_object_get(j, "id")));
	o.type = kr_strdup(json_string_value(json_object_get(j, "type")));
	if (!o.id || !o.type) {
		stix_object_release(&o);
		return KR_ENOMEM;
	}
	r = stix_json_dump(j, 0, &o.json, &o.json_len);
	if (r) {
		stix_object_release(&o);
		return r;
	}
	return take(b, &o);
}

int stix_bundle_add_marking(struct stix_bundle *b, enum tlp t)
{
	struct stix_object o;
	int r;

	memset(&o, 0, sizeof(o));
	r = stix_tlp_marking_json(t, &o.json, &o.json_len);
	if (r)
		return r;
	o.id = kr_strdup(stix_tlp_marking_id(t));
	o.type = kr_strdup("marking-definition");
	if (!o.id || !o.type) {
		stix_object_release(&o);
		return KR_ENOMEM;
	}
	/* 2022-10-01T00:00:00.000Z: the TLP 2.0 definitions are public. */
	o.created = o.modified = 1664582400000;
	snprintf(o.version, sizeof(o.version), "2022-10-01T00:00:00.000Z");
	o.tlp = TLP_CLEAR;
	return take(b, &o);
}

/* ---- building objects ---- */

/* Sets a timestamp member; returns nonzero on allocation failure. */
static int set_time(json_t *o, const char *key, int64_t ms)
{
	char buf[32];
	stix_time_format(ms, buf, sizeof(buf));
	return json_object_set_new(o, key, json_string(buf));
}

static int set_str(json_t *o, const char *key, const char *value)
{
	return json_object_set_new(o, key, json_string(value));
}

/* The common head of an SDO: type, spec_version, id, created_by_ref,
 * created, modified. NULL on allocation failure. */
static json_t *sdo_head(const char *type, const char *id, const char *creator, int64_t created,
			int64_t modified)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	if (set_str(o, "type", type) || set_str(o, "spec_version", "2.1") || set_str(o, "id", id) ||
	    (creator && set_str(o, "created_by_ref", creator)) || set_time(o, "created", created) ||
	    set_time(o, "modified", modified < created ? created : modified)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int set_marking(json_t *o, enum tlp t)
{
	json_t *a = json_array();
	if (!a || json_array_append_new(a, json_string(stix_tlp_marking_id(t)))) {
		json_decref(a);
		return KR_ENOMEM;
	}
	return json_object_set_new(o, "object_marking_refs", a) ? KR_ENOMEM : 0;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* report-type-ov has no value for most kring kinds; threat-report is the
 * general one. */
static const char *report_type(enum report_kind k)
{
	return k == RK_VULNERABILITY ? "vulnerability" : "threat-report";
}

static int add_identity(struct stix_bundle *b, const struct stix_report_in *in, char *id)
{
	const struct core_org *org = in->source;
	struct strbuf name;
	json_t *o = NULL;
	int r;

	strbuf_init(&name, 0);
	r = strbuf_addf(&name, "organisation:%s:%lld", in->instance ? in->instance : "",
			(long long)org->id);
	if (!r)
		r = stix_kring_id("identity", name.buf, id);
	strbuf_release(&name);
	if (r)
		return r;
	o = sdo_head("identity", id, NULL, org->created, org->created);
	if (!o || set_str(o, "name", org->name) || set_str(o, "identity_class", "organization") ||
	    (org->website[0] && set_str(o, "contact_information", org->website))) {
		r = KR_ENOMEM;
		goto out;
	}
	/* No marking: the identity is shared by all reports of the
	 * organisation; its tlp is that of the report that brought it. */
	r = add_json(b, o, org->created, org->created, in->report->tlp, false);
out:
	json_decref(o);
	return r;
}

/* Adds the indicator (or, for a CVE, the vulnerability) made from *ind and
 * appends its id to refs. */
static int add_indicator(struct stix_bundle *b, const struct stix_report_in *in,
			 const struct core_indicator *ind, const char *creator, json_t *refs)
{
	const struct core_report *rep = in->report;
	char value[CORE_INDICATOR_MAX + 1];
	char pattern[2 * CORE_INDICATOR_MAX + 64];
	char id[STIX_ID_MAX + 1];
	struct strbuf name;
	const char *why = NULL;
	json_t *o = NULL;
	int64_t created = ind->created ? ind->created : rep->created;
	int64_t modified = max64(created, rep->updated);
	bool cve = ind->type == IND_CVE;
	int r;

	strbuf_init(&name, 0);
	if (core_indicator_normalise(ind->type, ind->value, value, &why)) {
		r = KR_EINVAL;
		goto out;
	}
	r = strbuf_addf(&name, "%s:%s:%s:%s", cve ? "vulnerability" : "indicator", rep->uuid,
			ind_type_name(ind->type), value);
	if (!r)
		r = stix_kring_id(cve ? "vulnerability" : "indicator", name.buf, id);
	if (r)
		goto out;
	o = sdo_head(cve ? "vulnerability" : "indicator", id, creator, created, modified);
	if (!o) {
		r = KR_ENOMEM;
		goto out;
	}
	if (cve) {
		json_t *ext = json_pack("[{s:s, s:s}]", "source_name", "cve", "external_id", value);
		if (!ext || set_str(o, "name", value) ||
		    json_object_set_new(o, "external_references", ext)) {
			r = KR_ENOMEM;
			goto out;
		}
	} else {
		int64_t from = ind->first_seen ? ind->first_seen : created;
		r = stix_pattern_write(ind->type, value, pattern, sizeof(pattern));
		if (r)
			goto out;
		if (set_str(o, "name", value) ||
		    json_object_set_new(o, "indicator_types",
					json_pack("[s]", "malicious-activity")) ||
		    set_str(o, "pattern", pattern) || set_str(o, "pattern_type", "stix") ||
		    set_str(o, "pattern_version", "2.1") || set_time(o, "valid_from", from) ||
		    (ind->valid_until > from && set_time(o, "valid_until", ind->valid_until))) {
			r = KR_ENOMEM;
			goto out;
		}
	}
	if ((ind->comment[0] && set_str(o, "description", ind->comment)) ||
	    set_marking(o, rep->tlp) || json_array_append_new(refs, json_string(id))) {
		r = KR_ENOMEM;
		goto out;
	}
	r = add_json(b, o, created, modified, rep->tlp, true);
out:
	strbuf_release(&name);
	json_decref(o);
	return r;
}

static int add_note(struct stix_bundle *b, const struct stix_report_in *in,
		    const struct core_comment *c, const char *report_id)
{
	const struct core_report *rep = in->report;
	/* A comment is never looser than its report (core rule); enforce it
	 * here too, since the marking is what other systems obey. */
	enum tlp t = c->tlp > rep->tlp ? c->tlp : rep->tlp;
	char name[128];
	char id[STIX_ID_MAX + 1];
	json_t *o = NULL;
	int r;

	snprintf(name, sizeof(name), "comment:%s:%lld", rep->uuid, (long long)c->id);
	r = stix_kring_id("note", name, id);
	if (r)
		return r;
	o = sdo_head("note", id, NULL, c->created, c->created);
	if (!o || set_str(o, "content", c->body ? c->body : "") ||
	    json_object_set_new(o, "object_refs", json_pack("[s]", report_id)) ||
	    set_marking(o, t)) {
		r = KR_ENOMEM;
		goto out;
	}
	r = add_json(b, o, c->created, c->created, t, true);
out:
	json_decref(o);
	return r;
}

static bool text_ok(const char *s)
{
	return !s || core_utf8_valid(s, strlen(s), true);
}

int stix_bundle_add_report(struct stix_bundle *b, const struct stix_report_in *in)
{
	const struct core_report *rep = in ? in->report : NULL;
	unsigned char u[16];
	char name[64];
	char report_id[STIX_ID_MAX + 1], identity_id[STIX_ID_MAX + 1];
	char label[64];
	json_t *refs = NULL, *o = NULL, *labels = NULL;
	int64_t updated;
	int r;

	if (!rep || !in->source || (in->nindicators && !in->indicators) ||
	    (in->ncomments && !in->comments) || digest_uuid_parse(rep->uuid, u) ||
	    (int)rep->tlp < 0 || rep->tlp >= TLP__COUNT)
		return KR_EINVAL;
	/* JSON strings must be UTF-8; say so rather than fail later as if
	 * memory ran out. */
	if (!text_ok(rep->title) || !text_ok(rep->body) || !text_ok(in->source->name) ||
	    !text_ok(in->source->website) || !text_ok(in->instance))
		return KR_EINVAL;
	for (size_t i = 0; i < in->nindicators; i++) {
		if (!text_ok(in->indicators[i].comment))
			return KR_EINVAL;
	}
	for (size_t i = 0; i < in->ncomments; i++) {
		if (!text_ok(in->comments[i].body) || (int)in->comments[i].tlp < 0 ||
		    in->comments[i].tlp >= TLP__COUNT)
			return KR_EINVAL;
	}
	updated = max64(rep->created, rep->updated);
	snprintf(name, sizeof(name), "report:%s", rep->uuid);
	r = stix_kring_id("report", name, report_id);
	if (r)
		return r;

	r = stix_bundle_add_marking(b, rep->tlp);
	for (size_t i = 0; !r && i < in->ncomments; i++) {
		if (in->comments[i].tlp > rep->tlp)
			r = stix_bundle_add_marking(b, in->comments[i].tlp);
	}
	if (!r)
		r = add_identity(b, in, identity_id);
	if (r)
		goto out;

	refs = json_array();
	if (!refs || json_array_append_new(refs, json_string(identity_id))) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t i = 0; !r && i < in->nindicators; i++)
		r = add_indicator(b, in, &in->indicators[i], identity_id, refs);
	if (r)
		goto out;

	o = sdo_head("report", report_id, identity_id, rep->created, updated);
	labels = json_array();
	if (!o || !labels || set_str(o, "name", rep->title) ||
	    (rep->body && rep->body[0] && set_str(o, "description", rep->body)) ||
	    json_object_set_new(o, "report_types", json_pack("[s]", report_type(rep->kind))) ||
	    set_time(o, "published", rep->created)) {
		r = KR_ENOMEM;
		goto out;
	}
	snprintf(label, sizeof(label), "kring-kind:%s", report_kind_name(rep->kind));
	if (json_array_append_new(labels, json_string(label))) {
		r = KR_ENOMEM;
		goto out;
	}
	snprintf(label, sizeof(label), "kring-level:%s", level_name(rep->level));
	if (json_array_append_new(labels, json_string(label)) ||
	    json_object_set(o, "labels", labels) || json_object_set(o, "object_refs", refs)) {
		r = KR_ENOMEM;
		goto out;
	}
	r = set_marking(o, rep->tlp);
	if (!r)
		r = add_json(b, o, rep->created, updated, rep->tlp, true);
	for (size_t i = 0; !r && i < in->ncomments; i++)
		r = add_note(b, in, &in->comments[i], report_id);
out:
	json_decref(labels);
	json_decref(refs);
	json_decref(o);
	return r;
}

int stix_bundle_serialise(const struct stix_bundle *b, char **out, size_t *len)
{
	struct strbuf sb;
	struct digest_sha1 sha;
	unsigned char ns[16];
	char uuid[37];
	int r = 0;

	*out = NULL;
	if (!b || b->n == 0)
		return KR_EINVAL;
	digest_uuid_parse(STIX_KRING_NAMESPACE, ns);
	digest_sha1_init(&sha);
	digest_sha1_update(&sha, ns, sizeof(ns));
	digest_sha1_update(&sha, "bundle", 6);
	for (size_t i = 0; i < b->n; i++) {
		digest_sha1_update(&sha, "\n", 1);
		digest_sha1_update(&sha, b->objs[i].id, strlen(b->objs[i].id));
		digest_sha1_update(&sha, " ", 1);
		digest_sha1_update(&sha, b->objs[i].version, strlen(b->objs[i].version));
	}
	digest_uuid5_final(&sha, uuid);

	strbuf_init(&sb, STIX_MAX_INPUT);
	r = strbuf_addf(&sb, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", uuid);
	for (size_t i = 0; !r && i < b->n; i++) {
		if (i)
			r = strbuf_add(&sb, ",", 1);
		if (!r)
			r = strbuf_add(&sb, b->objs[i].json, b->objs[i].json_len);
	}
	if (!r)
		r = strbuf_adds(&sb, "]}");
	if (r)
		goto out;
	*out = strbuf_detach(&sb, len);
	if (!*out)
		r = KR_ENOMEM;
out:
	strbuf_release(&sb);
	return r;
}
