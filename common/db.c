/*
 * db.c — PostgreSQL connections of a worker thread (primary, and an
 * optional read replica).
 *
 * Statements are prepared lazily, once per connection, under the name
 * the caller gives.  libpq keeps saying CONNECTION_OK after the server
 * restarts until a query fails, so a failed query checks PQstatus,
 * reconnects, re-prepares and retries once; while PostgreSQL is down
 * callers get NULL and answer 503 without waiting long (connect_timeout).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define DB_MAX_STMTS	128
#define DB_REPLICA_CHECK 5	/* seconds between replica health/lag checks */

/* One connection and the statements prepared on it. */
struct dbconn {
	PGconn	*conn;
	char	 prepared[DB_MAX_STMTS][32];
	size_t	 nprepared;
};

/*
 * A worker's database: the primary, and a read replica when
 * NS_DATABASE_READ_URL is set.  Dashboard reads go to the replica while
 * it answers and lags by at most NS_READ_MAX_LAG_S; otherwise, and for
 * every write and session check, the primary.
 */
struct db {
	struct dbconn	 primary;
	struct dbconn	 replica;
	time_t		 replica_checked;	/* last health/lag check */
	int		 replica_usable;
};

struct db *
db_new(void)
{
	return calloc(1, sizeof(struct db));
}

static void
db_disconnect(struct dbconn *c)
{
	PQfinish(c->conn);
	c->conn = NULL;
	c->nprepared = 0;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(&db->primary);
	db_disconnect(&db->replica);
	free(db);
}

/*
 * Open a connection to url with the session settings every query relies
 * on: search_path, the reporting time zone (also as northstar.tz for the
 * SQL functions) and the statement timeout.  Set by a query once connected
 * rather than as the startup packet's "options": a pooler in front of the
 * server (pgbouncer, docs/operations.md "Sharding") does not pass those on.
 * NULL on failure (logged).
 */
static PGconn *
db_connect_url(const char *url)
{
	char		 timeout[16];
	/* the password (NS_DATABASE_PASSWORD_FILE) last: it wins over the URL's; NULL ends the list */
	const char	*keys[] = { "dbname", "connect_timeout", "application_name", "password", NULL };
	const char	*vals[] = { url, "3", cfg.service, config_db_password(), NULL };
	const char	*params[3];
	PGconn		*conn;
	PGresult	*res;

	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		log_msg("error", "database connection failed: %s",
		    conn != NULL ? PQerrorMessage(conn) : "out of memory");
		PQfinish(conn);
		return NULL;
	}
	snprintf(timeout, sizeof(timeout), "%d", cfg.stmt_timeout_ms);
	params[0] = cfg.tz;
	params[1] = cfg.tz;
	params[2] = timeout;
	res = PQexecParams(conn, "SELECT set_config('search_path', 'public', false), "
	    "set_config('TimeZone', $1, false), set_config('northstar.tz', $2, false), "
	    "set_config('statement_timeout', $3, false)", 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg("error", "database session settings failed: %s", PQerrorMessage(conn));
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	return conn;
}

PGconn *
db_connect(void)
{
	return db_connect_url(cfg.db_url);
}

static int
db_is_prepared(const struct dbconn *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nprepared; i++)
		if (strcmp(c->prepared[i], name) == 0)
			return 1;
	return 0;
}

/* Prepare name once on this connection.  Returns the error result or NULL. */
static PGresult *
db_prepare(struct dbconn *c, const char *name, const char *sql, int n)
{
	PGresult *res;

	if (db_is_prepared(c, name))
		return NULL;
	/* Statements we could not record would fail as duplicates later. */
	if (c->nprepared >= DB_MAX_STMTS || strlen(name) >= sizeof(c->prepared[0])) {
		log_msg("error", "statement %s cannot be prepared: table full or name too long", name);
		return PQmakeEmptyPGresult(c->conn, PGRES_FATAL_ERROR);
	}
	res = PQprepare(c->conn, name, sql, n, NULL);
	if (res == NULL)
		return PQmakeEmptyPGresult(c->conn, PGRES_FATAL_ERROR);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return res;
	PQclear(res);
	snprintf(c->prepared[c->nprepared++], sizeof(c->prepared[0]), "%s", name);
	return NULL;
}

/*
 * Is this idle connection already gone?  A request connection never
 * LISTENs (the jobs' and the publisher's own connections do, and are not
 * these), so between statements it has nothing to read — unless the server
 * is ending it: a restart sends FATAL 57P01 and closes.  Readable means
 * gone: the lost link is found before a statement is sent, so even a
 * write that may not run twice gets a fresh connection, not an error,
 * after a database restart (a rare harmless message, such as a reported
 * parameter change, costs one reconnection).  1: gone.
 */
static int
db_conn_gone(PGconn *conn)
{
	struct pollfd	 pfd;

	pfd.fd = PQsocket(conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0)
		return 1;
	return poll(&pfd, 1, 0) != 0;	/* nothing pending (0): alive as far as can be told */
}

/*
 * Run a prepared statement on c, reconnecting to url once if it was lost.
 * A statement that may not run twice (retry 0) is not sent again once it
 * has been sent: the server may have committed it before the link broke.
 */
static PGresult *
db_conn_exec(struct dbconn *c, const char *url, const char *name, const char *sql, int n,
    const char *const *vals, int retry)
{
	int		 attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		PGresult	*res;

		if (attempt > 0 && !retry)
			return NULL;
		if (attempt == 0 && c->conn != NULL && db_conn_gone(c->conn)) {
			log_msg("warning", "database connection was closed by the server; reconnecting");
			db_disconnect(c);
		}
		if (c->conn == NULL && (c->conn = db_connect_url(url)) == NULL)
			return NULL;
		if ((res = db_prepare(c, name, sql, n)) == NULL)
			res = PQexecPrepared(c->conn, name, n, vals, NULL, NULL, 0);
		if (res != NULL && (PQresultStatus(res) == PGRES_TUPLES_OK ||
		    PQresultStatus(res) == PGRES_COMMAND_OK))
			return res;
		if (PQstatus(c->conn) != CONNECTION_BAD)
			return res;	/* an SQL error: the caller maps it */
		PQclear(res);
		log_msg("warning", "database connection lost; reconnecting");
		db_disconnect(c);
	}
	return NULL;
}

PGconn *
db_primary(struct db *db)
{
	struct dbconn	*c = &db->primary;

	if (c->conn != NULL && (PQstatus(c->conn) != CONNECTION_OK ||
	    PQtransactionStatus(c->conn) != PQTRANS_IDLE || db_conn_gone(c->conn)))
		db_disconnect(c);	/* lost, or left in a transaction: start afresh */
	if (c->conn == NULL)
		c->conn = db_connect_url(cfg.db_url);
	return c->conn;
}

PGresult *
db_exec(struct db *db, const char *name, const char *sql, int n, const char *const *vals)
{
	return db_conn_exec(&db->primary, cfg.db_url, name, sql, n, vals, 1);
}

PGresult *
db_exec_write(struct db *db, const char *name, const char *sql, int n, const char *const *vals)
{
	return db_conn_exec(&db->primary, cfg.db_url, name, sql, n, vals, 0);
}

/* Caught up with what it received, or its last replayed commit is recent
 * enough; a replica that has replayed no commit yet counts as lagging. */
static const char SQL_REPLICA_LAG[] =
    "SELECT pg_is_in_recovery() AND CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM "
    "pg_last_wal_replay_lsn() THEN true ELSE coalesce(extract(epoch FROM now() - "
    "pg_last_xact_replay_timestamp()) <= $1::float8, false) END";

/*
 * Is the replica fit for reads?  Checked at most every DB_REPLICA_CHECK
 * seconds: it must answer, be in recovery, and have replayed what it
 * received or lag by at most cfg.read_max_lag seconds.
 */
static int
db_replica_usable(struct db *db)
{
	char		 lag[16];
	const char	*vals[1] = { lag };
	PGresult	*res;
	time_t		 now = time(NULL);

	if (now - db->replica_checked < DB_REPLICA_CHECK)
		return db->replica_usable;
	db->replica_checked = now;
	snprintf(lag, sizeof(lag), "%d", cfg.read_max_lag);
	res = db_conn_exec(&db->replica, cfg.read_url, "replica_lag", SQL_REPLICA_LAG, 1, vals, 1);
	db->replica_usable = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!db->replica_usable)
		log_msg("warning", "read replica unavailable or lagging; reading from the primary");
	return db->replica_usable;
}

PGresult *
db_exec_read(struct db *db, const char *name, const char *sql, int n, const char *const *vals)
{
	if (cfg.read_url != NULL && db_replica_usable(db)) {
		PGresult *res = db_conn_exec(&db->replica, cfg.read_url, name, sql, n, vals, 1);
		/* A replica may cancel a query that conflicts with recovery (40001). */
		if (res != NULL && !(PQresultStatus(res) == PGRES_FATAL_ERROR &&
		    PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL &&
		    strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "40001") == 0))
			return res;
		PQclear(res);
		db->replica_usable = 0;	/* gone mid-request: fall back now */
	}
	return db_exec(db, name, sql, n, vals);
}

/* 0 when the database answers a trivial query. */
int
db_ping(struct db *db)
{
	PGresult	*res = db_exec(db, "ping", "SELECT 1", 0, NULL);
	int		 ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;

	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * The statement text of a named call: "SELECT cols FROM fn(a => $1, …)",
 * or "SELECT fn(…)" without cols.  Returns a buffer the caller frees, or
 * NULL (out of memory, or a name that is not a plain identifier: names come
 * from our own route tables, never from a request, but a typo must not
 * become SQL).
 */
char *
db_call_sql_new(const char *cols, const char *fn, const struct ns_arg *args, size_t nargs)
{
	static const char ident[] = "abcdefghijklmnopqrstuvwxyz0123456789_.";
	size_t	 sz = 32 + strlen(fn) + (cols != NULL ? strlen(cols) : 0), o, i;
	char	*sql;

	if (fn[0] == '\0' || strspn(fn, ident) != strlen(fn))
		return NULL;
	for (i = 0; i < nargs; i++) {
		if (args[i].name == NULL || args[i].name[0] == '\0' ||
		    strspn(args[i].name, ident) != strlen(args[i].name) ||
		    strchr(args[i].name, '.') != NULL)
			return NULL;
		sz += strlen(args[i].name) + 16;
	}
	if ((sql = malloc(sz)) == NULL)
		return NULL;
	o = (size_t)snprintf(sql, sz, cols != NULL ? "SELECT %s FROM %s(" : "SELECT %s%s(",
	    cols != NULL ? cols : "", fn);
	for (i = 0; i < nargs; i++)
		o += (size_t)snprintf(sql + o, sz - o, "%s%s => $%zu", i > 0 ? ", " : "",
		    args[i].name, i + 1);
	snprintf(sql + o, sz - o, ")");
	return sql;
}

/*
 * The statement text of a call and its values in vals (at most
 * NS_MAX_ARGS).  Returns the text (caller frees), or NULL (logged).
 */
static char *
db_call_begin(const char *cols, const char *fn, const struct ns_arg *args, size_t nargs,
    const char **vals)
{
	char	*sql;
	size_t	 i;

	if (nargs > NS_MAX_ARGS || (sql = db_call_sql_new(cols, fn, args, nargs)) == NULL) {
		log_msg("error", "cannot build the call of %s (%zu arguments)", fn, nargs);
		return NULL;
	}
	for (i = 0; i < nargs; i++)
		vals[i] = args[i].text;
	return sql;
}

PGresult *
db_call(struct db *db, enum ns_db_mode mode, const char *cols, const char *fn,
    const struct ns_arg *args, size_t nargs)
{
	const char	*vals[NS_MAX_ARGS];
	char		 name[24], *sql;
	PGresult	*res;

	if ((sql = db_call_begin(cols, fn, args, nargs, vals)) == NULL)
		return PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
	/* The statement name is the hash of its text: one prepared statement per call shape. */
	snprintf(name, sizeof(name), "c%016llx",
	    (unsigned long long)hash_fnv1a(NS_HASH_INIT, sql, strlen(sql)));
	switch (mode) {
	case NS_DB_READ:
		res = db_exec_read(db, name, sql, (int)nargs, vals);
		break;
	case NS_DB_WRITE:
		res = db_exec_write(db, name, sql, (int)nargs, vals);
		break;
	default:
		res = db_exec(db, name, sql, (int)nargs, vals);
		break;
	}
	free(sql);
	return res;
}

PGresult *
db_call_conn(PGconn *conn, const char *cols, const char *fn, const struct ns_arg *args,
    size_t nargs)
{
	const char	*vals[NS_MAX_ARGS];
	char		*sql;
	PGresult	*res = NULL;

	if ((sql = db_call_begin(cols, fn, args, nargs, vals)) != NULL)
		res = PQexecParams(conn, sql, (int)nargs, NULL, vals, NULL, NULL, 0);
	free(sql);
	return res != NULL ? res : PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
}

const char *
db_error_message(PGconn *conn, const PGresult *res)
{
	const char *m = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (m == NULL && conn != NULL)
		m = PQerrorMessage(conn);
	return m != NULL && *m != '\0' ? m : "unknown error";
}
