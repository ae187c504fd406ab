/* test_misp.c - the MISP codec: MD5, TLP tags, import of kring's own
 * fixtures and of the public MISP events, export of events and of a feed
 * (manifest.json, hashes.csv) in the shape MISP feeds have.
 *
 * Environment: KRING_FIXTURES is tests/fixtures; KRING_INTEROP is the shared
 * interop folder (tests that need it are skipped, and the program ends with
 * 77, when it is missing). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "codec/digest.h"
#include "codec/misp.h"
#include "codec/stix.h"
#include "core/model.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/strbuf.h"

#include "util/banned.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static bool interop_missing;

static const char *interop_dir(void)
{
	static char path[4096];
	const char *e = getenv("KRING_INTEROP");
	struct stat st;
	if (!e || !*e)
		return NULL;
	snprintf(path, sizeof(path), "%s/misp/feed", e);
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return e;
}

#define NEED_INTEROP()                                                                  \
	do {                                                                            \
		if (!interop_dir()) {                                                   \
			interop_missing = true;                                         \
			skip();                                                         \
		}                                                                       \
	} while (0)

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n = -1;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0)
		n = ftell(f);
	if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* Imports a file of tests/fixtures/misp; fails the test on error. */
static void import_fixture(const char *name, enum tlp def, struct misp_event *ev)
{
	const char *dir = getenv("KRING_FIXTURES");
	char path[4096], err[MISP_ERR_MAX];
	size_t len;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/misp/%s", dir, name);
	char *text = slurp(path, &len);
	if (!text)
		fail_msg("cannot read %s", path);
	int r = misp_import(text, len, def, ev, err, sizeof(err));
	if (r)
		fail_msg("%s: %s", name, err);
	free(text);
}

static bool has_tag(const struct misp_event *ev, const char *tag)
{
	for (size_t i = 0; i < ev->ntags; i++) {
		if (strcmp(ev->tags[i], tag) == 0)
			return true;
	}
	return false;
}

static const struct core_indicator *find_ind(const struct misp_event *ev, enum ind_type t,
					     const char *value)
{
	for (size_t i = 0; i < ev->nindicators; i++) {
		if (ev->indicators[i].type == t && strcmp(ev->indicators[i].value, value) == 0)
			return &ev->indicators[i];
	}
	return NULL;
}

/* ---- MD5 ---- */

static void test_md5_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *want;
	} v[] = {
		/* RFC 1321 appendix A.5 */
		{"", "d41d8cd98f00b204e9800998ecf8427e"},
		{"a", "0cc175b9c0f1b6a831c399e269772661"},
		{"abc", "900150983cd24fb0d6963f7d28e17f72"},
		{"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
		{"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		 "d174ab98d277d9f5a5611c2c9f419d9f"},
		{"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		 "57edf4a22be3c955ac49da2e2107b67a"},
	};
	char h[33];
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		digest_md5_hex(v[i].in, strlen(v[i].in), h);
		assert_string_equal(h, v[i].want);
	}
	/* Streaming in pieces gives the same digest. */
	struct digest_md5 c;
	unsigned char d[DIGEST_MD5_LEN];
	const char *s = v[6].in;
	digest_md5_init(&c);
	digest_md5_update(&c, s, 7);
	digest_md5_update(&c, s + 7, 57);
	digest_md5_update(&c, s + 64, strlen(s) - 64);
	digest_md5_final(&c, d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(h + 2 * i, 3, "%02x", d[i]);
	assert_string_equal(h, v[6].want);
}

/* ---- TLP tags ---- */

static void test_tag_tlp(void **state)
{
	(void)state;
	static const struct {
		const char *tag;
		int tlp;
	} v[] = {
		{"tlp:clear", TLP_CLEAR},	  {"tlp:white", TLP_CLEAR},
		{"tlp:green", TLP_GREEN},	  {"tlp:amber", TLP_AMBER},
		{"tlp:amber+strict", TLP_AMBER_STRICT}, {"tlp:red", TLP_RED},
		{"TLP:WHITE", TLP_CLEAR},	  {"TLP:Amber+Strict", TLP_AMBER_STRICT},
		{"tlp:ex:chr", -1},		  {"tlp:unclear", -1},
		{"tlp", -1},			  {"pap:red", -1},
		{"tlp:amber-strict", -1},	  {"tlp:red ", -1},
		{"", -1},
	};
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		if (misp_tag_tlp(v[i].tag) != v[i].tlp)
			fail_msg("%s: %d", v[i].tag, misp_tag_tlp(v[i].tag));
	}
	assert_int_equal(misp_tag_tlp(NULL), -1);
}

static void test_fixture_tlp(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		enum tlp want;
		bool tagged;
	} v[] = {
		{"tlp-clear.json", TLP_CLEAR, true},
		{"tlp-white.json", TLP_CLEAR, true},
		{"tlp-green.json", TLP_GREEN, true},
		{"tlp-amber.json", TLP_AMBER, true},
		{"tlp-amber-strict.json", TLP_AMBER_STRICT, true},
		{"tlp-red.json", TLP_RED, true},
		{"tlp-upper-bare.json", TLP_AMBER, true},
		{"tlp-several.json", TLP_RED, true},
		{"tlp-other-only.json", TLP_AMBER, false},
		{"tlp-none.json", TLP_AMBER, false},
	};
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		struct misp_event ev;
		import_fixture(v[i].file, TLP_AMBER, &ev);
		if (ev.report.tlp != v[i].want || ev.tlp_tagged != v[i].tagged)
			fail_msg("%s: %s tagged=%d", v[i].file, tlp_name(ev.report.tlp),
				 ev.tlp_tagged);
		assert_int_equal(ev.max_tlp, v[i].want);
		assert_int_equal(ev.nindicators, 1);
		assert_string_equal(ev.indicators[0].value, "198.51.100.7");
		misp_event_release(&ev);
	}
	/* The default is the caller's. */
	struct misp_event ev;
	import_fixture("tlp-none.json", TLP_GREEN, &ev);
	assert_int_equal(ev.report.tlp, TLP_GREEN);
	misp_event_release(&ev);
	import_fixture("tlp-red.json", TLP_GREEN, &ev);
	assert_int_equal(ev.report.tlp, TLP_RED);
	misp_event_release(&ev);

	/* Tags and galaxy clusters are kept, each once. */
	import_fixture("tlp-several.json", TLP_AMBER, &ev);
	assert_int_equal(ev.ntags, 5);
	assert_true(has_tag(&ev, "tlp:green"));
	assert_true(has_tag(&ev, "tlp:red"));
	assert_true(has_tag(&ev, "admiralty-scale:source-reliability=\"b\""));
	assert_true(has_tag(&ev, "misp-galaxy:threat-actor=\"Sofacy\""));
	assert_true(has_tag(&ev, "misp-galaxy:threat-actor=\"APT 29\""));
	misp_event_release(&ev);

	/* A bare event with upper-case uuid and numbers as numbers. */
	import_fixture("tlp-upper-bare.json", TLP_AMBER, &ev);
	assert_string_equal(ev.report.uuid, "7b000000-0000-4000-8000-000000000007");
	assert_int_equal(ev.analysis, 1);
	assert_int_equal(ev.threat_level_id, 2);
	assert_int_equal(ev.report.updated, 1763640000000);
	assert_int_equal(ev.report.created, 1763596800000); /* 2025-11-20 */
	assert_string_equal(ev.orgc_name, "Waterschap Oost");
	assert_string_equal(ev.orgc_uuid, "5f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	assert_string_equal(ev.report.title, "kring fixture: TLP mapping");
	assert_true(ev.published);
	misp_event_release(&ev);
}

static void test_fixture_stricter_attributes(void **state)
{
	(void)state;
	struct misp_event ev;
	import_fixture("attribute-stricter.json", TLP_AMBER, &ev);
	assert_int_equal(ev.report.tlp, TLP_GREEN);
	assert_int_equal(ev.max_tlp, TLP_RED);
	assert_int_equal(ev.nsupported, 4);
	assert_int_equal(ev.nindicators, 2);
	assert_non_null(find_ind(&ev, IND_DOMAIN, "green.example"));
	assert_non_null(find_ind(&ev, IND_DOMAIN, "clear.example"));
	assert_null(find_ind(&ev, IND_DOMAIN, "red.example"));
	assert_null(find_ind(&ev, IND_IPV4, "192.0.2.44"));
	assert_int_equal(ev.nrejects, 2);
	assert_string_equal(ev.rejects[0].value, "red.example");
	assert_string_equal(ev.rejects[0].uuid, "6b000000-0000-4000-8000-000000000002");
	assert_non_null(strstr(ev.rejects[0].why, "stricter"));
	assert_string_equal(ev.rejects[1].value, "192.0.2.44");
	/* The raw event keeps everything. */
	assert_non_null(strstr(ev.raw, "red.example"));
	misp_event_release(&ev);
}

static void test_fixture_all_types(void **state)
{
	(void)state;
	static const struct {
		enum ind_type t;
		const char *value;
	} want[] = {
		{IND_IPV4, "192.0.2.1"},
		{IND_IPV6, "2001:db8::1"},
		{IND_CIDR, "203.0.113.0/24"},
		{IND_IPV4, "192.0.2.2"},
		{IND_IPV6, "2001:db8::2"},
		{IND_DOMAIN, "evil.example"},
		{IND_DOMAIN, "www.evil.example"},
		{IND_DOMAIN, "mail.evil.example"},
		{IND_IPV4, "192.0.2.3"},
		{IND_URL, "http://evil.example/a"},
		{IND_EMAIL, "x@evil.example"},
		{IND_EMAIL, "y@evil.example"},
		{IND_EMAIL, "z@evil.example"},
		{IND_MD5, "d41d8cd98f00b204e9800998ecf8427e"},
		{IND_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{IND_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{IND_MD5, "0cc175b9c0f1b6a831c399e269772661"},
		{IND_SHA1, "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"},
		{IND_SHA256, "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afeee48b"},
		{IND_CVE, "CVE-2024-3400"},
		{IND_ASN, "64500"},
		{IND_ASN, "64501"},
		{IND_SHA256, "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"},
	};
	struct misp_event ev;
	import_fixture("all-types.json", TLP_AMBER, &ev);
	assert_int_equal(ev.nsupported, 26);
	assert_int_equal(ev.nvalues, 27);
	assert_int_equal(ev.nduplicates, 1);
	assert_int_equal(ev.nrejects, 3);
	assert_int_equal(ev.nindicators, ARRAY_LEN(want));
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		const struct core_indicator *got = &ev.indicators[i];
		if (got->type != want[i].t || strcmp(got->value, want[i].value) != 0)
			fail_msg("indicator %zu: %s %s, expected %s %s", i,
				 ind_type_name(ev.indicators[i].type), ev.indicators[i].value,
				 ind_type_name(want[i].t), want[i].value);
	}
	assert_string_equal(ev.rejects[0].value, "/relative/path");
	assert_string_equal(ev.rejects[0].type, "uri");
	assert_string_equal(ev.rejects[1].value, "not-an-ip");
	assert_string_equal(ev.rejects[2].value, "no-separator.example");
	assert_int_equal(ev.nindicators + ev.nduplicates + ev.nrejects, ev.nvalues);
	misp_event_release(&ev);
}

/* ---- the public events ---- */

/* Per event: attributes of supported types (deleted ones and those of
 * deleted objects excluded), the values they hold, distinct indicators,
 * repeated values and values that are not valid for their type; counted from
 * the files independently of this codec. */
static const struct {
	const char *file;
	size_t supported, values, indicators, duplicates, rejects;
	const char *uuid; /* NULL: the file has none */
	enum tlp tlp;
} public_events[] = {
	{"feed/57153590-f73c-49fa-be4b-4737950d210f.json", 275, 275, 250, 14, 11,
	 "57153590-f73c-49fa-be4b-4737950d210f", TLP_CLEAR},
	{"feed/57c4445b-c548-4654-af0b-4be3950d210f.json", 3, 3, 3, 0, 0,
	 "57c4445b-c548-4654-af0b-4be3950d210f", TLP_CLEAR},
	{"feed/5a0a9aa9-23a4-4607-b6df-41a9950d210f.json", 50, 50, 50, 0, 0,
	 "5a0a9aa9-23a4-4607-b6df-41a9950d210f", TLP_CLEAR},
	{"feed/5a0ac036-6fbc-4855-83af-422b950d210f.json", 58, 58, 58, 0, 0,
	 "5a0ac036-6fbc-4855-83af-422b950d210f", TLP_CLEAR},
	{"feed/5c066053-0e94-46eb-9746-4b7d950d210f.json", 26, 26, 17, 9, 0,
	 "5c066053-0e94-46eb-9746-4b7d950d210f", TLP_CLEAR},
	{"events/existing_event.json", 68, 68, 66, 2, 0, "5a3c2fcd-8328-42bb-a95e-4f4402de0b81",
	 TLP_CLEAR},
	{"events/galaxy_1.json", 4, 4, 3, 1, 0, "5acc88e9-265c-4f22-9d2b-b702950d210f", TLP_CLEAR},
	{"events/image_event.json", 41, 41, 31, 10, 0, "5c706a30-8ad4-4fcc-9e17-4d3d02de0b81",
	 TLP_CLEAR},
	{"events/japanese_test.json", 0, 0, 0, 0, 0, "5c7cdc3b-2f40-4dca-8200-276c0a00020f",
	 TLP_AMBER},
	{"events/misp_event.json", 1, 1, 1, 0, 0, "5758ebf5-c898-48e6-9fe9-5665c0a83866",
	 TLP_AMBER},
	{"events/shadow.json", 0, 0, 0, 0, 0, "5a4cb19a-f550-437f-bd29-48ed950d210f", TLP_AMBER},
	{"events/sighting_1.json", 5, 5, 5, 0, 0, "5b646415-7b48-40d5-86b4-c0070acd0835",
	 TLP_AMBER},
	{"pymisp-minimal/attribute.json", 0, 0, 0, 0, 0, NULL, TLP_AMBER},
	{"pymisp-minimal/attribute_del.json", 0, 0, 0, 0, 0, NULL, TLP_AMBER},
	{"pymisp-minimal/event.json", 0, 0, 0, 0, 0, NULL, TLP_AMBER},
	{"pymisp-minimal/event_obj_attr_tag.json", 1, 1, 1, 0, 0, NULL, TLP_AMBER},
	{"pymisp-minimal/event_obj_def_param.json", 0, 0, 0, 0, 0, NULL, TLP_AMBER},
	{"pymisp-minimal/event_obj_tag.json", 0, 0, 0, 0, 0, NULL, TLP_AMBER},
	{"pymisp-minimal/event_tags.json", 0, 0, 0, 0, 0, NULL, TLP_AMBER},
	{"pymisp-minimal/malware.json", 0, 0, 0, 0, 0, NULL, TLP_AMBER},
	{"pymisp-minimal/misp_custom_obj.json", 0, 0, 0, 0, 0, NULL, TLP_AMBER},
	{"pymisp-minimal/proposals.json", 0, 0, 0, 0, 0, NULL, TLP_AMBER},
};

static void test_public_events(void **state)
{
	(void)state;
	NEED_INTEROP();
	for (size_t i = 0; i < ARRAY_LEN(public_events); i++) {
		char path[4300], err[MISP_ERR_MAX];
		size_t len;
		struct misp_event ev, again;
		snprintf(path, sizeof(path), "%s/misp/%s", interop_dir(), public_events[i].file);
		char *text = slurp(path, &len);
		if (!text)
			fail_msg("cannot read %s", path);
		int r = misp_import(text, len, TLP_AMBER, &ev, err, sizeof(err));
		if (r)
			fail_msg("%s: %s", public_events[i].file, err);
		if (ev.nsupported != public_events[i].supported ||
		    ev.nvalues != public_events[i].values ||
		    ev.nindicators != public_events[i].indicators ||
		    ev.nduplicates != public_events[i].duplicates ||
		    ev.nrejects != public_events[i].rejects)
			fail_msg("%s: supported %zu values %zu indicators %zu duplicates %zu "
				 "rejects %zu",
				 public_events[i].file, ev.nsupported, ev.nvalues, ev.nindicators,
				 ev.nduplicates, ev.nrejects);
		assert_int_equal(ev.report.tlp, public_events[i].tlp);
		if (public_events[i].uuid)
			assert_string_equal(ev.report.uuid, public_events[i].uuid);
		assert_int_equal(strlen(ev.report.uuid), 36);
		assert_true(ev.report.title[0] != '\0');
		assert_int_equal(strncmp(ev.raw, "{\"Event\":{", 10), 0);
		for (size_t k = 0; k < ev.nrejects; k++)
			assert_non_null(ev.rejects[k].why);

		/* The raw event reads back the same; without a uuid the derived
		 * one is stable. */
		r = misp_import(ev.raw, ev.raw_len, TLP_AMBER, &again, err, sizeof(err));
		assert_int_equal(r, 0);
		assert_string_equal(again.report.uuid, ev.report.uuid);
		assert_int_equal(again.nindicators, ev.nindicators);
		misp_event_release(&again);
		misp_event_release(&ev);
		free(text);
	}
	/* The feed events carry tlp:white, other tags and galaxy clusters. */
	char path[4300], err[MISP_ERR_MAX];
	size_t len;
	struct misp_event ev;
	snprintf(path, sizeof(path), "%s/misp/events/galaxy_1.json", interop_dir());
	char *text = slurp(path, &len);
	assert_non_null(text);
	assert_int_equal(misp_import(text, len, TLP_AMBER, &ev, err, sizeof(err)), 0);
	assert_true(has_tag(&ev, "tlp:white"));
	bool galaxy = false;
	for (size_t i = 0; i < ev.ntags; i++)
		galaxy = galaxy || strncmp(ev.tags[i], "misp-galaxy:", 12) == 0;
	assert_true(galaxy);
	misp_event_release(&ev);
	free(text);
}

/* hashes.csv of the public feed is the MD5 of every attribute value (each
 * part of a composite value) with the event uuid. */
static void test_public_feed_hashes(void **state)
{
	(void)state;
	NEED_INTEROP();
	char path[4300];
	size_t len;
	json_error_t je;
	snprintf(path, sizeof(path), "%s/misp/feed/hashes.csv", interop_dir());
	char *csv = slurp(path, &len);
	assert_non_null(csv);
	snprintf(path, sizeof(path), "%s/misp/feed/manifest.json", interop_dir());
	json_t *manifest = json_load_file(path, 0, &je);
	assert_non_null(manifest);

	size_t lines = 0;
	const char *uuid;
	json_t *entry;
	json_object_foreach(manifest, uuid, entry) {
		snprintf(path, sizeof(path), "%s/misp/feed/%s.json", interop_dir(), uuid);
		json_t *doc = json_load_file(path, 0, &je);
		assert_non_null(doc);
		json_t *ev = json_object_get(doc, "Event");
		json_t *objects = json_object_get(ev, "Object");
		json_t *lists[64];
		size_t nl = 0;
		lists[nl++] = json_object_get(ev, "Attribute");
		for (size_t o = 0; o < json_array_size(objects) && nl < 64; o++)
			lists[nl++] = json_object_get(json_array_get(objects, o), "Attribute");
		for (size_t l = 0; l < nl; l++) {
			for (size_t a = 0; a < json_array_size(lists[l]); a++) {
				json_t *attr = json_array_get(lists[l], a);
				const char *type =
					json_string_value(json_object_get(attr, "type"));
				const char *value =
					json_string_value(json_object_get(attr, "value"));
				bool split = strchr(type, '|') ||
					     strcmp(type, "malware-sample") == 0;
				const char *p = value;
				for (;;) {
					size_t n = split ? strcspn(p, "|") : strlen(p);
					char md5[33], line[128];
					digest_md5_hex(p, n, md5);
					snprintf(line, sizeof(line), "%s,%s\n", md5, uuid);
					if (!strstr(csv, line))
						fail_msg("%s not in hashes.csv", line);
					lines++;
					if (!split || !p[n])
						break;
					p += n + 1;
				}
			}
		}
		json_decref(doc);
	}
	size_t csv_lines = 0;
	for (const char *p = csv; *p; p++)
		csv_lines += *p == '\n';
	assert_int_equal(lines, csv_lines);
	assert_int_equal(lines, 717);
	json_decref(manifest);
	free(csv);
}

/* ---- export ---- */

#define REPORT_UUID "4f5c2b9e-8a8e-4c3b-9a77-0d6a2b1c9e11"

struct sample {
	struct core_report rep;
	struct core_org org;
	struct core_indicator ind[11];
};

static void sample_init(struct sample *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->rep.uuid, sizeof(s->rep.uuid), "%s", REPORT_UUID);
	s->rep.kind = RK_INCIDENT;
	snprintf(s->rep.title, sizeof(s->rep.title), "Phishing wave against water boards");
	s->rep.level = LEVEL_OPERATIONAL;
	s->rep.tlp = TLP_AMBER_STRICT;
	s->rep.created = 1764143566123;
	s->rep.updated = 1764150000456;
	s->org.id = 3;
	snprintf(s->org.name, sizeof(s->org.name), "Waterschap Oost");
	static const struct {
		enum ind_type t;
		const char *v;
	} iv[] = {
		{IND_IPV4, "198.51.100.7"},
		{IND_IPV6, "2001:db8::7"},
		{IND_CIDR, "203.0.113.0/24"},
		{IND_DOMAIN, "evil.example"},
		{IND_URL, "https://evil.example/login"},
		{IND_EMAIL, "ceo@evil.example"},
		{IND_MD5, "d41d8cd98f00b204e9800998ecf8427e"},
		{IND_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{IND_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{IND_CVE, "CVE-2024-3400"},
		{IND_ASN, "64500"},
	};
	for (size_t i = 0; i < ARRAY_LEN(iv); i++) {
		s->ind[i].type = iv[i].t;
		snprintf(s->ind[i].value, sizeof(s->ind[i].value), "%s", iv[i].v);
		s->ind[i].created = s->rep.created + 1000 * (int64_t)i;
	}
	snprintf(s->ind[0].comment, sizeof(s->ind[0].comment), "C2 server");
	s->ind[0].first_seen = 1764000000000;
}

static struct misp_event_in sample_in(struct sample *s)
{
	struct misp_event_in in = {
		.report = &s->rep,
		.orgc = &s->org,
		.indicators = s->ind,
		.nindicators = ARRAY_LEN(s->ind),
		.instance = "https://kring.example",
		.analysis = 2,
		.threat_level_id = 3,
	};
	return in;
}

static void test_export_event(void **state)
{
	(void)state;
	static const char *const types[] = {"ip-dst", "ip-dst", "ip-dst", "domain",
					    "url", "email-src", "md5", "sha1",
					    "sha256", "vulnerability", "AS"};
	struct sample s;
	char *text = NULL;
	size_t len;
	json_error_t je;
	sample_init(&s);
	struct misp_event_in in = sample_in(&s);
	assert_int_equal(misp_event_export(&in, &text, &len), 0);
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	assert_non_null(doc);
	assert_int_equal(json_object_size(doc), 1);
	json_t *ev = json_object_get(doc, "Event");
	assert_string_equal(json_string_value(json_object_get(ev, "uuid")), REPORT_UUID);
	assert_string_equal(json_string_value(json_object_get(ev, "info")), s.rep.title);
	assert_string_equal(json_string_value(json_object_get(ev, "date")), "2025-11-26");
	/* the report edit is later than every attribute */
	assert_string_equal(json_string_value(json_object_get(ev, "timestamp")), "1764150000");
	assert_string_equal(json_string_value(json_object_get(ev, "analysis")), "2");
	assert_string_equal(json_string_value(json_object_get(ev, "threat_level_id")), "3");
	json_t *orgc = json_object_get(ev, "Orgc");
	assert_string_equal(json_string_value(json_object_get(orgc, "name")), "Waterschap Oost");
	/* The Orgc uuid is the uuid of the organisation's STIX identity. */
	char id[STIX_ID_MAX + 1];
	assert_int_equal(stix_kring_id("identity", "organisation:https://kring.example:3", id), 0);
	assert_string_equal(json_string_value(json_object_get(orgc, "uuid")), id + 10);
	json_t *tags = json_object_get(ev, "Tag");
	assert_int_equal(json_array_size(tags), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 0), "name")),
			    "tlp:amber+strict");
	json_t *attrs = json_object_get(ev, "Attribute");
	assert_int_equal(json_array_size(attrs), ARRAY_LEN(types));
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		json_t *a = json_array_get(attrs, i);
		unsigned char u[16];
		assert_string_equal(json_string_value(json_object_get(a, "type")), types[i]);
		assert_string_equal(json_string_value(json_object_get(a, "value")), s.ind[i].value);
		const char *uuid = json_string_value(json_object_get(a, "uuid"));
		assert_int_equal(digest_uuid_parse(uuid, u), 0);
		assert_non_null(json_object_get(a, "category"));
		assert_true(json_is_boolean(json_object_get(a, "to_ids")));
		assert_true(json_is_string(json_object_get(a, "timestamp")));
	}
	assert_true(json_is_false(json_object_get(json_array_get(attrs, 9), "to_ids")));
	assert_true(json_is_true(json_object_get(json_array_get(attrs, 0), "to_ids")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(attrs, 0), "comment")),
			    "C2 server");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(attrs, 0), "first_seen")),
		"2025-11-24T16:00:00.000Z");

	/* Stable: the same input gives the same bytes. */
	char *text2 = NULL;
	size_t len2;
	assert_int_equal(misp_event_export(&in, &text2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(text, text2, len);

	/* And kring reads it back. */
	struct misp_event back;
	char err[MISP_ERR_MAX];
	assert_int_equal(misp_import(text, len, TLP_AMBER, &back, err, sizeof(err)), 0);
	assert_string_equal(back.report.uuid, REPORT_UUID);
	assert_string_equal(back.report.title, s.rep.title);
	assert_int_equal(back.report.tlp, TLP_AMBER_STRICT);
	assert_int_equal(back.nindicators, ARRAY_LEN(s.ind));
	for (size_t i = 0; i < ARRAY_LEN(s.ind); i++) {
		const struct core_indicator *got = find_ind(&back, s.ind[i].type, s.ind[i].value);
		if (!got)
			fail_msg("%s %s did not come back", ind_type_name(s.ind[i].type),
				 s.ind[i].value);
		assert_int_equal(got->created, s.ind[i].created / 1000 * 1000);
	}
	assert_int_equal(back.indicators[0].first_seen, s.ind[0].first_seen);
	misp_event_release(&back);
	json_decref(doc);
	kr_free(text);
	kr_free(text2);

	/* Every TLP label goes out as its lower-case taxonomy tag. */
	static const char *const tag[TLP__COUNT] = {"tlp:clear", "tlp:green", "tlp:amber",
						    "tlp:amber+strict", "tlp:red"};
	for (int t = 0; t < TLP__COUNT; t++) {
		s.rep.tlp = (enum tlp)t;
		assert_int_equal(misp_event_export(&in, &text, &len), 0);
		doc = json_loadb(text, len, 0, &je);
		json_t *e = json_object_get(doc, "Event");
		json_t *tg = json_array_get(json_object_get(e, "Tag"), 0);
		assert_string_equal(json_string_value(json_object_get(tg, "name")), tag[t]);
		assert_int_equal(misp_tag_tlp(tag[t]), t);
		json_decref(doc);
		kr_free(text);
	}
}

static void test_export_errors(void **state)
{
	(void)state;
	struct sample s;
	char *text = (char *)"x";
	size_t len;
	sample_init(&s);
	struct misp_event_in in = sample_in(&s);
	in.orgc = NULL;
	assert_int_equal(misp_event_export(&in, &text, &len), KR_EINVAL);
	assert_null(text);
	in = sample_in(&s);
	snprintf(s.rep.uuid, sizeof(s.rep.uuid), "nope");
	assert_int_equal(misp_event_export(&in, &text, &len), KR_EINVAL);
	sample_init(&s);
	in = sample_in(&s);
	snprintf(s.ind[4].value, sizeof(s.ind[4].value), "javascript:alert(1)");
	assert_int_equal(misp_event_export(&in, &text, &len), KR_EINVAL);
	sample_init(&s);
	in = sample_in(&s);
	snprintf(s.org.name, sizeof(s.org.name), "\xc3\x28");
	assert_int_equal(misp_event_export(&in, &text, &len), KR_EINVAL);
}

/* The JSON type of v, with true and false as one. */
static int kind(const json_t *v)
{
	return json_is_boolean(v) ? JSON_TRUE : (int)json_typeof(v);
}

/* kring's feed has the shape of the public MISP feed. */
static void test_feed_shape(void **state)
{
	(void)state;
	NEED_INTEROP();
	struct misp_feed *feed = NULL;
	struct sample s1, s2;
	char *ev1 = NULL, *ev2 = NULL, *dup = NULL, *manifest = NULL, *hashes = NULL;
	size_t l1, l2, lm, lh;
	json_error_t je;
	char path[4300];

	sample_init(&s1);
	sample_init(&s2);
	snprintf(s2.rep.uuid, sizeof(s2.rep.uuid), "0b9c7a51-6f0c-4b8e-8d7e-6f3c1e2a9b00");
	snprintf(s2.rep.title, sizeof(s2.rep.title), "Second");
	s2.rep.tlp = TLP_GREEN;
	struct misp_event_in in1 = sample_in(&s1), in2 = sample_in(&s2);
	in2.nindicators = 3;

	assert_int_equal(misp_feed_new(&feed), 0);
	assert_int_equal(misp_feed_manifest(feed, &manifest, &lm), 0);
	assert_string_equal(manifest, "{}");
	kr_free(manifest);
	assert_int_equal(misp_feed_hashes(feed, &hashes, &lh), 0);
	assert_string_equal(hashes, "");
	kr_free(hashes);

	assert_int_equal(misp_feed_add(feed, &in1, &ev1, &l1), 0);
	assert_int_equal(misp_feed_add(feed, &in2, &ev2, &l2), 0);
	assert_int_equal(misp_feed_add(feed, &in1, &dup, &l1), KR_ECONFLICT);
	assert_null(dup);
	assert_int_equal(misp_feed_manifest(feed, &manifest, &lm), 0);
	assert_int_equal(misp_feed_hashes(feed, &hashes, &lh), 0);

	/* manifest.json: one member per event, keyed by uuid, with the members
	 * the public feed's manifest has. */
	snprintf(path, sizeof(path), "%s/misp/feed/manifest.json", interop_dir());
	json_t *ref = json_load_file(path, 0, &je);
	assert_non_null(ref);
	json_t *ref_entry = json_object_iter_value(json_object_iter(ref));
	json_t *mine = json_loadb(manifest, lm, JSON_REJECT_DUPLICATES, &je);
	assert_non_null(mine);
	assert_int_equal(json_object_size(mine), 2);
	const char *k;
	json_t *v;
	json_object_foreach(mine, k, v) {
		const char *rk;
		json_t *rv;
		assert_int_equal(json_object_size(v), json_object_size(ref_entry));
		json_object_foreach(ref_entry, rk, rv) {
			json_t *mv = json_object_get(v, rk);
			if (!mv)
				fail_msg("manifest entry lacks %s", rk);
			/* numbers as strings (RFC form) or numbers (PyMISP form) */
			if (json_is_integer(rv))
				assert_true(json_is_string(mv) || json_is_integer(mv));
			else
				assert_int_equal(kind(mv), kind(rv));
		}
		assert_non_null(json_object_get(json_object_get(v, "Orgc"), "uuid"));
		json_t *tag = json_array_get(json_object_get(v, "Tag"), 0);
		assert_non_null(json_object_get(tag, "name"));
		assert_non_null(json_object_get(tag, "colour"));
	}
	assert_non_null(json_object_get(mine, REPORT_UUID));
	json_t *second = json_object_get(mine, "0b9c7a51-6f0c-4b8e-8d7e-6f3c1e2a9b00");
	json_t *second_tag = json_array_get(json_object_get(second, "Tag"), 0);
	assert_string_equal(json_string_value(json_object_get(second_tag, "name")), "tlp:green");

	/* <uuid>.json: {"Event":{...}} whose members and attribute members all
	 * occur in the public feed's events, and the core ones are there. */
	snprintf(path, sizeof(path), "%s/misp/feed/57c4445b-c548-4654-af0b-4be3950d210f.json",
		 interop_dir());
	json_t *ref_doc = json_load_file(path, 0, &je);
	json_t *ref_ev = json_object_get(ref_doc, "Event");
	assert_non_null(ref_ev);
	json_t *ref_attr = json_array_get(json_object_get(ref_ev, "Attribute"), 0);
	json_t *doc = json_loadb(ev1, l1, 0, &je);
	json_t *e = json_object_get(doc, "Event");
	static const char *const core[] = {"uuid", "info", "date", "timestamp", "analysis",
					   "threat_level_id", "Orgc", "Tag", "Attribute",
					   "published", "publish_timestamp"};
	for (size_t i = 0; i < ARRAY_LEN(core); i++) {
		if (!json_object_get(e, core[i]))
			fail_msg("event lacks %s", core[i]);
		assert_int_equal(kind(json_object_get(e, core[i])),
				 kind(json_object_get(ref_ev, core[i])));
	}
	json_object_foreach(e, k, v) {
		if (!json_object_get(ref_ev, k))
			fail_msg("event member %s is not in the public feed's events", k);
	}
	json_t *a0 = json_array_get(json_object_get(e, "Attribute"), 1); /* no first_seen */
	json_object_foreach(a0, k, v) {
		if (!json_object_get(ref_attr, k))
			fail_msg("attribute member %s is not in the public feed's events", k);
		assert_int_equal(kind(v), kind(json_object_get(ref_attr, k)));
	}
	json_decref(doc);
	json_decref(ref_doc);

	/* hashes.csv: "<md5>,<event uuid>" per attribute value, LF-terminated. */
	size_t lines = 0;
	for (char *p = hashes; *p;) {
		char *nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_int_equal(nl - p, 32 + 1 + 36);
		for (int i = 0; i < 32; i++)
			assert_non_null(strchr("0123456789abcdef", p[i]));
		assert_int_equal(p[32], ',');
		lines++;
		p = nl + 1;
	}
	assert_int_equal(lines, ARRAY_LEN(s1.ind) + 3);
	char md5[33], line[80];
	digest_md5_hex("198.51.100.7", 12, md5);
	snprintf(line, sizeof(line), "%s,%s\n", md5, REPORT_UUID);
	assert_non_null(strstr(hashes, line));

	/* The stand-alone helpers write the same pieces. */
	struct strbuf sb;
	strbuf_init(&sb, 0);
	assert_int_equal(misp_hashes_lines(&in1, &sb), 0);
	assert_int_equal(strncmp(hashes, sb.buf, sb.len), 0);
	strbuf_reset(&sb);
	assert_int_equal(misp_manifest_entry(&in1, &sb), 0);
	assert_int_equal(strncmp(sb.buf, "\"" REPORT_UUID "\":{", 39), 0);
	assert_non_null(strstr(manifest, sb.buf));
	strbuf_release(&sb);

	json_decref(ref);
	json_decref(mine);
	kr_free(ev1);
	kr_free(ev2);
	kr_free(manifest);
	kr_free(hashes);
	misp_feed_free(feed);
}

/* ---- import errors ---- */

static void test_import_errors(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int status;
		const char *msg;
	} v[] = {
		{"", KR_EINVAL, "empty input"},
		{"{\"Event\":", KR_EINVAL, "not valid JSON"},
		{"[]", KR_EINVAL, "not a MISP event"},
		{"{\"Event\":[]}", KR_EINVAL, "not a MISP event"},
		{"{}", KR_EINVAL, "not a MISP event: none of"},
		{"{\"type\":\"bundle\",\"id\":\"bundle--0a5b2c3d-1e2f-4a3b-8c4d-5e6f7a8b9c0d\","
		 "\"objects\":[]}",
		 KR_EINVAL, "not a MISP event: none of"},
		{"{\"Event\":{\"info\":1}}", KR_EINVAL, "info is not a string"},
		{"{\"Event\":{\"uuid\":\"a\"}}", KR_EINVAL, "uuid is not a UUID"},
		{"{\"Event\":{\"date\":\"20 May 2024\"}}", KR_EINVAL, "date is not YYYY-MM-DD"},
		{"{\"Event\":{\"info\":\"x\",\"timestamp\":\"soon\"}}", KR_EINVAL,
		 "timestamp is not a number"},
		{"{\"Event\":{\"info\":\"x\",\"analysis\":\"7\"}}", KR_EINVAL,
		 "analysis is not 0, 1 or 2"},
		{"{\"Event\":{\"info\":\"x\",\"threat_level_id\":0}}", KR_EINVAL,
		 "threat_level_id is not 1 to 4"},
		{"{\"Event\":{\"Attribute\":{}}}", KR_EINVAL, "Attribute is not a list"},
		{"{\"Event\":{\"Attribute\":[{\"value\":\"x\"}]}}", KR_EINVAL, "type is missing"},
		{"{\"Event\":{\"Attribute\":[5]}}", KR_EINVAL, "Attribute[0]: not an object"},
		{"{\"Event\":{\"Tag\":[{\"colour\":\"#fff\"}]}}", KR_EINVAL, "Tag[0] has no name"},
		{"{\"Event\":{\"Object\":[{\"Attribute\":[{}]}]}}", KR_EINVAL,
		 "Object[0].Attribute[0]: type is missing"},
		{"{\"Event\":{\"Object\":{}}}", KR_EINVAL, "Object is not a list"},
		{"{\"Event\":{\"info\":\"x\",\"Orgc\":\"CIRCL\"}}", KR_EINVAL,
		 "Orgc is not an object"},
		{"{\"Event\":{\"info\":\"x\",\"Galaxy\":{}}}", KR_EINVAL, "Galaxy is not a list"},
		{"{\"Event\":{},\"Event\":{}}", KR_EINVAL, "duplicate"},
	};
	struct misp_event ev;
	char err[MISP_ERR_MAX];
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		err[0] = '\0';
		int r = misp_import(v[i].in, strlen(v[i].in), TLP_AMBER, &ev, err, sizeof(err));
		if (r != v[i].status || !strstr(err, v[i].msg))
			fail_msg("case %zu: %d \"%s\", expected \"%s\"", i, r, err, v[i].msg);
		assert_null(ev.raw);
		assert_null(ev.indicators);
	}

	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(misp_import(deep, sizeof(deep), TLP_AMBER, &ev, err, sizeof(err)),
			 KR_EINVAL);
	assert_non_null(strstr(err, "nested deeper"));

	/* One more distinct indicator than a report holds. */
	json_t *attrs = json_array();
	for (int i = 0; i <= CORE_INDICATORS_PER_REPORT; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 256, i % 256);
		json_array_append_new(attrs, json_pack("{s:s,s:s}", "type", "ip-dst", "value", ip));
	}
	json_t *doc = json_pack("{s:{s:o}}", "Event", "Attribute", attrs);
	char *text = json_dumps(doc, JSON_COMPACT);
	assert_int_equal(misp_import(text, strlen(text), TLP_AMBER, &ev, err, sizeof(err)),
			 KR_ELIMIT);
	assert_non_null(strstr(err, "more than 1000 distinct indicators"));
	free(text);
	json_decref(doc);
}

/* ---- allocation failures ---- */

static void test_alloc_failures(void **state)
{
	(void)state;
	struct sample s;
	char *text = NULL;
	size_t len;
	int ok_import = 0, ok_feed = 0;
	sample_init(&s);
	struct misp_event_in in = sample_in(&s);
	assert_int_equal(misp_event_export(&in, &text, &len), 0);

	for (long n = 0; n < 2000 && !ok_import; n++) {
		struct misp_event ev;
		char err[MISP_ERR_MAX];
		kr_alloc_fail_after(n);
		int r = misp_import(text, len, TLP_AMBER, &ev, err, sizeof(err));
		kr_alloc_fail_after(-1);
		if (r == 0) {
			assert_int_equal(ev.nindicators, ARRAY_LEN(s.ind));
			ok_import = 1;
		} else {
			assert_int_equal(r, KR_ENOMEM);
		}
		misp_event_release(&ev);
	}
	for (long n = 0; n < 2000 && !ok_feed; n++) {
		struct misp_feed *f = NULL;
		char *ev = NULL, *m = NULL, *h = NULL;
		size_t l;
		kr_alloc_fail_after(n);
		int r = misp_feed_new(&f);
		if (!r)
			r = misp_feed_add(f, &in, &ev, &l);
		if (!r)
			r = misp_feed_manifest(f, &m, &l);
		if (!r)
			r = misp_feed_hashes(f, &h, &l);
		kr_alloc_fail_after(-1);
		if (r == 0)
			ok_feed = 1;
		else
			assert_int_equal(r, KR_ENOMEM);
		kr_free(ev);
		kr_free(m);
		kr_free(h);
		misp_feed_free(f);
	}
	assert_true(ok_import);
	assert_true(ok_feed);
	kr_free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5_vectors),
		cmocka_unit_test(test_tag_tlp),
		cmocka_unit_test(test_fixture_tlp),
		cmocka_unit_test(test_fixture_stricter_attributes),
		cmocka_unit_test(test_fixture_all_types),
		cmocka_unit_test(test_public_events),
		cmocka_unit_test(test_public_feed_hashes),
		cmocka_unit_test(test_export_event),
		cmocka_unit_test(test_export_errors),
		cmocka_unit_test(test_feed_shape),
		cmocka_unit_test(test_import_errors),
		cmocka_unit_test(test_alloc_failures),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (failed)
		return failed;
	if (interop_missing) {
		printf("skipped: interop folder not found\n");
		return 77;
	}
	return 0;
}
