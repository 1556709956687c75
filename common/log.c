/* log.c — one logfmt line per request and per notable event, on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/*
 * Copy src into dst for a log line: control characters, quotes, spaces
 * and backslashes become \xNN so that a hostile path cannot forge fields
 * or lines.
 */
void
log_escape(char *dst, size_t dstsz, const char *src)
{
	size_t	 o = 0;

	if (dstsz == 0)
		return;
	for (; src != NULL && *src != '\0' && o + 5 < dstsz; src++) {
		unsigned char c = (unsigned char)*src;

		if (c < 0x21 || c == 0x7f || c == '"' || c == '\\' || c == '=')
			o += (size_t)snprintf(dst + o, dstsz - o, "\\x%02x", c);
		else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
}

static void
log_time(char *buf, size_t sz)
{
	struct timespec	 ts;
	struct tm	 tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, sz, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

void
log_request(const struct ns_req *req, double ms)
{
	char	 t[64], path[512], client[128], key[200];

	log_time(t, sizeof(t));
	log_escape(path, sizeof(path), req->path);
	log_escape(client, sizeof(client), req->client);
	/* A key request is logged with the key's name, never the key. */
	key[0] = '\0';
	if (req->user.key[0] != '\0') {
		memcpy(key, " key=", 6);
		log_escape(key + 5, sizeof(key) - 5, req->user.key);
	}
	fprintf(stderr, "ts=%s svc=%s method=%s path=%s status=%d ms=%.2f user=%ld role=%s client=%s%s\n",
	    t, cfg.service, req->method != NULL ? req->method : "-", path,
	    req->status, ms, req->user.id,
	    req->user.id != 0 ? role_name(req->user.role) : "-", client, key);
}

void
log_msg(const char *level, const char *fmt, ...)
{
	char	 t[64], msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_time(t, sizeof(t));
	/* Keep the message on one line and its quotes balanced. */
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
		else if (*p == '"')
			*p = '\'';
	fprintf(stderr, "ts=%s svc=%s level=%s msg=\"%s\"\n", t,
	    cfg.service != NULL ? cfg.service : "-", level, msg);
}
