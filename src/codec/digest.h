/* digest.h - SHA-1 and MD5 for identifiers and lookup keys, never for
 * security: SHA-1 builds name-based (version 5) UUIDs as RFC 4122 and STIX
 * 2.1 require, MD5 builds the hashes.csv of a MISP feed as MISP expects.
 * libsodium offers neither, so they are written here. */
#ifndef KR_DIGEST_H
#define KR_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_SHA1_LEN 20
#define DIGEST_MD5_LEN 16

/* Streaming state; initialise with *_init, feed with *_update (any number of
 * times, any lengths), read the digest once with *_final. */
struct digest_sha1 {
	uint32_t h[5];
	uint64_t total;          /* bytes fed so far */
	unsigned char block[64];
	size_t used;             /* bytes waiting in block */
};

struct digest_md5 {
	uint32_t h[4];
	uint64_t total;
	unsigned char block[64];
	size_t used;
};

void digest_sha1_init(struct digest_sha1 *c);
void digest_sha1_update(struct digest_sha1 *c, const void *data, size_t len);
void digest_sha1_final(struct digest_sha1 *c, unsigned char out[DIGEST_SHA1_LEN]);
/* One call: out receives the 20-byte SHA-1 of data. */
void digest_sha1(const void *data, size_t len, unsigned char out[DIGEST_SHA1_LEN]);

void digest_md5_init(struct digest_md5 *c);
void digest_md5_update(struct digest_md5 *c, const void *data, size_t len);
void digest_md5_final(struct digest_md5 *c, unsigned char out[DIGEST_MD5_LEN]);
/* out receives the MD5 of data as 32 lower-case hex digits and a NUL. */
void digest_md5_hex(const void *data, size_t len, char out[2 * DIGEST_MD5_LEN + 1]);

/* Parses a UUID in its 36-character text form (either case) into 16 bytes;
 * 0 or KR_EINVAL. */
int digest_uuid_parse(const char *s, unsigned char out[16]);
/* Writes the name-based UUID (version 5, RFC 4122 section 4.3) of name in
 * namespace ns as 36 lower-case characters and a NUL. */
void digest_uuid5(const unsigned char ns[16], const void *name, size_t len, char out[37]);
/* The same from a SHA-1 state that has already been fed the namespace bytes
 * and the name; consumes the state. For names built piece by piece. */
void digest_uuid5_final(struct digest_sha1 *c, char out[37]);

#endif
