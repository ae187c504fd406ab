/* apib_openapi.h - the OpenAPI 3.1 document of the API (src/api/openapi.json),
 * embedded at build time by embed_json.py. */
#ifndef KR_APIB_OPENAPI_H
#define KR_APIB_OPENAPI_H

#include <stddef.h>

/* The document as compact JSON, NUL-terminated; static, never freed. */
extern const char api_openapi_json[];
/* Its length in bytes without the NUL. */
extern const size_t api_openapi_json_len;

#endif
