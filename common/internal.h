/*
 * internal.h — table of contents of the common library.  Services include
 */
#ifndef NS_INTERNAL_H
#define NS_INTERNAL_H

#include "northstar.h"

#define NS_MAX_TOKEN	4096	/* longest session token we look at */
#define NS_MAX_QUERY	2048	/* longest query string we parse */

/* config.c — configuration, only from the environment. */
struct config {
	const char	*service;
	const char	*db_url;	/* NS_DATABASE_URL */
	const char	*read_url;	/* NS_DATABASE_READ_URL, or NULL */
	int		 read_max_lag;	/* NS_READ_MAX_LAG_S */
	const char	*socket;	/* NS_SOCKET (path or :port) */
	int		 workers;	/* NS_WORKERS */
	int		 token_ttl;	/* NS_TOKEN_TTL seconds */
	int		 stmt_timeout_ms; /* NS_STATEMENT_TIMEOUT_MS */
	int		 job_stmt_timeout_ms; /* NS_JOB_STATEMENT_TIMEOUT_MS */
	int		 jobs;		/* NS_JOBS: run the periodic job here */
	int		 login_delay_base_s;	/* NS_LOGIN_DELAY_BASE_S (login.c) */
	int		 login_delay_max_s;	/* NS_LOGIN_DELAY_MAX_S */
	const char	*tz;		/* NS_TZ reporting time zone */
	unsigned char	 secret[256];	/* from NS_JWT_SECRET_FILE */
	size_t		 secret_len;
	unsigned char	 stripe_secret[256];	/* from NS_STRIPE_WEBHOOK_SECRET_FILE */
	size_t		 stripe_secret_len;	/* 0: not configured */
	struct ns_webhook_allow webhook_allow;	/* NS_WEBHOOK_ALLOW_PRIVATE */
	char		 db_password[256];	/* from NS_DATABASE_PASSWORD_FILE; "" for none */
};
extern struct config	 cfg;
int		 config_load(const char *service, int need_secret);
const char	*config_db_password(void);	/* NULL: none configured */
int		 config_secret_load(const char *path, unsigned char *buf,
		    size_t bufsz, size_t *len);

/* log.c — logfmt lines on stderr (log_msg is public). */
void		 log_request(const struct ns_req *, double ms);
void		 log_escape(char *dst, size_t dstsz, const char *src);

/* route.c */
/*
 * Find the route for method and path.  Returns it, or NULL with
 * *wrong_method set when the path exists under another method.
 */
const struct ns_route *route_match(const struct ns_route *, const char *method,
		    const char *path, long *path_id, int *wrong_method);
/*
 * The named arguments route r passes to its function (see struct
 * ns_route), with the request's values when req is given.  Returns how
 * many were written to out (at most max).
 */
size_t		 route_arg_decls(const struct ns_route *r, const struct ns_req *req,
		    struct ns_argdecl *out, size_t max);
/* The request's named arguments for its route's function, p_body excepted. */
size_t		 route_args(struct ns_req *, struct ns_arg *args, size_t max);
/*
 * Check every route that names a function against pg_proc on conn.
 * Returns 0; -1 when a route does not match (why names the route and the
 * mismatch); -2 when the catalogue could not be read.
 */
int		 route_check(PGconn *, const struct ns_route *, char *why, size_t whysz);

/* param.c */
/*
 * Parse and validate a query string against the route's declared
 * parameters into req->vals.  Returns 0, or -1 with a message naming the
 * parameter in err.  Values point into req's own buffer.
 */
int		 param_parse(struct ns_req *, const char *query, char *err, size_t errsz);
int		 param_date_valid(const char *);
int		 param_int_valid(const char *, long min, long max, long *out);
int		 param_num_valid(const char *, long min, long max);
int		 param_percent_decode(char *s);
/*
 * Is s[0..len) well-formed UTF-8?  0, or -1 with the offset of the first
 * bad byte in *bad (bad may be NULL).  Pure.
 */
int		 param_utf8_valid(const char *s, size_t len, size_t *bad);
/* Today in the reporting zone as YYYY-MM-DD. */
void		 param_today(char *buf, size_t sz);

/* auth.c */
/*
 * Verify a token: HS256 only, signature, exp/nbf/iat with a small skew,
 * sub/role/ver present.  Fills *user.  Returns 0, or -1 with the reason
 * in why.  Pure: no database, no clock but now.
 */
int		 auth_token_verify(const char *token, const unsigned char *key,
		    size_t keylen, time_t now, struct ns_user *user,
		    char *why, size_t whysz);
/* A signed token for user; caller frees with free(). */
char		*auth_token_new(const unsigned char *key, size_t keylen, long id,
		    unsigned role, long version, time_t now, int ttl);

/* Authenticate req (token + user still enabled, version current). */
int		 auth_request(struct ns_req *, char *why, size_t whysz);
int		 auth_password_check(const char *hash, const char *password);

/* login.c — sign-in limits per account and address (services/users/signin.sql). */
/*
 * Begin a sign-in attempt for email (as typed) from req->client: 0 when
 * it may go on (it is counted as a failure until login_limit_clear); 1
 * after answering 429 with Retry-After (the password must not be
 * checked); -1 after answering the error (503 database, 401 for bytes
 * that cannot name a user, 500 logged).
 */
int		 login_limit_check(struct ns_req *, const char *email);
/*
 * The password of a checked attempt was right: clear the (account,
 * address) failures — or the device's, when the request carries a valid
 * device cookie — and remember the address; queue a new device cookie
 * when it carried none.  0, or -1 (logged; the sign-in goes on, one
 * failure stays counted).  Answers nothing.
 */
int		 login_limit_clear(struct ns_req *, const char *email);
/*
 * Device tokens (pure: no I/O, the clock passed in): "EXP.NONCE.MAC",
 * MAC = hex HMAC-SHA256(key, "ns_device\n" email "\n" EXP "\n" NONCE)
 * with email's ASCII letters folded to lower case and NONCE 16 lower-case
 * hex digits.  login_device_token writes one into out: 0, or -1 (bad
 * nonce, e-mail over 254 bytes, out too small).  login_device_verify
 * checks token for email (constant-time) and that EXP is not before now:
 * 0 with the nonce (the device id) in id (at least 17 bytes), else -1.
 */
#define LOGIN_DEVICE_NONCE_HEX	16
#define LOGIN_DEVICE_MAX	128	/* longest token looked at */
int		 login_device_token(const unsigned char *key, size_t keylen, const char *email,
		    time_t exp, const char *nonce, char *out, size_t outsz);
int		 login_device_verify(const unsigned char *key, size_t keylen, const char *email,
		    const char *token, time_t now, char *id, size_t idsz);


/* role.c */
unsigned	 role_parse(const char *);
/* Views a role may open, as a JSON array text (static). */
const char	*role_views_json(unsigned role);

/* db.c */
/*
 * Run a statement (prepared once per connection under name, from sql)
 * with text parameters.  Reconnects and retries once if the connection
 * was lost.  Returns the result (caller PQclear()s) or NULL when the
 * database is unreachable.  _write never re-sends; _read may use the
 * replica.  Only common/ writes SQL text; services call functions by name.
 */
PGresult	*db_exec(struct db *, const char *name, const char *sql, int n,
		    const char *const *vals);
PGresult	*db_exec_write(struct db *, const char *name, const char *sql, int n,
		    const char *const *vals);
PGresult	*db_exec_read(struct db *, const char *name, const char *sql, int n,
		    const char *const *vals);
/*
 * The text of a named call (see db_call); caller frees with free().  NULL
 * when out of memory or a name is not a plain identifier.
 */
char		*db_call_sql_new(const char *cols, const char *fn,
		    const struct ns_arg *args, size_t nargs);
struct db	*db_new(void);
void		 db_free(struct db *);
int		 db_ping(struct db *);

/* http.c */
uint64_t	 http_etag(const char *body, size_t len);
/*
 * The value of cookie name in the request's Cookie header, into buf: 1;
 * 0 when there is none, it is empty or does not fit bufsz, or the name
 * appears twice in any case (a header nginx could read otherwise).
 */
int		 http_cookie(const struct ns_req *, const char *name, char *buf, size_t bufsz);
int		 http_send(struct ns_req *, int status, const char *ctype,
		    const char *body, size_t len, const char *filename);
const char	*http_reason(int status);

/* csv.c */
/*
 * Turn the array under key of a JSON document into CSV (RFC 4180, header
 * row from the first object's keys), the number of data rows in *nrows
 * (when not NULL).  Caller frees with free().
 */
char		*csv_from_json_new(const char *json, size_t len, const char *key,
		    size_t *outlen, size_t *nrows);

#endif /* NS_INTERNAL_H */
