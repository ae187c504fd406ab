/* qr.c - QR code to SVG: libqrencode computes the modules, kring draws
 * them as horizontal runs of one path, so the picture is exact and small. */
#include "web/qr.h"
#include "web/tpl.h"
#include "util/err.h"

#include <errno.h>
#include <qrencode.h>
#include <string.h>

#include "util/banned.h"

#define QUIET 4      /* modules of white border the standard asks for */
#define PIXELS 232   /* rendered width and height */

int web_qr_svg(const char *text, const char *label, struct strbuf *out)
{
	errno = 0;
	QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (!qr)
		return errno == ENOMEM ? KR_ENOMEM : KR_EINVAL;
	int w = qr->width;
	int size = w + 2 * QUIET;
	int r = strbuf_addf(out,
			    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" role=\"img\" "
			    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
			    "shape-rendering=\"crispEdges\" aria-label=\"",
			    PIXELS, PIXELS, size, size);
	if (!r)
		r = web_html_escape(out, label, strlen(label));
	if (!r)
		r = strbuf_addf(out, "\"><rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>"
				     "<path fill=\"#000000\" d=\"",
				size, size);
	for (int y = 0; y < w && !r; y++) {
		int x = 0;
		while (x < w && !r) {
			/* bit 0 of each byte: 1 = dark module */
			if (!(qr->data[y * w + x] & 1)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < w && (qr->data[y * w + x + run] & 1))
				run++;
			r = strbuf_addf(out, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
			x += run;
		}
	}
	if (!r)
		r = strbuf_adds(out, "\"/></svg>");
	QRcode_free(qr);
	return r;
}
