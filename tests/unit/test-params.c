/* test-params.c — common/param.c: query parsing and declarative validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "internal.h"

static const char *const gran[] = { "day", "week", "month", NULL };
static const struct ns_param params[] = {
	{ "months", NS_P_INT, 1, 24, NULL, "12" },
	{ "granularity", NS_P_ENUM, 0, 0, gran, "day" },
	{ "tag", NS_P_WORD, 0, 16, NULL, NULL },
	{ "growth_pct", NS_P_NUM, -50, 100, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};
static const struct ns_route route = { "GET", "/api/x", NS_ROLES_ALL, params,
	NS_F_RANGE | NS_F_CSV | NS_F_ASOF, 30, "api.x", "rows", NULL };

static struct ns_req req;
static char err[320];

static int
parse(const char *q)
{
	memset(&req, 0, sizeof(req));
	req.route = &route;
	err[0] = '\0';
	return param_parse(&req, q, err, sizeof(err));
}

static void
defaults_apply_when_absent(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_string_equal(param_get(&req, "months"), "12");
	assert_string_equal(param_get(&req, "granularity"), "day");
	assert_null(param_get(&req, "tag"));
	assert_null(param_get(&req, "from"));
	assert_int_equal(req.want_csv, 0);
}

static void
valid_values_are_kept_decoded(void **state)
{
	(void)state;
	assert_int_equal(parse("months=6&granularity=week&tag=spring%2D2026&from=2026-01-01&to=2026-02-28&format=csv"), 0);
	assert_string_equal(param_get(&req, "months"), "6");
	assert_string_equal(param_get(&req, "tag"), "spring-2026");
	assert_string_equal(param_get(&req, "to"), "2026-02-28");
	assert_int_equal(req.want_csv, 1);
}

static void
unknown_parameter_is_named(void **state)
{
	(void)state;
	assert_int_equal(parse("monhts=6"), -1);
	assert_non_null(strstr(err, "unknown parameter 'monhts'"));
}

static void
repeated_parameter_is_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("months=6&months=7"), -1);
	assert_non_null(strstr(err, "'months' is given more than once"));
}

static void
out_of_range_integer_is_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("months=25"), -1);
	assert_non_null(strstr(err, "'months' must be an integer from 1 to 24"));
	assert_int_equal(parse("months=0"), -1);
	assert_int_equal(parse("months=-1"), -1);
	assert_int_equal(parse("months=1e3"), -1);
	assert_int_equal(parse("months=99999999999999999999999"), -1);
	assert_int_equal(parse("months=6%20"), -1);
}

static void
impossible_dates_are_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("from=2026-02-30"), -1);
	assert_non_null(strstr(err, "'from' must be a real date"));
	assert_int_equal(parse("from=2026-13-01"), -1);
	assert_int_equal(parse("from=2026-1-01"), -1);
	assert_int_equal(parse("as_of=2024-02-29"), 0);
	assert_int_equal(parse("as_of=2023-02-29"), -1);
	assert_int_equal(parse("as_of=1900-02-29"), -1);
	assert_int_equal(parse("as_of=2000-02-29"), 0);
}

static void
reversed_and_huge_ranges_are_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("from=2026-03-01&to=2026-02-01"), -1);
	assert_non_null(strstr(err, "'from' (2026-03-01) is after 'to' (2026-02-01)"));
	assert_int_equal(parse("from=2020-01-01&to=2026-01-01"), -1);
	assert_non_null(strstr(err, "longer than"));
	assert_int_equal(parse("days=30&from=2026-01-01"), -1);
	assert_int_equal(parse("days=0"), -1);
	assert_int_equal(parse("days=1096"), 0);
	assert_int_equal(parse("days=1097"), -1);
}

static void
enum_lists_its_choices(void **state)
{
	(void)state;
	assert_int_equal(parse("granularity=year"), -1);
	assert_non_null(strstr(err, "one of day, week, month"));
}

static void
bad_encoding_and_nul_are_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("tag=%zz"), -1);
	assert_int_equal(parse("tag=a%00b"), -1);
	assert_int_equal(parse("tag=%4"), -1);
	assert_int_equal(parse("tag='%20OR%201=1"), -1);
	assert_int_equal(parse("tag="), -1);
	assert_non_null(strstr(err, "'tag' is empty"));
	assert_int_equal(parse("tag"), -1);
}

static void
words_are_bounded(void **state)
{
	(void)state;
	assert_int_equal(parse("tag=abcdefghijklmnop"), 0);
	assert_int_equal(parse("tag=abcdefghijklmnopq"), -1);
	assert_int_equal(parse("tag=a;b"), -1);
}

static void
numbers_are_bounded_with_decimals(void **state)
{
	(void)state;
	assert_int_equal(parse("growth_pct=2.5"), 0);
	assert_int_equal(parse("growth_pct=-50"), 0);
	assert_int_equal(parse("growth_pct=-50.5"), -1);
	assert_int_equal(parse("growth_pct=100.0"), 0);
	assert_int_equal(parse("growth_pct=100.01"), -1);
	assert_int_equal(parse("growth_pct=1.1234567"), -1);
	assert_int_equal(parse("growth_pct=.5"), -1);
	assert_int_equal(parse("growth_pct=NaN"), -1);
}

static void
overlong_query_is_refused(void **state)
{
	char q[4000];

	(void)state;
	memset(q, 'a', sizeof(q) - 1);
	q[sizeof(q) - 1] = '\0';
	assert_int_equal(parse(q), -1);
	assert_non_null(strstr(err, "longer than"));
}

static void
hostile_name_is_echoed_safely(void **state)
{
	(void)state;
	assert_int_equal(parse("%0d%0aX-Evil=1"), -1);
	assert_null(strchr(err, '\r'));
	assert_null(strchr(err, '\n'));
}

/* YYYY-MM-DD of now + days in the process's zone (TZ), worked out with mktime. */
static void
day_from_now(int days, char *buf, size_t sz)
{
	time_t		 t = time(NULL);
	struct tm	 tm;

	localtime_r(&t, &tm);
	tm.tm_mday += days;
	tm.tm_hour = 12;
	t = mktime(&tm);
	localtime_r(&t, &tm);
	strftime(buf, sz, "%Y-%m-%d", &tm);
}

static void
as_of_after_today_is_refused_with_the_one_message(void **state)
{
	char q[64], today[16], tomorrow[16], want[160];

	(void)state;
	day_from_now(0, today, sizeof(today));
	day_from_now(1, tomorrow, sizeof(tomorrow));
	snprintf(q, sizeof(q), "as_of=%s", tomorrow);
	assert_int_equal(parse(q), -1);
	snprintf(want, sizeof(want), "parameter 'as_of' (%s) is after today (%s in UTC)", tomorrow, today);
	assert_string_equal(err, want);
	snprintf(q, sizeof(q), "as_of=%s", today);
	assert_int_equal(parse(q), 0);
	assert_string_equal(param_get(&req, "as_of"), today);
	assert_int_equal(parse("as_of=2999-12-31"), -1);
}

static void
today_follows_the_reporting_zone(void **state)
{
	char q[64], ahead[16];

	(void)state;
	/* Kiritimati is UTC+14: its today is at least the UTC today, often the next day. */
	setenv("TZ", "Pacific/Kiritimati", 1);
	tzset();
	day_from_now(0, ahead, sizeof(ahead));
	snprintf(q, sizeof(q), "as_of=%s", ahead);
	assert_int_equal(parse(q), 0);
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
days_in_month_knows_leap_years(void **state)
{
	(void)state;
	assert_int_equal(param_days_in_month(2024, 2), 29);
	assert_int_equal(param_days_in_month(2023, 2), 28);
	assert_int_equal(param_days_in_month(1900, 2), 28);
	assert_int_equal(param_days_in_month(2000, 2), 29);
	assert_int_equal(param_days_in_month(2026, 4), 30);
	assert_int_equal(param_days_in_month(2026, 12), 31);
	assert_int_equal(param_days_in_month(2026, 13), 0);
}

static void
utf8_is_checked_strictly(void **state)
{
	size_t bad = 99;

	(void)state;
	assert_int_equal(param_utf8_valid("plain", 5, NULL), 0);
	assert_int_equal(param_utf8_valid("\xc3\xa9t\xc3\xa9", 6, NULL), 0);		/* été */
	assert_int_equal(param_utf8_valid("\xe2\x82\xac", 3, NULL), 0);			/* € */
	assert_int_equal(param_utf8_valid("\xf0\x9f\x98\x80", 4, NULL), 0);		/* U+1F600 */
	assert_int_equal(param_utf8_valid("\xf4\x8f\xbf\xbf", 4, NULL), 0);		/* U+10FFFF */
	assert_int_equal(param_utf8_valid("ab\xff", 3, &bad), -1);
	assert_int_equal(bad, 2);						/* the 0xff at offset 2 */
	assert_int_equal(param_utf8_valid("\xc0\xaf", 2, &bad), -1);		/* overlong '/' */
	assert_int_equal(bad, 0);
	assert_int_equal(param_utf8_valid("\xe0\x80\xaf", 3, NULL), -1);		/* overlong, 3 bytes */
	assert_int_equal(param_utf8_valid("\xed\xa0\x80", 3, NULL), -1);		/* surrogate U+D800 */
	assert_int_equal(param_utf8_valid("\xf4\x90\x80\x80", 4, NULL), -1);	/* U+110000 */
	assert_int_equal(param_utf8_valid("x\xe2\x82", 3, &bad), -1);		/* cut short */
	assert_int_equal(bad, 1);
	assert_int_equal(param_utf8_valid("\xc3(", 2, NULL), -1);			/* bad continuation */
}

static void
invalid_utf8_value_is_named(void **state)
{
	(void)state;
	/* %FF decodes to a lone 0xff byte: refused before the type check, naming the parameter. */
	assert_int_equal(parse("tag=%FF"), -1);
	assert_non_null(strstr(err, "'tag'"));
	assert_non_null(strstr(err, "UTF-8"));
	assert_int_equal(parse("granularity=d%C3%A9y"), -1);			/* valid UTF-8, not a word */
	assert_null(strstr(err, "UTF-8"));
	assert_int_equal(parse("x%FF=1"), -1);
	assert_non_null(strstr(err, "parameter name"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_apply_when_absent),
		cmocka_unit_test(valid_values_are_kept_decoded),
		cmocka_unit_test(unknown_parameter_is_named),
		cmocka_unit_test(repeated_parameter_is_refused),
		cmocka_unit_test(out_of_range_integer_is_refused),
		cmocka_unit_test(impossible_dates_are_refused),
		cmocka_unit_test(reversed_and_huge_ranges_are_refused),
		cmocka_unit_test(enum_lists_its_choices),
		cmocka_unit_test(bad_encoding_and_nul_are_refused),
		cmocka_unit_test(words_are_bounded),
		cmocka_unit_test(numbers_are_bounded_with_decimals),
		cmocka_unit_test(overlong_query_is_refused),
		cmocka_unit_test(hostile_name_is_echoed_safely),
		cmocka_unit_test(as_of_after_today_is_refused_with_the_one_message),
		cmocka_unit_test(today_follows_the_reporting_zone),
		cmocka_unit_test(days_in_month_knows_leap_years),
		cmocka_unit_test(utf8_is_checked_strictly),
		cmocka_unit_test(invalid_utf8_value_is_named),
	};
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
