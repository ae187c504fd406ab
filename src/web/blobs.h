/* blobs.h - files of src/web compiled into the binary by embed.py:
 * templates (templates/NAME.html), message catalogues (i18n/nl.txt, en.txt)
 * and static assets (static/NAME). The data is static and never freed. */
#ifndef KR_WEB_BLOBS_H
#define KR_WEB_BLOBS_H

#include <stddef.h>

struct web_blob {
	const char *name; /* base name of the file: "home.html", "en.txt", "kring.css" */
	const char *data; /* its bytes, NUL-terminated */
	size_t len;
};

extern const struct web_blob web_templates[];
extern const int web_templates_count;
extern const struct web_blob web_catalogues[];
extern const int web_catalogues_count;
extern const struct web_blob web_static[];
extern const int web_static_count;

/* The blob called name in arr[0..n), or NULL. */
const struct web_blob *web_blob_find(const struct web_blob *arr, int n, const char *name);

#endif
