/*
 * northstar-import — load the exports people already have (docs/ingest.md "Importers").
 *
 *   northstar-import [--dry-run] [--currency XXX] FORMAT FILE...
 *
 * Each row becomes the canonical JSON record of docs/ingest.md "Record endpoints" and goes
 * through the SAME SQL functions as the HTTP endpoints (api.revenue_customers_ingest …), in
 * chunks of at most 2,500 records, all chunks of one file in one transaction: a file whose rows
 * are all valid is committed, a file with any bad row is rolled back and every bad row is
 * reported as FILE:LINE:COLUMN: reason.  Re-importing a file changes nothing (the functions are
 * idempotent by external id).  --dry-run prints the records (TABLE<TAB>JSON, one a line) and
 * touches no database.  The database comes from NS_DATABASE_URL.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "csvread.h"

#define IMP_CHUNK	2500	/* records per call: the endpoints' limit */
#define IMP_MAX_ERRS	200	/* bad rows printed per file; the rest are counted */
#define IMP_MAX_COLS	128	/* the ECB file has 43 */

/* ------------------------------------------------------------------ tables */

enum table { T_CUSTOMERS, T_SUBSCRIPTIONS, T_ORDERS, T_BILLING, T_CAMPAIGNS, T_SPEND, T_FX, T__MAX };

/* In the order a file's records are stored: what is referred to goes first. */
static const struct {
	const char	*name;	/* as printed */
	const char	*sql;	/* the endpoint's function (docs/ingest.md) */
} tables[T__MAX] = {
	[T_CUSTOMERS] = { "customers", "SELECT api.revenue_customers_ingest(p_user => 0, p_role => NULL, "
	    "p_body => $1::jsonb, p_key => $2, p_max_records => 2500)" },
	[T_SUBSCRIPTIONS] = { "subscriptions", "SELECT api.revenue_subscriptions_ingest(p_user => 0, "
	    "p_role => NULL, p_body => $1::jsonb, p_key => $2, p_max_records => 2500)" },
	[T_ORDERS] = { "orders", "SELECT api.revenue_orders_ingest(p_user => 0, p_role => NULL, "
	    "p_body => $1::jsonb, p_key => $2, p_max_records => 2500)" },
	[T_BILLING] = { "billing-events", "SELECT api.revenue_billing_events_ingest(p_user => 0, "
	    "p_role => NULL, p_body => $1::jsonb, p_key => $2, p_max_records => 2500)" },
	[T_CAMPAIGNS] = { "campaigns", "SELECT api.marketing_campaigns_ingest(p_user => 0, p_role => NULL, "
	    "p_body => $1::jsonb, p_key => $2, p_max_records => 2500)" },
	[T_SPEND] = { "spend", "SELECT api.marketing_spend_ingest(p_user => 0, p_role => NULL, "
	    "p_body => $1::jsonb, p_key => $2, p_max_records => 2500)" },
	[T_FX] = { "fx-rates", "SELECT api.fx_rates_ingest(p_user => 0, p_role => NULL, "
	    "p_body => $1::jsonb, p_key => $2, p_max_records => 2500)" },
};

/* ------------------------------------------------------------------ a string map */

/* Open addressing, FNV-1a; keys are copied; values are indexes of the caller's arrays. */
struct smap {
	char	**keys;
	size_t	 *vals;
	size_t	  cap, n;
};

static size_t
smap_hash(const char *s)
{
	size_t	 h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Grows the table to twice its size; -1 when out of memory (the table is unchanged). */
static int
smap_grow(struct smap *m)
{
	size_t	 ncap = m->cap == 0 ? 256 : m->cap * 2, i, j;
	char	**nk = calloc(ncap, sizeof(*nk));
	size_t	 *nv = calloc(ncap, sizeof(*nv));

	if (nk == NULL || nv == NULL) {
		free(nk);
		free(nv);
		return -1;
	}
	for (i = 0; i < m->cap; i++) {
		if (m->keys[i] == NULL)
			continue;
		for (j = smap_hash(m->keys[i]) & (ncap - 1); nk[j] != NULL; j = (j + 1) & (ncap - 1))
			;
		nk[j] = m->keys[i];
		nv[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = ncap;
	return 0;
}

/*
 * The value of key; when absent and val is not SIZE_MAX, stores val and returns SIZE_MAX (a new
 * key); when absent and val is SIZE_MAX, returns SIZE_MAX.  Out of memory also returns SIZE_MAX
 * after setting *oom.
 */
static size_t
smap_get(struct smap *m, const char *key, size_t val, int *oom)
{
	size_t	 j;

	if (m->cap == 0 || (m->n + 1) * 2 > m->cap) {
		if (smap_grow(m) != 0) {
			*oom = 1;
			return SIZE_MAX;
		}
	}
	for (j = smap_hash(key) & (m->cap - 1); m->keys[j] != NULL; j = (j + 1) & (m->cap - 1))
		if (strcmp(m->keys[j], key) == 0)
			return m->vals[j];
	if (val != SIZE_MAX) {
		if ((m->keys[j] = strdup(key)) == NULL) {
			*oom = 1;
			return SIZE_MAX;
		}
		m->vals[j] = val;
		m->n++;
	}
	return SIZE_MAX;
}

static void
smap_free(struct smap *m)
{
	size_t	 i;

	for (i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Room for one more element in *p (of sz bytes, *cap of them); -1 when out of memory. */
static int
grow(void *pp, size_t *cap, size_t n, size_t sz)
{
	void	**p = pp, *q;
	size_t	  ncap;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 64 : *cap * 2;
	if ((q = realloc(*p, ncap * sz)) == NULL)
		return -1;
	*p = q;
	*cap = ncap;
	return 0;
}

/* ------------------------------------------------------------------ formats */

/* A column a format reads: its names as vendors write them ("A|B"), and whether it must be there. */
struct coldef {
	const char	*names;
	int		 required;
};

/* Which column a record's JSON field came from, to report a rejection at its column. */
struct fieldcol {
	const char	*field;
	int		 col;
};

struct imp;
typedef void	(*row_fn)(struct imp *, char *const *, size_t, unsigned long);
typedef void	(*end_fn)(struct imp *);

struct format {
	const char		*name;
	const char		*what;		/* one line for the usage */
	const struct coldef	*cols;		/* NULL: Northstar's own CSV (the header names the fields) */
	enum table		 ntable;	/* for Northstar's own CSV */
	row_fn			 row;
	end_fn			 end;
};

struct rec {
	char			*json;
	unsigned long		 line;
	enum table		 t;
	const struct fieldcol	*map;	/* NULL: the column is named like the field */
};

struct skip {
	const char	*why;
	unsigned long	 n;
};

/* Shopify's customers, gathered from the orders by e-mail. */
struct scust {
	char		*email, *name, *country;
	char		 signup[64];
	long long	 signup_t;
	unsigned long	 line;
};

/* Ad spend summed per campaign and day (reports broken down by ad set or ad have several rows). */
struct aspend {
	char		*campaign, *day;
	char		 currency[4];
	long long	 spend, impressions, clicks, conversions;
	unsigned long	 line;
};

struct acamp {
	char		*id, *name;
	char		 first[11], last[11], currency[4];
	unsigned long	 line;
};

/* One file's import. */
struct imp {
	const char		*path;
	const struct format	*fmt;
	const char		*currency;	/* --currency */
	char			**hdr;
	size_t			 nh;
	int			 col[IMP_MAX_COLS];	/* a format's column → its index in the header, or -1 */
	struct rec		*recs;
	size_t			 nrec, caprec;
	unsigned long		 rows, nerr;
	struct skip		 skips[8];
	int			 oom;
	/* grouping state of the formats that need it */
	struct smap		 map1, map2;
	struct scust		*custs;
	size_t			 ncust, capcust;
	struct aspend		*spend;
	size_t			 nspend, capspend;
	struct acamp		*camps;
	size_t			 ncamp, capcamp;
	char			*order_name;	/* Shopify: the order whose rows are being read */
	char			**order_vals;
	unsigned long		 order_line;
	char			 fxcur[IMP_MAX_COLS][4];
};

/* ------------------------------------------------------------------ reporting */

static int	 imp_progress_tty;

/* The name of a format's column as the file spells it (or as the format names it, when absent). */
static const char *
imp_colname(const struct imp *im, int c)
{
	static char	 buf[128];
	const char	*names, *bar;
	size_t		 n;

	if (c >= 0 && im->col[c] >= 0)
		return im->hdr[im->col[c]];
	if (c < 0 || im->fmt->cols == NULL)
		return "?";
	names = im->fmt->cols[c].names;
	bar = strchr(names, '|');
	n = bar != NULL ? (size_t)(bar - names) : strlen(names);
	snprintf(buf, sizeof(buf), "%.*s", (int)n, names);
	return buf;
}

/* Reports a bad row as FILE:LINE:COLUMN: reason (the first IMP_MAX_ERRS; all are counted). */
static void
imp_err(struct imp *im, unsigned long line, const char *column, const char *fmt, ...)
{
	va_list	 ap;

	if (++im->nerr > IMP_MAX_ERRS)
		return;
	if (imp_progress_tty)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s:%lu:%s: ", im->path, line, column);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
imp_colerr(struct imp *im, unsigned long line, int c, const char *fmt, const char *val)
{
	imp_err(im, line, imp_colname(im, c), fmt, val);
}

/* Counts a row that is deliberately not imported, by reason (printed in the summary). */
static void
imp_skip(struct imp *im, const char *why)
{
	size_t	 i;

	for (i = 0; i < sizeof(im->skips) / sizeof(im->skips[0]); i++) {
		if (im->skips[i].why == NULL)
			im->skips[i].why = why;
		if (im->skips[i].why == why || strcmp(im->skips[i].why, why) == 0) {
			im->skips[i].n++;
			return;
		}
	}
}

/* Appends a record (takes the cJSON tree and frees it); sets oom when memory runs out. */
static void
imp_add(struct imp *im, enum table t, cJSON *o, unsigned long line, const struct fieldcol *map)
{
	char	*json = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	if (json == NULL) {
		im->oom = 1;
		return;
	}
	if (im->nrec == im->caprec) {
		size_t		 ncap = im->caprec == 0 ? 1024 : im->caprec * 2;
		struct rec	*n = realloc(im->recs, ncap * sizeof(*n));

		if (n == NULL) {
			cJSON_free(json);
			im->oom = 1;
			return;
		}
		im->recs = n;
		im->caprec = ncap;
	}
	im->recs[im->nrec++] = (struct rec){ json, line, t, map };
}

/* ------------------------------------------------------------------ values */

/* The value of a format's column in this row ("" when the column is absent or the row short). */
static const char *
F(const struct imp *im, char *const *f, size_t n, int c)
{
	int	 i = im->col[c];

	return i >= 0 && (size_t)i < n ? f[i] : "";
}

/* Digits of the minor unit of an ISO 4217 currency (Stripe's list of zero-decimal currencies). */
static int
cur_exponent(const char *cur)
{
	static const char zero[] = "BIF CLP DJF GNF ISK JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF";
	static const char three[] = "BHD IQD JOD KWD LYD OMR TND";

	if (strstr(zero, cur) != NULL)
		return 0;
	if (strstr(three, cur) != NULL)
		return 3;
	return 2;
}

/* An ISO 4217 code from s (any case) into out[4]; -1 when s is not three letters. */
static int
cur_code(const char *s, char out[4])
{
	int	 i;

	for (i = 0; i < 3; i++) {
		if (!isalpha((unsigned char)s[i]))
			return -1;
		out[i] = (char)toupper((unsigned char)s[i]);
	}
	out[3] = '\0';
	return s[3] == '\0' ? 0 : -1;
}

/*
 * A non-negative decimal amount in major units ("1,234.50", "49", "0.5") as minor units of
 * cur; -1 when it is not one, negative, or has more decimals than the currency (no rounding).
 */
static int
money_cents(const char *s, const char *cur, long long *out)
{
	int		 exp = cur_exponent(cur), dec = -1, ndig = 0, grp = -1;
	long long	 v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s)) {
			if (v > (LLONG_MAX - 9) / 10)
				return -1;
			v = v * 10 + (*s - '0');
			ndig++;
			if (dec >= 0)
				dec++;
			else if (grp >= 0)
				grp++;
		} else if (*s == '.' && dec < 0 && ndig > 0 && (grp < 0 || grp == 3))
			dec = 0;
		else if (*s == ',' && dec < 0 && ndig > 0 && (grp < 0 || grp == 3) && (grp >= 0 || ndig <= 3))
			grp = 0;	/* a thousands separator: groups of three digits */
		else
			return -1;
	}
	if (grp >= 0 && grp != 3 && dec < 0)
		return -1;
	if (dec < 0)
		dec = 0;
	for (; dec > exp; dec--) {	/* trailing zeros beyond the exponent are harmless */
		if (v % 10 != 0)
			return -1;
		v /= 10;
	}
	for (; dec < exp; dec++) {
		if (v > LLONG_MAX / 10)
			return -1;
		v *= 10;
	}
	*out = v;
	return 0;
}

/* A non-negative integer count ("1,204", "12"; an empty value is 0); -1 when it is not one. */
static int
count_value(const char *s, long long *out)
{
	long long	 v = 0;

	if (*s == '\0') {
		*out = 0;
		return 0;
	}
	for (; *s; s++) {
		if (*s == ',')
			continue;
		if (*s == '.') {	/* "3.00" conversions */
			for (s++; *s == '0'; s++)
				;
			if (*s != '\0')
				return -1;
			break;
		}
		if (!isdigit((unsigned char)*s) || v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* Reads exactly n digits at s into *v; -1 when they are not digits. */
static int
digits(const char *s, int n, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/*
 * An instant as exports write it, to ISO 8601 in out (and seconds since 1970 in *t):
 * "2026-03-01 12:00[:00[.123]]" (Stripe's "(UTC)" columns: UTC), "2026-03-01 12:00:00 -0500"
 * (Shopify), "2026-03-01T12:00:00Z" or "…+01:00", or a bare day (midnight UTC).  -1 otherwise.
 */
static int
ts_iso(const char *s, char *out, size_t outsz, long long *t)
{
	int		 y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
	const char	*p;
	struct tm	 tm;

	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	p = s + 10;
	if (*p == ' ' || *p == 'T') {
		if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
			return -1;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &se))
				return -1;
			p += 3;
			if (*p == '.')
				for (p++; isdigit((unsigned char)*p); p++)
					;
		}
		if (*p == ' ')
			p++;
		if (*p == 'Z' || *p == 'z')
			p++;
		else if (*p == '+' || *p == '-') {
			sign = *p == '-' ? -1 : 1;
			if (digits(p + 1, 2, &oh))
				return -1;
			p += 3;
			if (*p == ':')
				p++;
			if (*p != '\0') {
				if (digits(p, 2, &om))
					return -1;
				p += 2;
			}
		}
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || oh > 14 ||
	    om > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*t = (long long)timegm(&tm) - sign * (oh * 3600 + om * 60);
	if (sign == 0)
		snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, se);
	else
		snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, mo, d, h, mi, se,
		    sign < 0 ? '-' : '+', oh, om);
	return 0;
}

/* A day ("2026-03-01", optionally followed by a midnight time as TikTok writes it) into out[11]. */
static int
day_iso(const char *s, char out[11])
{
	int	 y, mo, d;

	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if (s[10] != '\0' && strcmp(s + 10, " 00:00:00") != 0 && strcmp(s + 10, "T00:00:00") != 0)
		return -1;
	memcpy(out, s, 10);
	out[10] = '\0';
	return 0;
}

/* Lower-cases s in place and returns it. */
static char *
lower(char *s)
{
	char	*p;

	for (p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/* Reads a required instant column; 0 with the value in out, -1 after reporting the row. */
static int
need_ts(struct imp *im, char *const *f, size_t n, unsigned long line, int c, char *out, size_t outsz,
    long long *t)
{
	const char	*v = F(im, f, n, c);

	if (*v == '\0') {
		imp_colerr(im, line, c, "empty%s: every row needs it", "");
		return -1;
	}
	if (ts_iso(v, out, outsz, t) != 0) {
		imp_colerr(im, line, c, "'%s' is not a date and time (2026-03-01 12:00:00, in UTC)", v);
		return -1;
	}
	return 0;
}

/* Reads an optional instant column: 1 with the value, 0 when empty, -1 after reporting it. */
static int
opt_ts(struct imp *im, char *const *f, size_t n, unsigned long line, int c, char *out, size_t outsz)
{
	const char	*v = F(im, f, n, c);
	long long	 t;

	if (*v == '\0')
		return 0;
	if (ts_iso(v, out, outsz, &t) != 0) {
		imp_colerr(im, line, c, "'%s' is not a date and time (2026-03-01 12:00:00, in UTC)", v);
		return -1;
	}
	return 1;
}

/* Reads a currency column (or --currency when it is empty/absent); -1 after reporting the row. */
static int
need_cur(struct imp *im, char *const *f, size_t n, unsigned long line, int c, char out[4])
{
	const char	*v = c >= 0 ? F(im, f, n, c) : "";

	if (*v == '\0' && im->currency != NULL)
		v = im->currency;
	if (*v == '\0') {
		imp_colerr(im, line, c, "no currency%s: give the column, or --currency XXX", "");
		return -1;
	}
	if (cur_code(v, out) != 0) {
		imp_colerr(im, line, c, "'%s' is not an ISO 4217 currency code (USD, EUR, ...)", v);
		return -1;
	}
	return 0;
}

/* Reads an amount column in major units as minor units; empty is 0 unless required. */
static int
need_money(struct imp *im, char *const *f, size_t n, unsigned long line, int c, const char *cur,
    int required, long long *out)
{
	const char	*v = F(im, f, n, c);

	if (*v == '\0' && !required) {
		*out = 0;
		return 0;
	}
	if (money_cents(v, cur, out) != 0) {
		imp_err(im, line, imp_colname(im, c), "'%s' is not an amount of %s (like 1234.50, not negative, "
		    "at most %d decimals)", v, cur, cur_exponent(cur));
		return -1;
	}
	return 0;
}

static int
need_count(struct imp *im, char *const *f, size_t n, unsigned long line, int c, long long *out)
{
	const char	*v = F(im, f, n, c);

	if (count_value(v, out) != 0) {
		imp_colerr(im, line, c, "'%s' is not a whole number", v);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ Stripe customers */

enum { SC_ID, SC_EMAIL, SC_NAME, SC_DESC, SC_CREATED, SC_COUNTRY };
static const struct coldef sc_cols[] = {
	[SC_ID] = { "id|Customer ID", 1 },
	[SC_EMAIL] = { "Email", 0 },
	[SC_NAME] = { "Name", 0 },
	[SC_DESC] = { "Description", 0 },
	[SC_CREATED] = { "Created (UTC)|Created", 1 },
	[SC_COUNTRY] = { "Address Country|Card Address Country", 0 },
	{ NULL, 0 }
};
static const struct fieldcol sc_map[] = {
	{ "external_id", SC_ID }, { "email", SC_EMAIL }, { "name", SC_NAME }, { "signup_at", SC_CREATED },
	{ "country", SC_COUNTRY }, { NULL, 0 }
};

static void
stripe_customer(struct imp *im, char *const *f, size_t n, unsigned long line)
{
	char		 ts[64];
	long long	 t;
	const char	*name = F(im, f, n, SC_NAME), *country = F(im, f, n, SC_COUNTRY);
	cJSON		*o;

	if (need_ts(im, f, n, line, SC_CREATED, ts, sizeof(ts), &t) != 0)
		return;
	/* the dashboard's Name, else its Description, else the e-mail: a customer always has a name */
	if (*name == '\0')
		name = F(im, f, n, SC_DESC);
	if (*name == '\0')
		name = F(im, f, n, SC_EMAIL);
	if (*name == '\0')
		name = F(im, f, n, SC_ID);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "external_id", F(im, f, n, SC_ID));
	cJSON_AddStringToObject(o, "name", name);
	if (*F(im, f, n, SC_EMAIL) != '\0')
		cJSON_AddStringToObject(o, "email", F(im, f, n, SC_EMAIL));
	cJSON_AddStringToObject(o, "signup_at", ts);
	if (strlen(country) == 2)
		cJSON_AddStringToObject(o, "country", country);
	imp_add(im, T_CUSTOMERS, o, line, sc_map);
}

/* ------------------------------------------------------------------ Stripe subscriptions */

enum { SS_ID, SS_CUSTOMER, SS_PLAN, SS_PRODUCT, SS_QUANTITY, SS_INTERVAL, SS_ICOUNT, SS_AMOUNT,
	SS_CURRENCY, SS_STATUS, SS_CREATED, SS_START, SS_CANCELED, SS_ENDED, SS_PERIOD };
static const struct coldef ss_cols[] = {
	[SS_ID] = { "id|Subscription ID", 1 },
	[SS_CUSTOMER] = { "Customer ID|Customer", 1 },
	[SS_PLAN] = { "Plan|Price ID|Plan ID|Price", 1 },
	[SS_PRODUCT] = { "Product|Product Name|Plan Name|Plan Nickname", 0 },
	[SS_QUANTITY] = { "Quantity", 0 },
	[SS_INTERVAL] = { "Interval|Plan Interval", 1 },
	[SS_ICOUNT] = { "Interval Count|Plan Interval Count", 0 },
	[SS_AMOUNT] = { "Amount|Plan Amount|Unit Amount", 1 },
	[SS_CURRENCY] = { "Currency|Plan Currency", 1 },
	[SS_STATUS] = { "Status", 1 },
	[SS_CREATED] = { "Created (UTC)", 0 },
	[SS_START] = { "Start (UTC)|Start Date (UTC)|Start", 0 },
	[SS_CANCELED] = { "Canceled At (UTC)", 0 },
	[SS_ENDED] = { "Ended At (UTC)", 0 },
	[SS_PERIOD] = { "Current Period Start (UTC)", 0 },
	{ NULL, 0 }
};
static const struct fieldcol ss_map[] = {
	{ "external_id", SS_ID }, { "customer_external_id", SS_CUSTOMER }, { "plan", SS_PLAN },
	{ "plan_name", SS_PRODUCT }, { "interval", SS_INTERVAL }, { "unit_amount_cents", SS_AMOUNT },
	{ "quantity", SS_QUANTITY }, { "currency", SS_CURRENCY }, { "status", SS_STATUS },
	{ "started_at", SS_START }, { "ended_at", SS_ENDED }, { "effective_at", SS_PERIOD }, { NULL, 0 }
};

/* Stripe's statuses onto Northstar's four; NULL (and *skip) for those that never billed. */
static const char *
stripe_status(const char *s, const char **skip)
{
	static const char *const same[] = { "trialing", "active", "past_due", "canceled" };
	size_t	 i;

	*skip = NULL;
	for (i = 0; i < 4; i++)
		if (strcasecmp(s, same[i]) == 0)
			return same[i];
	if (strcasecmp(s, "unpaid") == 0)	/* retries exhausted, still open: past due */
		return "past_due";
	if (strcasecmp(s, "incomplete") == 0 || strcasecmp(s, "incomplete_expired") == 0)
		*skip = "status incomplete (the first payment never succeeded)";
	else if (strcasecmp(s, "paused") == 0)
		*skip = "status paused";
	return NULL;
}

static void
stripe_subscription(struct imp *im, char *const *f, size_t n, unsigned long line)
{
	char		 cur[4], start[64], end[64], period[64], *interval;
	long long	 amount, qty = 1, t;
	const char	*status, *skip, *ic = F(im, f, n, SS_ICOUNT);
	int		 bad = 0, col_start = im->col[SS_START] >= 0 && *F(im, f, n, SS_START) ? SS_START : SS_CREATED;
	cJSON		*o;

	status = stripe_status(F(im, f, n, SS_STATUS), &skip);
	if (skip != NULL) {
		imp_skip(im, skip);
		return;
	}
	if (status == NULL) {
		imp_colerr(im, line, SS_STATUS, "unknown status '%s' (trialing, active, past_due, unpaid, "
		    "canceled, incomplete, incomplete_expired, paused)", F(im, f, n, SS_STATUS));
		return;
	}
	interval = lower(strdup(F(im, f, n, SS_INTERVAL)));
	if (interval == NULL) {
		im->oom = 1;
		return;
	}
	if (strcmp(interval, "monthly") == 0 || strcmp(interval, "yearly") == 0)
		interval[strlen(interval) - 2] = '\0';	/* month, year */
	if ((strcmp(interval, "month") != 0 && strcmp(interval, "year") != 0) ||
	    (*ic != '\0' && strcmp(ic, "1") != 0)) {
		imp_colerr(im, line, SS_INTERVAL, "interval '%s': only monthly and yearly plans (interval "
		    "count 1) have an MRR rule", F(im, f, n, SS_INTERVAL));
		bad = 1;
	}
	bad |= need_cur(im, f, n, line, SS_CURRENCY, cur) != 0;
	if (!bad)
		bad |= need_money(im, f, n, line, SS_AMOUNT, cur, 1, &amount) != 0;
	if (*F(im, f, n, SS_QUANTITY) != '\0')
		bad |= need_count(im, f, n, line, SS_QUANTITY, &qty) != 0;
	bad |= need_ts(im, f, n, line, col_start, start, sizeof(start), &t) != 0;
	/* ended: Ended At; a canceled row without it ended when it was canceled */
	end[0] = '\0';
	switch (opt_ts(im, f, n, line, SS_ENDED, end, sizeof(end))) {
	case -1:
		bad = 1;
		break;
	case 0:
		if (strcmp(status, "canceled") == 0 && opt_ts(im, f, n, line, SS_CANCELED, end, sizeof(end)) < 0)
			bad = 1;
		break;
	default:
		break;
	}
	/*
	 * The export carries no date of the last change: a version that differs from the one stored
	 * (a new plan, quantity or price) is dated at the start of the current billing period, where
	 * Stripe bills it, rather than updating the stored period in place (docs/ingest.md).
	 */
	period[0] = '\0';
	if (opt_ts(im, f, n, line, SS_PERIOD, period, sizeof(period)) < 0)
		bad = 1;
	if (bad) {
		free(interval);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "external_id", F(im, f, n, SS_ID));
	cJSON_AddStringToObject(o, "customer_external_id", F(im, f, n, SS_CUSTOMER));
	cJSON_AddStringToObject(o, "plan", F(im, f, n, SS_PLAN));
	if (*F(im, f, n, SS_PRODUCT) != '\0')
		cJSON_AddStringToObject(o, "plan_name", F(im, f, n, SS_PRODUCT));
	cJSON_AddStringToObject(o, "interval", interval);
	cJSON_AddNumberToObject(o, "unit_amount_cents", (double)amount);
	cJSON_AddNumberToObject(o, "quantity", (double)qty);
	cJSON_AddStringToObject(o, "currency", cur);
	cJSON_AddStringToObject(o, "status", status);
	cJSON_AddStringToObject(o, "started_at", start);
	if (end[0] != '\0')
		cJSON_AddStringToObject(o, "ended_at", end);
	if (period[0] != '\0')
		cJSON_AddStringToObject(o, "effective_at", period);
	free(interval);
	imp_add(im, T_SUBSCRIPTIONS, o, line, ss_map);
}

/* ------------------------------------------------------------------ Stripe payments */

enum { SP_ID, SP_CREATED, SP_AMOUNT, SP_REFUNDED, SP_CURRENCY, SP_STATUS, SP_CUSTOMER, SP_DISPUTED,
	SP_DISPUTE_DATE };
static const struct coldef sp_cols[] = {
	[SP_ID] = { "id|Payment ID|Charge ID", 1 },
	[SP_CREATED] = { "Created (UTC)|Created date (UTC)", 1 },
	[SP_AMOUNT] = { "Amount", 1 },
	[SP_REFUNDED] = { "Amount Refunded|Refunded Amount", 0 },
	[SP_CURRENCY] = { "Currency", 1 },
	[SP_STATUS] = { "Status", 1 },
	[SP_CUSTOMER] = { "Customer ID", 1 },
	[SP_DISPUTED] = { "Disputed Amount", 0 },
	[SP_DISPUTE_DATE] = { "Dispute Date (UTC)", 0 },
	{ NULL, 0 }
};
static const struct fieldcol sp_map[] = {
	{ "external_id", SP_ID }, { "customer_external_id", SP_CUSTOMER }, { "occurred_at", SP_CREATED },
	{ "amount_cents", SP_AMOUNT }, { "currency", SP_CURRENCY }, { "kind", SP_STATUS }, { NULL, 0 }
};
static const struct fieldcol sp_refund_map[] = {
	{ "external_id", SP_ID }, { "customer_external_id", SP_CUSTOMER }, { "occurred_at", SP_CREATED },
	{ "amount_cents", SP_REFUNDED }, { "currency", SP_CURRENCY }, { NULL, 0 }
};
static const struct fieldcol sp_dispute_map[] = {
	{ "external_id", SP_ID }, { "customer_external_id", SP_CUSTOMER }, { "occurred_at", SP_DISPUTE_DATE },
	{ "amount_cents", SP_DISPUTED }, { "currency", SP_CURRENCY }, { NULL, 0 }
};

/* One billing event of a payment row: its id with a suffix (":refund"), kind, amount, instant. */
static void
stripe_event(struct imp *im, char *const *f, size_t n, unsigned long line, const char *suffix,
    const char *kind, long long cents, const char *cur, const char *ts, const struct fieldcol *map)
{
	char	 id[256];
	cJSON	*o = cJSON_CreateObject();

	snprintf(id, sizeof(id), "%s%s", F(im, f, n, SP_ID), suffix);
	cJSON_AddStringToObject(o, "external_id", id);
	cJSON_AddStringToObject(o, "customer_external_id", F(im, f, n, SP_CUSTOMER));
	cJSON_AddStringToObject(o, "occurred_at", ts);
	cJSON_AddStringToObject(o, "kind", kind);
	cJSON_AddNumberToObject(o, "amount_cents", (double)cents);
	cJSON_AddStringToObject(o, "currency", cur);
	imp_add(im, T_BILLING, o, line, map);
}

static void
stripe_payment(struct imp *im, char *const *f, size_t n, unsigned long line)
{
	char		 cur[4], ts[64], dts[64], status[64];
	long long	 amount, refunded = 0, disputed = 0, t;
	int		 bad = 0, paid;

	snprintf(status, sizeof(status), "%s", F(im, f, n, SP_STATUS));
	lower(status);
	paid = strcmp(status, "paid") == 0 || strcmp(status, "succeeded") == 0 ||
	    strcmp(status, "refunded") == 0 || strcmp(status, "partially refunded") == 0 ||
	    strcmp(status, "partially_refunded") == 0 || strcmp(status, "disputed") == 0;
	if (!paid && strcmp(status, "failed") != 0) {
		imp_skip(im, "not paid and not failed (canceled, pending, uncaptured, ...)");
		return;
	}
	if (*F(im, f, n, SP_CUSTOMER) == '\0') {
		imp_skip(im, "no Customer ID (a guest payment: no customer to attribute it to)");
		return;
	}
	bad |= need_cur(im, f, n, line, SP_CURRENCY, cur) != 0;
	bad |= need_ts(im, f, n, line, SP_CREATED, ts, sizeof(ts), &t) != 0;
	if (!bad) {
		bad |= need_money(im, f, n, line, SP_AMOUNT, cur, 1, &amount) != 0;
		bad |= need_money(im, f, n, line, SP_REFUNDED, cur, 0, &refunded) != 0;
		bad |= need_money(im, f, n, line, SP_DISPUTED, cur, 0, &disputed) != 0;
	}
	memcpy(dts, ts, sizeof(dts));
	if (disputed > 0 && opt_ts(im, f, n, line, SP_DISPUTE_DATE, dts, sizeof(dts)) < 0)
		bad = 1;
	if (bad)
		return;
	if (!paid) {
		stripe_event(im, f, n, line, "", "payment_failed", amount, cur, ts, sp_map);
		return;
	}
	stripe_event(im, f, n, line, "", "payment_success", amount, cur, ts, sp_map);
	/* the export has no refund date: the refund is dated with the payment (docs/ingest.md) */
	if (refunded > 0)
		stripe_event(im, f, n, line, ":refund", "refund", refunded, cur, ts, sp_refund_map);
	if (disputed > 0)
		stripe_event(im, f, n, line, ":dispute", "chargeback", disputed, cur, dts, sp_dispute_map);
}

/* ------------------------------------------------------------------ Shopify orders */

enum { SH_NAME, SH_EMAIL, SH_FINANCIAL, SH_CURRENCY, SH_TOTAL, SH_REFUNDED, SH_CREATED, SH_ID,
	SH_BILLING_NAME, SH_BILLING_COUNTRY, SH__N };
static const struct coldef sh_cols[] = {
	[SH_NAME] = { "Name", 1 },
	[SH_EMAIL] = { "Email", 1 },
	[SH_FINANCIAL] = { "Financial Status", 0 },
	[SH_CURRENCY] = { "Currency", 1 },
	[SH_TOTAL] = { "Total", 1 },
	[SH_REFUNDED] = { "Refunded Amount", 0 },
	[SH_CREATED] = { "Created at", 1 },
	[SH_ID] = { "Id", 0 },
	[SH_BILLING_NAME] = { "Billing Name", 0 },
	[SH_BILLING_COUNTRY] = { "Billing Country", 0 },
	{ NULL, 0 }
};
static const struct fieldcol sh_order_map[] = {
	{ "external_id", SH_ID }, { "customer_external_id", SH_EMAIL }, { "ordered_at", SH_CREATED },
	{ "total_cents", SH_TOTAL }, { "currency", SH_CURRENCY }, { "refunded_cents", SH_REFUNDED },
	{ NULL, 0 }
};
static const struct fieldcol sh_cust_map[] = {
	{ "external_id", SH_EMAIL }, { "email", SH_EMAIL }, { "name", SH_BILLING_NAME },
	{ "signup_at", SH_CREATED }, { "country", SH_BILLING_COUNTRY }, { NULL, 0 }
};

/* The customer of an e-mail (lower-cased), made on its first order; NULL when out of memory. */
static struct scust *
shop_customer(struct imp *im, const char *email, const char *name, const char *country,
    const char *ts, long long t, unsigned long line)
{
	size_t		 i = smap_get(&im->map1, email, SIZE_MAX, &im->oom);
	struct scust	*c;

	if (i != SIZE_MAX) {
		c = &im->custs[i];
		if (t < c->signup_t) {	/* the first order is the sign-up */
			c->signup_t = t;
			snprintf(c->signup, sizeof(c->signup), "%s", ts);
			c->line = line;
		}
		return c;
	}
	if (grow(&im->custs, &im->capcust, im->ncust, sizeof(*im->custs)) != 0) {
		im->oom = 1;
		return NULL;
	}
	c = &im->custs[im->ncust];
	memset(c, 0, sizeof(*c));
	c->email = strdup(email);
	c->name = strdup(*name != '\0' ? name : email);
	c->country = strdup(country);
	c->signup_t = t;
	c->line = line;
	snprintf(c->signup, sizeof(c->signup), "%s", ts);
	if (c->email == NULL || c->name == NULL || c->country == NULL) {
		im->oom = 1;
		return NULL;
	}
	smap_get(&im->map1, email, im->ncust++, &im->oom);
	return c;
}

/* Emits the order whose first row is kept in order_vals (Shopify writes one row per line item). */
static void
shop_order_flush(struct imp *im)
{
	char *const	*f = im->order_vals;
	size_t		 n = im->nh;
	unsigned long	 line = im->order_line;
	char		 cur[4], ts[64], email[256], id[300];
	long long	 total, refunded = 0, t;
	const char	*fin;
	int		 bad = 0;
	cJSON		*o;

	if (f == NULL)
		return;
	fin = F(im, f, n, SH_FINANCIAL);
	snprintf(email, sizeof(email), "%s", F(im, f, n, SH_EMAIL));
	lower(email);
	if (strcasecmp(fin, "voided") == 0)
		imp_skip(im, "order voided (never paid)");
	else if (email[0] == '\0')
		imp_skip(im, "order without an e-mail (no customer to attribute it to)");
	else {
		bad |= need_cur(im, f, n, line, SH_CURRENCY, cur) != 0;
		bad |= need_ts(im, f, n, line, SH_CREATED, ts, sizeof(ts), &t) != 0;
		if (!bad) {
			bad |= need_money(im, f, n, line, SH_TOTAL, cur, 1, &total) != 0;
			bad |= need_money(im, f, n, line, SH_REFUNDED, cur, 0, &refunded) != 0;
		}
		if (!bad && shop_customer(im, email, F(im, f, n, SH_BILLING_NAME), F(im, f, n, SH_BILLING_COUNTRY),
		    ts, t, line) != NULL) {
			/* Shopify's order id when exported, else its name (#1001), unique per shop */
			snprintf(id, sizeof(id), "shopify:%s", *F(im, f, n, SH_ID) ? F(im, f, n, SH_ID) : F(im, f, n, SH_NAME));
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "external_id", id);
			snprintf(id, sizeof(id), "shopify:%s", email);
			cJSON_AddStringToObject(o, "customer_external_id", id);
			cJSON_AddStringToObject(o, "ordered_at", ts);
			cJSON_AddStringToObject(o, "source", "shopify");
			cJSON_AddNumberToObject(o, "total_cents", (double)total);
			cJSON_AddStringToObject(o, "currency", cur);
			cJSON_AddNumberToObject(o, "refunded_cents", (double)refunded);
			imp_add(im, T_ORDERS, o, line, sh_order_map);
		}
	}
	for (n = 0; n < im->nh; n++)
		free(im->order_vals[n]);
	free(im->order_vals);
	im->order_vals = NULL;
	free(im->order_name);
	im->order_name = NULL;
}

static void
shopify_order(struct imp *im, char *const *f, size_t n, unsigned long line)
{
	const char	*name = F(im, f, n, SH_NAME);
	size_t		 i;

	if (im->order_name != NULL && strcmp(im->order_name, name) == 0)
		return;		/* another line item of the same order: the order's columns are on its first row */
	shop_order_flush(im);
	if (*name == '\0') {
		imp_colerr(im, line, SH_NAME, "empty%s: every order row starts with the order's name (#1001)", "");
		return;
	}
	im->order_name = strdup(name);
	im->order_vals = calloc(im->nh, sizeof(char *));
	im->order_line = line;
	if (im->order_name == NULL || im->order_vals == NULL) {
		im->oom = 1;
		return;
	}
	for (i = 0; i < im->nh; i++)
		if ((im->order_vals[i] = strdup(i < n ? f[i] : "")) == NULL)
			im->oom = 1;
}

static void
shopify_end(struct imp *im)
{
	size_t	 i;
	char	 id[300];

	shop_order_flush(im);
	for (i = 0; i < im->ncust; i++) {
		struct scust	*c = &im->custs[i];
		cJSON		*o = cJSON_CreateObject();

		snprintf(id, sizeof(id), "shopify:%s", c->email);
		cJSON_AddStringToObject(o, "external_id", id);
		cJSON_AddStringToObject(o, "name", c->name);
		cJSON_AddStringToObject(o, "email", c->email);
		cJSON_AddStringToObject(o, "signup_at", c->signup);
		if (strlen(c->country) == 2)
			cJSON_AddStringToObject(o, "country", c->country);
		imp_add(im, T_CUSTOMERS, o, c->line, sh_cust_map);
		free(c->email);
		free(c->name);
		free(c->country);
	}
	free(im->custs);
	im->custs = NULL;
	im->ncust = im->capcust = 0;
}

/* ------------------------------------------------------------------ Meta and TikTok reports */

enum { AD_NAME, AD_ID, AD_DAY, AD_START, AD_END, AD_SPEND, AD_IMPR, AD_CLICKS, AD_CONV, AD_CURRENCY };
/* Meta Ads Manager's export: "Amount spent (USD)" carries the account's currency. */
static const struct coldef meta_cols[] = {
	[AD_NAME] = { "Campaign name|Campaign Name", 1 },
	[AD_ID] = { "Campaign ID", 0 },
	[AD_DAY] = { "Day|Date", 0 },
	[AD_START] = { "Reporting starts", 0 },
	[AD_END] = { "Reporting ends", 0 },
	[AD_SPEND] = { "Amount spent (*)|Amount spent|Amount Spent (*)", 1 },
	[AD_IMPR] = { "Impressions", 0 },
	[AD_CLICKS] = { "Link clicks|Clicks (all)|Clicks", 0 },
	[AD_CONV] = { "Results|Purchases|Conversions", 0 },
	[AD_CURRENCY] = { "Currency", 0 },
	{ NULL, 0 }
};
/* TikTok Ads Manager's custom report, broken down by day. */
static const struct coldef tiktok_cols[] = {
	[AD_NAME] = { "Campaign name|Campaign Name|Campaign", 1 },
	[AD_ID] = { "Campaign ID", 0 },
	[AD_DAY] = { "By Day|Date|Day|stat_time_day", 1 },
	[AD_START] = { "\x01", 0 },
	[AD_END] = { "\x01", 0 },
	[AD_SPEND] = { "Cost|Spend|Total cost", 1 },
	[AD_IMPR] = { "Impressions", 0 },
	[AD_CLICKS] = { "Clicks (destination)|Clicks (all)|Clicks", 0 },
	[AD_CONV] = { "Conversions|Results", 0 },
	[AD_CURRENCY] = { "Currency", 0 },
	{ NULL, 0 }
};
static const struct fieldcol ad_camp_map[] = {
	{ "external_id", AD_ID }, { "name", AD_NAME }, { "started_on", AD_DAY }, { "currency", AD_CURRENCY },
	{ NULL, 0 }
};
static const struct fieldcol ad_spend_map[] = {
	{ "campaign_external_id", AD_ID }, { "day", AD_DAY }, { "spend_cents", AD_SPEND },
	{ "currency", AD_CURRENCY }, { "impressions", AD_IMPR }, { "clicks", AD_CLICKS },
	{ "conversions", AD_CONV }, { NULL, 0 }
};

/* The currency in a spend header's parentheses ("Amount spent (EUR)") into out; -1 when none. */
static int
header_currency(const struct imp *im, char out[4])
{
	const char	*h, *p;
	char		 c[4];

	if (im->col[AD_SPEND] < 0)
		return -1;
	h = im->hdr[im->col[AD_SPEND]];
	if ((p = strrchr(h, '(')) == NULL || strlen(p) != 5 || p[4] != ')')
		return -1;
	memcpy(c, p + 1, 3);
	c[3] = '\0';
	return cur_code(c, out);
}

static void
ad_row(struct imp *im, char *const *f, size_t n, unsigned long line)
{
	const char	*name = F(im, f, n, AD_NAME), *id = F(im, f, n, AD_ID);
	char		 day[11], cur[4], key[600];
	long long	 spend, impr, clicks, conv;
	int		 bad = 0, daycol = AD_DAY;
	size_t		 i;

	if (*name == '\0' && *id == '\0') {
		imp_skip(im, "no campaign (a total row)");
		return;
	}
	if (im->col[AD_START] >= 0 && (im->col[AD_DAY] < 0 || *F(im, f, n, AD_DAY) == '\0')) {
		/* Meta without a Day column: a row is one day only when it starts and ends on it */
		daycol = AD_START;
		if (strcmp(F(im, f, n, AD_START), F(im, f, n, AD_END)) != 0) {
			imp_err(im, line, imp_colname(im, AD_START), "the row covers %s to %s: export the report "
			    "broken down by day (Breakdown > By time > Day)", F(im, f, n, AD_START),
			    F(im, f, n, AD_END));
			return;
		}
	}
	if (day_iso(F(im, f, n, daycol), day) != 0) {
		imp_colerr(im, line, daycol, "'%s' is not a day (2026-03-01)", F(im, f, n, daycol));
		bad = 1;
	}
	if (header_currency(im, cur) != 0)
		bad |= need_cur(im, f, n, line, im->col[AD_CURRENCY] >= 0 ? AD_CURRENCY : -1, cur) != 0;
	if (!bad)
		bad |= need_money(im, f, n, line, AD_SPEND, cur, 0, &spend) != 0;
	bad |= need_count(im, f, n, line, AD_IMPR, &impr) != 0;
	bad |= need_count(im, f, n, line, AD_CLICKS, &clicks) != 0;
	bad |= need_count(im, f, n, line, AD_CONV, &conv) != 0;
	if (bad)
		return;
	if (*id == '\0')
		id = name;	/* without the Campaign ID column, the name is the campaign's id */
	/* the campaign: first seen here; its first and last day in the file */
	i = smap_get(&im->map1, id, SIZE_MAX, &im->oom);
	if (i == SIZE_MAX) {
		if (grow(&im->camps, &im->capcamp, im->ncamp, sizeof(*im->camps)) != 0) {
			im->oom = 1;
			return;
		}
		i = im->ncamp;
		im->camps[i] = (struct acamp){ strdup(id), strdup(*name ? name : id), "", "", "", line };
		if (im->camps[i].id == NULL || im->camps[i].name == NULL)
			im->oom = 1;
		memcpy(im->camps[i].first, day, 11);
		memcpy(im->camps[i].last, day, 11);
		memcpy(im->camps[i].currency, cur, 4);
		smap_get(&im->map1, id, im->ncamp++, &im->oom);
	} else {
		if (strcmp(day, im->camps[i].first) < 0)
			memcpy(im->camps[i].first, day, 11);
		if (strcmp(day, im->camps[i].last) > 0)
			memcpy(im->camps[i].last, day, 11);
	}
	/* the day's figures, summed over the rows of the campaign's ad sets and ads */
	snprintf(key, sizeof(key), "%s\x1f%s", id, day);
	i = smap_get(&im->map2, key, SIZE_MAX, &im->oom);
	if (i == SIZE_MAX) {
		if (grow(&im->spend, &im->capspend, im->nspend, sizeof(*im->spend)) != 0) {
			im->oom = 1;
			return;
		}
		i = im->nspend;
		im->spend[i] = (struct aspend){ strdup(id), strdup(day), "", 0, 0, 0, 0, line };
		if (im->spend[i].campaign == NULL || im->spend[i].day == NULL)
			im->oom = 1;
		memcpy(im->spend[i].currency, cur, 4);
		smap_get(&im->map2, key, im->nspend++, &im->oom);
	} else if (strcmp(im->spend[i].currency, cur) != 0) {
		imp_colerr(im, line, AD_CURRENCY, "currency %s differs from the campaign's other rows of the day", cur);
		return;
	}
	im->spend[i].spend += spend;
	im->spend[i].impressions += impr;
	im->spend[i].clicks += clicks;
	im->spend[i].conversions += conv;
}

static void
ad_end(struct imp *im, const char *platform)
{
	size_t	 i;

	for (i = 0; i < im->ncamp; i++) {
		cJSON	*o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "external_id", im->camps[i].id);
		cJSON_AddStringToObject(o, "platform", platform);
		cJSON_AddStringToObject(o, "name", im->camps[i].name);
		cJSON_AddStringToObject(o, "started_on", im->camps[i].first);
		cJSON_AddStringToObject(o, "currency", im->camps[i].currency);
		imp_add(im, T_CAMPAIGNS, o, im->camps[i].line, ad_camp_map);
		free(im->camps[i].id);
		free(im->camps[i].name);
	}
	for (i = 0; i < im->nspend; i++) {
		cJSON	*o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "campaign_external_id", im->spend[i].campaign);
		cJSON_AddStringToObject(o, "platform", platform);
		cJSON_AddStringToObject(o, "day", im->spend[i].day);
		cJSON_AddNumberToObject(o, "spend_cents", (double)im->spend[i].spend);
		cJSON_AddStringToObject(o, "currency", im->spend[i].currency);
		cJSON_AddNumberToObject(o, "impressions", (double)im->spend[i].impressions);
		cJSON_AddNumberToObject(o, "clicks", (double)im->spend[i].clicks);
		cJSON_AddNumberToObject(o, "conversions", (double)im->spend[i].conversions);
		imp_add(im, T_SPEND, o, im->spend[i].line, ad_spend_map);
		free(im->spend[i].campaign);
		free(im->spend[i].day);
	}
	free(im->camps);
	free(im->spend);
	im->camps = NULL;
	im->spend = NULL;
	im->ncamp = im->nspend = im->capcamp = im->capspend = 0;
}

static void
meta_end(struct imp *im)
{
	ad_end(im, "meta");
}

static void
tiktok_end(struct imp *im)
{
	ad_end(im, "tiktok");
}

/* ------------------------------------------------------------------ ECB reference rates */

enum { ECB_DATE };
static const struct coldef ecb_cols[] = { [ECB_DATE] = { "Date", 1 }, { NULL, 0 } };
static const struct fieldcol ecb_map[] = { { "day", ECB_DATE }, { NULL, 0 } };

/* Whether s is a positive decimal number ("1.0947", "161.3"). */
static int
is_rate(const char *s)
{
	int	 dot = 0, dig = 0;

	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			dig++;
		else if (*s == '.' && !dot && dig > 0)
			dot = 1;
		else
			return 0;
	}
	return dig > 0;
}

/* One day of eurofxref-hist.csv: a rate per currency column, "N/A" (or empty) where none. */
static void
ecb_row(struct imp *im, char *const *f, size_t n, unsigned long line)
{
	char	 day[11];
	size_t	 i;

	if (day_iso(F(im, f, n, ECB_DATE), day) != 0) {
		imp_colerr(im, line, ECB_DATE, "'%s' is not a day (2026-03-01)", F(im, f, n, ECB_DATE));
		return;
	}
	for (i = 0; i < n && i < im->nh && i < IMP_MAX_COLS; i++) {
		cJSON	*o;

		if ((int)i == im->col[ECB_DATE] || im->fxcur[i][0] == '\0' || f[i][0] == '\0' ||
		    strcmp(f[i], "N/A") == 0)
			continue;
		if (!is_rate(f[i])) {
			imp_err(im, line, im->hdr[i], "'%s' is not a rate (units of %s per euro, like 1.0947)",
			    f[i], im->fxcur[i]);
			continue;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "currency", im->fxcur[i]);
		cJSON_AddStringToObject(o, "day", day);
		cJSON_AddRawToObject(o, "per_eur", f[i]);
		imp_add(im, T_FX, o, line, ecb_map);
	}
}

/* ------------------------------------------------------------------ Northstar's own CSV */

/* A field of a record: its name, its JSON type (s string, i integer, n number), required. */
struct nsfield {
	const char	*name;
	char		 type;
	int		 required;
};

static const struct nsfield ns_fields[T__MAX][16] = {
	[T_CUSTOMERS] = { { "external_id", 's', 1 }, { "name", 's', 0 }, { "email", 's', 0 },
	    { "signup_at", 's', 0 }, { "segment", 's', 0 }, { "country", 's', 0 }, { "channel", 's', 0 },
	    { "trial_started_on", 's', 0 }, { "trial_ends_on", 's', 0 }, { "updated_at", 's', 0 } },
	[T_SUBSCRIPTIONS] = { { "external_id", 's', 1 }, { "customer_external_id", 's', 1 },
	    { "plan", 's', 0 }, { "plan_name", 's', 0 }, { "interval", 's', 0 },
	    { "unit_amount_cents", 'i', 0 }, { "quantity", 'i', 0 }, { "discount_cents", 'i', 0 },
	    { "currency", 's', 0 }, { "status", 's', 0 }, { "started_at", 's', 0 }, { "ended_at", 's', 0 },
	    { "effective_at", 's', 0 }, { "updated_at", 's', 0 } },
	[T_ORDERS] = { { "external_id", 's', 1 }, { "customer_external_id", 's', 1 },
	    { "ordered_at", 's', 0 }, { "source", 's', 0 }, { "total_cents", 'i', 0 }, { "currency", 's', 0 },
	    { "cogs_cents", 'i', 0 }, { "refunded_cents", 'i', 0 }, { "chargeback_cents", 'i', 0 },
	    { "updated_at", 's', 0 } },
	[T_BILLING] = { { "external_id", 's', 1 }, { "customer_external_id", 's', 1 },
	    { "occurred_at", 's', 0 }, { "kind", 's', 0 }, { "amount_cents", 'i', 0 }, { "currency", 's', 0 } },
	[T_CAMPAIGNS] = { { "external_id", 's', 1 }, { "platform", 's', 1 }, { "name", 's', 0 },
	    { "started_on", 's', 0 }, { "ended_on", 's', 0 }, { "budget_cents", 'i', 0 },
	    { "currency", 's', 0 } },
	[T_SPEND] = { { "campaign_external_id", 's', 1 }, { "platform", 's', 1 }, { "day", 's', 1 },
	    { "spend_cents", 'i', 0 }, { "currency", 's', 0 }, { "impressions", 'i', 0 },
	    { "clicks", 'i', 0 }, { "conversions", 'i', 0 } },
	[T_FX] = { { "currency", 's', 1 }, { "day", 's', 1 }, { "per_eur", 'n', 1 } },
};

/* Whether s is an integer of at most 18 digits ("-12" allowed: the SQL names the bound). */
static int
is_int(const char *s)
{
	size_t	 i = *s == '-' ? 1 : 0, n = strlen(s);

	if (n == i || n - i > 18)
		return 0;
	for (; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* One row of Northstar's own CSV: the header names the fields; an empty cell leaves its field out. */
static void
ns_row(struct imp *im, char *const *f, size_t n, unsigned long line)
{
	const struct nsfield	*fl = ns_fields[im->fmt->ntable];
	cJSON			*o = cJSON_CreateObject();
	size_t			 i;
	int			 bad = 0;

	for (i = 0; i < n && i < im->nh; i++) {
		char	 type = fl[im->col[i]].type;

		if (f[i][0] == '\0')
			continue;
		if (type == 's')
			cJSON_AddStringToObject(o, im->hdr[i], f[i]);
		else if ((type == 'i' && is_int(f[i])) || (type == 'n' && is_rate(f[i])))
			cJSON_AddRawToObject(o, im->hdr[i], f[i]);
		else {
			imp_err(im, line, im->hdr[i], "'%s' is not %s", f[i],
			    type == 'i' ? "a whole number (minor units: cents)" : "a positive number");
			bad = 1;
		}
	}
	if (bad)
		cJSON_Delete(o);
	else
		imp_add(im, im->fmt->ntable, o, line, NULL);
}

/* ------------------------------------------------------------------ the formats */

static void
meta_row(struct imp *im, char *const *f, size_t n, unsigned long line)
{
	ad_row(im, f, n, line);
}

static const struct format formats[] = {
	{ "stripe-customers", "Stripe dashboard, Customers > Export", sc_cols, T_CUSTOMERS, stripe_customer, NULL },
	{ "stripe-subscriptions", "Stripe dashboard, Subscriptions > Export", ss_cols, T_SUBSCRIPTIONS,
	    stripe_subscription, NULL },
	{ "stripe-payments", "Stripe dashboard, Payments > Export (billing events)", sp_cols, T_BILLING,
	    stripe_payment, NULL },
	{ "shopify-orders", "Shopify admin, Orders > Export (customers and orders)", sh_cols, T_ORDERS,
	    shopify_order, shopify_end },
	{ "meta-ads", "Meta Ads Manager report by campaign and day (campaigns and spend)", meta_cols, T_SPEND,
	    meta_row, meta_end },
	{ "tiktok-ads", "TikTok Ads Manager custom report by campaign and day", tiktok_cols, T_SPEND, ad_row,
	    tiktok_end },
	{ "ecb", "the ECB's euro reference rates, eurofxref-hist.csv (fx-rates)", ecb_cols, T_FX, ecb_row, NULL },
	{ "northstar-customers", "Northstar's CSV of customer records (a column per field)", NULL, T_CUSTOMERS, ns_row, NULL },
	{ "northstar-subscriptions", "Northstar's CSV of subscription records", NULL, T_SUBSCRIPTIONS, ns_row, NULL },
	{ "northstar-orders", "Northstar's CSV of order records", NULL, T_ORDERS, ns_row, NULL },
	{ "northstar-billing-events", "Northstar's CSV of billing event records", NULL, T_BILLING, ns_row, NULL },
	{ "northstar-campaigns", "Northstar's CSV of campaign records", NULL, T_CAMPAIGNS, ns_row, NULL },
	{ "northstar-spend", "Northstar's CSV of spend records", NULL, T_SPEND, ns_row, NULL },
	{ "northstar-fx-rates", "Northstar's CSV of fx rate records", NULL, T_FX, ns_row, NULL },
	{ NULL, NULL, NULL, T_CUSTOMERS, NULL, NULL }
};

static void
list_formats(FILE *fp)
{
	const struct format	*f;

	fprintf(fp, "formats:\n");
	for (f = formats; f->name != NULL; f++)
		fprintf(fp, "  %-26s %s\n", f->name, f->what);
}

static int
usage(void)
{
	fprintf(stderr, "usage: northstar-import [--dry-run] [--currency XXX] FORMAT FILE...\n");
	list_formats(stderr);
	fprintf(stderr, "Each file is imported whole or not at all (docs/ingest.md, \"Importers\").\n"
	    "--dry-run prints the records (TABLE<TAB>JSON) instead of storing them; --currency is the\n"
	    "currency of files that do not name one.  The database is taken from NS_DATABASE_URL.\n");
	return 2;
}

/* ------------------------------------------------------------------ the header */

/* Whether header h is one of names ("A|B", case-insensitive; "X (*)" matches "X (EUR)"). */
static int
col_matches(const char *names, const char *h)
{
	const char	*p = names, *bar;
	size_t		 hl = strlen(h);

	for (;;) {
		size_t	 n;

		bar = strchr(p, '|');
		n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (n >= 3 && strncmp(p + n - 3, "(*)", 3) == 0) {
			if (hl > n - 1 && strncasecmp(h, p, n - 2) == 0 && h[hl - 1] == ')')
				return 1;
		} else if (hl == n && strncasecmp(h, p, n) == 0)
			return 1;
		if (bar == NULL)
			return 0;
		p = bar + 1;
	}
}

/* Trims surrounding spaces of a header name in place. */
static char *
trim(char *s)
{
	size_t	 n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Prints the columns of the file, for an error about a column. */
static void
print_found(const struct imp *im)
{
	size_t	 i;

	fprintf(stderr, "  the columns found:");
	for (i = 0; i < im->nh; i++)
		fprintf(stderr, "%s %s", i ? "," : "", im->hdr[i]);
	fputc('\n', stderr);
}

/* Resolves the format's columns in the header; -1 after saying which required one is missing. */
static int
header_resolve(struct imp *im)
{
	const struct coldef	*c;
	size_t			 i, k;
	int			 rc = 0;

	if (im->fmt->cols == NULL) {	/* Northstar's own CSV: every column must be a field */
		const struct nsfield *fl = ns_fields[im->fmt->ntable];

		for (i = 0; i < im->nh && i < IMP_MAX_COLS; i++) {
			for (k = 0; fl[k].name != NULL && strcmp(fl[k].name, im->hdr[i]) != 0; k++)
				;
			if (fl[k].name == NULL) {
				fprintf(stderr, "%s:1:%s: not a field of %s records\n", im->path, im->hdr[i],
				    tables[im->fmt->ntable].name);
				rc = -1;
			}
			im->col[i] = (int)k;
		}
		for (k = 0; fl[k].name != NULL; k++) {
			for (i = 0; i < im->nh && strcmp(fl[k].name, im->hdr[i]) != 0; i++)
				;
			if (fl[k].required && i == im->nh) {
				fprintf(stderr, "%s:1: no column %s: every %s record needs it\n", im->path,
				    fl[k].name, tables[im->fmt->ntable].name);
				rc = -1;
			}
		}
		if (im->nh > IMP_MAX_COLS) {
			fprintf(stderr, "%s:1: %zu columns; a %s record has fewer fields\n", im->path, im->nh,
			    tables[im->fmt->ntable].name);
			rc = -1;
		}
		if (rc != 0) {
			fprintf(stderr, "  the fields of %s records (docs/ingest.md \"Record endpoints\"):",
			    tables[im->fmt->ntable].name);
			for (k = 0; fl[k].name != NULL; k++)
				fprintf(stderr, " %s", fl[k].name);
			fputc('\n', stderr);
			print_found(im);
		}
		return rc;
	}
	for (c = im->fmt->cols, k = 0; c->names != NULL; c++, k++) {
		im->col[k] = -1;
		for (i = 0; i < im->nh; i++)
			if (col_matches(c->names, im->hdr[i])) {
				im->col[k] = (int)i;
				break;
			}
		if (im->col[k] < 0 && c->required) {
			fprintf(stderr, "%s:1: no column '%s'", im->path, imp_colname(im, (int)k));
			if (strchr(c->names, '|') != NULL)
				fprintf(stderr, " (also accepted: %s)", strchr(c->names, '|') + 1);
			fprintf(stderr, "; is this a %s file (%s)?\n", im->fmt->name, im->fmt->what);
			rc = -1;
		}
	}
	if (rc == 0 && im->fmt->row == ecb_row) {
		for (i = 0; i < im->nh && i < IMP_MAX_COLS; i++)
			if ((int)i != im->col[ECB_DATE] && (cur_code(im->hdr[i], im->fxcur[i]) != 0 ||
			    strcmp(im->fxcur[i], "EUR") == 0))
				im->fxcur[i][0] = '\0';	/* the trailing empty column */
	}
	if (rc == 0 && im->fmt->cols == meta_cols && im->col[AD_DAY] < 0 &&
	    (im->col[AD_START] < 0 || im->col[AD_END] < 0)) {
		fprintf(stderr, "%s:1: no column 'Day' (nor 'Reporting starts' and 'Reporting ends'): export "
		    "the report broken down by day\n", im->path);
		rc = -1;
	}
	if (rc != 0)
		print_found(im);
	return rc;
}

/* ------------------------------------------------------------------ progress */

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Shows what is done on a terminal, at most 4 times a second; nothing when stderr is no terminal. */
static void
progress(const char *what, const char *path, double frac, unsigned long done, const char *unit,
    double start, int force)
{
	static double	 last;
	double		 t;

	if (!imp_progress_tty)
		return;
	t = now_s();
	if (!force && t - last < 0.25)
		return;
	last = t;
	fprintf(stderr, "\r\033[K%s %s: ", what, path);
	if (frac >= 0)	/* unknown for a pipe */
		fprintf(stderr, "%3.0f%%  ", frac * 100.0);
	fprintf(stderr, "%lu %s  %.0f %s/s", done, unit, t > start ? (double)done / (t - start) : 0.0, unit);
}

/* ------------------------------------------------------------------ reading a file */

/* Reads a file into im->recs; 0 when every row is valid, -1 after reporting what is wrong. */
static int
imp_read(struct imp *im, FILE *fp)
{
	struct csvread	*r = csvread_new(fp);
	char *const	*f;
	size_t		 n, i;
	unsigned long	 line;
	struct stat	 st;
	double		 size = fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 ?
			    (double)st.st_size : -1, start = now_s();
	int		 rc;

	if (r == NULL)
		return -1;
	rc = csvread_next(r, &f, &n, &line);
	if (rc != 1) {
		if (rc == 0)
			fprintf(stderr, "%s: the file is empty: no header line\n", im->path);
		else
			fprintf(stderr, "%s:%lu: %s\n", im->path, csvread_errline(r),
			    csvread_strerror(csvread_errno(r)));
		csvread_free(r);
		return -1;
	}
	if ((im->hdr = calloc(n, sizeof(char *))) == NULL) {
		csvread_free(r);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((im->hdr[i] = strdup(trim(f[i]))) == NULL)
			im->oom = 1;
	im->nh = n;
	if (im->oom || header_resolve(im) != 0) {
		csvread_free(r);
		return -1;
	}
	while (!im->oom && (rc = csvread_next(r, &f, &n, &line)) == 1) {
		im->rows++;
		im->fmt->row(im, f, n, line);
		if ((im->rows & 255) == 0)
			progress("reading", im->path, size > 0 ? (double)csvread_offset(r) / size : -1, im->rows,
			    "rows", start, 0);
	}
	if (rc < 0)
		fprintf(stderr, "%s:%lu: %s\n", im->path, csvread_errline(r), csvread_strerror(csvread_errno(r)));
	else if (im->fmt->end != NULL && !im->oom)
		im->fmt->end(im);
	progress("reading", im->path, 1.0, im->rows, "rows", start, 1);
	csvread_free(r);
	if (im->oom)
		fprintf(stderr, "%s: out of memory\n", im->path);
	return rc < 0 || im->oom || im->nerr > 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ storing */

struct counts {
	long long	 accepted, created, updated, unchanged, stale, rejected;
};

/* The file's column of a record's field, for a rejection. */
static const char *
rec_column(const struct imp *im, const struct rec *rc, const char *field)
{
	static char		 buf[128];
	const struct fieldcol	*m;

	if (field == NULL || *field == '\0')
		return "(record)";
	if (rc->map == NULL)
		return field;	/* Northstar's own CSV: the column is the field */
	for (m = rc->map; m->field != NULL; m++)
		if (strcmp(m->field, field) == 0 && im->col[m->col] >= 0)
			return im->hdr[im->col[m->col]];
	snprintf(buf, sizeof(buf), "(%s)", field);	/* made by the importer, from no one column */
	return buf;
}

/* Reads a count member of an answer. */
static long long
answer_count(const cJSON *a, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(a, name);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

/*
 * Sends one chunk (records idx[0..n-1] of table t) to its function; adds the answer's counts and
 * reports each rejected record at its line and column.  -1 when the statement failed.
 */
static int
imp_send(struct imp *im, PGconn *conn, enum table t, const size_t *idx, size_t n, const char *key,
    struct counts *cn)
{
	size_t		 i, len = 2;
	char		*body, *p;
	const char	*vals[2];
	PGresult	*res;
	cJSON		*a, *rej, *r;
	int		 rc = -1;

	for (i = 0; i < n; i++)
		len += strlen(im->recs[idx[i]].json) + 1;
	if ((body = malloc(len + 1)) == NULL)
		return -1;
	p = body;
	*p++ = '[';
	for (i = 0; i < n; i++) {
		size_t	 l = strlen(im->recs[idx[i]].json);

		if (i > 0)
			*p++ = ',';
		memcpy(p, im->recs[idx[i]].json, l);
		p += l;
	}
	*p++ = ']';
	*p = '\0';
	vals[0] = body;
	vals[1] = key;
	res = PQexecParams(conn, tables[t].sql, 2, NULL, vals, NULL, NULL, 0);
	free(body);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		if (imp_progress_tty)
			fputs("\r\033[K", stderr);
		fprintf(stderr, "%s: storing %s failed: %s", im->path, tables[t].name, PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	a = cJSON_Parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (a == NULL) {
		fprintf(stderr, "%s: the answer of %s is not JSON\n", im->path, tables[t].name);
		return -1;
	}
	cn->accepted += answer_count(a, "accepted");
	cn->created += answer_count(a, "created");
	cn->updated += answer_count(a, "updated");
	cn->unchanged += answer_count(a, "unchanged");
	cn->stale += answer_count(a, "stale");
	rej = cJSON_GetObjectItemCaseSensitive(a, "rejected");
	cJSON_ArrayForEach(r, rej) {
		const cJSON	*ix = cJSON_GetObjectItemCaseSensitive(r, "index");
		const char	*field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "field"));
		const char	*msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "message"));
		size_t		 k = cJSON_IsNumber(ix) && ix->valuedouble >= 0 ? (size_t)ix->valuedouble : n;
		const struct rec *rc_ = k < n ? &im->recs[idx[k]] : NULL;

		cn->rejected++;
		imp_err(im, rc_ != NULL ? rc_->line : 0, rc_ != NULL ? rec_column(im, rc_, field) : "?", "%s",
		    msg != NULL ? msg : "rejected");
	}
	rc = 0;
	cJSON_Delete(a);
	return rc;
}

/* Runs one statement without parameters; -1 after printing its error. */
static int
imp_exec(PGconn *conn, const char *sql)
{
	PGresult	*res = PQexec(conn, sql);
	int		 rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;

	if (rc != 0)
		fprintf(stderr, "northstar-import: %s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	return rc;
}

/*
 * Stores the file's records table by table (what others refer to first) in one transaction,
 * IMP_CHUNK at a time; commits when nothing was rejected, else rolls back.  Fills cn per table.
 * Returns 0 when committed.
 */
static int
imp_store(struct imp *im, PGconn *conn, struct counts cn[T__MAX])
{
	char		 key[128];
	size_t		*idx = malloc(IMP_CHUNK * sizeof(*idx)), i, k, sent = 0;
	double		 start = now_s();
	int		 t, failed = 0;

	if (idx == NULL)
		return -1;
	snprintf(key, sizeof(key), "import:%s", im->fmt->name);
	if (imp_exec(conn, "BEGIN") != 0) {
		free(idx);
		return -1;
	}
	for (t = 0; t < T__MAX && !failed; t++) {
		for (i = 0, k = 0; i <= im->nrec && !failed; i++) {
			if (i < im->nrec && im->recs[i].t == (enum table)t)
				idx[k++] = i;
			if (k == IMP_CHUNK || (i == im->nrec && k > 0)) {
				failed = imp_send(im, conn, (enum table)t, idx, k, key, &cn[t]) != 0;
				sent += k;
				k = 0;
				progress("storing", im->path, (double)sent / (double)im->nrec, (unsigned long)sent,
				    "records", start, 0);
			}
		}
	}
	free(idx);
	progress("storing", im->path, 1.0, (unsigned long)sent, "records", start, 1);
	if (imp_progress_tty)
		fputs("\r\033[K", stderr);
	if (failed || im->nerr > 0) {
		imp_exec(conn, "ROLLBACK");
		return -1;
	}
	return imp_exec(conn, "COMMIT");
}

/* ------------------------------------------------------------------ one file */

static void
imp_summary_skips(const struct imp *im)
{
	size_t	 i;

	for (i = 0; i < sizeof(im->skips) / sizeof(im->skips[0]) && im->skips[i].why != NULL; i++)
		fprintf(stderr, "; %lu skipped: %s", im->skips[i].n, im->skips[i].why);
}

static void
imp_free(struct imp *im)
{
	size_t	 i;

	for (i = 0; i < im->nrec; i++)
		cJSON_free(im->recs[i].json);
	free(im->recs);
	for (i = 0; i < im->nh; i++)
		free(im->hdr[i]);
	free(im->hdr);
	if (im->order_vals != NULL) {
		for (i = 0; i < im->nh; i++)
			free(im->order_vals[i]);
		free(im->order_vals);
	}
	free(im->order_name);
	/* what the formats' end functions did not get to (a file that stopped early) */
	for (i = 0; i < im->ncust; i++) {
		free(im->custs[i].email);
		free(im->custs[i].name);
		free(im->custs[i].country);
	}
	free(im->custs);
	for (i = 0; i < im->ncamp; i++) {
		free(im->camps[i].id);
		free(im->camps[i].name);
	}
	free(im->camps);
	for (i = 0; i < im->nspend; i++) {
		free(im->spend[i].campaign);
		free(im->spend[i].day);
	}
	free(im->spend);
	smap_free(&im->map1);
	smap_free(&im->map2);
}

/* Imports one file; 0 when it was stored (or printed, in a dry run) whole. */
static int
import_file(const struct format *fmt, const char *path, const char *currency, PGconn *conn)
{
	struct imp	 im;
	struct counts	 cn[T__MAX];
	FILE		*fp;
	int		 rc, t;

	memset(&im, 0, sizeof(im));
	memset(cn, 0, sizeof(cn));
	im.path = path;
	im.fmt = fmt;
	im.currency = currency;
	if ((fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = imp_read(&im, fp);
	if (fp != stdin)
		fclose(fp);
	if (rc != 0) {
		if (im.nerr > IMP_MAX_ERRS)
			fprintf(stderr, "%s: ... and %lu more bad rows\n", path, im.nerr - IMP_MAX_ERRS);
		if (im.nerr > 0)
			fprintf(stderr, "%s: %lu bad rows; nothing imported (fix them and import the file again)\n",
			    path, im.nerr);
		imp_free(&im);
		return -1;
	}
	if (conn == NULL) {	/* --dry-run */
		size_t	 i;

		for (t = 0; t < T__MAX; t++)
			for (i = 0; i < im.nrec; i++)
				if (im.recs[i].t == (enum table)t)
					printf("%s\t%s\n", tables[t].name, im.recs[i].json);
		fprintf(stderr, "%s: %lu rows, %zu records (dry run: nothing stored)", path, im.rows, im.nrec);
		imp_summary_skips(&im);
		fputc('\n', stderr);
		imp_free(&im);
		return 0;
	}
	rc = imp_store(&im, conn, cn);
	if (rc != 0) {
		if (im.nerr > IMP_MAX_ERRS)
			fprintf(stderr, "%s: ... and %lu more rejected records\n", path, im.nerr - IMP_MAX_ERRS);
		if (im.nerr > 0)
			fprintf(stderr, "%s: %lu records rejected; nothing imported (the file was rolled back)\n",
			    path, im.nerr);
		else
			fprintf(stderr, "%s: nothing imported (the file was rolled back)\n", path);
		imp_free(&im);
		return -1;
	}
	fprintf(stderr, "%s: %lu rows", path, im.rows);
	for (t = 0; t < T__MAX; t++)
		if (cn[t].accepted > 0 || cn[t].stale > 0)
			fprintf(stderr, "; %s: %lld created, %lld updated, %lld unchanged, %lld stale",
			    tables[t].name, cn[t].created, cn[t].updated, cn[t].unchanged, cn[t].stale);
	imp_summary_skips(&im);
	fputc('\n', stderr);
	imp_free(&im);
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct format	*fmt;
	const char		*currency = NULL;
	PGconn			*conn = NULL;
	int			 i = 1, dry = 0, rc = 0;
	char			 cur[4];

	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
		else if (strcmp(argv[i], "--currency") == 0 && i + 1 < argc) {
			if (cur_code(argv[++i], cur) != 0) {
				fprintf(stderr, "northstar-import: --currency '%s' is not an ISO 4217 code (USD, EUR, ...)\n",
				    argv[i]);
				return 2;
			}
			currency = cur;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		} else
			return usage();
	}
	if (argc - i < 2)
		return usage();
	for (fmt = formats; fmt->name != NULL && strcmp(fmt->name, argv[i]) != 0; fmt++)
		;
	if (fmt->name == NULL) {
		fprintf(stderr, "northstar-import: unknown format '%s'\n", argv[i]);
		list_formats(stderr);
		return 2;
	}
	imp_progress_tty = isatty(STDERR_FILENO);
	if (!dry) {
		const char	*url = getenv("NS_DATABASE_URL");

		if (url == NULL || *url == '\0') {
			fprintf(stderr, "northstar-import: set NS_DATABASE_URL (e.g. postgresql:///northstar?host=/path/to/run&port=5432), or use --dry-run\n");
			return 2;
		}
		conn = PQconnectdb(url);
		if (PQstatus(conn) != CONNECTION_OK) {
			fprintf(stderr, "northstar-import: %s", PQerrorMessage(conn));
			PQfinish(conn);
			return 1;
		}
	}
	for (i++; i < argc; i++)
		if (import_file(fmt, argv[i], currency, conn) != 0)
			rc = 1;
	PQfinish(conn);
	return rc;
}
