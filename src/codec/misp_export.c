/* misp_export.c - a kring report as a MISP event in feed form, and the
 * manifest.json and hashes.csv of a MISP feed. */
#include "codec/misp.h"

#include "codec/digest.h"
#include "codec/stix.h"
#include "codec/stix_int.h"
#include "util/alloc.h"
#include "util/err.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* Attribute type, category and to_ids per indicator type: the defaults of
 * MISP's describeTypes. */
static const struct {
	const char *type;
	const char *category;
	bool to_ids;
} attr_map[IND__COUNT] = {
	[IND_IPV4] = {"ip-dst", "Network activity", true},
	[IND_IPV6] = {"ip-dst", "Network activity", true},
	[IND_CIDR] = {"ip-dst", "Network activity", true},
	[IND_DOMAIN] = {"domain", "Network activity", true},
	[IND_URL] = {"url", "Network activity", true},
	[IND_EMAIL] = {"email-src", "Payload delivery", true},
	[IND_MD5] = {"md5", "Payload delivery", true},
	[IND_SHA1] = {"sha1", "Payload delivery", true},
	[IND_SHA256] = {"sha256", "Payload delivery", true},
	[IND_CVE] = {"vulnerability", "External analysis", false},
	[IND_ASN] = {"AS", "Network activity", false},
};

/* Tag names and colours of the MISP tlp taxonomy. */
static const struct {
	const char *name;
	const char *colour;
} tlp_tag[TLP__COUNT] = {
	[TLP_CLEAR] = {"tlp:clear", "#ffffff"},
	[TLP_GREEN] = {"tlp:green", "#33FF00"},
	[TLP_AMBER] = {"tlp:amber", "#FFC000"},
	[TLP_AMBER_STRICT] = {"tlp:amber+strict", "#FFC000"},
	[TLP_RED] = {"tlp:red", "#FF2B2B"},
};

static bool text_ok(const char *s)
{
	return !s || core_utf8_valid(s, strlen(s), true);
}

static int64_t secs(int64_t ms)
{
	return ms > 0 ? ms / 1000 : 0;
}

static int set_num_text(json_t *o, const char *key, int64_t n)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", (long long)n);
	return json_object_set_new(o, key, json_string(buf));
}

static int set_iso(json_t *o, const char *key, int64_t ms)
{
	char buf[32];
	stix_time_format(ms, buf, sizeof(buf));
	return json_object_set_new(o, key, json_string(buf));
}

static int check_in(const struct misp_event_in *in)
{
	unsigned char u[16];
	const struct core_report *rep = in ? in->report : NULL;
	if (!rep || !in->orgc || (in->nindicators && !in->indicators) ||
	    digest_uuid_parse(rep->uuid, u) || (int)rep->tlp < 0 || rep->tlp >= TLP__COUNT)
		return KR_EINVAL;
	if (!text_ok(rep->title) || !text_ok(in->orgc->name) || !text_ok(in->instance))
		return KR_EINVAL;
	for (size_t i = 0; i < in->nindicators; i++) {
		const struct core_indicator *ind = &in->indicators[i];
		if ((int)ind->type < 0 || ind->type >= IND__COUNT || !text_ok(ind->comment))
			return KR_EINVAL;
	}
	return 0;
}

/* The Orgc uuid: the same UUIDv5 the STIX identity of the organisation
 * carries. */
static int orgc_uuid(const struct misp_event_in *in, char out[37])
{
	struct strbuf name;
	char id[STIX_ID_MAX + 1];
	int r;

	strbuf_init(&name, 0);
	r = strbuf_addf(&name, "organisation:%s:%lld", in->instance ? in->instance : "",
			(long long)in->orgc->id);
	if (!r)
		r = stix_kring_id("identity", name.buf, id);
	strbuf_release(&name);
	if (r)
		return r;
	memcpy(out, id + strlen("identity--"), 37);
	return 0;
}

static int attribute(const struct misp_event_in *in, const struct core_indicator *ind,
		     json_t *list, int64_t *latest)
{
	const struct core_report *rep = in->report;
	char value[CORE_INDICATOR_MAX + 1];
	char uuid[37];
	unsigned char ns[16];
	const char *why;
	struct strbuf name;
	json_t *a = NULL;
	int64_t created = ind->created ? ind->created : rep->created;
	int r = 0;

	strbuf_init(&name, 0);
	if (core_indicator_normalise(ind->type, ind->value, value, &why)) {
		r = KR_EINVAL;
		goto out;
	}
	/* ASNs go to MISP as digits, which is how MISP stores them too. */
	r = strbuf_addf(&name, "misp-attribute:%s:%s:%s", rep->uuid, ind_type_name(ind->type),
			value);
	if (r)
		goto out;
	digest_uuid_parse(STIX_KRING_NAMESPACE, ns);
	digest_uuid5(ns, name.buf, name.len, uuid);
	if (secs(created) > *latest)
		*latest = secs(created);

	a = json_object();
	if (!a || json_object_set_new(a, "uuid", json_string(uuid)) ||
	    json_object_set_new(a, "type", json_string(attr_map[ind->type].type)) ||
	    json_object_set_new(a, "category", json_string(attr_map[ind->type].category)) ||
	    json_object_set_new(a, "value", json_string(value)) ||
	    json_object_set_new(a, "to_ids", json_boolean(attr_map[ind->type].to_ids)) ||
	    set_num_text(a, "timestamp", secs(created)) ||
	    json_object_set_new(a, "comment", json_string(ind->comment)) ||
	    (ind->first_seen && set_iso(a, "first_seen", ind->first_seen)) ||
	    (ind->last_seen && set_iso(a, "last_seen", ind->last_seen)) ||
	    json_array_append(list, a)) {
		r = KR_ENOMEM;
		goto out;
	}
out:
	json_decref(a);
	strbuf_release(&name);
	return r;
}

/* Builds {"Event":{...}} into *out. */
static int build_event(const struct misp_event_in *in, json_t **out)
{
	const struct core_report *rep = in->report;
	char date[32], ouuid[37];
	json_t *ev = NULL, *attrs = NULL, *tags = NULL;
	int64_t latest = secs(rep->updated > rep->created ? rep->updated : rep->created);
	int analysis = in->analysis >= 0 && in->analysis <= 2 ? in->analysis : 2;
	int level = in->threat_level_id >= 1 && in->threat_level_id <= 4 ? in->threat_level_id : 4;
	int r;

	*out = NULL;
	r = check_in(in);
	if (!r)
		r = orgc_uuid(in, ouuid);
	if (r)
		return r;
	attrs = json_array();
	if (!attrs)
		return KR_ENOMEM;
	for (size_t i = 0; !r && i < in->nindicators; i++)
		r = attribute(in, &in->indicators[i], attrs, &latest);
	if (r)
		goto out;

	stix_time_format(rep->created, date, sizeof(date));
	date[10] = '\0';
	tags = json_pack("[{s:s, s:s, s:b, s:b}]", "name", tlp_tag[rep->tlp].name, "colour",
			 tlp_tag[rep->tlp].colour, "exportable", 1, "local", 0);
	ev = json_object();
	if (!tags || !ev || json_object_set_new(ev, "uuid", json_string(rep->uuid)) ||
	    json_object_set_new(ev, "info", json_string(rep->title)) ||
	    json_object_set_new(ev, "date", json_string(date)) ||
	    set_num_text(ev, "timestamp", latest) ||
	    set_num_text(ev, "publish_timestamp", latest) ||
	    json_object_set_new(ev, "published", json_true()) ||
	    set_num_text(ev, "analysis", analysis) || set_num_text(ev, "threat_level_id", level) ||
	    json_object_set_new(ev, "Orgc",
				json_pack("{s:s, s:s}", "name", in->orgc->name, "uuid", ouuid)) ||
	    json_object_set(ev, "Tag", tags) || json_object_set(ev, "Attribute", attrs)) {
		r = KR_ENOMEM;
		goto out;
	}
	*out = json_pack("{s:O}", "Event", ev);
	if (!*out)
		r = KR_ENOMEM;
out:
	json_decref(tags);
	json_decref(attrs);
	json_decref(ev);
	return r;
}

int misp_event_export(const struct misp_event_in *in, char **out, size_t *len)
{
	json_t *ev = NULL;
	int r;

	*out = NULL;
	r = build_event(in, &ev);
	if (!r)
		r = stix_json_dump(ev, MISP_MAX_INPUT, out, len);
	json_decref(ev);
	return r;
}

/* The manifest member of a built event. */
static int manifest_from(const json_t *wrapped, struct strbuf *sb)
{
	json_t *ev = json_object_get(wrapped, "Event");
	json_t *orgc = json_object_get(ev, "Orgc");
	json_t *tags = json_array(), *entry = NULL, *key = NULL;
	int r = 0;

	for (size_t i = 0; tags && i < json_array_size(json_object_get(ev, "Tag")); i++) {
		json_t *t = json_array_get(json_object_get(ev, "Tag"), i);
		if (json_array_append_new(tags, json_pack("{s:O, s:O}", "name",
							  json_object_get(t, "name"), "colour",
							  json_object_get(t, "colour")))) {
			r = KR_ENOMEM;
			goto out;
		}
	}
	entry = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "Orgc", orgc, "Tag", tags,
			  "info", json_object_get(ev, "info"), "date", json_object_get(ev, "date"),
			  "analysis", json_object_get(ev, "analysis"), "threat_level_id",
			  json_object_get(ev, "threat_level_id"), "timestamp",
			  json_object_get(ev, "timestamp"));
	key = json_object_get(ev, "uuid");
	if (!tags || !entry) {
		r = KR_ENOMEM;
		goto out;
	}
	r = stix_json_append(sb, key);
	if (!r)
		r = strbuf_add(sb, ":", 1);
	if (!r)
		r = stix_json_append(sb, entry);
out:
	json_decref(entry);
	json_decref(tags);
	return r;
}

/* The hashes.csv lines of a built event. */
static int hashes_from(const json_t *wrapped, struct strbuf *sb)
{
	json_t *ev = json_object_get(wrapped, "Event");
	const char *uuid = json_string_value(json_object_get(ev, "uuid"));
	json_t *attrs = json_object_get(ev, "Attribute");
	char md5[2 * DIGEST_MD5_LEN + 1];
	int r = 0;

	for (size_t i = 0; !r && i < json_array_size(attrs); i++) {
		json_t *v = json_object_get(json_array_get(attrs, i), "value");
		digest_md5_hex(json_string_value(v), json_string_length(v), md5);
		r = strbuf_addf(sb, "%s,%s\n", md5, uuid);
	}
	return r;
}

int misp_manifest_entry(const struct misp_event_in *in, struct strbuf *sb)
{
	json_t *ev = NULL;
	int r = build_event(in, &ev);
	if (!r)
		r = manifest_from(ev, sb);
	json_decref(ev);
	return r;
}

int misp_hashes_lines(const struct misp_event_in *in, struct strbuf *sb)
{
	json_t *ev = NULL;
	int r = build_event(in, &ev);
	if (!r)
		r = hashes_from(ev, sb);
	json_decref(ev);
	return r;
}

/* ---- feeds ---- */

struct feed_event {
	char uuid[37];
	char *manifest; /* "<uuid>":{...} */
	char *hashes;   /* its hashes.csv lines */
	size_t manifest_len, hashes_len;
};

struct misp_feed {
	struct feed_event *ev;
	size_t n, cap;
	struct stix_index index; /* by uuid */
};

int misp_feed_new(struct misp_feed **out)
{
	*out = kr_calloc(1, sizeof(**out));
	if (!*out)
		return KR_ENOMEM;
	stix_index_init(&(*out)->index);
	return 0;
}

void misp_feed_free(struct misp_feed *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		kr_free(f->ev[i].manifest);
		kr_free(f->ev[i].hashes);
	}
	kr_free(f->ev);
	stix_index_release(&f->index);
	kr_free(f);
}

static bool same_uuid(const void *ctx, size_t pos)
{
	const void *const *c = ctx;
	const struct misp_feed *f = c[0];
	return strcmp(f->ev[pos].uuid, c[1]) == 0;
}

int misp_feed_add(struct misp_feed *f, const struct misp_event_in *in, char **event,
		  size_t *len)
{
	json_t *ev = NULL;
	struct strbuf m, h;
	struct feed_event fe;
	size_t pos;
	int r;

	*event = NULL;
	memset(&fe, 0, sizeof(fe));
	strbuf_init(&m, MISP_MAX_INPUT);
	strbuf_init(&h, MISP_MAX_INPUT);
	r = build_event(in, &ev);
	if (r)
		goto out;
	const void *ctx[2] = {f, in->report->uuid};
	if (stix_index_find(&f->index, stix_hash(STIX_HASH_SEED, in->report->uuid), same_uuid, ctx,
			    &pos)) {
		r = KR_ECONFLICT;
		goto out;
	}
	r = manifest_from(ev, &m);
	if (!r)
		r = hashes_from(ev, &h);
	if (!r)
		r = strbuf_add(&m, "", 0); /* both have a buffer even when empty */
	if (!r)
		r = strbuf_add(&h, "", 0);
	if (!r && f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 16;
		struct feed_event *n = kr_realloc(f->ev, ncap * sizeof(*n));
		if (!n)
			r = KR_ENOMEM;
		else {
			f->ev = n;
			f->cap = ncap;
		}
	}
	if (!r)
		r = stix_json_dump(ev, MISP_MAX_INPUT, event, len);
	/* Last, so that nothing can fail once the index knows the event. */
	if (!r)
		r = stix_index_add(&f->index, stix_hash(STIX_HASH_SEED, in->report->uuid), f->n);
	if (r)
		goto out;
	memcpy(fe.uuid, in->report->uuid, 37);
	fe.manifest = strbuf_detach(&m, &fe.manifest_len);
	fe.hashes = strbuf_detach(&h, &fe.hashes_len);
	f->ev[f->n++] = fe;
out:
	if (r) {
		kr_free(*event);
		*event = NULL;
	}
	strbuf_release(&m);
	strbuf_release(&h);
	json_decref(ev);
	return r;
}

int misp_feed_manifest(const struct misp_feed *f, char **out, size_t *len)
{
	struct strbuf sb;
	int r;

	*out = NULL;
	strbuf_init(&sb, 0);
	r = strbuf_add(&sb, "{", 1);
	for (size_t i = 0; !r && i < f->n; i++) {
		if (i)
			r = strbuf_add(&sb, ",", 1);
		if (!r)
			r = strbuf_add(&sb, f->ev[i].manifest, f->ev[i].manifest_len);
	}
	if (!r)
		r = strbuf_add(&sb, "}", 1);
	if (!r)
		*out = strbuf_detach(&sb, len);
	strbuf_release(&sb);
	return r ? r : (*out ? 0 : KR_ENOMEM);
}

int misp_feed_hashes(const struct misp_feed *f, char **out, size_t *len)
{
	struct strbuf sb;
	int r = 0;

	*out = NULL;
	strbuf_init(&sb, 0);
	r = strbuf_add(&sb, "", 0);
	for (size_t i = 0; !r && i < f->n; i++)
		r = strbuf_add(&sb, f->ev[i].hashes, f->ev[i].hashes_len);
	if (!r)
		*out = strbuf_detach(&sb, len);
	strbuf_release(&sb);
	return r ? r : (*out ? 0 : KR_ENOMEM);
}
