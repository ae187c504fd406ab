/* ratelimit.h - bounded in-memory count of failed logins per key (an e-mail
 * address or a client address) within a fixed window, with a progressive
 * delay between attempts once a key has used up its free failures.
 *
 * Pure logic: the caller passes the current time, nothing here reads a
 * clock, does I/O or locks (the API runs on one server thread). A key's
 * window starts at its first counted failure and lasts window_ms; once it
 * has passed, the key starts afresh. The table holds at most `capacity`
 * keys; when it is full, a key whose window passed is reused, otherwise the
 * key with the oldest last failure is evicted. Keys longer than
 * API_RATELIMIT_KEY_MAX bytes are cut to that length. */
#ifndef KR_API_RATELIMIT_H
#define KR_API_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_RATELIMIT_DEFAULT_CAP 4096
#define API_RATELIMIT_KEY_MAX 320

struct api_ratelimit;

/* Creates an empty limiter for at most capacity keys (0 = the default) with
 * the given window (> 0). Returns 0, KR_EINVAL or KR_ENOMEM; *out is owned
 * by the caller and freed with api_ratelimit_free(). */
int api_ratelimit_new(size_t capacity, int64_t window_ms, struct api_ratelimit **out);
/* Frees the limiter; NULL is allowed. */
void api_ratelimit_free(struct api_ratelimit *rl);

/* What a key may do within its window: after free_failures failures, each
 * further attempt must wait delay_ms after the latest failure, doubled for
 * every failure beyond free_failures + 1 and at most delay_max_ms; at max
 * failures the key is refused until its window ends. delay_ms <= 0 means no
 * delay; max <= 0 means no hard limit. */
struct api_ratelimit_rule {
	int max;
	int free_failures;
	int64_t delay_ms;
	int64_t delay_max_ms;
};

/* True when the next attempt of key must be refused under rule: it reached
 * rule->max, or its progressive delay has not passed yet. *retry_after_ms
 * (may be NULL) then receives the time until an attempt is allowed again,
 * at least 1. A refused attempt is not a failure: the caller does not count
 * it, so waiting out the delay is enough. */
bool api_ratelimit_check(const struct api_ratelimit *rl, const char *key,
			 const struct api_ratelimit_rule *rule, int64_t now,
			 int64_t *retry_after_ms);

/* Counts one failure of key at now. */
void api_ratelimit_fail(struct api_ratelimit *rl, const char *key, int64_t now);
/* Forgets key (e.g. an account after a successful login). */
void api_ratelimit_clear(struct api_ratelimit *rl, const char *key);
/* Number of keys held, windows passed or not (for tests and metrics). */
size_t api_ratelimit_size(const struct api_ratelimit *rl);

#endif
