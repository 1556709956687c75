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

/*
 * API-key scopes (docs/ingest.md), bits of a route's roles beside the
 * session roles, which they never overlap: a route lists who may call it,
 * a session by its role or a key by one of its scopes.  A key request
 * carries its scopes in user.role, so it can open no session route (it
 * reads nothing) and a session can open no key route (it ingests nothing).
 */
enum ns_scope {
	NS_SCOPE_BILLING	= 1 << 8,	/* ingest:billing */
	NS_SCOPE_EVENTS		= 1 << 9,	/* ingest:events */
	NS_SCOPE_MARKETING	= 1 << 10,	/* ingest:marketing */
	NS_SCOPE_SALES		= 1 << 11,	/* ingest:sales */
	NS_SCOPE_SUPPORT	= 1 << 12,	/* ingest:support */
};
#define NS_SCOPES_ALL	(NS_SCOPE_BILLING | NS_SCOPE_EVENTS | NS_SCOPE_MARKETING | \
			 NS_SCOPE_SALES | NS_SCOPE_SUPPORT)

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
 * Declarations every list route shares: a page of at most 500 rows (50 by
 * default) from an offset, and the end of a parameter table.
 */
#define NS_PARAM_LIMIT(max, def)	{ "limit", NS_P_INT, 1, (max), NULL, (def), }
#define NS_PARAMS_PAGE			NS_PARAM_LIMIT(500, "50"), \
					{ "offset", NS_P_INT, 0, 1000000, NULL, "0" }
#define NS_PARAM_END			{ NULL, 0, 0, 0, NULL, NULL }

/*
 * Route flags.  NS_F_RANGE adds the common date parameters from, to and
 * days (either days or from/to; from <= to; span at most NS_MAX_SPAN_DAYS).
 * NS_F_CSV adds format=json|csv; csv_key names the array of the JSON
 * answer that becomes the CSV rows.
 */
#define NS_F_RANGE	0x01
#define NS_F_CSV	0x02
#define NS_F_ASOF	0x04	/* adds as_of: a date, not after today in the
				   reporting zone (the one as_of rule) */
#define NS_F_BODY	0x08	/* handler reads a JSON request body (p_body) */
#define NS_MAX_SPAN_DAYS	1096
#define NS_MAX_PARAMS	16
#define NS_MAX_BODY	(64 * 1024)

struct ns_req;
typedef int (*ns_handler)(struct ns_req *);

/*
 * One route.  pattern is an exact path, where a segment "{id}" matches a
 * positive integer (available as req->path_id).
 *
 * fn names the SQL function behind the route ("api.revenue_trend").  The
 * route declaration is the one source of truth for its call: the common
 * library calls fn with named notation, one argument per name,
 *   p_user => user id, p_role => role name (NULL when not signed in),
 *   p_<name> => each declared parameter (format excepted),
 *   p_from, p_to, p_days (NS_F_RANGE), p_as_of (NS_F_ASOF),
 *   p_id (a pattern with {id}), p_body (NS_F_BODY, passed by the handler),
 * and at start-up every route is checked against pg_proc (the function
 * exists once, each argument exists with a compatible type, every argument
 * without a default is given, it returns json); a service whose routes do
 * not match its SQL refuses to start, naming the route.
 *
 * With handler NULL the generic handler calls fn and answers its json.
 * A handler may still name fn and answer with reply_call().
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
	const char		*fn;		/* "api.<service>_<endpoint>", or NULL */
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
	/* Optional: run on every new job connection before the job uses it
	 * (session settings, LISTEN); non-zero drops the connection and
	 * retries next period.  Called again after every reconnect. */
	int			(*job_setup)(PGconn *);
	/* Optional: a NOTIFY channel the job connection LISTENs on; a
	 * notification runs the job early, at most once a second
	 * (NS_JOB_GAP_MS, the environment may change it) and never busier
	 * than a third of the time, the period staying the fallback.  The data
	 * layer's channels: NS_CHANNEL_DIRTY (a transaction marked rollup
	 * days dirty) and NS_CHANNEL_ROLLUPS (rollup_refresh() recomputed
	 * dirty days; docs/ingest.md, "Freshness"). */
	const char		*job_listen;
};

#define NS_CHANNEL_DIRTY	"northstar_dirty"
#define NS_CHANNEL_ROLLUPS	"northstar_rollups"
#define NS_CHANNEL_LIVE		"northstar_live"	/* the live outbox has rows (570_live.sql) */
#define NS_JOB_GAP_MS		1000

struct ns_user {
	long		 id;		/* 0 when not signed in (and for a key) */
	unsigned	 role;		/* one NS_ROLE_* bit, or a key's NS_SCOPE_* bits */
	char		 key[65];	/* the API key's name, "" for a session */
	long		 token_version;
	time_t		 expires;	/* token exp */
	int		 via_cookie;	/* token came from the cookie */
};

struct ns_val {
	const char	*name;
	const char	*text;		/* validated text, or NULL */
};

struct db;

#define NS_MAX_ARGS	(NS_MAX_PARAMS + 8)	/* named arguments of one SQL call */

/* route.c: one named argument a route passes to its SQL function. */
struct ns_argdecl {
	char			 name[40];	/* "p_as_of" */
	const char *const	*types;		/* SQL types it may be passed as */
	const char		*value;		/* the request's value, or NULL */
};

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
	char			 idbuf[24];	/* route.c: path_id as text */
	char			 uidbuf[24];	/* route.c: user id as text */
	struct ns_argdecl	 argdecls[NS_MAX_ARGS];	/* route.c: the call's arguments */
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
/*
 * A binary answer (a PDF report): body[0..len) as Content-Type ctype, no
 * cache (unless the route has cache seconds: a report route has none,
 * so no answer of one role is ever served to another), an ETag, and with
 * filename (may be NULL) Content-Disposition: attachment; filename="…"
 * (quotes, backslashes and control bytes dropped).  body is the caller's
 * and is not kept.  Returns 0.
 */
int		 http_bytes(struct ns_req *, int status, const char *ctype, const void *body,
		    size_t len, const char *filename);
const char	*http_header(const struct ns_req *, const char *cgi_name);
/* Read the request body (at most NS_MAX_BODY).  Caller frees with free(). */
char		*http_body_new(struct ns_req *, size_t *len);
/*
 * The same with at most max bytes and one of the Content-Types in types
 * (NULL-terminated; a prefix match, so parameters may follow), and
 * well-formed UTF-8.  NULL after answering 415, 413 or 400 (not UTF-8).
 * Caller frees with free().
 */
char		*http_body_new_max(struct ns_req *, size_t max, const char *const *types,
		    size_t *len);
void		 http_extra_header(struct ns_req *, const char *line);

/* param.c */
/* The validated value of a declared parameter, or NULL. */
const char	*param_get(const struct ns_req *, const char *name);

/*
 * One named argument of a SQL function call: the function's parameter
 * name ("p_as_of") and its value as text, or NULL for SQL NULL.
 */
struct ns_arg {
	const char	*name;
	const char	*text;
};

/* Where db_call sends a statement. */
enum ns_db_mode {
	NS_DB_READ,	/* a read a replica may answer (NS_DATABASE_READ_URL) */
	NS_DB_PRIMARY,	/* the primary; re-sent once after a lost connection */
	NS_DB_WRITE,	/* the primary; never re-sent (an INSERT, a counter) */
};

/* db.c — database access only: no HTTP here (reply.c answers). */
/*
 * Call the SQL function fn by name with named arguments:
 *   SELECT <cols> FROM fn(a => $1, b => $2, …)    (cols given)
 *   SELECT fn(a => $1, b => $2, …)                 (cols NULL)
 * Values are sent as text of unknown type, so PostgreSQL converts each to
 * the type of the parameter it names; a name fn does not have is an error
 * result, never a silently shifted argument.  Prepared once per
 * connection.  Returns the result (caller PQclear()s; check the exact
 * PGRES_* status), or NULL when the database is unreachable.
 */
PGresult	*db_call(struct db *, enum ns_db_mode, const char *cols, const char *fn,
		    const struct ns_arg *args, size_t nargs);
/*
 * The same on a connection of the caller's own (jobs, command-line tools,
 * LISTEN threads): not prepared, never retried.  Never NULL (a failure is
 * a PGRES_FATAL_ERROR result).  Caller PQclear()s.
 */
PGresult	*db_call_conn(PGconn *, const char *cols, const char *fn,
		    const struct ns_arg *args, size_t nargs);
/*
 * The worker's own primary connection (the one its statements use),
 * connected now if it was not, was lost, or was left inside a
 * transaction: for a handler that runs a transaction of its own on it
 * (the alerts' report_doc) and ends it before returning.  Owned by db:
 * never PQfinish() it.  NULL when the database is unreachable (logged).
 */
PGconn		*db_primary(struct db *);
/*
 * A new connection with the service's session settings (search_path,
 * time zone, statement timeout), for long-lived work such as LISTEN.
 * Returns NULL on failure (logged).  Caller closes with PQfinish().
 */
PGconn		*db_connect(void);
/*
 * The primary message of a failed result (or of the connection when res
 * is NULL), never NULL: for log lines.
 */
const char	*db_error_message(PGconn *, const PGresult *);

/* reply.c — answers built from database results. */
/*
 * Call the route's function (req->route->fn) with the request's named
 * arguments (see struct ns_route) plus extra (e.g. p_body), and answer.
 * Returns 0.
 */
int		 reply_call(struct ns_req *, const struct ns_arg *extra, size_t nextra);
/*
 * Answer from res: 200 with its single json value (CSV when the request
 * asked for it and the route has a csv_key), 404 when it holds no value,
 * the mapped error for a failed result, 503 when res is NULL (database
 * unreachable).  PQclear()s res.  Returns 0.
 */
int		 reply_result(struct ns_req *, PGresult *res);
/*
 * Answer json (which the caller owns) as the route's answer: as is, or as
 * CSV of its csv_key array when the request asked for CSV.  Returns 0.
 */
int		 reply_json(struct ns_req *, const char *json, size_t len);
/*
 * Answer a failed result with the one SQLSTATE → HTTP mapping: class 22
 * → 400, NSxyz → HTTP xyz, 23505 → 409, other 23 → 422, timeouts and a
 * lost or busy server → 503, anything else 500 (logged).  The message is
 * the project's own: a RAISE of our SQL passes through, PostgreSQL's own
 * text never does (it is logged, and the client gets a sentence of ours
 * for its SQLSTATE).  Returns 0.
 */
int		 reply_error(struct ns_req *, const PGresult *res);
/* Handler for GET /api/<service>/health: {"status":"ok","db":"ok"} or 503. */
int		 db_health(struct ns_req *);

/* config.c — settings a service may read (all from the environment). */
/* The reporting time zone (NS_TZ, default UTC). */
const char	*config_tz(void);
/* Whether this instance runs the periodic jobs (NS_JOBS). */
int		 config_jobs(void);
/* A service's own variable: its value, or def when unset or empty. */
const char	*config_str(const char *name, const char *def);
/*
 * A service's own integer variable in [min, max]: def when unset; -1
 * (logged, naming the variable) when it is not an integer in range.
 */
int		 config_int(const char *name, int def, int min, int max);

/*
 * The Stripe webhook signing secret read at start-up from the file
 * NS_STRIPE_WEBHOOK_SECRET_FILE ("whsec_…"), its length in *len; NULL when
 * the variable is not set (then the webhook route answers 503).
 */
const unsigned char *config_stripe_secret(size_t *len);
/*
 * The networks where webhooks may go although private (NS_WEBHOOK_ALLOW_PRIVATE,
 * parsed at start-up; a malformed list stops the service).  Never NULL.
 */
const struct ns_webhook_allow *config_webhook_allow(void);

/* log.c — logfmt lines on stderr: ts, svc, level, msg. */
void		 log_msg(const char *level, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* priv.c */
/*
 * Not root: nothing to do, 0.  Root: become NS_USER (default "northstar")
 * for good — own (a path, may be NULL) is first given to that user — and
 * return 1 with "running as …" in why.  -1 with the reason and what to do
 * in why when the user is unknown, is root, or the switch fails; the
 * caller must then stop.  Call before any thread starts.
 */
int		 priv_drop(const char *own, char *why, size_t whysz);

/* hash.c */
/* FNV-1a, 64 bits, over len bytes, continuing from h (start: NS_HASH_INIT). */
#define NS_HASH_INIT	14695981039346656037ULL
uint64_t	 hash_fnv1a(uint64_t h, const void *data, size_t len);

/* param.c — calendar helpers shared with the services. */
/* Days in month m (1–12) of year y, leap years included. */
int		 param_days_in_month(int y, int m);

/* role.c */
/* "ceo", "cs", "sales", or "-" for anything else. */
const char	*role_name(unsigned role);

/*
 * key.c — API keys: "nsk_" + 43 base64url characters (32 random bytes).
 * Only the key's SHA-256 is ever stored (060_api_keys.sql says why that
 * suffices).  Pure functions: no database; key_new reads getrandom(2).
 */
#define NS_KEY_PREFIX		"nsk_"
#define NS_KEY_RANDOM_BYTES	32
#define NS_KEY_LEN		(4 + 43)
#define NS_KEY_HASH_HEX		64
/* A new key into out (at least NS_KEY_LEN + 1 bytes).  0, or -1. */
int		 key_new(char *out, size_t outsz);
/* Whether s[0..len) is a well-formed key (prefix, length, alphabet). */
int		 key_valid(const char *s, size_t len);
/* SHA-256 of key as 64 lower-case hex digits into out (65 bytes).  0, or -1. */
int		 key_hash_hex(const char *key, char *out, size_t outsz);
/*
 * The key an Authorization header carries, into key (NS_KEY_LEN + 1
 * bytes): "Bearer nsk_…", or "Basic base64(nsk_…:)" (the key as user name,
 * empty password).  Returns 1 with the key, 0 when the header carries no
 * key (absent, or a session's Bearer token), -1 when it is a Bearer key or
 * a Basic credential that is malformed.  Caller wipes key after use.
 */
int		 key_from_authorization(const char *header, char *key, size_t keysz);
/* Padded standard base64 (RFC 4648 §4) of in[0..inlen) into out.  0, or -1. */
int		 key_base64_decode(const char *in, size_t inlen, unsigned char *out,
		    size_t outsz, size_t *outlen);
/* The NS_SCOPE_* bit of a scope name s[0..len) ("ingest:events"), or 0. */
unsigned	 key_scope_parse(const char *s, size_t len);
/* The bits of a comma-separated scope list, or 0 when any name is unknown. */
unsigned	 key_scopes_parse(const char *list);
/* Scope bits as a comma-separated list into out; returns its length. */
size_t		 key_scopes_format(unsigned bits, char *out, size_t outsz);

/*
 * ingest.c — the handler of every ingestion route (docs/ingest.md).  The
 * route's SQL function takes (p_user int, p_role text, p_body jsonb, p_key
 * text, p_max_records int) and answers {"accepted": n, "rejected":
 * [{"index", "field", "message"}, …], …} after storing the valid records
 * of the batch in one transaction (more than p_max_records: NS413; a body
 * of another shape: 22023).  Statuses: 200 (nothing rejected), 207 (some
 * rejected), 400 (none valid, or JSON that does not parse), 401/403
 * (app.c), 413 (more than NS_INGEST_MAX_BODY bytes or NS_INGEST_MAX_RECORDS
 * records), 415 (neither application/json nor application/x-ndjson), 503.
 * Route it as { "POST", path, NS_SCOPE_x, NULL, NS_F_BODY, 0, fn, NULL,
 * ingest_post }.
 */
#define NS_INGEST_MAX_BODY	(512 * 1024)	/* bytes per request (Segment: 500 KB) */
#define NS_INGEST_MAX_RECORDS	2500		/* records per batch (Segment: 2,500) */
int		 ingest_post(struct ns_req *);
/*
 * NDJSON (one JSON value per line) as the text of one JSON array: each
 * non-blank line is one element, and a line that is not valid JSON becomes
 * null, so that the SQL rejects it at its own index.  Returns the text
 * (caller frees with free()) and its length in *outlen, or NULL when out
 * of memory.
 */
char		*ingest_ndjson_array_new(const char *body, size_t len, size_t *outlen);

/*
 * webhook.c — signed webhooks (docs/ingest.md, "Stripe").  Pure: no I/O,
 * the clock is passed in.  The header is Stripe's Stripe-Signature,
 * "t=TIMESTAMP,v1=HEX[,v1=HEX…][,v0=…]"; the signed payload is
 * TIMESTAMP "." body; each v1 is hex HMAC-SHA256 keyed with the whole
 * secret string ("whsec_…"), any one may match (constant-time compare);
 * the timestamp must be within tolerance seconds of now, either way.
 */
#define NS_WEBHOOK_MAC_LEN	32		/* HMAC-SHA256 */
#define NS_WEBHOOK_MAX_SIGS	16		/* v1 signatures compared per header */
#define NS_WEBHOOK_MAX_HEADER	4096		/* longest header looked at */
#define NS_WEBHOOK_TOLERANCE	300		/* seconds, Stripe's default */
enum ns_webhook_err {
	NS_WEBHOOK_OK = 0,
	NS_WEBHOOK_NO_HEADER,		/* absent or empty */
	NS_WEBHOOK_BAD_HEADER,		/* not key=value elements, t not an integer, t twice, too long */
	NS_WEBHOOK_NO_TIMESTAMP,	/* no t= */
	NS_WEBHOOK_NO_SIGNATURE,	/* no well-formed v1= (64 hex digits) */
	NS_WEBHOOK_STALE,		/* t further than the tolerance from now */
	NS_WEBHOOK_MISMATCH,		/* no v1 matches */
	NS_WEBHOOK_NO_SECRET,		/* empty secret */
	NS_WEBHOOK_INTERNAL,		/* the HMAC could not be computed */
};
/*
 * Verify header against body[0..len) with secret[0..secretlen).  Returns
 * NS_WEBHOOK_OK or the first reason it fails, in this order: secret,
 * header present, header well-formed, timestamp, a v1, tolerance, match.
 * Reads nothing beyond its arguments; keeps nothing.
 */
enum ns_webhook_err webhook_stripe_verify(const char *header, const unsigned char *body,
		    size_t len, const unsigned char *secret, size_t secretlen, time_t now,
		    long tolerance);
/* A sentence for e (static, never NULL), fit for an error message. */
const char	*webhook_strerror(enum ns_webhook_err e);
/*
 * HMAC-SHA256 keyed with key[0..keylen) over prefix (a C string) followed
 * by body[0..len), into out.  0, or -1 (an empty key, or libcrypto
 * failed).
 */
int		 webhook_hmac_sha256(const unsigned char *key, size_t keylen, const char *prefix,
		    const unsigned char *body, size_t len, unsigned char out[NS_WEBHOOK_MAC_LEN]);

/*
 * webhook.c — outbound targets of the alert webhooks (server-side request
 * forgery, docs/reliability.md "Row scope, webhooks, CSRF, input
 * encoding").  A target must be a public unicast address: private,
 * loopback, link-local, shared, "this network", multicast and reserved
 * ranges are refused (IPv4 and IPv6; an IPv4 address inside IPv6 as that
 * address) unless a network of the operator's allow-list holds it
 * (NS_WEBHOOK_ALLOW_PRIVATE: addresses or ADDRESS/BITS networks separated
 * by commas or spaces; read by config.c, config_webhook_allow()).
 */
#define NS_WEBHOOK_ALLOW_ENV	"NS_WEBHOOK_ALLOW_PRIVATE"
#define NS_WEBHOOK_MAX_ALLOW	32
struct sockaddr;
struct ns_cidr {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];	/* network byte order */
	int		 bits;
};
struct ns_webhook_allow {
	struct ns_cidr	 nets[NS_WEBHOOK_MAX_ALLOW];
	size_t		 n;
};
/* What a guarded transfer refused (webhook_curl_guard). */
struct ns_webhook_guard {
	const struct ns_webhook_allow *allow;	/* set by the caller; NULL: none */
	int		 refused;		/* set when a connection was refused */
	char		 addr[48];		/* the address refused, as text */
};
/*
 * Parse list (NULL or empty: nothing allowed) into out.  0, or -1 with
 * the entry that is not an address or network in why.  Pure.
 */
int		 webhook_allow_parse(const char *list, struct ns_webhook_allow *out,
		    char *why, size_t whysz);
/* 1 when sa is not a public unicast IPv4/IPv6 address (or not IP at all), else 0.  Pure. */
int		 webhook_addr_private(const struct sockaddr *sa);
/* 1 when a webhook may connect to sa: public, or in allow (may be NULL).  Pure. */
int		 webhook_addr_allowed(const struct sockaddr *sa, const struct ns_webhook_allow *allow);
/*
 * At save time: url must be http(s) with a host, and every address the
 * host resolves to now (getaddrinfo) allowed; a name that does not
 * resolve is accepted (the delivery check stands).  0, or -1 with a
 * sentence fit for the client in why (what is wrong, what to do).
 */
int		 webhook_url_check(const char *url, const struct ns_webhook_allow *allow,
		    char *why, size_t whysz);
/*
 * At delivery: make the libcurl easy handle curl (a CURL *) open sockets
 * only to addresses g->allow allows, checked on the address connected to
 * (so DNS rebinding gains nothing); no proxy, no redirects, http(s) only.
 * A refused connection fails the transfer (CURLE_COULDNT_CONNECT) with
 * g->refused set and the address in g->addr.  g must outlive the
 * transfer.  0, or -1 when libcurl refused an option.
 */
int		 webhook_curl_guard(void *curl, struct ns_webhook_guard *g);

/*
 * audit.c — the audit log (sql/schema/575_audit.sql, docs/operations.md
 * "Audit log"), append-only, written through SQL audit_write().  action is
 * one of the documented list (auth.login, auth.login_failed, auth.logout,
 * export.csv, export.report, alert_rule.update, report_schedule.update, api_key.create,
 * api_key.revoke, user.create, user.password, user.disable, user.enable,
 * user.logout, audit.purge); target says what was acted on (an e-mail, a
 * key name, a route) or is NULL; detail is an object the caller owns, or
 * NULL.  Never pass a secret (password, token, key, webhook URL).
 * The rule: an audited action that cannot be recorded does not happen —
 * record first, act after, and answer audit_refuse() when it failed
 * (a failed sign-in is the one exception: it stays a 401; see auth.c).
 */
struct cJSON;
/*
 * One row for req's principal (a signed-in user with its role, an API key
 * with its scopes, or anonymous) from req->client, on the primary, never
 * re-sent.  0, or -1 (logged, naming the action) when nothing was written.
 */
int		 audit_record(struct ns_req *, const char *action, const char *target,
		    const struct cJSON *detail);
/*
 * An export of req's route (action "export.csv" or "export.report"):
 * target is the path, detail the request's validated parameters, the
 * format and, when rows >= 0, the rows exported.  As audit_record.
 */
int		 audit_export(struct ns_req *, const char *action, long rows);
/* The one answer to an action refused for want of its audit row: 503.  Returns 0. */
int		 audit_refuse(struct ns_req *);
/*
 * For command-line tools: one row by actor type "cli", the OS user
 * running the process, on conn (inside the caller's transaction, if any,
 * so that the action and its row commit together).  0, or -1 with the
 * database's reason in why.
 */
int		 audit_record_conn(PGconn *, const char *action, const char *target,
		    const struct cJSON *detail, char *why, size_t whysz);
/* The filters of the audit listing (GET /api/alerts/audit, northstar-admin audit). */
extern const struct ns_param audit_params[];
/*
 * For command-line tools: the audit listing (SQL audit_list) with the
 * filters argv[0..argc) given as NAME=VALUE, validated by the same
 * declarations as the API's (messages name the filter).  Returns the
 * result (caller PQclear()s; check PGRES_TUPLES_OK), or NULL with the
 * reason in err when a filter is refused.
 */
PGresult	*audit_list_conn(PGconn *, int argc, char *const argv[], char *err, size_t errsz);

/* auth.c */
/* Handlers for /api/auth/login, /api/auth/logout and /api/auth/me. */
int		 auth_login(struct ns_req *);
int		 auth_logout(struct ns_req *);
int		 auth_me(struct ns_req *);
int		 auth_live(struct ns_req *);	/* the live stream's auth_request */

/*
 * live.c — start the live stream's publisher thread (docs/live.md) once
 * per process; later calls do nothing.  Without NS_LIVE_SOCKET it logs
 * a warning and publishes nothing.  Failures are logged and retried by
 * the thread itself; it never stops the caller.
 */
void		 live_start(void);

#endif /* NORTHSTAR_H */
