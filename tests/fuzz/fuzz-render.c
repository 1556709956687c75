/*
 * fuzz-render.c — libFuzzer harness for the report renderer
 * (services/alerts/render.c): any JSON document gives a PDF that starts
 * with %PDF- or -1 with a reason, never a crash, a hang or a leak; a
 * document with charts also draws one of them as a small PNG.  run.sh
 * runs it with G_SLICE=always-malloc: glib's slice allocator would keep
 * GObjects (pango's, cairo's) in blocks of its own, out of LeakSanitizer's
 * sight, and lose a worker thread's block when the thread ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/alerts/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * fontconfig's font patterns hold their values at encoded offsets, which
 * LeakSanitizer cannot follow: the renderer's one font configuration
 * (render.c font_init, made once) and the one pango loads at start show as
 * leaks.  They are the same 79 kB after 1, 5 or 20 renderings (a loop
 * under ASan), so they are not a leak per document; a leak of pango, cairo
 * or the renderer itself is still reported.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON			*doc = cJSON_ParseWithLength((const char *)data, size);
	struct render_buf	 out;
	char			 err[256];
	int			 n;

	if (doc == NULL)
		return 0;
	err[0] = '\0';
	if (render_pdf(doc, &out, err, sizeof(err)) == 0) {
		if (out.len < 5 || memcmp(out.data, "%PDF-", 5) != 0)
			abort();
	} else if (err[0] == '\0' || out.data != NULL)
		abort();
	render_buf_free(&out);
	n = render_chart_count(doc);
	if (n > 0) {
		err[0] = '\0';
		if (render_chart_png(doc, 1 + (int)(size % (size_t)n), 160, 100, &out, err, sizeof(err)) == 0) {
			if (out.len < 8 || memcmp(out.data, "\x89PNG", 4) != 0)
				abort();
		} else if (err[0] == '\0')
			abort();
		render_buf_free(&out);
	}
	cJSON_Delete(doc);
	return 0;
}
