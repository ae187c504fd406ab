/* alloc.c - counting, failure-injecting wrapper around malloc. */
#include "util/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_after = -1;
static atomic_ulong count;

static int should_fail(void)
{
	long n = atomic_load(&fail_after);
	if (n < 0)
		return 0;
	if (n == 0)
		return 1;
	atomic_fetch_sub(&fail_after, 1);
	return 0;
}

void *kr_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	atomic_fetch_add(&count, 1);
	return malloc(n ? n : 1);
}

void *kr_calloc(size_t c, size_t s)
{
	if (should_fail())
		return NULL;
	atomic_fetch_add(&count, 1);
	return calloc(c ? c : 1, s ? s : 1);
}

void *kr_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	atomic_fetch_add(&count, 1);
	return realloc(p, n ? n : 1);
}

char *kr_strdup(const char *s)
{
	if (!s)
		return NULL;
	return kr_strndup(s, strlen(s));
}

char *kr_strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	size_t len = strnlen(s, n);
	char *d = kr_malloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void kr_free(void *p)
{
	free(p);
}

void kr_alloc_fail_after(long n)
{
	atomic_store(&fail_after, n);
}

unsigned long kr_alloc_count(void)
{
	return atomic_load(&count);
}
