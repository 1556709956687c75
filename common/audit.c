/*
 * audit.c — the C side of the audit log (sql/schema/575_audit.sql,
 * docs/operations.md "Audit log"): one row per sign-in, sign-out, export,
 * alert rule change, API key and user administration, written through the
 * SQL function audit_write() (the only way in: the table is append-only).
 *
 * Who acted is taken from the request (a signed-in user, an API key, or
 * nobody) or, for command-line tools, from the operating system (actor
 * type "cli", the OS user name).  Nothing secret is ever passed: callers
 * give an action, a target (an e-mail, a key name, a route) and a detail
 * object of their own making, never a password, token or key.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "internal.h"

/* The documented actions (575_audit.sql's audit_actions(), the same list). */
static const char *const audit_action_words[] = {
	"auth.login", "auth.login_failed", "auth.logout",
	"export.csv", "export.report",
	"alert_rule.update", "report_schedule.update",
	"annotation.create", "annotation.update", "annotation.delete", "target.update",
	"api_key.create", "api_key.revoke",
	"user.create", "user.password", "user.disable", "user.enable", "user.logout",
	"audit.purge", NULL
};
static const char *const audit_actor_words[] = { "user", "key", "cli", "anonymous", "database", NULL };

const struct ns_param audit_params[] = {
	{ "action", NS_P_ENUM, 0, 0, audit_action_words, NULL },
	{ "actor_type", NS_P_ENUM, 0, 0, audit_actor_words, NULL },
	{ "actor_id", NS_P_INT, 1, 2147483647L, NULL, NULL },
	{ "from", NS_P_DATE, 0, 0, NULL, NULL },
	{ "to", NS_P_DATE, 0, 0, NULL, NULL },
	{ "after", NS_P_INT, 1, 999999999999999999L, NULL, NULL },
	{ "before", NS_P_INT, 1, 999999999999999999L, NULL, NULL },
	NS_PARAM_LIMIT(500, "50"),
	NS_PARAM_END
};

/* The named arguments of audit_write, in one fixed shape (one prepared statement). */
enum { A_TYPE, A_ACTION, A_ID, A_ACTOR, A_ROLE, A_ADDRESS, A_TARGET, A_DETAIL, A__MAX };
static const char *const audit_arg_names[A__MAX] = {
	"p_actor_type", "p_action", "p_actor_id", "p_actor", "p_role", "p_address", "p_target",
	"p_detail"
};

static void
audit_args(struct ns_arg *args, const char *const *vals)
{
	size_t i;

	for (i = 0; i < A__MAX; i++) {
		args[i].name = audit_arg_names[i];
		args[i].text = vals[i];
	}
}

/* Whether res is audit_write's one row (the id). */
static int
audit_written(const PGresult *res)
{
	return res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
}

int
audit_record(struct ns_req *req, const char *action, const char *target, const cJSON *detail)
{
	const char	*vals[A__MAX] = { "anonymous", action, NULL, NULL, NULL, NULL, target, NULL };
	struct ns_arg	 args[A__MAX];
	char		 id[24], scopes[128], *dj = NULL;
	PGresult	*res;
	int		 rc;

	if (req->user.id != 0) {
		snprintf(id, sizeof(id), "%ld", req->user.id);
		vals[A_TYPE] = "user";
		vals[A_ID] = id;
		vals[A_ROLE] = role_name(req->user.role);
	} else if (req->user.key[0] != '\0') {
		key_scopes_format(req->user.role, scopes, sizeof(scopes));
		vals[A_TYPE] = "key";
		vals[A_ACTOR] = req->user.key;
		vals[A_ROLE] = scopes;
	}
	if (strcmp(req->client, "-") != 0)
		vals[A_ADDRESS] = req->client;
	if (detail != NULL && (dj = cJSON_PrintUnformatted(detail)) == NULL) {
		log_msg("error", "audit row %s not written: out of memory", action);
		return -1;
	}
	vals[A_DETAIL] = dj;
	audit_args(args, vals);
	res = db_call(req->db, NS_DB_WRITE, NULL, "audit_write", args, A__MAX);
	rc = audit_written(res) ? 0 : -1;
	if (rc != 0)
		log_msg("error", "audit row %s not written: %s", action,
		    res != NULL ? db_error_message(NULL, res) : "the database is unreachable");
	PQclear(res);
	cJSON_free(dj);
	return rc;
}

int
audit_refuse(struct ns_req *req)
{
	return http_error(req, 503, "audit_unavailable", "refused: the action could not be "
	    "recorded in the audit log (the database is unavailable or refused it); retry shortly");
}

int
audit_export(struct ns_req *req, const char *action, long rows)
{
	cJSON	*detail = cJSON_CreateObject(), *params = cJSON_AddObjectToObject(detail, "params");
	size_t	 i;
	int	 rc;

	/* Validated values only (param.c): words, numbers and dates, never a credential. */
	for (i = 0; i < req->nvals; i++)
		if (req->vals[i].text != NULL && strcmp(req->vals[i].name, "format") != 0)
			cJSON_AddStringToObject(params, req->vals[i].name, req->vals[i].text);
	if (req->want_csv)
		cJSON_AddStringToObject(detail, "format", "csv");
	if (rows >= 0)
		cJSON_AddNumberToObject(detail, "rows", (double)rows);
	rc = audit_record(req, action, req->path, detail);
	cJSON_Delete(detail);
	return rc;
}

/* The OS user running this process, for a command-line actor. */
static void
audit_os_user(char *out, size_t outsz)
{
	struct passwd	 pw, *pwp = NULL;
	char		 buf[1024];

	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &pwp) == 0 && pwp != NULL)
		snprintf(out, outsz, "%s", pw.pw_name);
	else
		snprintf(out, outsz, "uid:%ld", (long)getuid());
}

int
audit_record_conn(PGconn *conn, const char *action, const char *target, const cJSON *detail,
    char *why, size_t whysz)
{
	const char	*vals[A__MAX] = { "cli", action, NULL, NULL, NULL, NULL, target, NULL };
	struct ns_arg	 args[A__MAX];
	char		 user[256], *dj = NULL;
	PGresult	*res;
	int		 rc;

	audit_os_user(user, sizeof(user));
	vals[A_ACTOR] = user;
	if (detail != NULL && (dj = cJSON_PrintUnformatted(detail)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	vals[A_DETAIL] = dj;
	audit_args(args, vals);
	res = db_call_conn(conn, NULL, "audit_write", args, A__MAX);
	rc = audit_written(res) ? 0 : -1;
	if (rc != 0)
		snprintf(why, whysz, "%s", db_error_message(conn, res));
	PQclear(res);
	cJSON_free(dj);
	return rc;
}

/* Append s (n bytes) percent-encoded by libcurl (all but RFC 3986's unreserved bytes) to q at
 * *o; -1 when it does not fit or memory runs out. */
static int
audit_query_add(char *q, size_t qsz, size_t *o, const char *s, size_t n)
{
	char	*e = curl_easy_escape(NULL, s, (int)n);
	size_t	 len;
	int	 rc = -1;

	if (e != NULL && *o + (len = strlen(e)) + 1 <= qsz) {
		memcpy(q + *o, e, len + 1);
		*o += len;
		rc = 0;
	}
	curl_free(e);
	return rc;
}

/* Append one byte c as is; -1 when it does not fit. */
static int
audit_query_char(char *q, size_t qsz, size_t *o, char c)
{
	if (*o + 2 > qsz)
		return -1;
	q[(*o)++] = c;
	q[*o] = '\0';
	return 0;
}

/*
 * The filters NAME=VALUE of argv as the query string of GET
 * /api/alerts/audit into q.  0, or -1 with the reason in err.
 */
static int
audit_filters_query(int argc, char *const argv[], char *q, size_t qsz, char *err, size_t errsz)
{
	size_t	 o = 0;
	int	 i;

	q[0] = '\0';
	for (i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (eq == NULL) {
			snprintf(err, errsz, "'%.40s' is not a filter: give NAME=VALUE (action, actor_type, "
			    "actor_id, from, to, after, before, limit)", argv[i]);
			return -1;
		}
		if ((i > 0 && audit_query_char(q, qsz, &o, '&') != 0) ||
		    audit_query_add(q, qsz, &o, argv[i], (size_t)(eq - argv[i])) != 0 ||
		    audit_query_char(q, qsz, &o, '=') != 0 ||
		    audit_query_add(q, qsz, &o, eq + 1, strlen(eq + 1)) != 0) {
			snprintf(err, errsz, "the filters are too long");
			return -1;
		}
	}
	return 0;
}

/* Call audit_list with req's validated filters (named p_<filter>). */
static PGresult *
audit_list_call(PGconn *conn, const struct ns_req *req)
{
	struct ns_arg	 args[NS_MAX_PARAMS];
	char		 names[NS_MAX_PARAMS][40];
	size_t		 i, n = 0;

	for (i = 0; i < req->nvals && n < NS_MAX_PARAMS; i++) {
		if (req->vals[i].text == NULL)
			continue;
		snprintf(names[n], sizeof(names[n]), "p_%s", req->vals[i].name);
		args[n].name = names[n];
		args[n].text = req->vals[i].text;
		n++;
	}
	return db_call_conn(conn, NULL, "audit_list", args, n);
}

PGresult *
audit_list_conn(PGconn *conn, int argc, char *const argv[], char *err, size_t errsz)
{
	static const struct ns_route route = { "GET", "northstar-admin audit", NS_ROLE_CEO,
	    audit_params, 0, 0, "audit_list", NULL, NULL };
	struct ns_req	*req = calloc(1, sizeof(*req));
	char		 q[NS_MAX_QUERY + 1];
	PGresult	*res = NULL;

	if (req == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	req->route = &route;
	req->method = "GET";
	if (audit_filters_query(argc, argv, q, sizeof(q), err, errsz) == 0 &&
	    param_parse(req, q, err, errsz) == 0)
		res = audit_list_call(conn, req);
	free(req);
	return res;
}
