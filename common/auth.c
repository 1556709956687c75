/*
 * auth.c — sessions: JWT (HS256 via libjwt) in a cookie or a Bearer
 * header, password checks (bcrypt through libcrypt), and the
 * /api/auth/{login,logout,me} handlers.
 *
 * libjwt 1.10 checks neither exp nor nbf and does not pin the algorithm,
 * so auth_token_verify() does all three itself.  A token stays valid only
 * while the user is enabled and its "ver" claim equals the user's
 * token_version: logout, password change and disabling bump or block it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crypt.h>
#include <cJSON.h>
#include <jwt.h>

#include "internal.h"

#define AUTH_SKEW	30	/* seconds of clock skew tolerated */
#define AUTH_COOKIE	"ns_session"

/* A bcrypt hash of a random string: compared against when the e-mail is
 * unknown so that both failures cost the same time. */
static const char auth_dummy_hash[] =
    "$2b$10$mrKidori7mLRMdk1rbOq6eszZS1FAFebB0fuH.fRNQrLk3gDvskCe";

static int
claim_int(jwt_t *jwt, const char *name, long *out)
{
	errno = 0;
	*out = jwt_get_grant_int(jwt, name);
	return errno == 0 ? 0 : -1;
}

int
auth_token_verify(const char *token, const unsigned char *key, size_t keylen,
    time_t now, struct ns_user *user, char *why, size_t whysz)
{
	jwt_t		*jwt = NULL;
	long		 exp, nbf, iat, ver, id;
	const char	*sub;
	unsigned	 role;
	int		 rc = -1;

	memset(user, 0, sizeof(*user));
	if (keylen < 32) {
		snprintf(why, whysz, "server has no signing key");
		return -1;
	}
	if (strnlen(token, NS_MAX_TOKEN + 1) > NS_MAX_TOKEN ||
	    jwt_decode(&jwt, token, key, (int)keylen) != 0) {
		snprintf(why, whysz, "malformed or badly signed token");
		goto out;
	}
	if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
		snprintf(why, whysz, "token algorithm is not HS256");
		goto out;
	}
	if (claim_int(jwt, "exp", &exp) != 0 || claim_int(jwt, "nbf", &nbf) != 0 ||
	    claim_int(jwt, "iat", &iat) != 0 || claim_int(jwt, "ver", &ver) != 0) {
		snprintf(why, whysz, "token lacks exp, nbf, iat or ver");
		goto out;
	}
	if (now > exp + AUTH_SKEW) {
		snprintf(why, whysz, "token expired");
		goto out;
	}
	if (now + AUTH_SKEW < nbf || now + AUTH_SKEW < iat) {
		snprintf(why, whysz, "token not valid yet");
		goto out;
	}
	sub = jwt_get_grant(jwt, "sub");
	role = role_parse(jwt_get_grant(jwt, "role"));
	if (sub == NULL || param_int_valid(sub, 1, 2147483647L, &id) != 0 || role == 0) {
		snprintf(why, whysz, "token lacks a valid sub or role");
		goto out;
	}
	user->id = id;
	user->role = role;
	user->token_version = ver;
	user->expires = (time_t)exp;
	rc = 0;
out:
	jwt_free(jwt);
	return rc;
}

char *
auth_token_new(const unsigned char *key, size_t keylen, long id, unsigned role,
    long version, time_t now, int ttl)
{
	jwt_t	*jwt = NULL;
	char	 sub[24], *tok = NULL;

	snprintf(sub, sizeof(sub), "%ld", id);
	if (jwt_new(&jwt) != 0)
		return NULL;
	if (jwt_set_alg(jwt, JWT_ALG_HS256, key, (int)keylen) == 0 &&
	    jwt_add_grant(jwt, "sub", sub) == 0 &&
	    jwt_add_grant(jwt, "role", role_name(role)) == 0 &&
	    jwt_add_grant_int(jwt, "ver", version) == 0 &&
	    jwt_add_grant_int(jwt, "iat", (long)now) == 0 &&
	    jwt_add_grant_int(jwt, "nbf", (long)now) == 0 &&
	    jwt_add_grant_int(jwt, "exp", (long)now + ttl) == 0)
		tok = jwt_encode_str(jwt);
	jwt_free(jwt);
	return tok;
}

/* Compare a password with a crypt(3) hash in constant time. */
int
auth_password_check(const char *hash, const char *password)
{
	struct crypt_data	*cd = calloc(1, sizeof(*cd));
	const char		*out;
	volatile unsigned char	 diff = 0;
	size_t			 i, n = strlen(hash);
	int			 ok;

	if (cd == NULL)
		return -1;
	out = crypt_r(password, hash, cd);
	if (out == NULL || out[0] == '*' || strlen(out) != n) {
		free(cd);
		return -1;
	}
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(out[i] ^ hash[i]);
	ok = diff == 0;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok ? 0 : -1;
}

/* The token from "Authorization: Bearer …" or else the session cookie. */
static const char *
auth_token_find(struct ns_req *req, char *buf, size_t bufsz)
{
	const char *h = http_header(req, "HTTP_AUTHORIZATION");

	if (h != NULL && strncmp(h, "Bearer ", 7) == 0)
		return h + 7;
	if (http_cookie(req, AUTH_COOKIE, buf, bufsz) != 1)
		return NULL;
	req->user.via_cookie = 1;
	return buf;
}

static const char SQL_AUTH_USER[] =
    "SELECT role, token_version, disabled FROM app_users WHERE id = $1";

/*
 * Authenticate an API key (docs/ingest.md): its SHA-256 must name a key in
 * force, looked up on the primary on every request, so that a revocation
 * holds from the next request on.  Fills req->user with the key's name and
 * scopes (id 0: a key is nobody).  0, -1 with why, or -2 (database down).
 */
static int
auth_key(struct ns_req *req, const char *key, char *why, size_t whysz)
{
	char		 hash[NS_KEY_HASH_HEX + 1];
	struct ns_arg	 args[1] = { { "p_hash", hash } };
	PGresult	*res;
	unsigned	 scopes;
	int		 rc = -1;

	if (key_hash_hex(key, hash, sizeof(hash)) != 0) {
		snprintf(why, whysz, "could not check the API key");
		return -1;
	}
	res = db_call(req->db, NS_DB_PRIMARY, "name, scopes", "key_verify", args, 1);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_msg("error", "key_verify failed: %s", db_error_message(NULL, res));
		PQclear(res);
		return -2;
	}
	if (PQntuples(res) != 1)
		snprintf(why, whysz, "unknown or revoked API key");
	else if ((scopes = key_scopes_parse(PQgetvalue(res, 0, PQfnumber(res, "scopes")))) == 0)
		snprintf(why, whysz, "the API key has no scope this version knows");
	else {
		memset(&req->user, 0, sizeof(req->user));
		req->user.role = scopes;
		snprintf(req->user.key, sizeof(req->user.key), "%s",
		    PQgetvalue(res, 0, PQfnumber(res, "name")));
		rc = 0;
	}
	PQclear(res);
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

int
auth_request(struct ns_req *req, char *why, size_t whysz)
{
	char		 buf[NS_MAX_TOKEN + 1], idtxt[24], key[NS_KEY_LEN + 1];
	const char	*tok, *vals[1];
	int		 cookie, rc = -1;
	PGresult	*res;

	/* An API key (Bearer nsk_…, or Basic with the key as user name). */
	switch (key_from_authorization(http_header(req, "HTTP_AUTHORIZATION"), key, sizeof(key))) {
	case 1:
		rc = auth_key(req, key, why, whysz);
		explicit_bzero(key, sizeof(key));
		return rc;
	case -1:
		snprintf(why, whysz, "malformed API key: send Authorization: Bearer nsk_… "
		    "or Basic with the key as user name and an empty password");
		return -1;
	default:
		break;
	}
	tok = auth_token_find(req, buf, sizeof(buf));
	cookie = req->user.via_cookie;
	if (tok == NULL) {
		snprintf(why, whysz, "not signed in");
		return -1;
	}
	if (auth_token_verify(tok, cfg.secret, cfg.secret_len, time(NULL), &req->user,
	    why, whysz) != 0)
		return -1;
	req->user.via_cookie = cookie;
	snprintf(idtxt, sizeof(idtxt), "%ld", req->user.id);
	vals[0] = idtxt;
	if ((res = db_exec(req->db, "auth_user", SQL_AUTH_USER, 1, vals)) == NULL)
		return -2;	/* database down: the caller answers 503 */
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);	/* a timeout or overload is not a bad session */
		return -2;
	}
	if (PQntuples(res) != 1)
		snprintf(why, whysz, "unknown user");
	else if (strcmp(PQgetvalue(res, 0, 2), "t") == 0)
		snprintf(why, whysz, "user is disabled");
	else if (atol(PQgetvalue(res, 0, 1)) != req->user.token_version ||
	    role_parse(PQgetvalue(res, 0, 0)) != req->user.role)
		snprintf(why, whysz, "session was ended; sign in again");
	else
		rc = 0;
	PQclear(res);
	if (rc != 0)
		memset(&req->user, 0, sizeof(req->user));
	return rc;
}

/*
 * The audit row of a sign-in (audit.c): res is the account's row
 * (SQL_AUTH_LOGIN), or NULL when the e-mail names no account; reason, for
 * a failure, is unknown_email, wrong_password, disabled or rate_limited
 * (refused before any lookup: no account).  What the client
 * typed is never stored: an unknown e-mail has no target (it may be a
 * password typed in the wrong field), a known one is the account's own
 * e-mail.  A success makes the account req's principal first, so the row
 * names it and the access log too.  Returns what audit_record returns.
 */
static int
auth_audit(struct ns_req *req, const char *action, const PGresult *res, const char *reason)
{
	cJSON	*detail = reason != NULL ? cJSON_CreateObject() : NULL;
	int	 rc;

	if (reason != NULL)
		cJSON_AddStringToObject(detail, "reason", reason);
	if (res != NULL && strcmp(action, "auth.login") == 0) {
		req->user.id = atol(PQgetvalue(res, 0, 0));
		req->user.role = role_parse(PQgetvalue(res, 0, 1));
	}
	rc = audit_record(req, action, res != NULL ? PQgetvalue(res, 0, 6) : NULL, detail);
	cJSON_Delete(detail);
	return rc;
}

static const char SQL_AUTH_LOGIN[] =
    "SELECT id, role, token_version, disabled, password_hash, name, email "
    "FROM app_users WHERE email = lower($1)";	/* e-mails are stored lower-case */

/* Set the session cookie and answer the login body. */
static int
auth_login_reply(struct ns_req *req, PGresult *res, const char *tok, time_t now)
{
	char		 line[NS_MAX_TOKEN + 160], when[32], *text;
	const char	*https = http_header(req, "HTTPS");
	struct tm	 tm;
	time_t		 exp = now + cfg.token_ttl;
	cJSON		*root = cJSON_CreateObject(), *user;

	gmtime_r(&exp, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(line, sizeof(line), "Set-Cookie: " AUTH_COOKIE "=%s; Path=/; Max-Age=%d; "
	    "HttpOnly; SameSite=Strict%s", tok, cfg.token_ttl,
	    https != NULL && strcmp(https, "on") == 0 ? "; Secure" : "");
	http_extra_header(req, line);
	cJSON_AddStringToObject(root, "token", tok);
	cJSON_AddStringToObject(root, "expires_at", when);
	user = cJSON_AddObjectToObject(root, "user");
	cJSON_AddNumberToObject(user, "id", atol(PQgetvalue(res, 0, 0)));
	cJSON_AddStringToObject(user, "email", PQgetvalue(res, 0, 6));
	cJSON_AddStringToObject(user, "name", PQgetvalue(res, 0, 5));
	cJSON_AddStringToObject(user, "role", PQgetvalue(res, 0, 1));
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL)
		return http_error(req, 500, "internal", "out of memory");
	http_json_text(req, 200, text, strlen(text));
	cJSON_free(text);
	return 0;
}

/*
 * Check the credentials in a parsed body, within the sign-in limits
 * (login.c): 0 on success with *res kept; -1 after answering (400, 401,
 * 429 with Retry-After, 503).
 */
static int
auth_login_check(struct ns_req *req, const cJSON *body, PGresult **resp)
{
	const cJSON	*email = cJSON_GetObjectItemCaseSensitive(body, "email");
	const cJSON	*pass = cJSON_GetObjectItemCaseSensitive(body, "password");
	const char	*vals[1];
	PGresult	*res;
	int		 found, ok;

	if (!cJSON_IsString(email) || !cJSON_IsString(pass) ||
	    strlen(email->valuestring) > 254 || strlen(pass->valuestring) > 1024 ||
	    email->valuestring[0] == '\0') {
		http_error(req, 400, "bad_request",
		    "send {\"email\": \"…\", \"password\": \"…\"} (strings, email at most 254 bytes)");
		return -1;
	}
	/* Limited: answered 429 before any password is looked at (login.c); audited without the
	 * account (nothing was looked up), like an unknown e-mail. */
	switch (login_limit_check(req, email->valuestring)) {
	case 0:
		break;
	case 1:
		(void)auth_audit(req, "auth.login_failed", NULL, "rate_limited");
		return -1;
	default:
		return -1;
	}
	vals[0] = email->valuestring;
	if ((res = db_exec(req->db, "auth_login", SQL_AUTH_LOGIN, 1, vals)) == NULL ||
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char	*state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		int		 bad_input = state != NULL && strncmp(state, "22", 2) == 0;

		PQclear(res);
		/* Bytes that are not UTF-8 cannot name a user. */
		if (bad_input)
			http_error(req, 401, "unauthorized", "wrong email or password");
		else
			http_error(req, 503, "db_unavailable", "the database is unavailable; retry shortly");
		return -1;
	}
	found = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	/* Same work whether or not the e-mail exists. */
	ok = auth_password_check(found ? PQgetvalue(res, 0, 4) : auth_dummy_hash,
	    pass->valuestring) == 0;
	if (!found || !ok || strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
		char esc[300];

		log_escape(esc, sizeof(esc), email->valuestring);
		log_msg("warning", "failed login for %s from %s", esc, req->client);
		/* Audited, but a row that cannot be written leaves the answer a 401 (docs/operations.md). */
		(void)auth_audit(req, "auth.login_failed", found ? res : NULL, !found ? "unknown_email" : !ok ? "wrong_password" : "disabled");
		PQclear(res);
		http_error(req, 401, "unauthorized", "wrong email or password");
		return -1;
	}
	login_limit_clear(req, email->valuestring);
	*resp = res;
	return 0;
}

int
auth_login(struct ns_req *req)
{
	size_t		 len;
	char		*raw = http_body_new(req, &len), *tok;
	cJSON		*body;
	PGresult	*res = NULL;
	time_t		 now = time(NULL);

	if (raw == NULL)
		return 0;
	body = cJSON_ParseWithLength(raw, len);
	free(raw);
	if (!cJSON_IsObject(body)) {
		cJSON_Delete(body);
		return http_error(req, 400, "bad_request", "the body is not a JSON object");
	}
	if (auth_login_check(req, body, &res) != 0) {
		cJSON_Delete(body);
		return 0;
	}
	cJSON_Delete(body);
	tok = auth_token_new(cfg.secret, cfg.secret_len, atol(PQgetvalue(res, 0, 0)),
	    role_parse(PQgetvalue(res, 0, 1)), atol(PQgetvalue(res, 0, 2)), now,
	    cfg.token_ttl);
	if (tok == NULL)
		http_error(req, 500, "internal", "could not sign the session token");
	else if (auth_audit(req, "auth.login", res, NULL) != 0)	/* no token without its audit row */
		audit_refuse(req);
	else
		auth_login_reply(req, res, tok, now);
	free(tok);
	PQclear(res);
	return 0;
}

static const char SQL_AUTH_LOGOUT[] =
    "UPDATE app_users SET token_version = token_version + 1 WHERE id = $1";

/* Ends every session of the user: tokens carry the old version. */
int
auth_logout(struct ns_req *req)
{
	char		 idtxt[24];
	const char	*vals[1] = { idtxt };
	PGresult	*res;

	snprintf(idtxt, sizeof(idtxt), "%ld", req->user.id);
	if (audit_record(req, "auth.logout", NULL, NULL) != 0)
		return audit_refuse(req);
	if ((res = db_exec_write(req->db, "auth_logout", SQL_AUTH_LOGOUT, 1, vals)) == NULL)
		return http_error(req, 503, "db_unavailable", "the database is unavailable; retry shortly");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQclear(res);
		return http_error(req, 500, "internal", "could not end the session");
	}
	PQclear(res);
	http_extra_header(req, "Set-Cookie: " AUTH_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	/* The browser's cache holds this user's private answers: drop them. */
	http_extra_header(req, "Clear-Site-Data: \"cache\"");
	return http_json_text(req, 200, "{\"status\":\"signed out\"}", 23);
}

/*
 * has_data: whether the company has any data yet (the app's "No data yet"
 * state); currency: the reporting currency every amount is in (the app's
 * money symbol); data_version: the data version of docs/live.md, which
 * the app sends back as X-Data-Version.
 */
static const char SQL_AUTH_ME[] =
    "SELECT json_build_object('id', id, 'email', email, 'name', name, 'role', role, "
    "'views', $2::json, 'has_data', api.has_data(), 'currency', ns_currency(), "
    "'data_version', api.live_version()) "
    "FROM app_users WHERE id = $1";

int
auth_me(struct ns_req *req)
{
	char		 idtxt[24];
	const char	*vals[2] = { idtxt, role_views_json(req->user.role) };

	snprintf(idtxt, sizeof(idtxt), "%ld", req->user.id);
	return reply_result(req, db_exec(req->db, "auth_me", SQL_AUTH_ME, 2, vals));
}

/*
 * GET /api/auth/live — nginx's auth_request for the live stream
 * (docs/live.md), reached only through nginx's internal location.  The
 * route's own token check has passed (signature, expiry, revocation), so
 * answer the channel this user hears: its own (the publisher sends a
 * role's messages to each user of the role).  Returns what
 * http_json_text returns.
 */
int
auth_live(struct ns_req *req)
{
	char	 line[64];

	snprintf(line, sizeof(line), "X-Live-Channels: user:%ld", req->user.id);
	http_extra_header(req, line);
	return http_json_text(req, 200, "{}", 2);
}
