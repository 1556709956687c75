/* route.c — match a request path against a service's routing table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Does path match pattern?  "{id}" matches one segment of 1–18 digits
 * that is not zero; it is stored in *id.
 */
static int
route_path_match(const char *pattern, const char *path, long *id)
{
	while (*pattern != '\0') {
		if (strncmp(pattern, "{id}", 4) == 0) {
			long	 v = 0;
			int	 digits = 0;

			while (*path >= '0' && *path <= '9') {
				if (++digits > 18)
					return 0;	/* before it could overflow */
				v = v * 10 + (*path++ - '0');
			}
			if (digits == 0 || v == 0)
				return 0;
			*id = v;
			pattern += 4;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return *path == '\0';
}

const struct ns_route *
route_match(const struct ns_route *routes, const char *method, const char *path,
    long *path_id, int *wrong_method)
{
	const struct ns_route	*r;

	*wrong_method = 0;
	*path_id = 0;
	for (r = routes; r->method != NULL; r++) {
		long id = 0;

		if (!route_path_match(r->pattern, path, &id))
			continue;
		if (strcmp(r->method, method) != 0 &&
		    !(strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
			*wrong_method = 1;
			continue;
		}
		*path_id = id;
		return r;
	}
	return NULL;
}

/* SQL types a value of each kind may be passed as (values are sent as text). */
static const char *const route_t_int[] = { "integer", "bigint", "smallint", "numeric", "text", NULL };
static const char *const route_t_num[] = { "numeric", "double precision", "real", "text", NULL };
static const char *const route_t_date[] = { "date", "text", NULL };
static const char *const route_t_text[] = { "text", "character varying", NULL };
static const char *const route_t_id[] = { "integer", "bigint", NULL };
static const char *const route_t_body[] = { "text", "json", "jsonb", NULL };

static const char *const *
route_ptype_sql(enum ns_ptype t)
{
	switch (t) {
	case NS_P_INT: return route_t_int;
	case NS_P_NUM: return route_t_num;
	case NS_P_DATE: return route_t_date;
	default: return route_t_text;
	}
}

static size_t
route_decl_add(struct ns_argdecl *out, size_t n, size_t max, const char *name,
    const char *const *types, const char *value)
{
	if (n >= max)
		return n;
	snprintf(out[n].name, sizeof(out[n].name), "p_%s", name);
	out[n].types = types;
	out[n].value = value;
	return n + 1;
}

/*
 * The named arguments route r passes to its function, in a fixed order:
 * p_user, p_role, the declared parameters, p_from/p_to/p_days, p_as_of,
 * p_id, p_body.  With req, each carries the request's value (req->vals
 * in declaration order, as param.c fills them); without, a declared
 * parameter carries its default (NULL when it has none), the rest NULL.
 */
size_t
route_arg_decls(const struct ns_route *r, const struct ns_req *req, struct ns_argdecl *out,
    size_t max)
{
	static const char *const range[] = { "from", "to", "days" };
	const struct ns_param	*p;
	size_t			 n = 0, v = 0;

	n = route_decl_add(out, n, max, "user", route_t_id, req != NULL ? req->uidbuf : NULL);
	n = route_decl_add(out, n, max, "role", route_t_text, req != NULL && req->user.id != 0 ?
	    role_name(req->user.role) : NULL);
	for (p = r->params; p != NULL && p->name != NULL; p++, v++)
		n = route_decl_add(out, n, max, p->name, route_ptype_sql(p->type),
		    req != NULL ? req->vals[v].text : p->def);
	if (r->flags & NS_F_RANGE)
		for (size_t i = 0; i < 3; i++, v++)
			n = route_decl_add(out, n, max, range[i], i < 2 ? route_t_date : route_t_int,
			    req != NULL ? req->vals[v].text : NULL);
	if (r->flags & NS_F_ASOF)
		n = route_decl_add(out, n, max, "as_of", route_t_date,
		    req != NULL ? req->vals[v].text : NULL);
	if (strstr(r->pattern, "{id}") != NULL)
		n = route_decl_add(out, n, max, "id", route_t_id, req != NULL ? req->idbuf : NULL);
	if (r->flags & NS_F_BODY)
		n = route_decl_add(out, n, max, "body", route_t_body, NULL);
	return n;
}

size_t
route_args(struct ns_req *req, struct ns_arg *args, size_t max)
{
	size_t	 n, i;

	snprintf(req->uidbuf, sizeof(req->uidbuf), "%ld", req->user.id);
	snprintf(req->idbuf, sizeof(req->idbuf), "%ld", req->path_id);
	n = route_arg_decls(req->route, req, req->argdecls, NS_MAX_ARGS);
	for (i = 0; i < n && i < max; i++) {
		/* p_body is the handler's to pass (reply_call's extra). */
		if (strcmp(req->argdecls[i].name, "p_body") == 0)
			break;
		args[i].name = req->argdecls[i].name;
		args[i].text = req->argdecls[i].value;
	}
	return i;
}

/*
 * Every input argument of fn as "name type[=]" lines ('=' when it has a
 * default), its return type and whether it returns a set; NULL name when
 * fn does not exist or is overloaded (to_regproc answers NULL for both).
 */
static const char ROUTE_PROC_SQL[] =
    "SELECT f.prorettype::regtype::text, f.proretset, "
    "  coalesce(string_agg(a.name || ' ' || format_type(a.typ, NULL) || "
    "    CASE WHEN a.ord > f.pronargs - f.pronargdefaults THEN '=' ELSE '' END, "
    "    E'\\n' ORDER BY a.ord), '') "
    "FROM pg_proc f LEFT JOIN LATERAL ("
    "  SELECT row_number() OVER () AS ord, coalesce(u.n, '') AS name, u.t AS typ "
    "  FROM unnest(coalesce(f.proallargtypes, f.proargtypes::oid[]), "
    "    coalesce(f.proargmodes, array_fill('i'::\"char\", ARRAY[f.pronargs])), "
    "    coalesce(f.proargnames, array_fill(''::text, ARRAY[f.pronargs]))) AS u(t, m, n) "
    "  WHERE u.m IN ('i', 'b', 'v')) a ON true "
    "WHERE f.oid = to_regproc($1)::oid GROUP BY f.oid, f.prorettype, f.proretset";

/* Is type one of types? */
static int
route_type_ok(const char *type, const char *const *types)
{
	for (; *types != NULL; types++)
		if (strcmp(*types, type) == 0)
			return 1;
	return 0;
}

/*
 * Check one route against its function's signature (lines as
 * ROUTE_PROC_SQL gives them).  0, or -1 with the reason in why.
 */
static int
route_signature_check(const struct ns_route *r, const char *ret, const char *retset,
    char *sig, char *why, size_t whysz)
{
	struct ns_argdecl	 decl[NS_MAX_ARGS];
	size_t			 n = route_arg_decls(r, NULL, decl, NS_MAX_ARGS), i;
	char			*line, *save = NULL;

	if (strcmp(retset, "t") == 0 || (strcmp(ret, "json") != 0 && strcmp(ret, "jsonb") != 0)) {
		snprintf(why, whysz, "%s returns %s%s, not one json value", r->fn,
		    strcmp(retset, "t") == 0 ? "a set of " : "", ret);
		return -1;
	}
	for (i = 0; i < n; i++) {
		size_t len = strlen(decl[i].name);
		const char *hit = NULL;

		for (line = sig; line != NULL && *line != '\0'; line = strchr(line, '\n')) {
			if (*line == '\n')
				line++;
			if (strncmp(line, decl[i].name, len) == 0 && line[len] == ' ') {
				hit = line + len + 1;
				break;
			}
		}
		if (hit == NULL) {
			snprintf(why, whysz, "%s has no argument %s", r->fn, decl[i].name);
			return -1;
		}
		{
			char type[64];
			size_t tl = strcspn(hit, "=\n");

			snprintf(type, sizeof(type), "%.*s", (int)(tl < sizeof(type) ? tl : sizeof(type) - 1), hit);
			if (!route_type_ok(type, decl[i].types)) {
				snprintf(why, whysz, "%s argument %s is %s, which the route's value "
				    "(%s) cannot be", r->fn, decl[i].name, type, decl[i].types[0]);
				return -1;
			}
		}
	}
	/* Every argument without a default must be given. */
	for (line = strtok_r(sig, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		size_t nl = strcspn(line, " ");

		if (line[strlen(line) - 1] == '=')
			continue;
		for (i = 0; i < n; i++)
			if (strlen(decl[i].name) == nl && strncmp(decl[i].name, line, nl) == 0)
				break;
		if (i == n) {
			snprintf(why, whysz, "%s needs argument %.*s, which the route does not pass",
			    r->fn, (int)nl, line);
			return -1;
		}
	}
	return 0;
}

int
route_check(PGconn *conn, const struct ns_route *routes, char *why, size_t whysz)
{
	const struct ns_route	*r;

	for (r = routes; r->method != NULL; r++) {
		const char	*vals[1] = { r->fn };
		PGresult	*res;
		char		 reason[256];
		int		 bad;

		if (r->fn == NULL)
			continue;
		res = PQexecParams(conn, ROUTE_PROC_SQL, 1, NULL, vals, NULL, NULL, 0);
		if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
			snprintf(why, whysz, "route %s %s: cannot read pg_proc: %s", r->method,
			    r->pattern, db_error_message(conn, res));
			PQclear(res);
			return -2;
		}
		if (PQntuples(res) != 1) {
			snprintf(reason, sizeof(reason), "function %s does not exist (or is "
			    "overloaded)", r->fn);
			bad = 1;
		} else {
			char *sig = strdup(PQgetvalue(res, 0, 2));

			bad = sig == NULL || route_signature_check(r, PQgetvalue(res, 0, 0),
			    PQgetvalue(res, 0, 1), sig, reason, sizeof(reason)) != 0;
			if (sig == NULL)
				snprintf(reason, sizeof(reason), "out of memory");
			free(sig);
		}
		PQclear(res);
		if (bad) {
			snprintf(why, whysz, "route %s %s does not match its SQL: %s", r->method,
			    r->pattern, reason);
			return -1;
		}
	}
	return 0;
}
