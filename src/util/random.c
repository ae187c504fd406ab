/* random.c - libsodium-backed randomness. */
#include "util/random.h"

#include <sodium.h>
#include <stdio.h>

int random_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	size_t done = 0;
	while (done < nbytes) {
		size_t n = nbytes - done > sizeof b ? sizeof b : nbytes - done;
		randombytes_buf(b, n);
		sodium_bin2hex(out + 2 * done, 2 * n + 1, b, n);
		done += n;
	}
	out[2 * nbytes] = '\0';
}

void random_uuid(char out[37])
{
	unsigned char b[16];
	randombytes_buf(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
}
