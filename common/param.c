/*
 * param.c — query-string parsing and declarative validation.
 *
 * Every parameter a route accepts is declared in its table; anything else
 * (unknown names, repeats, bad encoding, empty values, out-of-range
 * numbers, impossible dates) is refused here with a message that names
 * the parameter, before any handler or the database sees the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "internal.h"

static const char *const format_words[] = { "json", "csv", NULL };
static const struct ns_param range_params[] = {
	{ "from", NS_P_DATE, 0, 0, NULL, NULL },
	{ "to", NS_P_DATE, 0, 0, NULL, NULL },
	{ "days", NS_P_INT, 1, NS_MAX_SPAN_DAYS, NULL, NULL },
};
static const struct ns_param asof_param = { "as_of", NS_P_DATE, 0, 0, NULL, NULL };
static const struct ns_param format_param = { "format", NS_P_ENUM, 0, 0, format_words, "json" };

/*
 * Decode %XX and '+' in place.  Returns 0, or -1 on a malformed escape or
 * an encoded NUL (which would silently truncate the value).
 */
int
param_percent_decode(char *s)
{
	char	*o = s;

	for (; *s != '\0'; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%') {
			int hi = OPENSSL_hexchar2int((unsigned char)s[1]),
			    lo = hi < 0 ? -1 : OPENSSL_hexchar2int((unsigned char)s[2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*o++ = (char)(hi * 16 + lo);
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return 0;
}

/*
 * Is s[0..len) well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF)?  0, or -1 with the offset of the
 * first byte of the first bad sequence in *bad (when bad is not NULL).
 * PostgreSQL refuses such text with a message of its own; the front line
 * refuses it first, naming the parameter or the body.
 */
int
param_utf8_valid(const char *s, size_t len, size_t *bad)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0;

	while (i < len) {
		unsigned char	 c = u[i];
		size_t		 n, k;
		unsigned char	 lo = 0x80, hi = 0xBF;	/* range of the second byte */

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			if (c == 0xE0)
				lo = 0xA0;		/* overlong */
			else if (c == 0xED)
				hi = 0x9F;		/* surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			if (c == 0xF0)
				lo = 0x90;		/* overlong */
			else if (c == 0xF4)
				hi = 0x8F;		/* above U+10FFFF */
		} else
			goto fail;
		if (len - i - 1 < n)		/* cut short */
			goto fail;
		if (u[i + 1] < lo || u[i + 1] > hi)
			goto fail;
		for (k = 2; k <= n; k++)
			if (u[i + k] < 0x80 || u[i + k] > 0xBF)
				goto fail;
		i += n + 1;
	}
	return 0;
fail:
	if (bad != NULL)
		*bad = i;
	return -1;
}

/* Strict decimal integer in [min, max]: optional '-', 1–18 digits. */
int
param_int_valid(const char *s, long min, long max, long *out)
{
	const char	*p = s;
	long long	 v = 0;
	int		 neg = 0, digits = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 18)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (digits == 0 || *p != '\0')
		return -1;
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -1;
	if (out != NULL)
		*out = (long)v;
	return 0;
}

/* Decimal number in [min, max] with at most 6 fractional digits. */
int
param_num_valid(const char *s, long min, long max)
{
	char		 ipart[24];
	const char	*dot = strchr(s, '.');
	size_t		 ilen = dot != NULL ? (size_t)(dot - s) : strlen(s);
	long		 iv;

	if (ilen == 0 || ilen >= sizeof(ipart))
		return -1;
	memcpy(ipart, s, ilen);
	ipart[ilen] = '\0';
	if (strcmp(ipart, "-") == 0)
		return -1;
	if (param_int_valid(ipart, min, max, &iv) != 0)
		return -1;
	if (dot != NULL) {
		const char *f = dot + 1;
		size_t n = strlen(f);

		if (n == 0 || n > 6 || strspn(f, "0123456789") != n)
			return -1;
		/* max itself with a fraction is out of range. */
		if (iv == max && strspn(f, "0") != n)
			return -1;
		if (iv == min && ipart[0] == '-' && strspn(f, "0") != n)
			return -1;
	}
	return 0;
}

int
param_days_in_month(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

/* YYYY-MM-DD naming a real day between 1900 and 2999. */
int
param_date_valid(const char *s)
{
	int	 y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = atoi(s);
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1)
		return -1;
	return d <= param_days_in_month(y, m) ? 0 : -1;
}

static int
word_valid(const char *s, long maxlen)
{
	size_t n = strlen(s);

	return n >= 1 && (long)n <= maxlen &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-/") == n ? 0 : -1;
}

/* Check one value against its declaration; message into err on failure. */
static int
param_check(const struct ns_param *p, const char *v, char *err, size_t errsz)
{
	size_t i;

	switch (p->type) {
	case NS_P_INT:
		if (param_int_valid(v, p->min, p->max, NULL) == 0)
			return 0;
		snprintf(err, errsz, "parameter '%s' must be an integer from %ld to %ld",
		    p->name, p->min, p->max);
		return -1;
	case NS_P_NUM:
		if (param_num_valid(v, p->min, p->max) == 0)
			return 0;
		snprintf(err, errsz, "parameter '%s' must be a number from %ld to %ld",
		    p->name, p->min, p->max);
		return -1;
	case NS_P_DATE:
		if (param_date_valid(v) == 0)
			return 0;
		snprintf(err, errsz, "parameter '%s' must be a real date as YYYY-MM-DD", p->name);
		return -1;
	case NS_P_ENUM:
		for (i = 0; p->words[i] != NULL; i++)
			if (strcmp(p->words[i], v) == 0)
				return 0;
		{
			size_t o = (size_t)snprintf(err, errsz, "parameter '%s' must be one of", p->name);
			for (i = 0; p->words[i] != NULL && o < errsz; i++)
				o += (size_t)snprintf(err + o, errsz - o, "%s%s",
				    i == 0 ? " " : ", ", p->words[i]);
		}
		return -1;
	case NS_P_WORD:
		if (word_valid(v, p->max) == 0)
			return 0;
		snprintf(err, errsz, "parameter '%s' must be 1 to %ld letters, digits or _.-/",
		    p->name, p->max);
		return -1;
	}
	return -1;
}

/* The full list of parameters a route accepts, in SQL argument order. */
static size_t
param_decls(const struct ns_route *r, const struct ns_param **out, size_t max)
{
	size_t n = 0, i;

	for (i = 0; r->params != NULL && r->params[i].name != NULL && n < max; i++)
		out[n++] = &r->params[i];
	if ((r->flags & NS_F_RANGE) && n + 3 <= max)
		for (i = 0; i < 3; i++)
			out[n++] = &range_params[i];
	if ((r->flags & NS_F_ASOF) && n < max)
		out[n++] = &asof_param;
	if ((r->flags & NS_F_CSV) && n < max)
		out[n++] = &format_param;
	return n;
}

/* A name safe to echo in an error message: printable, at most 40 bytes. */
static void
param_name_echo(char *dst, size_t dstsz, const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < dstsz && i < 40; i++)
		dst[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? name[i] : '?';
	dst[i] = '\0';
}

/* from <= to; both dates are already valid, so text order is date order. */
static int
param_range_check(struct ns_req *req, char *err, size_t errsz)
{
	const char *from = param_get(req, "from"), *to = param_get(req, "to");

	if (param_get(req, "days") != NULL && (from != NULL || to != NULL)) {
		snprintf(err, errsz, "give either 'days' or 'from'/'to', not both");
		return -1;
	}
	if (from != NULL && to != NULL) {
		if (strcmp(from, to) > 0) {
			snprintf(err, errsz, "parameter 'from' (%s) is after 'to' (%s)", from, to);
			return -1;
		}
		struct tm a = { 0 }, b = { 0 };
		a.tm_year = atoi(from) - 1900; a.tm_mon = atoi(from + 5) - 1; a.tm_mday = atoi(from + 8);
		b.tm_year = atoi(to) - 1900; b.tm_mon = atoi(to + 5) - 1; b.tm_mday = atoi(to + 8);
		if (difftime(timegm(&b), timegm(&a)) / 86400.0 >= NS_MAX_SPAN_DAYS) {
			snprintf(err, errsz, "the range from %s to %s is longer than %d days",
			    from, to, NS_MAX_SPAN_DAYS);
			return -1;
		}
	}
	return 0;
}

void
param_today(char *buf, size_t sz)
{
	time_t		 now = time(NULL);
	struct tm	 tm;

	localtime_r(&now, &tm);		/* TZ is the reporting zone (config.c) */
	snprintf(buf, sz, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/*
 * The one as_of rule: a point-in-time answer is about a day that has
 * begun.  A date after today in the reporting zone is refused, with the
 * same message on every route.  Valid dates compare as text.
 */
static int
param_asof_check(struct ns_req *req, char *err, size_t errsz)
{
	const char	*as_of = param_get(req, "as_of");
	char		 today[16];

	if (as_of == NULL)
		return 0;
	param_today(today, sizeof(today));
	if (strcmp(as_of, today) > 0) {
		snprintf(err, errsz, "parameter 'as_of' (%s) is after today (%s in %s)",
		    as_of, today, config_tz());
		return -1;
	}
	return 0;
}

int
param_parse(struct ns_req *req, const char *query, char *err, size_t errsz)
{
	const struct ns_param	*decl[NS_MAX_PARAMS];
	size_t			 n, i, qlen = query != NULL ? strlen(query) : 0;
	char			*p, *pair, *save = NULL, name[48];

	n = param_decls(req->route, decl, NS_MAX_PARAMS);
	req->nvals = n;
	for (i = 0; i < n; i++) {
		req->vals[i].name = decl[i]->name;
		req->vals[i].text = NULL;
	}
	if (qlen >= sizeof(req->qbuf)) {
		snprintf(err, errsz, "query string longer than %zu bytes", sizeof(req->qbuf) - 1);
		return -1;
	}
	memcpy(req->qbuf, query != NULL ? query : "", qlen + 1);
	for (p = req->qbuf; (pair = strtok_r(p, "&", &save)) != NULL; p = NULL) {
		char *val = strchr(pair, '=');

		if (val != NULL)
			*val++ = '\0';
		if (param_percent_decode(pair) != 0) {
			snprintf(err, errsz, "malformed percent-encoding in a parameter name");
			return -1;
		}
		param_name_echo(name, sizeof(name), pair);
		if (param_utf8_valid(pair, strlen(pair), NULL) != 0) {
			snprintf(err, errsz, "parameter name '%s' is not valid UTF-8: percent-encode "
			    "the UTF-8 bytes of the text", name);
			return -1;
		}
		if (val != NULL && param_percent_decode(val) != 0) {
			snprintf(err, errsz, "parameter '%s' has a malformed percent-encoding "
			    "(or an encoded NUL)", name);
			return -1;
		}
		if (val != NULL && param_utf8_valid(val, strlen(val), NULL) != 0) {
			snprintf(err, errsz, "parameter '%s' is not valid UTF-8: percent-encode the "
			    "UTF-8 bytes of the text", name);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (strcmp(decl[i]->name, pair) == 0)
				break;
		if (i == n) {
			snprintf(err, errsz, "unknown parameter '%s'", name);
			return -1;
		}
		if (req->vals[i].text != NULL) {
			snprintf(err, errsz, "parameter '%s' is given more than once", name);
			return -1;
		}
		if (val == NULL || *val == '\0') {
			snprintf(err, errsz, "parameter '%s' is empty", name);
			return -1;
		}
		if (param_check(decl[i], val, err, errsz) != 0)
			return -1;
		req->vals[i].text = val;
	}
	for (i = 0; i < n; i++)
		if (req->vals[i].text == NULL)
			req->vals[i].text = decl[i]->def;
	if ((req->route->flags & NS_F_RANGE) && param_range_check(req, err, errsz) != 0)
		return -1;
	if ((req->route->flags & NS_F_ASOF) && param_asof_check(req, err, errsz) != 0)
		return -1;
	if (req->route->flags & NS_F_CSV) {
		const char *f = param_get(req, "format");

		req->want_csv = f != NULL && strcmp(f, "csv") == 0;
	}
	return 0;
}

const char *
param_get(const struct ns_req *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nvals; i++)
		if (strcmp(req->vals[i].name, name) == 0)
			return req->vals[i].text;
	return NULL;
}
