/*
 * stream.c — GET /api/alerts/stream: new, acknowledged and resolved
 * alerts as Server-Sent Events, pushed as soon as PostgreSQL announces
 * them on channel ns_alerts (LISTEN/NOTIFY, waited for with poll() on
 * PQsocket as in libpq's testlibpq2.c).
 *
 * A stream holds a worker thread, so a process serves at most
 * workers - 1 streams (NS_ALERTS_MAX_STREAMS may lower it) and one
 * worker always stays for ordinary requests; each stream ends after
 * NS_ALERTS_STREAM_SECONDS (default 300) and the browser reconnects
 * with Last-Event-ID, from which the missed events are replayed.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "alerts.h"

#define STREAM_HEARTBEAT_S	15

static pthread_mutex_t	 stream_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 stream_active;

static pthread_once_t	 stream_once = PTHREAD_ONCE_INIT;
static int		 stream_max = 3;		/* concurrent streams */
static int		 stream_seconds = 300;	/* lifetime of one stream */

/* Read the limits once: workers - 1, or NS_ALERTS_MAX_STREAMS when lower. */
static void
stream_config(void)
{
	int	 workers = config_int("NS_WORKERS", 4, 1, 64);
	int	 cap, secs;

	stream_max = (workers > 0 ? workers : 4) - 1;
	if ((cap = config_int("NS_ALERTS_MAX_STREAMS", stream_max, 0, 64)) >= 0 && cap < stream_max)
		stream_max = cap;
	if ((secs = config_int("NS_ALERTS_STREAM_SECONDS", 300, 1, 86400)) > 0)
		stream_seconds = secs;
}

/* Take a stream slot; 0 when all are in use. */
static int
stream_slot_take(void)
{
	int	 ok;

	pthread_once(&stream_once, stream_config);
	pthread_mutex_lock(&stream_lock);
	ok = stream_active < stream_max;
	if (ok)
		stream_active++;
	pthread_mutex_unlock(&stream_lock);
	return ok;
}

static void
stream_slot_give(void)
{
	pthread_mutex_lock(&stream_lock);
	stream_active--;
	pthread_mutex_unlock(&stream_lock);
}

/* Write and flush; -1 when the client has gone. */
static int
stream_write(struct ns_req *req, const char *s, size_t len)
{
	if (len > INT_MAX || FCGX_PutStr(s, (int)len, req->fcgi->out) != (int)len)
		return -1;
	return FCGX_FFlush(req->fcgi->out) == 0 ? 0 : -1;
}

/*
 * Send the events after *last the caller may see, and advance *last.
 * With *last < 0 nothing is sent: *last becomes the newest event id.
 * Returns 0, or -1 when the database or the client failed.
 */
static int
stream_send_since(struct ns_req *req, PGconn *conn, long long *last)
{
	char		 uid[24], after[24], head[64];
	struct ns_arg	 args[3];
	PGresult	*res;
	cJSON		*root = NULL, *ev, *id, *lid;
	char		*text;
	int		 rc = -1, n;

	snprintf(uid, sizeof(uid), "%ld", req->user.id);
	snprintf(after, sizeof(after), "%lld", *last);
	args[0] = (struct ns_arg){ "p_user", uid };
	args[1] = (struct ns_arg){ "p_role", role_name(req->user.role) };
	args[2] = (struct ns_arg){ "p_after", *last >= 0 ? after : NULL };
	res = db_call_conn(conn, NULL, "api.alerts_events_since", args, 3);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		goto out;
	if ((root = cJSON_Parse(PQgetvalue(res, 0, 0))) == NULL)
		goto out;
	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(root, "events")) {
		id = cJSON_GetObjectItemCaseSensitive(ev, "id");
		if (!cJSON_IsNumber(id) || (text = cJSON_PrintUnformatted(ev)) == NULL)
			goto out;
		n = snprintf(head, sizeof(head), "id: %.0f\nevent: alert\ndata: ", id->valuedouble);
		if (stream_write(req, head, (size_t)n) != 0 ||
		    stream_write(req, text, strlen(text)) != 0 ||
		    stream_write(req, "\n\n", 2) != 0) {
			cJSON_free(text);
			goto out;
		}
		cJSON_free(text);
	}
	lid = cJSON_GetObjectItemCaseSensitive(root, "last_id");
	if (cJSON_IsNumber(lid) && lid->valuedouble > (double)*last)
		*last = (long long)lid->valuedouble;
	rc = 0;
out:
	cJSON_Delete(root);
	PQclear(res);
	return rc;
}

/* Replay everything after *last (100 events a query) until nothing is new. */
static int
stream_catch_up(struct ns_req *req, PGconn *conn, long long *last)
{
	int		 i;

	for (i = 0; i < 1000; i++) {
		long long prev = *last;
		if (stream_send_since(req, conn, last) != 0)
			return -1;
		if (*last == prev)
			break;
	}
	return 0;
}

/* Last-Event-ID: absent → -1; digits → the id; anything else → -2. */
static long long
stream_last_event_id(const struct ns_req *req)
{
	const char	*v = http_header(req, "HTTP_LAST_EVENT_ID");
	long long	 n = 0;
	int		 digits = 0;

	if (v == NULL || *v == '\0')
		return -1;
	for (; *v >= '0' && *v <= '9' && digits < 18; v++, digits++)
		n = n * 10 + (*v - '0');
	return (*v == '\0' && digits > 0) ? n : -2;
}

static double
stream_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Wait for notifications, the client going away, or the next heartbeat. */
static void
stream_loop(struct ns_req *req, PGconn *conn, long long last)
{
	static const char beat[] = ": heartbeat\n\n";
	double		 end = stream_now() + (double)stream_seconds;
	double		 next_beat = stream_now() + STREAM_HEARTBEAT_S;
	struct pollfd	 pfd[2];
	PGnotify	*note;
	int		 got;

	for (;;) {
		double now = stream_now(), wait;

		if (now >= end)
			break;
		if (now >= next_beat) {
			if (stream_write(req, beat, sizeof(beat) - 1) != 0)
				break;
			next_beat = now + STREAM_HEARTBEAT_S;
		}
		wait = (next_beat < end ? next_beat : end) - now;
		pfd[0].fd = PQsocket(conn);
		pfd[0].events = POLLIN;
		pfd[1].fd = req->fcgi->ipcFd;	/* nginx closes it when the browser goes */
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, (int)(wait * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents == 0)
			continue;
		if (PQconsumeInput(conn) == 0)
			break;
		got = 0;
		while ((note = PQnotifies(conn)) != NULL) {
			got = 1;
			PQfreemem(note);
		}
		if (got && stream_catch_up(req, conn, &last) != 0)
			break;
	}
	/* Tell the browser to come back soon (it resends Last-Event-ID). */
	(void)stream_write(req, "retry: 1000\n\n", 13);
}

int
stream_handler(struct ns_req *req)
{
	static const char hdr[] = "Status: 200 OK\r\n"
	    "Content-Type: text/event-stream; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Accel-Expires: 0\r\n"
	    "X-Accel-Buffering: no\r\n"
	    "\r\n"
	    "retry: 3000\n: connected\n\n";
	long long	 last = stream_last_event_id(req);
	PGconn		*conn;
	PGresult	*res;

	if (last == -2)
		return http_error(req, 400, "bad_request",
		    "the Last-Event-ID header must be an event id (digits)");
	if (!stream_slot_take())
		return http_error(req, 503, "too_many_streams",
		    "too many live alert streams on this server; retry in a minute");
	if ((conn = db_connect()) == NULL) {
		stream_slot_give();
		return http_error(req, 503, "db_unavailable", "the database is unavailable; retry shortly");
	}
	res = PQexec(conn, "LISTEN ns_alerts");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQclear(res);
		PQfinish(conn);
		stream_slot_give();
		return http_error(req, 503, "db_unavailable", "the database is unavailable; retry shortly");
	}
	PQclear(res);
	req->status = 200;
	/* LISTEN first, then read: nothing committed in between is lost. */
	if (stream_write(req, hdr, sizeof(hdr) - 1) == 0 && stream_catch_up(req, conn, &last) == 0)
		stream_loop(req, conn, last);
	PQfinish(conn);
	stream_slot_give();
	return 0;
}
