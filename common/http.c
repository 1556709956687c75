/*
 * http.c — writing responses: status, headers (cache policy, ETag),
 * JSON and CSV bodies, and the one JSON error shape
 *   {"error":{"code":"...","message":"..."}}.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "internal.h"

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 207: return "Multi-Status";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* The ETag of a body: FNV-1a (cheap; a collision only costs a needless 200). */
uint64_t
http_etag(const char *body, size_t len)
{
	return hash_fnv1a(NS_HASH_INIT, body, len);
}

const char *
http_header(const struct ns_req *req, const char *cgi_name)
{
	return FCGX_GetParam(cgi_name, req->fcgi->envp);
}

int
http_cookie(const struct ns_req *req, const char *name, char *buf, size_t bufsz)
{
	const char	*c = http_header(req, "HTTP_COOKIE"), *p, *end;
	char		 pat[64];
	size_t		 n, plen;

	if (c == NULL || (plen = (size_t)snprintf(pat, sizeof(pat), "%s=", name)) >= sizeof(pat))
		return 0;
	/*
	 * nginx reads cookies case-insensitively and also splits on ',';
	 * a header it could read differently from us (the name twice in any
	 * case) names nothing at all, so no cache entry can be shared.
	 */
	if ((p = strcasestr(c, name)) != NULL && strcasestr(p + 1, name) != NULL)
		return 0;
	for (p = c; (p = strstr(p, pat)) != NULL; p++) {
		if (p != c && p[-1] != ' ' && p[-1] != ';')
			continue;
		p += plen;
		end = strchr(p, ';');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n == 0 || n >= bufsz)
			return 0;
		memcpy(buf, p, n);
		buf[n] = '\0';
		return 1;
	}
	return 0;
}

/* Queue a header line (without CRLF) for the reply, e.g. Set-Cookie. */
void
http_extra_header(struct ns_req *req, const char *line)
{
	size_t	 n = strlen(line);
	char	*p = realloc(req->extra_headers, req->extra_len + n + 3);

	if (p == NULL)
		return;
	memcpy(p + req->extra_len, line, n);
	memcpy(p + req->extra_len + n, "\r\n", 3);
	req->extra_headers = p;
	req->extra_len += n + 2;
}

/*
 * How long nginx and the browser may keep this answer: the route's
 * lifetime, never past the token's expiry, never for errors or exports.
 */
static int
http_cache_seconds(const struct ns_req *req, int status)
{
	int secs = req->route != NULL ? req->route->cache_seconds : 0;

	/* An export is audited each time (audit.c), so nginx may not answer it from its cache. */
	if (status != 200 || secs <= 0 || req->extra_len > 0 || req->want_csv)
		return 0;
	if (req->user.id != 0) {
		time_t left = req->user.expires - time(NULL);

		if (left < secs)
			secs = left > 0 ? (int)left : 0;
	}
	return secs;
}

/* Append to a header buffer; -1 (nothing written) when it would not fit. */
static int __attribute__((format(printf, 4, 5)))
http_hdr_add(char *h, size_t sz, size_t *o, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (*o >= sz)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(h + *o, sz - *o, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sz - *o)
		return -1;
	*o += (size_t)n;
	return 0;
}

/*
 * Write a complete response.  Handles If-None-Match (304 with no body)
 * for 200 answers.  filename, when given, adds a Content-Disposition.
 */
int
http_send(struct ns_req *req, int status, const char *ctype, const char *body,
    size_t len, const char *filename)
{
	char		 hdr[1024], tag[24];
	int		 secs = http_cache_seconds(req, status), rc;
	size_t		 o = 0;

	tag[0] = '\0';
	if (status == 200) {
		const char *inm = http_header(req, "HTTP_IF_NONE_MATCH");

		snprintf(tag, sizeof(tag), "\"%016llx\"",
		    (unsigned long long)http_etag(body, len));
		if (inm != NULL && strstr(inm, tag) != NULL) {
			status = 304;
			len = 0;
		}
	}
	req->status = status;
	rc = http_hdr_add(hdr, sizeof(hdr), &o, "Status: %d %s\r\n", status, http_reason(status));
	/*
	 * X-Accel-Expires first: nginx then ignores Cache-Control: private.
	 * Vary keeps a browser shared by two users from answering one with
	 * the other's cached copy.
	 */
	if (rc == 0 && secs > 0)
		rc = http_hdr_add(hdr, sizeof(hdr), &o, "X-Accel-Expires: %d\r\n"
		    "Cache-Control: private, max-age=%d\r\nVary: Authorization, Cookie\r\n",
		    secs, secs);
	else if (rc == 0)
		rc = http_hdr_add(hdr, sizeof(hdr), &o, "Cache-Control: no-store\r\n");
	if (rc == 0 && tag[0] != '\0')
		rc = http_hdr_add(hdr, sizeof(hdr), &o, "ETag: %s\r\n", tag);
	if (rc == 0 && filename != NULL)
		rc = http_hdr_add(hdr, sizeof(hdr), &o,
		    "Content-Disposition: attachment; filename=\"%s\"\r\n", filename);
	if (rc == 0)
		rc = http_hdr_add(hdr, sizeof(hdr), &o,
		    "Content-Type: %s\r\nContent-Length: %zu\r\n", ctype, len);
	if (rc != 0) {
		static const char fail[] = "Status: 500 Internal Server Error\r\n"
		    "Content-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n\r\n"
		    "{\"error\":{\"code\":\"internal\",\"message\":\"response headers too long\"}}";

		log_msg("error", "response headers too long for %s", req->path);
		req->status = 500;
		FCGX_PutStr(fail, sizeof(fail) - 1, req->fcgi->out);
		return -1;
	}
	FCGX_PutStr(hdr, (int)o, req->fcgi->out);
	if (req->extra_len > 0)
		FCGX_PutStr(req->extra_headers, (int)req->extra_len, req->fcgi->out);
	FCGX_PutStr("\r\n", 2, req->fcgi->out);
	if (len > 0 && strcmp(req->method, "HEAD") != 0)
		FCGX_PutStr(body, (int)len, req->fcgi->out);
	return 0;
}

int
http_bytes(struct ns_req *req, int status, const char *ctype, const void *body, size_t len,
    const char *filename)
{
	char	 safe[128];
	size_t	 i, n = 0;

	if (len > (size_t)INT_MAX)
		return http_error(req, 500, "internal", "the answer is too large");
	/* A file name from our own code, but checked anyway: no quote, backslash or control byte in the header. */
	for (i = 0; filename != NULL && filename[i] != '\0' && n + 1 < sizeof(safe); i++)
		if ((unsigned char)filename[i] >= 0x20 && filename[i] != '"' && filename[i] != '\\' &&
		    filename[i] != 0x7f)
			safe[n++] = filename[i];
	safe[n] = '\0';
	return http_send(req, status, ctype, body, len, filename != NULL && n > 0 ? safe : NULL);
}

int
http_json_text(struct ns_req *req, int status, const char *json, size_t len)
{
	return http_send(req, status, "application/json; charset=utf-8", json, len, NULL);
}

/*
 * Reply with the JSON error shape.  The message is built by cJSON, so
 * whatever it quotes from the request is escaped.
 */
int
http_error(struct ns_req *req, int status, const char *code, const char *fmt, ...)
{
	char	 msg[512], *text;
	cJSON	*root, *err;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	root = cJSON_CreateObject();
	err = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", msg);
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL) {
		static const char oom[] =
		    "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
		return http_json_text(req, 500, oom, sizeof(oom) - 1);
	}
	http_json_text(req, status, text, strlen(text));
	cJSON_free(text);
	return 0;
}

/*
 * Read the body: only with a JSON content type, at most NS_MAX_BODY bytes,
 * exactly CONTENT_LENGTH bytes, well-formed UTF-8, no NUL byte (JSON text
 * never holds one, and the callers pass the body on as a C string).
 * Returns NULL (after replying with the error: 415, 413, 400) on any
 * violation.  Caller frees with free().
 */
char *
http_body_new(struct ns_req *req, size_t *len)
{
	static const char *const json[] = { "application/json", NULL };
	char		*body = http_body_new_max(req, NS_MAX_BODY, json, len);

	if (body != NULL && strlen(body) != *len) {
		free(body);
		http_error(req, 400, "bad_request", "the body contains a NUL byte");
		return NULL;
	}
	return body;
}

char *
http_body_new_max(struct ns_req *req, size_t max, const char *const *types, size_t *len)
{
	const char	*cl = http_header(req, "CONTENT_LENGTH");
	const char	*ct = http_header(req, "CONTENT_TYPE");
	long		 n;
	char		*buf;
	size_t		 i;

	for (i = 0; ct != NULL && types[i] != NULL; i++)
		if (strncmp(ct, types[i], strlen(types[i])) == 0)
			break;
	if (ct == NULL || types[i] == NULL) {
		http_error(req, 415, "unsupported_media_type",
		    "send the body as Content-Type: %s%s", types[0],
		    types[1] != NULL ? " (or another type this endpoint names)" : "");
		return NULL;
	}
	if (cl == NULL || param_int_valid(cl, 0, (long)max, &n) != 0) {
		http_error(req, 413, "payload_too_large",
		    "the body must have a Content-Length of at most %zu bytes", max);
		return NULL;
	}
	if ((buf = malloc((size_t)n + 1)) == NULL) {
		http_error(req, 500, "internal", "out of memory");
		return NULL;
	}
	if (FCGX_GetStr(buf, (int)n, req->fcgi->in) != (int)n) {
		free(buf);
		http_error(req, 400, "bad_request", "the body is shorter than its Content-Length");
		return NULL;
	}
	buf[n] = '\0';
	/* Every body is JSON or NDJSON text, which is UTF-8 (RFC 8259 §8.1). */
	{
		size_t bad;

		if (param_utf8_valid(buf, (size_t)n, &bad) != 0) {
			free(buf);
			http_error(req, 400, "bad_request", "the request body is not valid UTF-8 "
			    "(byte %zu): send the JSON text encoded as UTF-8", bad);
			return NULL;
		}
	}
	*len = (size_t)n;
	return buf;
}
