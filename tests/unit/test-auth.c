/* test-auth.c — common/auth.c: token signing and the verifier's attack cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <crypt.h>
#include <jwt.h>

#include "internal.h"

static const unsigned char key[] = "0123456789abcdef0123456789abcdef-test-key";
#define KEYLEN	(sizeof(key) - 1)
#define NOW	((time_t)1800000000)

static struct ns_user user;
static char why[128];

static int
verify(const char *tok, time_t now)
{
	return auth_token_verify(tok, key, KEYLEN, now, &user, why, sizeof(why));
}

/* A token with chosen algorithm, key and claims (any of them may be -1 = absent). */
static char *
token_custom(jwt_alg_t alg, const unsigned char *k, size_t klen, long exp, long nbf, long ver)
{
	jwt_t	*jwt;
	char	*tok;

	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(jwt_set_alg(jwt, alg, k, (int)klen), 0);
	jwt_add_grant(jwt, "sub", "7");
	jwt_add_grant(jwt, "role", "cs");
	jwt_add_grant_int(jwt, "iat", (long)NOW - 10);
	if (exp != -1)
		jwt_add_grant_int(jwt, "exp", exp);
	if (nbf != -1)
		jwt_add_grant_int(jwt, "nbf", nbf);
	if (ver != -1)
		jwt_add_grant_int(jwt, "ver", ver);
	tok = jwt_encode_str(jwt);
	jwt_free(jwt);
	return tok;
}

static void
valid_token_is_accepted(void **state)
{
	char *tok = auth_token_new(key, KEYLEN, 7, NS_ROLE_CS, 3, NOW, 3600);

	(void)state;
	assert_int_equal(verify(tok, NOW + 10), 0);
	assert_int_equal(user.id, 7);
	assert_int_equal(user.role, NS_ROLE_CS);
	assert_int_equal(user.token_version, 3);
	assert_int_equal(user.expires, NOW + 3600);
	free(tok);
}

static void
expired_token_is_rejected(void **state)
{
	char *tok = auth_token_new(key, KEYLEN, 7, NS_ROLE_CS, 1, NOW, 3600);

	(void)state;
	assert_int_equal(verify(tok, NOW + 3600 + 29), 0);	/* within skew */
	assert_int_equal(verify(tok, NOW + 3600 + 31), -1);
	assert_string_equal(why, "token expired");
	free(tok);
}

static void
not_yet_valid_token_is_rejected(void **state)
{
	char *tok = token_custom(JWT_ALG_HS256, key, KEYLEN, NOW + 7200, NOW + 600, 1);

	(void)state;
	assert_int_equal(verify(tok, NOW), -1);
	assert_string_equal(why, "token not valid yet");
	free(tok);
}

static void
bad_signature_is_rejected(void **state)
{
	static const unsigned char other[] = "another-key-of-sufficient-length-1234567";
	char *tok = token_custom(JWT_ALG_HS256, other, sizeof(other) - 1, NOW + 60, NOW, 1);

	(void)state;
	assert_int_equal(verify(tok, NOW), -1);
	free(tok);
}

static void
alg_none_is_rejected(void **state)
{
	/* {"alg":"none","typ":"JWT"} . {"sub":"1","role":"ceo","exp":9999999999,"nbf":0,"iat":0,"ver":1} . */
	static const char tok[] =
	    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
	    "eyJzdWIiOiIxIiwicm9sZSI6ImNlbyIsImV4cCI6OTk5OTk5OTk5OSwibmJmIjowLCJpYXQiOjAsInZlciI6MX0.";

	(void)state;
	assert_int_equal(verify(tok, NOW), -1);
	assert_int_equal(user.id, 0);
}

static void
other_algorithm_with_same_key_is_rejected(void **state)
{
	char *tok = token_custom(JWT_ALG_HS512, key, KEYLEN, NOW + 60, NOW, 1);

	(void)state;
	assert_int_equal(verify(tok, NOW), -1);
	assert_string_equal(why, "token algorithm is not HS256");
	free(tok);
}

static void
tampered_claims_are_rejected(void **state)
{
	char	*tok = auth_token_new(key, KEYLEN, 7, NS_ROLE_CS, 1, NOW, 3600);
	char	*dot1 = strchr(tok, '.'), *dot2 = strchr(dot1 + 1, '.');
	/* payload {"exp":..,"role":"ceo",...} re-encoded: swap in a forged middle part. */
	static const char forged[] =
	    "eyJleHAiOjE4MDAwMDM2MDAsImlhdCI6MTgwMDAwMDAwMCwibmJmIjoxODAwMDAwMDAwLCJyb2xlIjoiY2VvIiwic3ViIjoiNyIsInZlciI6MX0";
	char	 buf[1024];

	(void)state;
	snprintf(buf, sizeof(buf), "%.*s.%s%s", (int)(dot1 - tok), tok, forged, dot2);
	assert_int_equal(verify(buf, NOW), -1);
	free(tok);
}

static void
missing_version_is_rejected(void **state)
{
	char *tok = token_custom(JWT_ALG_HS256, key, KEYLEN, NOW + 60, NOW, -1);

	(void)state;
	assert_int_equal(verify(tok, NOW), -1);
	assert_string_equal(why, "token lacks exp, nbf, iat or ver");
	free(tok);
	tok = token_custom(JWT_ALG_HS256, key, KEYLEN, -1, NOW, 1);
	assert_int_equal(verify(tok, NOW), -1);
	free(tok);
}

static void
garbage_and_overlong_tokens_are_rejected(void **state)
{
	char *big = malloc(NS_MAX_TOKEN + 100);

	(void)state;
	assert_int_equal(verify("", NOW), -1);
	assert_int_equal(verify("abc", NOW), -1);
	assert_int_equal(verify("a.b.c", NOW), -1);
	assert_int_equal(verify("....", NOW), -1);
	assert_int_equal(verify("eyJhbGciOiJIUzI1NiJ9.%%%%.xx", NOW), -1);
	memset(big, 'A', NS_MAX_TOKEN + 99);
	big[NS_MAX_TOKEN + 99] = '\0';
	assert_int_equal(verify(big, NOW), -1);
	free(big);
}

static void
short_key_refuses_to_verify(void **state)
{
	char *tok = auth_token_new(key, KEYLEN, 7, NS_ROLE_CS, 1, NOW, 3600);

	(void)state;
	assert_int_equal(auth_token_verify(tok, key, 0, NOW, &user, why, sizeof(why)), -1);
	assert_int_equal(auth_token_verify(tok, key, 16, NOW, &user, why, sizeof(why)), -1);
	free(tok);
}

static void
password_check_matches_only_the_password(void **state)
{
	struct crypt_data cd;
	const char *h;

	(void)state;
	memset(&cd, 0, sizeof(cd));
	h = crypt_r("northstar-demo", "$2b$04$abcdefghijklmnopqrstuu", &cd);
	assert_non_null(h);
	assert_int_equal(auth_password_check(h, "northstar-demo"), 0);
	assert_int_equal(auth_password_check(h, "northstar-demo "), -1);
	assert_int_equal(auth_password_check(h, ""), -1);
	assert_int_equal(auth_password_check("not-a-hash", "x"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_token_is_accepted),
		cmocka_unit_test(expired_token_is_rejected),
		cmocka_unit_test(not_yet_valid_token_is_rejected),
		cmocka_unit_test(bad_signature_is_rejected),
		cmocka_unit_test(alg_none_is_rejected),
		cmocka_unit_test(other_algorithm_with_same_key_is_rejected),
		cmocka_unit_test(tampered_claims_are_rejected),
		cmocka_unit_test(missing_version_is_rejected),
		cmocka_unit_test(garbage_and_overlong_tokens_are_rejected),
		cmocka_unit_test(short_key_refuses_to_verify),
		cmocka_unit_test(password_check_matches_only_the_password),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
