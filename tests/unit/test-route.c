/* test-route.c — common/route.c: path patterns, methods, {id}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "internal.h"

static const struct ns_route routes[] = {
	{ "GET", "/api/users/summary", NS_ROLES_ALL, NULL, 0, 0, "SELECT 1", NULL, NULL },
	{ "GET", "/api/users/customers/{id}", NS_ROLES_ALL, NULL, 0, 0, "SELECT 2", NULL, NULL },
	{ "POST", "/api/alerts/{id}/ack", NS_ROLES_ALL, NULL, 0, 0, "SELECT 3", NULL, NULL },
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exact_path_matches),
		cmocka_unit_test(id_segment_is_a_positive_integer),
		cmocka_unit_test(wrong_method_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
