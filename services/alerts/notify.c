/*
 * notify.c — delivering notifications: Slack-compatible webhooks and
 * e-mail over SMTP, both with libcurl, from the alert_deliveries table
 * that the evaluation fills (one row per event, channel and target, so a
 * re-run never sends twice).  A thread of its own takes due rows
 * (alert_deliveries_take), sends them with short timeouts and records
 * each outcome (alert_delivery_done: retried with exponential backoff,
 * 5 s, 10 s, 20 s, 40 s; failed after 5 attempts), so a dead receiver
 * never holds back the evaluation.  It wakes on NOTIFY ns_deliveries.
 * The SQL is in sql/schema/550_alerts.sql.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "alerts.h"

#define NOTIFY_BATCH		20
#define NOTIFY_BATCH_S		"20"
#define NOTIFY_RETRY_MAX_S	30	/* longest wait between two connection attempts */

static pthread_once_t	 notify_once = PTHREAD_ONCE_INIT;

int
notify_session_setup(PGconn *conn)
{
	static const char *const map[][2] = {
		{ "NS_ALERTS_WEBHOOK_URL", "p_webhook_url" },
		{ "NS_SMTP_URL", "p_smtp_url" },
		{ "NS_SMTP_FROM", "p_smtp_from" },
		{ "NS_SMTP_USER", "p_smtp_user" },
		{ "NS_ALERTS_REPORT_HOUR", "p_report_hour" },
	};
	struct ns_arg	 args[sizeof(map) / sizeof(map[0])];
	PGresult	*res;
	size_t		 i;
	int		 ok;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		args[i].name = map[i][1];
		args[i].text = config_str(map[i][0], NULL);
	}
	res = db_call_conn(conn, NULL, "alert_session_setup", args, sizeof(args) / sizeof(args[0]));
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		log_msg("warning", "alerts session setup failed: %s", db_error_message(conn, res));
	PQclear(res);
	return ok ? 0 : -1;
}

/* Base64 of n bytes of s into dst (NUL-terminated); -1 when it does not fit. */
static int
notify_base64(char *dst, size_t dstsz, const unsigned char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t		 i, o = 0;

	if ((n + 2) / 3 * 4 >= dstsz)
		return -1;
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		dst[o++] = tab[(v >> 18) & 63];
		dst[o++] = tab[(v >> 12) & 63];
		dst[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		dst[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	dst[o] = '\0';
	return 0;
}

/*
 * The header line "name: value" into dst: printable ASCII as is,
 * anything else (UTF-8, control characters: no header injection) as
 * RFC 2047 encoded-words "=?UTF-8?B?…?=" of at most 45 bytes each (75
 * characters), never splitting a UTF-8 sequence.  -1 when it does not fit.
 */
static int
notify_header(char *dst, size_t dstsz, const char *name, const char *value)
{
	const unsigned char	*v = (const unsigned char *)value;
	size_t			 len = strlen(value), i, o, n;
	int			 plain = 1;

	for (i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] >= 0x7f)
			plain = 0;
	o = (size_t)snprintf(dst, dstsz, "%s: %s", name, plain ? value : "");
	if (o >= dstsz)
		return -1;
	for (i = 0; !plain && i < len; i += n) {
		n = len - i < 45 ? len - i : 45;
		while (n < len - i && n > 1 && (v[i + n] & 0xc0) == 0x80)
			n--;	/* do not cut a character */
		if (o + 20 >= dstsz)
			return -1;
		o += (size_t)snprintf(dst + o, dstsz - o, "%s=?UTF-8?B?", i > 0 ? " " : "");
		if (notify_base64(dst + o, dstsz - o, v + i, n) != 0)
			return -1;
		o += strlen(dst + o);
		if (o + 3 >= dstsz)
			return -1;
		memcpy(dst + o, "?=", 3);
		o += 2;
	}
	return 0;
}

static size_t
notify_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/*
 * POST the JSON body; 0 on a 2xx answer, else -1 with the reason in err.
 * Connections go only to allowed addresses (webhook_curl_guard: checked
 * on the address connected to, whatever the URL's host resolves to now).
 */
static int
notify_webhook(const char *url, const char *json, char *err, size_t errsz)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = NULL;
	struct ns_webhook_guard	 guard = { .allow = config_webhook_allow() };
	long			 code = 0;
	CURLcode		 rc;

	if (c == NULL) {
		snprintf(err, errsz, "curl_easy_init failed");
		return -1;
	}
	if (webhook_curl_guard(c, &guard) != 0) {
		curl_easy_cleanup(c);
		snprintf(err, errsz, "libcurl refused the address guard; not sent");
		return -1;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
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
	if (rc != CURLE_OK && guard.refused) {
		snprintf(err, errsz, "refused: the URL goes to %s, a private, loopback or link-local "
		    "address (set %s to allow its network)", guard.addr, NS_WEBHOOK_ALLOW_ENV);
		return -1;
	}
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

/* Append line to *list; -1 when out of memory (*list is kept). */
static int
notify_slist_add(struct curl_slist **list, const char *line)
{
	struct curl_slist	*l = curl_slist_append(*list, line);

	if (l == NULL)
		return -1;
	*list = l;
	return 0;
}

/*
 * The headers of an e-mail, or NULL with the reason in err.  Caller
 * frees with curl_slist_free_all().
 */
static struct curl_slist *
notify_mail_headers(long id, const char *from, const char *to, const char *subject,
    char *err, size_t errsz)
{
	static const char *const names[] = { "From", "To", "Subject" };
	const char	*vals[] = { from, to, subject };
	struct curl_slist *h = NULL;
	char		 line[1024];
	time_t		 now = time(NULL);
	struct tm	 tm;
	size_t		 i;

	gmtime_r(&now, &tm);
	strftime(line, sizeof(line), "Date: %a, %d %b %Y %H:%M:%S +0000", &tm);
	if (notify_slist_add(&h, line) != 0)
		goto oom;
	snprintf(line, sizeof(line), "Message-ID: <delivery-%ld.%lld@northstar>", id, (long long)now);
	if (notify_slist_add(&h, line) != 0)
		goto oom;
	/* libcurl adds its boundary to the Content-Type of the whole message. */
	if (notify_slist_add(&h, "Content-Type: multipart/alternative") != 0)
		goto oom;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (notify_header(line, sizeof(line), names[i], vals[i]) != 0) {
			snprintf(err, errsz, "the %s header is too long", names[i]);
			curl_slist_free_all(h);
			return NULL;
		}
		if (notify_slist_add(&h, line) != 0)
			goto oom;
	}
	return h;
oom:
	snprintf(err, errsz, "out of memory");
	curl_slist_free_all(h);
	return NULL;
}

/* Add a part of type ctype holding text (base64 on the wire) to mime. */
static CURLcode
notify_mail_part(curl_mime *mime, const char *text, const char *ctype)
{
	curl_mimepart	*part = curl_mime_addpart(mime);
	CURLcode	 rc;

	rc = part == NULL ? CURLE_OUT_OF_MEMORY : curl_mime_data(part, text, CURL_ZERO_TERMINATED);
	if (rc == CURLE_OK)
		rc = curl_mime_type(part, ctype);
	if (rc == CURLE_OK)
		rc = curl_mime_encoder(part, "base64");
	return rc;
}

/*
 * Send one e-mail: multipart/alternative with the text and, when given,
 * the HTML.  0 when the server accepted it, else -1 with the reason in err.
 */
static int
notify_email(PGconn *conn, long id, const char *to, const char *subject, const char *text,
    const char *html, char *err, size_t errsz)
{
	PGresult		*res = db_call_conn(conn, "url, sender, username", "alert_smtp_settings",
	    NULL, 0);
	const char		*pass = config_str("NS_SMTP_PASSWORD", NULL), *sender;
	struct curl_slist	*rcpt = NULL, *hdrs = NULL;
	curl_mime		*mime = NULL;
	CURL			*c = NULL;
	char			 from[320];
	CURLcode		 rc;
	int			 ret = -1, f_url, f_user;

	f_url = PQfnumber(res, "url");
	f_user = PQfnumber(res, "username");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQgetisnull(res, 0, f_url)) {
		snprintf(err, errsz, "SMTP is not configured (smtp_url)");
		goto out;
	}
	sender = PQgetvalue(res, 0, PQfnumber(res, "sender"));
	if (snprintf(from, sizeof(from), "<%s>", sender) >= (int)sizeof(from)) {
		snprintf(err, errsz, "the sender address is too long");
		goto out;
	}
	if ((hdrs = notify_mail_headers(id, sender, to, subject, err, errsz)) == NULL)
		goto out;
	if ((c = curl_easy_init()) == NULL || (mime = curl_mime_init(c)) == NULL ||
	    (rcpt = curl_slist_append(NULL, to)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	rc = notify_mail_part(mime, text, "text/plain; charset=utf-8");
	if (rc == CURLE_OK && html != NULL)
		rc = notify_mail_part(mime, html, "text/html; charset=utf-8");
	if (rc != CURLE_OK) {
		snprintf(err, errsz, "%s", curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, PQgetvalue(res, 0, f_url));
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (!PQgetisnull(res, 0, f_user)) {
		curl_easy_setopt(c, CURLOPT_USERNAME, PQgetvalue(res, 0, f_user));
		if (pass != NULL)
			curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
	}
	if ((rc = curl_easy_perform(c)) != CURLE_OK)
		snprintf(err, errsz, "%s", curl_easy_strerror(rc));
	else
		ret = 0;
out:
	if (c != NULL)
		curl_easy_cleanup(c);
	curl_mime_free(mime);
	curl_slist_free_all(rcpt);
	curl_slist_free_all(hdrs);
	PQclear(res);
	return ret;
}

/* Record the outcome of one attempt (err NULL: sent). */
static void
notify_record(PGconn *conn, const char *id, const char *channel, const char *err)
{
	struct ns_arg	 args[2] = { { "p_id", id }, { "p_error", err } };
	PGresult	*res = db_call_conn(conn, NULL, "alert_delivery_done", args, 2);
	const char	*status;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		log_msg("warning", "recording delivery %s failed: %s", id, db_error_message(conn, res));
	} else if (err != NULL) {
		status = PQgetvalue(res, 0, 0);
		log_msg("warning", "delivery %s (%s) failed: %s; %s", id, channel, err,
		    strcmp(status, "failed") == 0 ? "giving up" : "will retry");
	}
	PQclear(res);
}

/*
 * Take the due deliveries and send them.  Returns how many were taken,
 * or -1 when the database failed.
 */
static int
notify_batch(PGconn *conn)
{
	struct ns_arg	 arg = { "p_limit", NOTIFY_BATCH_S };
	PGresult	*res = db_call_conn(conn, "id, channel, target, subject, body, html",
	    "alert_deliveries_take", &arg, 1);
	char		 err[256];
	int		 i, n, ok, f_id, f_channel, f_target, f_subject, f_body, f_html;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg("warning", "taking due deliveries failed: %s", db_error_message(conn, res));
		PQclear(res);
		return -1;
	}
	f_id = PQfnumber(res, "id");
	f_channel = PQfnumber(res, "channel");
	f_target = PQfnumber(res, "target");
	f_subject = PQfnumber(res, "subject");
	f_body = PQfnumber(res, "body");
	f_html = PQfnumber(res, "html");
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		err[0] = '\0';
		if (strcmp(PQgetvalue(res, i, f_channel), "webhook") == 0)
			ok = notify_webhook(PQgetvalue(res, i, f_target), PQgetvalue(res, i, f_body),
			    err, sizeof(err)) == 0;
		else
			ok = notify_email(conn, strtol(PQgetvalue(res, i, f_id), NULL, 10),
			    PQgetvalue(res, i, f_target), PQgetvalue(res, i, f_subject),
			    PQgetvalue(res, i, f_body),
			    PQgetisnull(res, i, f_html) ? NULL : PQgetvalue(res, i, f_html),
			    err, sizeof(err)) == 0;
		notify_record(conn, PQgetvalue(res, i, f_id), PQgetvalue(res, i, f_channel),
		    ok ? NULL : err);
	}
	PQclear(res);
	return n;
}

/*
 * A connection the delivery thread may use: connected, with the session
 * settings (notify_session_setup) and LISTEN ns_deliveries both done.
 * Anything less is closed, never used half-prepared.  Returns the
 * connection, or NULL (logged).
 */
static PGconn *
notify_connect(void)
{
	PGconn		*conn = db_connect();
	PGresult	*res;
	int		 ok;

	if (conn == NULL)
		return NULL;
	if (notify_session_setup(conn) != 0) {
		PQfinish(conn);
		return NULL;
	}
	res = PQexec(conn, "LISTEN ns_deliveries");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		log_msg("warning", "LISTEN ns_deliveries failed: %s", db_error_message(conn, res));
	PQclear(res);
	if (!ok) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

static void *
notify_thread(void *arg)
{
	PGconn		*conn = NULL;
	PGnotify	*note;
	struct pollfd	 pfd;
	unsigned	 delay = 1;
	int		 n;

	(void)arg;
	for (;;) {
		if (conn != NULL && PQstatus(conn) != CONNECTION_OK) {
			PQfinish(conn);
			conn = NULL;
		}
		if (conn == NULL) {
			if ((conn = notify_connect()) == NULL) {
				log_msg("warning", "delivery thread: no usable connection; next try in %u s",
				    delay);
				sleep(delay);
				delay = delay * 2 < NOTIFY_RETRY_MAX_S ? delay * 2 : NOTIFY_RETRY_MAX_S;
				continue;
			}
			delay = 1;
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
