/*
 * northstar.h — the whole public interface of the common library.
 *
 * A service is a routing table (struct ns_route[]) plus, where the generic
 * "run this SQL function and return its JSON" handler is not enough, a few
 * handler functions.  Everything else — the FastCGI loop, worker threads,
 * authentication, role checks, parameter validation, database access,
 * errors, logging, CSV export, ETags — lives in common/.
 *
 * Order of checks on every request (see app.c): method and route known →
 * authenticated → role allowed → parameters valid → handler.  A handler
 * never sees a raw query string.
 */
#ifndef NORTHSTAR_H
#define NORTHSTAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <fcgiapp.h>
#include <libpq-fe.h>

/* Roles are bits so that a route can allow several. */
enum ns_role {
	NS_ROLE_CEO	= 1 << 0,
	NS_ROLE_CS	= 1 << 1,
	NS_ROLE_SALES	= 1 << 2,
};
#define NS_ROLES_ALL	(NS_ROLE_CEO | NS_ROLE_CS | NS_ROLE_SALES)
#define NS_PUBLIC	0	/* route needs no sign-in (login, health) */

/* Parameter types understood by the validator (param.c). */
enum ns_ptype {
	NS_P_INT,	/* decimal integer within [min, max] */
	NS_P_NUM,	/* decimal number within [min, max], up to 6 decimals */
	NS_P_DATE,	/* ISO date YYYY-MM-DD, a real calendar day */
	NS_P_ENUM,	/* one of a NULL-terminated list of words */
	NS_P_WORD,	/* [A-Za-z0-9_.-]{1,max} — names, tags, endpoints */
};

struct ns_param {
	const char		*name;
	enum ns_ptype		 type;
	long			 min;	/* NS_P_INT/NUM: bounds; NS_P_WORD: ignored */
	long			 max;	/* NS_P_WORD: max length */
	const char *const	*words;	/* NS_P_ENUM: allowed values */
	const char		*def;	/* default as text, or NULL (then SQL NULL) */
};

/*
 * Route flags.  NS_F_RANGE adds the common date parameters from, to and
 * days (either days or from/to; from <= to; span at most NS_MAX_SPAN_DAYS).
 * NS_F_CSV adds format=json|csv; csv_key names the array of the JSON
 * answer that becomes the CSV rows.
 */
#define NS_F_RANGE	0x01
#define NS_F_CSV	0x02
#define NS_F_ASOF	0x04	/* adds as_of (a date, default today) */
#define NS_F_BODY	0x08	/* handler reads a JSON request body */
#define NS_MAX_SPAN_DAYS	1096
#define NS_MAX_PARAMS	16
#define NS_MAX_BODY	(64 * 1024)

struct ns_req;
typedef int (*ns_handler)(struct ns_req *);

/*
 * One route.  pattern is an exact path, where a segment "{id}" matches a
 * positive integer (available as req->path_id).
 *
 * With handler NULL the generic handler runs sql, a statement that returns
 * one row with one json column, with parameters
 *   $1 user id, $2 role name, then each declared parameter in order
 *   (text, SQL NULL when absent without default), then the NS_F_RANGE
 *   triple (from, to, days), then as_of, then path_id when the pattern has
 *   one.
 * cache_seconds > 0 lets nginx and browsers keep the answer that long
 * (never past the token's expiry); 0 means no-store.
 */
struct ns_route {
	const char		*method;
	const char		*pattern;
	unsigned		 roles;
	const struct ns_param	*params;	/* NULL-name terminated, or NULL */
	unsigned		 flags;
	int			 cache_seconds;
	const char		*sql;
	const char		*csv_key;
	ns_handler		 handler;
};

struct ns_service {
	const char		*name;		/* "revenue" */
	const struct ns_route	*routes;	/* NULL-method terminated */
	/* Optional background job run every job_seconds in its own thread
	 * with its own connection (rollup refresh, alert evaluation). */
	int			(*job)(PGconn *);
	int			 job_seconds;
};

struct ns_user {
	long		 id;		/* 0 when not signed in */
	unsigned	 role;		/* one NS_ROLE_* bit */
	long		 token_version;
	time_t		 expires;	/* token exp */
	int		 via_cookie;	/* token came from the cookie */
};

struct ns_val {
	const char	*name;
	const char	*text;		/* validated text, or NULL */
};

struct db;

struct ns_req {
	FCGX_Request		*fcgi;
	const struct ns_route	*route;
	const char		*method;
	char			 path[256];
	long			 path_id;
	struct ns_user		 user;
	struct ns_val		 vals[NS_MAX_PARAMS];
	size_t			 nvals;
	int			 want_csv;
	struct db		*db;
	int			 status;	/* for the access log */
	char			 client[64];
	char			 qbuf[2049];	/* param.c: decoded query */
	char			 idbuf[24];	/* param.c: path_id as text */
	char			*extra_headers;	/* http.c: Set-Cookie etc. */
	size_t			 extra_len;
};

/* app.c */
/*
 * Run a service: read configuration from the environment, open the
 * FastCGI socket, start the workers and serve until SIGTERM/SIGINT.
 * With --routes, print the routing table (the access matrix) and exit.
 * Returns the process exit status.
 */
int		 app_main(const struct ns_service *, int argc, char *argv[]);

/* http.c — every reply goes through one of these; each returns 0. */
int		 http_json_text(struct ns_req *, int status, const char *json, size_t len);
int		 http_error(struct ns_req *, int status, const char *code, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
const char	*http_header(const struct ns_req *, const char *cgi_name);
/* Read the request body (at most NS_MAX_BODY).  Caller frees with free(). */
char		*http_body_new(struct ns_req *, size_t *len);
void		 http_extra_header(struct ns_req *, const char *line);

/* param.c */
/* The validated value of a declared parameter, or NULL. */
const char	*param_get(const struct ns_req *, const char *name);

/* db.c */
/*
 * Run a statement (prepared once per connection under name, from sql)
 * with text parameters.  Reconnects and retries once if the connection
 * was lost.  Returns the result (caller PQclear()s) or NULL when the
 * database is unreachable.
 */
PGresult	*db_exec(struct db *, const char *name, const char *sql, int n,
		    const char *const *vals);
/*
 * Like db_exec, for a statement that must not run twice (an INSERT, a
 * counter): not re-sent after a lost connection; NULL then (answer 503).
 */
PGresult	*db_exec_write(struct db *, const char *name, const char *sql, int n,
		    const char *const *vals);
/* Like db_exec, for reads that a replica may answer (NS_DATABASE_READ_URL). */
PGresult	*db_exec_read(struct db *, const char *name, const char *sql, int n,
		    const char *const *vals);
/*
 * Run sql with vals and reply with its single json value: 200 with the
 * JSON (or CSV), or the mapped error (400 for SQLSTATE class 22, NSxyz for
 * HTTP xyz, 503 when the database is down or the statement timed out).
 */
int		 db_reply_json(struct ns_req *, const char *name, const char *sql,
		    int n, const char *const *vals);

/*
 * A new connection with the service's session settings (search_path,
 * time zone, statement timeout), for long-lived work such as LISTEN.
 * Returns NULL on failure (logged).  Caller closes with PQfinish().
 */
PGconn		*db_connect(void);
/* Handler for GET /api/<service>/health: {"status":"ok","db":"ok"} or 503. */
int		 db_health(struct ns_req *);

/* auth.c */
const char	*auth_role_name(unsigned role);
/* Handlers for /api/auth/login, /api/auth/logout and /api/auth/me. */
int		 auth_login(struct ns_req *);
int		 auth_logout(struct ns_req *);
int		 auth_me(struct ns_req *);

#endif /* NORTHSTAR_H */
