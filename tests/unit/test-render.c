/*
 * test-render.c — services/alerts/render.c: the board pack's PDF read back
 * with poppler's pdftotext and pdfinfo (every label and value of the
 * fixture tests/unit/data/report-doc.json in the text, the pages, the
 * footers, a long table's header repeated), the e-mail charts' PNGs read
 * back with cairo (their size, drawn in the app's palette), the axis number
 * formats against web/src/format.js, and hostile documents (a PDF or -1 with
 * a reason, never a crash).  Run from the repository's root (tests/run.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include <cairo.h>
#include <cJSON.h>

#include "../../services/alerts/render.h"

#define FIXTURE	"tests/unit/data/report-doc.json"

/* The fixture's pages, worked out from its content: the cover; Revenue's
 * KPIs, chart and movements table with Customers' KPIs (2); the bar chart
 * and the 120-row table's first 26 rows (3); 41 rows on each of 4 and 5
 * (740 pt of page: its title 17 pt, its header 18 pt, 41 rows of 16.9 pt);
 * the last 12 rows, Marketing efficiency and Financials (6).  A row is
 * 8.5 pt DejaVu Sans (9.9 pt a line) + 7 pt of padding. */
#define FIXTURE_PAGES	6

/*
 * Under make test-asan: fontconfig keeps its font patterns' values at
 * encoded offsets, which LeakSanitizer cannot follow, so the renderer's one
 * font configuration (made once per process) shows as a leak of about
 * 79 kB; the same after 1 or 20 renderings.  Leaks elsewhere still count.
 */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

static cJSON	*doc;
static char	*pdf_path;	/* the fixture's PDF, written once */
static char	*pdf_text;	/* pdftotext -layout of it, whitespace runs folded to one space */
static char	*pdf_lines;	/* pdftotext -layout of it as it is */

static char *
slurp_file(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*b = NULL;
	long	 n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n + 1)) != NULL) {
		*len = fread(b, 1, (size_t)n, f);
		b[*len] = '\0';
	}
	fclose(f);
	return b;
}

/* What cmd prints (at most 16 MiB); caller frees. */
static char *
run(const char *cmd)
{
	FILE	*p = popen(cmd, "r");
	size_t	 len = 0, cap = 1 << 16, n;
	char	*b = malloc(cap);

	assert_non_null(p);
	assert_non_null(b);
	while ((n = fread(b + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 4096 && cap < (16u << 20)) {
			cap *= 2;
			b = realloc(b, cap);
			assert_non_null(b);
		}
	}
	b[len] = '\0';
	assert_int_equal(pclose(p), 0);
	return b;
}

/* s with every run of white space one space (wrapped text reads as one line). */
static char *
fold(const char *s)
{
	char	*o = malloc(strlen(s) + 1), *q = o;
	int	 sp = 0;

	assert_non_null(o);
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\f' || *s == '\r') {
			sp = 1;
			continue;
		}
		if (sp && q > o)
			*q++ = ' ';
		sp = 0;
		*q++ = *s;
	}
	*q = '\0';
	return o;
}

/* buf written to a new temporary file; caller unlinks and frees the path. */
static char *
write_tmp(const struct render_buf *b, const char *suffix)
{
	char	*path = malloc(64);
	int	 fd;

	assert_non_null(path);
	snprintf(path, 64, "/tmp/test-render-XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->data, b->len), (ssize_t)b->len);
	close(fd);
	return path;
}

static int
pdf_pages(const char *path)
{
	char	 cmd[256], *out, *p;
	int	 n = -1;

	snprintf(cmd, sizeof(cmd), "pdfinfo '%s'", path);
	out = run(cmd);
	if ((p = strstr(out, "\nPages:")) != NULL)
		n = atoi(p + 7);
	free(out);
	return n;
}

/* The folded text of page n of path. */
static char *
page_text(const char *path, int n)
{
	char cmd[256], *raw, *f;

	snprintf(cmd, sizeof(cmd), "pdftotext -layout -f %d -l %d '%s' -", n, n, path);
	raw = run(cmd);
	f = fold(raw);
	free(raw);
	return f;
}

static int
setup(void **state)
{
	struct render_buf	 out;
	char			 err[256], cmd[256], *json;
	size_t			 len;

	(void)state;
	json = slurp_file(FIXTURE, &len);
	if (json == NULL) {
		fprintf(stderr, "# cannot read %s (run from the repository's root)\n", FIXTURE);
		return -1;
	}
	doc = cJSON_ParseWithLength(json, len);
	free(json);
	if (doc == NULL || render_pdf(doc, &out, err, sizeof(err)) != 0) {
		fprintf(stderr, "# the fixture did not render: %s\n", doc ? err : "bad JSON");
		return -1;
	}
	pdf_path = write_tmp(&out, ".pdf");
	render_buf_free(&out);
	snprintf(cmd, sizeof(cmd), "pdftotext -layout '%s' -", pdf_path);
	pdf_lines = run(cmd);
	pdf_text = fold(pdf_lines);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (pdf_path != NULL && getenv("T_KEEP") == NULL)
		unlink(pdf_path);
	else if (pdf_path != NULL)
		fprintf(stderr, "# kept %s\n", pdf_path);
	free(pdf_path);
	free(pdf_text);
	free(pdf_lines);
	cJSON_Delete(doc);
	return 0;
}

/* needle (folded) is in the fixture PDF's text; a failure names it. */
static void
assert_in_pdf(const char *needle)
{
	char *f = fold(needle);

	assert_true(f[0] != '\0');		/* an empty expectation proves nothing */
	if (strstr(pdf_text, f) == NULL)
		fail_msg("\"%s\" is not in the PDF's text", f);
	free(f);
}

/* The expected axis labels are what web/src/format.js gives (money(v),
 * pct(v, 0), compact(v): core.js axisFormatter), printed by node with
 * setCurrency(...) for the currency column. */
static void
axis_labels_match_format_js(void **state)
{
	static const struct { const char *unit, *cur; double v; const char *want; } t[] = {
	{ "money", "USD", 0, "$0" },
	{ "money", "USD", 5, "$5" },
	{ "money", "USD", 12.5, "$12.5" },
	{ "money", "USD", 99.999, "$100" },
	{ "money", "USD", 100, "$100" },
	{ "money", "USD", 950, "$950" },
	{ "money", "USD", 1234, "$1,234" },
	{ "money", "USD", 9999.5, "$10,000" },
	{ "money", "USD", 10000, "$10k" },
	{ "money", "USD", 12345, "$12.3k" },
	{ "money", "USD", 99950, "$100k" },
	{ "money", "USD", 999949, "$999.9k" },
	{ "money", "USD", 1000000, "$1M" },
	{ "money", "USD", 1005000, "$1.01M" },
	{ "money", "USD", 1250000, "$1.25M" },
	{ "money", "USD", 12345678, "$12.35M" },
	{ "money", "USD", -12345, "-$12.3k" },
	{ "money", "USD", -950, "-$950" },
	{ "money", "USD", 1.005, "$1.01" },
	{ "money", "USD", 0.125, "$0.13" },
	{ "money", "EUR", 950, "€950" },
	{ "money", "EUR", 12345, "€12.3k" },
	{ "money", "EUR", 1250000, "€1.25M" },
	{ "money", "CHF", 12345, "CHF 12.3k" },
	{ "pct", "USD", 0, "0%" },
	{ "pct", "USD", 12, "12%" },
	{ "pct", "USD", 12.4, "12%" },
	{ "pct", "USD", 12.5, "13%" },
	{ "pct", "USD", 99.5, "100%" },
	{ "pct", "USD", -3.5, "-4%" },
	{ "pct", "USD", 250, "250%" },
	{ "count", "USD", 0, "0" },
	{ "count", "USD", 7, "7" },
	{ "count", "USD", 12.25, "12.3" },
	{ "count", "USD", 1234, "1,234" },
	{ "count", "USD", 9999.96, "10,000" },
	{ "count", "USD", 10000, "10k" },
	{ "count", "USD", 12345, "12.3k" },
	{ "count", "USD", 999999, "1,000k" },
	{ "count", "USD", 1234567, "1.2M" },
	{ "count", "USD", -12345, "-12.3k" },
	{ "count", "USD", 0.05, "0.1" },
	};
	char	buf[64];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(render_format(t[i].unit, t[i].cur, t[i].v, buf, sizeof(buf)), (int)strlen(t[i].want));
		if (strcmp(buf, t[i].want) != 0)
			fail_msg("%s %s %g: want \"%s\", got \"%s\"", t[i].unit, t[i].cur, t[i].v, t[i].want, buf);
	}
	assert_int_equal(render_format("money", NULL, 12345, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "$12.3k");
	assert_int_equal(render_format("months", NULL, 18, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "18");
	assert_int_equal(render_format("money", NULL, 1, NULL, 0), -1);
}

static void
pdf_has_the_pages_and_a_footer_on_each_but_the_cover(void **state)
{
	const cJSON	*company = cJSON_GetObjectItem(doc, "company"), *title = cJSON_GetObjectItem(doc, "title");
	char		 want[512], *p;
	int		 n;

	(void)state;
	assert_int_equal(pdf_pages(pdf_path), FIXTURE_PAGES);
	p = page_text(pdf_path, 1);
	assert_null(strstr(p, "page 1 of"));
	assert_non_null(strstr(p, "Generated 2026-11-01 07:00 UTC"));
	assert_non_null(strstr(p, "October 2026"));
	assert_non_null(strstr(p, "Board pack – October 2026"));
	assert_non_null(strstr(p, "Northstar Démo AG"));
	assert_non_null(strstr(p, "Monthly metrics for the board of directors"));
	free(p);
	for (n = 2; n <= FIXTURE_PAGES; n++) {
		snprintf(want, sizeof(want), "%s · %s · page %d of %d", company->valuestring, title->valuestring, n,
		    FIXTURE_PAGES);
		p = page_text(pdf_path, n);
		if (strstr(p, want) == NULL)
			fail_msg("page %d has no footer \"%s\"", n, want);
		free(p);
	}
}

static void
pdf_starts_as_a_pdf_and_has_the_contents_with_pages(void **state)
{
	struct render_buf	out;
	char			err[256];

	(void)state;
	assert_int_equal(render_pdf(doc, &out, err, sizeof(err)), 0);
	assert_true(out.len > 1000);
	assert_memory_equal(out.data, "%PDF-", 5);
	/* the section's link is a link of the PDF too */
	assert_non_null(memmem(out.data, out.len, "/URI (https://northstar.example/#/revenue?month=2026-10)", 56));
	render_buf_free(&out);
	assert_null(out.data);
	/* the cover's contents: Revenue and Customers begin on page 2, the last two sections on 6 */
	assert_in_pdf("Contents Revenue 2 Customers 2 Marketing efficiency 6 Financials 6");
}

/* Every text of the fixture's blocks (but the thinned x-axis labels) is real text in the PDF. */
static void
pdf_text_has_every_label_and_value(void **state)
{
	const cJSON	*sec, *b, *it, *row, *cell;
	int		 checked = 0;

	(void)state;
	cJSON_ArrayForEach(sec, cJSON_GetObjectItem(doc, "sections")) {
		assert_in_pdf(cJSON_GetObjectItem(sec, "title")->valuestring);
		checked++;
		if (cJSON_GetObjectItem(sec, "link"))
			assert_in_pdf(cJSON_GetObjectItem(sec, "link")->valuestring);
		cJSON_ArrayForEach(cell, cJSON_GetObjectItem(sec, "columns"))
			assert_in_pdf(cell->valuestring);
		cJSON_ArrayForEach(row, cJSON_GetObjectItem(sec, "rows"))
			cJSON_ArrayForEach(cell, row) {
				assert_in_pdf(cell->valuestring);
				checked++;
			}
		cJSON_ArrayForEach(b, cJSON_GetObjectItem(sec, "blocks")) {
			const char *type = cJSON_GetObjectItem(b, "type")->valuestring;

			if (cJSON_GetObjectItem(b, "title"))
				assert_in_pdf(cJSON_GetObjectItem(b, "title")->valuestring);
			if (strcmp(type, "kpis") == 0)
				cJSON_ArrayForEach(it, cJSON_GetObjectItem(b, "items")) {
					assert_in_pdf(cJSON_GetObjectItem(it, "label")->valuestring);
					assert_in_pdf(cJSON_GetObjectItem(it, "value")->valuestring);
					if (cJSON_GetObjectItem(it, "note"))
						assert_in_pdf(cJSON_GetObjectItem(it, "note")->valuestring);
					checked++;
				}
			if (strcmp(type, "table") == 0) {
				cJSON_ArrayForEach(cell, cJSON_GetObjectItem(b, "columns"))
					assert_in_pdf(cell->valuestring);
				cJSON_ArrayForEach(row, cJSON_GetObjectItem(b, "rows"))
					cJSON_ArrayForEach(cell, row) {
						assert_in_pdf(cell->valuestring);
						checked++;
					}
			}
			if (strcmp(type, "chart") == 0)
				cJSON_ArrayForEach(it, cJSON_GetObjectItem(b, "series"))
					assert_in_pdf(cJSON_GetObjectItem(it, "name")->valuestring);
			if (strcmp(type, "text") == 0)
				assert_in_pdf(cJSON_GetObjectItem(b, "text")->valuestring);
		}
	}
	/* 4 sections, 9 KPIs, 5×3 + 120×4 + 3×2 cells */
	assert_int_equal(checked, 4 + 9 + 15 + 480 + 6);
}

/* A KPI's label and its value are on the same or adjacent lines of the text (blank lines aside). */
static void
kpi_label_and_value_read_together(void **state)
{
	static const char *pairs[][2] = { { "MRR", "€142,750" }, { "ARR", "€1,713,000" }, { "Growth (MoM)", "3.5 %" },
	    { "Logo churn", "1.9 %" }, { "NRR", "104.2 %" } };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const char	*v = strstr(pdf_lines, pairs[i][1]), *l, *p;
		int		 between = 0;

		assert_non_null(v);
		/* the nearest line above the value's that holds the label */
		for (l = v; l > pdf_lines; l--)
			if (l[-1] == '\n') {
				const char *end = strchr(l, '\n');
				char line[1024];

				if (l == v || end == NULL || (size_t)(end - l) >= sizeof(line))
					continue;
				memcpy(line, l, (size_t)(end - l));
				line[end - l] = '\0';
				if (l < v && strstr(line, pairs[i][0]) != NULL && strstr(line, pairs[i][1]) == NULL)
					break;
			}
		for (p = l; p < v; p++)
			if (*p == '\n' && p[1] != '\n' && strspn(p + 1, " ") != strcspn(p + 1, "\n"))
				between++;
		if (between > 1)
			fail_msg("\"%s\" is %d text lines above \"%s\"", pairs[i][0], between, pairs[i][1]);
	}
}

/* The 120-row table runs over pages 3 to 6, each continuation with its header again. */
static void
long_table_continues_with_its_header(void **state)
{
	char	*p;
	int	 n;

	(void)state;
	p = page_text(pdf_path, 3);
	assert_non_null(strstr(p, "Top accounts by MRR Account MRR Margin Renewal Zoë Müller GmbH #001"));
	assert_null(strstr(p, "(continued)"));
	free(p);
	for (n = 4; n <= 6; n++) {
		p = page_text(pdf_path, n);
		if (strstr(p, "Top accounts by MRR (continued) Account MRR Margin Renewal") == NULL)
			fail_msg("page %d does not begin with the table's header again", n);
		free(p);
	}
	p = page_text(pdf_path, 6);
	assert_non_null(strstr(p, "Crème Brûlée Inc #120"));
	free(p);
}

/* The y axes in the units' formats; the scales worked by hand: MRR's band
 * tops at 168,000 → a step of 50k up to 200k; ROAS tops at 281 → 100 up to 300. */
static void
chart_axes_are_in_the_units_format(void **state)
{
	(void)state;
	assert_in_pdf("€200k");
	assert_in_pdf("€150k");
	assert_in_pdf("€100k");
	assert_in_pdf("€50k");
	assert_in_pdf("300%");
	assert_in_pdf("200%");
	assert_in_pdf("100%");
	assert_in_pdf("New Churned 80 60 40 20");
	assert_in_pdf("MRR Projection");
	assert_in_pdf("2025-11");
}

struct png_src {
	const unsigned char	*p;
	size_t			 left;
};

static cairo_status_t
png_read(void *closure, unsigned char *data, unsigned int len)
{
	struct png_src *s = closure;

	if (len > s->left)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, s->p, len);
	s->p += len;
	s->left -= len;
	return CAIRO_STATUS_SUCCESS;
}

/* Chart n as a w × h PNG: 2w × 2h pixels, some drawn, many in the palette's first colour. */
static void
check_png(int n, int w, int h)
{
	struct render_buf	 out;
	struct png_src		 src;
	cairo_surface_t		*s;
	char			 err[256];
	unsigned char		*px;
	int			 x, y, stride, inked = 0, blue = 0;

	assert_int_equal(render_chart_png(doc, n, w, h, &out, err, sizeof(err)), 0);
	assert_memory_equal(out.data, "\x89PNG", 4);
	src.p = out.data;
	src.left = out.len;
	s = cairo_image_surface_create_from_png_stream(png_read, &src);
	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	assert_int_equal(cairo_image_surface_get_width(s), 2 * w);
	assert_int_equal(cairo_image_surface_get_height(s), 2 * h);
	px = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	for (y = 0; y < 2 * h; y++)
		for (x = 0; x < 2 * w; x++) {
			uint32_t v;

			memcpy(&v, px + y * stride + 4 * x, 4);
			inked += (v & 0xffffff) != 0xffffff;
			blue += (v & 0xffffff) == 0x0072B2;	/* palette.json "light"[0] */
		}
	/* text, grid and marks: more than 2 % of the image, less than half of it */
	if (inked < 4 * w * h / 50 || inked > 4 * w * h / 2)
		fail_msg("chart %d: %d of %d pixels drawn", n, inked, 4 * w * h);
	if (blue < 500)
		fail_msg("chart %d: %d pixels of the first series' colour", n, blue);
	cairo_surface_destroy(s);
	render_buf_free(&out);
}

static void
chart_pngs_are_twice_the_size_and_drawn(void **state)
{
	(void)state;
	assert_int_equal(render_chart_count(doc), 3);
	check_png(1, 560, 260);
	check_png(2, 400, 220);
}

static void
chart_numbers_and_sizes_out_of_range_are_refused(void **state)
{
	struct render_buf	out;
	char			err[256];

	(void)state;
	err[0] = '\0';
	assert_int_equal(render_chart_png(doc, 0, 400, 200, &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no chart 0"));
	assert_null(out.data);
	assert_int_equal(render_chart_png(doc, 4, 400, 200, &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the document has 3"));
	assert_int_equal(render_chart_png(doc, 1, 100000, 200, &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "pixels"));
	assert_int_equal(render_chart_png(doc, 1, -5, 200, &out, err, sizeof(err)), -1);
	assert_int_equal(render_chart_png(NULL, 1, 400, 200, &out, err, sizeof(err)), -1);
	assert_int_equal(render_chart_count(NULL), 0);
}

/* A PDF (want NULL) or -1 with a reason that contains want. */
static void
check_doc(cJSON *d, const char *want, const char *what)
{
	struct render_buf	out;
	char			err[256] = "";
	int			r = render_pdf(d, &out, err, sizeof(err));

	if (want == NULL) {
		if (r != 0)
			fail_msg("%s: no PDF (%s)", what, err);
		assert_memory_equal(out.data, "%PDF-", 5);
	} else {
		if (r != -1 || strstr(err, want) == NULL)
			fail_msg("%s: want -1 and \"%s\", got %d \"%s\"", what, want, r, err);
		assert_null(out.data);
	}
	render_buf_free(&out);
}

static void
check_json(const char *json, const char *want)
{
	cJSON *d = cJSON_Parse(json);

	assert_non_null(d);
	check_doc(d, want, json);
	cJSON_Delete(d);
}

static void
wrong_types_and_empty_arrays_give_a_pdf(void **state)
{
	(void)state;
	check_json("{}", NULL);
	check_json("{\"title\": 5, \"company\": [\"x\"], \"currency\": 7, \"sections\": \"no\"}", NULL);
	check_json("{\"sections\": [1, \"x\", null, {}, {\"blocks\": 7}, {\"title\": {}, \"blocks\": []}]}", NULL);
	check_json("{\"sections\": [{\"title\": \"s\", \"blocks\": [1, null, {\"type\": 3}, {\"type\": \"kpis\"},"
	    "{\"type\": \"kpis\", \"items\": [1, {\"label\": 2, \"value\": {\"a\": 1}}, {}]},"
	    "{\"type\": \"table\"}, {\"type\": \"table\", \"columns\": [], \"rows\": []},"
	    "{\"type\": \"table\", \"columns\": \"x\", \"rows\": [[1, 2], \"x\", [null, true, 1e308], []]},"
	    "{\"type\": \"table\", \"columns\": [\"a\"], \"align\": [5, \"\"], \"rows\": [[\"1\", \"2\", \"3\"]]},"
	    "{\"type\": \"chart\"}, {\"type\": \"chart\", \"x\": [], \"series\": []},"
	    "{\"type\": \"chart\", \"series\": [{\"values\": [null, null]}, 5]},"
	    "{\"type\": \"chart\", \"chart\": \"bar\", \"x\": [\"a\", 2, null], \"series\": [{\"values\": [\"x\", 1, 1e999]}]},"
	    "{\"type\": \"chart\", \"chart\": \"pie\", \"unit\": \"pct\", \"x\": [\"a\", \"b\"],"
	    "  \"series\": [{\"name\": \"n\", \"values\": [0.001, 0.002], \"lo\": [1], \"hi\": \"x\"}]},"
	    "{\"type\": \"chart\", \"x\": [\"a\"], \"series\": [{\"values\": [-5], \"lo\": [-9], \"hi\": [7]}]},"
	    "{\"type\": \"chart\", \"x\": [\"a\", \"b\"], \"series\": [{\"values\": [5e-324, 1e-310]}]},"
	    "{\"type\": \"text\"}, {\"type\": \"text\", \"text\": \"\"}, {\"type\": \"nonsense\"}]}]}", NULL);
	/* the older daily/weekly shape: a section that is a table */
	check_json("{\"sections\": [{\"title\": \"Daily\", \"columns\": [\"a\", \"b\"], \"rows\": [[\"1\", \"2\"]]}]}", NULL);
}

static void
caps_give_a_reason(void **state)
{
	cJSON	*d, *cols, *b, *x, *v, *s;
	int	 i;

	(void)state;
	check_json("null", "not a JSON object");
	check_json("[]", "not a JSON object");
	check_doc(NULL, "not a JSON object", "NULL");
	check_json("{\"sections\": [{\"blocks\": [{\"type\": \"chart\", \"title\": \"Big\", \"x\": [\"a\"],"
	    "\"series\": [{\"name\": \"s\", \"values\": [1e300]}]}]}]}", "a value is not a number of at most");
	/* 17 columns, 2001 points, 13 series */
	d = cJSON_Parse("{\"sections\": [{\"blocks\": [{\"type\": \"table\", \"title\": \"Wide\", \"columns\": [],"
	    " \"rows\": [[\"1\"]]}]}]}");
	cols = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(d,
	    "sections"), 0), "blocks"), 0), "columns");
	for (i = 0; i < 17; i++)
		cJSON_AddItemToArray(cols, cJSON_CreateString("c"));
	check_doc(d, "has 17 columns", "17 columns");
	cJSON_Delete(d);
	d = cJSON_Parse("{\"sections\": [{\"blocks\": [{\"type\": \"chart\", \"title\": \"Long\", \"x\": [],"
	    " \"series\": [{\"name\": \"s\", \"values\": []}]}]}]}");
	b = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "sections"), 0), "blocks"), 0);
	x = cJSON_GetObjectItem(b, "x");
	v = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "series"), 0), "values");
	for (i = 0; i < 2001; i++) {
		cJSON_AddItemToArray(x, cJSON_CreateString("d"));
		cJSON_AddItemToArray(v, cJSON_CreateNumber(i));
	}
	check_doc(d, "has 2001 points", "2001 points");
	cJSON_DeleteItemFromObject(b, "x");
	cJSON_AddItemToObject(b, "x", cJSON_CreateArray());
	s = cJSON_GetObjectItem(b, "series");
	for (i = 0; i < 12; i++)
		cJSON_AddItemToArray(s, cJSON_CreateObject());
	check_doc(d, "has 13 series", "13 series");
	cJSON_Delete(d);
}

/* NaN (which no JSON text holds, but a caller's tree may), bad UTF-8, huge strings. */
static void
nan_bad_utf8_and_huge_strings_give_a_pdf(void **state)
{
	cJSON	*d = cJSON_CreateObject(), *secs = cJSON_AddArrayToObject(d, "sections"), *sec = cJSON_CreateObject();
	cJSON	*blocks = cJSON_AddArrayToObject(sec, "blocks"), *ch = cJSON_CreateObject(), *ser, *vals, *t;
	char	*big = malloc(300001);

	(void)state;
	assert_non_null(big);
	memset(big, 'W', 300000);
	big[300000] = '\0';
	for (int i = 0; i < 300000; i += 7)
		big[i] = ' ';
	cJSON_AddItemToArray(secs, sec);
	cJSON_AddStringToObject(d, "title", big);
	cJSON_AddStringToObject(d, "company", "Bad \xff\xfe UTF-8 \xe2\x82 and \x01 controls");
	cJSON_AddStringToObject(sec, "title", big);
	cJSON_AddStringToObject(ch, "type", "chart");
	cJSON_AddStringToObject(ch, "title", big);
	ser = cJSON_CreateObject();
	cJSON_AddStringToObject(ser, "name", big);
	vals = cJSON_AddArrayToObject(ser, "values");
	cJSON_AddItemToArray(vals, cJSON_CreateNumber(NAN));
	cJSON_AddItemToArray(vals, cJSON_CreateNumber(3));
	cJSON_AddItemToArray(vals, cJSON_CreateNumber(INFINITY));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(ch, "series"), ser);
	cJSON_AddItemToArray(blocks, ch);
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "type", "text");
	cJSON_AddStringToObject(t, "text", big);
	cJSON_AddItemToArray(blocks, t);
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "type", "kpis");
	ser = cJSON_AddArrayToObject(t, "items");
	cJSON_AddItemToArray(ser, cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetArrayItem(ser, 0), "label", big);
	cJSON_AddStringToObject(cJSON_GetArrayItem(ser, 0), "value", big + 1);
	cJSON_AddItemToArray(blocks, t);
	check_doc(d, NULL, "NaN, bad UTF-8, 300 kB strings");
	cJSON_Delete(d);
	free(big);
}

/* 10,000 rows: 42 rows a page (16.9 pt each in 740 pt less the header's 18) → 239 pages with the cover, the last row on the last. */
static void
ten_thousand_rows_give_a_long_pdf(void **state)
{
	cJSON			*d = cJSON_Parse("{\"title\": \"T\", \"sections\": [{\"title\": \"Rows\", \"blocks\":"
	    " [{\"type\": \"table\", \"columns\": [\"Customer\", \"MRR\"], \"rows\": []}]}]}");
	cJSON			*rows = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(d, "sections"), 0), "blocks"), 0), "rows"), *r;
	struct render_buf	 out;
	char			 err[256], name[32], *path, *p;
	int			 i, pages;

	(void)state;
	for (i = 1; i <= 10000; i++) {
		r = cJSON_CreateArray();
		snprintf(name, sizeof(name), "Customer %05d", i);
		cJSON_AddItemToArray(r, cJSON_CreateString(name));
		cJSON_AddItemToArray(r, cJSON_CreateString("$1,234"));
		cJSON_AddItemToArray(rows, r);
	}
	assert_int_equal(render_pdf(d, &out, err, sizeof(err)), 0);
	path = write_tmp(&out, ".pdf");
	pages = pdf_pages(path);
	if (pages < 200 || pages > 270)
		fail_msg("10,000 rows took %d pages", pages);
	p = page_text(path, pages);
	assert_non_null(strstr(p, "Customer 10000"));
	assert_non_null(strstr(p, "Customer MRR"));		/* the header, again */
	free(p);
	unlink(path);
	free(path);
	render_buf_free(&out);
	/* 40,000 rows: refused, not 900 pages */
	for (; i <= 40000; i++) {
		r = cJSON_CreateArray();
		cJSON_AddItemToArray(r, cJSON_CreateString("x"));
		cJSON_AddItemToArray(rows, r);
	}
	check_doc(d, "rows", "40,000 rows");
	cJSON_Delete(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(axis_labels_match_format_js),
		cmocka_unit_test(pdf_starts_as_a_pdf_and_has_the_contents_with_pages),
		cmocka_unit_test(pdf_has_the_pages_and_a_footer_on_each_but_the_cover),
		cmocka_unit_test(pdf_text_has_every_label_and_value),
		cmocka_unit_test(kpi_label_and_value_read_together),
		cmocka_unit_test(long_table_continues_with_its_header),
		cmocka_unit_test(chart_axes_are_in_the_units_format),
		cmocka_unit_test(chart_pngs_are_twice_the_size_and_drawn),
		cmocka_unit_test(chart_numbers_and_sizes_out_of_range_are_refused),
		cmocka_unit_test(wrong_types_and_empty_arrays_give_a_pdf),
		cmocka_unit_test(caps_give_a_reason),
		cmocka_unit_test(nan_bad_utf8_and_huge_strings_give_a_pdf),
		cmocka_unit_test(ten_thousand_rows_give_a_long_pdf),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
