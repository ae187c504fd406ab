/* test_core.c - the model texts, indicator and e-mail validation, UTF-8
 * checks, admission by vote and representative limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/model.h"
#include "core/rules.h"
#include "util/alloc.h"
#include "util/err.h"

#include "util/banned.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- indicators ---- */

struct ind_ok {
	enum ind_type type;
	const char *in;
	const char *want;
};

static const struct ind_ok valid_indicators[] = {
	{IND_IPV4, "1.2.3.4", "1.2.3.4"},
	{IND_IPV4, "0.0.0.0", "0.0.0.0"},
	{IND_IPV4, "255.255.255.255", "255.255.255.255"},
	{IND_IPV4, "192.168.0.10", "192.168.0.10"},
	{IND_IPV6, "2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
	{IND_IPV6, "::1", "::1"},
	{IND_IPV6, "::", "::"},
	{IND_IPV6, "FE80::A", "fe80::a"},
	{IND_IPV6, "2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"},
	{IND_IPV6, "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"}, /* first of equal runs */
	{IND_IPV6, "2001:0db8:0000:0001:0001:0001:0001:0001", "2001:db8:0:1:1:1:1:1"},
	{IND_IPV6, "::ffff:192.0.2.1", "::ffff:192.0.2.1"},
	{IND_CIDR, "10.1.2.3/24", "10.1.2.0/24"},
	{IND_CIDR, "10.1.2.3/32", "10.1.2.3/32"},
	{IND_CIDR, "10.0.0.1/0", "0.0.0.0/0"},
	{IND_CIDR, "192.168.255.255/20", "192.168.240.0/20"},
	{IND_CIDR, "172.31.255.255/12", "172.16.0.0/12"},
	{IND_CIDR, "2001:DB8:1234::1/32", "2001:db8::/32"},
	{IND_CIDR, "2001:db8::1/128", "2001:db8::1/128"},
	{IND_CIDR, "2001:db8:ffff::/33", "2001:db8:8000::/33"},
	{IND_DOMAIN, "Example.NL.", "example.nl"},
	{IND_DOMAIN, "example.nl", "example.nl"},
	{IND_DOMAIN, "sub.EXAMPLE.co.uk", "sub.example.co.uk"},
	{IND_DOMAIN, "xn--bcher-kva.example", "xn--bcher-kva.example"},
	{IND_DOMAIN, "XN--P1AI.xn--p1ai", "xn--p1ai.xn--p1ai"},
	{IND_DOMAIN, "_dmarc.example.com", "_dmarc.example.com"},
	{IND_DOMAIN, "a-b.c_d.nl", "a-b.c_d.nl"},
	{IND_DOMAIN, "123.example", "123.example"},
	{IND_DOMAIN, "example.a1", "example.a1"},
	{IND_DOMAIN,
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.nl", /* 63 */
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.nl"},
	{IND_URL, "HTTP://Example.COM/Path?Q=1#F", "http://example.com/Path?Q=1#F"},
	{IND_URL, "https://example.com", "https://example.com"},
	{IND_URL, "https://user:pw@Evil.EXAMPLE:8443/x", "https://user:pw@evil.example:8443/x"},
	{IND_URL, "ftp://192.0.2.1/file.bin", "ftp://192.0.2.1/file.bin"},
	{IND_URL, "http://[2001:DB8::1]:8080/", "http://[2001:db8::1]:8080/"},
	{IND_URL, "http://example.nl./a", "http://example.nl/a"},
	{IND_URL, "https://example.com/b\xc3\xbc" "cher?x=%20",
	 "https://example.com/b\xc3\xbc" "cher?x=%20"},
	{IND_URL, "https://example.com?q", "https://example.com?q"},
	{IND_EMAIL, "John.Doe@Example.NL", "John.Doe@example.nl"},
	{IND_EMAIL, "info@example.com", "info@example.com"}, /* a seen address, not an account */
	{IND_EMAIL, "a+b@x.example.", "a+b@x.example"},
	{IND_MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"},
	{IND_SHA1, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
	 "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	{IND_SHA256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
	 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{IND_CVE, "cve-2024-1234", "CVE-2024-1234"},
	{IND_CVE, "CVE-2021-44228", "CVE-2021-44228"},
	{IND_CVE, "CVE-1999-0001", "CVE-1999-0001"},
	{IND_ASN, "AS64500", "64500"},
	{IND_ASN, "as1", "1"},
	{IND_ASN, "64500", "64500"},
	{IND_ASN, "AS4294967295", "4294967295"},
};

struct ind_bad {
	enum ind_type type;
	const char *in;
};

static const struct ind_bad invalid_indicators[] = {
	{IND_IPV4, "256.1.1.1"},
	{IND_IPV4, "1.2.3"},
	{IND_IPV4, "01.2.3.4"},
	{IND_IPV4, "1.2.3.04"},
	{IND_IPV4, "010.1.1.1"},
	{IND_IPV4, "1.2.3.4.5"},
	{IND_IPV4, "1..2.3"},
	{IND_IPV4, "-1.2.3.4"},
	{IND_IPV4, "1.2.3.4 "},
	{IND_IPV4, "a.b.c.d"},
	{IND_IPV4, "0x7f.0.0.1"},
	{IND_IPV4, ""},
	{IND_IPV4, "::1"},
	{IND_IPV6, "::g"},
	{IND_IPV6, "1:2:3:4:5:6:7:8:9"},
	{IND_IPV6, "2001:db8::1::2"},
	{IND_IPV6, "[::1]"},
	{IND_IPV6, "fe80::1%eth0"},
	{IND_IPV6, "1.2.3.4"},
	{IND_IPV6, ""},
	{IND_CIDR, "10.0.0.0/33"},
	{IND_CIDR, "10.0.0.0"},
	{IND_CIDR, "10.0.0.0/"},
	{IND_CIDR, "10.0.0.0/024"},
	{IND_CIDR, "10.0.0.0/-1"},
	{IND_CIDR, "10.0.0.0/2a"},
	{IND_CIDR, "010.0.0.0/8"},
	{IND_CIDR, "2001:db8::/129"},
	{IND_CIDR, "example.com/24"},
	{IND_CIDR, "/24"},
	{IND_DOMAIN, "-bad.nl"},
	{IND_DOMAIN, "bad-.nl"},
	{IND_DOMAIN, "a..b"},
	{IND_DOMAIN, "nl"},
	{IND_DOMAIN, "nl."},
	{IND_DOMAIN, ".example.nl"},
	{IND_DOMAIN, "example.nl.."},
	{IND_DOMAIN, "1.2.3.4"},
	{IND_DOMAIN, "example.123"},
	{IND_DOMAIN, "ex ample.nl"},
	{IND_DOMAIN, "exa$mple.nl"},
	{IND_DOMAIN, "b\xc3\xbc" "cher.example"},
	/* a label of 64 characters */
	{IND_DOMAIN, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.nl"},
	{IND_DOMAIN, ""},
	{IND_DOMAIN, "."},
	{IND_URL, "javascript:alert(1)"},
	{IND_URL, "JavaScript://example.com/%0aalert(1)"},
	{IND_URL, "mailto:a@example.nl"},
	{IND_URL, "gopher://example.com/"},
	{IND_URL, "http:/example.com"},
	{IND_URL, "example.com/path"},
	{IND_URL, "http://exa mple.com/"},
	{IND_URL, "http://example.com/a b"},
	{IND_URL, " http://example.com/"},
	{IND_URL, "http://example.com/\t"},
	{IND_URL, "http://example.com/\x7f"},
	{IND_URL, "http://"},
	{IND_URL, "http:///path"},
	{IND_URL, "http://user@/path"},
	{IND_URL, "http://example.com:0/"},
	{IND_URL, "http://example.com:65536/"},
	{IND_URL, "http://example.com:/"},
	{IND_URL, "http://example.com:8o/"},
	{IND_URL, "http://256.1.1.1/"},
	{IND_URL, "http://01.2.3.4/"},
	{IND_URL, "http://[::g]/"},
	{IND_URL, "http://[::1/"},
	{IND_URL, "http://[::1]x/"},
	{IND_URL, "http://b\xc3\xbc" "cher.example/"},
	{IND_URL, "http://localhost/"},
	{IND_URL, "http://example.com/\xc3"},
	{IND_EMAIL, "a@b"},
	{IND_EMAIL, "ab.nl"},
	{IND_EMAIL, "a@@b.nl"},
	{IND_EMAIL, "a@b@c.nl"},
	{IND_EMAIL, "@example.nl"},
	{IND_EMAIL, ".a@example.nl"},
	{IND_EMAIL, "a.@example.nl"},
	{IND_EMAIL, "a..b@example.nl"},
	{IND_EMAIL, "a b@example.nl"},
	{IND_EMAIL, "\"a\"@example.nl"},
	{IND_EMAIL, "a@-b.nl"},
	{IND_EMAIL, "a@example"},
	{IND_EMAIL, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.nl"},
	{IND_MD5, "d41d8cd98f00b204e9800998ecf8427"},
	{IND_MD5, "d41d8cd98f00b204e9800998ecf8427e0"},
	{IND_MD5, "g41d8cd98f00b204e9800998ecf8427e"},
	{IND_MD5, ""},
	{IND_SHA1, "d41d8cd98f00b204e9800998ecf8427e"},
	{IND_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd8070z"},
	{IND_SHA256, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	{IND_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85 "},
	{IND_CVE, "CVE-24-1"},
	{IND_CVE, "CVE-2024-123"},
	{IND_CVE, "CVE-2024-01234"},
	{IND_CVE, "CVE2024-1234"},
	{IND_CVE, "CVE-2024-12a4"},
	{IND_CVE, "CVE-1998-0001"},
	{IND_CVE, "CVE-2024-1234 "},
	{IND_CVE, "2024-1234"},
	{IND_ASN, "AS0"},
	{IND_ASN, "0"},
	{IND_ASN, "AS4294967296"},
	{IND_ASN, "AS99999999999"},
	{IND_ASN, "AS"},
	{IND_ASN, "AS-1"},
	{IND_ASN, "AS 1"},
	{IND_ASN, "AS01"},
	{IND_ASN, "ASN1"},
	{IND_ASN, "AS1.5"},
	{IND_ASN, ""},
};

static void test_indicators_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(valid_indicators); i++) {
		const struct ind_ok *c = &valid_indicators[i];
		char out[CORE_INDICATOR_MAX + 1];
		const char *why = NULL;
		int r = core_indicator_normalise(c->type, c->in, out, &why);
		if (r != 0 || strcmp(out, c->want) != 0)
			print_error("%s \"%s\": r=%d out=\"%s\" why=%s\n", ind_type_name(c->type),
				    c->in, r, r ? "" : out, why ? why : "-");
		assert_int_equal(r, 0);
		assert_string_equal(out, c->want);
		/* The normal form is a fixed point. */
		char again[CORE_INDICATOR_MAX + 1];
		assert_int_equal(core_indicator_normalise(c->type, out, again, &why), 0);
		assert_string_equal(again, out);
	}
}

static void test_indicators_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(invalid_indicators); i++) {
		const struct ind_bad *c = &invalid_indicators[i];
		char out[CORE_INDICATOR_MAX + 1];
		const char *why = NULL;
		int r = core_indicator_normalise(c->type, c->in, out, &why);
		if (r != KR_EINVAL)
			print_error("%s \"%s\" was accepted as \"%s\"\n", ind_type_name(c->type),
				    c->in, out);
		assert_int_equal(r, KR_EINVAL);
		assert_non_null(why);
		assert_true(strlen(why) > 5);
	}
}

static void test_indicators_limits(void **state)
{
	(void)state;
	char in[CORE_URL_MAX + 16];
	char out[CORE_INDICATOR_MAX + 1];
	const char *why = NULL;

	/* A URL of exactly CORE_URL_MAX bytes passes, one more does not. */
	const char *prefix = "https://example.com/";
	size_t plen = strlen(prefix);
	memcpy(in, prefix, plen);
	memset(in + plen, 'a', CORE_URL_MAX - plen);
	in[CORE_URL_MAX] = '\0';
	assert_int_equal(core_indicator_normalise(IND_URL, in, out, &why), 0);
	assert_int_equal(strlen(out), CORE_URL_MAX);
	in[CORE_URL_MAX] = 'a';
	in[CORE_URL_MAX + 1] = '\0';
	assert_int_equal(core_indicator_normalise(IND_URL, in, out, &why), KR_EINVAL);

	/* Domains: 253 characters pass (also with the trailing dot), 254 do not. */
	char dom[300];
	size_t n = 0;
	for (int label = 0; label < 4; label++) {
		memset(dom + n, 'a' + label, 62);
		n += 62;
		dom[n++] = '.';
	}
	/* 4 * 63 = 252 so far; one more letter makes 253. */
	dom[n++] = 'z';
	dom[n] = '\0';
	assert_int_equal(strlen(dom), 253);
	assert_int_equal(core_indicator_normalise(IND_DOMAIN, dom, out, &why), 0);
	assert_string_equal(out, dom);
	dom[n] = '.';
	dom[n + 1] = '\0';
	assert_int_equal(core_indicator_normalise(IND_DOMAIN, dom, out, &why), 0);
	dom[n] = 'z';
	dom[n + 1] = '\0';
	assert_int_equal(core_indicator_normalise(IND_DOMAIN, dom, out, &why), KR_EINVAL);

	/* Bad arguments and unknown types are refused, not crashed on. */
	why = NULL;
	assert_int_equal(core_indicator_normalise(IND_IPV4, NULL, out, &why), KR_EINVAL);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(core_indicator_normalise(IND__COUNT, "1.2.3.4", out, &why), KR_EINVAL);
	assert_non_null(why);
	assert_int_equal(core_indicator_normalise(IND_IPV4, "1.2.3", out, NULL), KR_EINVAL);
}

/* ---- UTF-8 ---- */

struct utf8_case {
	const char *s;
	size_t len;
	bool newlines;
	bool want;
};

#define U(lit, nl, want) {lit, sizeof(lit) - 1, nl, want}

static const struct utf8_case utf8_cases[] = {
	U("", false, true),
	U("hello, world", false, true),
	U("gr\xc3\xbc\xc3\x9f" "e", false, true),       /* U+00FC U+00DF */
	U("\xe2\x82\xac 10", false, true),              /* euro sign */
	U("\xf0\x9f\x98\x80", false, true),             /* U+1F600 */
	U("\xf4\x8f\xbf\xbf", false, true),             /* U+10FFFF */
	U("\xef\xbf\xbf", false, true),                 /* U+FFFF */
	U("\xc2\x80", false, true),                     /* U+0080, smallest 2-byte */
	U("\xe0\xa0\x80", false, true),                 /* U+0800, smallest 3-byte */
	U("\xf0\x90\x80\x80", false, true),             /* U+10000, smallest 4-byte */
	U("\xed\x9f\xbf", false, true),                 /* U+D7FF, just below surrogates */
	U("\xee\x80\x80", false, true),                 /* U+E000, just above */
	U("a\tb", false, true),
	U("a\nb", false, false),
	U("a\nb", true, true),
	U("a\r\nb", false, false),
	U("a\r\nb", true, true),
	/* overlong encodings */
	U("\xc0\xaf", false, false),
	U("\xc1\xbf", false, false),
	U("\xc0\x80", false, false), /* overlong NUL */
	U("\xe0\x80\xaf", false, false),
	U("\xe0\x9f\xbf", false, false),
	U("\xf0\x80\x80\xaf", false, false),
	U("\xf0\x8f\xbf\xbf", false, false),
	/* UTF-16 surrogates */
	U("\xed\xa0\x80", false, false),
	U("\xed\xbf\xbf", false, false),
	U("\xed\xa0\xbd\xed\xb8\x80", false, false), /* surrogate pair spelled out */
	/* above U+10FFFF and never-valid bytes */
	U("\xf4\x90\x80\x80", false, false),
	U("\xf5\x80\x80\x80", false, false),
	U("\xf8\x88\x80\x80\x80", false, false),
	U("\xfe", false, false),
	U("\xff", false, false),
	/* truncated sequences */
	U("\xc3", false, false),
	U("\xe2\x82", false, false),
	U("\xf0\x9f\x98", false, false),
	U("abc\xe2", false, false),
	U("\xc3 x", false, false),
	/* stray or wrong continuation bytes */
	U("\x80", false, false),
	U("a\xbf", false, false),
	U("\xc3\x41", false, false),
	U("\xe2\x28\xa1", false, false),
	U("\xe2\x82\x41", false, false),
	U("\xf0\x9f\x98\x41", false, false),
	/* NUL and control characters */
	U("a\0b", false, false),
	U("a\0b", true, false),
	U("\x01", true, false),
	U("\x1b[31mred", true, false),
	U("\x1f", true, false),
	U("\x7f", true, false),
	U("\x0b", true, false),
	U("\x0c", true, false),
};

static void test_utf8(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(utf8_cases); i++) {
		const struct utf8_case *c = &utf8_cases[i];
		bool got = core_utf8_valid(c->s, c->len, c->newlines);
		if (got != c->want)
			print_error("utf8 case %zu: got %d want %d\n", i, got, c->want);
		assert_true(got == c->want);
	}
	assert_true(core_utf8_valid(NULL, 0, false));
	assert_false(core_utf8_valid(NULL, 1, false));
	/* len is honoured: bytes after it are not looked at, and a sequence cut
	 * by len is truncated even when the bytes after it would complete it. */
	assert_true(core_utf8_valid("ab\xff", 2, false));
	assert_false(core_utf8_valid("\xc3\xa9", 1, false));
	assert_false(core_utf8_valid("\xe2\x82\xac", 2, false));
	assert_false(core_utf8_valid("\xf0\x9f\x98\x80", 3, false));
	assert_true(core_utf8_valid("\xf0\x9f\x98\x80", 4, false));
}

/* ---- personal e-mail addresses ---- */

struct email_case {
	const char *in;
	const char *want; /* NULL: must be refused */
};

static const struct email_case email_cases[] = {
	{"Jan.Jansen@Example.NL", "jan.jansen@example.nl"},
	{"j.doe+kring@ministerie.example.", "j.doe+kring@ministerie.example"},
	{"information@example.nl", "information@example.nl"},
	{"socrates@example.nl", "socrates@example.nl"},
	{"certified.person@example.nl", "certified.person@example.nl"},
	{"info@example.nl", NULL},
	{"INFO@example.nl", NULL},
	{"info+alerts@example.nl", NULL},
	{"security@example.nl", NULL},
	{"Abuse@example.nl", NULL},
	{"admin@example.nl", NULL},
	{"postmaster@example.nl", NULL},
	{"noreply@example.nl", NULL},
	{"no-reply@example.nl", NULL},
	{"helpdesk@example.nl", NULL},
	{"support@example.nl", NULL},
	{"contact@example.nl", NULL},
	{"office@example.nl", NULL},
	{"soc@example.nl", NULL},
	{"cert@example.nl", NULL},
	{"CSIRT@example.nl", NULL},
	{"jan@example", NULL},
	{"jan.example.nl", NULL},
	{"jan@@example.nl", NULL},
	{"jan..jansen@example.nl", NULL},
	{"jan jansen@example.nl", NULL},
	{"jan@exa mple.nl", NULL},
	{"", NULL},
};

static void test_email(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(email_cases); i++) {
		const struct email_case *c = &email_cases[i];
		char out[CORE_EMAIL_MAX + 1];
		const char *why = NULL;
		int r = core_email_normalise(c->in, out, &why);
		if ((r == 0) != (c->want != NULL))
			print_error("e-mail \"%s\": r=%d why=%s\n", c->in, r, why ? why : "-");
		if (c->want) {
			assert_int_equal(r, 0);
			assert_string_equal(out, c->want);
		} else {
			assert_int_equal(r, KR_EINVAL);
			assert_non_null(why);
		}
	}
	const char *why = NULL;
	char out[CORE_EMAIL_MAX + 1];
	assert_int_equal(core_email_normalise(NULL, out, &why), KR_EINVAL);
	assert_non_null(why);

	/* 254 characters is the limit, and what fits is written in full. */
	char in[300];
	memset(in, 'a', 64);
	in[64] = '@';
	size_t n = 65;
	for (int label = 0; label < 3; label++) {
		memset(in + n, 'b', 60);
		n += 60;
		in[n++] = '.';
	}
	memcpy(in + n, "abcdef", 7);
	n += 6;
	assert_int_equal(n, 254);
	assert_int_equal(core_email_normalise(in, out, &why), 0);
	assert_string_equal(out, in);
	memcpy(in + n, "g", 2);
	assert_int_equal(core_email_normalise(in, out, &why), KR_EINVAL);
	/* A local part over 64 characters is refused even when the whole fits. */
	char longlocal[80];
	memset(longlocal, 'a', 65);
	memcpy(longlocal + 65, "@example.nl", 12);
	assert_int_equal(core_email_normalise(longlocal, out, &why), KR_EINVAL);
}

/* ---- enum texts ---- */

typedef int (*parse_fn)(const char *);

struct enum_case {
	const char *what;
	parse_fn parse;
	const char *(*name)(int);
	int count;
};

/* The name functions take their enum; call them through int wrappers. */
#define WRAP(fn, type)                                                                             \
	static const char *fn##_i(int v)                                                           \
	{                                                                                          \
		return fn((type)v);                                                                \
	}
WRAP(tlp_name, enum tlp)
WRAP(org_kind_name, enum org_kind)
WRAP(nis2_name, enum nis2)
WRAP(lang_name, enum lang)
WRAP(community_kind_name, enum community_kind)
WRAP(membership_status_name, enum membership_status)
WRAP(rep_kind_name, enum rep_kind)
WRAP(role_name, enum role)
WRAP(report_kind_name, enum report_kind)
WRAP(level_name, enum level)
WRAP(ind_type_name, enum ind_type)
WRAP(app_status_name, enum app_status)
WRAP(audit_action_name, enum audit_action)

static const struct enum_case enums[] = {
	{"tlp", tlp_parse, tlp_name_i, TLP__COUNT},
	{"org_kind", org_kind_parse, org_kind_name_i, ORG_KIND__COUNT},
	{"nis2", nis2_parse, nis2_name_i, NIS2__COUNT},
	{"lang", lang_parse, lang_name_i, LANG__COUNT},
	{"community_kind", community_kind_parse, community_kind_name_i, COMM_KIND__COUNT},
	{"membership_status", membership_status_parse, membership_status_name_i, MS__COUNT},
	{"rep_kind", rep_kind_parse, rep_kind_name_i, REP__COUNT},
	{"role", role_parse, role_name_i, ROLE__COUNT},
	{"report_kind", report_kind_parse, report_kind_name_i, RK__COUNT},
	{"level", level_parse, level_name_i, LEVEL__COUNT},
	{"ind_type", ind_type_parse, ind_type_name_i, IND__COUNT},
	{"app_status", app_status_parse, app_status_name_i, APP__COUNT},
	{"audit_action", audit_action_parse, audit_action_name_i, AUDIT_LOGOUT + 1},
};

static void test_enum_round_trips(void **state)
{
	(void)state;
	for (size_t e = 0; e < ARRAY_LEN(enums); e++) {
		const struct enum_case *c = &enums[e];
		for (int v = 0; v < c->count; v++) {
			const char *name = c->name(v);
			assert_non_null(name);
			assert_int_equal(c->parse(name), v);
			/* Parsing ignores case. */
			char up[64];
			size_t n = strlen(name);
			assert_true(n < sizeof(up));
			for (size_t i = 0; i <= n; i++)
				up[i] = (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 32)
									   : name[i];
			assert_int_equal(c->parse(up), v);
		}
		assert_string_equal(c->name(c->count), "unknown");
		assert_string_equal(c->name(-1), "unknown");
		assert_int_equal(c->parse(NULL), -1);
		assert_int_equal(c->parse(""), -1);
		assert_int_equal(c->parse("nonsense"), -1);
	}
}

static void test_enum_texts(void **state)
{
	(void)state;
	assert_string_equal(tlp_name(TLP_CLEAR), "CLEAR");
	assert_string_equal(tlp_name(TLP_AMBER_STRICT), "AMBER+STRICT");
	assert_string_equal(tlp_name(TLP_RED), "RED");
	assert_int_equal(tlp_parse("TLP:AMBER"), TLP_AMBER);
	assert_int_equal(tlp_parse("tlp:amber+strict"), TLP_AMBER_STRICT);
	assert_int_equal(tlp_parse("Amber+Strict"), TLP_AMBER_STRICT);
	assert_int_equal(tlp_parse("TLP:CLEAR"), TLP_CLEAR);
	assert_int_equal(tlp_parse("green"), TLP_GREEN);
	assert_int_equal(tlp_parse("AMBER_STRICT"), -1);
	assert_int_equal(tlp_parse("AMBER STRICT"), -1);
	assert_int_equal(tlp_parse("WHITE"), -1);
	assert_int_equal(tlp_parse("TLP:"), -1);
	assert_int_equal(tlp_parse("TLP:TLP:RED"), -1);
	assert_int_equal(tlp_parse(" RED"), -1);
	assert_int_equal(tlp_parse("RED "), -1);
	assert_int_equal(tlp_parse("TLP-RED"), -1);
	assert_true(TLP_CLEAR < TLP_GREEN && TLP_GREEN < TLP_AMBER &&
		    TLP_AMBER < TLP_AMBER_STRICT && TLP_AMBER_STRICT < TLP_RED);

	assert_int_equal(role_parse("vice-chair"), ROLE_VICE_CHAIR);
	assert_int_equal(role_parse("vice_chair"), -1);
	assert_string_equal(role_name(ROLE_CHAIR), "chair");
	assert_int_equal(audit_action_parse("login-failed"), AUDIT_LOGIN_FAILED);
	assert_string_equal(ind_type_name(IND_SHA256), "sha256");
	assert_string_equal(org_kind_name(ORG_CSIRT), "csirt");
	assert_string_equal(membership_status_name(MS_LEFT), "left");
	assert_string_equal(app_status_name(APP_WITHDRAWN), "withdrawn");
	assert_string_equal(report_kind_name(RK_QUESTION), "question");
	assert_string_equal(level_name(LEVEL_TECHNICAL), "technical");
	assert_string_equal(nis2_name(NIS2_ESSENTIAL), "essential");
	assert_string_equal(lang_name(LANG_EN), "en");
	assert_string_equal(community_kind_name(COMM_CHAIN), "chain");
	assert_string_equal(rep_kind_name(REP_BACKUP), "backup");

	assert_true(core_comment_tlp_ok(TLP_GREEN, TLP_RED));
	assert_true(core_comment_tlp_ok(TLP_AMBER, TLP_AMBER));
	assert_false(core_comment_tlp_ok(TLP_AMBER, TLP_GREEN));
}

static void test_release(void **state)
{
	(void)state;
	struct core_community c = {0};
	c.description = kr_strdup("a community");
	c.guidelines = kr_strdup("# Rules");
	assert_non_null(c.description);
	core_community_release(&c);
	assert_null(c.description);
	assert_null(c.guidelines);
	core_community_release(&c); /* twice is harmless */
	core_community_release(NULL);

	struct core_report r = {0};
	r.body = kr_strdup("body");
	core_report_release(&r);
	assert_null(r.body);
	core_report_release(&r);
	core_report_release(NULL);

	struct core_comment cm = {0};
	cm.body = kr_strdup("comment");
	core_comment_release(&cm);
	assert_null(cm.body);
	core_comment_release(&cm);
	core_comment_release(NULL);
	/* Leaks would be reported by the address sanitizer at exit. */
}

/* ---- admission ---- */

#define YES(org) {.voter_org_id = (org), .vote = VOTE_YES}
#define NO(org) {.voter_org_id = (org), .vote = VOTE_NO}

static void test_admission(void **state)
{
	(void)state;
	const int64_t three[] = {1, 2, 3};
	const int64_t one[] = {7};

	/* No members: nobody is admitted by vote. */
	const struct core_vote outsiders[] = {YES(5), YES(6)};
	assert_int_equal(core_admission_outcome(NULL, 0, outsiders, 2), APP_PENDING);
	assert_int_equal(core_admission_outcome(three, 0, outsiders, 2), APP_PENDING);

	assert_int_equal(core_admission_outcome(three, 3, NULL, 0), APP_PENDING);

	const struct core_vote two_yes[] = {YES(1), YES(3)};
	assert_int_equal(core_admission_outcome(three, 3, two_yes, 2), APP_PENDING);

	const struct core_vote all_yes[] = {YES(3), YES(1), YES(2)};
	assert_int_equal(core_admission_outcome(three, 3, all_yes, 3), APP_ADMITTED);

	const struct core_vote one_no[] = {YES(1), NO(2)};
	assert_int_equal(core_admission_outcome(three, 3, one_no, 2), APP_REJECTED);
	const struct core_vote only_no[] = {NO(3)};
	assert_int_equal(core_admission_outcome(three, 3, only_no, 1), APP_REJECTED);
	const struct core_vote yes_then_no[] = {YES(1), YES(2), YES(3), NO(2)};
	assert_int_equal(core_admission_outcome(three, 3, yes_then_no, 4), APP_REJECTED);

	/* Votes of organisations that are not (or no longer) members are ignored. */
	const struct core_vote outsider_no[] = {YES(1), YES(2), NO(9)};
	assert_int_equal(core_admission_outcome(three, 3, outsider_no, 3), APP_PENDING);
	const struct core_vote outsider_no_all_yes[] = {NO(9), YES(1), YES(2), YES(3)};
	assert_int_equal(core_admission_outcome(three, 3, outsider_no_all_yes, 4), APP_ADMITTED);
	const struct core_vote outsider_yes[] = {YES(1), YES(2), YES(9)};
	assert_int_equal(core_admission_outcome(three, 3, outsider_yes, 3), APP_PENDING);

	/* Two votes of one organisation do not stand in for another member. */
	const struct core_vote twice[] = {YES(1), YES(1), YES(2)};
	assert_int_equal(core_admission_outcome(three, 3, twice, 3), APP_PENDING);

	const struct core_vote single[] = {YES(7)};
	assert_int_equal(core_admission_outcome(one, 1, single, 1), APP_ADMITTED);
}

/* ---- representative limits ---- */

#define REP(person, org, k, r)                                                                     \
	{.community_id = 10, .person_id = (person), .org_id = (org), .kind = (k), .role = (r)}

static void test_rep_limits(void **state)
{
	(void)state;
	const char *why = NULL;
	const struct core_representative two_primaries[] = {
		REP(1, 100, REP_PRIMARY, ROLE_CHAIR),
		REP(2, 100, REP_PRIMARY, ROLE_MEMBER),
		REP(4, 100, REP_BACKUP, ROLE_MEMBER),
		REP(5, 100, REP_BACKUP, ROLE_MEMBER),
		REP(6, 100, REP_BACKUP, ROLE_MEMBER),
		REP(7, 101, REP_PRIMARY, ROLE_SECRETARY),
	};
	size_t n = ARRAY_LEN(two_primaries);

	/* A third primary of one organisation is refused. */
	struct core_representative next = REP(3, 100, REP_PRIMARY, ROLE_MEMBER);
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), KR_ECONFLICT);
	assert_non_null(why);

	/* Backups are unlimited. */
	why = NULL;
	next = (struct core_representative)REP(3, 100, REP_BACKUP, ROLE_MEMBER);
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), 0);
	assert_null(why);

	/* Another organisation has its own count. */
	next = (struct core_representative)REP(8, 101, REP_PRIMARY, ROLE_MEMBER);
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), 0);

	/* max_primary 1: a second primary is refused, the first is fine. */
	const struct core_representative one_primary[] = {REP(1, 100, REP_PRIMARY, ROLE_MEMBER)};
	next = (struct core_representative)REP(2, 100, REP_PRIMARY, ROLE_MEMBER);
	assert_int_equal(core_rep_check(one_primary, 1, &next, 1, &why), KR_ECONFLICT);
	assert_int_equal(core_rep_check(NULL, 0, &next, 1, &why), 0);
	assert_int_equal(core_rep_check(one_primary, 1, &next, 2, &why), 0);

	/* Replacing a person's own row: the primary stays within the limit. */
	next = (struct core_representative)REP(2, 100, REP_PRIMARY, ROLE_VICE_CHAIR);
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), 0);
	next = (struct core_representative)REP(1, 100, REP_PRIMARY, ROLE_CHAIR);
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), 0);
	/* A backup becoming primary does count against the limit. */
	next = (struct core_representative)REP(4, 100, REP_PRIMARY, ROLE_MEMBER);
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), KR_ECONFLICT);

	/* One chair, one vice-chair, one secretary per community. */
	why = NULL;
	next = (struct core_representative)REP(8, 102, REP_PRIMARY, ROLE_CHAIR);
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), KR_ECONFLICT);
	assert_non_null(why);
	next = (struct core_representative)REP(8, 102, REP_BACKUP, ROLE_SECRETARY);
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), KR_ECONFLICT);
	next = (struct core_representative)REP(8, 102, REP_PRIMARY, ROLE_VICE_CHAIR);
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), 0);
	/* Many plain members are fine. */
	next = (struct core_representative)REP(8, 102, REP_PRIMARY, ROLE_MEMBER);
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), 0);
	/* The chair handing the role to a colleague needs the old row changed first. */
	next = (struct core_representative)REP(2, 100, REP_PRIMARY, ROLE_CHAIR);
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), KR_ECONFLICT);

	/* Rows of another community do not count. */
	struct core_representative elsewhere[] = {REP(1, 100, REP_PRIMARY, ROLE_CHAIR),
						  REP(2, 100, REP_PRIMARY, ROLE_MEMBER)};
	elsewhere[0].community_id = 11;
	elsewhere[1].community_id = 11;
	next = (struct core_representative)REP(3, 100, REP_PRIMARY, ROLE_CHAIR);
	assert_int_equal(core_rep_check(elsewhere, 2, &next, 2, &why), 0);

	/* Malformed input. */
	assert_int_equal(core_rep_check(two_primaries, n, NULL, 2, &why), KR_EINVAL);
	next = (struct core_representative)REP(3, 100, REP_PRIMARY, ROLE_MEMBER);
	next.role = ROLE__COUNT;
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), KR_EINVAL);
	next.role = ROLE_MEMBER;
	next.kind = REP__COUNT;
	assert_int_equal(core_rep_check(two_primaries, n, &next, 2, &why), KR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_indicators_valid),
		cmocka_unit_test(test_indicators_invalid),
		cmocka_unit_test(test_indicators_limits),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_enum_round_trips),
		cmocka_unit_test(test_enum_texts),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_admission),
		cmocka_unit_test(test_rep_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
