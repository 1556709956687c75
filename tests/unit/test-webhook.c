/*
 * test-webhook.c — common/webhook.c: Stripe-Signature verification, and the
 * outbound targets of the alert webhooks (address classes from RFC 6890).
 *
 * The expected signatures were computed outside this code, with
 *   printf '%s' '1700000000.{"id":"evt_1","object":"event"}' |
 *     openssl dgst -sha256 -hmac whsec_test_secret_0123456789abcdef
 * (and the same with the other secret, and over "1700000000." alone).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "northstar.h"

static const char secret[] = "whsec_test_secret_0123456789abcdef";
static const char other[] = "whsec_other_secret_0123456789abcd";
static const char body[] = "{\"id\":\"evt_1\",\"object\":\"event\"}";
#define T	1700000000L
/* HMAC-SHA256(secret, "1700000000." body) */
#define SIG	"f81891d9c5115555d9b4ca09689b89904fff5e78642936b988072bdd96c49bb0"
/* HMAC-SHA256(other, "1700000000." body) */
#define SIG_OTHER "c9fefe420c74bd6bd9e42629a1c78f84c1e5d4adbbd1b98306a417099fd68f7b"
/* HMAC-SHA256(secret, "1700000000.") — an empty body */
#define SIG_EMPTY "260b510e79c7ad57cecdcdc4559b7f28c24a3fd9392d459380121a2e72dbd029"

static enum ns_webhook_err
verify_at(const char *header, time_t now)
{
	return webhook_stripe_verify(header, (const unsigned char *)body, strlen(body),
	    (const unsigned char *)secret, strlen(secret), now, NS_WEBHOOK_TOLERANCE);
}

static enum ns_webhook_err
verify(const char *header)
{
	return verify_at(header, T + 10);
}

static void
hmac_matches_openssl_command_line(void **state)
{
	unsigned char	 mac[NS_WEBHOOK_MAC_LEN];
	char		 hex[2 * NS_WEBHOOK_MAC_LEN + 1];
	size_t		 i;

	(void)state;
	assert_int_equal(webhook_hmac_sha256((const unsigned char *)secret, strlen(secret),
	    "1700000000.", (const unsigned char *)body, strlen(body), mac), 0);
	for (i = 0; i < sizeof(mac); i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	assert_string_equal(hex, SIG);
	assert_int_equal(webhook_hmac_sha256((const unsigned char *)secret, 0, "x", NULL, 0, mac), -1);
}

static void
valid_signature_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(verify("t=1700000000,v1=" SIG), NS_WEBHOOK_OK);
	/* upper-case hex is the same bytes */
	assert_int_equal(verify("t=1700000000,v1=F81891D9C5115555D9B4CA09689B89904FFF5E78642936B988072BDD96C49BB0"),
	    NS_WEBHOOK_OK);
	/* element order does not matter; v0 and unknown keys are ignored */
	assert_int_equal(verify("v0=abc,v1=" SIG ",t=1700000000,x=1"), NS_WEBHOOK_OK);
}

static void
empty_body_is_signed_too(void **state)
{
	(void)state;
	assert_int_equal(webhook_stripe_verify("t=1700000000,v1=" SIG_EMPTY, (const unsigned char *)"", 0,
	    (const unsigned char *)secret, strlen(secret), T, NS_WEBHOOK_TOLERANCE), NS_WEBHOOK_OK);
}

static void
wrong_secret_is_a_mismatch(void **state)
{
	(void)state;
	assert_int_equal(verify("t=1700000000,v1=" SIG_OTHER), NS_WEBHOOK_MISMATCH);
	assert_int_equal(webhook_stripe_verify("t=1700000000,v1=" SIG, (const unsigned char *)body,
	    strlen(body), (const unsigned char *)other, strlen(other), T, 300), NS_WEBHOOK_MISMATCH);
}

static void
any_of_several_v1_may_match(void **state)
{
	(void)state;
	assert_int_equal(verify("t=1700000000,v1=" SIG_OTHER ",v1=" SIG), NS_WEBHOOK_OK);
	assert_int_equal(verify("t=1700000000,v1=" SIG ",v1=" SIG_OTHER), NS_WEBHOOK_OK);
	assert_int_equal(verify("t=1700000000,v1=" SIG_OTHER ",v1=" SIG_EMPTY), NS_WEBHOOK_MISMATCH);
	/* a malformed v1 beside a good one is skipped, as stripe-go does */
	assert_int_equal(verify("t=1700000000,v1=zz,v1=" SIG), NS_WEBHOOK_OK);
}

static void
v0_alone_is_no_signature(void **state)
{
	(void)state;
	assert_int_equal(verify("t=1700000000,v0=" SIG), NS_WEBHOOK_NO_SIGNATURE);
	assert_int_equal(verify("t=1700000000,v1=" SIG "00"), NS_WEBHOOK_NO_SIGNATURE);
	assert_int_equal(verify("t=1700000000,v1="), NS_WEBHOOK_NO_SIGNATURE);
}

static void
body_or_timestamp_changed_is_a_mismatch(void **state)
{
	(void)state;
	/* the signature of t=1700000000 presented with another t */
	assert_int_equal(verify("t=1700000001,v1=" SIG), NS_WEBHOOK_MISMATCH);
	assert_int_equal(webhook_stripe_verify("t=1700000000,v1=" SIG, (const unsigned char *)body,
	    strlen(body) - 1, (const unsigned char *)secret, strlen(secret), T, 300),
	    NS_WEBHOOK_MISMATCH);
}

static void
timestamp_outside_tolerance_is_stale(void **state)
{
	(void)state;
	assert_int_equal(verify_at("t=1700000000,v1=" SIG, T + 300), NS_WEBHOOK_OK);	/* the edge */
	assert_int_equal(verify_at("t=1700000000,v1=" SIG, T + 301), NS_WEBHOOK_STALE);
	assert_int_equal(verify_at("t=1700000000,v1=" SIG, T - 300), NS_WEBHOOK_OK);
	assert_int_equal(verify_at("t=1700000000,v1=" SIG, T - 301), NS_WEBHOOK_STALE);
	/* stale is told before the match (as stripe-go does): a wrong signature too */
	assert_int_equal(verify_at("t=1700000000,v1=" SIG_OTHER, T + 3600), NS_WEBHOOK_STALE);
}

static void
missing_or_malformed_header_is_refused(void **state)
{
	char	 longh[NS_WEBHOOK_MAX_HEADER + 2];

	(void)state;
	assert_int_equal(verify(NULL), NS_WEBHOOK_NO_HEADER);
	assert_int_equal(verify(""), NS_WEBHOOK_NO_HEADER);
	assert_int_equal(verify("v1=" SIG), NS_WEBHOOK_NO_TIMESTAMP);
	assert_int_equal(verify("t=,v1=" SIG), NS_WEBHOOK_BAD_HEADER);
	assert_int_equal(verify("t=17e8,v1=" SIG), NS_WEBHOOK_BAD_HEADER);
	assert_int_equal(verify("t=-1700000000,v1=" SIG), NS_WEBHOOK_BAD_HEADER);
	assert_int_equal(verify("t=1700000000000000,v1=" SIG), NS_WEBHOOK_BAD_HEADER);
	assert_int_equal(verify("t=1700000000,t=1700000000,v1=" SIG), NS_WEBHOOK_BAD_HEADER);
	assert_int_equal(verify("t=1700000000,v1=" SIG ","), NS_WEBHOOK_BAD_HEADER);
	assert_int_equal(verify("t=1700000000 v1=" SIG), NS_WEBHOOK_BAD_HEADER);
	assert_int_equal(verify("t=1700000000,v1==" SIG), NS_WEBHOOK_BAD_HEADER);
	assert_int_equal(verify("Bearer nsk_x"), NS_WEBHOOK_BAD_HEADER);
	memset(longh, 'a', sizeof(longh) - 1);
	longh[sizeof(longh) - 1] = '\0';
	memcpy(longh, "t=1700000000,x=", 15);
	assert_int_equal(verify(longh), NS_WEBHOOK_BAD_HEADER);
}

static void
no_secret_verifies_nothing(void **state)
{
	(void)state;
	assert_int_equal(webhook_stripe_verify("t=1700000000,v1=" SIG, (const unsigned char *)body,
	    strlen(body), (const unsigned char *)"", 0, T, 300), NS_WEBHOOK_NO_SECRET);
	assert_int_equal(webhook_stripe_verify("t=1700000000,v1=" SIG, (const unsigned char *)body,
	    strlen(body), NULL, 0, T, 300), NS_WEBHOOK_NO_SECRET);
}

static void
every_reason_has_a_sentence(void **state)
{
	int e;

	(void)state;
	for (e = NS_WEBHOOK_OK; e <= NS_WEBHOOK_INTERNAL; e++)
		assert_true(strlen(webhook_strerror((enum ns_webhook_err)e)) > 10);
	assert_non_null(strstr(webhook_strerror(NS_WEBHOOK_STALE), "300 seconds"));
	assert_non_null(strstr(webhook_strerror(NS_WEBHOOK_MISMATCH), "NS_STRIPE_WEBHOOK_SECRET_FILE"));
}

/* ---- outbound targets (alert webhooks) -------------------------------- */

/* The address text as a sockaddr (AF_INET or AF_INET6) in ss. */
static const struct sockaddr *
addr(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &((struct sockaddr_in *)ss)->sin_addr) == 1)
		ss->ss_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1)
		ss->ss_family = AF_INET6;
	else
		fail_msg("not an address: %s", text);
	return (const struct sockaddr *)ss;
}

static void
private_loopback_and_link_local_targets_are_classified(void **state)
{
	/* Each range's first, a middle and last address, and its neighbours outside (RFC 6890). */
	static const char *const closed[] = {
		"0.0.0.0", "0.255.255.255", "10.0.0.0", "10.255.255.255", "100.64.0.0",
		"100.127.255.255", "127.0.0.1", "127.255.255.254", "169.254.169.254", "172.16.0.1",
		"172.31.255.255", "192.168.0.1", "192.168.255.255", "192.0.0.8", "198.18.0.1",
		"224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
		"::", "::1", "fc00::1", "fdff:ffff::1", "fe80::1", "febf::1", "fec0::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
		"64:ff9b::10.0.0.1", "64:ff9b::7f00:1",
	};
	static const char *const open[] = {
		"1.1.1.1", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
		"126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255",
		"172.32.0.0", "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0",
		"203.0.113.7", "223.255.255.255",
		"2001:db8::1", "2606:4700::1111", "fbff::1", "fe00::1", "::ffff:8.8.8.8",
		"64:ff9b::808:808",
	};
	struct sockaddr_storage ss;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(closed) / sizeof(closed[0]); i++)
		if (webhook_addr_private(addr(closed[i], &ss)) != 1)
			fail_msg("%s should be refused", closed[i]);
	for (i = 0; i < sizeof(open) / sizeof(open[0]); i++)
		if (webhook_addr_private(addr(open[i], &ss)) != 0)
			fail_msg("%s should be public", open[i]);
}

static void
allow_list_opens_exactly_its_networks(void **state)
{
	struct ns_webhook_allow	 allow;
	struct sockaddr_storage	 ss;
	char			 why[160];

	(void)state;
	assert_int_equal(webhook_allow_parse("127.0.0.1/32, 10.1.0.0/16 fd00::/8", &allow, why,
	    sizeof(why)), 0);
	assert_int_equal(allow.n, 3);
	assert_int_equal(webhook_addr_allowed(addr("127.0.0.1", &ss), &allow), 1);
	assert_int_equal(webhook_addr_allowed(addr("127.0.0.2", &ss), &allow), 0);
	assert_int_equal(webhook_addr_allowed(addr("10.1.255.255", &ss), &allow), 1);
	assert_int_equal(webhook_addr_allowed(addr("10.2.0.0", &ss), &allow), 0);
	assert_int_equal(webhook_addr_allowed(addr("fd12::1", &ss), &allow), 1);
	assert_int_equal(webhook_addr_allowed(addr("fc00::1", &ss), &allow), 0);
	assert_int_equal(webhook_addr_allowed(addr("::1", &ss), &allow), 0);
	/* An IPv4 entry does not open the same address mapped into IPv6. */
	assert_int_equal(webhook_addr_allowed(addr("::ffff:127.0.0.1", &ss), &allow), 0);
	/* Public addresses need no entry; nothing private passes an empty list. */
	assert_int_equal(webhook_addr_allowed(addr("203.0.113.7", &ss), NULL), 1);
	assert_int_equal(webhook_allow_parse(NULL, &allow, why, sizeof(why)), 0);
	assert_int_equal(allow.n, 0);
	assert_int_equal(webhook_addr_allowed(addr("127.0.0.1", &ss), &allow), 0);
	/* A bare address is a /32 (/128); malformed entries are refused, naming them. */
	assert_int_equal(webhook_allow_parse("192.168.1.5", &allow, why, sizeof(why)), 0);
	assert_int_equal(allow.nets[0].bits, 32);
	assert_int_equal(webhook_allow_parse("10.0.0.0/33", &allow, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "10.0.0.0/33"));
	assert_int_equal(webhook_allow_parse("localhost", &allow, why, sizeof(why)), -1);
	assert_int_equal(webhook_allow_parse("10.0.0.0/8,", &allow, why, sizeof(why)), 0);
	assert_int_equal(allow.n, 1);
}

static void
url_check_refuses_private_hosts_and_names_the_setting(void **state)
{
	struct ns_webhook_allow	 allow;
	char			 why[320];

	(void)state;
	assert_int_equal(webhook_allow_parse("127.0.0.1/32", &allow, why, sizeof(why)), 0);
	assert_int_equal(webhook_url_check("http://203.0.113.7:8080/hook", &allow, why, sizeof(why)), 0);
	assert_int_equal(webhook_url_check("https://[2001:db8::1]/hook", &allow, why, sizeof(why)), 0);
	assert_int_equal(webhook_url_check("http://127.0.0.1:9/hook", &allow, why, sizeof(why)), 0);
	assert_int_equal(webhook_url_check("http://127.0.0.2:9/hook", &allow, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "127.0.0.2"));
	assert_non_null(strstr(why, NS_WEBHOOK_ALLOW_ENV));
	assert_int_equal(webhook_url_check("http://[::1]/", &allow, why, sizeof(why)), -1);
	assert_int_equal(webhook_url_check("http://[::ffff:169.254.169.254]/", &allow, why, sizeof(why)), -1);
	/* 2130706434 = 127 × 2^24 + 2: the same loopback address written as one number. */
	assert_int_equal(webhook_url_check("http://2130706434/", &allow, why, sizeof(why)), -1);
	assert_int_equal(webhook_url_check("http://0x7f000002/", &allow, why, sizeof(why)), -1);
	assert_int_equal(webhook_url_check("ftp://203.0.113.7/", &allow, why, sizeof(why)), -1);
	/* .invalid never resolves (RFC 6761): accepted now, the delivery check stands. */
	assert_int_equal(webhook_url_check("https://hooks.example.invalid/x", &allow, why, sizeof(why)), 0);
	assert_int_equal(webhook_url_check("not a url", &allow, why, sizeof(why)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hmac_matches_openssl_command_line),
		cmocka_unit_test(valid_signature_is_accepted),
		cmocka_unit_test(empty_body_is_signed_too),
		cmocka_unit_test(wrong_secret_is_a_mismatch),
		cmocka_unit_test(any_of_several_v1_may_match),
		cmocka_unit_test(v0_alone_is_no_signature),
		cmocka_unit_test(body_or_timestamp_changed_is_a_mismatch),
		cmocka_unit_test(timestamp_outside_tolerance_is_stale),
		cmocka_unit_test(missing_or_malformed_header_is_refused),
		cmocka_unit_test(no_secret_verifies_nothing),
		cmocka_unit_test(every_reason_has_a_sentence),
		cmocka_unit_test(private_loopback_and_link_local_targets_are_classified),
		cmocka_unit_test(allow_list_opens_exactly_its_networks),
		cmocka_unit_test(url_check_refuses_private_hosts_and_names_the_setting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
