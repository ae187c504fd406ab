/* test_web.c - the building blocks of the web interface: the template
 * engine (escaping everywhere but {{raw}}, sections, loops, partials,
 * syntax errors), the message catalogues (lookups, both languages with the
 * same keys, every key the templates and pages use), dates in Amsterdam
 * time, TOTP against the RFC 6238 test vectors, base32, otpauth URIs, QR
 * SVGs, form decoding, the CSRF decision, the embedded templates (no inline
 * script or style, so the CSP holds) and the store functions of the web. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "core/model.h"
#include "store/store.h"
#include "store/store_web.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "web/blobs.h"
#include "web/form.h"
#include "web/i18n.h"
#include "web/qr.h"
#include "web/totp.h"
#include "web/tpl.h"
#include "web/web_int.h"

#include "util/banned.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- template engine ---- */

static const char *test_text(void *arg, const char *key)
{
	(void)arg;
	if (strcmp(key, "greet") == 0)
		return "Hello {1} & {2}!";
	if (strcmp(key, "plain") == 0)
		return "<b>not markup</b>";
	return NULL;
}

/* Renders one template text with ctx (JSON text) into a static buffer. */
static const char *render(const char *tpl, const char *ctx_json)
{
	static char out[8192];
	struct web_tpl_set *set = NULL;
	struct strbuf sb;
	char err[256];
	json_error_t je;
	json_t *ctx = json_loads(ctx_json, 0, &je);
	assert_non_null(ctx);
	assert_int_equal(web_tpl_set_new(&set), 0);
	int r = web_tpl_set_add(set, "t", tpl, strlen(tpl), err, sizeof err);
	if (r)
		fail_msg("template: %s", err);
	assert_int_equal(web_tpl_set_add(set, "part", "[{{name}}]", 10, err, sizeof err), 0);
	strbuf_init(&sb, 0);
	assert_int_equal(web_tpl_render(set, "t", ctx, test_text, NULL, &sb), 0);
	snprintf(out, sizeof out, "%s", sb.buf ? sb.buf : "");
	strbuf_release(&sb);
	web_tpl_set_free(set);
	json_decref(ctx);
	return out;
}

static void tpl_escapes_values(void **state)
{
	(void)state;
	assert_string_equal(render("<p title=\"{{v}}\">{{v}}</p>",
				   "{\"v\": \"<script>alert('x')</script> & \\\"q\\\"\"}"),
			    "<p title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
			    "&quot;q&quot;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
			    "&quot;q&quot;</p>");
	/* An attribute cannot be broken out of. */
	assert_string_equal(render("<a href=\"/r/{{v}}\">", "{\"v\": \"\\\" onclick=\\\"x\"}"),
			    "<a href=\"/r/&quot; onclick=&quot;x\">");
	/* raw is the only way to keep markup */
	assert_string_equal(render("{{raw h}}|{{h}}", "{\"h\": \"<em>x</em>\"}"),
			    "<em>x</em>|&lt;em&gt;x&lt;/em&gt;");
}

static void tpl_values_and_paths(void **state)
{
	(void)state;
	assert_string_equal(render("{{a.b.c}}-{{n}}-{{yes}}-{{f}}-{{z}}-{{missing}}",
				   "{\"a\":{\"b\":{\"c\":\"deep\"}},\"n\":42,\"yes\":true,"
				   "\"f\":false,\"z\":null}"),
			    "deep-42-true---");
	assert_string_equal(render("{{a.x.y}}", "{\"a\":{\"b\":1}}"), "");
}

static void tpl_sections(void **state)
{
	(void)state;
	const char *t = "{{#if x}}yes{{else}}no{{/if}}/{{#unless x}}U{{/unless}}";
	assert_string_equal(render(t, "{\"x\": 1}"), "yes/");
	assert_string_equal(render(t, "{\"x\": 0}"), "no/U");
	assert_string_equal(render(t, "{\"x\": \"\"}"), "no/U");
	assert_string_equal(render(t, "{\"x\": []}"), "no/U");
	assert_string_equal(render(t, "{\"x\": [0]}"), "yes/");
	assert_string_equal(render(t, "{\"x\": {}}"), "yes/");
	assert_string_equal(render(t, "{}"), "no/U");
}

static void tpl_each_and_scopes(void **state)
{
	(void)state;
	const char *t = "{{#each items}}<{{name}}:{{outer}}>{{else}}empty{{/each}}";
	assert_string_equal(render(t, "{\"outer\":\"o\",\"items\":[{\"name\":\"a\"},"
				      "{\"name\":\"<b>\",\"outer\":\"inner\"}]}"),
			    "<a:o><&lt;b&gt;:inner>");
	assert_string_equal(render(t, "{\"items\": []}"), "empty");
	assert_string_equal(render(t, "{}"), "empty");
	assert_string_equal(render("{{#each xs}}{{.}},{{/each}}", "{\"xs\":[1,\"<\",true]}"),
			    "1,&lt;,true,");
	assert_string_equal(render("{{#each xs}}{{#each ys}}{{.}}{{/each}};{{/each}}",
				   "{\"xs\":[{\"ys\":[1,2]},{\"ys\":[3]}]}"),
			    "12;3;");
}

static void tpl_partials_and_texts(void **state)
{
	(void)state;
	assert_string_equal(render("a{{> part}}b", "{\"name\": \"<n>\"}"), "a[&lt;n&gt;]b");
	assert_string_equal(render("{{#each xs}}{{> part}}{{/each}}",
				   "{\"xs\":[{\"name\":\"x\"},{\"name\":\"y\"}]}"),
			    "[x][y]");
	/* catalogue texts are escaped, and so are their arguments */
	assert_string_equal(render("{{t greet a b}}", "{\"a\":\"<A>\",\"b\":\"B\"}"),
			    "Hello &lt;A&gt; &amp; B!");
	assert_string_equal(render("{{t plain}}", "{}"), "&lt;b&gt;not markup&lt;/b&gt;");
	assert_string_equal(render("{{t nokey}}", "{}"), "nokey");
	assert_string_equal(render("{{! a comment }}x", "{}"), "x");
}

static void tpl_syntax_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{{#if x}}open",           "{{/if}}",
		"{{#if x}}{{/each}}",      "{{else}}",
		"{{#if x}}{{else}}{{else}}{{/if}}", "{{#while x}}{{/while}}",
		"{{ }}",                   "{{a b}}",
		"{{a!}}",                  "{{x",
		"{{t k a b c d e}}",       "{{raw}}",
		"{{#if}}{{/if}}",          "{{{x}}}",
		"{{a\nb}}",
	};
	char err[256];
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct web_tpl_set *set = NULL;
		assert_int_equal(web_tpl_set_new(&set), 0);
		int r = web_tpl_set_add(set, "bad", bad[i], strlen(bad[i]), err, sizeof err);
		if (r != KR_EINVAL)
			fail_msg("template %zu (%s) was accepted", i, bad[i]);
		assert_non_null(strstr(err, "bad:"));
		web_tpl_set_free(set);
	}
	/* a missing partial or catalogue key is found by the check */
	struct web_tpl_set *set = NULL;
	assert_int_equal(web_tpl_set_new(&set), 0);
	assert_int_equal(web_tpl_set_add(set, "a", "{{> nope}}", 10, err, sizeof err), 0);
	assert_int_equal(web_tpl_set_check(set, NULL, NULL, err, sizeof err), KR_EINVAL);
	assert_non_null(strstr(err, "nope"));
	web_tpl_set_free(set);
	assert_int_equal(web_tpl_set_new(&set), 0);
	assert_int_equal(web_tpl_set_add(set, "a", "{{t greet}}{{t missing.key}}", 28, err,
					 sizeof err),
			 0);
	assert_int_equal(web_tpl_set_check(set, test_text, NULL, err, sizeof err), KR_EINVAL);
	assert_non_null(strstr(err, "missing.key"));
	assert_int_equal(web_tpl_set_add(set, "a", "x", 1, err, sizeof err), KR_ECONFLICT);
	web_tpl_set_free(set);
}

static void tpl_output_is_bounded(void **state)
{
	(void)state;
	struct web_tpl_set *set = NULL;
	struct strbuf sb;
	char err[128];
	json_t *ctx = json_pack("{s:s}", "v", "0123456789");
	assert_int_equal(web_tpl_set_new(&set), 0);
	assert_int_equal(web_tpl_set_add(set, "t", "{{v}}{{v}}{{v}}", 15, err, sizeof err), 0);
	/* a partial that includes itself stops at the depth limit */
	assert_int_equal(web_tpl_set_add(set, "loop", "x{{> loop}}", 11, err, sizeof err), 0);
	strbuf_init(&sb, 25);
	assert_int_equal(web_tpl_render(set, "t", ctx, NULL, NULL, &sb), KR_ELIMIT);
	strbuf_release(&sb);
	strbuf_init(&sb, 0);
	assert_int_equal(web_tpl_render(set, "loop", ctx, NULL, NULL, &sb), KR_ELIMIT);
	assert_int_equal(web_tpl_render(set, "none", ctx, NULL, NULL, &sb), KR_ENOTFOUND);
	strbuf_release(&sb);
	web_tpl_set_free(set);
	json_decref(ctx);
}

/* ---- catalogues ---- */

static struct web_i18n *embedded_catalogues(void)
{
	struct web_i18n *in = NULL;
	char err[256];
	const struct web_blob *nl = web_blob_find(web_catalogues, web_catalogues_count, "nl.txt");
	const struct web_blob *en = web_blob_find(web_catalogues, web_catalogues_count, "en.txt");
	assert_non_null(nl);
	assert_non_null(en);
	int r = web_i18n_new(nl->data, nl->len, en->data, en->len, &in, err, sizeof err);
	if (r)
		fail_msg("catalogues: %s", err);
	return in;
}

static void i18n_lookup(void **state)
{
	(void)state;
	struct web_i18n *in = NULL;
	char err[256];
	const char *nl = "# c\n\na.b = Hallo {1}\nz = laatste \n";
	const char *en = "z=last\na.b =   Hello {1}\n";
	assert_int_equal(web_i18n_new(nl, strlen(nl), en, strlen(en), &in, err, sizeof err), 0);
	assert_string_equal(web_i18n_text(in, LANG_NL, "a.b"), "Hallo {1}");
	assert_string_equal(web_i18n_text(in, LANG_EN, "a.b"), "Hello {1}");
	assert_string_equal(web_i18n_text(in, LANG_NL, "z"), "laatste");
	assert_null(web_i18n_text(in, LANG_EN, "nope"));
	assert_null(web_i18n_text(in, (enum lang)7, "z"));
	assert_int_equal((int)web_i18n_count(in), 2);
	web_i18n_free(in);
}

static void i18n_refuses_bad_catalogues(void **state)
{
	(void)state;
	struct web_i18n *in = NULL;
	char err[256];
	static const char *const pairs[][2] = {
		{ "a = 1\n", "b = 1\n" },          /* different keys */
		{ "a = 1\na = 2\n", "a = 1\n" },   /* duplicate */
		{ "a 1\n", "a = 1\n" },            /* no '=' */
		{ "A = 1\n", "A = 1\n" },          /* bad key */
		{ "a = 1\n", "a = 1\nb = 2\n" },   /* missing in nl */
	};
	for (size_t i = 0; i < ARRAY_LEN(pairs); i++) {
		int r = web_i18n_new(pairs[i][0], strlen(pairs[i][0]), pairs[i][1],
				     strlen(pairs[i][1]), &in, err, sizeof err);
		assert_int_equal(r, KR_EINVAL);
		assert_null(in);
		assert_true(err[0] != '\0');
	}
}

static const char *en_text(void *arg, const char *key)
{
	return web_i18n_text(arg, LANG_EN, key);
}

static const char *nl_text(void *arg, const char *key)
{
	return web_i18n_text(arg, LANG_NL, key);
}

/* Every template compiles, every {{t key}} exists in both languages, and
 * every key the pages build from enum names exists too. */
static void i18n_covers_every_use(void **state)
{
	(void)state;
	struct web_i18n *in = embedded_catalogues();
	struct web_tpl_set *set = NULL;
	char err[256], name[64], key[128];
	assert_int_equal(web_tpl_set_new(&set), 0);
	for (int i = 0; i < web_templates_count; i++) {
		size_t n = strlen(web_templates[i].name);
		assert_true(n > 5 && strcmp(web_templates[i].name + n - 5, ".html") == 0);
		snprintf(name, sizeof name, "%.*s", (int)(n - 5), web_templates[i].name);
		int r = web_tpl_set_add(set, name, web_templates[i].data, web_templates[i].len, err,
					sizeof err);
		if (r)
			fail_msg("%s", err);
	}
	if (web_tpl_set_check(set, en_text, in, err, sizeof err))
		fail_msg("en: %s", err);
	if (web_tpl_set_check(set, nl_text, in, err, sizeof err))
		fail_msg("nl: %s", err);
	web_tpl_set_free(set);

	struct {
		const char *prefix;
		int n;
		const char *(*name)(int);
	} groups[] = {
		{ "kind.", RK__COUNT, (const char *(*)(int))report_kind_name },
		{ "level.", LEVEL__COUNT, (const char *(*)(int))level_name },
		{ "ind.", IND__COUNT, (const char *(*)(int))ind_type_name },
		{ "rep.", REP__COUNT, (const char *(*)(int))rep_kind_name },
		{ "role.", ROLE__COUNT, (const char *(*)(int))role_name },
		{ "community.kind.", COMM_KIND__COUNT, (const char *(*)(int))community_kind_name },
		{ "org.kind.", ORG_KIND__COUNT, (const char *(*)(int))org_kind_name },
		{ "org.nis2.", NIS2__COUNT, (const char *(*)(int))nis2_name },
		{ "lang.name.", LANG__COUNT, (const char *(*)(int))lang_name },
		{ "audit.action.", AUDIT_LOGOUT + 1, (const char *(*)(int))audit_action_name },
	};
	for (size_t g = 0; g < ARRAY_LEN(groups); g++) {
		for (int i = 0; i < groups[g].n; i++) {
			snprintf(key, sizeof key, "%s%s", groups[g].prefix, groups[g].name(i));
			if (!web_i18n_text(in, LANG_EN, key) || !web_i18n_text(in, LANG_NL, key))
				fail_msg("no text for %s", key);
		}
	}
	static const char *const fixed[] = {
		"tlp.hint.clear", "tlp.hint.green", "tlp.hint.amber", "tlp.hint.amber-strict",
		"tlp.hint.red", "vote.yes", "vote.no", "token.scope.read", "token.scope.write",
		"error.title.400", "error.title.403", "error.title.404", "error.title.409",
		"error.title.422", "error.title.429", "error.title.500", "date.pattern",
		"account.notice.totp_on", "account.notice.totp_off", "community.notice.accepted",
		"community.notice.voted", "community.notice.admitted", "community.notice.rejected",
		"audit.object.report", "audit.object.totp", "audit.object.organisation",
		"audit.object.indicator", "common.org_hidden",
		"common.person_hidden",
	};
	for (size_t i = 0; i < ARRAY_LEN(fixed); i++) {
		if (!web_i18n_text(in, LANG_EN, fixed[i]))
			fail_msg("no text for %s", fixed[i]);
	}
	for (int m = 1; m <= 12; m++) {
		snprintf(key, sizeof key, "date.month.%d", m);
		assert_non_null(web_i18n_text(in, LANG_NL, key));
	}
	web_i18n_free(in);
}

/* No template may carry an inline script, inline style or event handler:
 * the CSP (style-src 'self', no script-src) would block them. */
static void templates_keep_the_csp(void **state)
{
	(void)state;
	static const char *const banned[] = { "<script", "<style", " style=", "javascript:",
					      " onclick", " onload", " onsubmit", " onchange",
					      "http://", "<iframe" };
	for (int i = 0; i < web_templates_count; i++) {
		for (size_t k = 0; k < ARRAY_LEN(banned); k++) {
			if (strstr(web_templates[i].data, banned[k]))
				fail_msg("%s contains %s", web_templates[i].name, banned[k]);
		}
		/* every form that posts carries the CSRF field */
		const char *p = strstr(web_templates[i].data, "method=\"post\"");
		while (p) {
			const char *end = strstr(p, "</form>");
			const char *tok = strstr(p, "name=\"csrf\"");
			if (!end || !tok || tok > end)
				fail_msg("%s: a POST form without its CSRF field", web_templates[i].name);
			p = strstr(end, "method=\"post\"");
		}
	}
	assert_non_null(web_blob_find(web_static, web_static_count, "kring.css"));
	assert_non_null(web_blob_find(web_static, web_static_count, "kring.svg"));
	assert_null(web_blob_find(web_static, web_static_count, "../kring.css"));
	const struct web_blob *css = web_blob_find(web_static, web_static_count, "kring.css");
	/* the FIRST colours, each on black */
	assert_non_null(strstr(css->data, ".tlp-red { color: #FF2B2B; }"));
	assert_non_null(strstr(css->data, ".tlp-amber, .tlp-amber-strict { color: #FFC000; }"));
	assert_non_null(strstr(css->data, ".tlp-green { color: #33FF00; }"));
	assert_non_null(strstr(css->data, ".tlp-clear { color: #FFFFFF; }"));
	assert_non_null(strstr(css->data, "background: #000000;"));
}

/* ---- dates ---- */

static void dates_in_amsterdam_time(void **state)
{
	(void)state;
	struct web_i18n *in = embedded_catalogues();
	char buf[64];
	/* 2026-01-15T13:05:00Z: winter, UTC+1 */
	int64_t winter = 1768482300000LL;
	assert_int_equal(web_amsterdam_offset(winter), 3600);
	web_date_format(in, LANG_NL, winter, buf, sizeof buf);
	assert_string_equal(buf, "15 jan. 2026 14:05");
	web_date_format(in, LANG_EN, winter, buf, sizeof buf);
	assert_string_equal(buf, "15 Jan 2026, 14:05");
	/* 2026-07-01T22:30:00Z: summer, UTC+2, already the next day locally */
	int64_t summer = 1782945000000LL;
	assert_int_equal(web_amsterdam_offset(summer), 7200);
	web_date_format(in, LANG_NL, summer, buf, sizeof buf);
	assert_string_equal(buf, "2 jul. 2026 00:30");
	/* the switches: 2026-03-29 01:00 UTC and 2026-10-25 01:00 UTC */
	assert_int_equal(web_amsterdam_offset(1774745999000LL), 3600);
	assert_int_equal(web_amsterdam_offset(1774746000000LL), 7200);
	assert_int_equal(web_amsterdam_offset(1792890000000LL - 1000), 7200);
	assert_int_equal(web_amsterdam_offset(1792890000000LL), 3600);
	web_date_format(in, LANG_EN, 0, buf, sizeof buf);
	assert_string_equal(buf, "");
	/* a short buffer gets whole fields only */
	web_date_format(in, LANG_EN, winter, buf, 6);
	assert_string_equal(buf, "15 ");
	web_i18n_free(in);
}

/* ---- TOTP (RFC 6238 Appendix B) ---- */

static void totp_rfc6238_vectors(void **state)
{
	(void)state;
	static const unsigned char k1[] = "12345678901234567890";
	static const unsigned char k256[] = "12345678901234567890123456789012";
	static const unsigned char k512[] =
		"1234567890123456789012345678901234567890123456789012345678901234";
	static const struct {
		int64_t t;
		const char *sha1, *sha256, *sha512;
	} v[] = {
		{ 59LL, "94287082", "46119246", "90693936" },
		{ 1111111109LL, "07081804", "68084774", "25091201" },
		{ 1111111111LL, "14050471", "67062674", "99943326" },
		{ 1234567890LL, "89005924", "91819424", "93441116" },
		{ 2000000000LL, "69279037", "90698825", "38618901" },
		{ 20000000000LL, "65353130", "77737706", "47863826" },
	};
	char out[16];
	assert_int_equal(web_totp_init(), 0);
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		assert_int_equal(web_totp_code(k1, 20, v[i].t, 30, 8, WEB_TOTP_SHA1, out), 0);
		assert_string_equal(out, v[i].sha1);
		assert_int_equal(web_totp_code(k256, 32, v[i].t, 30, 8, WEB_TOTP_SHA256, out), 0);
		assert_string_equal(out, v[i].sha256);
		assert_int_equal(web_totp_code(k512, 64, v[i].t, 30, 8, WEB_TOTP_SHA512, out), 0);
		assert_string_equal(out, v[i].sha512);
	}
	/* six digits are the last six of the eight */
	assert_int_equal(web_totp_code(k1, 20, 59, 30, 6, WEB_TOTP_SHA1, out), 0);
	assert_string_equal(out, "287082");
	assert_int_equal(web_totp_code(k1, 20, 59, 30, 5, WEB_TOTP_SHA1, out), KR_EINVAL);
	assert_int_equal(web_totp_code(k1, 0, 59, 30, 6, WEB_TOTP_SHA1, out), KR_EINVAL);
	web_totp_done();
}

static void totp_verify_window_and_input(void **state)
{
	(void)state;
	static const unsigned char k[] = "12345678901234567890";
	char code[8];
	int64_t step = 0;
	int64_t now = 1234567890;
	assert_int_equal(web_totp_init(), 0);
	assert_int_equal(web_totp_code(k, 20, now, 30, 6, WEB_TOTP_SHA1, code), 0);
	assert_int_equal(web_totp_verify(k, 20, now, code, &step), 0);
	assert_int_equal(step, now / 30);
	/* one step of clock drift either way is accepted, two are not */
	assert_int_equal(web_totp_verify(k, 20, now + 30, code, &step), 0);
	assert_int_equal(step, now / 30);
	assert_int_equal(web_totp_verify(k, 20, now - 30, code, &step), 0);
	assert_int_equal(web_totp_verify(k, 20, now + 61, code, &step), KR_EAUTH);
	/* "123 456" as apps show it */
	char spaced[8];
	snprintf(spaced, sizeof spaced, "%.3s %.3s", code, code + 3);
	assert_int_equal(web_totp_verify(k, 20, now, spaced, &step), 0);
	assert_int_equal(web_totp_verify(k, 20, now, "", &step), KR_EAUTH);
	assert_int_equal(web_totp_verify(k, 20, now, "12345", &step), KR_EAUTH);
	assert_int_equal(web_totp_verify(k, 20, now, "1234567", &step), KR_EAUTH);
	assert_int_equal(web_totp_verify(k, 20, now, "12a456", &step), KR_EAUTH);
	char wrong[8];
	snprintf(wrong, sizeof wrong, "%06d", (atoi(code) + 1) % 1000000);
	assert_int_equal(web_totp_verify(k, 20, now, wrong, &step), KR_EAUTH);
	web_totp_done();
}

static void base32_hex_and_uri(void **state)
{
	(void)state;
	static const char *const vec[][2] = {
		{ "", "" },        { "f", "MY" },         { "fo", "MZXQ" },
		{ "foo", "MZXW6" }, { "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI" },
	};
	char out[64];
	for (size_t i = 0; i < ARRAY_LEN(vec); i++) {
		assert_int_equal(web_base32_encode((const unsigned char *)vec[i][0],
						   strlen(vec[i][0]), out, sizeof out),
				 0);
		assert_string_equal(out, vec[i][1]);
	}
	assert_int_equal(web_base32_encode((const unsigned char *)"foobar", 6, out, 10),
			 KR_ELIMIT);
	unsigned char bin[4];
	assert_int_equal(web_hex_decode("00ff10Ab", bin, 4), 0);
	assert_int_equal(bin[1], 0xff);
	assert_int_equal(bin[3], 0xab);
	assert_int_equal(web_hex_decode("00ff10A", bin, 4), KR_EINVAL);
	assert_int_equal(web_hex_decode("00ff10Ag", bin, 4), KR_EINVAL);
	char uri[256];
	assert_int_equal(web_totp_uri("kring", "ann@example.nl", "MZXW6", uri, sizeof uri), 0);
	assert_string_equal(uri, "otpauth://totp/kring:ann%40example.nl?secret=MZXW6&issuer=kring"
				 "&algorithm=SHA1&digits=6&period=30");
	assert_int_equal(web_totp_uri("kring", "ann@example.nl", "MZXW6", uri, 20), KR_ELIMIT);
	assert_string_equal(uri, "");
}

static void qr_svg(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 0);
	assert_int_equal(web_qr_svg("otpauth://totp/kring:a%40b.nl?secret=MZXW6", "QR \"<code>\"",
				    &sb),
			 0);
	assert_true(strncmp(sb.buf, "<svg ", 5) == 0);
	assert_non_null(strstr(sb.buf, "role=\"img\""));
	assert_non_null(strstr(sb.buf, "aria-label=\"QR &quot;&lt;code&gt;&quot;\""));
	assert_non_null(strstr(sb.buf, "<path fill=\"#000000\" d=\"M"));
	assert_null(strstr(sb.buf, "style="));
	assert_true(strcmp(sb.buf + sb.len - 6, "</svg>") == 0);
	/* the three finder patterns: a 7-module run at the top-left corner */
	assert_non_null(strstr(sb.buf, "M4 4h7v1h-7z"));
	strbuf_release(&sb);
	/* more than a QR code holds */
	char big[8000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	strbuf_init(&sb, 0);
	assert_int_equal(web_qr_svg(big, "x", &sb), KR_EINVAL);
	strbuf_release(&sb);
}

/* ---- forms and CSRF ---- */

static void form_decoding(void **state)
{
	(void)state;
	struct web_form f;
	const char *vals[4];
	const char *body = "a=1&b=x+y%21&a=2&empty=&flag&c=%C3%A9t%C3%A9&&nl=l1%0D%0Al2";
	assert_int_equal(web_form_parse(body, strlen(body), &f), 0);
	assert_string_equal(web_form_get(&f, "a"), "1");
	assert_string_equal(web_form_get(&f, "b"), "x y!");
	assert_string_equal(web_form_get(&f, "empty"), "");
	assert_string_equal(web_form_get(&f, "flag"), "");
	assert_string_equal(web_form_get(&f, "c"), "\xc3\xa9t\xc3\xa9");
	assert_string_equal(web_form_get(&f, "nl"), "l1\r\nl2");
	assert_null(web_form_get(&f, "zzz"));
	assert_int_equal(web_form_all(&f, "a", vals, 4), 2);
	assert_string_equal(vals[1], "2");
	assert_int_equal(web_form_all(&f, "a", vals, 1), 2);
	web_form_release(&f);

	static const char *const bad[] = { "a=%", "a=%4", "a=%zz", "a=%00", "a=%ff",
					   "a=%01", "%0A=1", "a=%C3" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		int r = web_form_parse(bad[i], strlen(bad[i]), &f);
		if (r != KR_EINVAL)
			fail_msg("form %s was accepted", bad[i]);
		web_form_release(&f);
	}
	char many[WEB_FORM_FIELDS_MAX * 4 + 16];
	size_t o = 0;
	for (int i = 0; i <= WEB_FORM_FIELDS_MAX; i++)
		o += (size_t)snprintf(many + o, sizeof many - o, "a=%d&", i % 10);
	assert_int_equal(web_form_parse(many, o, &f), KR_ELIMIT);
	web_form_release(&f);
	char enc[32];
	assert_int_equal(web_url_encode("a b&c=é", enc, sizeof enc), 0);
	assert_string_equal(enc, "a%20b%26c%3D%C3%A9");
	assert_int_equal(web_url_encode("abcdef", enc, 4), KR_ELIMIT);
}

static void csrf_decision(void **state)
{
	(void)state;
	const char *tok = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	const char *other = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdee";
	assert_true(web_csrf_check(tok, tok));
	assert_false(web_csrf_check(other, tok));
	assert_false(web_csrf_check(NULL, tok));      /* the field is missing */
	assert_false(web_csrf_check(tok, NULL));      /* no session, no anonymous cookie */
	assert_false(web_csrf_check("", ""));
	assert_false(web_csrf_check("0123", "0123"));  /* too short, even if equal */
	char upper[65];
	snprintf(upper, sizeof upper, "%s", tok);
	upper[10] = 'A';
	assert_false(web_csrf_check(upper, upper));
	char longer[70];
	snprintf(longer, sizeof longer, "%sab", tok);
	assert_false(web_csrf_check(longer, tok));
}

/* ---- store ---- */

struct fx {
	char dir[64];
	char path[128];
	struct store *s;
	int64_t person;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct core_org o;
	struct core_person p;
	snprintf(f->dir, sizeof f->dir, "/tmp/kring-test-web-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/kring.db", f->dir);
	if (store_open_sqlite(f->path, &f->s))
		return -1;
	memset(&o, 0, sizeof o);
	snprintf(o.name, sizeof o.name, "Org");
	memset(&p, 0, sizeof p);
	snprintf(p.name, sizeof p.name, "Ann");
	snprintf(p.email, sizeof p.email, "ann@example.nl");
	if (store_org_create(f->s, &o))
		return -1;
	p.org_id = o.id;
	if (store_person_create(f->s, &p, ""))
		return -1;
	f->person = p.id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char path[160];
	store_close(f->s);
	unlink(f->path);
	snprintf(path, sizeof path, "%s-wal", f->path);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", f->path);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void store_totp_rows(void **state)
{
	struct fx *f = *state;
	struct store_web_totp t, got;
	memset(&t, 0, sizeof t);
	assert_int_equal(store_web_totp_get(f->s, f->person, &got), KR_ENOTFOUND);
	t.person_id = f->person;
	snprintf(t.secret, sizeof t.secret, "3132333435363738393031323334353637383930");
	assert_int_equal(store_web_totp_set(f->s, &t), 0);
	assert_int_equal(store_web_totp_get(f->s, f->person, &got), 0);
	assert_string_equal(got.secret, t.secret);
	assert_false(got.enabled);
	assert_true(got.created > 0);
	/* steps only go forward: a code is never accepted twice */
	assert_int_equal(store_web_totp_use(f->s, f->person, 100), 0);
	assert_int_equal(store_web_totp_use(f->s, f->person, 100), KR_ECONFLICT);
	assert_int_equal(store_web_totp_use(f->s, f->person, 99), KR_ECONFLICT);
	assert_int_equal(store_web_totp_use(f->s, f->person, 101), 0);
	assert_int_equal(store_web_totp_use(f->s, f->person + 99, 5), KR_ENOTFOUND);
	/* got still says last_step 0: writing it back keeps the larger step */
	got.enabled = true;
	assert_int_equal(store_web_totp_set(f->s, &got), 0);
	assert_int_equal(store_web_totp_get(f->s, f->person, &got), 0);
	assert_true(got.enabled);
	assert_int_equal(got.last_step, 101);
	/* malformed secrets are refused before SQL */
	snprintf(t.secret, sizeof t.secret, "XYZ");
	assert_int_equal(store_web_totp_set(f->s, &t), KR_EINVAL);
	snprintf(t.secret, sizeof t.secret, "3132333435363738393031323334353637383930AB");
	assert_int_equal(store_web_totp_set(f->s, &t), KR_EINVAL);
	/* a rollback undoes a change made inside the caller's transaction */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_web_totp_delete(f->s, f->person), 0);
	assert_int_equal(store_rollback(f->s), 0);
	assert_int_equal(store_web_totp_get(f->s, f->person, &got), 0);
	assert_int_equal(store_web_totp_delete(f->s, f->person), 0);
	assert_int_equal(store_web_totp_delete(f->s, f->person), KR_ENOTFOUND);
}

static void store_visits(void **state)
{
	struct fx *f = *state;
	struct store_web_visit v;
	assert_int_equal(store_web_visit_get(f->s, f->person, &v), 0);
	assert_int_equal(v.last_seen, 0);
	assert_int_equal(v.previous, 0);
	assert_int_equal(store_web_visit_begin(f->s, f->person, 1000), 0);
	assert_int_equal(store_web_visit_get(f->s, f->person, &v), 0);
	assert_int_equal(v.last_seen, 1000);
	assert_int_equal(v.previous, 0);
	/* activity within the gap is not written; later activity is */
	assert_int_equal(store_web_visit_touch(f->s, f->person, 1500, 1000), 0);
	assert_int_equal(store_web_visit_get(f->s, f->person, &v), 0);
	assert_int_equal(v.last_seen, 1000);
	assert_int_equal(store_web_visit_touch(f->s, f->person, 5000, 1000), 0);
	assert_int_equal(store_web_visit_get(f->s, f->person, &v), 0);
	assert_int_equal(v.last_seen, 5000);
	/* the next sign-in remembers where the last visit ended */
	assert_int_equal(store_web_visit_begin(f->s, f->person, 9000), 0);
	assert_int_equal(store_web_visit_get(f->s, f->person, &v), 0);
	assert_int_equal(v.previous, 5000);
	assert_int_equal(v.last_seen, 9000);
	assert_int_equal(store_web_visit_begin(f->s, 0, 9000), KR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tpl_escapes_values),
		cmocka_unit_test(tpl_values_and_paths),
		cmocka_unit_test(tpl_sections),
		cmocka_unit_test(tpl_each_and_scopes),
		cmocka_unit_test(tpl_partials_and_texts),
		cmocka_unit_test(tpl_syntax_errors),
		cmocka_unit_test(tpl_output_is_bounded),
		cmocka_unit_test(i18n_lookup),
		cmocka_unit_test(i18n_refuses_bad_catalogues),
		cmocka_unit_test(i18n_covers_every_use),
		cmocka_unit_test(templates_keep_the_csp),
		cmocka_unit_test(dates_in_amsterdam_time),
		cmocka_unit_test(totp_rfc6238_vectors),
		cmocka_unit_test(totp_verify_window_and_input),
		cmocka_unit_test(base32_hex_and_uri),
		cmocka_unit_test(qr_svg),
		cmocka_unit_test(form_decoding),
		cmocka_unit_test(csrf_decision),
		cmocka_unit_test_setup_teardown(store_totp_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(store_visits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
