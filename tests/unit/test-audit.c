/* test-audit.c — common/audit.c: the command line's audit filters (validated as the API's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

static char err[400];

/* audit_list_conn without a database: NULL when a filter is refused, else a (failed) result. */
static int
filters_pass(int argc, char *const argv[])
{
	PGresult *res;

	err[0] = '\0';
	if ((res = audit_list_conn(NULL, argc, argv, err, sizeof(err))) == NULL)
		return 0;
	PQclear(res);
	return 1;
}

static void
valid_filters_reach_the_database(void **state)
{
	char *const argv[] = { "action=auth.login", "actor_type=cli", "actor_id=7", "from=2026-12-01",
	    "to=2026-12-02", "after=1", "before=99", "limit=500" };

	(void)state;
	assert_true(filters_pass(8, argv));
	assert_true(filters_pass(0, NULL));
}

static void
bad_filters_are_refused_naming_them(void **state)
{
	char *const action[] = { "action=auth.nope" };
	char *const id[] = { "actor_id=0" };
	char *const day[] = { "from=2026-02-30" };
	char *const limit[] = { "limit=501" };
	char *const unknown[] = { "who=me" };
	char *const twice[] = { "after=1", "after=2" };

	(void)state;
	assert_false(filters_pass(1, action));
	assert_non_null(strstr(err, "parameter 'action' must be one of auth.login, auth.login_failed"));
	assert_false(filters_pass(1, id));
	assert_non_null(strstr(err, "'actor_id'"));
	assert_false(filters_pass(1, day));
	assert_non_null(strstr(err, "'from'"));
	assert_false(filters_pass(1, limit));
	assert_non_null(strstr(err, "'limit'"));
	assert_false(filters_pass(1, unknown));
	assert_non_null(strstr(err, "unknown parameter 'who'"));
	assert_false(filters_pass(2, twice));
	assert_non_null(strstr(err, "'after' is given more than once"));
}

static void
a_filter_is_name_equals_value(void **state)
{
	char *const argv[] = { "auth.login" };

	(void)state;
	assert_false(filters_pass(1, argv));
	assert_non_null(strstr(err, "is not a filter: give NAME=VALUE"));
}

/* A value is one value: '&', '=', '%' and '+' in it are encoded, never new parameters. */
static void
values_cannot_smuggle_parameters(void **state)
{
	char *const amp[] = { "action=auth.login&limit=999" };
	char *const pct[] = { "action=auth%2elogin" };
	char *const plus[] = { "action=auth+login" };

	(void)state;
	assert_false(filters_pass(1, amp));
	assert_non_null(strstr(err, "parameter 'action' must be one of"));
	assert_false(filters_pass(1, pct));	/* not decoded to auth.login */
	assert_non_null(strstr(err, "parameter 'action'"));
	assert_false(filters_pass(1, plus));
	assert_non_null(strstr(err, "parameter 'action'"));
}

static void
overlong_filters_are_refused(void **state)
{
	static char big[3000];
	char *const argv[] = { big };

	(void)state;
	memcpy(big, "action=", 7);
	memset(big + 7, '\xff', sizeof(big) - 8);	/* each byte takes three when encoded */
	assert_false(filters_pass(1, argv));
	assert_non_null(strstr(err, "too long"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_filters_reach_the_database),
		cmocka_unit_test(bad_filters_are_refused_naming_them),
		cmocka_unit_test(a_filter_is_name_equals_value),
		cmocka_unit_test(values_cannot_smuggle_parameters),
		cmocka_unit_test(overlong_filters_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
