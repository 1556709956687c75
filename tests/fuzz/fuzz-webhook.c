/*
 * fuzz-webhook.c — libFuzzer harness for the Stripe-Signature check
 * (common/webhook.c).  The input's first line is the header, the rest the
 * body.  Any input: no crash, a known reason.  Then the body signed
 * properly must verify, and the same signature over the body with one byte
 * changed must not.  The header line is also read as a webhook allow-list
 * (NS_WEBHOOK_ALLOW_PRIVATE): no crash, never more networks than room.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "northstar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char secret[] = "whsec_fuzz_secret_0123456789abcdef";
#define NOW	1700000000L

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nl = memchr(data, '\n', size);
	size_t		 hlen = nl != NULL ? (size_t)(nl - data) : size, blen = size - hlen - (nl != NULL);
	char		*h = malloc(hlen + 1), good[128];
	unsigned char	*body = malloc(blen + 1), mac[NS_WEBHOOK_MAC_LEN];
	enum ns_webhook_err e;
	size_t		 i, o;

	if (h == NULL || body == NULL)
		goto out;
	memcpy(h, data, hlen);
	h[hlen] = '\0';
	memcpy(body, data + hlen + (nl != NULL), blen);
	{
		static struct ns_webhook_allow allow;
		char why[160];

		if (webhook_allow_parse(h, &allow, why, sizeof(why)) != 0 ? why[0] == '\0' :
		    allow.n > NS_WEBHOOK_MAX_ALLOW)
			abort();
	}
	e = webhook_stripe_verify(h, body, blen, secret, sizeof(secret) - 1, NOW, 300);
	if (e < NS_WEBHOOK_OK || e > NS_WEBHOOK_INTERNAL || webhook_strerror(e) == NULL)
		abort();
	if (webhook_hmac_sha256(secret, sizeof(secret) - 1, "1700000000.", body, blen, mac) != 0)
		abort();
	o = (size_t)snprintf(good, sizeof(good), "t=1700000000,v1=");
	for (i = 0; i < sizeof(mac); i++)
		o += (size_t)snprintf(good + o, sizeof(good) - o, "%02x", mac[i]);
	if (webhook_stripe_verify(good, body, blen, secret, sizeof(secret) - 1, NOW, 300) != NS_WEBHOOK_OK)
		abort();
	if (blen > 0) {
		body[blen / 2] ^= 1;
		if (webhook_stripe_verify(good, body, blen, secret, sizeof(secret) - 1, NOW, 300) !=
		    NS_WEBHOOK_MISMATCH)
			abort();
	}
out:
	free(h);
	free(body);
	return 0;
}
