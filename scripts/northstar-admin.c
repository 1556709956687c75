/*
 * northstar-admin — manage the dashboard's app users from the command line.
 *
 *   northstar-admin list
 *   northstar-admin add EMAIL NAME ROLE     (password read from stdin)
 *   northstar-admin passwd EMAIL            (password read from stdin)
 *   northstar-admin disable|enable|logout EMAIL
 *   northstar-admin user add EMAIL ROLE NAME (prints a generated password, once)
 *   northstar-admin user password EMAIL      (stdin when not a terminal, else
 *                                             generated and printed once)
 *   northstar-admin user list
 *   northstar-admin key add NAME SCOPE...   (prints the new API key, once)
 *   northstar-admin key list
 *   northstar-admin key revoke NAME
 *   northstar-admin audit [--json] [NAME=VALUE...]   (the audit log; filters as the API's)
 *
 * Every change is audited (docs/operations.md "Audit log"): the change and
 * its audit row (actor "cli", the OS user) commit in one transaction, or
 * neither does; a secret is printed only once both have.
 * The database comes from NS_DATABASE_URL.  Password changes, disabling
 * and logout bump the user's token_version, which revokes every session.
 * API keys (docs/ingest.md) are stored as their SHA-256 only; passwords
 * as their bcrypt hash only: a generated one is printed on stdout and
 * nowhere else (DEMO=0 starts create the first CEO account this way).
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <libpq-fe.h>

#include "northstar.h"

#define ADMIN_BCRYPT_COST	10	/* same cost as auth.c's dummy hash */
#define ADMIN_PASSWORD_LEN	24	/* generated: 24 base64url characters = 144 bits */

/* list and user list: id, e-mail, name, role, active|disabled. */
static const char SQL_USER_LIST[] = "SELECT id, email, name, role, "
    "CASE WHEN disabled THEN 'disabled' ELSE 'active' END FROM app_users ORDER BY id";

static int
usage(void)
{
	fprintf(stderr, "usage: northstar-admin list\n"
	    "       northstar-admin add EMAIL NAME ceo|cs|sales   (password on stdin)\n"
	    "       northstar-admin passwd EMAIL                  (password on stdin)\n"
	    "       northstar-admin disable|enable|logout EMAIL\n"
	    "       northstar-admin user add EMAIL ceo|cs|sales NAME  (prints a generated password once)\n"
	    "       northstar-admin user password EMAIL   (stdin if not a terminal, else generated)\n"
	    "       northstar-admin user list\n"
	    "       northstar-admin key add NAME SCOPE...   (ingest:billing ingest:events ingest:marketing\n"
	    "                                               ingest:sales ingest:support)\n"
	    "       northstar-admin key list\n"
	    "       northstar-admin key revoke NAME\n"
	    "       northstar-admin audit [--json] [NAME=VALUE...]  (action, actor_type, actor_id, from, to,\n"
	    "                                               after, before, limit: as GET /api/alerts/audit)\n"
	    "The database is taken from NS_DATABASE_URL.\n");
	return 2;
}

/* Read one line from stdin as the new password (8–1024 bytes). */
static int
admin_password_read(char *buf, size_t sz)
{
	size_t n;

	if (fgets(buf, (int)sz, stdin) == NULL) {
		fprintf(stderr, "northstar-admin: no password on stdin (one line, at least 8 characters)\n");
		return -1;
	}
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n < 8) {
		fprintf(stderr, "northstar-admin: the password must have at least 8 characters\n");
		return -1;
	}
	return 0;
}

/* bcrypt hash of password into out (CRYPT_OUTPUT_SIZE bytes). */
static int
admin_hash(const char *password, char *out, size_t outsz)
{
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd = calloc(1, sizeof(*cd));
	const char		*h;
	int			 rc = -1;

	if (cd == NULL || crypt_gensalt_rn("$2b$", ADMIN_BCRYPT_COST, NULL, 0, salt, sizeof(salt)) == NULL)
		goto out;
	h = crypt_r(password, salt, cd);
	if (h != NULL && h[0] != '*' && strlen(h) < outsz) {
		snprintf(out, outsz, "%s", h);
		rc = 0;
	}
out:
	free(cd);
	return rc;
}

/* Run a statement and report how many rows it touched or printed. */
static int
admin_exec(PGconn *conn, const char *sql, int n, const char *const *vals, const char *none)
{
	PGresult	*res = PQexecParams(conn, sql, n, NULL, vals, NULL, NULL, 0);
	int		 i, rc = 0;

	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		for (i = 0; i < PQntuples(res); i++)
			printf("%s\t%s\t%s\t%s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
	} else if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		if (none != NULL && atoi(PQcmdTuples(res)) == 0) {
			fprintf(stderr, "northstar-admin: %s\n", none);
			rc = 1;
		}
	} else {
		fprintf(stderr, "northstar-admin: %s", PQresultErrorMessage(res));
		rc = 1;
	}
	PQclear(res);
	return rc;
}

/*
 * One audited change: the statement (which writes one row and RETURNs its
 * id) and its audit row, in one transaction.  The row's id is added to
 * detail under idkey.
 */
struct admin_change {
	const char		*sql;
	int			 n;
	const char *const	*vals;
	const char		*none;		/* said when no row matched */
	const char		*dup;		/* said on a unique violation (23505), or NULL */
	const char		*action;	/* the audit row's action, target and detail */
	const char		*target;
	cJSON			*detail;	/* the caller's */
	const char		*idkey;
};

/* Run one command of the transaction; 0, or 1 (said). */
static int
admin_tx(PGconn *conn, const char *cmd)
{
	PGresult	*res = PQexec(conn, cmd);
	int		 rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : 1;

	if (rc != 0)
		fprintf(stderr, "northstar-admin: %s failed: %s", cmd, PQerrorMessage(conn));
	PQclear(res);
	return rc;
}

/* Say why a change's statement failed. */
static void
admin_change_error(const struct admin_change *c, const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (state != NULL && strcmp(state, "23505") == 0 && c->dup != NULL)
		fprintf(stderr, "northstar-admin: %s\n", c->dup);
	else if (state != NULL && strcmp(state, "23514") == 0)
		fprintf(stderr, "northstar-admin: invalid user: the e-mail must look like name@host and "
		    "the role be ceo, cs or sales\n");
	else
		fprintf(stderr, "northstar-admin: %s", PQresultErrorMessage(res));
}

/*
 * BEGIN, the change, its audit row, COMMIT.  0 when both committed; 1
 * (said) when anything failed, and then nothing changed.
 */
static int
admin_change_run(PGconn *conn, const struct admin_change *c)
{
	PGresult	*res;
	char		 why[512];
	int		 rc = 1;

	if (admin_tx(conn, "BEGIN") != 0)
		return 1;
	res = PQexecParams(conn, c->sql, c->n, NULL, c->vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		admin_change_error(c, res);
	else if (PQntuples(res) != 1)
		fprintf(stderr, "northstar-admin: %s\n", c->none);
	else {
		cJSON_AddNumberToObject(c->detail, c->idkey, atof(PQgetvalue(res, 0, 0)));
		if (audit_record_conn(conn, c->action, c->target, c->detail, why, sizeof(why)) != 0)
			fprintf(stderr, "northstar-admin: refused, the change could not be audited: %s\n", why);
		else
			rc = admin_tx(conn, "COMMIT");
	}
	PQclear(res);
	if (rc != 0)
		(void)admin_tx(conn, "ROLLBACK");
	return rc;
}

/*
 * key add NAME SCOPE...: make a key, store its SHA-256 with its scopes and
 * print it once on stdout.  The key never reaches the database or a log.
 */
static int
admin_key_add(PGconn *conn, int argc, char *argv[])
{
	char		 key[NS_KEY_LEN + 1], hash[NS_KEY_HASH_HEX + 1], scopes[256], dup[128];
	const char	*vals[3] = { argv[3], hash, scopes };
	struct admin_change c = { "INSERT INTO api_keys (name, key_hash, scopes) "
	    "VALUES ($1, decode($2, 'hex'), string_to_array($3, ',')) RETURNING id", 3, vals,
	    "no key was made", dup, "api_key.create", argv[3], NULL, "key_id" };
	size_t		 i, o = 0;
	int		 rc = 1;

	if (strlen(argv[3]) > 64 || strspn(argv[3], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-") != strlen(argv[3]) || argv[3][0] == '\0') {
		fprintf(stderr, "northstar-admin: a key name is 1 to 64 characters of A-Z a-z 0-9 _ . -\n");
		return 2;
	}
	for (i = 4; i < (size_t)argc; i++) {
		if (key_scope_parse(argv[i], strlen(argv[i])) == 0) {
			fprintf(stderr, "northstar-admin: unknown scope '%s' (ingest:billing, ingest:events, "
			    "ingest:marketing, ingest:sales, ingest:support)\n", argv[i]);
			return 2;
		}
		o += (size_t)snprintf(scopes + o, sizeof(scopes) - o, "%s%s", o > 0 ? "," : "", argv[i]);
	}
	if (key_new(key, sizeof(key)) != 0 || key_hash_hex(key, hash, sizeof(hash)) != 0) {
		fprintf(stderr, "northstar-admin: could not make a key (getrandom or SHA-256 failed)\n");
		return 1;
	}
	snprintf(dup, sizeof(dup), "a key named %s is in force; revoke it first", argv[3]);
	c.detail = cJSON_CreateObject();
	cJSON_AddStringToObject(c.detail, "scopes", scopes);	/* the key's hash stays out too */
	if (admin_change_run(conn, &c) == 0) {
		printf("%s\n", key);
		fprintf(stderr, "northstar-admin: key %s created; store it now, it is not shown again\n",
		    argv[3]);
		rc = 0;
	}
	cJSON_Delete(c.detail);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

/* key list | key revoke NAME | key add NAME SCOPE... */
static int
admin_key(PGconn *conn, int argc, char *argv[])
{
	if (argc == 3 && strcmp(argv[2], "list") == 0)
		return admin_exec(conn, "SELECT name, array_to_string(scopes, ','), "
		    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
		    "coalesce(to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'never'), "
		    "CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'revoked' END "
		    "FROM api_keys ORDER BY revoked_at IS NOT NULL, name, id", 0, NULL, NULL);
	if (argc == 4 && strcmp(argv[2], "revoke") == 0) {
		const char		*vals[1] = { argv[3] };
		struct admin_change	 c = { "UPDATE api_keys SET revoked_at = now() "
		    "WHERE name = $1 AND revoked_at IS NULL RETURNING id", 1, vals,
		    "no key in force with that name", NULL, "api_key.revoke", argv[3],
		    cJSON_CreateObject(), "key_id" };
		int			 rc = admin_change_run(conn, &c);

		cJSON_Delete(c.detail);
		return rc;
	}
	if (argc >= 5 && strcmp(argv[2], "add") == 0)
		return admin_key_add(conn, argc, argv);
	return usage();
}

/*
 * A new random password into out (ADMIN_PASSWORD_LEN + 1 bytes): the first
 * ADMIN_PASSWORD_LEN base64url characters of a fresh API key's random
 * part, so getrandom(2) is read in one place (key.c).  0, or -1 (the
 * caller prints nothing).
 */
static int
admin_password_new(char *out, size_t outsz)
{
	char	 key[NS_KEY_LEN + 1];
	int	 rc = -1;

	if (outsz > ADMIN_PASSWORD_LEN && key_new(key, sizeof(key)) == 0) {
		memcpy(out, key + sizeof(NS_KEY_PREFIX) - 1, ADMIN_PASSWORD_LEN);
		out[ADMIN_PASSWORD_LEN] = '\0';
		rc = 0;
	}
	explicit_bzero(key, sizeof(key));
	if (rc != 0)
		fprintf(stderr, "northstar-admin: could not make a password (getrandom failed)\n");
	return rc;
}

/*
 * Run the INSERT or UPDATE of one user (vals as the statement wants them;
 * it RETURNs the user's id) with its audit row (action, target the e-mail
 * in lower case as stored, detail: taken and freed here).  Exactly one row
 * must change; then, when the password was generated, it is printed on
 * stdout, once.  0, or 1 with the reason on stderr (nothing printed on
 * stdout, nothing changed).
 */
static int
admin_user_write(PGconn *conn, const char *sql, int n, const char *const *vals,
    const char *email, const char *pw, int generated, const char *action, cJSON *detail)
{
	char			 target[256], none[300], dup[600];
	struct admin_change	 c = { sql, n, vals, none, dup, action, target, detail, "user_id" };
	size_t			 i;
	int			 rc;

	for (i = 0; email[i] != '\0' && i + 1 < sizeof(target); i++)
		target[i] = (email[i] >= 'A' && email[i] <= 'Z') ? (char)(email[i] - 'A' + 'a') : email[i];
	target[i] = '\0';
	snprintf(none, sizeof(none), "no user with the e-mail %s", email);
	snprintf(dup, sizeof(dup), "a user with the e-mail %s exists; "
	    "set a new password with: northstar-admin user password %s", email, email);
	if (c.detail == NULL)
		c.detail = cJSON_CreateObject();
	rc = admin_change_run(conn, &c);
	cJSON_Delete(c.detail);
	if (rc == 0 && generated) {
		printf("%s\n", pw);
		fprintf(stderr, "northstar-admin: password of %s set; store it now, it is not shown again\n",
		    email);
	}
	return rc;
}

/* An audit detail {"role": role}. */
static cJSON *
admin_detail_role(const char *role)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "role", role);
	return d;
}

/* An audit detail {"generated": generated}: how the password was chosen, never what it is. */
static cJSON *
admin_detail_generated(int generated)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddBoolToObject(d, "generated", generated);
	return d;
}

/*
 * user add EMAIL ROLE NAME: a new user with a generated password, printed
 * once.  user password EMAIL: a new password, read from stdin when stdin
 * is not a terminal (scripts), else generated and printed once; it ends
 * the user's sessions.  user list: as list.
 */
static int
admin_user(PGconn *conn, int argc, char *argv[])
{
	char	 pw[1100], hash[CRYPT_OUTPUT_SIZE];
	int	 rc;

	if (argc == 3 && strcmp(argv[2], "list") == 0)
		return admin_exec(conn, SQL_USER_LIST, 0, NULL, NULL);
	if (argc == 6 && strcmp(argv[2], "add") == 0 && strcmp(argv[4], "ceo") != 0 &&
	    strcmp(argv[4], "cs") != 0 && strcmp(argv[4], "sales") != 0) {
		fprintf(stderr, "northstar-admin: unknown role '%s' (ceo, cs or sales)\n", argv[4]);
		return 2;
	}
	if (argc == 6 && strcmp(argv[2], "add") == 0) {
		if (admin_password_new(pw, sizeof(pw)) != 0 || admin_hash(pw, hash, sizeof(hash)) != 0) {
			rc = 1;
		} else {
			const char *vals[4] = { argv[3], argv[5], argv[4], hash };

			rc = admin_user_write(conn, "INSERT INTO app_users (email, name, role, password_hash) "
			    "VALUES (lower($1), $2, $3, $4) RETURNING id", 4, vals, argv[3], pw, 1,
			    "user.create", admin_detail_role(argv[4]));
		}
		explicit_bzero(pw, sizeof(pw));
		return rc;
	}
	if (argc == 4 && strcmp(argv[2], "password") == 0) {
		int generated = isatty(STDIN_FILENO);

		if ((generated ? admin_password_new(pw, sizeof(pw)) : admin_password_read(pw, sizeof(pw))) != 0 ||
		    admin_hash(pw, hash, sizeof(hash)) != 0) {
			rc = 1;
		} else {
			const char *vals[2] = { argv[3], hash };

			rc = admin_user_write(conn, "UPDATE app_users SET password_hash = $2, "
			    "token_version = token_version + 1 WHERE email = lower($1) RETURNING id", 2, vals,
			    argv[3], pw, generated, "user.password", admin_detail_generated(generated));
		}
		explicit_bzero(pw, sizeof(pw));
		return rc;
	}
	return usage();
}

/* One audit entry as a table line: id, at, actor, role, address, action, target, detail. */
static void
admin_audit_line(const cJSON *e)
{
	static const char *const cols[] = { "id", "at", "actor", "role", "address", "action", "target" };
	const cJSON	*v;
	char		*d;
	size_t		 i;

	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(e, cols[i]);
		if (i == 2)	/* actor as type:name */
			printf("%s:", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "actor_type")));
		if (cJSON_IsNumber(v))
			printf("%.0f\t", v->valuedouble);
		else
			printf("%s\t", cJSON_IsString(v) ? v->valuestring : "-");
	}
	d = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(e, "detail"));
	printf("%s\n", d != NULL ? d : "{}");
	cJSON_free(d);
}

/*
 * audit [--json] [NAME=VALUE...]: the audit log, newest first, filtered
 * as GET /api/alerts/audit is (common/audit.c validates the filters): a
 * table (a header line, tab-separated) and, when there are more, the
 * cursor of the next page on stderr; or, with --json, the API's answer.
 */
static int
admin_audit(PGconn *conn, int argc, char *argv[])
{
	char		 err[400];
	int		 json = argc > 0 && strcmp(argv[0], "--json") == 0, rc = 1;
	PGresult	*res = audit_list_conn(conn, argc - json, argv + json, err, sizeof(err));
	cJSON		*root = NULL;
	const cJSON	*e, *next;

	if (res == NULL) {
		fprintf(stderr, "northstar-admin: %s\n", err);
		return 2;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fprintf(stderr, "northstar-admin: %s", PQresultErrorMessage(res));
	else if (json) {
		printf("%s\n", PQgetvalue(res, 0, 0));
		rc = 0;
	} else if ((root = cJSON_Parse(PQgetvalue(res, 0, 0))) == NULL)
		fprintf(stderr, "northstar-admin: out of memory\n");
	else {
		printf("id\tat\tactor\trole\taddress\taction\ttarget\tdetail\n");
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "entries"))
			admin_audit_line(e);
		next = cJSON_GetObjectItemCaseSensitive(root, "next_cursor");
		if (cJSON_IsNumber(next))
			fprintf(stderr, "northstar-admin: more: add before=%.0f\n", next->valuedouble);
		rc = 0;
	}
	cJSON_Delete(root);
	PQclear(res);
	return rc;
}

static int
admin_run(PGconn *conn, int argc, char *argv[])
{
	char		 pw[1100], hash[CRYPT_OUTPUT_SIZE];
	const char	*cmd = argv[1];

	if (strcmp(cmd, "key") == 0 && argc >= 3)
		return admin_key(conn, argc, argv);
	if (strcmp(cmd, "user") == 0 && argc >= 3)
		return admin_user(conn, argc, argv);

	if (strcmp(cmd, "list") == 0 && argc == 2)
		return admin_exec(conn, SQL_USER_LIST, 0, NULL, NULL);
	if (strcmp(cmd, "add") == 0 && argc == 5) {
		const char *vals[4] = { argv[2], argv[3], argv[4], hash };

		if (admin_password_read(pw, sizeof(pw)) != 0 || admin_hash(pw, hash, sizeof(hash)) != 0)
			return 1;
		explicit_bzero(pw, sizeof(pw));
		return admin_user_write(conn, "INSERT INTO app_users (email, name, role, password_hash) "
		    "VALUES (lower($1), $2, $3, $4) RETURNING id", 4, vals, argv[2], NULL, 0,
		    "user.create", admin_detail_role(argv[4]));
	}
	if (strcmp(cmd, "passwd") == 0 && argc == 3) {
		const char *vals[2] = { argv[2], hash };

		if (admin_password_read(pw, sizeof(pw)) != 0 || admin_hash(pw, hash, sizeof(hash)) != 0)
			return 1;
		explicit_bzero(pw, sizeof(pw));
		return admin_user_write(conn, "UPDATE app_users SET password_hash = $2, "
		    "token_version = token_version + 1 WHERE email = lower($1) RETURNING id", 2, vals,
		    argv[2], NULL, 0, "user.password", admin_detail_generated(0));
	}
	if (argc == 3 && (strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0 ||
	    strcmp(cmd, "logout") == 0)) {
		const char	*vals[2] = { argv[2], cmd };
		char		 action[32];

		snprintf(action, sizeof(action), "user.%s", cmd);	/* user.disable, user.enable, user.logout */
		return admin_user_write(conn, "UPDATE app_users SET token_version = token_version + 1, "
		    "disabled = CASE $2 WHEN 'disable' THEN true WHEN 'enable' THEN false "
		    "ELSE disabled END WHERE email = lower($1) RETURNING id", 2, vals, argv[2], NULL, 0,
		    action, NULL);
	}
	if (strcmp(cmd, "audit") == 0)
		return admin_audit(conn, argc - 2, argv + 2);
	return usage();
}

int
main(int argc, char *argv[])
{
	const char	*url = getenv("NS_DATABASE_URL");
	PGconn		*conn;
	int		 rc;

	if (argc < 2)
		return usage();
	if (url == NULL || *url == '\0') {
		fprintf(stderr, "northstar-admin: set NS_DATABASE_URL (e.g. postgresql:///northstar?host=/path/to/run&port=5432)\n");
		return 2;
	}
	conn = PQconnectdb(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "northstar-admin: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return 1;
	}
	rc = admin_run(conn, argc, argv);
	PQfinish(conn);
	return rc;
}
