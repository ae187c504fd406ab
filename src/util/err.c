/* err.c - texts for status codes. */
#include "util/err.h"

const char *kr_strerror(int status)
{
	switch (status) {
	case KR_OK: return "ok";
	case KR_ENOMEM: return "out of memory";
	case KR_EINVAL: return "invalid input";
	case KR_ENOTFOUND: return "not found";
	case KR_ECONFLICT: return "conflict";
	case KR_EFORBIDDEN: return "forbidden";
	case KR_EIO: return "storage or system error";
	case KR_ELIMIT: return "limit reached";
	case KR_EAUTH: return "authentication required";
	case KR_EBUSY: return "busy, try again later";
	}
	return "unknown error";
}
