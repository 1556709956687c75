/*
 * login.c — sign-in limits per account and per address together
 * (docs/reliability.md, "Sign-in limits"; the scheme and its numbers are
 * in services/users/signin.sql).  auth_login() asks login_limit_check()
 * before it looks up the user or checks a password, and calls
 * login_limit_clear() after a right one; this file carries the request's
 * account, address and device cookie to those SQL functions and answers
 * 429.
 *
 * The device cookie (OWASP's "device cookies" against online guessing):
 * a right password sets ns_device, a token signed with the JWT secret for
 * that e-mail (case folded), valid 30 days, sent only to the sign-in
 * endpoint.  An attempt that carries a valid one for the e-mail it names
 * is counted under the device, not the address: a guesser behind the same
 * NAT or proxy as the real user, who has no such cookie, cannot hold the
 * user's browser back.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>

#include "internal.h"

#define LOGIN_DEVICE_COOKIE	"ns_device"
#define LOGIN_DEVICE_DAYS	30
#define LOGIN_DEVICE_PREFIX	"ns_device\n"	/* the MAC's domain: no other token verifies */

/* src (at most 254 bytes) with ASCII letters folded to lower case, into dst. */
static void
login_fold(char *dst, size_t dstsz, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < dstsz; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static int
login_hex_valid(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return s[n] == '\0' || s[n] == '.';
}

int
login_device_token(const unsigned char *key, size_t keylen, const char *email, time_t exp,
    const char *nonce, char *out, size_t outsz)
{
	char		 folded[256], msg[320];
	unsigned char	 mac[NS_WEBHOOK_MAC_LEN];
	int		 n, o, i;

	if (strlen(nonce) != LOGIN_DEVICE_NONCE_HEX || !login_hex_valid(nonce, LOGIN_DEVICE_NONCE_HEX) ||
	    strlen(email) > 254 || exp < 0)
		return -1;
	login_fold(folded, sizeof(folded), email);
	n = snprintf(msg, sizeof(msg), "%s\n%lld\n%s", folded, (long long)exp, nonce);
	if (n < 0 || (size_t)n >= sizeof(msg) ||
	    webhook_hmac_sha256(key, keylen, LOGIN_DEVICE_PREFIX, (const unsigned char *)msg,
	    (size_t)n, mac) != 0)
		return -1;
	o = snprintf(out, outsz, "%lld.%s.", (long long)exp, nonce);
	if (o < 0 || (size_t)o + 2 * NS_WEBHOOK_MAC_LEN >= outsz) {
		OPENSSL_cleanse(mac, sizeof(mac));
		return -1;
	}
	for (i = 0; i < NS_WEBHOOK_MAC_LEN; i++)
		snprintf(out + o + 2 * i, 3, "%02x", mac[i]);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

int
login_device_verify(const unsigned char *key, size_t keylen, const char *email,
    const char *token, time_t now, char *id, size_t idsz)
{
	char		 expect[LOGIN_DEVICE_MAX], nonce[LOGIN_DEVICE_NONCE_HEX + 1], num[24];
	const char	*dot1 = strchr(token, '.'), *dot2;
	size_t		 len = strnlen(token, LOGIN_DEVICE_MAX);
	long		 exp;

	if (len >= LOGIN_DEVICE_MAX || dot1 == NULL || (size_t)(dot1 - token) >= sizeof(num) ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    dot2 - dot1 - 1 != LOGIN_DEVICE_NONCE_HEX || idsz <= LOGIN_DEVICE_NONCE_HEX)
		return -1;
	memcpy(num, token, (size_t)(dot1 - token));
	num[dot1 - token] = '\0';
	memcpy(nonce, dot1 + 1, LOGIN_DEVICE_NONCE_HEX);
	nonce[LOGIN_DEVICE_NONCE_HEX] = '\0';
	if (param_int_valid(num, 0, 4102444800L, &exp) != 0 || exp < now ||
	    login_device_token(key, keylen, email, (time_t)exp, nonce, expect, sizeof(expect)) != 0 ||
	    strlen(expect) != len || CRYPTO_memcmp(expect, token, len) != 0)
		return -1;
	memcpy(id, nonce, LOGIN_DEVICE_NONCE_HEX + 1);
	return 0;
}

/*
 * The device id of the request's ns_device cookie when it is valid for
 * email, into id (LOGIN_DEVICE_NONCE_HEX + 1 bytes); NULL otherwise.
 */
static const char *
login_device_of(const struct ns_req *req, const char *email, char *id, size_t idsz)
{
	char	 tok[LOGIN_DEVICE_MAX];

	if (http_cookie(req, LOGIN_DEVICE_COOKIE, tok, sizeof(tok)) != 1 ||
	    login_device_verify(cfg.secret, cfg.secret_len, email, tok, time(NULL), id, idsz) != 0)
		return NULL;
	return id;
}

/*
 * Queue the Set-Cookie of a new device token for email (a right
 * password).  Nothing is set when no token could be made (logged): the
 * browser is then counted by its address, as without cookies.
 */
static void
login_device_set(struct ns_req *req, const char *email)
{
	unsigned char	 rnd[LOGIN_DEVICE_NONCE_HEX / 2];
	char		 nonce[LOGIN_DEVICE_NONCE_HEX + 1], tok[LOGIN_DEVICE_MAX], line[LOGIN_DEVICE_MAX + 160];
	const char	*https = http_header(req, "HTTPS");
	size_t		 i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		log_msg("error", "no random bytes for a device cookie");
		return;
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
	if (login_device_token(cfg.secret, cfg.secret_len, email,
	    time(NULL) + LOGIN_DEVICE_DAYS * 86400, nonce, tok, sizeof(tok)) != 0) {
		log_msg("error", "could not sign a device cookie");
		return;
	}
	snprintf(line, sizeof(line), "Set-Cookie: " LOGIN_DEVICE_COOKIE "=%s; Path=/api/auth/login; "
	    "Max-Age=%d; HttpOnly; SameSite=Strict%s", tok, LOGIN_DEVICE_DAYS * 86400,
	    https != NULL && strcmp(https, "on") == 0 ? "; Secure" : "");
	http_extra_header(req, line);
}

/*
 * The client address as SQL will key it: REMOTE_ADDR (nginx's
 * $remote_addr, fastcgi_params) when it is an IPv4 or IPv6 address, else
 * NULL (one shared key for "no address": a unix-socket client, TCP mode
 * without nginx).
 */
static const char *
login_addr_text(const struct ns_req *req)
{
	unsigned char	 buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, req->client, buf) == 1 || inet_pton(AF_INET6, req->client, buf) == 1)
		return req->client;
	return NULL;
}

int
login_limit_check(struct ns_req *req, const char *email)
{
	char		 base[16], max[16], line[48], esc[300], id[LOGIN_DEVICE_NONCE_HEX + 1];
	struct ns_arg	 args[5] = { { "p_email", email }, { "p_addr", login_addr_text(req) },
			    { "p_base_s", base }, { "p_max_s", max },
			    { "p_device", login_device_of(req, email, id, sizeof(id)) } };
	PGresult	*res;
	long		 wait;

	snprintf(base, sizeof(base), "%d", cfg.login_delay_base_s);
	snprintf(max, sizeof(max), "%d", cfg.login_delay_max_s);
	/* A write (it counts the attempt): never re-sent after a lost connection. */
	res = db_call(req->db, NS_DB_WRITE, NULL, "login_limit_check", args, 5);
	if (res == NULL) {
		http_error(req, 503, "db_unavailable", "the database is unavailable; retry shortly");
		return -1;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    param_int_valid(PQgetvalue(res, 0, 0), 0, 86400L * 366, &wait) != 0) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		/* Bytes that are not UTF-8 cannot name a user (as auth_login says). */
		if (state != NULL && strncmp(state, "22", 2) == 0)
			http_error(req, 401, "unauthorized", "wrong email or password");
		else
			reply_error(req, res);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	if (wait == 0)
		return 0;
	log_escape(esc, sizeof(esc), email);
	log_msg("warning", "sign-in limited for %s from %s: retry in %ld s", esc, req->client, wait);
	snprintf(line, sizeof(line), "Retry-After: %ld", wait);
	http_extra_header(req, line);
	http_error(req, 429, "too_many_requests", "too many failed sign-ins for this account; "
	    "try again in %ld seconds (Retry-After); this attempt was not checked", wait);
	return 1;
}

int
login_limit_clear(struct ns_req *req, const char *email)
{
	char		 id[LOGIN_DEVICE_NONCE_HEX + 1];
	struct ns_arg	 args[3] = { { "p_email", email }, { "p_addr", login_addr_text(req) },
			    { "p_device", login_device_of(req, email, id, sizeof(id)) } };
	PGresult	*res = db_call(req->db, NS_DB_WRITE, NULL, "login_limit_clear", args, 3);
	int		 rc = 0;

	/* A browser that had no valid device cookie for this account gets one. */
	if (args[2].text == NULL)
		login_device_set(req, email);

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg("error", "login_limit_clear failed: %s",
		    res != NULL ? db_error_message(NULL, res) : "database unreachable");
		rc = -1;
	}
	PQclear(res);
	return rc;
}
