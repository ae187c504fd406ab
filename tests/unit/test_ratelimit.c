/* test_ratelimit.c - the login rate limiter: counting per key, fixed
 * windows, Retry-After, clearing, and the bounded table with eviction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "api/ratelimit.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define WINDOW 900000 /* 15 min */
#define T0 1700000000000LL

/* Only the hard limit, no delay. */
static bool api_ratelimit_blocked(const struct api_ratelimit *rl, const char *key, int max,
				  int64_t now, int64_t *retry_after_ms)
{
	const struct api_ratelimit_rule rule = { .max = max };
	return api_ratelimit_check(rl, key, &rule, now, retry_after_ms);
}

static struct api_ratelimit *mk(size_t cap)
{
	struct api_ratelimit *rl = NULL;
	assert_int_equal(api_ratelimit_new(cap, WINDOW, &rl), 0);
	assert_non_null(rl);
	return rl;
}

static void test_new_rejects_bad_window(void **state)
{
	(void)state;
	struct api_ratelimit *rl = (struct api_ratelimit *)1;
	assert_int_equal(api_ratelimit_new(10, 0, &rl), KR_EINVAL);
	assert_null(rl);
	assert_int_equal(api_ratelimit_new(10, -5, &rl), KR_EINVAL);
	assert_null(rl);
	api_ratelimit_free(NULL);
}

static void test_new_out_of_memory(void **state)
{
	(void)state;
	struct api_ratelimit *rl = NULL;
	kr_alloc_fail_after(0);
	assert_int_equal(api_ratelimit_new(10, WINDOW, &rl), KR_ENOMEM);
	kr_alloc_fail_after(1); /* struct succeeds, table fails: no leak */
	assert_int_equal(api_ratelimit_new(10, WINDOW, &rl), KR_ENOMEM);
	kr_alloc_fail_after(-1);
	assert_null(rl);
}

static void test_blocks_at_max(void **state)
{
	(void)state;
	struct api_ratelimit *rl = mk(0);
	int64_t ra = 0;
	for (int i = 0; i < 5; i++) {
		assert_false(api_ratelimit_blocked(rl, "e:a@example.org", 5, T0 + i, &ra));
		api_ratelimit_fail(rl, "e:a@example.org", T0 + i);
	}
	/* five failures counted: the sixth attempt is refused */
	assert_true(api_ratelimit_blocked(rl, "e:a@example.org", 5, T0 + 10, &ra));
	assert_int_equal(ra, WINDOW - 10);
	/* a larger limit for the same key is not reached yet */
	assert_false(api_ratelimit_blocked(rl, "e:a@example.org", 6, T0 + 10, NULL));
	/* other keys are independent */
	assert_false(api_ratelimit_blocked(rl, "e:b@example.org", 5, T0 + 10, NULL));
	assert_false(api_ratelimit_blocked(rl, "a:127.0.0.1", 1, T0 + 10, NULL));
	assert_int_equal(api_ratelimit_size(rl), 1);
	api_ratelimit_free(rl);
}

static void test_zero_max_never_blocks(void **state)
{
	(void)state;
	struct api_ratelimit *rl = mk(4);
	api_ratelimit_fail(rl, "k", T0);
	assert_false(api_ratelimit_blocked(rl, "k", 0, T0, NULL));
	assert_false(api_ratelimit_blocked(rl, "k", -1, T0, NULL));
	assert_true(api_ratelimit_blocked(rl, "k", 1, T0, NULL));
	api_ratelimit_free(rl);
}

static void test_window_passes(void **state)
{
	(void)state;
	struct api_ratelimit *rl = mk(0);
	int64_t ra = 0;
	for (int i = 0; i < 3; i++)
		api_ratelimit_fail(rl, "a:10.0.0.1", T0 + i * 1000);
	assert_true(api_ratelimit_blocked(rl, "a:10.0.0.1", 3, T0 + 5000, &ra));
	assert_int_equal(ra, WINDOW - 5000);
	/* the window is anchored at the first failure, not the last */
	assert_true(api_ratelimit_blocked(rl, "a:10.0.0.1", 3, T0 + WINDOW - 1, &ra));
	assert_int_equal(ra, 1);
	assert_false(api_ratelimit_blocked(rl, "a:10.0.0.1", 3, T0 + WINDOW, &ra));
	/* a failure after the window starts a new count */
	api_ratelimit_fail(rl, "a:10.0.0.1", T0 + WINDOW + 1);
	assert_false(api_ratelimit_blocked(rl, "a:10.0.0.1", 2, T0 + WINDOW + 2, NULL));
	assert_true(api_ratelimit_blocked(rl, "a:10.0.0.1", 1, T0 + WINDOW + 2, &ra));
	assert_int_equal(ra, WINDOW - 1);
	assert_int_equal(api_ratelimit_size(rl), 1);
	api_ratelimit_free(rl);
}

static void test_clear(void **state)
{
	(void)state;
	struct api_ratelimit *rl = mk(0);
	api_ratelimit_fail(rl, "e:x@example.org", T0);
	api_ratelimit_fail(rl, "a:::1", T0);
	assert_int_equal(api_ratelimit_size(rl), 2);
	api_ratelimit_clear(rl, "e:x@example.org");
	api_ratelimit_clear(rl, "e:never@example.org");
	assert_int_equal(api_ratelimit_size(rl), 1);
	assert_false(api_ratelimit_blocked(rl, "e:x@example.org", 1, T0, NULL));
	assert_true(api_ratelimit_blocked(rl, "a:::1", 1, T0, NULL));
	api_ratelimit_free(rl);
}

static void test_bounded_evicts_oldest(void **state)
{
	(void)state;
	struct api_ratelimit *rl = mk(3);
	api_ratelimit_fail(rl, "k1", T0 + 1);
	api_ratelimit_fail(rl, "k2", T0 + 2);
	api_ratelimit_fail(rl, "k3", T0 + 3);
	api_ratelimit_fail(rl, "k1", T0 + 4); /* k1 is now the most recent */
	api_ratelimit_fail(rl, "k4", T0 + 5); /* table full: k2 goes */
	assert_int_equal(api_ratelimit_size(rl), 3);
	assert_false(api_ratelimit_blocked(rl, "k2", 1, T0 + 6, NULL));
	assert_true(api_ratelimit_blocked(rl, "k1", 2, T0 + 6, NULL));
	assert_true(api_ratelimit_blocked(rl, "k3", 1, T0 + 6, NULL));
	assert_true(api_ratelimit_blocked(rl, "k4", 1, T0 + 6, NULL));
	api_ratelimit_free(rl);
}

static void test_bounded_prefers_stale(void **state)
{
	(void)state;
	struct api_ratelimit *rl = mk(2);
	/* "stale" failed recently, but its window (from T0) has passed by the
	 * time "new" comes; "old" has the oldest last failure yet a live window */
	api_ratelimit_fail(rl, "stale", T0);
	api_ratelimit_fail(rl, "stale", T0 + WINDOW - 1);
	api_ratelimit_fail(rl, "old", T0 + WINDOW / 2);
	api_ratelimit_fail(rl, "new", T0 + WINDOW + 10);
	assert_int_equal(api_ratelimit_size(rl), 2);
	assert_true(api_ratelimit_blocked(rl, "new", 1, T0 + WINDOW + 10, NULL));
	assert_true(api_ratelimit_blocked(rl, "old", 1, T0 + WINDOW + 10, NULL));
	api_ratelimit_free(rl);
}

static void test_many_keys_stay_bounded(void **state)
{
	(void)state;
	struct api_ratelimit *rl = mk(0);
	char key[64];
	for (int i = 0; i < 3 * API_RATELIMIT_DEFAULT_CAP; i++) {
		snprintf(key, sizeof key, "e:user%d@example.org", i);
		api_ratelimit_fail(rl, key, T0 + i);
	}
	assert_int_equal(api_ratelimit_size(rl), API_RATELIMIT_DEFAULT_CAP);
	/* the newest keys survive, the oldest were evicted */
	snprintf(key, sizeof key, "e:user%d@example.org", 3 * API_RATELIMIT_DEFAULT_CAP - 1);
	assert_true(api_ratelimit_blocked(rl, key, 1, T0 + 1, NULL));
	assert_false(api_ratelimit_blocked(rl, "e:user0@example.org", 1, T0 + 1, NULL));
	api_ratelimit_free(rl);
}

static void test_long_keys_are_cut(void **state)
{
	(void)state;
	struct api_ratelimit *rl = mk(0);
	char a[API_RATELIMIT_KEY_MAX + 50];
	char b[API_RATELIMIT_KEY_MAX + 50];
	memset(a, 'x', sizeof a - 1);
	a[sizeof a - 1] = '\0';
	memcpy(b, a, sizeof b);
	b[sizeof b - 2] = 'y'; /* differs only past the cut */
	api_ratelimit_fail(rl, a, T0);
	assert_true(api_ratelimit_blocked(rl, b, 1, T0, NULL));
	b[0] = 'y'; /* differs inside the cut */
	assert_false(api_ratelimit_blocked(rl, b, 1, T0, NULL));
	assert_int_equal(api_ratelimit_size(rl), 1);
	api_ratelimit_free(rl);
}

/* Progressive delay: after the free failures each attempt waits 1 s, 2 s,
 * 4 s ... after the latest failure (capped), then the hard limit holds. */
static void test_progressive_delay(void **state)
{
	(void)state;
	struct api_ratelimit *rl = mk(0);
	const struct api_ratelimit_rule rule = {
		.max = 8, .free_failures = 3, .delay_ms = 1000, .delay_max_ms = 4000
	};
	const char *k = "e:d@example.org";
	int64_t now = T0, ra = -1;
	for (int i = 0; i < 3; i++) {
		assert_false(api_ratelimit_check(rl, k, &rule, now, &ra));
		api_ratelimit_fail(rl, k, now);
		now += 10;
	}
	/* three free failures: the 4th attempt is not delayed */
	assert_false(api_ratelimit_check(rl, k, &rule, now, &ra));
	/* waits owed after failures 4..7: doubling, capped at 4 s */
	static const int64_t waits[] = { 1000, 2000, 4000, 4000 };
	for (int i = 0; i < 4; i++) {
		api_ratelimit_fail(rl, k, now);
		int64_t w = waits[i];
		assert_true(api_ratelimit_check(rl, k, &rule, now + 1, &ra));
		assert_int_equal(ra, w - 1);
		assert_true(api_ratelimit_check(rl, k, &rule, now + w - 1, &ra));
		assert_int_equal(ra, 1);
		assert_false(api_ratelimit_check(rl, k, &rule, now + w, &ra));
		now += w;
	}
	/* failure 8 reaches max: refused until the window ends */
	api_ratelimit_fail(rl, k, now);
	assert_true(api_ratelimit_check(rl, k, &rule, now + 60000, &ra));
	assert_int_equal(ra, T0 + WINDOW - (now + 60000));
	assert_true(api_ratelimit_check(rl, k, &rule, T0 + WINDOW - 1, NULL));
	assert_false(api_ratelimit_check(rl, k, &rule, T0 + WINDOW, NULL));
	/* clearing forgets the delay too */
	api_ratelimit_fail(rl, k, T0 + WINDOW);
	for (int i = 0; i < 5; i++)
		api_ratelimit_fail(rl, k, T0 + WINDOW);
	assert_true(api_ratelimit_check(rl, k, &rule, T0 + WINDOW, NULL));
	api_ratelimit_clear(rl, k);
	assert_false(api_ratelimit_check(rl, k, &rule, T0 + WINDOW, NULL));
	api_ratelimit_free(rl);
}

/* No delay configured: only the hard limit, as api_ratelimit_blocked. A
 * refused attempt is not counted, so waiting is enough. */
static void test_delay_off_and_refusals_not_counted(void **state)
{
	(void)state;
	struct api_ratelimit *rl = mk(0);
	const struct api_ratelimit_rule none = { .max = 3, .free_failures = 0, .delay_ms = 0 };
	const struct api_ratelimit_rule slow = {
		.max = 0, .free_failures = 1, .delay_ms = 500, .delay_max_ms = 500
	};
	api_ratelimit_fail(rl, "k", T0);
	api_ratelimit_fail(rl, "k", T0 + 1);
	assert_false(api_ratelimit_check(rl, "k", &none, T0 + 2, NULL));
	/* max 0 never blocks outright; the delay still applies */
	assert_true(api_ratelimit_check(rl, "k", &slow, T0 + 2, NULL));
	for (int i = 0; i < 100; i++)
		assert_true(api_ratelimit_check(rl, "k", &slow, T0 + 2 + i, NULL));
	assert_false(api_ratelimit_check(rl, "k", &slow, T0 + 501, NULL));
	api_ratelimit_fail(rl, "k", T0 + 501);
	assert_true(api_ratelimit_check(rl, "k", &none, T0 + 502, NULL));
	api_ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_bad_window),
		cmocka_unit_test(test_new_out_of_memory),
		cmocka_unit_test(test_blocks_at_max),
		cmocka_unit_test(test_zero_max_never_blocks),
		cmocka_unit_test(test_window_passes),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_bounded_evicts_oldest),
		cmocka_unit_test(test_bounded_prefers_stale),
		cmocka_unit_test(test_many_keys_stay_bounded),
		cmocka_unit_test(test_long_keys_are_cut),
		cmocka_unit_test(test_progressive_delay),
		cmocka_unit_test(test_delay_off_and_refusals_not_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
