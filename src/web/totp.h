/* totp.h - time-based one-time passwords (RFC 6238) through liboath, the
 * base32 form of secrets (RFC 4648) and otpauth:// enrolment URIs.
 *
 * kring's own second factor is HMAC-SHA1, 30-second steps, 6 digits (what
 * every authenticator app supports), 20-byte secrets from the CSPRNG; the
 * SHA-256/512 variants exist for the RFC's test vectors. */
#ifndef KR_WEB_TOTP_H
#define KR_WEB_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define WEB_TOTP_STEP 30
#define WEB_TOTP_DIGITS 6
#define WEB_TOTP_KEY_BYTES 20
#define WEB_TOTP_WINDOW 1 /* steps accepted either side of now (clock drift) */

enum web_totp_alg { WEB_TOTP_SHA1, WEB_TOTP_SHA256, WEB_TOTP_SHA512 };

/* liboath's global set-up and tear-down; 0 or KR_EIO. */
int web_totp_init(void);
void web_totp_done(void);

/* The code of key at unix_time (seconds) into out (digits + 1 bytes):
 * step size `step` seconds from T0 = 0, `digits` 6..8. 0 or KR_EINVAL. */
int web_totp_code(const unsigned char *key, size_t keylen, int64_t unix_time, unsigned step,
		  unsigned digits, enum web_totp_alg alg, char *out);

/* Checks a code typed by a person (kring's parameters; blanks inside are
 * ignored) against the steps now-window..now+window. On a match returns 0
 * with *step_out the matched time step (unix_time / 30); KR_EAUTH otherwise.
 * Compared in constant time per candidate. */
int web_totp_verify(const unsigned char *key, size_t keylen, int64_t unix_time,
		    const char *code, int64_t *step_out);

/* RFC 4648 base32 without padding, upper-case, into out; KR_ELIMIT when
 * out (n bytes) is too small for the text and its NUL. */
int web_base32_encode(const unsigned char *in, size_t len, char *out, size_t n);

/* Hex text (2*len digits) to bytes; KR_EINVAL when not hex of that length. */
int web_hex_decode(const char *hex, unsigned char *out, size_t len);

/* otpauth://totp/ISSUER:ACCOUNT?secret=B32&issuer=ISSUER&algorithm=SHA1&
 * digits=6&period=30 with the label and issuer percent-encoded; KR_ELIMIT
 * when out is too small. */
int web_totp_uri(const char *issuer, const char *account, const char *b32, char *out,
		 size_t n);

#endif
