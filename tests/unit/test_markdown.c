/* test_markdown.c - cmocka tests of src/codec/markdown.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "codec/markdown.h"
#include "util/alloc.h"
#include "util/err.h"

static char *render(const char *md)
{
	char *html = NULL;
	assert_int_equal(markdown_to_html(md, strlen(md), &html), 0);
	assert_non_null(html);
	return html;
}

static void test_basic(void **state)
{
	(void)state;
	char *h = render("# Title\n\nSome *emphasis* and `code`.\n");
	assert_non_null(strstr(h, "<h1>Title</h1>"));
	assert_non_null(strstr(h, "<em>emphasis</em>"));
	assert_non_null(strstr(h, "<code>code</code>"));
	kr_free(h);
}

static void test_raw_html_dropped(void **state)
{
	(void)state;
	char *h = render("hello <script>alert(1)</script>\n\n<div onclick=\"x()\">block</div>\n\n<img src=x onerror=alert(1)>\n");
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<div"));
	assert_null(strstr(h, "<img"));
	assert_null(strstr(h, "onerror"));
	kr_free(h);
}

static void test_dangerous_links(void **state)
{
	(void)state;
	char *h = render("[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](vbscript:x) "
			 "[d](data:text/html;base64,PHNjcmlwdD4=) ![e](javascript:alert(2)) [ok](https://example.org/)\n");
	assert_null(strstr(h, "javascript:"));
	assert_null(strstr(h, "JaVaScRiPt:"));
	assert_null(strstr(h, "vbscript:"));
	assert_null(strstr(h, "data:text/html"));
	assert_non_null(strstr(h, "href=\"https://example.org/\""));
	kr_free(h);
}

static void test_escaping(void **state)
{
	(void)state;
	char *h = render("a < b & \"c\"\n");
	assert_non_null(strstr(h, "a &lt; b &amp; &quot;c&quot;"));
	kr_free(h);
}

static void test_empty(void **state)
{
	(void)state;
	char *h = NULL;
	assert_int_equal(markdown_to_html("", 0, &h), 0);
	assert_string_equal(h, "");
	kr_free(h);
	assert_int_equal(markdown_to_html(NULL, 0, &h), 0);
	assert_string_equal(h, "");
	kr_free(h);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	char *h = (char *)1;
	assert_int_equal(markdown_to_html("ok \xff\xfe", 5, &h), KR_EINVAL);
	assert_null(h);
	assert_int_equal(markdown_to_html("over\xc0\xaf", 6, &h), KR_EINVAL);
	assert_null(h);
	/* An embedded NUL is not text. */
	assert_int_equal(markdown_to_html("a\0b", 3, &h), KR_EINVAL);
	assert_null(h);
	/* Valid multi-byte text passes. */
	assert_int_equal(markdown_to_html("caf\xc3\xa9 \xe2\x82\xac", 9, &h), 0);
	assert_non_null(strstr(h, "caf\xc3\xa9"));
	kr_free(h);
}

static void test_length_respected(void **state)
{
	(void)state;
	char *h = NULL;
	/* Only len bytes are read: the tail is not rendered. */
	assert_int_equal(markdown_to_html("**x**SECRET", 5, &h), 0);
	assert_non_null(strstr(h, "<strong>x</strong>"));
	assert_null(strstr(h, "SECRET"));
	kr_free(h);
}

static void test_alloc_failure(void **state)
{
	(void)state;
	char *h = (char *)1;
	kr_alloc_fail_after(0);
	int r = markdown_to_html("text", 4, &h);
	kr_alloc_fail_after(-1);
	assert_int_equal(r, KR_ENOMEM);
	assert_null(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_raw_html_dropped),
		cmocka_unit_test(test_dangerous_links),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_length_respected),
		cmocka_unit_test(test_alloc_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
