/*
 * webhook.c — webhooks both ways: verifying the signed ones we receive
 * (Stripe's Stripe-Signature header, docs/ingest.md, "Stripe": pure
 * functions, no I/O, no clock but the one passed in, nothing kept), and
 * the targets of the ones we send (the alert webhooks: public addresses
 * only, see "Outbound targets" below).
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
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "internal.h"

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

/*
 * Outbound targets: where the alert webhooks may be sent (server-side
 * request forgery).  A target must be a public unicast address; private
 * (RFC 1918, RFC 4193), loopback, link-local, shared (RFC 6598), "this
 * network", multicast and reserved addresses are refused, IPv4 and IPv6
 * alike, an IPv4 address inside IPv6 (mapped ::ffff:0:0/96, compatible
 * ::/96, NAT64 64:ff9b::/96) judged as the IPv4 address it names, unless
 * the operator's allow-list (NS_WEBHOOK_ALLOW_PRIVATE, CIDRs) holds it.
 * Checked when a URL is saved (webhook_url_check: every address its host
 * resolves to) and on every connection libcurl opens when delivering
 * (webhook_curl_guard: the very address connected to, so a name that
 * resolves elsewhere the second time — DNS rebinding — gains nothing).
 */

/* IPv4 ranges that are not public unicast: network (host order), prefix length. */
static const struct {
	uint32_t	 net;
	int		 bits;
} webhook_v4_closed[] = {
	{ 0x00000000, 8 },	/* 0.0.0.0/8 "this network" (0.0.0.0 reaches the host) */
	{ 0x0A000000, 8 },	/* 10/8 private */
	{ 0x64400000, 10 },	/* 100.64/10 shared address space (carrier NAT) */
	{ 0x7F000000, 8 },	/* 127/8 loopback */
	{ 0xA9FE0000, 16 },	/* 169.254/16 link-local (cloud metadata) */
	{ 0xAC100000, 12 },	/* 172.16/12 private */
	{ 0xC0000000, 24 },	/* 192.0.0/24 protocol assignments */
	{ 0xC0A80000, 16 },	/* 192.168/16 private */
	{ 0xC6120000, 15 },	/* 198.18/15 benchmarking */
	{ 0xE0000000, 4 },	/* 224/4 multicast */
	{ 0xF0000000, 4 },	/* 240/4 reserved, 255.255.255.255 broadcast */
};

/* Is the IPv4 address a (network byte order, 4 bytes) not public unicast? */
static int
webhook_v4_private(const unsigned char *a)
{
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	size_t	 i;

	for (i = 0; i < sizeof(webhook_v4_closed) / sizeof(webhook_v4_closed[0]); i++)
		if ((v >> (32 - webhook_v4_closed[i].bits)) ==
		    (webhook_v4_closed[i].net >> (32 - webhook_v4_closed[i].bits)))
			return 1;
	return 0;
}

/* Do the first bits bits of a and b (bytes, network order) agree? */
static int
webhook_prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
	int	 whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)whole) != 0)
		return 0;
	return rest == 0 || ((a[whole] ^ b[whole]) & (0xFF << (8 - rest)) & 0xFF) == 0;
}

/*
 * The IPv4 address an IPv6 address stands for (mapped, compatible,
 * NAT64), as a pointer to its last 4 bytes, or NULL.  :: and ::1 are not
 * IPv4-compatible addresses.
 */
static const unsigned char *
webhook_v6_embedded(const unsigned char *a)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
	static const unsigned char nat64[12] = { 0, 0x64, 0xFF, 0x9B };
	static const unsigned char zero[12] = { 0 };

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return a + 12;
	if (memcmp(a, zero, 12) == 0 && (a[12] | a[13] | a[14]) != 0)
		return a + 12;
	return NULL;
}

/* Is the IPv6 address a (16 bytes) not public unicast? */
static int
webhook_v6_private(const unsigned char *a)
{
	static const unsigned char zero[16] = { 0 };
	const unsigned char	*v4 = webhook_v6_embedded(a);

	if (v4 != NULL)
		return webhook_v4_private(v4);
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return 1;				/* :: unspecified, ::1 loopback */
	if ((a[0] & 0xFE) == 0xFC)
		return 1;				/* fc00::/7 unique local */
	if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80)
		return 1;				/* fe80::/10 link-local */
	if (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0)
		return 1;				/* fec0::/10 site-local (deprecated) */
	if (a[0] == 0xFF)
		return 1;				/* ff00::/8 multicast */
	return 0;
}

int
webhook_addr_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return webhook_v4_private((const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	if (sa->sa_family == AF_INET6)
		return webhook_v6_private((const unsigned char *)
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return 1;					/* not an IP address: never */
}

/* Parse one "ADDRESS[/BITS]" into n.  0, or -1. */
static int
webhook_cidr_parse(const char *s, size_t len, struct ns_cidr *n)
{
	char		 buf[64], *slash;
	long		 bits;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, buf, n->addr) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, n->addr) == 1)
		n->family = AF_INET6;
	else
		return -1;
	bits = n->family == AF_INET ? 32 : 128;
	if (slash != NULL && param_int_valid(slash, 0, bits, &bits) != 0)
		return -1;
	n->bits = (int)bits;
	return 0;
}

int
webhook_allow_parse(const char *list, struct ns_webhook_allow *out, char *why, size_t whysz)
{
	const char	*p = list != NULL ? list : "";
	static const char sep[] = ", \t";

	memset(out, 0, sizeof(*out));
	for (p += strspn(p, sep); *p != '\0'; p += strspn(p, sep)) {
		size_t len = strcspn(p, sep);

		if (out->n >= NS_WEBHOOK_MAX_ALLOW) {
			snprintf(why, whysz, "more than %d networks", NS_WEBHOOK_MAX_ALLOW);
			return -1;
		}
		if (webhook_cidr_parse(p, len, &out->nets[out->n]) != 0) {
			snprintf(why, whysz, "'%.*s' is not an address or ADDRESS/BITS network "
			    "(e.g. 10.0.0.0/8, 127.0.0.1/32, fd00::/8)", (int)(len > 60 ? 60 : len), p);
			return -1;
		}
		out->n++;
		p += len;
	}
	return 0;
}

int
webhook_addr_allowed(const struct sockaddr *sa, const struct ns_webhook_allow *allow)
{
	const unsigned char	*a;
	size_t			 i;

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return 0;
	if (!webhook_addr_private(sa))
		return 1;
	a = sa->sa_family == AF_INET ?
	    (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr :
	    (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	for (i = 0; allow != NULL && i < allow->n; i++)
		if (allow->nets[i].family == sa->sa_family &&
		    webhook_prefix_eq(a, allow->nets[i].addr, allow->nets[i].bits))
			return 1;
	return 0;
}

/* The address of sa as text into buf ("?" when it cannot be shown). */
static void
webhook_addr_text(const struct sockaddr *sa, char *buf, size_t bufsz)
{
	const void *a = sa->sa_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

	if (bufsz == 0)
		return;
	if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
	    inet_ntop(sa->sa_family, a, buf, (socklen_t)bufsz) == NULL)
		snprintf(buf, bufsz, "?");
}

int
webhook_url_check(const char *url, const struct ns_webhook_allow *allow, char *why, size_t whysz)
{
	CURLU		*u = curl_url();
	char		*scheme = NULL, *host = NULL, shown[INET6_ADDRSTRLEN];
	struct addrinfo	 hints, *res = NULL, *ai;
	size_t		 hl;
	int		 rc = -1;

	if (u == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(why, whysz, "is not an http:// or https:// URL with a host");
		goto out;
	}
	hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {	/* [IPv6] */
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/*
	 * A name that does not resolve now (no DNS here yet, a record still to
	 * come) is no private address: accepted, since every delivery checks
	 * the address it connects to (webhook_curl_guard).
	 */
	if (getaddrinfo(host, NULL, &hints, &res) != 0) {
		res = NULL;
		rc = 0;
		goto out;
	}
	/* Every address the name has: one private address is enough to refuse. */
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (!webhook_addr_allowed(ai->ai_addr, allow)) {
			webhook_addr_text(ai->ai_addr, shown, sizeof(shown));
			snprintf(why, whysz, "goes to %s, a private, loopback or link-local address; "
			    "webhooks go to public addresses only (an operator may allow a network "
			    "with %s, e.g. %s=10.0.0.0/8)", shown, NS_WEBHOOK_ALLOW_ENV,
			    NS_WEBHOOK_ALLOW_ENV);
			goto out;
		}
	rc = 0;
out:
	if (res != NULL)
		freeaddrinfo(res);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* libcurl's socket: opened only for an address the guard allows. */
static curl_socket_t
webhook_opensocket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	struct ns_webhook_guard	*g = clientp;

	if (purpose != CURLSOCKTYPE_IPCXN || !webhook_addr_allowed(&address->addr, g->allow)) {
		g->refused = 1;
		webhook_addr_text(&address->addr, g->addr, sizeof(g->addr));
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

int
webhook_curl_guard(void *curl, struct ns_webhook_guard *g)
{
	CURL *c = curl;

	g->refused = 0;
	g->addr[0] = '\0';
	/* No proxy (it would connect for us, unchecked), no redirects, http(s) only. */
	if (curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, webhook_opensocket) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, g) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOPROXY, "*") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
		return -1;
	return 0;
}
