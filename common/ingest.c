/*
 * ingest.c — the one handler of every ingestion route (docs/ingest.md):
 * POST /api/product/events and the record endpoints of the other services.
 * The route admits only an API key with one of its scopes (app.c checks
 * it); this handler reads the body (JSON, or NDJSON: one value per line),
 * hands it whole to the route's SQL function, which validates and stores
 * the batch in one transaction, and turns the answer into 200 (all
 * accepted), 207 (some rejected) or 400 (none valid).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "internal.h"

/* Is s[0..n) only JSON whitespace? */
static int
ingest_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

char *
ingest_ndjson_array_new(const char *body, size_t len, size_t *outlen)
{
	/* Worst case: each byte a line of its own that becomes "null,". */
	char	*out = malloc(len * 5 + 3);
	size_t	 o = 0, at = 0, lines = 0;

	if (out == NULL)
		return NULL;
	out[o++] = '[';
	while (at < len) {
		const char	*line = body + at, *nl = memchr(line, '\n', len - at);
		size_t		 n = nl != NULL ? (size_t)(nl - line) : len - at;
		const char	*end = NULL;
		cJSON		*v;

		at += n + (nl != NULL);
		if (ingest_blank(line, n))
			continue;
		if (lines++ > 0)
			out[o++] = ',';
		/* The whole line must be one value: nothing but blanks after it. */
		v = cJSON_ParseWithLengthOpts(line, n, &end, 0);
		if (v != NULL && end != NULL && end >= line && end <= line + n &&
		    ingest_blank(end, (size_t)(line + n - end))) {
			memcpy(out + o, line, n);
			o += n;
		} else {
			memcpy(out + o, "null", 4);
			o += 4;
		}
		cJSON_Delete(v);
	}
	out[o++] = ']';
	out[o] = '\0';
	*outlen = o;
	return out;
}

/*
 * Answer the function's json: 200 when nothing was rejected, 207 when some
 * messages were and some accepted, 400 (with the error shape added) when
 * none was valid.
 */
static int
ingest_answer(struct ns_req *req, const char *json, size_t len)
{
	cJSON		*root = cJSON_ParseWithLength(json, len);
	const cJSON	*acc = cJSON_GetObjectItemCaseSensitive(root, "accepted");
	const cJSON	*rej = cJSON_GetObjectItemCaseSensitive(root, "rejected");
	int		 nrej = cJSON_IsArray(rej) ? cJSON_GetArraySize(rej) : -1;
	char		*text;

	if (!cJSON_IsNumber(acc) || nrej < 0) {
		cJSON_Delete(root);
		log_msg("error", "%s answered no accepted/rejected counts", req->route->fn);
		return http_error(req, 500, "internal", "internal error; it has been logged");
	}
	if (nrej == 0 || acc->valuedouble > 0) {
		cJSON_Delete(root);
		return http_json_text(req, nrej == 0 ? 200 : 207, json, len);
	}
	{
		cJSON *err = cJSON_CreateObject();

		cJSON_AddStringToObject(err, "code", "bad_request");
		cJSON_AddStringToObject(err, "message",
		    "no message of the batch is valid; \"rejected\" says why for each");
		cJSON_AddItemToObject(root, "error", err);
	}
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL)
		return http_error(req, 500, "internal", "out of memory");
	http_json_text(req, 400, text, strlen(text));
	cJSON_free(text);
	return 0;
}

int
ingest_post(struct ns_req *req)
{
	static const char *const types[] = { "application/json", "application/x-ndjson", NULL };
	const char	*ct = http_header(req, "CONTENT_TYPE");
	char		*body, *arr = NULL, max[16];
	size_t		 len = 0;
	PGresult	*res;

	if ((body = http_body_new_max(req, NS_INGEST_MAX_BODY, types, &len)) == NULL)
		return 0;
	if (strncmp(ct, "application/x-ndjson", 20) == 0) {
		size_t alen;

		if ((arr = ingest_ndjson_array_new(body, len, &alen)) == NULL) {
			free(body);
			return http_error(req, 500, "internal", "out of memory");
		}
	}
	snprintf(max, sizeof(max), "%d", NS_INGEST_MAX_RECORDS);
	{
		const struct ns_arg args[] = {
			{ "p_user", "0" }, { "p_role", NULL },
			{ "p_body", arr != NULL ? arr : body },
			{ "p_key", req->user.key }, { "p_max_records", max },
		};

		res = db_call(req->db, NS_DB_WRITE, NULL, req->route->fn, args,
		    sizeof(args) / sizeof(args[0]));
	}
	free(arr);
	free(body);
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    PQnfields(res) == 1 && !PQgetisnull(res, 0, 0)) {
		ingest_answer(req, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
		PQclear(res);
		return 0;
	}
	return reply_result(req, res);
}
