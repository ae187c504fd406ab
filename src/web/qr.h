/* qr.h - QR codes (libqrencode) drawn by kring as SVG, for TOTP enrolment. */
#ifndef KR_WEB_QR_H
#define KR_WEB_QR_H

#include "util/strbuf.h"

/* Appends an <svg> element showing text as a QR code (error correction
 * level M, 8-bit mode): dark modules as one path on a white square with a
 * four-module quiet zone, role="img" and aria-label="label" (escaped), no
 * style attributes (the page's CSP allows no inline styles). KR_EINVAL
 * when text cannot be encoded (too long), KR_ENOMEM, KR_ELIMIT. */
int web_qr_svg(const char *text, const char *label, struct strbuf *out);

#endif
