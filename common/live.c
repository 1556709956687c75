/*
 * live.c — the live stream's publisher (docs/live.md).  One thread, in
 * the process that runs the periodic jobs of the service that starts it
 * (the alerts service), turns the outbox of sql/schema/570_live.sql into
 * messages and POSTs each to nginx's nchan publisher location on the
 * socket NS_LIVE_SOCKET (/pub?c=<channel>), or, when NS_LIVE_SOCKET is an
 * http:// base URL (containers: nginx's internal port), there.  nginx holds the subscribers;
 * no service thread waits on a browser.
 *
 * A round: refresh the rollups when business data changed (so the
 * figures a message carries are those a refetch would show), then in one
 * transaction live_compose() (which deletes the rows it composes),
 * publish every message, and COMMIT only when nchan accepted them all;
 * otherwise ROLLBACK, and the rows come again at the next round.  So a
 * message is published at least once and a change is never lost by the
 * stream.  Rounds run on NOTIFY northstar_live (NS_CHANNEL_LIVE), at most
 * one every NS_LIVE_GAP_MS (default 200), and every 5 s regardless.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "internal.h"

#define LIVE_FALLBACK_MS	5000
#define LIVE_BATCH		"2000"	/* outbox rows a transaction */

static pthread_once_t	 live_once = PTHREAD_ONCE_INIT;
static const char	*live_socket;	/* a unix socket path, or an http:// base URL */
static const char	*live_base = "http://localhost";
static int		 live_gap_ms = 200;

static size_t
live_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/*
 * One POST of message to channel (message NULL: DELETE the channel, which
 * ends its subscribers' streams); 0 when nchan accepted it (2xx; for a
 * DELETE also 404, no such channel).  nginx
 * does not decode $arg_c, so the name goes as it is: live_compose() makes
 * only names of [a-z0-9:] ("role:ceo", "user:12"), anything else is refused.
 */
static int
live_post(CURL *c, const char *channel, const char *message)
{
	char		 url[160];
	long		 code = 0;
	CURLcode	 rc;

	if (strspn(channel, "abcdefghijklmnopqrstuvwxyz0123456789:") != strlen(channel) ||
	    strlen(channel) > 64) {
		log_msg("error", "live: channel name '%.64s' is not [a-z0-9:]{1,64}; message dropped", channel);
		return 0;
	}
	snprintf(url, sizeof(url), "%.64s/pub?c=%.64s", live_base, channel);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, message == NULL ? "DELETE" : NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, message != NULL ? message : "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, message != NULL ? (long)strlen(message) : 0L);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK && message == NULL && code == 404)
		return 0;	/* a channel nobody listens to: nothing to end */
	if (rc != CURLE_OK || code < 200 || code > 299) {
		log_msg("warning", "live: publishing to %s failed: %s (HTTP %ld); retrying",
		    channel, rc != CURLE_OK ? curl_easy_strerror(rc) : "refused", code);
		return -1;
	}
	return 0;
}

/* Run one statement; 0 when its result had status want. */
static int
live_exec(PGconn *conn, const char *sql, ExecStatusType want)
{
	PGresult	*res = PQexec(conn, sql);
	int		 ok = PQresultStatus(res) == want;

	if (!ok)
		log_msg("warning", "live: %s failed: %s", sql, db_error_message(conn, res));
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * Compose and publish one transaction's worth of the rows up to id upto.
 * Returns the number of messages published (0: none left), or -1 after
 * a failure (rolled back; the caller waits before the next round).
 */
static int
live_publish_batch(PGconn *conn, CURL *c, const char *upto)
{
	struct ns_arg	 args[2] = { { "p_limit", LIVE_BATCH }, { "p_upto", upto } };
	PGresult	*res;
	int		 i, n, rc = -1;

	if (live_exec(conn, "BEGIN", PGRES_COMMAND_OK) != 0)
		return -1;
	res = db_call_conn(conn, "channel, message", "live_compose", args, 2);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg("warning", "live: live_compose failed: %s", db_error_message(conn, res));
		goto out;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++)
		if (live_post(c, PQgetvalue(res, i, 0),
		    PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1)) != 0)
			goto out;
	rc = n;
out:
	PQclear(res);
	if (rc >= 0 && live_exec(conn, "COMMIT", PGRES_COMMAND_OK) != 0)
		rc = -1;
	if (rc < 0)
		(void)live_exec(conn, "ROLLBACK", PGRES_COMMAND_OK);
	return rc;
}

/*
 * A round: the rows there now (up to their newest id, read before the
 * refresh: a row committed during the refresh waits for the next round,
 * so its figures are never older than its message); the rollups first
 * when business data changed; then batches until those rows are gone.
 */
static int
live_round(PGconn *conn, CURL *c)
{
	PGresult	*res;
	char		 upto[24];
	int		 changed, i;

	res = PQexec(conn, "SELECT max(id), coalesce(bool_or(kind NOT IN ('data_version', 'kick')), false) FROM live_outbox");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		log_msg("warning", "live: reading the outbox failed: %s", db_error_message(conn, res));
		PQclear(res);
		return -1;
	}
	if (PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return 0;
	}
	snprintf(upto, sizeof(upto), "%s", PQgetvalue(res, 0, 0));
	changed = PQgetvalue(res, 0, 1)[0] == 't';
	PQclear(res);
	if (changed)
		(void)live_exec(conn, "SELECT rollup_refresh()", PGRES_TUPLES_OK);
	for (i = 0; i < 100; i++) {
		int n = live_publish_batch(conn, c, upto);

		if (n <= 0)
			return n;
	}
	return 0;
}

/* A connection that LISTENs on NS_CHANNEL_LIVE, or NULL (logged). */
static PGconn *
live_connect(void)
{
	PGconn	*conn = db_connect();

	if (conn != NULL && live_exec(conn, "LISTEN " NS_CHANNEL_LIVE, PGRES_COMMAND_OK) != 0) {
		PQfinish(conn);
		conn = NULL;
	}
	return conn;
}

/* Wait up to ms for a notification; -1 when the connection broke. */
static int
live_wait(PGconn *conn, int ms)
{
	struct pollfd	 pfd = { PQsocket(conn), POLLIN, 0 };
	PGnotify	*note;

	if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
		return -1;
	if (PQconsumeInput(conn) == 0)
		return -1;
	while ((note = PQnotifies(conn)) != NULL)
		PQfreemem(note);
	return 0;
}

static void
live_sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static void *
live_thread(void *arg)
{
	PGconn		*conn = NULL;
	CURL		*c;
	int		 backoff = 0;

	(void)arg;
	if ((c = curl_easy_init()) == NULL) {
		log_msg("error", "live: curl_easy_init failed; no live stream");
		return NULL;
	}
	if (strncmp(live_socket, "http://", 7) == 0)
		live_base = live_socket;
	else
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, live_socket);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, live_discard);
	for (;;) {
		if (conn == NULL && (conn = live_connect()) == NULL) {
			live_sleep_ms(LIVE_FALLBACK_MS);
			continue;
		}
		if (live_round(conn, c) < 0) {
			backoff = backoff == 0 ? 250 : (backoff * 2 > 5000 ? 5000 : backoff * 2);
			if (PQstatus(conn) != CONNECTION_OK) {
				PQfinish(conn);
				conn = NULL;
			}
			live_sleep_ms(backoff);
			continue;
		}
		backoff = 0;
		live_sleep_ms(live_gap_ms);
		if (live_wait(conn, LIVE_FALLBACK_MS) != 0) {
			PQfinish(conn);
			conn = NULL;
		}
	}
	return NULL;
}

static void
live_spawn(void)
{
	pthread_t	 t;
	int		 gap;

	live_socket = config_str("NS_LIVE_SOCKET", NULL);
	if (live_socket == NULL || *live_socket == '\0') {
		log_msg("warning", "live: NS_LIVE_SOCKET is not set; live updates are not published");
		return;
	}
	if ((gap = config_int("NS_LIVE_GAP_MS", 200, 0, 60000)) >= 0)
		live_gap_ms = gap;
	if (pthread_create(&t, NULL, live_thread, NULL) != 0) {
		log_msg("error", "live: cannot start the publisher thread");
		return;
	}
	pthread_detach(t);
}

void
live_start(void)
{
	pthread_once(&live_once, live_spawn);
}
