/*
 * login.c — sign-in limits per account and per address together
 * (docs/reliability.md, "Sign-in limits"; the scheme and its numbers are
 * in services/users/signin.sql).  auth_login() asks login_limit_check()
 * before it looks up the user or checks a password, and calls
 * login_limit_clear() after a right one; this file only carries the
 * request's account and address to those SQL functions and answers 429.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
	char		 base[16], max[16], line[48], esc[300];
	struct ns_arg	 args[4] = { { "p_email", email }, { "p_addr", login_addr_text(req) },
			    { "p_base_s", base }, { "p_max_s", max } };
	PGresult	*res;
	long		 wait;

	snprintf(base, sizeof(base), "%d", cfg.login_delay_base_s);
	snprintf(max, sizeof(max), "%d", cfg.login_delay_max_s);
	/* A write (it counts the attempt): never re-sent after a lost connection. */
	res = db_call(req->db, NS_DB_WRITE, NULL, "login_limit_check", args, 4);
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
	struct ns_arg	 args[2] = { { "p_email", email }, { "p_addr", login_addr_text(req) } };
	PGresult	*res = db_call(req->db, NS_DB_WRITE, NULL, "login_limit_clear", args, 2);
	int		 rc = 0;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg("error", "login_limit_clear failed: %s",
		    res != NULL ? db_error_message(NULL, res) : "database unreachable");
		rc = -1;
	}
	PQclear(res);
	return rc;
}
