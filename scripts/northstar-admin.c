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
 *
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
 * key add NAME SCOPE...: make a key, store its SHA-256 with its scopes and
 * print it once on stdout.  The key never reaches the database or a log.
 */
static int
admin_key_add(PGconn *conn, int argc, char *argv[])
{
	char		 key[NS_KEY_LEN + 1], hash[NS_KEY_HASH_HEX + 1], scopes[256];
	const char	*vals[3] = { argv[3], hash, scopes };
	size_t		 i, o = 0;
	PGresult	*res;
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
	res = PQexecParams(conn, "INSERT INTO api_keys (name, key_hash, scopes) "
	    "VALUES ($1, decode($2, 'hex'), string_to_array($3, ','))", 3, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		printf("%s\n", key);
		fprintf(stderr, "northstar-admin: key %s created; store it now, it is not shown again\n",
		    argv[3]);
		rc = 0;
	} else if (PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL &&
	    strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "23505") == 0)
		fprintf(stderr, "northstar-admin: a key named %s is in force; revoke it first\n", argv[3]);
	else
		fprintf(stderr, "northstar-admin: %s", PQresultErrorMessage(res));
	PQclear(res);
	explicit_bzero(key, sizeof(key));
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
		const char *vals[1] = { argv[3] };

		return admin_exec(conn, "UPDATE api_keys SET revoked_at = now() "
		    "WHERE name = $1 AND revoked_at IS NULL", 1, vals, "no key in force with that name");
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
 * Run the INSERT or UPDATE of one user's password hash (vals as the
 * statement wants them).  Exactly one row must change; then, when the
 * password was generated, it is printed on stdout, once.  0, or 1 with
 * the reason on stderr (nothing printed on stdout).
 */
static int
admin_user_write(PGconn *conn, const char *sql, int n, const char *const *vals,
    const char *email, const char *pw, int generated)
{
	PGresult	*res = PQexecParams(conn, sql, n, NULL, vals, NULL, NULL, 0);
	const char	*state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	int		 rc = 1;

	if (PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdTuples(res), "1") == 0) {
		if (generated) {
			printf("%s\n", pw);
			fprintf(stderr, "northstar-admin: password of %s set; store it now, it is not shown again\n",
			    email);
		}
		rc = 0;
	} else if (PQresultStatus(res) == PGRES_COMMAND_OK)
		fprintf(stderr, "northstar-admin: no user with the e-mail %s\n", email);
	else if (state != NULL && strcmp(state, "23505") == 0)
		fprintf(stderr, "northstar-admin: a user with the e-mail %s exists; "
		    "set a new password with: northstar-admin user password %s\n", email, email);
	else if (state != NULL && strcmp(state, "23514") == 0)
		fprintf(stderr, "northstar-admin: invalid user: the e-mail must look like name@host and "
		    "the role be ceo, cs or sales\n");
	else
		fprintf(stderr, "northstar-admin: %s", PQresultErrorMessage(res));
	PQclear(res);
	return rc;
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
			    "VALUES (lower($1), $2, $3, $4)", 4, vals, argv[3], pw, 1);
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
			    "token_version = token_version + 1 WHERE email = lower($1)", 2, vals, argv[3], pw,
			    generated);
		}
		explicit_bzero(pw, sizeof(pw));
		return rc;
	}
	return usage();
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
		return admin_exec(conn, "INSERT INTO app_users (email, name, role, password_hash) "
		    "VALUES (lower($1), $2, $3, $4)", 4, vals, "no user with that e-mail");
	}
	if (strcmp(cmd, "passwd") == 0 && argc == 3) {
		const char *vals[2] = { argv[2], hash };

		if (admin_password_read(pw, sizeof(pw)) != 0 || admin_hash(pw, hash, sizeof(hash)) != 0)
			return 1;
		return admin_exec(conn, "UPDATE app_users SET password_hash = $2, "
		    "token_version = token_version + 1 WHERE email = lower($1)", 2, vals, "no user with that e-mail");
	}
	if (argc == 3 && (strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0 ||
	    strcmp(cmd, "logout") == 0)) {
		const char *vals[2] = { argv[2], cmd };

		return admin_exec(conn, "UPDATE app_users SET token_version = token_version + 1, "
		    "disabled = CASE $2 WHEN 'disable' THEN true WHEN 'enable' THEN false "
		    "ELSE disabled END WHERE email = lower($1)", 2, vals, "no user with that e-mail");
	}
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
