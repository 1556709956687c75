/*
 * notify.c — delivering notifications: Slack-compatible webhooks and
 * e-mail over SMTP, both with libcurl, from the alert_deliveries table
 * that the evaluation fills (one row per event, channel and target, so a
 * re-run never sends twice).  A thread of its own takes due rows, sends
 * them with short timeouts and retries failures with exponential backoff
 * (5 s, 10 s, 20 s, 40 s; failed after 5 attempts), so a dead receiver
 * never holds back the evaluation.  It wakes on NOTIFY ns_deliveries.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "alerts.h"

#define NOTIFY_MAX_ATTEMPTS_S	"5"
#define NOTIFY_BATCH		20
#define NOTIFY_BATCH_S		"20"

static pthread_once_t	 notify_once = PTHREAD_ONCE_INIT;

int
notify_session_setup(PGconn *conn)
{
	static const char *const map[][2] = {
		{ "NS_ALERTS_WEBHOOK_URL", "northstar.alerts_webhook_url" },
		{ "NS_SMTP_URL", "northstar.alerts_smtp_url" },
		{ "NS_SMTP_FROM", "northstar.alerts_smtp_from" },
		{ "NS_SMTP_USER", "northstar.alerts_smtp_user" },
		{ "NS_ALERTS_REPORT_HOUR", "northstar.alerts_report_hour" },
	};
	const char	*vals[2];
	PGresult	*res;
	size_t		 i;
	int		 ok = 1;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if ((vals[1] = getenv(map[i][0])) == NULL)
			continue;
		vals[0] = map[i][1];
		res = PQexecParams(conn, "SELECT set_config($1, $2, false)", 2, NULL, vals,
		    NULL, NULL, 0);
		ok = ok && PQresultStatus(res) == PGRES_TUPLES_OK;
		PQclear(res);
	}
	return ok ? 0 : -1;
}

/* A growing buffer: the e-mail being composed. */
struct buf {
	char	*p;
	size_t	 len, cap, off;
};

static int
buf_add(struct buf *b, const char *s, size_t n)
{
	char	*np;

	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;

		if ((np = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int
buf_str(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* Base64 in lines of 76 characters (SMTP lines must stay short). */
static int
buf_base64(struct buf *b, const char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *u = (const unsigned char *)s;
	char		 q[4];
	size_t		 i, col = 0;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)u[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)u[i + 1] << 8;
		if (i + 2 < n)
			v |= u[i + 2];
		q[0] = tab[(v >> 18) & 63];
		q[1] = tab[(v >> 12) & 63];
		q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		if (buf_add(b, q, 4) != 0)
			return -1;
		if ((col += 4) >= 76) {
			if (buf_str(b, "\r\n") != 0)
				return -1;
			col = 0;
		}
	}
	return col > 0 ? buf_str(b, "\r\n") : 0;
}

/* A header value: ASCII as is, otherwise RFC 2047 "=?UTF-8?B?...?=". */
static int
buf_header(struct buf *b, const char *name, const char *value)
{
	const unsigned char *p;
	struct buf	 enc = { NULL, 0, 0, 0 };
	int		 ascii = 1, rc;

	for (p = (const unsigned char *)value; *p != '\0'; p++)
		if (*p >= 0x80 || *p < 0x20)
			ascii = 0;
	if (buf_str(b, name) != 0 || buf_str(b, ": ") != 0)
		return -1;
	if (ascii)
		return buf_str(b, value) != 0 || buf_str(b, "\r\n") != 0 ? -1 : 0;
	rc = buf_base64(&enc, value, strlen(value));
	if (rc == 0 && enc.len >= 2)
		enc.p[enc.len - 2] = '\0';	/* one line: short subjects only */
	rc = rc != 0 || buf_str(b, "=?UTF-8?B?") != 0 || buf_str(b, enc.p) != 0 ||
	    buf_str(b, "?=\r\n") != 0 ? -1 : 0;
	free(enc.p);
	return rc;
}

/* multipart/alternative with a plain-text and an HTML part. */
static int
notify_compose(struct buf *b, const char *from, const char *to, const char *subject,
    const char *text, const char *html, long id)
{
	char		 line[256], date[64];
	time_t		 now = time(NULL);
	struct tm	 tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(line, sizeof(line), "Date: %s\r\nMessage-ID: <delivery-%ld.%ld@northstar>\r\n"
	    "MIME-Version: 1.0\r\n", date, id, (long)now);
	if (buf_str(b, line) != 0 || buf_header(b, "From", from) != 0 ||
	    buf_header(b, "To", to) != 0 || buf_header(b, "Subject", subject) != 0)
		return -1;
	snprintf(line, sizeof(line), "ns-%ld-%ld", id, (long)now);
	if (buf_str(b, "Content-Type: multipart/alternative; boundary=\"") != 0 ||
	    buf_str(b, line) != 0 || buf_str(b, "\"\r\n\r\n--") != 0 || buf_str(b, line) != 0 ||
	    buf_str(b, "\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n") != 0 ||
	    buf_base64(b, text, strlen(text)) != 0)
		return -1;
	if (html != NULL && (buf_str(b, "--") != 0 || buf_str(b, line) != 0 ||
	    buf_str(b, "\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n") != 0 ||
	    buf_base64(b, html, strlen(html)) != 0))
		return -1;
	return buf_str(b, "--") != 0 || buf_str(b, line) != 0 || buf_str(b, "--\r\n") != 0 ? -1 : 0;
}

static size_t
notify_read(char *dst, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;
	size_t		 left = b->len - b->off, want = size * n;

	if (want > left)
		want = left;
	memcpy(dst, b->p + b->off, want);
	b->off += want;
	return want;
}

static size_t
notify_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* POST the JSON body; 0 on a 2xx answer, else -1 with the reason in err. */
static int
notify_webhook(const char *url, const char *json, char *err, size_t errsz)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = NULL;
	long			 code = 0;
	CURLcode		 rc;

	if (c == NULL) {
		snprintf(err, errsz, "curl_easy_init failed");
		return -1;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, notify_discard);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		snprintf(err, errsz, "%s", curl_easy_strerror(rc));
		return -1;
	}
	if (code < 200 || code > 299) {
		snprintf(err, errsz, "HTTP %ld", code);
		return -1;
	}
	return 0;
}

/* Send one e-mail; 0 when the server accepted it, else -1 with err. */
static int
notify_email(PGconn *conn, long id, const char *to, const char *subject, const char *text,
    const char *html, char *err, size_t errsz)
{
	PGresult		*res = PQexec(conn, "SELECT alert_setting('smtp_url'), "
	    "coalesce(alert_setting('smtp_from'), 'northstar@localhost'), alert_setting('smtp_user')");
	const char		*pass = getenv("NS_SMTP_PASSWORD");
	struct buf		 msg = { NULL, 0, 0, 0 };
	struct curl_slist	*rcpt = NULL;
	CURL			*c = NULL;
	char			 from[320];
	CURLcode		 rc;
	int			 ret = -1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQgetisnull(res, 0, 0)) {
		snprintf(err, errsz, "SMTP is not configured (smtp_url)");
		goto out;
	}
	snprintf(from, sizeof(from), "<%s>", PQgetvalue(res, 0, 1));
	if (notify_compose(&msg, PQgetvalue(res, 0, 1), to, subject, text, html, id) != 0 ||
	    (c = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	rcpt = curl_slist_append(rcpt, to);
	curl_easy_setopt(c, CURLOPT_URL, PQgetvalue(res, 0, 0));
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, notify_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &msg);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (!PQgetisnull(res, 0, 2)) {
		curl_easy_setopt(c, CURLOPT_USERNAME, PQgetvalue(res, 0, 2));
		if (pass != NULL)
			curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
	}
	if ((rc = curl_easy_perform(c)) != CURLE_OK)
		snprintf(err, errsz, "%s", curl_easy_strerror(rc));
	else
		ret = 0;
out:
	curl_slist_free_all(rcpt);
	if (c != NULL)
		curl_easy_cleanup(c);
	free(msg.p);
	PQclear(res);
	return ret;
}

/* Record the outcome of one attempt. */
static void
notify_record(PGconn *conn, const char *id, int ok, const char *err)
{
	const char	*vals[2] = { id, err };
	PGresult	*res;

	if (ok)
		res = PQexecParams(conn, "UPDATE alert_deliveries SET status = 'sent', sent_at = now(), "
		    "last_error = NULL WHERE id = $1::bigint", 1, NULL, vals, NULL, NULL, 0);
	else
		res = PQexecParams(conn, "UPDATE alert_deliveries SET last_error = $2, "
		    "status = CASE WHEN attempts >= " NOTIFY_MAX_ATTEMPTS_S " THEN 'failed' ELSE 'pending' END "
		    "WHERE id = $1::bigint", 2, NULL, vals, NULL, NULL, 0);
	PQclear(res);
}

/*
 * Take the due deliveries (their next attempt is pushed back first, so
 * a crash mid-send only delays a retry) and send them.  Returns how many
 * were taken, or -1 when the database failed.
 */
static int
notify_batch(PGconn *conn)
{
	PGresult	*res;
	char		 err[256];
	int		 i, n, ok;

	res = PQexec(conn, "UPDATE alert_deliveries SET attempts = attempts + 1, "
	    "next_attempt_at = now() + interval '5 seconds' * power(2, attempts) "
	    "WHERE id IN (SELECT id FROM alert_deliveries WHERE status = 'pending' "
	    "AND next_attempt_at <= now() ORDER BY id LIMIT " NOTIFY_BATCH_S " FOR UPDATE SKIP LOCKED) "
	    "RETURNING id, channel, target, subject, body, html");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "level=warning service=alerts msg=\"delivery query failed: %s\"\n",
		    PQerrorMessage(conn));
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		err[0] = '\0';
		if (strcmp(PQgetvalue(res, i, 1), "webhook") == 0)
			ok = notify_webhook(PQgetvalue(res, i, 2), PQgetvalue(res, i, 4),
			    err, sizeof(err)) == 0;
		else
			ok = notify_email(conn, atol(PQgetvalue(res, i, 0)), PQgetvalue(res, i, 2),
			    PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
			    PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5),
			    err, sizeof(err)) == 0;
		notify_record(conn, PQgetvalue(res, i, 0), ok, err);
		if (!ok)
			fprintf(stderr, "level=warning service=alerts msg=\"delivery %s to %s failed: %s\"\n",
			    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), err);
	}
	PQclear(res);
	return n;
}

static void *
notify_thread(void *arg)
{
	PGconn		*conn = NULL;
	PGresult	*res;
	PGnotify	*note;
	struct pollfd	 pfd;
	int		 n;

	(void)arg;
	for (;;) {
		if (conn != NULL && PQstatus(conn) != CONNECTION_OK) {
			PQfinish(conn);
			conn = NULL;
		}
		if (conn == NULL) {
			if ((conn = db_connect()) == NULL || notify_session_setup(conn) != 0) {
				sleep(5);
				continue;
			}
			res = PQexec(conn, "LISTEN ns_deliveries");
			PQclear(res);
		}
		n = notify_batch(conn);
		if (n == NOTIFY_BATCH)
			continue;	/* more may be due */
		pfd.fd = PQsocket(conn);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) > 0 && PQconsumeInput(conn) != 0)
			while ((note = PQnotifies(conn)) != NULL)
				PQfreemem(note);
	}
	return NULL;
}

static void
notify_spawn(void)
{
	pthread_t	 t;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (pthread_create(&t, NULL, notify_thread, NULL) == 0)
		pthread_detach(t);
}

void
notify_start(void)
{
	pthread_once(&notify_once, notify_spawn);
}
