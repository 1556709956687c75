/*
 * notify.c — delivering notifications: Slack-compatible webhooks and
 * e-mail over SMTP, both with libcurl, from the alert_deliveries table
 * that the evaluation and the report runs fill (one row per event or
 * report run, channel and target, so a re-run never sends twice).  A
 * thread of its own takes one due row at a time under a lease longer than
 * any send (alert_deliveries_take: 120 s against curl's 60 s), sends it
 * and records the outcome (alert_delivery_done: exponential back-off,
 * NS_DELIVERY_BACKOFF_S doubling up to NS_DELIVERY_BACKOFF_MAX_S, failed
 * after NS_DELIVERY_MAX_ATTEMPTS; a report's final failure raises the
 * report_delivery alert), so a dead receiver never holds back the
 * evaluation.  Each delivery carries a stable idempotency key: the
 * e-mail's Message-ID, the webhook's Idempotency-Key header and payload
 * member.  It wakes on NOTIFY ns_deliveries.  The SQL is in
 * sql/schema/555_reports.sql; docs/operations.md "Reports".
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

#define NOTIFY_BATCH		20	/* deliveries sent before looking at notifications again */
#define NOTIFY_LEASE_S		"120"	/* a taken delivery is not due again before: > any send */
#define NOTIFY_SMTP_TIMEOUT	60L	/* the whole SMTP transfer, attachments included (connect: 3 s) */
#define NOTIFY_HOOK_TIMEOUT	5L	/* the whole webhook request */
#define NOTIFY_RETRY_MAX_S	30	/* longest wait between two connection attempts */

static pthread_once_t	 notify_once = PTHREAD_ONCE_INIT;

int
notify_session_setup(PGconn *conn)
{
	/* environment variable, SQL parameter, integer bounds (0: text) */
	static const struct { const char *env, *arg; int min, max; } map[] = {
		{ "NS_ALERTS_WEBHOOK_URL", "p_webhook_url", 0, 0 },
		{ "NS_SMTP_URL", "p_smtp_url", 0, 0 },
		{ "NS_SMTP_FROM", "p_smtp_from", 0, 0 },
		{ "NS_SMTP_USER", "p_smtp_user", 0, 0 },
		{ "NS_DELIVERY_MAX_ATTEMPTS", "p_delivery_max_attempts", 1, 100 },
		{ "NS_DELIVERY_BACKOFF_S", "p_delivery_backoff_s", 1, 86400 },
		{ "NS_DELIVERY_BACKOFF_MAX_S", "p_delivery_backoff_max_s", 1, 86400 },
	};
	struct ns_arg	 args[sizeof(map) / sizeof(map[0])];
	PGresult	*res;
	size_t		 i;
	int		 ok;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		args[i].name = map[i].arg;
		args[i].text = config_str(map[i].env, NULL);
		/* a malformed number is said (config_int) and left out: the default holds */
		if (args[i].text != NULL && map[i].max > 0 &&
		    config_int(map[i].env, 0, map[i].min, map[i].max) < 0)
			args[i].text = NULL;
	}
	res = db_call_conn(conn, NULL, "alert_session_setup", args, sizeof(args) / sizeof(args[0]));
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		log_msg("warning", "alerts session setup failed: %s", db_error_message(conn, res));
	PQclear(res);
	return ok ? 0 : -1;
}

/* Base64 of n bytes of s into dst (NUL-terminated); -1 when it does not fit (alerts.h). */
int
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
 * POST the JSON body with the header "Idempotency-Key: key" (the same
 * key is in the body: alert_deliveries_key); 0 on a 2xx answer, else -1
 * with the reason in err.  Connections go only to allowed addresses
 * (webhook_curl_guard: checked on the address connected to, whatever the
 * URL's host resolves to now).
 */
static int
notify_webhook(const char *url, const char *json, const char *key, char *err, size_t errsz)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = NULL;
	struct ns_webhook_guard	 guard = { .allow = config_webhook_allow() };
	char			 line[256];
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
	if (h != NULL && key != NULL &&
	    snprintf(line, sizeof(line), "Idempotency-Key: %s", key) < (int)sizeof(line))
		h = curl_slist_append(h, line);
	if (h == NULL) {
		curl_easy_cleanup(c);
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, NOTIFY_HOOK_TIMEOUT);
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
 * The headers of an e-mail, or NULL with the reason in err: Date (now),
 * the stable Message-ID msgid of the delivery (alert_deliveries_key), the
 * top-level Content-Type ctype (libcurl adds its boundary), From, To and
 * Subject.  Caller frees with curl_slist_free_all().
 */
static struct curl_slist *
notify_mail_headers(const char *msgid, const char *ctype, const char *from, const char *to,
    const char *subject, char *err, size_t errsz)
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
	if (snprintf(line, sizeof(line), "Message-ID: %s", msgid) >= (int)sizeof(line) ||
	    strpbrk(msgid, "\r\n") != NULL) {
		snprintf(err, errsz, "the Message-ID is malformed");
		curl_slist_free_all(h);
		return NULL;
	}
	if (notify_slist_add(&h, line) != 0)
		goto oom;
	snprintf(line, sizeof(line), "Content-Type: %s", ctype);
	if (notify_slist_add(&h, line) != 0)
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

/*
 * Add a part to mime: len bytes of data (CURL_ZERO_TERMINATED: a string)
 * of type ctype, base64 on the wire, with the extra header lines hdr1 and
 * hdr2 (each may be NULL) and the file name fname (NULL: none; libcurl
 * then makes it an attachment).  CURLE_OK or libcurl's error.
 */
static CURLcode
notify_mail_part(curl_mime *mime, const void *data, size_t len, const char *ctype,
    const char *hdr1, const char *hdr2, const char *fname)
{
	curl_mimepart		*part = curl_mime_addpart(mime);
	struct curl_slist	*h = NULL;
	CURLcode		 rc;

	rc = part == NULL ? CURLE_OUT_OF_MEMORY : curl_mime_data(part, data, len);
	if (rc == CURLE_OK)
		rc = curl_mime_type(part, ctype);
	if (rc == CURLE_OK)
		rc = curl_mime_encoder(part, "base64");
	if (rc == CURLE_OK && fname != NULL)
		rc = curl_mime_filename(part, fname);
	if (rc == CURLE_OK && hdr1 != NULL && notify_slist_add(&h, hdr1) != 0)
		rc = CURLE_OUT_OF_MEMORY;
	if (rc == CURLE_OK && hdr2 != NULL && notify_slist_add(&h, hdr2) != 0)
		rc = CURLE_OUT_OF_MEMORY;
	if (rc == CURLE_OK && h != NULL && (rc = curl_mime_headers(part, h, 1)) == CURLE_OK)
		h = NULL;	/* the part owns it now */
	curl_slist_free_all(h);
	return rc;
}

/*
 * Add a multipart part of type ctype ("multipart/related") to mime and
 * return its (empty) sub-structure in *sub, owned by mime.  CURLE_OK or
 * libcurl's error (then *sub is NULL and nothing is left allocated).
 */
static CURLcode
notify_mail_multipart(CURL *c, curl_mime *mime, const char *ctype, curl_mime **sub)
{
	curl_mimepart	*part;
	CURLcode	 rc;

	if ((*sub = curl_mime_init(c)) == NULL)
		return CURLE_OUT_OF_MEMORY;
	if ((part = curl_mime_addpart(mime)) == NULL) {
		curl_mime_free(*sub);
		*sub = NULL;
		return CURLE_OUT_OF_MEMORY;
	}
	if ((rc = curl_mime_subparts(part, *sub)) != CURLE_OK) {
		curl_mime_free(*sub);
		*sub = NULL;
		return rc;
	}
	return curl_mime_type(part, ctype);
}

/*
 * The body of an e-mail into mime.  An alert event's (parts NULL) is
 * multipart/alternative { text/plain, text/html }.  A report's (parts: the
 * rows of alert_delivery_parts, maybe none) is
 *   multipart/mixed {
 *     multipart/alternative { text/plain,
 *       multipart/related { text/html, image/png Content-ID <chart-N@northstar> ... } },
 *     application/pdf attachment northstar-<kind>-<period>.pdf }
 * the HTML referring to each chart as <img src="cid:chart-N@northstar">.
 * *ctype is set to the top-level type.  CURLE_OK or libcurl's error.
 */
static CURLcode
notify_mail_body(CURL *c, curl_mime *mime, const char *text, const char *html,
    const PGresult *parts, const char **ctype)
{
	curl_mime	*alt = mime, *rel = NULL;
	CURLcode	 rc = CURLE_OK;
	char		 cid[300];
	size_t		 len;
	int		 i, n = parts != NULL ? PQntuples(parts) : 0, f_type, f_name, f_cid, f_data;

	*ctype = "multipart/alternative";
	if (parts != NULL) {
		*ctype = "multipart/mixed";
		rc = notify_mail_multipart(c, mime, "multipart/alternative", &alt);
	}
	if (rc == CURLE_OK)
		rc = notify_mail_part(alt, text, CURL_ZERO_TERMINATED, "text/plain; charset=utf-8",
		    NULL, NULL, NULL);
	if (rc == CURLE_OK && html != NULL && parts != NULL)
		rc = notify_mail_multipart(c, alt, "multipart/related", &rel);
	if (rc == CURLE_OK && html != NULL)
		rc = notify_mail_part(rel != NULL ? rel : alt, html, CURL_ZERO_TERMINATED,
		    "text/html; charset=utf-8", NULL, NULL, NULL);
	f_type = PQfnumber(parts, "content_type");
	f_name = PQfnumber(parts, "filename");
	f_cid = PQfnumber(parts, "content_id");
	f_data = PQfnumber(parts, "data");
	for (i = 0; i < n && rc == CURLE_OK; i++) {
		unsigned char	*data = PQunescapeBytea((const unsigned char *)PQgetvalue(parts, i,
		    f_data), &len);
		const char	*fname = PQgetvalue(parts, i, f_name);

		if (data == NULL) {
			rc = CURLE_OUT_OF_MEMORY;
			break;
		}
		if (!PQgetisnull(parts, i, f_cid)) {
			/* an inline chart of the HTML (the related part), named by its Content-ID */
			snprintf(cid, sizeof(cid), "Content-ID: <%s>", PQgetvalue(parts, i, f_cid));
			rc = notify_mail_part(rel != NULL ? rel : alt, data, len,
			    PQgetvalue(parts, i, f_type), cid, "Content-Disposition: inline", NULL);
		} else {
			rc = notify_mail_part(mime, data, len, PQgetvalue(parts, i, f_type), NULL, NULL,
			    fname);
		}
		PQfreemem(data);
	}
	return rc;
}

/*
 * Send one e-mail (msgid: its stable Message-ID; parts: a report's
 * attachments, or NULL) to one recipient.  0 when the server accepted
 * it, else -1 with the reason in err.
 */
static int
notify_email(PGconn *conn, const char *msgid, const char *to, const char *subject,
    const char *text, const char *html, const PGresult *parts, char *err, size_t errsz)
{
	PGresult		*res = db_call_conn(conn, "url, sender, username", "alert_smtp_settings",
	    NULL, 0);
	const char		*pass = config_str("NS_SMTP_PASSWORD", NULL), *sender, *ctype = NULL;
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
	if ((c = curl_easy_init()) == NULL || (mime = curl_mime_init(c)) == NULL ||
	    (rcpt = curl_slist_append(NULL, to)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	if ((rc = notify_mail_body(c, mime, text, html, parts, &ctype)) != CURLE_OK) {
		snprintf(err, errsz, "%s", curl_easy_strerror(rc));
		goto out;
	}
	if ((hdrs = notify_mail_headers(msgid, ctype, sender, to, subject, err, errsz)) == NULL)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, PQgetvalue(res, 0, f_url));
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, NOTIFY_SMTP_TIMEOUT);
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

/*
 * Record the outcome of attempt number attempt of delivery id (err NULL:
 * sent).  A final failure is logged with what to do next.
 */
static void
notify_record(PGconn *conn, const char *id, const char *attempt, const char *channel,
    const char *target, const char *err)
{
	struct ns_arg	 args[3] = { { "p_id", id }, { "p_error", err }, { "p_attempt", attempt } };
	PGresult	*res = db_call_conn(conn, NULL, "alert_delivery_done", args, 3);
	const char	*status;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		log_msg("warning", "recording delivery %s failed: %s", id, db_error_message(conn, res));
	} else if (err != NULL) {
		status = PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0);
		if (strcmp(status, "failed") == 0)
			log_msg("error", "delivery %s (%s to %s) failed for good after %s attempts: %s; "
			    "it is listed by GET /api/alerts/deliveries?status=failed (a report's also "
			    "raises the report_delivery alert); fix the receiver, then re-send with "
			    "SELECT report_delivery_resend(p_delivery => %s) (docs/operations.md \"Reports\")",
			    id, channel, target, attempt, err, id);
		else
			log_msg("warning", "delivery %s (%s to %s) attempt %s failed: %s; will retry",
			    id, channel, target, attempt, err);
	}
	PQclear(res);
}

/*
 * Take one due delivery (under the lease) and send it.  Returns 1 when
 * one was taken, 0 when none was due, -1 when the database failed.
 */
static int
notify_one(PGconn *conn)
{
	struct ns_arg	 args[2] = { { "p_limit", "1" }, { "p_lease_s", NOTIFY_LEASE_S } };
	PGresult	*res = db_call_conn(conn, "id, attempt, channel, target, subject, body, html, "
	    "message_id, idem_key, run_id", "alert_deliveries_take", args, 2), *parts = NULL;
	struct ns_arg	 pid;
	const char	*id, *channel, *target;
	char		 err[512];
	int		 ok, f_html, f_run;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg("warning", "taking due deliveries failed: %s", db_error_message(conn, res));
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return 0;
	}
	id = PQgetvalue(res, 0, PQfnumber(res, "id"));
	channel = PQgetvalue(res, 0, PQfnumber(res, "channel"));
	target = PQgetvalue(res, 0, PQfnumber(res, "target"));
	f_html = PQfnumber(res, "html");
	f_run = PQfnumber(res, "run_id");
	err[0] = '\0';
	if (strcmp(channel, "webhook") == 0) {
		ok = notify_webhook(target, PQgetvalue(res, 0, PQfnumber(res, "body")),
		    PQgetvalue(res, 0, PQfnumber(res, "idem_key")), err, sizeof(err)) == 0;
	} else {
		if (!PQgetisnull(res, 0, f_run)) {
			pid = (struct ns_arg){ "p_id", id };
			parts = db_call_conn(conn, "content_type, filename, content_id, data",
			    "alert_delivery_parts", &pid, 1);
		}
		if (parts != NULL && PQresultStatus(parts) != PGRES_TUPLES_OK) {
			snprintf(err, sizeof(err), "reading the report's attachments failed: %s",
			    db_error_message(conn, parts));
			ok = 0;
		} else {
			ok = notify_email(conn, PQgetvalue(res, 0, PQfnumber(res, "message_id")), target,
			    PQgetvalue(res, 0, PQfnumber(res, "subject")),
			    PQgetvalue(res, 0, PQfnumber(res, "body")),
			    PQgetisnull(res, 0, f_html) ? NULL : PQgetvalue(res, 0, f_html),
			    parts, err, sizeof(err)) == 0;
		}
	}
	notify_record(conn, id, PQgetvalue(res, 0, PQfnumber(res, "attempt")), channel, target,
	    ok ? NULL : err);
	PQclear(parts);
	PQclear(res);
	return 1;
}

/*
 * Send the due deliveries, one at a time, at most NOTIFY_BATCH.  Returns
 * how many were sent or tried, or -1 when the database failed.
 */
static int
notify_batch(PGconn *conn)
{
	int	 n = 0, rc = 0;

	while (n < NOTIFY_BATCH && (rc = notify_one(conn)) == 1)
		n++;
	return n == 0 && rc < 0 ? -1 : n;
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
