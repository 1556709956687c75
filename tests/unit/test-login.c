/*
 * test-login.c — common/login.c: the device tokens of the sign-in limits.
 *
 * The expected MACs were computed outside this code, with
 *   printf 'ns_device\nana@example.com\n1700000000\n0123456789abcdef' |
 *     openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
 * (and the same for bob@example.com).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
#define KEYLEN	(sizeof(key) - 1)
#define T	1700000000L
#define NONCE	"0123456789abcdef"
#define MAC_ANA	"38678b85f088b963b8a0bfe06d1f5ac18cec70643843a82543a24a67b148ecf8"
#define MAC_BOB	"e3fb5f7ef81881b8e92726d53df24bbe6d00960f8982286ba844f9d1e7baf484"
#define TOK_ANA	"1700000000." NONCE "." MAC_ANA

static void
token_matches_openssl_command_line(void **state)
{
	char out[LOGIN_DEVICE_MAX];

	(void)state;
	assert_int_equal(login_device_token(key, KEYLEN, "ana@example.com", T, NONCE, out,
	    sizeof(out)), 0);
	assert_string_equal(out, TOK_ANA);
	assert_int_equal(login_device_token(key, KEYLEN, "bob@example.com", T, NONCE, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "1700000000." NONCE "." MAC_BOB);
}

static void
email_case_is_folded(void **state)
{
	char out[LOGIN_DEVICE_MAX], id[LOGIN_DEVICE_NONCE_HEX + 1];

	(void)state;
	assert_int_equal(login_device_token(key, KEYLEN, "Ana@Example.COM", T, NONCE, out,
	    sizeof(out)), 0);
	assert_string_equal(out, TOK_ANA);
	assert_int_equal(login_device_verify(key, KEYLEN, "ANA@example.com", TOK_ANA, T - 1, id,
	    sizeof(id)), 0);
	assert_string_equal(id, NONCE);
}

static void
valid_token_verifies_until_it_expires(void **state)
{
	char id[LOGIN_DEVICE_NONCE_HEX + 1];

	(void)state;
	assert_int_equal(login_device_verify(key, KEYLEN, "ana@example.com", TOK_ANA, T, id,
	    sizeof(id)), 0);
	assert_string_equal(id, NONCE);
	assert_int_equal(login_device_verify(key, KEYLEN, "ana@example.com", TOK_ANA, T + 1, id,
	    sizeof(id)), -1);
}

static void
token_for_another_account_or_key_is_refused(void **state)
{
	static const unsigned char other[] = "fedcba9876543210fedcba9876543210";
	char id[LOGIN_DEVICE_NONCE_HEX + 1];

	(void)state;
	assert_int_equal(login_device_verify(key, KEYLEN, "bob@example.com", TOK_ANA, T, id,
	    sizeof(id)), -1);
	assert_int_equal(login_device_verify(other, sizeof(other) - 1, "ana@example.com", TOK_ANA,
	    T, id, sizeof(id)), -1);
}

static void
tampered_or_malformed_tokens_are_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"1700000000",
		"1700000000." NONCE,
		"1700000000." NONCE ".",
		"1700000001." NONCE "." MAC_ANA,			/* later expiry */
		"1700000000.0123456789abcdee." MAC_ANA,		/* other nonce */
		"1700000000." NONCE "." MAC_BOB,			/* another MAC */
		"1700000000." NONCE "." MAC_ANA "0",			/* too long */
		"1700000000." NONCE ".38678B85F088B963B8A0BFE06D1F5AC18CEC70643843A82543A24A67B148ECF8",
		"1700000000.0123456789ABCDEF.38678b85f088b963b8a0bfe06d1f5ac18cec70643843a82543a24a67b148ecf8",
		"-1." NONCE "." MAC_ANA,
		"+1700000000." NONCE "." MAC_ANA,
		"99999999999999999999999999." NONCE "." MAC_ANA,
	};
	char	 id[LOGIN_DEVICE_NONCE_HEX + 1];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(login_device_verify(key, KEYLEN, "ana@example.com", bad[i], T, id,
		    sizeof(id)), -1);
}

static void
bad_arguments_make_no_token(void **state)
{
	char	out[LOGIN_DEVICE_MAX], longmail[300];

	(void)state;
	assert_int_equal(login_device_token(key, KEYLEN, "ana@example.com", T, "0123", out,
	    sizeof(out)), -1);
	assert_int_equal(login_device_token(key, KEYLEN, "ana@example.com", T, "0123456789ABCDEF",
	    out, sizeof(out)), -1);
	assert_int_equal(login_device_token(key, 0, "ana@example.com", T, NONCE, out, sizeof(out)), -1);
	assert_int_equal(login_device_token(key, KEYLEN, "ana@example.com", T, NONCE, out, 60), -1);
	memset(longmail, 'a', sizeof(longmail) - 1);
	longmail[sizeof(longmail) - 1] = '\0';
	assert_int_equal(login_device_token(key, KEYLEN, longmail, T, NONCE, out, sizeof(out)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_matches_openssl_command_line),
		cmocka_unit_test(email_case_is_folded),
		cmocka_unit_test(valid_token_verifies_until_it_expires),
		cmocka_unit_test(token_for_another_account_or_key_is_refused),
		cmocka_unit_test(tampered_or_malformed_tokens_are_refused),
		cmocka_unit_test(bad_arguments_make_no_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
