/* test-csvread.c — common/csvread.c: RFC 4180 records, their lines, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "csvread.h"

/* Reads every record of text into "a|b|c@LINE;" form (fields joined by |), or "ERR:code@line". */
static void
read_all(const char *text, char *out, size_t outsz)
{
	FILE		*fp = fmemopen((void *)text, strlen(text), "r");
	struct csvread	*r = csvread_new(fp);
	char *const	*f;
	size_t		 n, i, o = 0;
	unsigned long	 line;
	int		 rc;

	out[0] = '\0';
	while ((rc = csvread_next(r, &f, &n, &line)) == 1) {
		for (i = 0; i < n; i++)
			o += (size_t)snprintf(out + o, outsz - o, "%s%s", i ? "|" : "", f[i]);
		o += (size_t)snprintf(out + o, outsz - o, "@%lu;", line);
	}
	if (rc < 0)
		snprintf(out + o, outsz - o, "ERR:%d@%lu", (int)csvread_errno(r), csvread_errline(r));
	csvread_free(r);
	fclose(fp);
}

static void
quoted_fields_keep_commas_quotes_and_line_breaks(void **state)
{
	char	 out[512];

	(void)state;
	read_all("id,Name\r\n1,\"Doe, \"\"Jane\"\"\"\r\n2,\"two\r\nlines\"\r\n3,x\r\n", out, sizeof(out));
	/* record 2 starts on line 3 and spans lines 3-4, so record 3 is on line 5 */
	assert_string_equal(out, "id|Name@1;1|Doe, \"Jane\"@2;2|two\r\nlines@3;3|x@5;");
}

static void
a_bom_is_skipped_and_blank_lines_do_not_count_as_records(void **state)
{
	char	 out[256];

	(void)state;
	read_all("\xEF\xBB\xBF" "Date,USD\n\n2026-01-02,1.09\n\n\n2026-01-03,1.10", out, sizeof(out));
	assert_string_equal(out, "Date|USD@1;2026-01-02|1.09@3;2026-01-03|1.10@6;");
}

static void
empty_fields_and_a_trailing_comma_are_fields(void **state)
{
	char	 out[256];

	(void)state;
	read_all("a,,b,\n,\n", out, sizeof(out));
	assert_string_equal(out, "a||b|@1;|@2;");
}

static void
a_lone_cr_ends_a_record_and_a_quote_inside_an_unquoted_field_is_kept(void **state)
{
	char	 out[256];

	(void)state;
	read_all("a,b\r'7500\"8,c\r", out, sizeof(out));
	assert_string_equal(out, "a|b@1;'7500\"8|c@2;");
}

static void
an_unclosed_quote_is_reported_on_the_line_it_opens(void **state)
{
	char	 out[256];

	(void)state;
	read_all("a,b\n1,\"never\nclosed\n", out, sizeof(out));
	assert_string_equal(out, "a|b@1;ERR:1@2");
}

static void
text_after_a_closing_quote_is_an_error_on_its_line(void **state)
{
	char	 out[256];

	(void)state;
	read_all("a\n\"x\"y\n", out, sizeof(out));
	assert_string_equal(out, "a@1;ERR:2@2");
}

static void
a_nul_byte_is_an_error(void **state)
{
	static const char	 text[] = "a,b\n1,\0\n";
	FILE			*fp = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct csvread		*r = csvread_new(fp);
	char *const		*f;
	size_t			 n;
	unsigned long		 line;

	(void)state;
	assert_int_equal(csvread_next(r, &f, &n, &line), 1);
	assert_int_equal(csvread_next(r, &f, &n, &line), -1);
	assert_int_equal(csvread_errno(r), CSVREAD_ENUL);
	assert_int_equal(csvread_errline(r), 2);
	assert_non_null(strstr(csvread_strerror(CSVREAD_ENUL), "UTF-8"));
	csvread_free(r);
	fclose(fp);
}

static void
the_offset_counts_every_byte_read(void **state)
{
	static const char	 text[] = "\xEF\xBB\xBFid\r\n\"1\"\r\n";
	FILE			*fp = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct csvread		*r = csvread_new(fp);
	char *const		*f;
	size_t			 n;
	unsigned long		 line;

	(void)state;
	while (csvread_next(r, &f, &n, &line) == 1)
		;
	assert_int_equal(csvread_offset(r), sizeof(text) - 1);	/* 3 + 4 + 5 = 12 */
	csvread_free(r);
	fclose(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quoted_fields_keep_commas_quotes_and_line_breaks),
		cmocka_unit_test(a_bom_is_skipped_and_blank_lines_do_not_count_as_records),
		cmocka_unit_test(empty_fields_and_a_trailing_comma_are_fields),
		cmocka_unit_test(a_lone_cr_ends_a_record_and_a_quote_inside_an_unquoted_field_is_kept),
		cmocka_unit_test(an_unclosed_quote_is_reported_on_the_line_it_opens),
		cmocka_unit_test(text_after_a_closing_quote_is_an_error_on_its_line),
		cmocka_unit_test(a_nul_byte_is_an_error),
		cmocka_unit_test(the_offset_counts_every_byte_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
