/*
 * webhook.c — verifying signed webhooks: Stripe's Stripe-Signature header
 * (docs/ingest.md, "Stripe").  Pure functions: no I/O, no clock but the
 * one passed in, nothing kept.
 *
 * Stripe's scheme, as its libraries implement it (stripe-go
 * webhook/client.go, stripe-node, stripe-ruby): the header is a list of
 * comma-separated key=value elements, "t=1700000000,v1=hex,v1=hex,v0=hex";
 * the signed payload is the decimal timestamp, ".", and the raw body; each
 * v1 is the lower-case hex of HMAC-SHA256(secret, payload), where the key
 * is the whole endpoint secret string ("whsec_…") as bytes; any v1 may
 * match (several are sent while a secret is being rolled); other schemes
 * (v0) are ignored; a timestamp further than the tolerance from now is
 * refused, which bounds replays.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "northstar.h"

const char *
webhook_strerror(enum ns_webhook_err e)
{
	switch (e) {
	case NS_WEBHOOK_OK:
		return "the signature is valid";
	case NS_WEBHOOK_NO_HEADER:
		return "the Stripe-Signature header is missing";
	case NS_WEBHOOK_BAD_HEADER:
		return "the Stripe-Signature header is malformed (expected t=TIMESTAMP,v1=SIGNATURE)";
	case NS_WEBHOOK_NO_TIMESTAMP:
		return "the Stripe-Signature header has no timestamp (t=)";
	case NS_WEBHOOK_NO_SIGNATURE:
		return "the Stripe-Signature header has no v1 signature";
	case NS_WEBHOOK_STALE:
		return "the Stripe-Signature timestamp is more than 300 seconds from the server's "
		    "clock (a replay, or a clock out of step)";
	case NS_WEBHOOK_MISMATCH:
		return "no v1 signature matches the body: is NS_STRIPE_WEBHOOK_SECRET_FILE this "
		    "endpoint's signing secret?";
	case NS_WEBHOOK_NO_SECRET:
		return "no signing secret is configured";
	case NS_WEBHOOK_INTERNAL:
	default:
		return "the signature could not be computed";
	}
}

int
webhook_hmac_sha256(const unsigned char *key, size_t keylen, const char *prefix,
    const unsigned char *body, size_t len, unsigned char out[NS_WEBHOOK_MAC_LEN])
{
	EVP_MAC		*mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX	*ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	char		 digest[] = "SHA256";
	OSSL_PARAM	 params[2];
	size_t		 outlen = 0;
	int		 rc = -1;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* An empty key is legal HMAC but never a secret: refuse it here too. */
	if (ctx != NULL && keylen > 0 && EVP_MAC_init(ctx, key, keylen, params) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)prefix, strlen(prefix)) == 1 &&
	    (len == 0 || EVP_MAC_update(ctx, body, len) == 1) &&
	    EVP_MAC_final(ctx, out, &outlen, NS_WEBHOOK_MAC_LEN) == 1 &&
	    outlen == NS_WEBHOOK_MAC_LEN)
		rc = 0;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

/* s[0..n) as exactly NS_WEBHOOK_MAC_LEN bytes of hex into out: 0, or -1. */
static int
webhook_unhex(const char *s, size_t n, unsigned char *out)
{
	size_t i;

	if (n != 2 * NS_WEBHOOK_MAC_LEN)
		return -1;
	for (i = 0; i < NS_WEBHOOK_MAC_LEN; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]),
		    lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* s[0..n) as a timestamp of 1–12 decimal digits into *t: 0, or -1. */
static int
webhook_timestamp(const char *s, size_t n, long long *t)
{
	size_t i;

	if (n == 0 || n > 12)
		return -1;
	*t = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*t = *t * 10 + (s[i] - '0');
	}
	return 0;
}

/*
 * Parse the header: the one timestamp into *t, the well-formed v1
 * signatures into sigs (at most max; further ones are not compared) and
 * their count into *nsigs.  Like stripe-go, an element that is not
 * exactly key=value or a timestamp that is not an integer is a malformed
 * header, a v1 that is not 64 hex digits is skipped, other keys are
 * ignored.  Unlike it, a second t= is malformed too (which one was
 * signed would be ambiguous).
 */
static enum ns_webhook_err
webhook_parse(const char *h, size_t hlen, long long *t,
    unsigned char sigs[][NS_WEBHOOK_MAC_LEN], size_t max, size_t *nsigs)
{
	size_t	 at = 0;
	int	 have_t = 0;

	*nsigs = 0;
	while (at <= hlen) {
		const char	*el = h + at, *comma = memchr(el, ',', hlen - at), *eq;
		size_t		 n = comma != NULL ? (size_t)(comma - el) : hlen - at, klen;

		at += n + 1;
		if ((eq = memchr(el, '=', n)) == NULL || memchr(eq + 1, '=', n - (size_t)(eq + 1 - el)) != NULL)
			return NS_WEBHOOK_BAD_HEADER;
		klen = (size_t)(eq - el);
		if (klen == 1 && el[0] == 't') {
			if (have_t++ || webhook_timestamp(eq + 1, n - 2, t) != 0)
				return NS_WEBHOOK_BAD_HEADER;
		} else if (klen == 2 && el[0] == 'v' && el[1] == '1') {
			if (*nsigs < max && webhook_unhex(eq + 1, n - 3, sigs[*nsigs]) == 0)
				(*nsigs)++;
		}
		if (comma == NULL)
			break;
	}
	if (!have_t)
		return NS_WEBHOOK_NO_TIMESTAMP;
	return *nsigs > 0 ? NS_WEBHOOK_OK : NS_WEBHOOK_NO_SIGNATURE;
}

enum ns_webhook_err
webhook_stripe_verify(const char *header, const unsigned char *body, size_t len,
    const unsigned char *secret, size_t secretlen, time_t now, long tolerance)
{
	unsigned char	 sigs[NS_WEBHOOK_MAX_SIGS][NS_WEBHOOK_MAC_LEN], mac[NS_WEBHOOK_MAC_LEN];
	char		 prefix[32];
	size_t		 hlen, nsigs, i;
	long long	 t = 0;
	int		 match = 0;
	enum ns_webhook_err e;

	if (secret == NULL || secretlen == 0)
		return NS_WEBHOOK_NO_SECRET;
	if (header == NULL || (hlen = strlen(header)) == 0)
		return NS_WEBHOOK_NO_HEADER;
	if (hlen > NS_WEBHOOK_MAX_HEADER)
		return NS_WEBHOOK_BAD_HEADER;
	if ((e = webhook_parse(header, hlen, &t, sigs, NS_WEBHOOK_MAX_SIGS, &nsigs)) != NS_WEBHOOK_OK)
		return e;
	/* Both ways: a timestamp from the future is as unaccountable as an old one. */
	if (t > (long long)now + tolerance || t < (long long)now - tolerance)
		return NS_WEBHOOK_STALE;
	/* The timestamp as signed: its integer in decimal, as Stripe's libraries format it. */
	snprintf(prefix, sizeof(prefix), "%lld.", t);
	if (webhook_hmac_sha256(secret, secretlen, prefix, body, len, mac) != 0)
		return NS_WEBHOOK_INTERNAL;
	/* Every candidate is compared in constant time; which one matched is no secret. */
	for (i = 0; i < nsigs; i++)
		match |= CRYPTO_memcmp(mac, sigs[i], NS_WEBHOOK_MAC_LEN) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return match ? NS_WEBHOOK_OK : NS_WEBHOOK_MISMATCH;
}
