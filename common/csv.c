/*
 * csv.c — CSV export (RFC 4180) of the list inside a JSON answer, for
 * board reports.  Cells that a spreadsheet would run as a formula
 * (starting with = + - @) are prefixed with a quote.
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "internal.h"

struct buf {
	char	*p;
	size_t	 len, cap;
	int	 oom;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t	 cap = (b->cap + n + 1) * 2;
		char	*p = realloc(b->p, cap);

		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
csv_cell_text(struct buf *b, const char *s)
{
	const char *p;

	buf_add(b, "\"", 1);
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		buf_add(b, "'", 1);
	for (p = s; *p != '\0'; p++) {
		buf_add(b, p, 1);
		if (*p == '"')
			buf_add(b, "\"", 1);	/* a quote inside a cell is doubled */
	}
	buf_add(b, "\"", 1);
}

static void
csv_cell(struct buf *b, const cJSON *v)
{
	char *text;

	if (v == NULL || cJSON_IsNull(v))
		return;
	if (cJSON_IsString(v)) {
		csv_cell_text(b, v->valuestring);
		return;
	}
	if ((text = cJSON_PrintUnformatted(v)) == NULL) {
		b->oom = 1;
		return;
	}
	if (cJSON_IsNumber(v) || cJSON_IsBool(v))
		buf_add(b, text, strlen(text));
	else
		csv_cell_text(b, text);
	cJSON_free(text);
}

char *
csv_from_json_new(const char *json, size_t len, const char *key, size_t *outlen,
    size_t *nrows)
{
	cJSON		*root = cJSON_ParseWithLength(json, len);
	const cJSON	*rows, *row, *col, *first;
	struct buf	 b = { NULL, 0, 0, 0 };
	size_t		 n = 0;

	rows = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!cJSON_IsArray(rows)) {
		cJSON_Delete(root);
		return NULL;
	}
	first = rows->child;
	if (first != NULL && !cJSON_IsObject(first)) {
		cJSON_Delete(root);
		return NULL;	/* rows must be objects: their keys are the header */
	}
	buf_add(&b, "", 0);
	if (first != NULL) {
		for (col = first->child; col != NULL; col = col->next) {
			if (col != first->child)
				buf_add(&b, ",", 1);
			csv_cell_text(&b, col->string);
		}
		buf_add(&b, "\r\n", 2);
	}
	cJSON_ArrayForEach(row, rows) {
		if (!cJSON_IsObject(row))
			continue;
		for (col = first->child; col != NULL; col = col->next) {
			if (col != first->child)
				buf_add(&b, ",", 1);
			csv_cell(&b, cJSON_GetObjectItemCaseSensitive(row, col->string));
		}
		buf_add(&b, "\r\n", 2);
		n++;
	}
	cJSON_Delete(root);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*outlen = b.len;
	if (nrows != NULL)
		*nrows = n;
	return b.p;
}
