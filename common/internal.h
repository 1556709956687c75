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
	int		 jobs;		/* NS_JOBS: run the periodic job here */
	const char	*tz;		/* NS_TZ reporting time zone */
	unsigned char	 secret[256];	/* from NS_JWT_SECRET_FILE */
	size_t		 secret_len;
};
extern struct config	 cfg;
int		 config_load(const char *service, int need_secret);
int		 config_secret_load(const char *path, unsigned char *buf,
		    size_t bufsz, size_t *len);

/* log.c — logfmt lines on stderr. */
void		 log_request(const struct ns_req *, double ms);
void		 log_msg(const char *level, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 log_escape(char *dst, size_t dstsz, const char *src);

/* route.c */
/*
 * Find the route for method and path.  Returns it, or NULL with
 * *wrong_method set when the path exists under another method.
 */
const struct ns_route *route_match(const struct ns_route *, const char *method,
		    const char *path, long *path_id, int *wrong_method);

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
unsigned	 auth_role_parse(const char *);
/* Authenticate req (token + user still enabled, version current). */
int		 auth_request(struct ns_req *, char *why, size_t whysz);
int		 auth_password_check(const char *hash, const char *password);
/* Views a role may open, as a JSON array text (static). */
const char	*auth_views_json(unsigned role);

/* db.c */
struct db	*db_new(void);
void		 db_free(struct db *);
int		 db_ping(struct db *);

/* http.c */
uint64_t	 http_etag(const char *body, size_t len);
int		 http_send(struct ns_req *, int status, const char *ctype,
		    const char *body, size_t len, const char *filename);
const char	*http_reason(int status);

/* csv.c */
/*
 * Turn the array under key of a JSON document into CSV (RFC 4180, header
 * row from the first object's keys).  Caller frees with free().
 */
char		*csv_from_json_new(const char *json, size_t len, const char *key,
		    size_t *outlen);

#endif /* NS_INTERNAL_H */
