/* ratelimit.c - fixed-window failure counters in a bounded table.
 *
 * A linear scan is enough: the table is small (thousands of keys) and it is
 * consulted once per login attempt, which costs far more in password
 * hashing than the scan does. */
#include "api/ratelimit.h"
#include "util/alloc.h"
#include "util/err.h"

#include <string.h>

#include "util/banned.h"

struct rl_entry {
	bool used;
	char key[API_RATELIMIT_KEY_MAX + 1];
	int64_t start; /* first failure of the current window */
	int64_t last;  /* latest failure, for eviction */
	int count;
};

struct api_ratelimit {
	size_t capacity;
	size_t size;
	int64_t window_ms;
	struct rl_entry *entries; /* capacity entries */
};

int api_ratelimit_new(size_t capacity, int64_t window_ms, struct api_ratelimit **out)
{
	int r = 0;
	struct api_ratelimit *rl = NULL;
	*out = NULL;
	if (window_ms <= 0) {
		r = KR_EINVAL;
		goto out;
	}
	if (capacity == 0)
		capacity = API_RATELIMIT_DEFAULT_CAP;
	rl = kr_calloc(1, sizeof *rl);
	if (!rl) {
		r = KR_ENOMEM;
		goto out;
	}
	rl->entries = kr_calloc(capacity, sizeof *rl->entries);
	if (!rl->entries) {
		r = KR_ENOMEM;
		goto out;
	}
	rl->capacity = capacity;
	rl->window_ms = window_ms;
	*out = rl;
	rl = NULL;
out:
	api_ratelimit_free(rl);
	return r;
}

void api_ratelimit_free(struct api_ratelimit *rl)
{
	if (!rl)
		return;
	kr_free(rl->entries);
	kr_free(rl);
}

/* Compares key with a stored (possibly cut) key the same way it was cut. */
static bool key_is(const struct rl_entry *e, const char *key)
{
	return e->used && strncmp(e->key, key, API_RATELIMIT_KEY_MAX) == 0;
}

static struct rl_entry *find(const struct api_ratelimit *rl, const char *key)
{
	for (size_t i = 0; i < rl->capacity; i++) {
		if (key_is(&rl->entries[i], key))
			return &rl->entries[i];
	}
	return NULL;
}

static bool window_passed(const struct api_ratelimit *rl, const struct rl_entry *e, int64_t now)
{
	return now - e->start >= rl->window_ms;
}

/* The delay owed after count failures under rule: 0 while count is at most
 * free_failures, then delay_ms doubled per further failure, at most
 * delay_max_ms. */
static int64_t delay_after(const struct api_ratelimit_rule *rule, int count)
{
	if (rule->delay_ms <= 0 || count <= rule->free_failures)
		return 0;
	int64_t cap = rule->delay_max_ms > rule->delay_ms ? rule->delay_max_ms : rule->delay_ms;
	int64_t d = rule->delay_ms;
	for (int i = rule->free_failures + 1; i < count && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

bool api_ratelimit_check(const struct api_ratelimit *rl, const char *key,
			 const struct api_ratelimit_rule *rule, int64_t now,
			 int64_t *retry_after_ms)
{
	const struct rl_entry *e = find(rl, key);
	if (!e || window_passed(rl, e, now))
		return false;
	int64_t left = 0;
	if (rule->max > 0 && e->count >= rule->max) {
		left = e->start + rl->window_ms - now;
	} else {
		int64_t d = delay_after(rule, e->count);
		if (d == 0 || now - e->last >= d)
			return false;
		left = e->last + d - now;
	}
	if (retry_after_ms)
		*retry_after_ms = left > 0 ? left : 1;
	return true;
}

/* A slot for a new key: a free one, else one whose window passed, else the
 * one with the oldest last failure. */
static struct rl_entry *slot_for_new(struct api_ratelimit *rl, int64_t now)
{
	struct rl_entry *oldest = NULL;
	struct rl_entry *stale = NULL;
	for (size_t i = 0; i < rl->capacity; i++) {
		struct rl_entry *e = &rl->entries[i];
		if (!e->used) {
			rl->size++;
			return e;
		}
		if (!stale && window_passed(rl, e, now))
			stale = e;
		if (!oldest || e->last < oldest->last)
			oldest = e;
	}
	return stale ? stale : oldest;
}

void api_ratelimit_fail(struct api_ratelimit *rl, const char *key, int64_t now)
{
	struct rl_entry *e = find(rl, key);
	if (!e) {
		e = slot_for_new(rl, now);
		if (!e)
			return; /* a table without capacity counts nothing */
		size_t len = strnlen(key, API_RATELIMIT_KEY_MAX);
		memcpy(e->key, key, len);
		e->key[len] = '\0';
		e->used = true;
		e->count = 0;
		e->start = now;
	} else if (window_passed(rl, e, now)) {
		e->count = 0;
		e->start = now;
	}
	if (e->count < INT32_MAX)
		e->count++;
	e->last = now;
}

void api_ratelimit_clear(struct api_ratelimit *rl, const char *key)
{
	struct rl_entry *e = find(rl, key);
	if (!e)
		return;
	memset(e, 0, sizeof *e);
	rl->size--;
}

size_t api_ratelimit_size(const struct api_ratelimit *rl)
{
	return rl->size;
}
