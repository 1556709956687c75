/*
 * reply.c — answers built from database results: the generic call of a
 * route's SQL function, the single-json-value answer (JSON or CSV), and
 * the one mapping from SQLSTATE to HTTP status.  db.c only talks to the
 * database; http.c only writes HTTP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Project words for PostgreSQL's own errors about a value (classes 22 and 23). */
static const struct {
	const char	*state;
	const char	*words;
} reply_words[] = {
	{ "22021", "a text value is not valid UTF-8; send text encoded as UTF-8" },
	{ "22P05", "a text value holds a character that cannot be stored (such as \\u0000); "
	    "leave it out" },
	{ "22P02", "a value does not have the form its field takes; check the numbers, dates "
	    "and words sent" },
	{ "22003", "a number is out of range for its field; send a smaller one" },
	{ "22008", "a date or time is out of range; send one between 1900 and 2999" },
	{ "22007", "a date or time is not in a form this endpoint reads; send YYYY-MM-DD" },
	{ "22001", "a text value is longer than its field takes; send a shorter one" },
	{ "22004", "a required value is null; send it" },
	{ "22012", "a value leads to a division by zero; send another" },
	{ "22023", "a value is not valid for its field; check the parameters and body sent" },
	{ "22", "a value is not valid for its field; check the parameters and body sent" },
	{ "23505", "a record with this key exists already" },
	{ "23503", "the record refers to something that does not exist" },
	{ "23502", "a required value is missing; send it" },
	{ "23514", "a value breaks a rule of its field; check the values sent" },
	{ "23", "the record breaks a rule of the data; check the values sent" },
};

/*
 * Whether res was raised by our own SQL (a PL/pgSQL RAISE, whose message
 * we wrote and which names the field) rather than by PostgreSQL itself,
 * whose messages we never pass on (they speak of encodings, types and
 * constraints, and may quote the data).  The error's source routine tells:
 * RAISE is pl_exec.c's exec_stmt_raise.
 */
static int
reply_ours(const PGresult *res)
{
	const char *fn = PQresultErrorField(res, PG_DIAG_SOURCE_FUNCTION);

	return fn != NULL && strcmp(fn, "exec_stmt_raise") == 0;
}

/* The message to answer for state: ours as raised, else the project's words for it. */
static const char *
reply_message(struct ns_req *req, const PGresult *res, const char *state, const char *msg)
{
	size_t i;

	if (reply_ours(res))
		return msg;
	log_msg("info", "query %s refused by the database: %s %s (answered in our words)",
	    req->route != NULL ? req->route->pattern : "-", state, msg);
	for (i = 0; i < sizeof(reply_words) / sizeof(reply_words[0]); i++)
		if (strncmp(state, reply_words[i].state, strlen(reply_words[i].state)) == 0)
			return reply_words[i].words;
	return "the request was refused; check the parameters and body sent";
}

/*
 * Whether a connection error in res (class 08) came from a shard, a
 * postgres_fdw server of the sharded layout (sql/schema/021_events_shards.sql)
 * rather than from the database the service talks to: its message names
 * the server ("could not connect to server \"northstar_shard_1\""), or it
 * was raised while running a remote command.  Writes "shard 1" (or "a
 * shard" when unnamed) to name.
 */
static int
reply_shard(const PGresult *res, char *name, size_t size)
{
	const char	*msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char	*ctx = PQresultErrorField(res, PG_DIAG_CONTEXT);
	const char	*p = msg != NULL ? strstr(msg, "\"northstar_shard_") : NULL;

	if (p != NULL) {
		char	*end;
		long	 k = strtol(p + strlen("\"northstar_shard_"), &end, 10);

		if (end != p + strlen("\"northstar_shard_") && *end == '"' && k >= 0 && k < 1000) {
			snprintf(name, size, "shard %ld", k);
			return 1;
		}
	}
	if (ctx != NULL && strstr(ctx, "remote SQL command") != NULL) {
		snprintf(name, size, "a shard");
		return 1;
	}
	return 0;
}

int
reply_error(struct ns_req *req, const PGresult *res)
{
	char		 shard[32];
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (state == NULL)
		state = "";
	if (msg == NULL)
		msg = "";
	if (strcmp(state, "57014") == 0)
		return http_error(req, 503, "query_timeout",
		    "the query took too long; try a shorter range or retry shortly");
	if (strncmp(state, "22", 2) == 0)
		return http_error(req, 400, "bad_request", "%s", reply_message(req, res, state, msg));
	if (strcmp(state, "23505") == 0)
		return http_error(req, 409, "conflict", "%s", reply_message(req, res, state, msg));
	if (strncmp(state, "23", 2) == 0)
		return http_error(req, 422, "unprocessable", "%s", reply_message(req, res, state, msg));
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strncmp(state, "53", 2) == 0)
		return http_error(req, 503, "db_busy", "the database is busy; retry shortly");
	if (strncmp(state, "NS", 2) == 0) {
		int status = atoi(state + 2);

		if (status >= 400 && status < 500)
			return http_error(req, status, status == 404 ? "not_found" :
			    status == 403 ? "forbidden" : status == 409 ? "conflict" :
			    status == 422 ? "unprocessable" : status == 401 ? "unauthorized" :
			    status == 429 ? "too_many_requests" : status == 413 ? "payload_too_large" :
			    "bad_request", "%s", msg);
	}
	if (strncmp(state, "08", 2) == 0 && reply_shard(res, shard, sizeof(shard))) {
		/* nothing of the request was written (one transaction): the same request may be sent again */
		http_extra_header(req, "Retry-After: 5");
		return http_error(req, 503, "shard_unavailable",
		    "%s (it holds part of the events) cannot be reached; what reads events answers "
		    "again once it is back, the rest answers now; retry in a few seconds", shard);
	}
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return http_error(req, 503, "db_unavailable",
		    "the database is unavailable; retry shortly");
	log_msg("error", "query %s failed: %s %s", req->route != NULL ? req->route->pattern : "-",
	    state, msg);
	return http_error(req, 500, "internal", "internal error; it has been logged");
}

int
reply_json(struct ns_req *req, const char *json, size_t len)
{
	char		*csv, fname[96];
	size_t		 clen, rows;
	const char	*base;

	if (!req->want_csv || req->route == NULL || req->route->csv_key == NULL)
		return http_json_text(req, 200, json, len);
	if ((csv = csv_from_json_new(json, len, req->route->csv_key, &clen, &rows)) == NULL)
		return http_error(req, 500, "internal", "could not build the CSV export");
	/* Every CSV export is audited before it leaves (never cached: http.c). */
	if (audit_export(req, "export.csv", (long)rows) != 0) {
		free(csv);
		return audit_refuse(req);
	}
	base = strrchr(req->route->pattern, '/');
	snprintf(fname, sizeof(fname), "northstar-%s-%s.csv", cfg.service,
	    base != NULL ? base + 1 : "export");
	http_send(req, 200, "text/csv; charset=utf-8", csv, clen, fname);
	free(csv);
	return 0;
}

int
reply_result(struct ns_req *req, PGresult *res)
{
	if (res == NULL)
		return http_error(req, 503, "db_unavailable",
		    "the database is unavailable; retry shortly");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		reply_error(req, res);
	else if (PQntuples(res) != 1 || PQnfields(res) != 1 || PQgetisnull(res, 0, 0))
		http_error(req, 404, "not_found", "nothing found");
	else
		reply_json(req, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
	return 0;
}

int
reply_call(struct ns_req *req, const struct ns_arg *extra, size_t nextra)
{
	struct ns_arg	 args[NS_MAX_ARGS];
	size_t		 n, i;
	/* GET answers are reads (a replica may serve them); others write once. */
	int		 read = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;

	n = route_args(req, args, NS_MAX_ARGS);
	for (i = 0; i < nextra && n < NS_MAX_ARGS; i++)
		args[n++] = extra[i];
	return reply_result(req, db_call(req->db, read ? NS_DB_READ : NS_DB_WRITE, NULL,
	    req->route->fn, args, n));
}

int
db_health(struct ns_req *req)
{
	static const char up[] = "{\"status\":\"ok\",\"db\":\"ok\"}";
	static const char down[] = "{\"status\":\"degraded\",\"db\":\"down\"}";

	if (db_ping(req->db) == 0)
		return http_json_text(req, 200, up, sizeof(up) - 1);
	return http_json_text(req, 503, down, sizeof(down) - 1);
}
