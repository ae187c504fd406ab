/* test_util.c - unit tests of src/util: strbuf caps and growth, allocation
 * failure injection, RFC 3339 time, hashing, randomness, logging and the
 * configuration (defaults, file, environment and their errors). */
#include "util/alloc.h"
#include "util/config.h"
#include "util/err.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/random.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/banned.h"

/* ---- helpers ---- */

/* Writes text to a fresh temporary file; path receives its name. */
static void write_temp(char *path, size_t n, const char *text)
{
	snprintf(path, n, "/tmp/kring-test-util-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void clear_env(void)
{
	unsetenv("KRING_LISTEN");
	unsetenv("KRING_DATA");
	unsetenv("KRING_LOG_LEVEL");
	unsetenv("KRING_MAX_BODY");
	unsetenv("KRING_SESSION_TTL");
	unsetenv("KRING_TRUSTED_PROXY");
	unsetenv("KRING_WEB_TRUSTED_PROXY");
	unsetenv("KRING_WEB_SECURE");
	unsetenv("KRING_TAXII_CACHE_MS");
}

/* ---- strbuf ---- */

static void strbuf_grows_and_terminates(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 0);
	assert_null(sb.buf);
	assert_int_equal(sb.max, STRBUF_DEFAULT_MAX);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(strbuf_adds(&sb, "abc"), 0);
	assert_int_equal(sb.len, 3000);
	assert_true(sb.cap > sb.len);
	assert_int_equal(sb.buf[sb.len], '\0');
	assert_int_equal(strlen(sb.buf), 3000);
	assert_memory_equal(sb.buf + 2997, "abc", 3);
	assert_int_equal(strbuf_addf(&sb, "[%d:%s]", 42, "x"), 0);
	assert_string_equal(sb.buf + 3000, "[42:x]");
	strbuf_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
	assert_null(sb.buf);
	/* reusable after release */
	assert_int_equal(strbuf_add(&sb, "hi", 2), 0);
	assert_string_equal(sb.buf, "hi");
	strbuf_release(&sb);
}

static void strbuf_cap_is_enforced(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 10);
	assert_int_equal(strbuf_adds(&sb, "0123456789"), 0); /* exactly the cap */
	assert_int_equal(strbuf_adds(&sb, "x"), KR_ELIMIT);
	assert_int_equal(strbuf_addf(&sb, "%d", 1), KR_ELIMIT);
	assert_int_equal(sb.len, 10);
	assert_string_equal(sb.buf, "0123456789"); /* unchanged after the failure */
	strbuf_reset(&sb);
	assert_int_equal(strbuf_adds(&sb, "01234"), 0);
	assert_int_equal(strbuf_addf(&sb, "%s", "567890"), KR_ELIMIT);
	assert_string_equal(sb.buf, "01234");
	assert_int_equal(strbuf_addf(&sb, "%s", "56789"), 0);
	assert_string_equal(sb.buf, "0123456789");
	/* a huge length must not wrap around */
	assert_int_equal(strbuf_add(&sb, "", (size_t)-1), KR_ELIMIT);
	strbuf_release(&sb);
}

static void strbuf_detach_hands_over(void **state)
{
	(void)state;
	struct strbuf sb;
	size_t len = 99;
	strbuf_init(&sb, 100);
	char *empty = strbuf_detach(&sb, &len);
	assert_non_null(empty);
	/* byte check first: a missing terminator fails here, not in a read overrun */
	assert_int_equal(empty[0], '\0');
	assert_string_equal(empty, "");
	assert_int_equal(len, 0);
	kr_free(empty);
	assert_int_equal(strbuf_adds(&sb, "kring"), 0);
	char *s = strbuf_detach(&sb, &len);
	assert_string_equal(s, "kring");
	assert_int_equal(len, 5);
	assert_null(sb.buf);
	assert_int_equal(sb.len, 0);
	kr_free(s);
}

static void strbuf_survives_failed_allocation(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 0);
	assert_int_equal(strbuf_adds(&sb, "keep"), 0);
	char big[200];
	memset(big, 'z', sizeof big);
	kr_alloc_fail_after(0);
	int r = strbuf_add(&sb, big, sizeof big); /* must grow past 64 bytes */
	kr_alloc_fail_after(-1);
	assert_int_equal(r, KR_ENOMEM);
	assert_int_equal(sb.len, 4);
	assert_string_equal(sb.buf, "keep");
	assert_int_equal(strbuf_add(&sb, big, sizeof big), 0);
	assert_int_equal(sb.len, 204);
	strbuf_release(&sb);
	/* detach of a never-allocated buffer fails cleanly */
	kr_alloc_fail_after(0);
	char *d = strbuf_detach(&sb, NULL);
	kr_alloc_fail_after(-1);
	assert_null(d);
}

/* ---- alloc ---- */

static void alloc_failure_injection(void **state)
{
	(void)state;
	unsigned long before = kr_alloc_count();
	void *a = kr_malloc(16);
	assert_non_null(a);
	assert_int_equal(kr_alloc_count(), before + 1);
	kr_free(a);

	kr_alloc_fail_after(2);
	void *p1 = kr_malloc(8);
	void *p2 = kr_calloc(2, 8);
	void *p3 = kr_malloc(8);
	void *p4 = kr_realloc(NULL, 8);
	char *p5 = kr_strdup("x");
	kr_alloc_fail_after(-1);
	assert_non_null(p1);
	assert_non_null(p2);
	assert_null(p3);
	assert_null(p4);
	assert_null(p5);
	assert_int_equal(((char *)p2)[15], 0); /* calloc zeroes */
	/* failing realloc keeps the old block */
	kr_alloc_fail_after(0);
	void *p6 = kr_realloc(p1, 4096);
	kr_alloc_fail_after(-1);
	assert_null(p6);
	kr_free(p1);
	kr_free(p2);
	/* zero sizes still give a freeable pointer */
	void *z = kr_malloc(0);
	assert_non_null(z);
	kr_free(z);
	kr_free(NULL);
}

static void alloc_strings(void **state)
{
	(void)state;
	assert_null(kr_strdup(NULL));
	assert_null(kr_strndup(NULL, 3));
	char *a = kr_strdup("tlp");
	assert_string_equal(a, "tlp");
	kr_free(a);
	char *b = kr_strndup("abcdef", 3);
	assert_string_equal(b, "abc");
	kr_free(b);
	char *c = kr_strndup("ab", 10);
	assert_string_equal(c, "ab");
	kr_free(c);
}

/* ---- time ---- */

static void time_format_known_values(void **state)
{
	(void)state;
	char buf[40];
	time_format_rfc3339(0, buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	time_format_rfc3339(-1, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	time_format_rfc3339(1795678366123LL, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-26T07:32:46.123Z");
	time_format_rfc3339(951782400000LL, buf, sizeof buf); /* leap day 2000 */
	assert_string_equal(buf, "2000-02-29T00:00:00.000Z");
	/* a short buffer is truncated, not overrun */
	char small[8];
	time_format_rfc3339(0, small, sizeof small);
	assert_string_equal(small, "1970-01");
}

static void time_round_trips(void **state)
{
	(void)state;
	const int64_t samples[] = { 0, 1, 999, 1000, 86399999, 951782400000LL,
				    1795678366123LL, 4102444799999LL, -86400000LL, -1 };
	char buf[40];
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		int64_t back = 42;
		time_format_rfc3339(samples[i], buf, sizeof buf);
		assert_int_equal(time_parse_rfc3339(buf, &back), 0);
		assert_int_equal(back, samples[i]);
	}
	int64_t now = time_now_ms();
	assert_true(now > 1700000000000LL);
	time_format_rfc3339(now, buf, sizeof buf);
	int64_t back = 0;
	assert_int_equal(time_parse_rfc3339(buf, &back), 0);
	assert_int_equal(back, now);
}

static void time_parse_forms(void **state)
{
	(void)state;
	int64_t ms = 0;
	assert_int_equal(time_parse_rfc3339("2026-11-26", &ms), 0);
	assert_int_equal(ms, 1795651200000LL);
	assert_int_equal(time_parse_rfc3339("2026-11-26T07:32:46Z", &ms), 0);
	assert_int_equal(ms, 1795678366000LL);
	assert_int_equal(time_parse_rfc3339("2026-11-26t07:32:46.1z", &ms), 0);
	assert_int_equal(ms, 1795678366100LL);
	assert_int_equal(time_parse_rfc3339("2024-02-29", &ms), 0);
	assert_int_equal(ms, 1709164800000LL);
	assert_int_equal(time_parse_rfc3339("2000-02-29", &ms), 0);
	assert_int_equal(ms, 951782400000LL);
	/* fractions beyond milliseconds are truncated */
	assert_int_equal(time_parse_rfc3339("2026-11-26T07:32:46.123456789Z", &ms), 0);
	assert_int_equal(ms, 1795678366123LL);
	/* offsets move to UTC */
	assert_int_equal(time_parse_rfc3339("2026-11-26T08:32:46+01:00", &ms), 0);
	assert_int_equal(ms, 1795678366000LL);
	assert_int_equal(time_parse_rfc3339("2026-11-26T02:02:46-05:30", &ms), 0);
	assert_int_equal(ms, 1795678366000LL);
}

static void time_parse_rejects_bad_input(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"2026",
		"2026-11",
		"26-11-2026",
		"2026/11/26",
		"2026-13-01",
		"2026-00-10",
		"2026-11-00",
		"2026-11-32",
		"2026-02-29",                   /* not a leap year */
		"2026-02-30",
		"2026-04-31",
		"1900-02-29",
		"2026-11-26T",
		"2026-11-26T07:32:46",          /* no zone */
		"2026-11-26T24:00:00Z",
		"2026-11-26T07:60:00Z",
		"2026-11-26T07:32:61Z",
		"2026-11-26T07:32:46.Z",        /* empty fraction */
		"2026-11-26T07:32:46.1234567890Z", /* more than nanoseconds */
		"2026-11-26T07:32:46+0100",
		"2026-11-26T07:32:46+24:00",
		"2026-11-26T07:32:46Zjunk",
		"2026-11-26X07:32:46Z",
		"2026-11-26T7:32:46Z",
		"2026-1a-26",
		" 2026-11-26",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms = 7;
		if (time_parse_rfc3339(bad[i], &ms) != KR_EINVAL)
			fail_msg("accepted bad time '%s'", bad[i]);
		assert_int_equal(ms, 7); /* untouched on failure */
	}
}

/* ---- hash, random, err ---- */

static void hash_sha256_vectors(void **state)
{
	(void)state;
	char out[65];
	hash_sha256_hex("", 0, out);
	assert_string_equal(out,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hash_sha256_hex("abc", 3, out);
	assert_string_equal(out,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(strlen(out), 64);
}

static void hash_equal_ct_compares(void **state)
{
	(void)state;
	assert_true(hash_equal_ct("", ""));
	assert_true(hash_equal_ct("abc", "abc"));
	assert_false(hash_equal_ct("abc", "abd"));
	assert_false(hash_equal_ct("abc", "ab"));
	assert_false(hash_equal_ct("", "a"));
}

static void random_hex_and_uuid(void **state)
{
	(void)state;
	assert_int_equal(random_init(), 0);
	char hex[201];
	random_hex(hex, 100);
	assert_int_equal(strlen(hex), 200);
	assert_int_equal(strspn(hex, "0123456789abcdef"), 200);
	char hex2[201];
	random_hex(hex2, 100);
	assert_string_not_equal(hex, hex2);
	char u[37];
	random_uuid(u);
	assert_int_equal(strlen(u), 36);
	assert_int_equal(u[8], '-');
	assert_int_equal(u[13], '-');
	assert_int_equal(u[14], '4');
	assert_non_null(strchr("89ab", u[19]));
}

static void err_texts(void **state)
{
	(void)state;
	assert_string_equal(kr_strerror(KR_OK), "ok");
	assert_string_equal(kr_strerror(KR_ENOTFOUND), "not found");
	for (int s = KR_EBUSY; s <= KR_OK; s++)
		assert_non_null(kr_strerror(s));
	assert_string_equal(kr_strerror(-1000), "unknown error");
}

/* ---- log ---- */

static void log_respects_level(void **state)
{
	(void)state;
	char path[64];
	write_temp(path, sizeof path, "");
	fflush(stderr);
	int saved = dup(2);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	dup2(fileno(f), 2);
	log_set_level(LOG_WARN);
	log_info("hidden %d", 1);
	log_warn("shown %d", 2);
	log_set_level(LOG_INFO);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(f);
	FILE *in = fopen(path, "r");
	char line[256] = "";
	assert_non_null(fgets(line, sizeof line, in));
	assert_non_null(strstr(line, " warn shown 2\n"));
	assert_null(fgets(line, sizeof line, in)); /* exactly one line */
	fclose(in);
	unlink(path);
}

/* ---- config ---- */

static void config_defaults_are_documented_values(void **state)
{
	(void)state;
	struct config c;
	config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.data_dir, "./kring-data");
	assert_string_equal(c.log_level, "info");
	assert_int_equal(c.max_body, 1048576);
	assert_int_equal(c.session_ttl_s, 43200);
	assert_int_equal(config_log_level(&c), LOG_INFO);
	char db[1100];
	config_db_path(&c, db, sizeof db);
	assert_string_equal(db, "./kring-data/kring.db");
}

static void config_file_is_parsed(void **state)
{
	(void)state;
	char path[64];
	write_temp(path, sizeof path,
		   "# kring configuration\n"
		   "\n"
		   "listen = [::1]:9090\n"
		   "  data=\"/var/lib/kring\"   \r\n"
		   "\tlog_level = debug\n"
		   "max_body = 2048\n"
		   "session_ttl = 3600\n"
		   "   # indented comment\n");
	struct config c;
	char err[256] = "";
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof err), 0);
	assert_string_equal(c.listen, "[::1]:9090");
	assert_string_equal(c.data_dir, "/var/lib/kring");
	assert_string_equal(c.log_level, "debug");
	assert_int_equal(config_log_level(&c), LOG_DEBUG);
	assert_int_equal(c.max_body, 2048);
	assert_int_equal(c.session_ttl_s, 3600);
	char db[1100];
	config_db_path(&c, db, sizeof db);
	assert_string_equal(db, "/var/lib/kring/kring.db");
	unlink(path);
}

static void config_file_errors_name_the_line(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *expect; /* substring of the message after "PATH:" */
	} cases[] = {
		{ "listen = 1.2.3.4:80\ncolour = blue\n", ":2: unknown key 'colour'" },
		{ "just words\n", ":1: expected 'key = value'" },
		{ "max_body = 12abc\n", ":1: max_body:" },
		{ "max_body = 10\n", ":1: max_body:" },
		{ "max_body = -5000\n", ":1: max_body:" },
		{ "max_body = 99999999999999999999999\n", ":1: max_body:" },
		{ "session_ttl = 59\n", ":1: session_ttl:" },
		{ "session_ttl =\n", ":1: session_ttl:" },
		{ "log_level = loud\n", ":1: log_level:" },
		{ "\n\nlisten = nocolon\n", ":3: listen:" },
		{ "listen = 127.0.0.1:65536\n", ":1: listen:" },
		{ "listen = ::1:80\n", ":1: listen:" },
		{ "data =\n", ":1: data:" },
		{ "= value\n", ":1: unknown key ''" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[64];
		write_temp(path, sizeof path, cases[i].text);
		struct config c;
		char err[512] = "";
		config_defaults(&c);
		assert_int_equal(config_load_file(&c, path, err, sizeof err), KR_EINVAL);
		if (strncmp(err, path, strlen(path)) != 0 || !strstr(err, cases[i].expect))
			fail_msg("case %zu: message '%s' lacks '%s'", i, err, cases[i].expect);
		assert_null(strchr(err, '\n'));
		unlink(path);
	}
}

static void config_file_rejects_long_lines_and_missing_files(void **state)
{
	(void)state;
	struct config c;
	char err[512] = "";
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, "/nonexistent/kring.conf", err, sizeof err), KR_EIO);
	assert_non_null(strstr(err, "/nonexistent/kring.conf"));

	char *text = kr_malloc(6000);
	assert_non_null(text);
	memset(text, '#', 5998);
	text[5998] = '\n';
	text[5999] = '\0';
	char path[64];
	write_temp(path, sizeof path, text);
	kr_free(text);
	assert_int_equal(config_load_file(&c, path, err, sizeof err), KR_EINVAL);
	assert_non_null(strstr(err, ":1: line longer than"));
	unlink(path);
}

static void config_env_overrides_file(void **state)
{
	(void)state;
	char path[64];
	write_temp(path, sizeof path,
		   "listen = 127.0.0.1:1000\ndata = /from/file\nmax_body = 4096\n");
	clear_env();
	setenv("KRING_LISTEN", "10.0.0.1:2000", 1);
	setenv("KRING_DATA", "", 1); /* empty counts as unset */
	setenv("KRING_SESSION_TTL", "120", 1);
	setenv("KRING_LOG_LEVEL", "error", 1);
	struct config c;
	char err[256] = "";
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof err), 0);
	assert_int_equal(config_load_env(&c, err, sizeof err), 0);
	assert_string_equal(c.listen, "10.0.0.1:2000");
	assert_string_equal(c.data_dir, "/from/file");
	assert_int_equal(c.max_body, 4096);
	assert_int_equal(c.session_ttl_s, 120);
	assert_int_equal(config_log_level(&c), LOG_ERROR);
	/* a flag (config_set) wins over both */
	assert_int_equal(config_set(&c, "data", "/from/flag", err, sizeof err), 0);
	assert_string_equal(c.data_dir, "/from/flag");
	clear_env();
	unlink(path);
}

static int collect_proxy(void *arg, const char *addr)
{
	struct strbuf *sb = arg;
	return strbuf_addf(sb, "[%s]", addr);
}

static void config_trusted_proxies(void **state)
{
	(void)state;
	struct config c;
	char err[256] = "";
	config_defaults(&c);
	assert_string_equal(c.trusted_proxy, "");
	assert_int_equal(config_set(&c, "trusted_proxy", " 10.0.0.1 ,::1,\t192.0.2.9", err,
				    sizeof err), 0);
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	assert_int_equal(config_proxies_each(c.trusted_proxy, collect_proxy, &sb), 0);
	assert_string_equal(sb.buf, "[10.0.0.1][::1][192.0.2.9]");
	strbuf_release(&sb);
	assert_int_equal(config_proxies_each("", collect_proxy, NULL), 0);
	assert_int_equal(config_proxies_each("  ", collect_proxy, NULL), 0);
	static const char *const bad[] = { "proxy.example.org", "10.0.0.1,", ",10.0.0.1",
					   "10.0.0.0/8", "1,2,3,4,5,6,7,8,9", "10.0.0.1 10.0.0.2",
					   "[::1]" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(config_set(&c, "trusted_proxy", bad[i], err, sizeof err),
				 KR_EINVAL);
		assert_non_null(strstr(err, "trusted_proxy"));
		assert_string_equal(c.trusted_proxy, " 10.0.0.1 ,::1,\t192.0.2.9"); /* unchanged */
	}
	/* the outbox worker's interval */
	assert_int_equal(c.notify_send_interval_s, 10);
	assert_int_equal(config_set(&c, "notify_send_interval", "0", err, sizeof err), 0);
	assert_int_equal(c.notify_send_interval_s, 0);
	assert_int_equal(config_set(&c, "notify_send_interval", "86400", err, sizeof err), 0);
	assert_int_equal(config_set(&c, "notify_send_interval", "86401", err, sizeof err),
			 KR_EINVAL);
	assert_int_equal(config_set(&c, "notify_send_interval", "-1", err, sizeof err), KR_EINVAL);
	assert_int_equal(c.notify_send_interval_s, 86400);
	/* the web behind TLS and the TAXII answer cache */
	assert_false(c.web_secure);
	assert_int_equal(c.taxii_cache_ms, 1000);
	assert_int_equal(config_set(&c, "web_secure", "Yes", err, sizeof err), 0);
	assert_true(c.web_secure);
	assert_int_equal(config_set(&c, "web_secure", "0", err, sizeof err), 0);
	assert_false(c.web_secure);
	assert_int_equal(config_set(&c, "web_secure", "on", err, sizeof err), KR_EINVAL);
	assert_non_null(strstr(err, "web_secure"));
	assert_int_equal(config_set(&c, "taxii_cache_ms", "0", err, sizeof err), 0);
	assert_int_equal(c.taxii_cache_ms, 0);
	assert_int_equal(config_set(&c, "taxii_cache_ms", "60001", err, sizeof err), KR_EINVAL);
	/* the older variable name works; the new one wins */
	clear_env();
	setenv("KRING_WEB_TRUSTED_PROXY", "10.9.9.9", 1);
	config_defaults(&c);
	assert_int_equal(config_load_env(&c, err, sizeof err), 0);
	assert_string_equal(c.trusted_proxy, "10.9.9.9");
	setenv("KRING_TRUSTED_PROXY", "10.8.8.8", 1);
	assert_int_equal(config_load_env(&c, err, sizeof err), 0);
	assert_string_equal(c.trusted_proxy, "10.8.8.8");
	setenv("KRING_WEB_SECURE", "true", 1);
	setenv("KRING_TAXII_CACHE_MS", "250", 1);
	assert_int_equal(config_load_env(&c, err, sizeof err), 0);
	assert_true(c.web_secure);
	assert_int_equal(c.taxii_cache_ms, 250);
	setenv("KRING_WEB_SECURE", "maybe", 1);
	assert_int_equal(config_load_env(&c, err, sizeof err), KR_EINVAL);
	assert_non_null(strstr(err, "KRING_WEB_SECURE"));
	unsetenv("KRING_WEB_SECURE");
	setenv("KRING_TRUSTED_PROXY", "not an address", 1);
	assert_int_equal(config_load_env(&c, err, sizeof err), KR_EINVAL);
	assert_non_null(strstr(err, "KRING_TRUSTED_PROXY"));
	clear_env();
}

static void config_env_errors_name_the_variable(void **state)
{
	(void)state;
	static const char *const vars[][2] = {
		{ "KRING_LISTEN", "localhost" },
		{ "KRING_MAX_BODY", "1e6" },
		{ "KRING_SESSION_TTL", "forever" },
		{ "KRING_LOG_LEVEL", "INFO" },
	};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		clear_env();
		setenv(vars[i][0], vars[i][1], 1);
		struct config c;
		char err[256] = "";
		config_defaults(&c);
		assert_int_equal(config_load_env(&c, err, sizeof err), KR_EINVAL);
		if (strncmp(err, vars[i][0], strlen(vars[i][0])) != 0)
			fail_msg("message '%s' does not name %s", err, vars[i][0]);
		/* the bad value changed nothing */
		struct config d;
		config_defaults(&d);
		assert_memory_equal(&c, &d, sizeof c);
	}
	clear_env();
}

static void config_split_listen_forms(void **state)
{
	(void)state;
	char host[64];
	int port = -1;
	assert_int_equal(config_split_listen("127.0.0.1:8080", host, sizeof host, &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_int_equal(config_split_listen("[2001:db8::1]:443", host, sizeof host, &port), 0);
	assert_string_equal(host, "2001:db8::1");
	assert_int_equal(port, 443);
	assert_int_equal(config_split_listen("0.0.0.0:0", host, sizeof host, &port), 0);
	assert_int_equal(port, 0);
	assert_int_equal(config_split_listen("localhost:80", host, sizeof host, &port), 0);
	assert_string_equal(host, "localhost");

	static const char *const bad[] = {
		"", "8080", ":8080", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:-1",
		"127.0.0.1:65536", "127.0.0.1:000080", "::1:80", "[::1]80", "[::1]:", "[]:80",
		"[::1", "127.0.0.1:80 ",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (config_split_listen(bad[i], host, sizeof host, &port) != KR_EINVAL)
			fail_msg("accepted listen '%s'", bad[i]);
	}
	/* host longer than the buffer */
	char tiny[4];
	assert_int_equal(config_split_listen("10.0.0.1:80", tiny, sizeof tiny, &port), KR_EINVAL);
}

static void config_host_literals(void **state)
{
	(void)state;
	assert_true(config_host_is_ip("127.0.0.1"));
	assert_true(config_host_is_ip("0.0.0.0"));
	assert_true(config_host_is_ip("::1"));
	assert_true(config_host_is_ip("2001:db8::8"));
	assert_false(config_host_is_ip("localhost"));
	assert_false(config_host_is_ip("kring.example.nl"));
	assert_false(config_host_is_ip("[::1]"));
	assert_false(config_host_is_ip("256.1.1.1"));
	assert_false(config_host_is_ip(""));
}

static void config_db_path_joins(void **state)
{
	(void)state;
	struct config c;
	char db[1100];
	config_defaults(&c);
	char err[128];
	assert_int_equal(config_set(&c, "data", "/srv/kring/", err, sizeof err), 0);
	config_db_path(&c, db, sizeof db);
	assert_string_equal(db, "/srv/kring/kring.db");
	char small[10];
	config_db_path(&c, small, sizeof small);
	assert_int_equal(strlen(small), 9); /* truncated, terminated */
	/* too long a data path is refused */
	char longp[1100];
	memset(longp, 'a', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	assert_int_equal(config_set(&c, "data", longp, err, sizeof err), KR_EINVAL);
	assert_string_equal(c.data_dir, "/srv/kring/");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strbuf_grows_and_terminates),
		cmocka_unit_test(strbuf_cap_is_enforced),
		cmocka_unit_test(strbuf_detach_hands_over),
		cmocka_unit_test(strbuf_survives_failed_allocation),
		cmocka_unit_test(alloc_failure_injection),
		cmocka_unit_test(alloc_strings),
		cmocka_unit_test(time_format_known_values),
		cmocka_unit_test(time_round_trips),
		cmocka_unit_test(time_parse_forms),
		cmocka_unit_test(time_parse_rejects_bad_input),
		cmocka_unit_test(hash_sha256_vectors),
		cmocka_unit_test(hash_equal_ct_compares),
		cmocka_unit_test(random_hex_and_uuid),
		cmocka_unit_test(err_texts),
		cmocka_unit_test(log_respects_level),
		cmocka_unit_test(config_defaults_are_documented_values),
		cmocka_unit_test(config_file_is_parsed),
		cmocka_unit_test(config_file_errors_name_the_line),
		cmocka_unit_test(config_file_rejects_long_lines_and_missing_files),
		cmocka_unit_test(config_env_overrides_file),
		cmocka_unit_test(config_env_errors_name_the_variable),
		cmocka_unit_test(config_trusted_proxies),
		cmocka_unit_test(config_split_listen_forms),
		cmocka_unit_test(config_host_literals),
		cmocka_unit_test(config_db_path_joins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
