/* err.h - status codes shared by every layer of kring.
 *
 * Functions return 0 on success and a negative KR_E* value on failure.
 * Lower layers never print; the boundary (HTTP handler, CLI command) turns a
 * status into a problem+json answer or a one-line message. */
#ifndef KR_ERR_H
#define KR_ERR_H

enum kr_status {
	KR_OK = 0,
	KR_ENOMEM = -1,     /* allocation failed */
	KR_EINVAL = -2,     /* input is malformed or out of range */
	KR_ENOTFOUND = -3,  /* no such thing (or the actor may not see it) */
	KR_ECONFLICT = -4,  /* unique constraint, duplicate, state conflict */
	KR_EFORBIDDEN = -5, /* visible, but the actor may not do this */
	KR_EIO = -6,        /* storage or system failure */
	KR_ELIMIT = -7,     /* a size or count limit was reached */
	KR_EAUTH = -8,      /* not authenticated / bad credentials */
	KR_EBUSY = -9,      /* rate limited or locked; try later */
};

/* A short static English text for a status; never NULL. */
const char *kr_strerror(int status);

#endif
