/*
 * app.c — the FastCGI request loop shared by every service.
 *
 * One process runs cfg.workers threads; each owns a database connection
 * and accepts requests from the shared listening socket.  SIGTERM and
 * SIGINT are blocked in every thread and awaited with sigwait() in the
 * main thread (libfcgi's own signal handling would otherwise keep a
 * threaded process alive), which then shuts the socket so that the
 * workers' accept fails and they exit.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static const struct ns_service	*app_svc;
static int			 app_listen_fd = -1;
static pthread_mutex_t		 app_accept_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int		 app_stopping;
static int			 app_job_seconds;	/* job_seconds, or NS_JOB_SECONDS */
static int			 app_job_gap_ms;	/* NS_JOB_GAP_MS */
#define APP_JOB_IDLE_FACTOR	2	/* idle ≥ 2 × the last run: busy ≤ 1/3 */

static double
app_ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * The scheme the client used: nginx's REQUEST_SCHEME ($scheme), else
 * "https" when HTTPS is set (and not "off"), else "http".  Static.
 */
static const char *
app_scheme(const struct ns_req *req)
{
	const char *s = http_header(req, "REQUEST_SCHEME"), *https;

	if (s != NULL && (strcmp(s, "http") == 0 || strcmp(s, "https") == 0))
		return s;
	https = http_header(req, "HTTPS");
	return https != NULL && *https != '\0' && strcasecmp(https, "off") != 0 ? "https" : "http";
}

/*
 * A cookie-authenticated request that changes state must come from our
 * own pages: its Origin must be the whole origin it was sent to, scheme
 * "://" host[:port] (RFC 6454: an http page may not post to the https
 * site, so the scheme counts as much as the host and port).  The host is
 * compared without regard to case, as RFC 6454 serialises it in lower
 * case.  With NS_PUBLIC_ORIGIN set (a proxy in front terminates TLS, so
 * this request's own scheme is not the browser's), Origin must be exactly
 * that.  Bearer tokens are never sent by a browser on its own.
 */
static int
app_origin_ok(const struct ns_req *req)
{
	const char	*origin = http_header(req, "HTTP_ORIGIN");
	const char	*host = http_header(req, "HTTP_HOST"), *scheme, *pub;
	size_t		 sl;

	if (!req->user.via_cookie || strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0)
		return 1;
	if (origin == NULL)
		return 0;
	/* Behind a proxy that terminates TLS, the operator names the public origin. */
	if ((pub = config_str("NS_PUBLIC_ORIGIN", NULL)) != NULL)
		return strcasecmp(origin, pub) == 0;
	if (host == NULL || *host == '\0')
		return 0;
	scheme = app_scheme(req);
	sl = strlen(scheme);
	if (strncmp(origin, scheme, sl) != 0 || strncmp(origin + sl, "://", 3) != 0)
		return 0;
	return strcasecmp(origin + sl + 3, host) == 0;
}

/* Printable ASCII copy of s for messages (the path arrives decoded). */
static void
app_printable(char *dst, size_t dstsz, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < dstsz; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	dst[i] = '\0';
}

/*
 * 403 for a principal the route does not list: a session on a key route
 * (sessions ingest nothing), a key on a session route (keys read nothing),
 * or a key without the route's scope.
 */
static void
app_forbidden(struct ns_req *req)
{
	char	 need[128], have[128];

	key_scopes_format(req->route->roles & NS_SCOPES_ALL, need, sizeof(need));
	if (req->user.key[0] == '\0' && need[0] != '\0')
		http_error(req, 403, "forbidden", "%s takes an API key with scope %s; "
		    "a session cannot use it", req->route->pattern, need);
	else if (req->user.key[0] == '\0')
		http_error(req, 403, "forbidden", "the %s role may not open %s",
		    role_name(req->user.role), req->route->pattern);
	else if (need[0] == '\0')
		http_error(req, 403, "forbidden", "API keys can read nothing: %s takes a signed-in "
		    "session", req->route->pattern);
	else {
		key_scopes_format(req->user.role, have, sizeof(have));
		http_error(req, 403, "forbidden", "the API key %s (scopes %s) may not open %s, "
		    "which needs scope %s", req->user.key, have, req->route->pattern, need);
	}
}

/* Front line: route, method, authentication, role, parameters. */
static void
app_dispatch(struct ns_req *req)
{
	char		 err[512];	/* the longest: an enum of 19 words (audit actions) */
	const char	*query = http_header(req, "QUERY_STRING");
	int		 wrong_method;

	req->route = route_match(app_svc->routes, req->method, req->path,
	    &req->path_id, &wrong_method);
	if (req->route == NULL) {
		char shown[128];

		app_printable(shown, sizeof(shown), req->path);
		if (wrong_method)
			http_error(req, 405, "method_not_allowed",
			    "%s is not allowed on %s", req->method, shown);
		else
			http_error(req, 404, "not_found", "no such endpoint: %s", shown);
		return;
	}
	if (req->route->roles != NS_PUBLIC) {
		int rc = auth_request(req, err, sizeof(err));

		if (rc == -2) {
			http_error(req, 503, "db_unavailable", "the database is unavailable; retry shortly");
			return;
		}
		if (rc != 0) {
			http_error(req, 401, "unauthorized", "%s", err);
			return;
		}
		if ((req->route->roles & req->user.role) == 0) {
			app_forbidden(req);
			return;
		}
		if (!app_origin_ok(req)) {
			const char *pub = config_str("NS_PUBLIC_ORIGIN", NULL);

			if (pub != NULL)
				http_error(req, 403, "forbidden", "cross-site request refused: the "
				    "Origin header must be %s (NS_PUBLIC_ORIGIN)", pub);
			else
				http_error(req, 403, "forbidden", "cross-site request refused: the "
				    "Origin header must be this site's own origin (%s://, host and "
				    "port)", app_scheme(req));
			return;
		}
	}
	if (param_parse(req, query, err, sizeof(err)) != 0) {
		http_error(req, 400, "bad_request", "%s", err);
		return;
	}
	if (req->route->handler != NULL)
		req->route->handler(req);
	else
		reply_call(req, NULL, 0);
}

static void
app_serve(FCGX_Request *fr, struct db *db)
{
	struct ns_req	*req = calloc(1, sizeof(*req));
	const char	*p, *addr;
	struct timespec	 t0;

	if (req == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	req->fcgi = fr;
	req->db = db;
	req->method = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	if (req->method == NULL)
		req->method = "GET";
	p = FCGX_GetParam("DOCUMENT_URI", fr->envp);
	if (p == NULL)
		p = "";
	addr = FCGX_GetParam("REMOTE_ADDR", fr->envp);
	snprintf(req->client, sizeof(req->client), "%s", addr != NULL ? addr : "-");
	if (strlen(p) >= sizeof(req->path)) {
		snprintf(req->path, sizeof(req->path), "%.200s…", p);
		http_error(req, 414, "uri_too_long", "the path is longer than %zu bytes",
		    sizeof(req->path) - 1);
	} else {
		memcpy(req->path, p, strlen(p) + 1);
		app_dispatch(req);
	}
	log_request(req, app_ms_since(&t0));
	free(req->extra_headers);
	free(req);
}

static void *
app_worker(void *arg)
{
	FCGX_Request	 fr;
	struct db	*db = db_new();

	(void)arg;
	if (db == NULL || FCGX_InitRequest(&fr, app_listen_fd, 0) != 0) {
		log_msg("error", "worker could not start");
		db_free(db);
		return NULL;
	}
	for (;;) {
		int rc;

		pthread_mutex_lock(&app_accept_lock);
		rc = app_stopping ? -1 : FCGX_Accept_r(&fr);
		pthread_mutex_unlock(&app_accept_lock);
		if (rc < 0) {
			if (app_stopping)
				break;
			/* EMFILE and the like pass: a worker must not die of them. */
			log_msg("error", "FastCGI accept failed (%d); retrying", rc);
			usleep(100000);
			continue;
		}
		app_serve(&fr, db);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	db_free(db);
	return NULL;
}

/*
 * The job connection, (re)made when there is none or it broke (with a
 * job_listen channel: also when reading from it fails): a new connection
 * gets the jobs' statement timeout (NS_JOB_STATEMENT_TIMEOUT_MS: a refresh
 * that catches up with an import may take minutes), the service's
 * job_setup, then LISTEN on its job_listen channel.
 * Returns the usable connection or NULL (retried next period); a broken
 * or refused one is closed here.
 */
static PGconn *
app_job_connect(PGconn *conn)
{
	char		*ident, sql[128];
	PGresult	*res;
	int		 ok;

	if (conn != NULL && PQstatus(conn) == CONNECTION_OK &&
	    (app_svc->job_listen == NULL || PQconsumeInput(conn) != 0))
		return conn;
	PQfinish(conn);
	if ((conn = db_connect()) == NULL)
		return NULL;
	snprintf(sql, sizeof(sql), "SET statement_timeout = %d", cfg.job_stmt_timeout_ms);
	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok) {
		log_msg("warning", "periodic job: %s failed: %s; retrying next period", sql, PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	if (app_svc->job_setup != NULL && app_svc->job_setup(conn) != 0) {
		log_msg("warning", "periodic job: session setup failed; retrying next period");
		PQfinish(conn);
		return NULL;
	}
	if (app_svc->job_listen == NULL)
		return conn;
	ident = PQescapeIdentifier(conn, app_svc->job_listen, strlen(app_svc->job_listen));
	snprintf(sql, sizeof(sql), "LISTEN %s", ident != NULL ? ident : "\"\"");
	PQfreemem(ident);
	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok) {
		log_msg("warning", "periodic job: LISTEN %s failed: %s; retrying next period",
		    app_svc->job_listen, PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/*
 * Read what has arrived on the job connection and forget its
 * notifications; returns how many there were, or -1 when the connection
 * broke (the caller reconnects).  Never blocks.
 */
static int
app_job_drain(PGconn *conn)
{
	PGnotify	*n;
	int		 count = 0;

	if (PQconsumeInput(conn) == 0)
		return -1;
	while ((n = PQnotifies(conn)) != NULL) {
		PQfreemem(n);
		count++;
	}
	return count;
}

static long
app_ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/*
 * Wait until the next run of the job is due: job_seconds after the end of
 * the last run (t1), or — with a job_listen channel — as soon as a
 * notification has arrived, NS_JOB_GAP_MS have passed since the last
 * run's start (t0) and the job has been idle APP_JOB_IDLE_FACTOR times as
 * long as that run took (debounce: a stream of notifications runs the job
 * at most once a gap, and a job whose runs grow long under a stream keeps
 * to a third of a core, leaving the rest to the writers).
 * Notifications that arrived while the job ran count (they may be for
 * data the run did not see).  Returns early when the service stops or
 * the connection breaks.
 */
static void
app_job_wait(PGconn *conn, const struct timespec *t0, const struct timespec *t1)
{
	long		 period = (long)app_job_seconds * 1000;
	int		 listen = conn != NULL && app_svc->job_listen != NULL, due = 0;
	struct timespec	 now;

	while (!app_stopping) {
		struct pollfd	 pfd;
		long		 wait, since, idle, ran;

		if (listen) {
			int n = app_job_drain(conn);

			if (n < 0)
				return;
			due |= n > 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		since = app_ms_between(t0, &now);
		idle = app_ms_between(t1, &now);
		ran = APP_JOB_IDLE_FACTOR * app_ms_between(t0, t1);
		if (idle >= period || (due && since >= app_job_gap_ms && idle >= ran))
			return;
		wait = due ? (app_job_gap_ms - since > ran - idle ? app_job_gap_ms - since : ran - idle)
			   : period - idle;
		if (wait > 100)		/* look at app_stopping ten times a second */
			wait = 100;
		if (!listen) {
			usleep((useconds_t)wait * 1000);
			continue;
		}
		pfd.fd = PQsocket(conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd < 0 || (poll(&pfd, 1, (int)wait) < 0 && errno != EINTR))
			return;
	}
}

/*
 * The optional periodic job, with its own connection (app_job_connect):
 * run, then wait for the next period or notification (app_job_wait).
 * What arrived before a run starts is covered by that run, so it is
 * drained first.
 */
static void *
app_job(void *arg)
{
	PGconn		*conn = NULL;
	struct timespec	 t0, t1;

	(void)arg;
	while (!app_stopping) {
		conn = app_job_connect(conn);
		if (conn != NULL && app_svc->job_listen != NULL)
			(void)app_job_drain(conn);	/* a failure shows at the next connect */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (conn != NULL && app_svc->job(conn) != 0)
			log_msg("warning", "periodic job failed; retrying next period");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		app_job_wait(conn != NULL && PQstatus(conn) == CONNECTION_OK ? conn : NULL, &t0, &t1);
	}
	PQfinish(conn);
	return NULL;
}

/* The statement a route's function is called with, or "-". */
static void
app_print_call(const struct ns_route *r)
{
	struct ns_argdecl	 decl[NS_MAX_ARGS];
	struct ns_arg		 args[NS_MAX_ARGS];
	size_t			 n, i;
	char			*sql;

	if (r->fn == NULL) {
		printf("-");
		return;
	}
	n = route_arg_decls(r, NULL, decl, NS_MAX_ARGS);
	for (i = 0; i < n; i++) {
		args[i].name = decl[i].name;
		args[i].text = NULL;
	}
	sql = db_call_sql_new(NULL, r->fn, args, n);
	printf("%s", sql != NULL ? sql : "-");
	free(sql);
}

static const char *const app_ptype_names[] = { "int", "num", "date", "enum", "word" };

/*
 * Print the routing table, one route a line, tab-separated: service,
 * method, pattern, roles, cache seconds, parameters (name:type, with the
 * common ones the flags add), CSV key, and the named call of the route's
 * SQL function (or "-").  The access-matrix test, the
 * hostile-input test and docs/access.md read it.
 */
static void
app_print_routes(const struct ns_service *svc)
{
	const struct ns_route	*r;
	const struct ns_param	*p;

	for (r = svc->routes; r->method != NULL; r++) {
		char scopes[128];

		/* Key scopes follow the roles, each with a trailing comma too. */
		if (key_scopes_format(r->roles & NS_SCOPES_ALL, scopes, sizeof(scopes)) > 0)
			strncat(scopes, ",", sizeof(scopes) - strlen(scopes) - 1);
		printf("%s\t%s\t%s\t%s%s%s%s%s\t%d\t", svc->name, r->method, r->pattern,
		    r->roles == NS_PUBLIC ? "public" : "",
		    (r->roles & NS_ROLE_CEO) ? "ceo," : "",
		    (r->roles & NS_ROLE_CS) ? "cs," : "",
		    (r->roles & NS_ROLE_SALES) ? "sales," : "",
		    scopes, r->cache_seconds);
		for (p = r->params; p != NULL && p->name != NULL; p++)
			printf("%s:%s,", p->name, app_ptype_names[p->type]);
		if (r->flags & NS_F_RANGE)
			printf("from:date,to:date,days:int,");
		if (r->flags & NS_F_ASOF)
			printf("as_of:date,");
		if (r->flags & NS_F_CSV)
			printf("format:enum,");
		printf("-\t%s\t", r->csv_key != NULL ? r->csv_key : "-");
		app_print_call(r);
		printf("\n");
	}
}

/*
 * Print, for every route that calls a function, its pattern and the value
 * each of its call's arguments takes when the request gives none, one
 * route a line, tab-separated "p_name=value" (value empty for SQL NULL; the
 * user, role and id come from the request).  The benchmark calls a route's
 * statement with these.
 */
static void
app_print_defaults(const struct ns_service *svc)
{
	const struct ns_route	*r;
	struct ns_argdecl	 decl[NS_MAX_ARGS];
	size_t			 n, i;

	for (r = svc->routes; r->method != NULL; r++) {
		if (r->fn == NULL)
			continue;
		n = route_arg_decls(r, NULL, decl, NS_MAX_ARGS);
		printf("%s", r->pattern);
		for (i = 0; i < n; i++)
			printf("\t%s=%s", decl[i].name, decl[i].value != NULL ? decl[i].value : "");
		printf("\n");
	}
}

/* Refuse a routing table whose routes declare more parameters than fit. */
static int
app_routes_check(const struct ns_service *svc)
{
	const struct ns_route	*r;
	size_t			 n;

	for (r = svc->routes; r->method != NULL; r++) {
		for (n = 0; r->params != NULL && r->params[n].name != NULL; n++)
			;
		n += (r->flags & NS_F_RANGE) ? 3 : 0;
		n += (r->flags & NS_F_ASOF) ? 1 : 0;
		n += (r->flags & NS_F_CSV) ? 1 : 0;
		if (n > NS_MAX_PARAMS || n + 4 > NS_MAX_ARGS) {
			log_msg("error", "route %s declares %zu parameters (at most %d)",
			    r->pattern, n, NS_MAX_PARAMS);
			return -1;
		}
	}
	return 0;
}

/*
 * NS_SOCKET_GROUP: the group that may connect to the unix socket (nginx
 * workers' group, when it is not the service's own, e.g. "nogroup" for a
 * stack started as root).  Unset, or a TCP socket: nothing to do.  Returns
 * 0, or -1 (logged, naming the group) when it is unknown or the socket
 * cannot be given to it.
 */
static int
app_socket_group(void)
{
	const char	*name = getenv("NS_SOCKET_GROUP");
	struct group	*gr;

	if (name == NULL || *name == '\0' || cfg.socket[0] == ':')
		return 0;
	if ((gr = getgrnam(name)) == NULL) {
		log_msg("error", "NS_SOCKET_GROUP=%s is not a group of this system", name);
		return -1;
	}
	if (chown(cfg.socket, (uid_t)-1, gr->gr_gid) != 0) {
		log_msg("error", "cannot give %s to group %s: %s", cfg.socket, name, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Started as root: become NS_USER (priv.c) once the socket is bound and
 * every secret read; the socket is given to that user, so that it alone
 * may remove it (its group is nginx's: app_socket_group).  0, or -1
 * (logged, saying what to do): the service must then not start.
 */
static int
app_drop_privileges(void)
{
	char	 why[512];
	int	 rc;

	if ((rc = priv_drop(cfg.socket[0] != ':' ? cfg.socket : NULL, why, sizeof(why))) < 0)
		log_msg("error", "%s", why);
	else if (rc > 0)
		log_msg("info", "%s", why);
	return rc < 0 ? -1 : 0;
}

/*
 * The C ↔ SQL seam: every route's function must match its declaration.
 * A mismatch refuses the start (a route whose arguments would be
 * misread must never serve); an unreachable database only defers the
 * check to the first call, which then fails with the database's error.
 */
static int
app_sql_check(const struct ns_service *svc)
{
	char	 why[512];
	PGconn	*conn = db_connect();
	int	 rc;

	if (conn == NULL) {
		log_msg("warning", "route check skipped: the database is unreachable");
		return 0;
	}
	rc = route_check(conn, svc->routes, why, sizeof(why));
	PQfinish(conn);
	if (rc == -1) {
		log_msg("error", "%s; refusing to start", why);
		return -1;
	}
	if (rc != 0)
		log_msg("warning", "route check skipped: %s", why);
	return 0;
}

int
app_main(const struct ns_service *svc, int argc, char *argv[])
{
	pthread_t	*workers, job;
	sigset_t	 set;
	int		 i, sig, run_job;

	app_svc = svc;
	if (argc > 1 && strcmp(argv[1], "--routes") == 0) {
		app_print_routes(svc);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--defaults") == 0) {
		app_print_defaults(svc);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: %s [--routes | --defaults]\n(configuration comes from NS_* environment variables; see docs/operations.md)\n", argv[0]);
		return 2;
	}
	if (config_load(svc->name, 1) != 0 || app_routes_check(svc) != 0 ||
	    app_sql_check(svc) != 0 || FCGX_Init() != 0)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (cfg.socket[0] != ':')
		unlink(cfg.socket);
	/* The socket is 0660: the service and its group (nginx's) only. */
	umask(0117);
	app_listen_fd = FCGX_OpenSocket(cfg.socket, 128);
	umask(022);
	if (app_listen_fd < 0) {
		log_msg("error", "cannot listen on %s", cfg.socket);
		return 1;
	}
	if (app_socket_group() != 0 || app_drop_privileges() != 0)
		return 1;
	if ((workers = calloc((size_t)cfg.workers, sizeof(*workers))) == NULL)
		return 1;
	for (i = 0; i < cfg.workers; i++)
		if (pthread_create(&workers[i], NULL, app_worker, NULL) != 0) {
			log_msg("error", "cannot start worker thread %d", i);
			return 1;
		}
	/* NS_JOB_SECONDS: every job's period at once (tests lengthen it to
	 * see that notifications alone keep the figures fresh). */
	if ((app_job_seconds = config_int("NS_JOB_SECONDS", svc->job_seconds, 1, 86400)) < 0)
		return 1;
	/* NS_JOB_GAP_MS: the shortest time between notification-driven runs. */
	if ((app_job_gap_ms = config_int("NS_JOB_GAP_MS", NS_JOB_GAP_MS, 100, 600000)) < 0)
		return 1;
	run_job = svc->job != NULL && config_jobs();
	if (run_job && pthread_create(&job, NULL, app_job, NULL) != 0) {
		log_msg("error", "cannot start the periodic job");
		return 1;
	}
	log_msg("info", "listening on %s with %d workers", cfg.socket, cfg.workers);
	sigwait(&set, &sig);
	app_stopping = 1;
	log_msg("info", "signal %d: stopping", sig);
	FCGX_ShutdownPending();
	shutdown(app_listen_fd, SHUT_RDWR);
	close(app_listen_fd);
	for (i = 0; i < cfg.workers; i++)
		pthread_join(workers[i], NULL);
	if (run_job)
		pthread_join(job, NULL);
	if (cfg.socket[0] != ':')
		unlink(cfg.socket);
	free(workers);
	return 0;
}
