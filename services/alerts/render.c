/*
 * render.c — the report document (render.h) drawn with cairo and pango: the
 * board pack as an A4 PDF, one chart as a PNG for the e-mails.
 *
 * The document is untrusted (it is our own SQL's, but a field can be missing
 * or of another type): every field is read through a helper that gives ""
 * or nothing for a wrong type, every text is made valid UTF-8 without
 * control characters and cut to a bound, and every loop is bounded by the
 * document's own arrays and by the caps below (pages, columns, rows, series,
 * points, output size).  What exceeds a cap is refused (-1 and the reason)
 * rather than drawn half.
 *
 * Layout runs twice: a first pass without a surface only measures (pango
 * layouts, no drawing) and counts the pages, so the second pass, which draws
 * the PDF, can write "page N of M" and the cover's contents with page
 * numbers.  Both passes measure with the same pango context (hinting off,
 * metrics unhinted), so they break pages at the same places; a difference
 * is reported as an internal error.
 *
 * Fonts: DejaVu Sans (fonts-dejavu-core) through a private fontconfig
 * configuration that holds only RENDER_FONT_DIR, so a report looks the same
 * on every machine whatever fonts and fontconfig rules it has; when that
 * directory is missing, the system's configuration ("DejaVu Sans,
 * sans-serif") is the fallback.
 *
 * Colours come from web/src/charts/palette.json (the app's chart palette
 * and text colours) through the generated palette.h.  Axis labels mirror
 * web/src/format.js and core.js's axisFormatter: money compact ("$950",
 * "$12.3k", "$1.25M", Intl's rounding of the shortest decimal), pct with no
 * decimals ("12%"; one or two when the axis step is below 1), counts
 * compact ("1,234", "12.3k", "1.2M").  Change those and change these.
 */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>

#include "render.h"
#include "palette.h"

#ifndef RENDER_FONT_DIR
#define RENDER_FONT_DIR	"/usr/share/fonts/truetype/dejavu"
#endif

/* A4 in points, margins of 18 mm. */
#define MM		(72.0 / 25.4)
#define PAGE_W		(210.0 * MM)
#define PAGE_H		(297.0 * MM)
#define MARGIN		(18.0 * MM)
#define CW		(PAGE_W - 2 * MARGIN)
#define BOTTOM		(PAGE_H - MARGIN)

/* Caps on what one document may ask for. */
#define MAX_PAGES	600
#define MAX_LABEL	1000		/* bytes of a label, a cell, a title */
#define MAX_PARA	20000		/* bytes of a text block */
#define MAX_COLS	16
#define MAX_ROWS	20000
#define MAX_SERIES	12
#define MAX_POINTS	2000
#define MAX_OUT		(64u << 20)	/* bytes of a PDF or PNG */
#define VALUE_MAX	1e15		/* |value| of a chart */
#define MAX_TOC		64
#define MEASURE_ROWS	300		/* rows measured for a table's column widths */

/* Type sizes (points in the PDF, CSS pixels in a PNG). */
#define SZ_BODY		9.5
#define SZ_SMALL	7.5
#define SZ_TABLE	8.5
#define SZ_SECTION	15.0
#define SZ_BLOCK	10.5
#define SZ_KPI		17.0
#define CHART_H		235.0		/* a chart block in the PDF */

#define PALETTE_N	(sizeof(ns_palette_light) / sizeof(ns_palette_light[0]))

enum unit { U_COUNT, U_MONEY, U_PCT };

/* One rendering: the pango context it measures with and the page cursor. */
struct rc {
	PangoContext	*pc;
	cairo_t		*cr;		/* NULL: the measuring pass */
	cairo_surface_t	*pdf;		/* the PDF surface (outline), or NULL */
	const char	*family;
	char		 sym[8];	/* the currency's symbol */
	double		 y;		/* top of the free space on the page */
	int		 page;		/* the current page, 1 = the cover */
	int		 pages;		/* from the measuring pass; 0 in it */
	char		*company, *title;	/* the footer's, cleaned */
	int		 toc[MAX_TOC];	/* first page of each section */
	int		 nsect;
	char		*err;
	size_t		 errsz;
	int		 failed;
};

/* ---- output buffer ---- */

void
render_buf_free(struct render_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* cairo's write function: append to the render_buf closure, at most MAX_OUT bytes. */
static cairo_status_t
buf_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct render_buf	*b = closure;

	if (len > MAX_OUT || b->len > MAX_OUT - len)
		return CAIRO_STATUS_WRITE_ERROR;
	if (b->len + len > b->cap) {
		unsigned char	*p;
		size_t		 cap = b->cap ? b->cap : 65536;

		while (cap < b->len + len)
			cap *= 2;
		if ((p = realloc(b->data, cap)) == NULL)
			return CAIRO_STATUS_NO_MEMORY;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return CAIRO_STATUS_SUCCESS;
}

/* ---- errors ---- */

/* Record the first failure of rc (printf-style reason); returns -1. */
__attribute__((format(printf, 2, 3)))
static int
fail(struct rc *rc, const char *fmt, ...)
{
	if (!rc->failed && rc->err != NULL && rc->errsz > 0) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(rc->err, rc->errsz, fmt, ap);
		va_end(ap);
	}
	rc->failed = 1;
	return -1;
}

/* ---- reading the document ---- */

/* The string field k of object o, or NULL (missing, not a string). */
static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;

	return cJSON_IsString(v) && v->valuestring != NULL ? v->valuestring : NULL;
}

/* The array field k of object o, or NULL. */
static const cJSON *
jarr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;

	return cJSON_IsArray(v) ? v : NULL;
}

/*
 * s (NULL: "") as valid UTF-8 of at most max bytes, cut at a character
 * boundary with "…" appended, each control character a space (keep_nl:
 * newlines kept, at most two in a row).  Caller frees with g_free; never NULL.
 */
static char *
clean(const char *s, size_t max, int keep_nl)
{
	GString		*g;
	char		*v;
	const char	*p;
	size_t		 len, cut;
	int		 nl = 0;

	if (s == NULL)
		return g_strdup("");
	len = strlen(s);
	cut = len > max ? max : len;
	while (cut > 0 && cut < len && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	v = g_utf8_make_valid(s, (gssize)cut);
	g = g_string_sized_new(cut + 4);
	for (p = v; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == '\n' && keep_nl) {
			if (nl++ < 2)
				g_string_append_c(g, '\n');
			continue;
		}
		nl = 0;
		if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029)
			g_string_append_c(g, ' ');
		else
			g_string_append_len(g, p, g_utf8_next_char(p) - p);
	}
	if (cut < len)
		g_string_append(g, "…");
	g_free(v);
	return g_string_free(g, FALSE);
}

/* A cell or label value as text: a string, a number, true/false, null as "—". Caller g_frees. */
static char *
jtext(const cJSON *v)
{
	if (cJSON_IsString(v))
		return clean(v->valuestring, MAX_LABEL, 0);
	if (cJSON_IsNumber(v)) {
		char b[64];

		if (!isfinite(v->valuedouble))
			return g_strdup("—");
		snprintf(b, sizeof(b), "%.15g", v->valuedouble);
		return g_strdup(b);
	}
	if (cJSON_IsBool(v))
		return g_strdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNull(v))
		return g_strdup("—");
	return g_strdup("");
}

/* The field k of o as clean one-line text ("" when missing). Caller g_frees. */
static char *
jfield(const cJSON *o, const char *k)
{
	return clean(jstr(o, k), MAX_LABEL, 0);
}

/* ---- numbers, as web/src/format.js ---- */

/* The currency's symbol as format.js setCurrency makes it (Intl's narrow symbol, a space after a long one). */
static void
currency_symbol(const char *code, char *buf, size_t sz)
{
	static const struct { const char *code, *sym; } t[] = {
		{ "USD", "$" }, { "EUR", "€" }, { "GBP", "£" }, { "JPY", "¥" }, { "CNY", "¥" },
		{ "CAD", "$" }, { "AUD", "$" }, { "NZD", "$" }, { "MXN", "$" }, { "INR", "₹" },
		{ "CHF", "CHF " }, { "SEK", "kr " }, { "NOK", "kr " }, { "DKK", "kr " },
		{ "BRL", "R$ " }, { "PLN", "zł " }, { "ZAR", "R" },
	};
	size_t i;

	snprintf(buf, sz, "$");
	if (code == NULL)
		return;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(code, t[i].code) == 0) {
			snprintf(buf, sz, "%s", t[i].sym);
			return;
		}
	/* Intl shows an unknown code itself: "XYZ " */
	if (strlen(code) == 3 && g_ascii_isupper(code[0]) && g_ascii_isupper(code[1]) && g_ascii_isupper(code[2]))
		snprintf(buf, sz, "%s ", code);
}

/*
 * a (finite, >= 0) with at most frac decimals, trailing zeros dropped and
 * the integer part grouped by commas: Intl.NumberFormat('en-US',
 * {maximumFractionDigits}), which rounds half away from zero on the
 * shortest decimal that reads back as a (1.005 → "1.01").
 */
static void
fixed(double a, int frac, char *out, size_t sz)
{
	char	 e[40], d[48], ip[96], fp[24];
	int	 p, nd = 0, ex, keep, i, k, n;
	char	*q;

	if (!(a > 0)) {
		snprintf(out, sz, "0");
		return;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, a);
		if (strtod(e, NULL) == a)
			break;
	}
	for (q = e; *q != '\0' && *q != 'e'; q++)
		if (*q >= '0' && *q <= '9' && nd < 40)
			d[nd++] = *q;
	ex = (*q == 'e' ? atoi(q + 1) : 0) + 1;		/* a = 0.d × 10^ex */
	keep = ex + frac;				/* digits before the cut */
	if (keep < 0)
		keep = 0, nd = 0;
	if (keep < nd) {
		int up = d[keep] >= '5';

		nd = keep;
		for (i = nd - 1; up && i >= 0; i--) {
			if (d[i] == '9')
				d[i] = '0';
			else {
				d[i]++;
				up = 0;
			}
		}
		if (up) {				/* 9.99 → 10.0 */
			memmove(d + 1, d, (size_t)nd);
			d[0] = '1';
			nd++;
			ex++;
		}
	}
	while (nd > 0 && nd > ex && d[nd - 1] == '0')	/* trailing fraction zeros */
		nd--;
	/* integer part: digits 0..ex-1 (zeros past nd) */
	n = 0;
	if (ex <= 0)
		ip[n++] = '0';
	for (i = 0; i < ex && n < (int)sizeof(ip) - 2; i++) {
		if (i > 0 && (ex - i) % 3 == 0)
			ip[n++] = ',';
		ip[n++] = i < nd ? d[i] : '0';
	}
	ip[n] = '\0';
	k = 0;
	for (i = ex < 0 ? ex : (ex > nd ? nd : ex); i < nd && k < (int)sizeof(fp) - 1; i++)
		fp[k++] = i < 0 ? '0' : d[i];
	fp[k] = '\0';
	snprintf(out, sz, k ? "%s.%s" : "%s", ip, fp);
}

/* Number(v).toFixed(digits) + "%" (format.js pct): the exact binary value rounded, ties up. */
static void
fmt_pct(double v, int digits, char *out, size_t sz)
{
	double	a = fabs(v), m = pow(10, digits), n = floor(a * m);

	if (a * m - n >= 0.5)
		n++;
	snprintf(out, sz, "%s%.*f%%", v < 0 ? "-" : "", digits, n / m);
}

/* A value as an axis label of unit u (core.js axisFormatter); pct with digits decimals. */
static void
fmt_axis(enum unit u, const char *sym, double v, int digits, char *out, size_t sz)
{
	char	n[96];
	double	a = fabs(v);
	const char *s = v < 0 ? "-" : "";

	if (!isfinite(v)) {
		snprintf(out, sz, "—");
		return;
	}
	if (u == U_PCT) {
		fmt_pct(v, digits, out, sz);
		return;
	}
	if (u == U_MONEY) {		/* money(v): compact */
		if (a >= 1e6) {
			fixed(a / 1e6, 2, n, sizeof(n));
			snprintf(out, sz, "%s%s%sM", s, sym, n);
		} else if (a >= 1e4) {
			fixed(a / 1e3, 1, n, sizeof(n));
			snprintf(out, sz, "%s%s%sk", s, sym, n);
		} else {
			fixed(a, a >= 100 ? 0 : 2, n, sizeof(n));
			snprintf(out, sz, "%s%s%s", s, sym, n);
		}
		return;
	}
	/* compact(v) */
	if (a >= 1e6) {
		fixed(a / 1e6, 1, n, sizeof(n));
		snprintf(out, sz, "%s%sM", s, n);
	} else if (a >= 1e4) {
		fixed(a / 1e3, 1, n, sizeof(n));
		snprintf(out, sz, "%s%sk", s, n);
	} else {
		fixed(a, 1, n, sizeof(n));
		snprintf(out, sz, "%s%s", strcmp(n, "0") == 0 ? "" : s, n);
	}
}

static enum unit
unit_of(const char *s)
{
	if (s != NULL && strcmp(s, "money") == 0)
		return U_MONEY;
	if (s != NULL && strcmp(s, "pct") == 0)
		return U_PCT;
	return U_COUNT;
}

int
render_format(const char *unit, const char *currency, double v, char *buf, size_t sz)
{
	char	sym[8];
	int	n;

	if (buf == NULL || sz == 0)
		return -1;
	currency_symbol(currency, sym, sizeof(sym));
	fmt_axis(unit_of(unit), sym, v, 0, buf, sz);
	n = (int)strlen(buf);
	return n;
}

/* ---- fonts and text ---- */

static pthread_once_t	 font_once = PTHREAD_ONCE_INIT;
static FcConfig		*font_config;	/* DejaVu only; NULL: the system's */

/*
 * The private font configuration: the fonts of RENDER_FONT_DIR (each file
 * added by itself: a configuration without cache directories would warn
 * when scanning a directory), when they include DejaVu Sans.
 */
static void
font_init(void)
{
	FcConfig	*c = FcConfigCreate();
	FcFontSet	*fs;
	FcChar8		*fam;
	DIR		*d;
	int		 n = 0, ok = 0;

	if (c == NULL)
		return;
	if ((d = opendir(RENDER_FONT_DIR)) != NULL) {
		const struct dirent *e;

		while ((e = readdir(d)) != NULL && n < 64) {
			size_t	 len = strlen(e->d_name);
			char	 path[512];

			if (len < 5 || strcmp(e->d_name + len - 4, ".ttf") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", RENDER_FONT_DIR, e->d_name);
			n += FcConfigAppFontAddFile(c, (const FcChar8 *)path) ? 1 : 0;
		}
		closedir(d);
	}
	if (n > 0 && (fs = FcConfigGetFonts(c, FcSetApplication)) != NULL)
		for (int i = 0; i < fs->nfont && !ok; i++)
			if (FcPatternGetString(fs->fonts[i], FC_FAMILY, 0, &fam) == FcResultMatch &&
			    strcmp((const char *)fam, "DejaVu Sans") == 0)
				ok = 1;
	if (ok)
		font_config = c;
	else
		FcConfigDestroy(c);
}

/*
 * The pango context renderings measure and draw with, kept for
 * CONTEXT_USES renderings (its font map caches fonts and font patterns, a
 * rendering need not load them again; it keeps them for good, a pattern
 * per size, language and fallback font, so a new one now and then bounds
 * that cache).  Renderings take render_lock for their whole length: pango
 * and fontconfig objects are not to be shared between threads, and a
 * report is drawn seldom.  Call with render_lock held.
 */
#define CONTEXT_USES	64
static pthread_mutex_t	 render_lock = PTHREAD_MUTEX_INITIALIZER;
static PangoContext	*shared_pc;
static const char	*shared_family;
static int		 shared_uses;

static PangoContext *context_new(const char **family);

static PangoContext *
context_get(const char **family)
{
	if (shared_pc != NULL && ++shared_uses >= CONTEXT_USES) {
		g_object_unref(shared_pc);
		shared_pc = NULL;
	}
	if (shared_pc == NULL) {
		shared_pc = context_new(&shared_family);
		shared_uses = 0;
	}
	*family = shared_family;
	return shared_pc;
}

/* A new pango context on the private font configuration (or the system's). */
static PangoContext *
context_new(const char **family)
{
	PangoFontMap		*fm;
	PangoContext		*pc;
	cairo_font_options_t	*fo;

	pthread_once(&font_once, font_init);
	if ((fm = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT)) == NULL)
		return NULL;
	if (font_config != NULL)
		pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), font_config);
	*family = font_config != NULL ? "DejaVu Sans" : "DejaVu Sans,sans-serif";
	pc = pango_font_map_create_context(fm);
	g_object_unref(fm);		/* the context holds it */
	if (pc == NULL)
		return NULL;
	/* Unhinted metrics: the measuring pass, the PDF and the PNG lay out alike. */
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	pango_cairo_context_set_font_options(pc, fo);
	cairo_font_options_destroy(fo);
	pango_cairo_context_set_resolution(pc, 72);
	pango_context_set_round_glyph_positions(pc, FALSE);
	return pc;
}

/* Set l's font: family at size (user units), bold or not. */
static void
font(PangoLayout *l, const char *family, double size, int bold)
{
	PangoFontDescription *fd = pango_font_description_new();

	pango_font_description_set_family(fd, family);
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
}

/*
 * A layout of s (clean UTF-8) at size (user units), bold or not, in width
 * (<= 0: unbounded) with lines: 0 wrap freely, n > 0 at most n lines,
 * ellipsized.  Caller g_object_unrefs.
 */
static PangoLayout *
text(struct rc *rc, const char *s, double size, int bold, double width, int lines)
{
	PangoLayout *l = pango_layout_new(rc->pc);

	font(l, rc->family, size, bold);
	if (width > 0) {
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
		if (lines > 0) {
			pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
			pango_layout_set_height(l, -lines);
		}
	}
	pango_layout_set_text(l, s, -1);
	return l;
}

static double
lay_h(PangoLayout *l)
{
	PangoRectangle r;

	pango_layout_get_extents(l, NULL, &r);
	return (double)r.height / PANGO_SCALE;
}

static double
lay_w(PangoLayout *l)
{
	PangoRectangle r;

	pango_layout_get_extents(l, NULL, &r);
	return (double)r.width / PANGO_SCALE;
}

static void
colour(cairo_t *cr, unsigned int c, double alpha)
{
	cairo_set_source_rgba(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0, alpha);
}

static unsigned int
series_colour(int i)
{
	return ns_palette_light[(size_t)i % PALETTE_N];
}

/* Draw l with its top left at (x, y) in c (nothing in the measuring pass). */
static void
show(cairo_t *cr, PangoLayout *l, double x, double y, unsigned int c)
{
	if (cr == NULL)
		return;
	colour(cr, c, 1);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l);
}

static void
fill_rect(cairo_t *cr, double x, double y, double w, double h, unsigned int c, double alpha)
{
	if (cr == NULL)
		return;
	colour(cr, c, alpha);
	cairo_rectangle(cr, x, y, w, h);
	cairo_fill(cr);
}

static void
hline(cairo_t *cr, double x0, double x1, double y, double width, unsigned int c)
{
	if (cr == NULL)
		return;
	colour(cr, c, 1);
	cairo_set_line_width(cr, width);
	cairo_move_to(cr, x0, y);
	cairo_line_to(cr, x1, y);
	cairo_stroke(cr);
}

/* ---- pages ---- */

/* The footer of the current page: "<company> · <title> · page N of M". */
static void
footer(struct rc *rc)
{
	char		 num[64];
	PangoLayout	*pl, *ll;
	double		 pw, lw, y = BOTTOM + 14, x;
	char		*lead;

	if (rc->cr == NULL)
		return;
	snprintf(num, sizeof(num), "page %d of %d", rc->page, rc->pages);
	pl = text(rc, num, SZ_SMALL, 0, -1, 0);
	pw = lay_w(pl);
	lead = g_strdup_printf("%s%s%s%s", rc->company, rc->company[0] && rc->title[0] ? " · " : "", rc->title,
	    rc->company[0] || rc->title[0] ? " · " : "");
	ll = text(rc, lead, SZ_SMALL, 0, CW - pw - 4, 1);
	lw = lay_w(ll);
	x = MARGIN + (CW - lw - pw) / 2;
	hline(rc->cr, MARGIN, MARGIN + CW, BOTTOM + 8, 0.5, NS_COLOR_BORDER);
	show(rc->cr, ll, x, y, NS_COLOR_MUTED);
	show(rc->cr, pl, x + lw, y, NS_COLOR_MUTED);
	g_object_unref(pl);
	g_object_unref(ll);
	g_free(lead);
}

/* Start the next page (the cover first); -1 past MAX_PAGES. */
static int
new_page(struct rc *rc)
{
	if (rc->failed)
		return -1;
	if (rc->cr != NULL && rc->page > 0)
		cairo_show_page(rc->cr);
	if (++rc->page > MAX_PAGES)
		return fail(rc, "the document is longer than %d pages", MAX_PAGES);
	rc->y = MARGIN;
	if (rc->page > 1)
		footer(rc);
	return 0;
}

/* Make room for h below the cursor: a new page unless it fits or the page is empty. */
static int
need(struct rc *rc, double h)
{
	if (rc->failed)
		return -1;
	if (rc->y + h <= BOTTOM + 0.01 || rc->y <= MARGIN + 0.01)
		return 0;
	return new_page(rc);
}

/* ---- charts ---- */

struct series {
	char	*name;
	double	*v, *lo, *hi;		/* n values each (NAN: a gap); lo, hi NULL without a band */
	int	 dashed;
};

struct chart {
	char		*title;
	int		 bar;
	enum unit	 unit;
	int		 n;		/* points (x labels) */
	char		**x;
	int		 ns;
	struct series	 s[MAX_SERIES];
	int		 any;		/* a finite value exists */
	double		 min, max;
};

static void
chart_free(struct chart *c)
{
	int i;

	g_free(c->title);
	for (i = 0; c->x != NULL && i < c->n; i++)
		g_free(c->x[i]);
	free(c->x);
	for (i = 0; i < c->ns; i++) {
		g_free(c->s[i].name);
		free(c->s[i].v);
		free(c->s[i].lo);
		free(c->s[i].hi);
	}
	memset(c, 0, sizeof(*c));
}

/* n values of a (NULL: all gaps) into a new array; -1 on a value past VALUE_MAX or no memory. */
static int
chart_values(const cJSON *a, int n, double **out, struct chart *c)
{
	const cJSON	*v;
	double		*d = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
	int		 i = 0;

	if ((*out = d) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		d[i] = NAN;
	i = 0;
	cJSON_ArrayForEach(v, a) {
		if (i >= n)
			break;
		if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
			if (fabs(v->valuedouble) > VALUE_MAX)
				return -1;
			d[i] = v->valuedouble;
			if (!c->any || d[i] < c->min)
				c->min = d[i];
			if (!c->any || d[i] > c->max)
				c->max = d[i];
			c->any = 1;
		}
		i++;
	}
	return 0;
}

/* Chart block b read into c (chart_free it, also on failure); -1 with the reason in rc. */
static int
chart_prep(struct rc *rc, const cJSON *b, struct chart *c)
{
	const cJSON	*x = jarr(b, "x"), *series = jarr(b, "series"), *s, *v;
	const char	*kind = jstr(b, "chart");
	int		 i, n;

	memset(c, 0, sizeof(*c));
	c->title = jfield(b, "title");
	c->bar = kind != NULL && strcmp(kind, "bar") == 0;
	c->unit = unit_of(jstr(b, "unit"));
	n = cJSON_GetArraySize(x);
	if (x == NULL) {		/* no labels: as many points as the longest series */
		cJSON_ArrayForEach(s, series) {
			int m = cJSON_GetArraySize(jarr(s, "values"));

			n = m > n ? m : n;
		}
	}
	if (n > MAX_POINTS)
		return fail(rc, "chart \"%.60s\" has %d points; at most %d are drawn", c->title, n, MAX_POINTS);
	if (cJSON_GetArraySize(series) > MAX_SERIES)
		return fail(rc, "chart \"%.60s\" has %d series; at most %d are drawn", c->title,
		    cJSON_GetArraySize(series), MAX_SERIES);
	c->n = n;
	if ((c->x = calloc((size_t)(n > 0 ? n : 1), sizeof(char *))) == NULL)
		return fail(rc, "out of memory");
	i = 0;
	cJSON_ArrayForEach(v, x) {
		if (i >= n)
			break;
		c->x[i++] = jtext(v);
	}
	for (; i < n; i++)
		c->x[i] = g_strdup_printf("%d", i + 1);
	cJSON_ArrayForEach(s, series) {
		struct series	*p;
		const cJSON	*lo = jarr(s, "lo"), *hi = jarr(s, "hi");

		if (!cJSON_IsObject(s))
			continue;
		p = &c->s[c->ns++];
		p->name = jfield(s, "name");
		p->dashed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "dashed"));
		if (chart_values(jarr(s, "values"), n, &p->v, c) != 0 ||
		    (lo != NULL && hi != NULL && (chart_values(lo, n, &p->lo, c) != 0 || chart_values(hi, n, &p->hi, c) != 0)))
			return fail(rc, "chart \"%.60s\", series \"%.60s\": a value is not a number of at most %g in size",
			    c->title, p->name, VALUE_MAX);
	}
	return 0;
}

/* A "nice" axis over [mn, mx] (0 included, as ECharts' value axis): lo, hi, step of 1, 2 or 5 × 10^k. */
static void
nice_axis(double mn, double mx, double *lo, double *hi, double *step)
{
	double span, raw, mag, f;

	mn = mn < 0 ? mn : 0;
	mx = mx > 0 ? mx : 0;
	span = mx - mn;
	if (!(span > 0))
		span = 1, mx = 1;
	raw = span / 5;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	*step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	*lo = floor(mn / *step) * *step;
	*hi = ceil(mx / *step) * *step;
	if (!(*hi > *lo))
		*hi = *lo + *step;
	/* values of 1e-300 or below (denormals): the span underflows; draw them as 0 to 1 */
	if (!(*step > 0) || !isfinite(*step) || !isfinite(*lo) || !isfinite(*hi) || (*hi - *lo) / *step > 40) {
		*lo = 0;
		*hi = 1;
		*step = 0.2;
	}
}

/* The legend of c at (x, y) in width w, type size sz; returns its height (drawn when cr). */
static double
legend(struct rc *rc, cairo_t *cr, const struct chart *c, double x, double y, double w, double sz)
{
	double	 cx = x, line = sz * 1.6, h = 0, sw = sz * 1.8;
	int	 i, lines = 1;

	for (i = 0; i < c->ns; i++) {
		PangoLayout	*l = text(rc, c->s[i].name, sz, 0, w * 0.6, 1);
		double		 iw = sw + 4 + lay_w(l) + sz * 1.4, my = y + h + line / 2;

		if (cx > x && cx + iw > x + w) {
			if (++lines > 5) {
				g_object_unref(l);
				break;
			}
			h += line;
			cx = x;
			my = y + h + line / 2;
		}
		if (cr != NULL) {
			unsigned int col = series_colour(i);

			if (c->s[i].lo != NULL) {
				colour(cr, col, 0.15);
				cairo_rectangle(cr, cx, my - sz * 0.45, sw, sz * 0.9);
				cairo_fill(cr);
			}
			colour(cr, col, c->bar && c->s[i].dashed ? 0.45 : 1);
			if (c->bar) {
				cairo_rectangle(cr, cx + sw * 0.2, my - sz * 0.35, sw * 0.6, sz * 0.7);
				cairo_fill(cr);
			} else {
				double dash[2] = { sz * 0.5, sz * 0.3 };

				cairo_set_line_width(cr, c->s[i].dashed ? 1.5 : 2);
				cairo_set_dash(cr, dash, c->s[i].dashed ? 2 : 0, 0);
				cairo_move_to(cr, cx, my);
				cairo_line_to(cr, cx + sw, my);
				cairo_stroke(cr);
				cairo_set_dash(cr, NULL, 0, 0);
			}
			show(cr, l, cx + sw + 4, my - lay_h(l) / 2, NS_COLOR_TEXT);
		}
		cx += iw;
		g_object_unref(l);
	}
	return c->ns > 0 ? h + line : 0;
}

/* The x position of point i of n in the plot [px, px + pw]. */
static double
point_x(const struct chart *c, int i, double px, double pw)
{
	if (c->bar)
		return px + (i + 0.5) * pw / c->n;
	return c->n > 1 ? px + i * pw / (c->n - 1) : px + pw / 2;
}

/* Chart c in the box (x, y, w, h), type size sz: title, legend, axes, series (drawn when cr). */
static void
chart_draw(struct rc *rc, cairo_t *cr, const struct chart *c, double x, double y, double w, double h, double sz)
{
	PangoLayout	*tl;
	double		 lo, hi, step, top, bot, px, pw, ph, lw = 0, xlh;
	char		 buf[64];
	int		 i, j, k, nt, digits = 0;

	if (cr == NULL)
		return;
	tl = text(rc, c->title, sz * 1.4, 1, w, 1);
	show(cr, tl, x, y, NS_COLOR_TEXT);
	top = y + (c->title[0] ? lay_h(tl) + sz * 0.6 : 0);
	g_object_unref(tl);
	top += legend(rc, cr, c, x, top, w, sz * 1.05) + sz * 0.8;
	if (!c->any) {
		PangoLayout *l = text(rc, "No data for this period", sz * 1.2, 0, -1, 0);

		show(cr, l, x + (w - lay_w(l)) / 2, top + (y + h - top - lay_h(l)) / 2, NS_COLOR_MUTED);
		g_object_unref(l);
		return;
	}
	nice_axis(c->min, c->max, &lo, &hi, &step);
	nt = (int)lround((hi - lo) / step);
	if (c->unit == U_PCT)
		digits = step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
	for (i = 0; i <= nt && i <= 20; i++) {
		PangoLayout *l;

		fmt_axis(c->unit, rc->sym, lo + i * step, digits, buf, sizeof(buf));
		l = text(rc, buf, sz, 0, -1, 0);
		lw = fmax(lw, lay_w(l));
		g_object_unref(l);
	}
	xlh = sz * 1.6;
	px = x + lw + sz * 0.8;
	pw = x + w - px - sz * 0.5;
	bot = y + h - xlh - sz * 0.5;
	ph = bot - top;
	if (pw < 20 || ph < 20 || c->n == 0)
		return;
	/* grid lines and y labels */
	for (i = 0; i <= nt && i <= 20; i++) {
		double		 v = lo + i * step, yy = bot - (v - lo) / (hi - lo) * ph;
		PangoLayout	*l;

		fmt_axis(c->unit, rc->sym, v, digits, buf, sizeof(buf));
		l = text(rc, buf, sz, 0, -1, 0);
		show(cr, l, px - sz * 0.5 - lay_w(l), yy - lay_h(l) / 2, NS_COLOR_MUTED);
		g_object_unref(l);
		hline(cr, px, px + pw, yy, 0.6, fabs(v) < step * 1e-9 && i > 0 ? NS_COLOR_BORDER : NS_COLOR_GRID);
	}
	hline(cr, px, px + pw, bot, 0.8, NS_COLOR_BORDER);
	/* x labels, thinned: every k-th so that none overlaps the next */
	{
		double maxw = 0, edge = -1e9, sp;

		for (i = 0; i < c->n; i++) {
			PangoLayout *l = text(rc, c->x[i], sz, 0, sz * 12, 1);

			maxw = fmax(maxw, lay_w(l));
			g_object_unref(l);
		}
		sp = c->bar ? pw / c->n : (c->n > 1 ? pw / (c->n - 1) : pw);
		k = (int)ceil((maxw + sz) / fmax(sp, 0.01));
		k = k < 1 ? 1 : k > c->n ? c->n : k;
		for (i = 0; i < c->n; i += k) {
			PangoLayout	*l = text(rc, c->x[i], sz, 0, sz * 12, 1);
			double		 lx = point_x(c, i, px, pw) - lay_w(l) / 2;

			/* inside the box, and never over the label before (the last one, pushed in) */
			lx = fmin(fmax(lx, x), x + w - lay_w(l));
			if (lx >= edge + sz * 0.5) {
				show(cr, l, lx, bot + sz * 0.6, NS_COLOR_MUTED);
				edge = lx + lay_w(l);
			}
			g_object_unref(l);
		}
	}
	cairo_save(cr);
	cairo_rectangle(cr, px - 3, top - 3, pw + 6, ph + 6);
	cairo_clip(cr);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
#define YY(v)	(bot - ((v) - lo) / (hi - lo) * ph)
	/* bands first, under every line */
	for (j = 0; j < c->ns; j++) {
		const struct series *s = &c->s[j];

		if (s->lo == NULL)
			continue;
		for (i = 0; i < c->n; ) {
			int a, b;

			while (i < c->n && !(isfinite(s->lo[i]) && isfinite(s->hi[i])))
				i++;
			for (a = i; i < c->n && isfinite(s->lo[i]) && isfinite(s->hi[i]); i++)
				;
			if ((b = i - 1) < a)
				continue;
			if (a == b) {		/* one point: a whisker */
				colour(cr, series_colour(j), 0.35);
				cairo_set_line_width(cr, 3);
				cairo_move_to(cr, point_x(c, a, px, pw), YY(s->lo[a]));
				cairo_line_to(cr, point_x(c, a, px, pw), YY(s->hi[a]));
				cairo_stroke(cr);
				continue;
			}
			for (k = a; k <= b; k++)
				cairo_line_to(cr, point_x(c, k, px, pw), YY(s->hi[k]));
			for (k = b; k >= a; k--)
				cairo_line_to(cr, point_x(c, k, px, pw), YY(s->lo[k]));
			cairo_close_path(cr);
			colour(cr, series_colour(j), 0.15);
			cairo_fill(cr);
		}
	}
	if (c->bar) {
		double slot = pw / c->n, group = slot * 0.7, bw = fmin(group / (c->ns ? c->ns : 1), sz * 2.8);
		double base = YY(lo > 0 ? lo : hi < 0 ? hi : 0);

		group = bw * c->ns;
		for (j = 0; j < c->ns; j++)
			for (i = 0; i < c->n; i++) {
				double v = c->s[j].v[i], bx = point_x(c, i, px, pw) - group / 2 + j * bw, yv;

				if (!isfinite(v))
					continue;
				yv = YY(v);
				cairo_rectangle(cr, bx + bw * 0.06, fmin(yv, base), bw * 0.88, fabs(base - yv));
				colour(cr, series_colour(j), c->s[j].dashed ? 0.45 : 1);
				if (c->s[j].dashed) {
					double dash[2] = { 3, 2 };

					cairo_fill_preserve(cr);
					colour(cr, series_colour(j), 1);
					cairo_set_line_width(cr, 1.2);
					cairo_set_dash(cr, dash, 2, 0);
					cairo_stroke(cr);
					cairo_set_dash(cr, NULL, 0, 0);
				} else
					cairo_fill(cr);
			}
	} else
		for (j = 0; j < c->ns; j++) {
			const struct series	*s = &c->s[j];
			double			 dash[2] = { 5, 3 };
			int			 pen = 0;

			colour(cr, series_colour(j), 1);
			cairo_set_line_width(cr, s->dashed ? 1.5 : 2);
			cairo_set_dash(cr, dash, s->dashed ? 2 : 0, 0);
			for (i = 0; i < c->n; i++) {
				if (!isfinite(s->v[i])) {
					pen = 0;
					continue;
				}
				if (pen)
					cairo_line_to(cr, point_x(c, i, px, pw), YY(s->v[i]));
				else
					cairo_move_to(cr, point_x(c, i, px, pw), YY(s->v[i]));
				pen = 1;
			}
			cairo_stroke(cr);
			cairo_set_dash(cr, NULL, 0, 0);
			/* a point between two gaps (or alone) is a dot */
			for (i = 0; i < c->n; i++)
				if (isfinite(s->v[i]) && (i == 0 || !isfinite(s->v[i - 1])) &&
				    (i == c->n - 1 || !isfinite(s->v[i + 1]))) {
					cairo_arc(cr, point_x(c, i, px, pw), YY(s->v[i]), 2.2, 0, 2 * G_PI);
					cairo_fill(cr);
				}
		}
#undef YY
	cairo_restore(cr);
}

/* The chart blocks in document order: the n-th (1-based), or NULL; *count set to how many there are. */
static const cJSON *
chart_block(const cJSON *doc, int n, int *count)
{
	const cJSON	*sec, *b, *found = NULL;
	int		 i = 0;

	cJSON_ArrayForEach(sec, jarr(doc, "sections")) {
		cJSON_ArrayForEach(b, jarr(sec, "blocks")) {
			const char *t = jstr(b, "type");

			if (t != NULL && strcmp(t, "chart") == 0 && ++i == n)
				found = b;
		}
	}
	if (count != NULL)
		*count = i;
	return found;
}

int
render_chart_count(const cJSON *doc)
{
	int n = 0;

	chart_block(doc, 0, &n);
	return n;
}

/* ---- blocks ---- */

/* A block's own small title (tables, paragraphs), 0 when none; drawn at the cursor. */
static double
block_title(struct rc *rc, const char *t, int draw)
{
	PangoLayout	*l;
	double		 h;

	if (t == NULL || t[0] == '\0')
		return 0;
	l = text(rc, t, SZ_BLOCK, 1, CW, 2);
	h = lay_h(l) + 5;
	if (draw)
		show(rc->cr, l, MARGIN, rc->y, NS_COLOR_TEXT);
	g_object_unref(l);
	return h;
}

/* The KPI tiles of items, 3 or 4 a row, each row kept on one page. */
static int
kpis(struct rc *rc, const cJSON *items)
{
	const cJSON	*it, *row[4];
	int		 n = 0, per, k = 0, i;
	const double	 gap = 8, pad = 9;
	double		 tw, inner;

	cJSON_ArrayForEach(it, items) {
		n += cJSON_IsObject(it);
	}
	if (n == 0)
		return 0;
	per = n == 4 || n >= 7 ? 4 : 3;
	tw = (CW - gap * (per - 1)) / per;
	inner = tw - 2 * pad;
	it = items->child;
	while (it != NULL) {
		PangoLayout	*lab[4], *val[4], *note[4];
		double		 hh = 0, th[4];

		for (k = 0; it != NULL && k < per; it = it->next)
			if (cJSON_IsObject(it))
				row[k++] = it;
		for (i = 0; i < k; i++) {
			char	*l = jfield(row[i], "label"), *v = jtext(cJSON_GetObjectItemCaseSensitive(row[i], "value"));
			char	*nt = jfield(row[i], "note");
			double	 sz = SZ_KPI;

			/* the value shrinks to fit, then is ellipsized */
			for (;;) {
				val[i] = text(rc, v, sz, 1, -1, 0);
				if (lay_w(val[i]) <= inner || sz <= 10)
					break;
				g_object_unref(val[i]);
				sz -= 1.5;
			}
			g_object_unref(val[i]);
			val[i] = text(rc, v, sz, 1, inner, 1);
			lab[i] = text(rc, l, SZ_SMALL, 0, inner, 2);
			note[i] = nt[0] ? text(rc, nt, SZ_SMALL, 0, inner, 2) : NULL;
			th[i] = pad + lay_h(lab[i]) + 3 + SZ_KPI * 1.25 + (note[i] ? 3 + lay_h(note[i]) : 0) + pad;
			hh = fmax(hh, th[i]);
			g_free(l);
			g_free(v);
			g_free(nt);
		}
		if (need(rc, hh) == 0)
			for (i = 0; i < k; i++) {
				double x = MARGIN + i * (tw + gap), y = rc->y + pad;

				if (rc->cr != NULL) {
					cairo_new_sub_path(rc->cr);
					cairo_arc(rc->cr, x + tw - 4, rc->y + 4, 4, -G_PI / 2, 0);
					cairo_arc(rc->cr, x + tw - 4, rc->y + hh - 4, 4, 0, G_PI / 2);
					cairo_arc(rc->cr, x + 4, rc->y + hh - 4, 4, G_PI / 2, G_PI);
					cairo_arc(rc->cr, x + 4, rc->y + 4, 4, G_PI, 1.5 * G_PI);
					cairo_close_path(rc->cr);
					colour(rc->cr, NS_COLOR_SURFACE2, 0.45);
					cairo_fill_preserve(rc->cr);
					colour(rc->cr, NS_COLOR_BORDER, 1);
					cairo_set_line_width(rc->cr, 0.75);
					cairo_stroke(rc->cr);
					fill_rect(rc->cr, x, rc->y + 4, 2.5, hh - 8, ns_palette_light[0], 1);
				}
				show(rc->cr, lab[i], x + pad, y, NS_COLOR_MUTED);
				y += lay_h(lab[i]) + 3;
				show(rc->cr, val[i], x + pad, y + (SZ_KPI * 1.25 - lay_h(val[i])) / 2, NS_COLOR_TEXT);
				y += SZ_KPI * 1.25 + 3;
				if (note[i] != NULL)
					show(rc->cr, note[i], x + pad, y, NS_COLOR_MUTED);
			}
		for (i = 0; i < k; i++) {
			g_object_unref(lab[i]);
			g_object_unref(val[i]);
			if (note[i] != NULL)
				g_object_unref(note[i]);
		}
		if (rc->failed)
			return -1;
		rc->y += hh + gap;
	}
	rc->y -= gap;
	return 0;
}

/* The cells of one table row (row: an array, else empty), laid out in layouts l[ncols]; returns its height. */
static double
table_row(const cJSON *row, PangoLayout **l, int ncols)
{
	const cJSON	*c = cJSON_IsArray(row) ? row->child : NULL;
	double		 h = 0;
	int		 i;

	for (i = 0; i < ncols; i++) {
		char *s = jtext(c);

		pango_layout_set_text(l[i], s, -1);
		g_free(s);
		h = fmax(h, lay_h(l[i]));
		if (c != NULL)
			c = c->next;
	}
	return h + 7;
}

/* The header row of a table at the cursor, over a rule; returns its height (drawn when draw). */
static double
table_head(struct rc *rc, PangoLayout **hl, const double *cx, int ncols, int draw)
{
	double	h = 0;
	int	i;

	for (i = 0; i < ncols; i++)
		h = fmax(h, lay_h(hl[i]));
	if (draw && rc->cr != NULL) {
		for (i = 0; i < ncols; i++)
			show(rc->cr, hl[i], cx[i] + 5, rc->y + 3.5, NS_COLOR_TEXT);
		hline(rc->cr, MARGIN, MARGIN + CW, rc->y + h + 7, 0.9, NS_COLOR_TEXT);
	}
	return h + 8;
}

/*
 * A table block: bold headers over a rule, cells wrapped (left columns, 3
 * lines) or ellipsized (2 lines), zebra rows; on a new page the header again.
 */
static int
table(struct rc *rc, const cJSON *t, int titled)
{
	const cJSON	*cols = jarr(t, "columns"), *rows = jarr(t, "rows"), *align = jarr(t, "align"), *r, *c;
	PangoLayout	*hl[MAX_COLS], *cl[MAX_COLS];
	double		 nat[MAX_COLS], w[MAX_COLS], cx[MAX_COLS], hh, first, left;
	int		 ncols = cJSON_GetArraySize(cols), nrows = cJSON_GetArraySize(rows), right[MAX_COLS];
	int		 i, k, fixedn, idx, pass, head = cols != NULL && ncols > 0, ret = 0;
	double		 size;
	char		*title = titled ? jfield(t, "title") : g_strdup(""), *ct;

	if (!head) {
		cJSON_ArrayForEach(r, rows) {
			ncols = cJSON_GetArraySize(r) > ncols ? cJSON_GetArraySize(r) : ncols;
		}
	}
	if (ncols > MAX_COLS) {
		fail(rc, "table \"%.60s\" has %d columns; at most %d fit a page", title, ncols, MAX_COLS);
		g_free(title);
		return -1;
	}
	if (nrows > MAX_ROWS) {
		fail(rc, "table \"%.60s\" has %d rows; at most %d are drawn", title, nrows, MAX_ROWS);
		g_free(title);
		return -1;
	}
	if (ncols == 0 || nrows == 0) {		/* the title and a note */
		PangoLayout *l = text(rc, "No rows for this period", SZ_TABLE, 0, CW, 1);

		if (need(rc, block_title(rc, title, 0) + lay_h(l)) == 0) {
			rc->y += block_title(rc, title, 1);
			show(rc->cr, l, MARGIN, rc->y, NS_COLOR_MUTED);
			rc->y += lay_h(l);
		}
		g_object_unref(l);
		g_free(title);
		return rc->failed ? -1 : 0;
	}
	for (i = 0; i < ncols; i++) {
		c = cJSON_GetArrayItem(align, i);
		right[i] = cJSON_IsString(c) ? (c->valuestring[0] == 'r') : i > 0;
		hl[i] = text(rc, "", SZ_TABLE, 1, -1, 0);
		cl[i] = text(rc, "", SZ_TABLE, 0, -1, 0);
		nat[i] = 0;
	}
	/* natural widths: the header and the first rows; when the numeric
	 * columns do not fit at 8.5 pt, once more in a smaller type (6.5 pt at least) */
	for (size = SZ_TABLE, pass = 0; pass < 2; pass++) {
		double sum = 0, pads = 0;

		for (i = 0; i < ncols; i++) {
			char *s = head ? jtext(cJSON_GetArrayItem(cols, i)) : g_strdup("");

			if (pass > 0) {
				font(hl[i], rc->family, size, 1);
				font(cl[i], rc->family, size, 0);
			}
			pango_layout_set_text(hl[i], s, -1);
			nat[i] = lay_w(hl[i]);
			g_free(s);
		}
		for (r = rows->child, k = 0; r != NULL && k < MEASURE_ROWS; r = r->next, k++) {
			table_row(r, cl, ncols);
			for (i = 0; i < ncols; i++)
				nat[i] = fmax(nat[i], lay_w(cl[i]));
		}
		for (i = 0, k = 0; i < ncols; i++) {
			nat[i] = fmin(nat[i] + 10, CW);
			if (right[i]) {
				sum += nat[i] - 10;
				pads += 10;
			} else
				k++;
		}
		if (pass > 0 || sum + pads + 60.0 * k <= CW || sum <= 0)
			break;
		/* in half points: the shared font map keeps a font per size for good */
		size = fmax(6.5, floor(SZ_TABLE * (CW - pads - 60.0 * k) / sum * 2) / 2);
	}
	/*
	 * Widths.  The right-aligned (numeric) columns keep their natural width
	 * when they leave the others 40 pt each: a number is not cut.
	 * The rest share what is left: a column narrower than its fair share
	 * keeps its width, the wider ones split the remainder.  Spare room goes
	 * a third to the first column and the rest to all.
	 */
	for (i = 0, left = CW, k = 0; i < ncols; i++) {
		w[i] = -1;
		if (right[i])
			left -= nat[i];
		else
			k++;
	}
	if (left >= 40.0 * k && (k > 0 || left >= 0)) {
		for (i = 0; i < ncols; i++)
			if (right[i])
				w[i] = nat[i];
		fixedn = ncols - k;
	} else {
		left = CW;
		fixedn = 0;
	}
	while (fixedn < ncols) {
		int	changed = 0;
		double	fair = left / (ncols - fixedn);

		for (i = 0; i < ncols; i++)
			if (w[i] < 0 && nat[i] <= fair) {
				w[i] = nat[i];
				left -= nat[i];
				fixedn++;
				changed = 1;
			}
		if (!changed)
			break;
	}
	if (fixedn < ncols) {
		for (i = 0; i < ncols; i++)
			if (w[i] < 0)
				w[i] = left / (ncols - fixedn);
	} else if (left > 0) {
		w[0] += left / 3;
		for (i = 0; i < ncols; i++)
			w[i] += left * 2 / 3 / ncols;
	}
	for (i = 0, left = MARGIN; i < ncols; i++) {
		cx[i] = left;
		left += w[i];
		pango_layout_set_width(hl[i], (int)((w[i] - 10) * PANGO_SCALE));
		pango_layout_set_width(cl[i], (int)((w[i] - 10) * PANGO_SCALE));
		pango_layout_set_wrap(hl[i], PANGO_WRAP_WORD_CHAR);
		pango_layout_set_wrap(cl[i], PANGO_WRAP_WORD_CHAR);
		pango_layout_set_ellipsize(hl[i], PANGO_ELLIPSIZE_END);
		pango_layout_set_ellipsize(cl[i], PANGO_ELLIPSIZE_END);
		pango_layout_set_height(hl[i], -2);
		pango_layout_set_height(cl[i], right[i] ? -1 : -3);
		pango_layout_set_alignment(hl[i], right[i] ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
		pango_layout_set_alignment(cl[i], right[i] ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
	}
	hh = head ? table_head(rc, hl, cx, ncols, 0) : 0;
	/* the title, the header and the first rows (up to 3) together */
	first = 0;
	for (r = rows->child, k = 0; r != NULL && k < 3; r = r->next, k++)
		first += table_row(r, cl, ncols);
	if (need(rc, block_title(rc, title, 0) + hh + first) != 0)
		goto out;
	rc->y += block_title(rc, title, 1);
	if (head)
		rc->y += table_head(rc, hl, cx, ncols, 1);
	ct = g_strdup_printf("%s (continued)", title);
	for (r = rows->child, idx = 0; r != NULL; r = r->next, idx++) {
		double rh = table_row(r, cl, ncols);

		if (rc->y + rh > BOTTOM) {
			if (new_page(rc) != 0)
				break;
			rc->y += block_title(rc, title[0] ? ct : "", 1);
			if (head)
				rc->y += table_head(rc, hl, cx, ncols, 1);
		}
		if (idx % 2 == 1)
			fill_rect(rc->cr, MARGIN, rc->y, CW, rh, NS_COLOR_SURFACE2, 0.55);
		for (i = 0; i < ncols; i++)
			show(rc->cr, cl[i], cx[i] + 5, rc->y + 3.5, NS_COLOR_TEXT);
		rc->y += rh;
	}
	g_free(ct);
	hline(rc->cr, MARGIN, MARGIN + CW, rc->y, 0.5, NS_COLOR_BORDER);
out:
	for (i = 0; i < ncols; i++) {
		g_object_unref(hl[i]);
		g_object_unref(cl[i]);
	}
	g_free(title);
	ret = rc->failed ? -1 : 0;
	return ret;
}

/* A paragraph at the cursor, broken between lines across pages. */
static int
paragraph(struct rc *rc, const char *s)
{
	char		*t = clean(s, MAX_PARA, 1);
	PangoLayout	*l = text(rc, t, SZ_BODY, 0, CW, 0);
	PangoLayoutIter	*it;
	double		 shift = 0;	/* layout y of the page's first line */

	pango_layout_set_line_spacing(l, 1.3);
	it = pango_layout_get_iter(l);
	do {
		PangoRectangle	r;
		double		 top, bottom, base;

		pango_layout_iter_get_line_extents(it, NULL, &r);
		top = (double)r.y / PANGO_SCALE;
		bottom = (double)(r.y + r.height) / PANGO_SCALE;
		base = (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
		if (rc->y + bottom - shift > BOTTOM && rc->y + top - shift > MARGIN) {
			if (new_page(rc) != 0)
				break;
			shift = top;
		}
		if (rc->cr != NULL) {
			colour(rc->cr, NS_COLOR_TEXT, 1);
			cairo_move_to(rc->cr, MARGIN, rc->y + base - shift);
			pango_cairo_show_layout_line(rc->cr, pango_layout_iter_get_line_readonly(it));
		}
		if (!pango_layout_iter_next_line(it)) {
			rc->y += bottom - shift;
			break;
		}
	} while (1);
	pango_layout_iter_free(it);
	g_object_unref(l);
	g_free(t);
	return rc->failed ? -1 : 0;
}

/* A chart block in the PDF: the whole chart on one page. */
static int
chart(struct rc *rc, const cJSON *b)
{
	struct chart c;

	if (chart_prep(rc, b, &c) == 0 && need(rc, CHART_H) == 0) {
		chart_draw(rc, rc->cr, &c, MARGIN, rc->y, CW, CHART_H, SZ_SMALL);
		rc->y += CHART_H;
	}
	chart_free(&c);
	return rc->failed ? -1 : 0;
}

/* About how much of block b must follow its section title on the same page. */
static double
block_min(const cJSON *b)
{
	const char *t = jstr(b, "type");

	if (t != NULL && strcmp(t, "chart") == 0)
		return CHART_H;
	if (t != NULL && strcmp(t, "kpis") == 0)
		return 70;
	if (t != NULL && strcmp(t, "table") == 0)
		return 24 + 3 * 17;
	return 3 * SZ_BODY * 1.6;
}

static int
block(struct rc *rc, const cJSON *b)
{
	const char *t = jstr(b, "type");

	if (t == NULL)
		return 0;
	if (strcmp(t, "kpis") == 0)
		return kpis(rc, jarr(b, "items"));
	if (strcmp(t, "table") == 0)
		return table(rc, b, 1);
	if (strcmp(t, "chart") == 0)
		return chart(rc, b);
	if (strcmp(t, "text") == 0)
		return paragraph(rc, jstr(b, "text"));
	return 0;		/* a type this renderer does not know: left out */
}

/* ---- the document ---- */

/* The cover: company, title, subtitle, period, contents with page numbers, generation time. */
static int
cover(struct rc *rc, const cJSON *doc)
{
	char		*company = rc->company, *sub = jfield(doc, "subtitle"), *period = jfield(doc, "period_label");
	char		*gen = jfield(doc, "generated_at"), *url = jfield(doc, "app_url"), *s;
	PangoLayout	*l;
	const cJSON	*sec;
	double		 y = MARGIN + 150, foot;
	int		 i = 0, n = cJSON_GetArraySize(jarr(doc, "sections"));

	if (new_page(rc) != 0)
		goto out;
	fill_rect(rc->cr, MARGIN, MARGIN, CW, 5, ns_palette_light[0], 1);
#define LINE(str, size, bold, lines, col, after) do { \
		l = text(rc, (str), (size), (bold), CW, (lines)); \
		show(rc->cr, l, MARGIN, y, (col)); \
		y += lay_h(l) + (after); \
		g_object_unref(l); \
	} while (0)
	if (company[0])
		LINE(company, 14, 0, 2, NS_COLOR_MUTED, 10);
	LINE(rc->title[0] ? rc->title : "Report", 30, 1, 3, NS_COLOR_TEXT, 8);
	if (sub[0])
		LINE(sub, 14, 0, 3, NS_COLOR_MUTED, 6);
	if (period[0])
		LINE(period, 18, 1, 1, ns_palette_light[0], 0);
	y += 36;
	/* the generation time and the app's address at the bottom */
	s = gen[0] ? g_strdup_printf("Generated %s", gen) : g_strdup("");
	l = text(rc, s, 9, 0, CW, 1);
	foot = BOTTOM - lay_h(l) - (url[0] ? SZ_SMALL * 1.5 : 0);
	show(rc->cr, l, MARGIN, foot, NS_COLOR_MUTED);
	g_object_unref(l);
	g_free(s);
	if (url[0]) {
		l = text(rc, url, SZ_SMALL, 0, CW, 1);
		show(rc->cr, l, MARGIN, foot + SZ_SMALL * 1.5, NS_COLOR_MUTED);
		g_object_unref(l);
	}
	/* contents, as many entries as fit above the foot */
	if (n > 0) {
		hline(rc->cr, MARGIN, MARGIN + CW, y, 0.6, NS_COLOR_BORDER);
		y += 8;
		LINE("Contents", SZ_BLOCK, 1, 1, NS_COLOR_TEXT, 6);
	}
	cJSON_ArrayForEach(sec, jarr(doc, "sections")) {
		char		*t = jfield(sec, "title"), num[16];
		PangoLayout	*pl;
		int		 pg = i < rc->nsect ? rc->toc[i] : 0;

		if (y + 3 * SZ_BODY > foot - 12) {
			s = g_strdup_printf("and %d more sections", n - i);
			LINE(s, SZ_BODY, 0, 1, NS_COLOR_MUTED, 0);
			g_free(s);
			g_free(t);
			break;
		}
		snprintf(num, sizeof(num), "%d", pg);
		pl = text(rc, pg > 0 ? num : "", SZ_BODY, 0, -1, 0);
		l = text(rc, t[0] ? t : "(untitled)", SZ_BODY, 0, CW - 40, 1);
		if (rc->cr != NULL && pg > 0) {
			char *a = g_strdup_printf("page=%d", pg);

			cairo_tag_begin(rc->cr, CAIRO_TAG_LINK, a);
			g_free(a);
		}
		show(rc->cr, l, MARGIN, y, NS_COLOR_TEXT);
		show(rc->cr, pl, MARGIN + CW - lay_w(pl), y, NS_COLOR_MUTED);
		if (rc->cr != NULL && pg > 0)
			cairo_tag_end(rc->cr, CAIRO_TAG_LINK);
		y += lay_h(l) + 4;
		g_object_unref(l);
		g_object_unref(pl);
		g_free(t);
		i++;
	}
#undef LINE
out:
	g_free(sub);
	g_free(period);
	g_free(gen);
	g_free(url);
	return rc->failed ? -1 : 0;
}

/*
 * Whether s can be a link of the PDF: http(s), and only characters of
 * RFC 3986 that need no quoting in cairo's tag attributes (no quote, no
 * backslash, no space).  Anything else stays plain text.
 */
static int
safe_uri(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&()*+,;=%";
	size_t n = strlen(s);

	return (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) && n < 2000 && strspn(s, ok) == n;
}

/* A section: its title (and link) kept with the start of its first block, then its blocks. */
static int
section(struct rc *rc, const cJSON *sec)
{
	char		*t = jfield(sec, "title"), *link = jfield(sec, "link");
	const cJSON	*blocks = jarr(sec, "blocks"), *b;
	PangoLayout	*tl = text(rc, t, SZ_SECTION, 1, CW, 2), *ll = link[0] ? text(rc, link, SZ_SMALL, 0, CW, 1) : NULL;
	double		 head = (t[0] ? lay_h(tl) : 0) + (ll ? lay_h(ll) + 2 : 0) + 10, first = 0;
	int		 legacy = blocks == NULL && jarr(sec, "rows") != NULL;

	if (rc->y > MARGIN + 0.01)
		rc->y += 22;
	if (legacy)
		first = block_min(NULL) + 40;
	else if (blocks != NULL && blocks->child != NULL)
		first = block_min(blocks->child);
	if (need(rc, head + first) != 0)
		goto out;
	if (rc->nsect < MAX_TOC)
		rc->toc[rc->nsect++] = rc->page;
	if (rc->pdf != NULL && t[0]) {		/* the PDF's bookmarks */
		char dest[64];

		snprintf(dest, sizeof(dest), "page=%d pos=[%.1f %.1f]", rc->page, MARGIN, rc->y);
		cairo_pdf_surface_add_outline(rc->pdf, CAIRO_PDF_OUTLINE_ROOT, t, dest, 0);
	}
	if (t[0]) {
		show(rc->cr, tl, MARGIN, rc->y, NS_COLOR_TEXT);
		rc->y += lay_h(tl);
	}
	if (ll != NULL) {
		int tag = rc->cr != NULL && safe_uri(link);

		if (tag) {
			char *a = g_strdup_printf("uri='%s'", link);

			cairo_tag_begin(rc->cr, CAIRO_TAG_LINK, a);
			g_free(a);
		}
		show(rc->cr, ll, MARGIN, rc->y + 1, ns_palette_light[0]);
		if (tag)
			cairo_tag_end(rc->cr, CAIRO_TAG_LINK);
		rc->y += lay_h(ll) + 2;
	}
	hline(rc->cr, MARGIN, MARGIN + CW, rc->y + 3, 0.8, ns_palette_light[0]);
	rc->y += 10;
	if (legacy)
		table(rc, sec, 0);	/* the section's title is the table's */
	cJSON_ArrayForEach(b, blocks) {
		if (b != blocks->child && rc->y > MARGIN + 0.01)
			rc->y += 14;
		if (block(rc, b) != 0)
			break;
	}
out:
	g_object_unref(tl);
	if (ll != NULL)
		g_object_unref(ll);
	g_free(t);
	g_free(link);
	return rc->failed ? -1 : 0;
}

/* Lay out (and, with rc->cr, draw) the whole document. */
static int
document(struct rc *rc, const cJSON *doc)
{
	const cJSON	*sec;
	int		 n = 0;

	rc->page = 0;
	rc->nsect = rc->pages ? rc->nsect : 0;
	if (cover(rc, doc) != 0)
		return -1;
	rc->nsect = 0;
	cJSON_ArrayForEach(sec, jarr(doc, "sections")) {
		if (!cJSON_IsObject(sec))
			continue;
		if (n++ == 0 && new_page(rc) != 0)
			return -1;
		if (section(rc, sec) != 0)
			return -1;
	}
	return rc->failed ? -1 : 0;
}

static void
rc_init(struct rc *rc, const cJSON *doc, char *err, size_t errsz)
{
	memset(rc, 0, sizeof(*rc));
	rc->err = err;
	rc->errsz = errsz;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	currency_symbol(jstr(doc, "currency"), rc->sym, sizeof(rc->sym));
	rc->company = jfield(doc, "company");
	rc->title = jfield(doc, "title");
	if ((rc->pc = context_get(&rc->family)) == NULL)
		fail(rc, "pango: no font map");
}

static void
rc_free(struct rc *rc)
{
	g_free(rc->company);
	g_free(rc->title);
}

/* render_pdf's work, with render_lock held. */
static int
pdf_locked(const cJSON *doc, struct render_buf *out, char *err, size_t errsz)
{
	struct rc	 rc;
	cairo_surface_t	*s = NULL;
	cairo_status_t	 st;
	int		 pages, toc[MAX_TOC], nsect;

	if (err == NULL)
		errsz = 0;
	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(doc)) {
		snprintf(err, errsz, "the report document is not a JSON object");
		return -1;
	}
	rc_init(&rc, doc, err, errsz);
	if (rc.failed || document(&rc, doc) != 0)
		goto fail;
	pages = rc.page;
	nsect = rc.nsect;
	memcpy(toc, rc.toc, sizeof(toc));
	s = cairo_pdf_surface_create_for_stream(buf_write, out, PAGE_W, PAGE_H);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		fail(&rc, "cairo: %s", cairo_status_to_string(cairo_surface_status(s)));
		goto fail;
	}
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, rc.title);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR, rc.company);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "Northstar");
	rc.cr = cairo_create(s);
	rc.pdf = s;
	rc.pages = pages;
	memcpy(rc.toc, toc, sizeof(toc));
	rc.nsect = nsect;
	if (document(&rc, doc) != 0)
		goto fail;
	if (rc.page != pages) {
		fail(&rc, "internal error: the drawing took %d pages, the layout %d", rc.page, pages);
		goto fail;
	}
	cairo_show_page(rc.cr);
	cairo_destroy(rc.cr);
	rc.cr = NULL;
	cairo_surface_finish(s);
	if ((st = cairo_surface_status(s)) != CAIRO_STATUS_SUCCESS) {
		fail(&rc, st == CAIRO_STATUS_WRITE_ERROR ? "the PDF is larger than 64 MiB" : "cairo: %s",
		    cairo_status_to_string(st));
		goto fail;
	}
	cairo_surface_destroy(s);
	rc_free(&rc);
	return 0;
fail:
	if (rc.cr != NULL)
		cairo_destroy(rc.cr);
	if (s != NULL)
		cairo_surface_destroy(s);
	if (err != NULL && errsz > 0 && err[0] == '\0')
		snprintf(err, errsz, "the report could not be drawn");
	rc_free(&rc);
	render_buf_free(out);
	return -1;
}

/* render_chart_png's work, with render_lock held. */
static int
png_locked(const cJSON *doc, int n, int w, int h, struct render_buf *out, char *err, size_t errsz)
{
	struct rc	 rc;
	struct chart	 c;
	const cJSON	*b;
	cairo_surface_t	*s = NULL;
	cairo_t		*cr = NULL;
	int		 count = 0, ret = -1;

	if (err == NULL)
		errsz = 0;
	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if (w < 120 || h < 80 || w > 2000 || h > 2000) {
		snprintf(err, errsz, "a chart image is 120 × 80 to 2000 × 2000 pixels (asked %d × %d)", w, h);
		return -1;
	}
	if ((b = chart_block(doc, n, &count)) == NULL) {
		snprintf(err, errsz, "no chart %d (the document has %d)", n, count);
		return -1;
	}
	rc_init(&rc, doc, err, errsz);
	if (rc.failed || chart_prep(&rc, b, &c) != 0)
		goto out;
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 2 * w, 2 * h);
	cr = cairo_create(s);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		fail(&rc, "cairo: %s", cairo_status_to_string(cairo_status(cr)));
		goto out;
	}
	cairo_scale(cr, 2, 2);
	colour(cr, NS_COLOR_SURFACE, 1);
	cairo_paint(cr);
	chart_draw(&rc, cr, &c, 10, 8, w - 20, h - 14, 11);
	cairo_surface_flush(s);
	if (cairo_surface_write_to_png_stream(s, buf_write, out) != CAIRO_STATUS_SUCCESS) {
		fail(&rc, "the chart's PNG could not be written");
		goto out;
	}
	ret = 0;
out:
	if (cr != NULL)
		cairo_destroy(cr);
	if (s != NULL)
		cairo_surface_destroy(s);
	chart_free(&c);
	rc_free(&rc);
	if (ret != 0)
		render_buf_free(out);
	return ret;
}

int
render_pdf(const cJSON *doc, struct render_buf *out, char *err, size_t errsz)
{
	int r;

	pthread_mutex_lock(&render_lock);
	r = pdf_locked(doc, out, err, errsz);
	pthread_mutex_unlock(&render_lock);
	return r;
}

int
render_chart_png(const cJSON *doc, int n, int w, int h, struct render_buf *out, char *err, size_t errsz)
{
	int r;

	pthread_mutex_lock(&render_lock);
	r = png_locked(doc, n, w, h, out, err, errsz);
	pthread_mutex_unlock(&render_lock);
	return r;
}
