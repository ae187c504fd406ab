/* hash.h - SHA-256 as lowercase hex, and constant-time comparison. */
#ifndef KR_HASH_H
#define KR_HASH_H

#include <stdbool.h>
#include <stddef.h>

/* out receives 64 hex chars + NUL. */
void hash_sha256_hex(const void *data, size_t len, char out[65]);
/* Compares two NUL-terminated strings in time independent of where they differ
 * (lengths may leak). */
bool hash_equal_ct(const char *a, const char *b);

#endif
