/* test-key.c — common/key.c: API keys (making, recognising, hashing), Basic decoding, scopes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "northstar.h"

/* A well-formed key (43 characters of base64url after the prefix). */
static const char good[] = "nsk_abcdefghijklmnopqrstuvwxyzABCDEFGHIJK-_0123";

static void
basic_of(const char *user_colon_pass, char *out, size_t outsz)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t	 n = strlen(user_colon_pass), i, o;
	const unsigned char *s = (const unsigned char *)user_colon_pass;

	o = (size_t)snprintf(out, outsz, "Basic ");
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
		    (i + 2 < n ? s[i + 2] : 0);

		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

static void
new_keys_are_well_formed_and_differ(void **state)
{
	char a[NS_KEY_LEN + 1], b[NS_KEY_LEN + 1];

	(void)state;
	assert_int_equal(key_new(a, sizeof(a)), 0);
	assert_int_equal(key_new(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), NS_KEY_LEN);
	assert_memory_equal(a, "nsk_", 4);
	assert_true(key_valid(a, strlen(a)));
	assert_string_not_equal(a, b);
	assert_int_equal(key_new(a, NS_KEY_LEN), -1);	/* no room for the NUL */
}

static void
malformed_keys_are_not_valid(void **state)
{
	char k[sizeof(good)];

	(void)state;
	assert_int_equal(strlen(good), NS_KEY_LEN);
	assert_true(key_valid(good, strlen(good)));
	assert_false(key_valid(good, strlen(good) - 1));		/* too short */
	assert_false(key_valid("nsk_", 4));
	memcpy(k, good, sizeof(good));
	k[10] = '+';						/* not base64url */
	assert_false(key_valid(k, strlen(k)));
	memcpy(k, good, sizeof(good));
	k[0] = 'x';						/* wrong prefix */
	assert_false(key_valid(k, strlen(k)));
}

/* SHA-256 of the key's text, checked against sha256sum of the same bytes. */
static void
hash_is_sha256_of_the_key(void **state)
{
	char h[NS_KEY_HASH_HEX + 1];

	(void)state;
	assert_int_equal(key_hash_hex("abc", h, sizeof(h)), 0);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(key_hash_hex(good, h, sizeof(h)), 0);
	assert_string_equal(h, "e3d66230b0f0fc19e96dd21310dd1b9edf1ab3287f413bf8d76d809f73ff5712");
	assert_int_equal(key_hash_hex("abc", h, NS_KEY_HASH_HEX), -1);
}

static void
bearer_key_is_recognised(void **state)
{
	char hdr[128], k[NS_KEY_LEN + 1];

	(void)state;
	snprintf(hdr, sizeof(hdr), "Bearer %s", good);
	assert_int_equal(key_from_authorization(hdr, k, sizeof(k)), 1);
	assert_string_equal(k, good);
	snprintf(hdr, sizeof(hdr), "Bearer %s ", good);		/* trailing junk */
	assert_int_equal(key_from_authorization(hdr, k, sizeof(k)), -1);
	assert_int_equal(key_from_authorization("Bearer nsk_short", k, sizeof(k)), -1);
}

static void
session_tokens_and_no_header_are_not_keys(void **state)
{
	char k[NS_KEY_LEN + 1];

	(void)state;
	assert_int_equal(key_from_authorization(NULL, k, sizeof(k)), 0);
	assert_int_equal(key_from_authorization("Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", k, sizeof(k)), 0);
	assert_int_equal(key_from_authorization("Digest username=x", k, sizeof(k)), 0);
}

static void
basic_with_key_as_user_and_empty_password_is_recognised(void **state)
{
	char up[128], hdr[160], k[NS_KEY_LEN + 1];

	(void)state;
	snprintf(up, sizeof(up), "%s:", good);
	basic_of(up, hdr, sizeof(hdr));
	assert_int_equal(key_from_authorization(hdr, k, sizeof(k)), 1);
	assert_string_equal(k, good);
}

static void
basic_with_a_password_or_without_a_key_is_refused(void **state)
{
	char up[128], hdr[160], k[NS_KEY_LEN + 1];

	(void)state;
	snprintf(up, sizeof(up), "%s:secret", good);		/* a password */
	basic_of(up, hdr, sizeof(hdr));
	assert_int_equal(key_from_authorization(hdr, k, sizeof(k)), -1);
	basic_of(good, hdr, sizeof(hdr));			/* no colon */
	assert_int_equal(key_from_authorization(hdr, k, sizeof(k)), -1);
	basic_of("alice:wonderland", hdr, sizeof(hdr));		/* not a key */
	assert_int_equal(key_from_authorization(hdr, k, sizeof(k)), -1);
	assert_int_equal(key_from_authorization("Basic !!!!", k, sizeof(k)), -1);
	assert_int_equal(key_from_authorization("Basic ", k, sizeof(k)), -1);
}

static void
base64_decodes_rfc4648_vectors_and_refuses_bad_input(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "Zg==", "f" }, { "Zm8=", "fo" }, { "Zm9v", "foo" },
		{ "Zm9vYg==", "foob" }, { "Zm9vYmE=", "fooba" }, { "Zm9vYmFy", "foobar" },
	};
	unsigned char	 out[16];
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(key_base64_decode(v[i].in, strlen(v[i].in), out, sizeof(out), &n), 0);
		assert_int_equal(n, strlen(v[i].out));
		assert_memory_equal(out, v[i].out, n);
	}
	assert_int_equal(key_base64_decode("Zm9", 3, out, sizeof(out), &n), -1);	/* length */
	assert_int_equal(key_base64_decode("Z=9v", 4, out, sizeof(out), &n), -1);	/* inner '=' */
	assert_int_equal(key_base64_decode("Zm9-", 4, out, sizeof(out), &n), -1);	/* base64url digit */
	assert_int_equal(key_base64_decode("Zm9vYmFy", 8, out, 5, &n), -1);		/* no room */
}

static void
scopes_parse_and_format(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(key_scopes_parse("ingest:events"), NS_SCOPE_EVENTS);
	assert_int_equal(key_scopes_parse("ingest:billing,ingest:events"), NS_SCOPE_BILLING | NS_SCOPE_EVENTS);
	assert_int_equal(key_scopes_parse("ingest:events,read:all"), 0);
	assert_int_equal(key_scopes_parse(""), 0);
	assert_int_equal(key_scopes_parse(NULL), 0);
	assert_int_equal(key_scope_parse("ingest:event", 12), 0);
	key_scopes_format(NS_SCOPE_SUPPORT | NS_SCOPE_MARKETING, out, sizeof(out));
	assert_string_equal(out, "ingest:marketing,ingest:support");
	/* Scopes never overlap the session roles. */
	assert_int_equal(NS_SCOPES_ALL & NS_ROLES_ALL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_keys_are_well_formed_and_differ),
		cmocka_unit_test(malformed_keys_are_not_valid),
		cmocka_unit_test(hash_is_sha256_of_the_key),
		cmocka_unit_test(bearer_key_is_recognised),
		cmocka_unit_test(session_tokens_and_no_header_are_not_keys),
		cmocka_unit_test(basic_with_key_as_user_and_empty_password_is_recognised),
		cmocka_unit_test(basic_with_a_password_or_without_a_key_is_refused),
		cmocka_unit_test(base64_decodes_rfc4648_vectors_and_refuses_bad_input),
		cmocka_unit_test(scopes_parse_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
