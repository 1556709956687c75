/* test-route.c — common/route.c: path patterns, methods, {id}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "internal.h"

static const struct ns_route routes[] = {
	{ "GET", "/api/users/summary", NS_ROLES_ALL, NULL, 0, 0, "api.users_summary", NULL, NULL },
	{ "GET", "/api/users/customers/{id}", NS_ROLES_ALL, NULL, 0, 0, "api.users_customer", NULL, NULL },
	{ "POST", "/api/alerts/{id}/ack", NS_ROLES_ALL, NULL, 0, 0, "api.alerts_ack", NULL, NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static const struct ns_route *
match(const char *m, const char *p, long *id, int *wrong)
{
	return route_match(routes, m, p, id, wrong);
}

static void
exact_path_matches(void **state)
{
	long id; int wrong;

	(void)state;
	assert_ptr_equal(match("GET", "/api/users/summary", &id, &wrong), &routes[0]);
	assert_ptr_equal(match("HEAD", "/api/users/summary", &id, &wrong), &routes[0]);
	assert_null(match("GET", "/api/users/summary/", &id, &wrong));
	assert_null(match("GET", "/api/users/summar", &id, &wrong));
	assert_int_equal(wrong, 0);
}

static void
id_segment_is_a_positive_integer(void **state)
{
	long id; int wrong;

	(void)state;
	assert_ptr_equal(match("GET", "/api/users/customers/42", &id, &wrong), &routes[1]);
	assert_int_equal(id, 42);
	assert_null(match("GET", "/api/users/customers/0", &id, &wrong));
	assert_null(match("GET", "/api/users/customers/-1", &id, &wrong));
	assert_null(match("GET", "/api/users/customers/4x", &id, &wrong));
	assert_null(match("GET", "/api/users/customers/", &id, &wrong));
	assert_null(match("GET", "/api/users/customers/1234567890123456789", &id, &wrong));
	assert_ptr_equal(match("POST", "/api/alerts/7/ack", &id, &wrong), &routes[2]);
	assert_int_equal(id, 7);
}

static void
wrong_method_is_reported(void **state)
{
	long id; int wrong;

	(void)state;
	assert_null(match("DELETE", "/api/users/summary", &id, &wrong));
	assert_int_equal(wrong, 1);
	assert_null(match("GET", "/api/alerts/7/ack", &id, &wrong));
	assert_int_equal(wrong, 1);
}

static const char *const gran[] = { "day", "month", NULL };
static const struct ns_param trend_params[] = {
	{ "granularity", NS_P_ENUM, 0, 0, gran, "day" },
	{ "limit", NS_P_INT, 1, 100, NULL, "10" },
	{ NULL, 0, 0, 0, NULL, NULL }
};
static const struct ns_route trend = { "GET", "/api/x/{id}/trend", NS_ROLES_ALL, trend_params,
	NS_F_RANGE | NS_F_ASOF | NS_F_CSV | NS_F_BODY, 0, "api.x_trend", "rows", NULL };

static void
route_arguments_are_named_from_the_declaration(void **state)
{
	static const char *const want[] = { "p_user", "p_role", "p_granularity", "p_limit",
	    "p_from", "p_to", "p_days", "p_as_of", "p_id", "p_body" };
	/* Without a request, a declared parameter carries its default (--defaults prints them). */
	static const char *const want_value[] = { NULL, NULL, "day", "10",
	    NULL, NULL, NULL, NULL, NULL, NULL };
	struct ns_argdecl	 decl[NS_MAX_ARGS];
	size_t			 n = route_arg_decls(&trend, NULL, decl, NS_MAX_ARGS), i;

	(void)state;
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++) {
		assert_string_equal(decl[i].name, want[i]);
		if (want_value[i] == NULL)
			assert_null(decl[i].value);
		else
			assert_string_equal(decl[i].value, want_value[i]);
	}
	assert_string_equal(decl[4].types[0], "date");	/* p_from */
	assert_string_equal(decl[6].types[0], "integer");	/* p_days */
}

static void
request_values_follow_their_names(void **state)
{
	static struct ns_req	 req;
	struct ns_arg		 args[NS_MAX_ARGS];
	size_t			 n;

	(void)state;
	req.route = &trend;
	req.user.id = 7;
	req.user.role = NS_ROLE_CS;
	req.path_id = 42;
	/* param.c's order: declared, from/to/days, as_of, format. */
	req.vals[0].text = "month";
	req.vals[1].text = "10";
	req.vals[2].text = "2026-01-01";
	req.vals[3].text = NULL;
	req.vals[4].text = NULL;
	req.vals[5].text = "2026-02-28";
	req.vals[6].text = "json";
	req.nvals = 7;
	n = route_args(&req, args, NS_MAX_ARGS);
	assert_int_equal(n, 9);		/* p_body is the handler's */
	assert_string_equal(args[0].name, "p_user");
	assert_string_equal(args[0].text, "7");
	assert_string_equal(args[1].text, "cs");
	assert_string_equal(args[2].name, "p_granularity");
	assert_string_equal(args[2].text, "month");
	assert_string_equal(args[4].name, "p_from");
	assert_string_equal(args[4].text, "2026-01-01");
	assert_null(args[5].text);
	assert_string_equal(args[7].name, "p_as_of");
	assert_string_equal(args[7].text, "2026-02-28");
	assert_string_equal(args[8].name, "p_id");
	assert_string_equal(args[8].text, "42");
}

static void
calls_are_built_with_named_notation(void **state)
{
	const struct ns_arg	 args[] = { { "p_as_of", NULL }, { "p_points", "12" } };
	const struct ns_arg	 evil[] = { { "p_x => 1); DROP TABLE t; --", NULL } };
	char			*sql;

	(void)state;
	sql = db_call_sql_new(NULL, "api.f", args, 2);
	assert_string_equal(sql, "SELECT api.f(p_as_of => $1, p_points => $2)");
	free(sql);
	sql = db_call_sql_new("day::text, value", "api.series", args, 2);
	assert_string_equal(sql, "SELECT day::text, value FROM api.series(p_as_of => $1, p_points => $2)");
	free(sql);
	sql = db_call_sql_new(NULL, "api.g", NULL, 0);
	assert_string_equal(sql, "SELECT api.g()");
	free(sql);
	assert_null(db_call_sql_new(NULL, "api.f", evil, 1));
	assert_null(db_call_sql_new(NULL, "api.f(); --", args, 2));
	assert_null(db_call_sql_new(NULL, "", args, 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exact_path_matches),
		cmocka_unit_test(id_segment_is_a_positive_integer),
		cmocka_unit_test(wrong_method_is_reported),
		cmocka_unit_test(route_arguments_are_named_from_the_declaration),
		cmocka_unit_test(request_values_follow_their_names),
		cmocka_unit_test(calls_are_built_with_named_notation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
