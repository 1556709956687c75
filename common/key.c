/*
 * key.c — API keys (machine credentials for ingestion): making one,
 * recognising one in an Authorization header (Bearer, or HTTP Basic with
 * the key as the user name and an empty password, as Segment's clients
 * send it), hashing it, and the scope names.  Pure: no database, no I/O
 * but getrandom(2).
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "northstar.h"

static const char key_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const struct {
	unsigned	 bit;
	const char	*name;
} key_scopes[] = {
	{ NS_SCOPE_BILLING,	"ingest:billing" },
	{ NS_SCOPE_EVENTS,	"ingest:events" },
	{ NS_SCOPE_MARKETING,	"ingest:marketing" },
	{ NS_SCOPE_SALES,	"ingest:sales" },
	{ NS_SCOPE_SUPPORT,	"ingest:support" },
};
#define KEY_NSCOPES	(sizeof(key_scopes) / sizeof(key_scopes[0]))

int
key_new(char *out, size_t outsz)
{
	unsigned char	 raw[NS_KEY_RANDOM_BYTES];
	size_t		 got = 0, i, o;
	unsigned	 acc = 0;
	int		 bits = 0;

	if (outsz < NS_KEY_LEN + 1)
		return -1;
	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	memcpy(out, NS_KEY_PREFIX, sizeof(NS_KEY_PREFIX) - 1);
	o = sizeof(NS_KEY_PREFIX) - 1;
	/* base64url without padding: 32 bytes → 43 characters. */
	for (i = 0; i < sizeof(raw); i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = key_b64url[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		out[o++] = key_b64url[(acc << (6 - bits)) & 0x3f];
	out[o] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return o == NS_KEY_LEN ? 0 : -1;
}

int
key_valid(const char *s, size_t len)
{
	size_t i, p = sizeof(NS_KEY_PREFIX) - 1;

	if (len != NS_KEY_LEN || strncmp(s, NS_KEY_PREFIX, p) != 0)
		return 0;
	for (i = p; i < len; i++)
		if (s[i] == '\0' || strchr(key_b64url, s[i]) == NULL)
			return 0;
	return 1;
}

int
key_hash_hex(const char *key, char *out, size_t outsz)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	if (outsz < NS_KEY_HASH_HEX + 1 ||
	    EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * mdlen] = '\0';
	return 0;
}

/* The value of a standard base64 digit, or -1. */
static int
key_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
key_base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	size_t		 i, o = 0, pad = 0;
	unsigned	 acc = 0;
	int		 bits = 0;

	/* Padded standard base64 (RFC 4648 section 4), as HTTP Basic uses it. */
	if (inlen % 4 != 0)
		return -1;
	for (i = 0; i < inlen; i++) {
		int v;

		if (in[i] == '=') {
			/* Only at the end, at most two. */
			if (i + 2 < inlen || (i + 1 < inlen && in[i + 1] != '='))
				return -1;
			pad++;
			continue;
		}
		if ((v = key_b64_value((unsigned char)in[i])) < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outsz)
				return -1;
			out[o++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2)
		return -1;
	*outlen = o;
	return 0;
}

int
key_from_authorization(const char *h, char *key, size_t keysz)
{
	unsigned char	 dec[NS_KEY_LEN + 8];
	size_t		 n, declen;
	int		 rc = -1;

	if (h == NULL || keysz < NS_KEY_LEN + 1)
		return h == NULL ? 0 : -1;
	if (strncmp(h, "Bearer ", 7) == 0) {
		h += 7;
		if (strncmp(h, NS_KEY_PREFIX, sizeof(NS_KEY_PREFIX) - 1) != 0)
			return 0;	/* a session token */
		n = strlen(h);
		if (!key_valid(h, n))
			return -1;
		memcpy(key, h, n + 1);
		return 1;
	}
	if (strncmp(h, "Basic ", 6) != 0)
		return 0;
	h += 6;
	/* "nsk_…:" is 48 bytes, 64 in base64; anything longer is no key. */
	n = strlen(h);
	if (n > 4 * ((NS_KEY_LEN + 1 + 2) / 3) ||
	    key_base64_decode(h, n, dec, sizeof(dec), &declen) != 0)
		goto out;
	/* The key is the user name; the password must be empty. */
	if (declen != NS_KEY_LEN + 1 || dec[NS_KEY_LEN] != ':' ||
	    !key_valid((const char *)dec, NS_KEY_LEN))
		goto out;
	memcpy(key, dec, NS_KEY_LEN);
	key[NS_KEY_LEN] = '\0';
	rc = 1;
out:
	explicit_bzero(dec, sizeof(dec));
	return rc;
}

unsigned
key_scope_parse(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < KEY_NSCOPES; i++)
		if (strlen(key_scopes[i].name) == len && strncmp(key_scopes[i].name, s, len) == 0)
			return key_scopes[i].bit;
	return 0;
}

unsigned
key_scopes_parse(const char *list)
{
	unsigned	 bits = 0;
	const char	*p = list;

	if (list == NULL || *list == '\0')
		return 0;
	for (;;) {
		size_t		 n = strcspn(p, ",");
		unsigned	 b = key_scope_parse(p, n);

		if (b == 0)
			return 0;
		bits |= b;
		if (p[n] == '\0')
			return bits;
		p += n + 1;
	}
}

size_t
key_scopes_format(unsigned bits, char *out, size_t outsz)
{
	size_t	 i, o = 0;

	if (outsz == 0)
		return 0;
	out[0] = '\0';
	for (i = 0; i < KEY_NSCOPES; i++) {
		int n;

		if (!(bits & key_scopes[i].bit))
			continue;
		n = snprintf(out + o, outsz - o, "%s%s", o > 0 ? "," : "", key_scopes[i].name);
		if (n < 0 || (size_t)n >= outsz - o)
			break;
		o += (size_t)n;
	}
	return o;
}
