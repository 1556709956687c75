/*
 * render.h — drawing a report document (the JSON of report.h) with cairo
 * and pango: the whole document as a PDF (the board pack, the weekly
 * review's attachment) and one chart of it as a PNG (the e-mails' inline
 * images).  Nothing here reads the database or knows a metric: every
 * figure arrives formatted, every chart arrives as numbers with a unit.
 *
 * The document (docs/reports.md "The report document"):
 *   { "kind": "board", "title": "...", "subtitle": "...", "company": "...",
 *     "period": "2026-10-01", "period_label": "October 2026",
 *     "generated_at": "2026-11-01 07:00 UTC", "currency": "USD",
 *     "app_url": "https://..." (optional),
 *     "sections": [ { "title": "...", "link": "..." (optional),
 *                     "blocks": [ block, ... ] }, ... ] }
 * A section without "blocks" but with "columns" and "rows" (the older
 * daily/weekly/monthly shape) is one table block.  Blocks:
 *   { "type": "kpis", "items": [ { "label", "value", "note" (optional) } ] }
 *   { "type": "table", "title" (optional), "columns": [text...],
 *     "align": ["l"|"r", ...] (optional), "rows": [[text...], ...] }
 *   { "type": "chart", "chart": "line"|"bar", "title": "...",
 *     "unit": "money"|"pct"|"count"|"months", "x": [label...],
 *     "series": [ { "name", "values": [number|null...],
 *                   "dashed": bool (optional),
 *                   "lo": [..], "hi": [..] (optional band) } ] }
 *   { "type": "text", "text": "..." }
 * Charts number 1, 2, ... in document order (sections, then blocks); the
 * e-mails' HTML refers to chart N as <img src="cid:chart-N@northstar">.
 */
#ifndef RENDER_H
#define RENDER_H

#include <stddef.h>

#include <cJSON.h>

/* Bytes that a renderer wrote; owned by the caller, freed with render_buf_free(). */
struct render_buf {
	unsigned char	*data;
	size_t		 len, cap;
};

/* Free what a renderer wrote into b and empty it; b may be NULL. */
void	 render_buf_free(struct render_buf *b);

/*
 * The document as an A4 PDF into *out (empty on entry): a cover page
 * (company, title, period, contents, generation time), then the sections,
 * tables broken across pages with their header repeated, page numbers in
 * the footer.  Returns 0, or -1 with the reason in err (out is then empty;
 * err may be NULL when errsz is 0).  The document is read defensively: a
 * missing field or one of another type draws nothing (a null value "—"),
 * an unknown block type is left out; refused with -1 are more than 600
 * pages, 16 table columns, 20,000 rows, 12 series or 2,000 points in a
 * chart, a chart value above 1e15 in size, and an output over 64 MiB.
 * Safe to call from several threads: renderings take one process-wide
 * lock (pango's objects are not shared between threads) and share one
 * pango context (its fonts loaded once, renewed every 64 renderings).
 * docs/reports.md ("How reports are drawn") says how each block is drawn.
 */
int	 render_pdf(const cJSON *doc, struct render_buf *out, char *err, size_t errsz);

/*
 * Chart number n (1-based, document order) of doc as a PNG of w × h
 * pixels (drawn at 2× for sharpness: the image is 2w × 2h) into *out: on
 * white, with the chart's title and legend, as in the PDF.  w is 120 to
 * 2000, h 80 to 2000.  Returns 0, or -1 with the reason in err (no such
 * chart, a size out of range, a chart past the limits of render_pdf).
 */
int	 render_chart_png(const cJSON *doc, int n, int w, int h, struct render_buf *out,
	    char *err, size_t errsz);

/* How many chart blocks doc holds (0 for NULL or a document without sections). */
int	 render_chart_count(const cJSON *doc);

/*
 * v as a chart's axis label of unit ("money", "pct"; anything else is a
 * count) in currency (ISO code; NULL: USD), as web/src/format.js and
 * core.js's axisFormatter write it: "$950", "$12.3k", "$1.25M", "12%",
 * "1,234", "12.3k".  Writes at most sz bytes into buf (cut, NUL-terminated);
 * returns the label's length, or -1 when buf is NULL or sz 0.
 */
int	 render_format(const char *unit, const char *currency, double v, char *buf, size_t sz);

#endif /* RENDER_H */
