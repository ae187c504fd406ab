/* advice_blob.h - the advice catalogue shipped inside kring (generated
 * advice_json.c from data/advice/advice.json by embed_advice.py). */
#ifndef KR_NOTIFY_ADVICE_BLOB_H
#define KR_NOTIFY_ADVICE_BLOB_H

#include <stddef.h>

extern const char notify_advice_json[]; /* NUL-terminated */
extern const size_t notify_advice_json_len;

#endif
