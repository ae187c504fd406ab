/* test_stix.c - the STIX 2.1 codec: SHA-1 and UUIDv5, JCS, deterministic
 * observable ids, TLP markings, patterns, export of kring reports, strict
 * import, round trips over the public examples, and validation of exported
 * bundles against the OASIS schemas.
 *
 * Environment: KRING_INTEROP is the shared interop folder (tests that need it
 * are skipped, and the program ends with 77, when it is missing);
 * KRING_VALIDATE_STIX and KRING_NODE_CACHE drive the schema validator. */
#include <dirent.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "codec/digest.h"
#include "codec/stix.h"
#include "core/model.h"
#include "util/alloc.h"
#include "util/err.h"

#include "util/banned.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Marking-definition ids: TLP 2.0, TLP 1.0 of STIX 2.1, and two others. */
#define MD_CLEAR "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
#define MD_GREEN "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
#define MD_AMBER "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
#define MD_STRICT "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
#define MD_RED "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
#define MD1_WHITE "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
#define MD1_GREEN "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
#define MD1_AMBER "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
#define MD1_RED "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
#define MD_LOCAL "marking-definition--11111111-2222-4333-8444-555555555555"
#define MD_STATEMENT "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"

static const char *interop_dir(void)
{
	static char path[4096];
	const char *e = getenv("KRING_INTEROP");
	struct stat st;
	if (!e || !*e)
		return NULL;
	snprintf(path, sizeof(path), "%s/stix2.1/examples", e);
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return e;
}

static bool interop_missing;

#define NEED_INTEROP()                                                                  \
	do {                                                                            \
		if (!interop_dir()) {                                                   \
			interop_missing = true;                                         \
			skip();                                                         \
		}                                                                       \
	} while (0)

/* Reads a whole file; caller frees with free(). NULL when unreadable. */
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

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* ---- SHA-1 and UUIDv5 ---- */

static void test_sha1_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *want;
	} v[] = {
		{"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
		{"The quick brown fox jumps over the lazy dog",
		 "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"},
	};
	unsigned char d[DIGEST_SHA1_LEN];
	char h[2 * DIGEST_SHA1_LEN + 1];
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		digest_sha1(v[i].in, strlen(v[i].in), d);
		hex(d, sizeof(d), h);
		assert_string_equal(h, v[i].want);
	}
	/* A million 'a', fed in uneven pieces across block boundaries. */
	struct digest_sha1 c;
	char chunk[997];
	memset(chunk, 'a', sizeof(chunk));
	digest_sha1_init(&c);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
		digest_sha1_update(&c, chunk, n);
		left -= n;
	}
	digest_sha1_final(&c, d);
	hex(d, sizeof(d), h);
	assert_string_equal(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	/* 55, 56 and 64 bytes: the lengths where padding needs a second block. */
	static const struct {
		size_t n;
		const char *want;
	} edge[] = {
		{55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
		{56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
		{64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
	};
	for (size_t i = 0; i < ARRAY_LEN(edge); i++) {
		digest_sha1(chunk, edge[i].n, d);
		hex(d, sizeof(d), h);
		assert_string_equal(h, edge[i].want);
	}
}

static void test_uuid5(void **state)
{
	(void)state;
	unsigned char ns[16];
	char u[37];
	/* RFC 4122 DNS namespace: a widely published example. */
	assert_int_equal(digest_uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8", ns), 0);
	digest_uuid5(ns, "python.org", 10, u);
	assert_string_equal(u, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
	/* The STIX observable namespace over {"value":"198.51.100.3"}. */
	assert_int_equal(digest_uuid_parse(STIX_SCO_NAMESPACE, ns), 0);
	digest_uuid5(ns, "{\"value\":\"198.51.100.3\"}", 24, u);
	assert_string_equal(u, "28bb3599-77cd-5a82-a950-b5bc3caf07c4");

	assert_int_equal(digest_uuid_parse("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", ns), 0);
	assert_int_equal(digest_uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c", ns), KR_EINVAL);
	assert_int_equal(digest_uuid_parse("6ba7b810x9dad-11d1-80b4-00c04fd430c8", ns), KR_EINVAL);
	assert_int_equal(digest_uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430cg", ns), KR_EINVAL);
	assert_int_equal(digest_uuid_parse(NULL, ns), KR_EINVAL);
}

/* ---- JCS ---- */

static void test_jcs(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *want;
	} v[] = {
		/* RFC 8785 section 3.2.2 */
		{"{\"numbers\":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"
		 "\"string\":\"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\","
		 "\"literals\":[null,true,false]}",
		 "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,"
		 "1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"},
		/* RFC 8785 section 3.2.3: UTF-16 order puts U+1F600 before U+FB33 */
		{"{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew "
		 "Letter Dalet With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning "
		 "Face\",\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O With "
		 "Diaeresis\"}",
		 "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
		 "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro "
		 "Sign\",\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew "
		 "Letter Dalet With Dagesh\"}"},
		{"[1.0, -0.5, 100, 1e21, 1e20, 0.000001, 1e-7, -0]",
		 "[1,-0.5,100,1e+21,100000000000000000000,0.000001,1e-7,0]"},
		{" { \"b\" : [ ] , \"a\" : { } } ", "{\"a\":{},\"b\":[]}"},
	};
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		char *out = NULL;
		size_t n = 0;
		assert_int_equal(stix_canonical_json(v[i].in, strlen(v[i].in), &out, &n), 0);
		assert_string_equal(out, v[i].want);
		assert_int_equal(n, strlen(v[i].want));
		kr_free(out);
	}
	char *out = NULL;
	size_t n;
	assert_int_equal(stix_canonical_json("{\"a\":1,\"a\":2}", 13, &out, &n), KR_EINVAL);
	assert_int_equal(stix_canonical_json("{", 1, &out, &n), KR_EINVAL);
	assert_null(out);
}

/* ---- deterministic observable ids ---- */

static void test_sco_ids_inline(void **state)
{
	(void)state;
	char id[STIX_ID_MAX + 1];
	const char *ip = "{\"type\":\"ipv4-addr\",\"spec_version\":\"2.1\","
			 "\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\","
			 "\"value\":\"198.51.100.3\"}";
	assert_int_equal(stix_sco_id(ip, strlen(ip), id), 0);
	assert_string_equal(id, "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4");

	/* Hash names in another spelling give the same id; MD5 wins over SHA-256. */
	const char *f1 = "{\"type\":\"file\",\"hashes\":{\"SHA-256\":\"aa\",\"MD5\":\"bb\"},"
			 "\"name\":\"x\"}";
	const char *f2 = "{\"type\":\"file\",\"name\":\"x\",\"hashes\":{\"md5\":\"bb\"}}";
	char id2[STIX_ID_MAX + 1];
	assert_int_equal(stix_sco_id(f1, strlen(f1), id), 0);
	assert_int_equal(stix_sco_id(f2, strlen(f2), id2), 0);
	assert_string_equal(id, id2);
	assert_int_equal(strncmp(id, "file--", 6), 0);

	const char *proc = "{\"type\":\"process\",\"pid\":1}";
	assert_int_equal(stix_sco_id(proc, strlen(proc), id), KR_ENOTFOUND);
	const char *empty = "{\"type\":\"domain-name\"}";
	assert_int_equal(stix_sco_id(empty, strlen(empty), id), KR_ENOTFOUND);
	assert_int_equal(stix_sco_id("[1]", 3, id), KR_EINVAL);
	assert_int_equal(stix_sco_id("{\"type\":\"Bad_Type\"}", 19, id), KR_EINVAL);
}

static void test_sco_ids_fixture(void **state)
{
	(void)state;
	NEED_INTEROP();
	char p1[4200], p2[4200];
	json_error_t e;
	snprintf(p1, sizeof(p1), "%s/stix2.1/examples/python-stix2/sco-examples.json",
		 interop_dir());
	snprintf(p2, sizeof(p2), "%s/stix2.1/examples/python-stix2/sco-deterministic-ids.json",
		 interop_dir());
	json_t *objs = json_load_file(p1, 0, &e);
	json_t *ids = json_load_file(p2, 0, &e);
	assert_non_null(objs);
	assert_non_null(ids);
	json_t *entries = json_object_get(ids, "entries");
	size_t matched = 0, random_v4 = 0;
	assert_int_equal(json_array_size(entries), json_array_size(objs));
	for (size_t i = 0; i < json_array_size(entries); i++) {
		json_t *en = json_array_get(entries, i);
		size_t idx = (size_t)json_integer_value(json_object_get(en, "index"));
		const char *want =
			json_string_value(json_object_get(en, "deterministic_id_python_stix2"));
		char *text = json_dumps(json_array_get(objs, idx), JSON_COMPACT);
		char id[STIX_ID_MAX + 1] = "";
		int r = stix_sco_id(text, strlen(text), id);
		free(text);
		if (json_is_true(json_object_get(en, "random_v4"))) {
			/* No id-contributing properties: the spec wants a v4 id. */
			assert_int_equal(r, KR_ENOTFOUND);
			random_v4++;
			continue;
		}
		assert_int_equal(r, 0);
		if (strcmp(id, want) != 0)
			fail_msg("sco-examples[%zu]: %s, expected %s", idx, id, want);
		matched++;
	}
	assert_int_equal(matched, 79);
	assert_int_equal(random_v4, 3);
	json_decref(objs);
	json_decref(ids);
}

/* ---- TLP markings ---- */

static void test_tlp_markings(void **state)
{
	(void)state;
	static const char *const want[TLP__COUNT] = {
		"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
		"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
		"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
		"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	};
	static const char *const ext[TLP__COUNT] = {"clear", "green", "amber", "amber+strict",
						    "red"};
	for (int t = 0; t < TLP__COUNT; t++) {
		assert_string_equal(stix_tlp_marking_id((enum tlp)t), want[t]);
		assert_int_equal(stix_marking_tlp(want[t]), t);

		char *js = NULL;
		size_t n = 0;
		json_error_t e;
		assert_int_equal(stix_tlp_marking_json((enum tlp)t, &js, &n), 0);
		json_t *o = json_loadb(js, n, 0, &e);
		assert_non_null(o);
		assert_string_equal(json_string_value(json_object_get(o, "type")),
				    "marking-definition");
		assert_string_equal(json_string_value(json_object_get(o, "spec_version")), "2.1");
		assert_string_equal(json_string_value(json_object_get(o, "id")), want[t]);
		assert_string_equal(json_string_value(json_object_get(o, "created")),
				    "2022-10-01T00:00:00.000Z");
		char name[32];
		snprintf(name, sizeof(name), "TLP:%s", tlp_name((enum tlp)t));
		assert_string_equal(json_string_value(json_object_get(o, "name")), name);
		json_t *x = json_object_get(json_object_get(o, "extensions"), STIX_TLP2_EXTENSION);
		assert_string_equal(json_string_value(json_object_get(x, "extension_type")),
				    "property-extension");
		assert_string_equal(json_string_value(json_object_get(x, "tlp_2_0")), ext[t]);
		assert_int_equal(json_object_size(o), 6);
		json_decref(o);
		kr_free(js);
	}
	/* TLP 1.0 ids of STIX 2.1; WHITE is CLEAR. */
	assert_int_equal(stix_marking_tlp(MD1_WHITE), TLP_CLEAR);
	assert_int_equal(stix_marking_tlp(MD1_GREEN), TLP_GREEN);
	assert_int_equal(stix_marking_tlp(MD1_AMBER), TLP_AMBER);
	assert_int_equal(stix_marking_tlp(MD1_RED), TLP_RED);
	/* one digit off the red id */
	assert_int_equal(
		stix_marking_tlp("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ec"), -1);
	assert_int_equal(stix_marking_tlp(NULL), -1);
	assert_null(stix_tlp_marking_id(TLP__COUNT));
}

/* ---- patterns ---- */

static void test_patterns(void **state)
{
	(void)state;
	static const struct {
		enum ind_type t;
		const char *value;
		const char *pattern;
	} v[] = {
		{IND_IPV4, "198.51.100.7", "[ipv4-addr:value = '198.51.100.7']"},
		{IND_IPV6, "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"},
		{IND_CIDR, "10.1.2.0/24", "[ipv4-addr:value = '10.1.2.0/24']"},
		{IND_CIDR, "2001:db8::/32", "[ipv6-addr:value = '2001:db8::/32']"},
		{IND_DOMAIN, "example.nl", "[domain-name:value = 'example.nl']"},
		{IND_URL, "http://example.nl/a'b\\c",
		 "[url:value = 'http://example.nl/a\\'b\\\\c']"},
		{IND_EMAIL, "o'brien@example.nl", "[email-addr:value = 'o\\'brien@example.nl']"},
		{IND_MD5, "d41d8cd98f00b204e9800998ecf8427e",
		 "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"},
		{IND_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		 "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"},
		{IND_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		 "[file:hashes.'SHA-256' = "
		 "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"},
		{IND_ASN, "64500", "[autonomous-system:number = 64500]"},
	};
	char buf[4200], value[CORE_INDICATOR_MAX + 1];
	enum ind_type t;
	const char *why;
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		assert_int_equal(stix_pattern_write(v[i].t, v[i].value, buf, sizeof(buf)), 0);
		assert_string_equal(buf, v[i].pattern);
		assert_int_equal(stix_pattern_read(buf, &t, value, &why), 0);
		assert_int_equal(t, v[i].t);
		assert_string_equal(value, v[i].value);
	}
	assert_int_equal(stix_pattern_write(IND_CVE, "CVE-2024-0001", buf, sizeof(buf)), KR_EINVAL);
	assert_int_equal(stix_pattern_write(IND_DOMAIN, "example.nl", buf, 10), KR_ELIMIT);
	assert_int_equal(stix_pattern_write(IND_ASN, "12a", buf, sizeof(buf)), KR_EINVAL);

	/* Other spellings STIX producers use. */
	static const struct {
		const char *pattern;
		enum ind_type t;
		const char *value;
	} ok[] = {
		{"[ ipv4-addr:value = '10.0.0.0' ]", IND_IPV4, "10.0.0.0"},
		{"[ipv4-addr:value = '58.246.0.0/15']", IND_CIDR, "58.246.0.0/15"},
		{"[file:hashes.md5 = '00DBB9E1C09DBDAFB360F3163BA5A3DE']", IND_MD5,
		 "00dbb9e1c09dbdafb360f3163ba5a3de"},
		{"[file:hashes.'MD5' = '00dbb9e1c09dbdafb360f3163ba5a3de']", IND_MD5,
		 "00dbb9e1c09dbdafb360f3163ba5a3de"},
		{"[file:hashes.SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']", IND_SHA1,
		 "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"[file:hashes.sha256="
		 "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
		 IND_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"[domain-name:value = 'WWW.Example.NL']", IND_DOMAIN, "www.example.nl"},
		{"[url:value = 'HTTP://Example.NL/x']", IND_URL, "http://example.nl/x"},
	};
	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		assert_int_equal(stix_pattern_read(ok[i].pattern, &t, value, &why), 0);
		assert_int_equal(t, ok[i].t);
		assert_string_equal(value, ok[i].value);
	}
	/* Valid STIX, but not one comparison kring keeps. */
	static const char *const other[] = {
		"[domain-name:value = 'a.example' OR ipv4-addr:value = '10.0.0.1']",
		"[x509-certificate:issuer = 'CN=A' AND x509-certificate:serial_number = '1']",
		"[file:name = 'CBricksDoc']",
		"[email-message:subject MATCHES '^x']",
		"[ipv4-addr:value = '10.0.0.1'] WITHIN 300 SECONDS",
		"[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']",
		"[ipv4-addr:value != '10.0.0.1']",
		"[file:hashes.'SHA-512' = 'aa']",
		"[autonomous-system:number = 'x']",
		"ipv4-addr:value = '10.0.0.1'",
	};
	for (size_t i = 0; i < ARRAY_LEN(other); i++) {
		why = NULL;
		if (stix_pattern_read(other[i], &t, value, &why) != KR_ENOTFOUND)
			fail_msg("%s: expected KR_ENOTFOUND", other[i]);
		assert_non_null(why);
	}
	/* The shape is supported, the value is not. */
	static const char *const bad[] = {
		"[ipv4-addr:value = '300.0.0.1']",
		"[domain-name:value = 'domain autuo.xicp.net']",
		"[url:value = 'www.example.nl']",
		"[file:hashes.MD5 = 'abc']",
		"[ipv4-addr:value = '10.0.0.1",
		"[url:value = 'http://a.example/\\x']",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		why = NULL;
		if (stix_pattern_read(bad[i], &t, value, &why) != KR_EINVAL)
			fail_msg("%s: expected KR_EINVAL", bad[i]);
		assert_non_null(why);
	}
}

/* ---- export ---- */

#define REPORT_UUID "4f5c2b9e-8a8e-4c3b-9a77-0d6a2b1c9e11"

struct sample {
	struct core_report rep;
	struct core_org org;
	struct core_indicator ind[11];
	struct core_comment com[2];
};

static void sample_init(struct sample *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->rep.uuid, sizeof(s->rep.uuid), "%s", REPORT_UUID);
	s->rep.kind = RK_INCIDENT;
	snprintf(s->rep.title, sizeof(s->rep.title), "Phishing wave against water boards");
	s->rep.body = "Seen since Monday.\nBlock the indicators below.";
	s->rep.level = LEVEL_OPERATIONAL;
	s->rep.tlp = TLP_AMBER;
	s->rep.id = 7;
	s->rep.created = 1764143566123;  /* 2025-11-26T07:52:46.123Z */
	s->rep.updated = 1764150000456;
	s->org.id = 3;
	snprintf(s->org.name, sizeof(s->org.name), "Waterschap Oost");
	s->org.created = 1700000000000;
	snprintf(s->org.website, sizeof(s->org.website), "https://example.nl");
	static const struct {
		enum ind_type t;
		const char *v;
	} iv[] = {
		{IND_IPV4, "198.51.100.7"},
		{IND_IPV6, "2001:db8::7"},
		{IND_CIDR, "203.0.113.0/24"},
		{IND_DOMAIN, "evil.example"},
		{IND_URL, "https://evil.example/login?next='x'"},
		{IND_EMAIL, "ceo@evil.example"},
		{IND_MD5, "d41d8cd98f00b204e9800998ecf8427e"},
		{IND_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{IND_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{IND_CVE, "CVE-2024-3400"},
		{IND_ASN, "64500"},
	};
	for (size_t i = 0; i < ARRAY_LEN(iv); i++) {
		s->ind[i].id = (int64_t)i + 1;
		s->ind[i].report_id = 7;
		s->ind[i].type = iv[i].t;
		snprintf(s->ind[i].value, sizeof(s->ind[i].value), "%s", iv[i].v);
		s->ind[i].created = s->rep.created + (int64_t)i;
	}
	snprintf(s->ind[0].comment, sizeof(s->ind[0].comment), "C2 server");
	s->ind[1].first_seen = 1764000000000;
	s->ind[1].valid_until = 1765000000000;
	s->com[0].id = 11;
	s->com[0].report_id = 7;
	s->com[0].tlp = TLP_AMBER;
	s->com[0].body = "Also seen here.";
	s->com[0].created = 1764150000000;
	s->com[1].id = 12;
	s->com[1].report_id = 7;
	s->com[1].tlp = TLP_RED;
	s->com[1].body = "Our mail server was hit.";
	s->com[1].created = 1764150001000;
}

static struct stix_report_in sample_in(struct sample *s)
{
	struct stix_report_in in = {
		.report = &s->rep,
		.source = &s->org,
		.indicators = s->ind,
		.nindicators = ARRAY_LEN(s->ind),
		.comments = s->com,
		.ncomments = ARRAY_LEN(s->com),
		.instance = "https://kring.example",
	};
	return in;
}

/* Exports the sample; returns the bundle text (kr_free). */
static char *export_sample(struct sample *s, size_t *len)
{
	struct stix_bundle *b = NULL;
	struct stix_report_in in = sample_in(s);
	char *out = NULL;
	assert_int_equal(stix_bundle_new(&b), 0);
	assert_int_equal(stix_bundle_add_report(b, &in), 0);
	assert_int_equal(stix_bundle_serialise(b, &out, len), 0);
	stix_bundle_free(b);
	return out;
}

static json_t *find_object(json_t *objs, const char *type, const char *key, const char *value)
{
	for (size_t i = 0; i < json_array_size(objs); i++) {
		json_t *o = json_array_get(objs, i);
		if (strcmp(json_string_value(json_object_get(o, "type")), type) != 0)
			continue;
		if (!key || strcmp(json_string_value(json_object_get(o, key)), value) == 0)
			return o;
	}
	return NULL;
}

static bool refs_contain(json_t *refs, const char *id)
{
	for (size_t i = 0; i < json_array_size(refs); i++) {
		if (strcmp(json_string_value(json_array_get(refs, i)), id) == 0)
			return true;
	}
	return false;
}

static void test_export_shape(void **state)
{
	(void)state;
	struct sample s;
	size_t len;
	json_error_t e;
	sample_init(&s);
	char *text = export_sample(&s, &len);
	json_t *b = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	assert_non_null(b);
	assert_string_equal(json_string_value(json_object_get(b, "type")), "bundle");
	assert_int_equal(strncmp(json_string_value(json_object_get(b, "id")), "bundle--", 8), 0);
	json_t *objs = json_object_get(b, "objects");
	/* 2 markings, identity, 10 indicators, 1 vulnerability, report, 2 notes */
	assert_int_equal(json_array_size(objs), 17);

	const char *amber = stix_tlp_marking_id(TLP_AMBER);
	const char *red = stix_tlp_marking_id(TLP_RED);
	assert_non_null(find_object(objs, "marking-definition", "id", amber));
	assert_non_null(find_object(objs, "marking-definition", "id", red));

	json_t *ident = find_object(objs, "identity", NULL, NULL);
	assert_non_null(ident);
	assert_string_equal(json_string_value(json_object_get(ident, "name")), "Waterschap Oost");
	assert_string_equal(json_string_value(json_object_get(ident, "identity_class")),
			    "organization");
	const char *ident_id = json_string_value(json_object_get(ident, "id"));

	json_t *rep = find_object(objs, "report", NULL, NULL);
	assert_non_null(rep);
	assert_string_equal(json_string_value(json_object_get(rep, "name")), s.rep.title);
	assert_string_equal(json_string_value(json_object_get(rep, "description")), s.rep.body);
	assert_string_equal(json_string_value(json_object_get(rep, "created")),
			    "2025-11-26T07:52:46.123Z");
	assert_string_equal(json_string_value(json_object_get(rep, "modified")),
			    "2025-11-26T09:40:00.456Z");
	assert_string_equal(json_string_value(json_object_get(rep, "published")),
			    "2025-11-26T07:52:46.123Z");
	assert_string_equal(json_string_value(json_object_get(rep, "created_by_ref")), ident_id);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(rep, "object_marking_refs"), 0)),
		amber);
	json_t *refs = json_object_get(rep, "object_refs");
	assert_int_equal(json_array_size(refs), 12); /* identity + 10 indicators + 1 vuln */
	assert_true(refs_contain(refs, ident_id));

	/* Every object: spec 2.1, ms timestamps; SDOs marked AMBER (the RED note
	 * RED), all listed in the report. */
	size_t nind = 0;
	for (size_t i = 0; i < json_array_size(objs); i++) {
		json_t *o = json_array_get(objs, i);
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *created = json_string_value(json_object_get(o, "created"));
		assert_string_equal(json_string_value(json_object_get(o, "spec_version")), "2.1");
		assert_int_equal(strlen(created), 24);
		if (strcmp(type, "indicator") == 0 || strcmp(type, "vulnerability") == 0) {
			nind++;
			assert_true(refs_contain(refs, id));
			assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")),
					    ident_id);
			assert_string_equal(json_string_value(json_array_get(
						    json_object_get(o, "object_marking_refs"), 0)),
					    amber);
			/* modified follows the report's edits */
			assert_string_equal(json_string_value(json_object_get(o, "modified")),
					    "2025-11-26T09:40:00.456Z");
		}
		if (strcmp(type, "indicator") == 0) {
			assert_string_equal(json_string_value(json_object_get(o, "pattern_type")),
					    "stix");
			assert_non_null(json_object_get(o, "valid_from"));
		}
	}
	assert_int_equal(nind, 11);

	json_t *ip =
		find_object(objs, "indicator", "pattern", "[ipv4-addr:value = '198.51.100.7']");
	assert_non_null(ip);
	assert_string_equal(json_string_value(json_object_get(ip, "description")), "C2 server");
	assert_non_null(find_object(objs, "indicator", "pattern",
				    "[ipv4-addr:value = '203.0.113.0/24']"));
	assert_non_null(find_object(objs, "indicator", "pattern",
				    "[url:value = 'https://evil.example/login?next=\\'x\\'']"));
	assert_non_null(find_object(objs, "indicator", "pattern",
				    "[autonomous-system:number = 64500]"));
	json_t *v6 = find_object(objs, "indicator", "pattern", "[ipv6-addr:value = '2001:db8::7']");
	assert_non_null(v6);
	assert_string_equal(json_string_value(json_object_get(v6, "valid_from")),
			    "2025-11-24T16:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(v6, "valid_until")),
			    "2025-12-06T05:46:40.000Z");

	json_t *vul = find_object(objs, "vulnerability", NULL, NULL);
	assert_string_equal(json_string_value(json_object_get(vul, "name")), "CVE-2024-3400");
	json_t *xr = json_array_get(json_object_get(vul, "external_references"), 0);
	assert_string_equal(json_string_value(json_object_get(xr, "source_name")), "cve");
	assert_string_equal(json_string_value(json_object_get(xr, "external_id")), "CVE-2024-3400");

	json_t *note = find_object(objs, "note", "content", "Our mail server was hit.");
	assert_non_null(note);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(note, "object_marking_refs"), 0)),
		red);
	json_t *about = json_array_get(json_object_get(note, "object_refs"), 0);
	assert_string_equal(json_string_value(about),
			    json_string_value(json_object_get(rep, "id")));
	json_decref(b);
	kr_free(text);
}

static void test_export_stable_ids(void **state)
{
	(void)state;
	struct sample s;
	size_t l1, l2, l3;
	sample_init(&s);
	char *a = export_sample(&s, &l1);
	char *b = export_sample(&s, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(a, b, l1);

	/* An edit: same ids, new modified. */
	s.rep.updated += 60000;
	snprintf(s.rep.title, sizeof(s.rep.title), "Phishing wave (update)");
	char *c = export_sample(&s, &l3);
	json_error_t e;
	json_t *ja = json_loadb(a, l1, 0, &e), *jc = json_loadb(c, l3, 0, &e);
	json_t *oa = json_object_get(ja, "objects"), *oc = json_object_get(jc, "objects");
	assert_int_equal(json_array_size(oa), json_array_size(oc));
	for (size_t i = 0; i < json_array_size(oa); i++) {
		json_t *x = json_array_get(oa, i), *y = json_array_get(oc, i);
		const char *type = json_string_value(json_object_get(x, "type"));
		assert_string_equal(json_string_value(json_object_get(x, "id")),
				    json_string_value(json_object_get(y, "id")));
		if (strcmp(type, "report") == 0 || strcmp(type, "indicator") == 0 ||
		    strcmp(type, "vulnerability") == 0)
			assert_string_not_equal(json_string_value(json_object_get(x, "modified")),
						json_string_value(json_object_get(y, "modified")));
	}
	assert_string_not_equal(json_string_value(json_object_get(ja, "id")),
				json_string_value(json_object_get(jc, "id")));
	/* Another report: other ids. */
	snprintf(s.rep.uuid, sizeof(s.rep.uuid), "0b9c7a51-6f0c-4b8e-8d7e-6f3c1e2a9b00");
	char *d = export_sample(&s, &l3);
	json_t *jd = json_loadb(d, l3, 0, &e);
	assert_string_not_equal(
		json_string_value(json_object_get(find_object(oa, "report", NULL, NULL), "id")),
		json_string_value(json_object_get(
			find_object(json_object_get(jd, "objects"), "report", NULL, NULL), "id")));
	json_decref(ja);
	json_decref(jc);
	json_decref(jd);
	kr_free(a);
	kr_free(b);
	kr_free(c);
	kr_free(d);
}

static void test_export_errors(void **state)
{
	(void)state;
	struct sample s;
	struct stix_bundle *b = NULL;
	char *out = (char *)"x";
	size_t len;
	sample_init(&s);
	struct stix_report_in in = sample_in(&s);
	assert_int_equal(stix_bundle_new(&b), 0);
	assert_int_equal(stix_bundle_serialise(b, &out, &len), KR_EINVAL); /* empty */
	assert_null(out);
	in.source = NULL;
	assert_int_equal(stix_bundle_add_report(b, &in), KR_EINVAL);
	in = sample_in(&s);
	snprintf(s.rep.uuid, sizeof(s.rep.uuid), "not-a-uuid");
	assert_int_equal(stix_bundle_add_report(b, &in), KR_EINVAL);
	sample_init(&s);
	in = sample_in(&s);
	snprintf(s.ind[3].value, sizeof(s.ind[3].value), "not a domain");
	assert_int_equal(stix_bundle_add_report(b, &in), KR_EINVAL);
	sample_init(&s);
	in = sample_in(&s);
	snprintf(s.rep.title, sizeof(s.rep.title), "bad \xff utf-8");
	assert_int_equal(stix_bundle_add_report(b, &in), KR_EINVAL);
	stix_bundle_free(b);
}

/* Export, import, export again: the kring items come back and the second
 * export is the first, byte for byte. */
static void test_export_import_round_trip(void **state)
{
	(void)state;
	struct sample s;
	struct stix_import imp;
	struct stix_bundle *b = NULL;
	char err[STIX_ERR_MAX];
	size_t len, len2;
	char *again = NULL;
	sample_init(&s);
	char *text = export_sample(&s, &len);

	assert_int_equal(stix_import(text, len, TLP_AMBER, &imp, err, sizeof(err)), 0);
	assert_int_equal(imp.nobjects, 17);
	assert_int_equal(imp.nreports, 1);
	assert_int_equal(imp.nindicators, 11);
	assert_int_equal(imp.nskipped, 0);
	struct stix_report *r = &imp.reports[0];
	assert_string_equal(r->report.title, s.rep.title);
	assert_string_equal(r->report.body, s.rep.body);
	assert_int_equal(r->report.tlp, TLP_AMBER);
	assert_int_equal(r->report.kind, RK_INCIDENT);
	assert_int_equal(r->report.level, LEVEL_OPERATIONAL);
	assert_int_equal(r->report.created, s.rep.created);
	assert_int_equal(r->report.updated, s.rep.updated);
	assert_int_equal(r->nindicators, 11);
	for (size_t i = 0; i < ARRAY_LEN(s.ind); i++) {
		bool found = false;
		for (size_t k = 0; k < r->nindicators; k++) {
			const struct core_indicator *got = &imp.indicators[r->indicators[k]].ind;
			if (got->type == s.ind[i].type && strcmp(got->value, s.ind[i].value) == 0)
				found = true;
		}
		if (!found)
			fail_msg("indicator %s %s did not come back", ind_type_name(s.ind[i].type),
				 s.ind[i].value);
	}
	assert_string_equal(imp.indicators[0].ind.comment, "C2 server");
	assert_int_equal(imp.indicators[1].ind.first_seen, s.ind[1].first_seen);
	assert_int_equal(imp.indicators[1].ind.valid_until, s.ind[1].valid_until);
	for (size_t i = 0; i < imp.nobjects; i++)
		assert_true(imp.objects[i].tlp_marked ||
			    strcmp(imp.objects[i].type, "identity") == 0 ||
			    strcmp(imp.objects[i].type, "marking-definition") == 0);

	assert_int_equal(stix_bundle_new(&b), 0);
	for (size_t i = 0; i < imp.nobjects; i++)
		assert_int_equal(stix_bundle_add_object(b, &imp.objects[i]), 0);
	assert_int_equal(stix_bundle_serialise(b, &again, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(text, again, len);
	stix_bundle_free(b);
	stix_import_release(&imp);
	kr_free(again);
	kr_free(text);
}

static void test_bundle_dedupe(void **state)
{
	(void)state;
	struct sample s;
	struct stix_bundle *b = NULL;
	sample_init(&s);
	struct stix_report_in in = sample_in(&s);
	in.ncomments = 0;
	assert_int_equal(stix_bundle_new(&b), 0);
	assert_int_equal(stix_bundle_add_report(b, &in), 0);
	size_t n1 = stix_bundle_count(b);
	assert_int_equal(stix_bundle_add_report(b, &in), 0);
	assert_int_equal(stix_bundle_count(b), n1);
	/* A second report of the same organisation shares identity and marking. */
	snprintf(s.rep.uuid, sizeof(s.rep.uuid), "0b9c7a51-6f0c-4b8e-8d7e-6f3c1e2a9b00");
	in.nindicators = 1;
	assert_int_equal(stix_bundle_add_report(b, &in), 0);
	assert_int_equal(stix_bundle_count(b), n1 + 2);
	assert_int_equal(stix_bundle_add_marking(b, TLP_AMBER), 0);
	assert_int_equal(stix_bundle_count(b), n1 + 2);
	const struct stix_object *o = stix_bundle_object(b, 0);
	assert_string_equal(o->type, "marking-definition");
	assert_int_equal(o->tlp, TLP_CLEAR);
	assert_null(stix_bundle_object(b, 1000));
	stix_bundle_free(b);
}

/* ---- import: TLP ---- */

#define ID(t, n) "\"id\":\"" t "--" n "\""
#define COMMON "\"spec_version\":\"2.1\",\"created\":\"2024-01-01T00:00:00.000Z\"," \
	       "\"modified\":\"2024-01-01T00:00:00.000Z\""

/* An indicator for 192.0.2.<n> with the given object markings (NULL-ended)
 * and, when granular is set, one granular marking. */
static json_t *tlp_indicator(int n, const char *const *marks, const char *granular)
{
	char id[64], pattern[64];
	snprintf(id, sizeof(id), "indicator--00000000-0000-4000-8000-%012d", n);
	snprintf(pattern, sizeof(pattern), "[ipv4-addr:value = '192.0.2.%d']", n);
	const char *t0 = "2024-01-01T00:00:00.000Z";
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator",
			      "spec_version", "2.1", "id", id, "created", t0, "modified", t0,
			      "pattern", pattern, "pattern_type", "stix", "valid_from", t0);
	if (marks && marks[0]) {
		json_t *a = json_array();
		for (size_t i = 0; marks[i]; i++)
			json_array_append_new(a, json_string(marks[i]));
		json_object_set_new(o, "object_marking_refs", a);
	}
	if (granular)
		json_object_set_new(o, "granular_markings",
				    json_pack("[{s:s, s:[s]}]", "marking_ref", granular,
					      "selectors", "description"));
	return o;
}

static void test_import_tlp(void **state)
{
	(void)state;
	static const struct {
		const char *marks[3];
		const char *granular;
		enum tlp tlp;
		bool marked;
	} cases[] = {
		{{MD_CLEAR}, NULL, TLP_CLEAR, true},
		{{MD_GREEN}, NULL, TLP_GREEN, true},
		{{MD_AMBER}, NULL, TLP_AMBER, true},
		{{MD_STRICT}, NULL, TLP_AMBER_STRICT, true},
		{{MD_RED}, NULL, TLP_RED, true},
		/* TLP 1.0 ids of STIX 2.1 */
		{{MD1_WHITE}, NULL, TLP_CLEAR, true},
		{{MD1_GREEN}, NULL, TLP_GREEN, true},
		{{MD1_AMBER}, NULL, TLP_AMBER, true},
		{{MD1_RED}, NULL, TLP_RED, true},
		/* no marking: the default */
		{{NULL}, NULL, TLP_AMBER, false},
		/* a TLP marking defined in the bundle under an id of its own */
		{{MD_LOCAL}, NULL, TLP_RED, true},
		/* a statement besides GREEN: GREEN; a statement only: the default */
		{{MD_STATEMENT, MD_GREEN}, NULL, TLP_GREEN, true},
		{{MD_STATEMENT}, NULL, TLP_AMBER, false},
		/* several labels: the strictest */
		{{MD_RED, MD_CLEAR}, NULL, TLP_RED, true},
		/* a stricter granular marking on part of a GREEN object */
		{{MD_GREEN}, MD_STRICT, TLP_AMBER_STRICT, true},
	};
	json_t *objs = json_array();
	json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "type",
					      "marking-definition", "spec_version", "2.1", "id",
					      MD_LOCAL, "created", "2024-01-01T00:00:00Z",
					      "definition_type", "tlp", "definition", "tlp",
					      "red"));
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		json_array_append_new(objs, tlp_indicator((int)i + 1, cases[i].marks,
							  cases[i].granular));
	/* A GREEN report naming CLEAR, GREEN, AMBER and RED indicators and an
	 * identity that is not in the bundle. */
	json_array_append_new(
		objs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s,s,s,s,s,s], s:[s]}",
				"type", "report", "spec_version", "2.1", "id",
				"report--00000000-0000-4000-8000-000000000099", "created",
				"2024-01-01T00:00:00.000Z", "modified", "2024-01-01T00:00:00.000Z",
				"name", "Mixed", "published", "2024-01-01T00:00:00Z", "object_refs",
				"indicator--00000000-0000-4000-8000-000000000001",
				"indicator--00000000-0000-4000-8000-000000000002",
				"indicator--00000000-0000-4000-8000-000000000003",
				"indicator--00000000-0000-4000-8000-000000000005",
				"indicator--00000000-0000-4000-8000-000000000012",
				"identity--00000000-0000-4000-8000-000000000099",
				"object_marking_refs", MD_GREEN));
	json_t *bundle = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id",
				   "bundle--0a5b2c3d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", "objects", objs);
	char *in = json_dumps(bundle, JSON_COMPACT);
	assert_non_null(in);

	struct stix_import imp;
	char err[STIX_ERR_MAX];
	int r = stix_import(in, strlen(in), TLP_AMBER, &imp, err, sizeof(err));
	if (r)
		fail_msg("%s", err);
	assert_int_equal(imp.nobjects, ARRAY_LEN(cases) + 2);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct stix_object *o = &imp.objects[i + 1];
		if (o->tlp != cases[i].tlp || o->tlp_marked != cases[i].marked)
			fail_msg("case %zu: tlp %s marked %d", i, tlp_name(o->tlp), o->tlp_marked);
	}
	assert_int_equal(imp.nindicators, ARRAY_LEN(cases));
	assert_int_equal(imp.indicators[0].tlp, TLP_CLEAR);
	assert_int_equal(imp.indicators[4].tlp, TLP_RED);
	/* The report keeps the indicators not stricter than itself. */
	assert_int_equal(imp.nreports, 1);
	struct stix_report *rep = &imp.reports[0];
	assert_int_equal(rep->report.tlp, TLP_GREEN);
	assert_int_equal(rep->nindicators, 3);
	for (size_t k = 0; k < rep->nindicators; k++)
		assert_true(imp.indicators[rep->indicators[k]].tlp <= TLP_GREEN);
	stix_import_release(&imp);

	/* Another default applies to the unmarked objects only. */
	assert_int_equal(stix_import(in, strlen(in), TLP_RED, &imp, err, sizeof(err)), 0);
	assert_int_equal(imp.objects[10].tlp, TLP_RED);
	assert_int_equal(imp.objects[1].tlp, TLP_CLEAR);
	stix_import_release(&imp);
	free(in);
	json_decref(bundle);
}

/* ---- import: shapes and errors ---- */

static void test_import_shapes(void **state)
{
	(void)state;
	struct stix_import imp;
	char err[STIX_ERR_MAX];
	const char *one = "{\"type\":\"identity\"," COMMON "," ID("identity",
			"8c6af861-7b20-41ef-9b59-6344fd872a8f") ",\"name\":\"X\"}";
	assert_int_equal(stix_import(one, strlen(one), TLP_AMBER, &imp, err, sizeof(err)), 0);
	assert_int_equal(imp.nobjects, 1);
	assert_string_equal(imp.objects[0].id, "identity--8c6af861-7b20-41ef-9b59-6344fd872a8f");
	assert_string_equal(imp.objects[0].type, "identity");
	assert_string_equal(imp.objects[0].version, "2024-01-01T00:00:00.000Z");
	assert_int_equal(imp.objects[0].created, 1704067200000);
	stix_import_release(&imp);

	const char *arr = "[{\"type\":\"ipv4-addr\"," ID("ipv4-addr",
			  "28bb3599-77cd-5a82-a950-b5bc3caf07c4") ",\"value\":\"198.51.100.3\"},"
			  "{\"type\":\"x-custom-thing\"," ID("x-custom-thing",
			  "28bb3599-77cd-5a82-a950-b5bc3caf07c4") ",\"foo\":1}]";
	assert_int_equal(stix_import(arr, strlen(arr), TLP_AMBER, &imp, err, sizeof(err)), 0);
	assert_int_equal(imp.nobjects, 2);
	assert_string_equal(imp.objects[0].version, "");
	assert_int_equal(imp.objects[0].modified, 0);
	stix_import_release(&imp);

	const char *empty = "{\"type\":\"bundle\"," ID("bundle",
			    "0a5b2c3d-1e2f-4a3b-8c4d-5e6f7a8b9c0d") "}";
	assert_int_equal(stix_import(empty, strlen(empty), TLP_AMBER, &imp, err, sizeof(err)), 0);
	assert_int_equal(imp.nobjects, 0);
	stix_import_release(&imp);

	/* Two versions of one object are fine. */
	const char *two = "[{\"type\":\"identity\",\"spec_version\":\"2.1\"," ID("identity",
			  "8c6af861-7b20-41ef-9b59-6344fd872a8f") ",\"created\":"
			  "\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
			  "\"name\":\"X\"},{\"type\":\"identity\",\"spec_version\":\"2.1\","
			  ID("identity", "8c6af861-7b20-41ef-9b59-6344fd872a8f") ",\"created\":"
			  "\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.001Z\","
			  "\"name\":\"Y\"}]";
	assert_int_equal(stix_import(two, strlen(two), TLP_AMBER, &imp, err, sizeof(err)), 0);
	assert_int_equal(imp.nobjects, 2);
	stix_import_release(&imp);
}

/* Short pieces for the error cases below. */
#define U "0a5b2c3d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
#define T0 "\"2024-01-01T00:00:00.000Z\""
#define OBJ(type) "[{\"type\":\"" type "\",\"id\":\"" type "--" U "\","
#define SDO(type) OBJ(type) "\"spec_version\":\"2.1\",\"created\":" T0 ",\"modified\":" T0 ","

static void test_import_errors(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *msg; /* a part of the expected message */
	} v[] = {
		{"", "empty input"},
		{"{\"type\":", "not valid JSON"},
		{"\"just a string\"", "not valid JSON"},
		{"42", "not valid JSON"},
		{"{\"a\":1,\"a\":2}", "duplicate"},
		{"{\"type\":\"bundle\",\"id\":\"bundle--x\",\"objects\":[]}", "bundle: id"},
		{"{\"type\":\"bundle\",\"id\":\"bundle--" U "\",\"spec_version\":\"2.0\"}",
		 "STIX 2.0"},
		{"{\"type\":\"bundle\",\"id\":\"bundle--" U "\",\"objects\":{}}",
		 "objects is not a list"},
		{"[1]", "objects[0]: not a JSON object"},
		{"[{\"type\":\"Bad\",\"id\":\"Bad--" U "\"}]",
		 "type is missing or not a STIX type"},
		{"[{\"type\":\"identity\",\"id\":\"tool--" U "\"}]",
		 "id is missing or not \"identity--<uuid>\""},
		{"[{\"type\":\"identity\","
		 "\"id\":\"identity--0a5b2c3d-1e2f-4a3b-8c4d-5e6f7a8b9c0\"}]",
		 "id is missing"},
		{OBJ("identity") "\"created\":" T0 ",\"modified\":" T0 ",\"name\":\"X\"}]",
		 "spec_version is required"},
		{OBJ("identity") "\"spec_version\":\"2.0\"}]", "spec_version is not \"2.1\""},
		{OBJ("identity") "\"spec_version\":\"2.1\",\"modified\":" T0 ",\"name\":\"X\"}]",
		 "created is required"},
		{SDO("identity") "\"x\":1}]", "name is required (a string)"},
		{OBJ("identity") "\"spec_version\":\"2.1\",\"created\":\"2024-01-01 00:00:00\","
				 "\"modified\":" T0 ",\"name\":\"X\"}]",
		 "created is not a STIX timestamp"},
		{OBJ("identity") "\"spec_version\":\"2.1\",\"created\":"
				 "\"2024-01-01T00:00:00.000+01:00\",\"modified\":" T0 ","
				 "\"name\":\"X\"}]",
		 "created is not a STIX timestamp"},
		{OBJ("identity") "\"spec_version\":\"2.1\",\"created\":\"2024-01-01T00:00:00.5Z\","
				 "\"modified\":\"2024-01-01T00:00:00.49999Z\",\"name\":\"X\"}]",
		 "modified is earlier than created"},
		{SDO("indicator") "\"pattern_type\":\"stix\",\"valid_from\":" T0 "}]",
		 "pattern is required"},
		{SDO("indicator") "\"pattern\":\"[a:b = 'c']\",\"pattern_type\":\"stix\","
				  "\"valid_from\":\"2024-01-02T00:00:00Z\","
				  "\"valid_until\":\"2024-01-01T00:00:00Z\"}]",
		 "valid_until is not later than valid_from"},
		{SDO("report") "\"name\":\"R\",\"published\":" T0 ",\"object_refs\":[]}]",
		 "object_refs is required (a non-empty list)"},
		{SDO("report") "\"name\":\"R\",\"published\":" T0 ",\"object_refs\":[\"x\"]}]",
		 "object_refs is not a list of identifiers"},
		{SDO("malware") "\"is_family\":true}]", "needs a name"},
		{SDO("malware") "\"name\":\"M\"}]", "is_family is required (true or false)"},
		{SDO("relationship") "\"relationship_type\":\"uses\","
				     "\"source_ref\":\"malware--" U "\"}]",
		 "target_ref is required (an identifier)"},
		{SDO("identity") "\"name\":\"X\",\"created_by_ref\":\"tool--" U "\"}]",
		 "created_by_ref is not an identity id"},
		{SDO("identity") "\"name\":\"X\",\"object_marking_refs\":[\"identity--" U "\"]}]",
		 "object_marking_refs"},
		{OBJ("marking-definition") "\"spec_version\":\"2.1\",\"created\":" T0 "}]",
		 "needs definition_type and definition"},
		{OBJ("artifact") "\"payload_bin\":\"not base64!\"}]", "payload_bin is not base64"},
		{OBJ("ipv4-addr") "\"x\":1}]", "value is required"},
		{OBJ("bundle") "\"x\":1}]", "a bundle inside a bundle"},
		{SDO("identity") "\"name\":\"X\"},"
				 "{\"type\":\"identity\",\"id\":\"identity--" U "\","
				 "\"spec_version\":\"2.1\",\"created\":" T0 ",\"modified\":" T0 ","
				 "\"name\":\"Y\"}]",
		 "given twice"},
	};
	struct stix_import imp;
	char err[STIX_ERR_MAX];
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		err[0] = '\0';
		int r = stix_import(v[i].in, strlen(v[i].in), TLP_AMBER, &imp, err, sizeof(err));
		if (r != KR_EINVAL || !strstr(err, v[i].msg))
			fail_msg("case %zu: status %d, message \"%s\", expected \"%s\"", i, r, err,
				 v[i].msg);
		assert_int_equal(imp.nobjects, 0);
		assert_null(imp.objects);
	}
}

static void test_import_limits(void **state)
{
	(void)state;
	struct stix_import imp;
	char err[STIX_ERR_MAX];

	/* Nesting */
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(stix_import(deep, sizeof(deep), TLP_AMBER, &imp, err, sizeof(err)),
			 KR_EINVAL);
	assert_non_null(strstr(err, "nested deeper than 64"));

	/* Size */
	size_t big = STIX_MAX_INPUT + 1;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, ' ', big);
	assert_int_equal(stix_import(huge, big, TLP_AMBER, &imp, err, sizeof(err)), KR_ELIMIT);
	assert_non_null(strstr(err, "larger than 64 MiB"));
	free(huge);

	/* Count: one object more than allowed. */
	const char *obj = "{\"type\":\"x-a\",\"id\":\"x-a--" U "\"},";
	size_t olen = strlen(obj), n = STIX_MAX_OBJECTS + 1;
	char *many = malloc(n * olen + 2);
	assert_non_null(many);
	many[0] = '[';
	for (size_t i = 0; i < n; i++)
		memcpy(many + 1 + i * olen, obj, olen);
	many[n * olen] = ']';
	assert_int_equal(stix_import(many, n * olen + 1, TLP_AMBER, &imp, err, sizeof(err)),
			 KR_ELIMIT);
	assert_non_null(strstr(err, "100001 objects"));
	free(many);

	/* More than kring keeps per report. */
	json_t *objs = json_array();
	json_t *refs = json_array();
	for (int i = 0; i < CORE_INDICATORS_PER_REPORT + 1; i++) {
		char id[80], pat[80];
		snprintf(id, sizeof(id), "indicator--00000000-0000-4000-8000-%012d", i);
		snprintf(pat, sizeof(pat), "[ipv4-addr:value = '10.0.%d.%d']", i / 256, i % 256);
		json_array_append_new(objs, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type",
						      "indicator", "spec_version", "2.1", "id", id,
						      "created", "2024-01-01T00:00:00Z", "modified",
						      "2024-01-01T00:00:00Z", "pattern", pat,
						      "pattern_type", "stix", "valid_from",
						      "2024-01-01T00:00:00Z"));
		json_array_append_new(refs, json_string(id));
	}
	json_array_append_new(objs, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "type", "report",
					      "spec_version", "2.1", "id",
					      "report--00000000-0000-4000-8000-000000000000",
					      "created", "2024-01-01T00:00:00Z", "modified",
					      "2024-01-01T00:00:00Z", "name", "Big", "published",
					      "2024-01-01T00:00:00Z", "object_refs", refs));
	char *text = json_dumps(objs, JSON_COMPACT);
	assert_int_equal(stix_import(text, strlen(text), TLP_AMBER, &imp, err, sizeof(err)),
			 KR_ELIMIT);
	assert_non_null(strstr(err, "more than 1000 indicators"));
	free(text);
	json_decref(objs);
}

/* ---- the public examples ---- */

struct example {
	const char *name; /* path under stix2.1/examples */
	const char *error; /* NULL: valid; else a part of the expected message */
};

/* The examples SOURCES.md lists as not valid STIX 2.1, and why. */
static const struct example invalid_examples[] = {
	{"stix-validator-tests/invalid_braces.json", "not valid JSON"},
	{"stix-validator-tests/invalid_comma.json", "not valid JSON"},
	{"stix-validator-tests/invalid_identity.json", "modified is required"},
	{"stix-validator-tests/invalid_timestamp.json", "modified is earlier than created"},
	{"python-stix2/sco-examples.json", "payload_bin is not base64"},
	{"python-stix2/stix2_data/malware/malware--b42378e0-f147-496f-992a-26a49705395b/"
	 "20170531213215263882.json",
	 "STIX 2.0"},
};

static const char *expected_error(const char *rel)
{
	for (size_t i = 0; i < ARRAY_LEN(invalid_examples); i++) {
		if (strcmp(rel, invalid_examples[i].name) == 0)
			return invalid_examples[i].error;
	}
	return NULL;
}

typedef void (*example_fn)(const char *path, const char *rel, void *ctx);

/* A STIX example: a .json file, but not the table of expected ids. */
static bool is_example(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".json") == 0 &&
	       strcmp(name, "sco-deterministic-ids.json") != 0;
}

static void walk(const char *dir, const char *rel, example_fn fn, void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	assert_non_null(d);
	for (e = readdir(d); e; e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	/* A stable order makes failures reproducible. */
	for (size_t i = 0; i < n; i++) {
		for (size_t k = i + 1; k < n; k++) {
			if (strcmp(names[k], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[k];
				names[k] = t;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		char path[4096], r2[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		snprintf(r2, sizeof(r2), "%s%s%s", rel, rel[0] ? "/" : "", names[i]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			walk(path, r2, fn, ctx);
		else if (is_example(names[i]))
			fn(path, r2, ctx);
		free(names[i]);
	}
	free(names);
}

/* The objects of a STIX document as a list (bundle objects, an array, or
 * one object). */
static json_t *objects_of(json_t *doc)
{
	if (json_is_array(doc))
		return json_incref(doc);
	const char *type = json_string_value(json_object_get(doc, "type"));
	if (type && strcmp(type, "bundle") == 0)
		return json_incref(json_object_get(doc, "objects"));
	json_t *a = json_array();
	json_array_append(a, doc);
	return a;
}

/* True when every object of a has an equal object (same id and version,
 * equal JSON) in b and both have the same number. */
static bool same_objects(json_t *a, json_t *b, char *why, size_t whysz)
{
	if (json_array_size(a) != json_array_size(b)) {
		snprintf(why, whysz, "%zu objects in, %zu out", json_array_size(a),
			 json_array_size(b));
		return false;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *x = json_array_get(a, i);
		bool found = false;
		for (size_t k = 0; k < json_array_size(b) && !found; k++)
			found = json_equal(x, json_array_get(b, k));
		if (!found) {
			snprintf(why, whysz, "%s lost or changed",
				 json_string_value(json_object_get(x, "id")));
			return false;
		}
	}
	return true;
}

struct example_stats {
	int valid, invalid;
	const char *outdir; /* re-exports are written here when set */
	int written;
};

static void check_example(const char *path, const char *rel, void *ctx)
{
	struct example_stats *st = ctx;
	const char *want_error = expected_error(rel);
	struct stix_import imp;
	char err[STIX_ERR_MAX];
	size_t len;
	char *text = slurp(path, &len);
	assert_non_null(text);

	int r = stix_import(text, len, TLP_AMBER, &imp, err, sizeof(err));
	if (want_error) {
		if (r != KR_EINVAL || !strstr(err, want_error))
			fail_msg("%s: expected refusal \"%s\", got %d \"%s\"", rel, want_error, r,
				 err);
		st->invalid++;
		free(text);
		return;
	}
	if (r)
		fail_msg("%s: refused: %s", rel, err);

	/* Re-export what was imported and compare object by object. */
	struct stix_bundle *b = NULL;
	char *out = NULL;
	size_t olen;
	json_error_t je;
	assert_int_equal(stix_bundle_new(&b), 0);
	for (size_t i = 0; i < imp.nobjects; i++)
		assert_int_equal(stix_bundle_add_object(b, &imp.objects[i]), 0);
	assert_int_equal(stix_bundle_serialise(b, &out, &olen), 0);
	json_t *in_doc = json_loadb(text, len, 0, &je);
	json_t *out_doc = json_loadb(out, olen, 0, &je);
	assert_non_null(in_doc);
	assert_non_null(out_doc);
	json_t *a = objects_of(in_doc), *c = objects_of(out_doc);
	char why[512];
	if (!same_objects(a, c, why, sizeof(why)))
		fail_msg("%s: re-export differs: %s", rel, why);
	if (st->outdir) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/reexport-%03d.json", st->outdir, st->written++);
		FILE *f = fopen(p, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(out, 1, olen, f), olen);
		fclose(f);
	}
	json_decref(a);
	json_decref(c);
	json_decref(in_doc);
	json_decref(out_doc);
	kr_free(out);
	stix_bundle_free(b);
	stix_import_release(&imp);
	free(text);
	st->valid++;
}

static void test_examples_round_trip(void **state)
{
	(void)state;
	NEED_INTEROP();
	char dir[4200];
	struct example_stats st = {0, 0, NULL, 0};
	snprintf(dir, sizeof(dir), "%s/stix2.1/examples", interop_dir());
	walk(dir, "", check_example, &st);
	printf("examples: %d valid imported and re-exported equal, %d refused as expected\n",
	       st.valid, st.invalid);
	assert_int_equal(st.invalid, (int)ARRAY_LEN(invalid_examples));
	assert_true(st.valid >= 50);
}

/* The two threat reports become kring reports with their indicators. */
static void test_examples_extraction(void **state)
{
	(void)state;
	NEED_INTEROP();
	static const struct {
		const char *rel;
		size_t indicators, report_indicators;
		const char *title;
	} v[] = {
		{"threat-reports/apt1.json", 10, 10,
		 "APT1: Exposing One of China's Cyber Espionage Units"},
		{"threat-reports/poisonivy.json", 10, 10,
		 "Poison Ivy: Assessing Damage and Extracting Intelligence"},
	};
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		char path[4300];
		size_t len;
		struct stix_import imp;
		char err[STIX_ERR_MAX];
		snprintf(path, sizeof(path), "%s/stix2.1/examples/%s", interop_dir(), v[i].rel);
		char *text = slurp(path, &len);
		assert_non_null(text);
		assert_int_equal(stix_import(text, len, TLP_AMBER, &imp, err, sizeof(err)), 0);
		assert_int_equal(imp.nindicators, v[i].indicators);
		assert_int_equal(imp.nreports, 1);
		assert_string_equal(imp.reports[0].report.title, v[i].title);
		assert_int_equal(imp.reports[0].report.tlp, TLP_AMBER); /* unmarked */
		assert_false(imp.objects[imp.reports[0].object].tlp_marked);
		assert_int_equal(imp.reports[0].nindicators, v[i].report_indicators);
		stix_import_release(&imp);
		free(text);
	}
}

/* ---- schema validation of exported bundles ---- */

static int run_validator(const char *dir_or_files)
{
	const char *script = getenv("KRING_VALIDATE_STIX");
	const char *cache = getenv("KRING_NODE_CACHE");
	char cmd[8192];
	if (!script || !cache)
		return 77;
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s' '%s' %s", script, cache, interop_dir(),
		 dir_or_files);
	int st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void test_schema_validation(void **state)
{
	(void)state;
	NEED_INTEROP();
	char dir[] = "/tmp/kring-stix-XXXXXX";
	char path[256], files[16384];
	size_t len;
	assert_non_null(mkdtemp(dir));
	files[0] = '\0';

	/* The sample report at every TLP, and one without indicators or
	 * comments. */
	for (int t = 0; t < TLP__COUNT; t++) {
		struct sample s;
		sample_init(&s);
		s.rep.tlp = (enum tlp)t;
		s.com[0].tlp = (enum tlp)t;
		char *text = export_sample(&s, &len);
		snprintf(path, sizeof(path), "%s/kring-%s.json", dir, tlp_name((enum tlp)t));
		write_file(path, text, len);
		kr_free(text);
	}
	{
		struct sample s;
		struct stix_bundle *b = NULL;
		char *text = NULL;
		sample_init(&s);
		struct stix_report_in in = sample_in(&s);
		in.nindicators = 0;
		in.ncomments = 0;
		s.rep.body = NULL;
		assert_int_equal(stix_bundle_new(&b), 0);
		assert_int_equal(stix_bundle_add_report(b, &in), 0);
		assert_int_equal(stix_bundle_serialise(b, &text, &len), 0);
		snprintf(path, sizeof(path), "%s/kring-bare.json", dir);
		write_file(path, text, len);
		kr_free(text);
		stix_bundle_free(b);
	}
	/* Re-exports of the public examples. */
	char exdir[4200];
	struct example_stats st = {0, 0, dir, 0};
	snprintf(exdir, sizeof(exdir), "%s/stix2.1/examples", interop_dir());
	walk(exdir, "", check_example, &st);

	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	snprintf(files, sizeof(files), "%s/*.json", dir);
	int r = run_validator(files);
	if (r == 77) {
		assert_int_equal(system(cmd), 0);
		printf("skipped: schema validation (node, npm or ajv not available)\n");
		skip();
	}
	if (r != 0)
		fail_msg("exported bundles in %s do not validate", dir);

	/* The validator itself must be able to fail. */
	/* An indicator without pattern and valid_from. */
	const char *bad = "{\"type\":\"bundle\",\"id\":\"bundle--" U "\",\"objects\":"
			  SDO("indicator") "\"pattern_type\":\"stix\"}]}";
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	write_file(path, bad, strlen(bad));
	assert_int_equal(run_validator(path), 1);
	assert_int_equal(system(cmd), 0);
}

/* ---- allocation failures ---- */

static void test_alloc_failures(void **state)
{
	(void)state;
	struct sample s;
	int ok_export = 0, ok_import = 0;
	sample_init(&s);
	size_t len;
	char *text = export_sample(&s, &len);

	for (long n = 0; n < 2000 && ok_export < 1; n++) {
		struct stix_bundle *b = NULL;
		struct stix_report_in in = sample_in(&s);
		char *out = NULL;
		size_t olen;
		kr_alloc_fail_after(n);
		int r = stix_bundle_new(&b);
		if (!r)
			r = stix_bundle_add_report(b, &in);
		if (!r)
			r = stix_bundle_serialise(b, &out, &olen);
		kr_alloc_fail_after(-1);
		if (r == 0) {
			assert_int_equal(olen, len);
			ok_export++;
		} else {
			assert_int_equal(r, KR_ENOMEM);
		}
		kr_free(out);
		stix_bundle_free(b);
	}
	for (long n = 0; n < 2000 && ok_import < 1; n++) {
		struct stix_import imp;
		char err[STIX_ERR_MAX];
		kr_alloc_fail_after(n);
		int r = stix_import(text, len, TLP_AMBER, &imp, err, sizeof(err));
		kr_alloc_fail_after(-1);
		if (r == 0) {
			assert_int_equal(imp.nobjects, 17);
			ok_import++;
		} else {
			assert_int_equal(r, KR_ENOMEM);
			assert_int_equal(imp.nobjects, 0);
		}
		stix_import_release(&imp);
	}
	assert_int_equal(ok_export, 1);
	assert_int_equal(ok_import, 1);
	kr_free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha1_vectors),
		cmocka_unit_test(test_uuid5),
		cmocka_unit_test(test_jcs),
		cmocka_unit_test(test_sco_ids_inline),
		cmocka_unit_test(test_sco_ids_fixture),
		cmocka_unit_test(test_tlp_markings),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_export_shape),
		cmocka_unit_test(test_export_stable_ids),
		cmocka_unit_test(test_export_errors),
		cmocka_unit_test(test_export_import_round_trip),
		cmocka_unit_test(test_bundle_dedupe),
		cmocka_unit_test(test_import_tlp),
		cmocka_unit_test(test_import_shapes),
		cmocka_unit_test(test_import_errors),
		cmocka_unit_test(test_import_limits),
		cmocka_unit_test(test_examples_round_trip),
		cmocka_unit_test(test_examples_extraction),
		cmocka_unit_test(test_schema_validation),
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
