/* random.h - secrets and identifiers from libsodium's CSPRNG. */
#ifndef KR_RANDOM_H
#define KR_RANDOM_H

#include <stddef.h>

/* Must be called once at start-up; 0 on success. */
int random_init(void);
/* Fills out with 2*nbytes lowercase hex chars + NUL (out must hold 2*nbytes+1). */
void random_hex(char *out, size_t nbytes);
/* Writes a random (version 4) UUID, 36 chars + NUL, into out[37]. */
void random_uuid(char out[37]);

#endif
