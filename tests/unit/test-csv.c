/* test-csv.c — common/csv.c and http_etag: the CSV export and ETags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

static void
rows_become_csv_with_header(void **state)
{
	static const char json[] =
	    "{\"total\":2,\"rows\":[{\"month\":\"2026-01-01\",\"mrr\":1234.50,\"note\":null},"
	    "{\"month\":\"2026-02-01\",\"mrr\":-3.10,\"note\":\"a \\\"quoted\\\", text\"}]}";
	size_t	 len, rows = 99;
	char	*csv = csv_from_json_new(json, sizeof(json) - 1, "rows", &len, &rows);

	(void)state;
	assert_non_null(csv);
	assert_int_equal(rows, 2);	/* the two objects, the header not counted (the audit row's "rows") */
	assert_string_equal(csv,
	    "\"month\",\"mrr\",\"note\"\r\n"
	    "\"2026-01-01\",1234.5,\r\n"
	    "\"2026-02-01\",-3.1,\"a \"\"quoted\"\", text\"\r\n");
	assert_int_equal(len, strlen(csv));
	free(csv);
}

static void
formula_cells_are_neutralised(void **state)
{
	static const char json[] = "{\"rows\":[{\"name\":\"=HYPERLINK(1)\"},{\"name\":\"@x\"}]}";
	size_t	 len;
	char	*csv = csv_from_json_new(json, sizeof(json) - 1, "rows", &len, NULL);

	(void)state;
	assert_string_equal(csv, "\"name\"\r\n\"'=HYPERLINK(1)\"\r\n\"'@x\"\r\n");
	free(csv);
}

static void
missing_array_gives_null(void **state)
{
	size_t len;

	(void)state;
	assert_null(csv_from_json_new("{\"rows\":3}", 10, "rows", &len, NULL));
	assert_null(csv_from_json_new("not json", 8, "rows", &len, NULL));
}

static void
rows_that_are_not_objects_give_null(void **state)
{
	size_t len;

	(void)state;
	assert_null(csv_from_json_new("{\"rows\":[[1,2],[3]]}", 19, "rows", &len, NULL));
}

static void
empty_array_gives_empty_csv(void **state)
{
	size_t	 len, rows = 99;
	char	*csv = csv_from_json_new("{\"rows\":[]}", 11, "rows", &len, &rows);

	(void)state;
	assert_non_null(csv);
	assert_int_equal(len, 0);
	assert_int_equal(rows, 0);
	free(csv);
}

static void
etag_depends_on_every_byte(void **state)
{
	char		 a[] = "abc", b[] = "abc";
	uint64_t	 tag = http_etag(a, 3);
	size_t		 i;

	(void)state;
	assert_true(http_etag("{\"a\":1}", 7) != http_etag("{\"a\":2}", 7));
	/* Deterministic: the same bytes in another buffer, the same tag. */
	assert_true(http_etag(b, 3) == tag);
	/* A change of one byte, at any position, changes the tag. */
	for (i = 0; i < 3; i++) {
		b[i] ^= 0x01;
		assert_true(http_etag(b, 3) != tag);
		b[i] ^= 0x01;
	}
	assert_true(http_etag(b, 3) == tag);
	/* Published FNV-1a 64 vectors: "" is the offset basis, "a" is 0xaf63dc4c8601ec8c. */
	assert_true(http_etag("", 0) == 0xcbf29ce484222325ULL);
	assert_true(http_etag("a", 1) == 0xaf63dc4c8601ec8cULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_become_csv_with_header),
		cmocka_unit_test(formula_cells_are_neutralised),
		cmocka_unit_test(missing_array_gives_null),
		cmocka_unit_test(rows_that_are_not_objects_give_null),
		cmocka_unit_test(empty_array_gives_empty_csv),
		cmocka_unit_test(etag_depends_on_every_byte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
