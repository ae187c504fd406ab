/* alloc.h - the one allocation wrapper of kring.
 *
 * All heap memory goes through these functions so that tests can count
 * allocations and make the Nth one fail (kr_alloc_fail_after). They behave
 * like their libc namesakes: they return NULL on failure and never abort.
 * Memory from them is released with kr_free(). */
#ifndef KR_ALLOC_H
#define KR_ALLOC_H

#include <stddef.h>

void *kr_malloc(size_t n);
void *kr_calloc(size_t count, size_t size);
void *kr_realloc(void *p, size_t n);
/* Returns a copy of s owned by the caller (kr_free), or NULL. s may be NULL -> NULL. */
char *kr_strdup(const char *s);
/* Copies at most n bytes of s and terminates; caller frees. */
char *kr_strndup(const char *s, size_t n);
void kr_free(void *p);

/* Testing: after n more successful allocations every allocation fails;
 * n < 0 switches failure injection off. */
void kr_alloc_fail_after(long n);
/* Testing: number of allocations made since start. */
unsigned long kr_alloc_count(void);

#endif
