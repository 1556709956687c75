/*
 * forecast.c — the forecast service: MRR, revenue, costs and usage
 * projections (ETS, series.c), the MRR target, cash runway scenarios,
 * churn risk (logistic regression, churn.c) and seasonality.  Handlers
 * fetch aggregate series with the SQL of forecast.sql, fit in C and answer
 * with the method, its parameters and its backtest against a naive
 * forecast in every response.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "northstar.h"
#include "churn.h"
#include "series.h"

#define FC_MAX_POINTS	400	/* longest series fetched */
#define FC_DAILY_DAYS	"364"	/* daily history: 52 weeks */
#define FC_MONTHS	"36"	/* monthly history */
#define FC_ORIGINS_M	12	/* backtest origins, monthly series */
#define FC_ORIGINS_D	8	/* backtest origins, daily series */

/* ---- small helpers ---------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static long
fc_days(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
fc_civil(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* "YYYY-MM-DD" → day number; -1 on a malformed date (never from our SQL). */
static long
fc_parse_date(const char *s)
{
	int y, m, d;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return -1;
	return fc_days(y, m, d);
}

static void
fc_fmt_date(long z, char *buf, size_t sz)
{
	int y, m, d;

	fc_civil(z, &y, &m, &d);
	snprintf(buf, sz, "%04d-%02d-%02d", y, m, d);
}

/* z + k months, clamped to the month's last day (as PostgreSQL's date + interval). */
static long
fc_add_months(long z, int k)
{
	int y, m, d, last;
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	fc_civil(z, &y, &m, &d);
	m += k;
	y += (m - 1) / 12;
	m = (m - 1) % 12 + 1;
	last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	return fc_days(y, m, d < last ? d : last);
}

/* Reply with an SQL failure: class 22 → 400 with its message, else 503/500. */
static int
fc_db_fail(struct ns_req *req, PGresult *res)
{
	const char *state, *msg;

	if (res == NULL)
		return http_error(req, 503, "db_unavailable", "the database is unavailable; retry shortly");
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (state != NULL && strncmp(state, "22", 2) == 0)
		http_error(req, 400, "bad_request", "%s", msg != NULL ? msg : "bad request");
	else if (state != NULL && strcmp(state, "57014") == 0)
		http_error(req, 503, "query_timeout", "the query took too long; retry shortly");
	else
		http_error(req, 500, "internal", "internal error");
	PQclear(res);
	return 0;
}

/*
 * The model caches are per process, and only the instance with NS_JOBS=1
 * runs the periodic job (fc_job) that warms them.  Every other instance
 * starts, on its first forecast request, a thread of its own that runs
 * the same warm-up every FC_JOB_SECONDS on its own connection.
 */
#define FC_JOB_SECONDS	60
static int	fc_job(PGconn *);
static pthread_once_t fc_warm_once = PTHREAD_ONCE_INIT;

static void *
fc_warm_main(void *arg)
{
	PGconn *conn = NULL;

	(void)arg;
	for (;;) {
		if (conn != NULL && PQstatus(conn) != CONNECTION_OK) {
			PQfinish(conn);
			conn = NULL;
		}
		if (conn == NULL)
			conn = db_connect();
		if (conn != NULL)
			(void)fc_job(conn);
		sleep(FC_JOB_SECONDS);
	}
	return NULL;
}

static void
fc_warm_start(void)
{
	const char	*jobs = getenv("NS_JOBS");
	pthread_t	 t;

	if (jobs == NULL || strcmp(jobs, "0") != 0)
		return;		/* the periodic job warms this process */
	if (pthread_create(&t, NULL, fc_warm_main, NULL) == 0)
		pthread_detach(t);
}

/* The reference day: as_of or today, checked by api.forecast_as_of (400 if in the future). */
static int
fc_as_of(struct ns_req *req, char *buf, size_t sz)
{
	const char	*v[1] = { param_get(req, "as_of") };
	PGresult	*res;

	pthread_once(&fc_warm_once, fc_warm_start);
	res = db_exec(req->db, "fc_as_of", "SELECT api.forecast_as_of($1::date)::text", 1, v);

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fc_db_fail(req, res);
		return -1;
	}
	snprintf(buf, sz, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/*
 * Send obj: JSON, or CSV of the route's csv_key array when format=csv
 * (through db_reply_json, which owns the CSV export).  Frees obj.
 */
static int
fc_send(struct ns_req *req, cJSON *obj)
{
	char	*s = cJSON_PrintUnformatted(obj);
	int	 rc;

	cJSON_Delete(obj);
	if (s == NULL)
		return http_error(req, 500, "internal", "out of memory");
	if (req->want_csv) {
		const char *v[1] = { s };

		rc = db_reply_json(req, "fc_echo", "SELECT $1::json", 1, v);
	} else
		rc = http_json_text(req, 200, s, strlen(s));
	cJSON_free(s);
	return rc;
}

/* A fetched series: dates as day numbers, values in display units. */
struct fc_series {
	size_t	 n;
	long	 day[FC_MAX_POINTS];
	double	 y[FC_MAX_POINTS];
};

/*
 * Run sql (rows: date text, value) with vals into s, dividing values by
 * scale and dropping leading zeros (before the business had any).
 * Returns 0, or -1 after replying with the error.
 */
/* The rows of res into s (see fc_fetch); clears res. */
static void
fc_load(PGresult *res, double scale, struct fc_series *s)
{
	int		 i, rows;

	s->n = 0;
	rows = PQntuples(res);
	for (i = 0; i < rows && s->n < FC_MAX_POINTS; i++) {
		double v = strtod(PQgetvalue(res, i, 1), NULL) / scale;

		if (s->n == 0 && v == 0)
			continue;
		s->day[s->n] = fc_parse_date(PQgetvalue(res, i, 0));
		s->y[s->n++] = v;
	}
	PQclear(res);
}

static int
fc_fetch(struct ns_req *req, const char *name, const char *sql, int n,
    const char *const *vals, double scale, struct fc_series *s)
{
	PGresult	*res = db_exec(req->db, name, sql, n, vals);

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		fc_db_fail(req, res);
		return -1;
	}
	fc_load(res, scale, s);
	return 0;
}

/* Forecast s; on failure reply 422 (short history) or 500 and return -1. */
static int
fc_fit(struct ns_req *req, const char *kind, const struct fc_series *s,
    int season, size_t h, size_t origins, const char *unit_name, struct series_fc *fc)
{
	int err = series_forecast(kind, s->y, s->n, season, h, origins, fc);

	if (err == ETS_OK)
		return 0;
	if (err == ETS_ESHORT)
		http_error(req, 422, "unprocessable", "too little history to forecast %s: %zu %s with data, "
		    "at least %d needed", kind, s->n, unit_name, SERIES_MIN_N);
	else if (err == ETS_ENOMEM)
		http_error(req, 500, "internal", "out of memory");
	else
		http_error(req, 422, "unprocessable", "cannot forecast %s: %s", kind, ets_strerror(err));
	return -1;
}

/* history[] and forecast[] arrays; day numbers of the forecast in fday. */
static void
fc_json_points(cJSON *o, const struct fc_series *s, const struct series_fc *fc,
    const long *fday, int nonneg)
{
	cJSON	*a = cJSON_AddArrayToObject(o, "history"), *r;
	char	 d[16];
	size_t	 i;

	for (i = 0; i < s->n; i++) {
		r = cJSON_CreateObject();
		fc_fmt_date(s->day[i], d, sizeof(d));
		cJSON_AddStringToObject(r, "date", d);
		series_add_num(r, "value", s->y[i]);
		cJSON_AddItemToArray(a, r);
	}
	a = cJSON_AddArrayToObject(o, "forecast");
	for (i = 0; i < fc->h; i++) {
		double lo = nonneg ? 0 : -HUGE_VAL;

		r = cJSON_CreateObject();
		fc_fmt_date(fday[i], d, sizeof(d));
		cJSON_AddStringToObject(r, "date", d);
		series_add_num(r, "value", fmax(fc->mean[i], lo));
		series_add_num(r, "lo80", fmax(fc->lo80[i], lo));
		series_add_num(r, "hi80", fmax(fc->hi80[i], lo));
		series_add_num(r, "lo95", fmax(fc->lo95[i], lo));
		series_add_num(r, "hi95", fmax(fc->hi95[i], lo));
		cJSON_AddItemToArray(a, r);
	}
	if (nonneg)
		cJSON_AddStringToObject(o, "bounds_note", "values and bounds below 0 are shown as 0");
}

static cJSON *
fc_head(const char *as_of, const char *series, const char *unit, const char *grain)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "as_of", as_of);
	cJSON_AddStringToObject(o, "series", series);
	cJSON_AddStringToObject(o, "unit", unit);
	cJSON_AddStringToObject(o, "granularity", grain);
	return o;
}

/* ---- MRR (shared by mrr, target, runway) ------------------------------ */

/* Monthly MRR snapshots (as_of - k months) and their forecast for h months. */
static const char fc_mrr_sql[] =
    "SELECT day::text, value_cents FROM api.forecast_mrr_series($1::date, $2::int)";
static const char fc_daily_sql[] =
    "SELECT day::text, value FROM api.forecast_daily_series($1::text, $2::date, $3::int)";
static const char fc_costs_sql[] =
    "SELECT month::text, value_cents FROM api.forecast_costs_series($1::date, $2::int)";

static int
fc_mrr_model(struct ns_req *req, const char *as_of, size_t h, struct fc_series *s,
    struct series_fc *fc)
{
	const char *v[2] = { as_of, FC_MONTHS };

	if (fc_fetch(req, "fc_mrr", fc_mrr_sql, 2, v, 100.0, s) != 0)
		return -1;
	if (s->n > 0 && s->day[s->n - 1] != fc_parse_date(as_of)) {
		http_error(req, 422, "unprocessable", "no MRR snapshot for %s yet (rollups not refreshed)", as_of);
		return -1;
	}
	return fc_fit(req, "mrr", s, 12, h, FC_ORIGINS_M, "months", fc);
}

/* GET /api/forecast/mrr?months=1..24 */
static int
fc_mrr(struct ns_req *req)
{
	struct fc_series s;
	struct series_fc fc;
	char		 as_of[16];
	long		 fday[24], z;
	size_t		 h = (size_t)strtol(param_get(req, "months"), NULL, 10), i;
	cJSON		*o;

	if (fc_as_of(req, as_of, sizeof(as_of)) != 0 || fc_mrr_model(req, as_of, h, &s, &fc) != 0)
		return 0;
	z = fc_parse_date(as_of);
	for (i = 0; i < h; i++)
		fday[i] = fc_add_months(z, (int)i + 1);
	o = fc_head(as_of, "mrr", "USD", "month");
	fc_json_points(o, &s, &fc, fday, 1);
	series_json_add(o, &fc);
	series_fc_free(&fc);
	return fc_send(req, o);
}

/* ---- daily series: revenue, usage ------------------------------------- */

static int
fc_daily(struct ns_req *req, const char *metric, const char *unit, double scale)
{
	struct fc_series s;
	struct series_fc fc;
	char		 as_of[16];
	const char	*v[3] = { metric, as_of, FC_DAILY_DAYS };
	long		 fday[90], z;
	size_t		 h = (size_t)strtol(param_get(req, "days"), NULL, 10), i;
	cJSON		*o;

	if (fc_as_of(req, as_of, sizeof(as_of)) != 0 ||
	    fc_fetch(req, "fc_daily", fc_daily_sql, 3, v, scale, &s) != 0)
		return 0;
	z = fc_parse_date(as_of);
	if (s.n > 0 && s.day[s.n - 1] != z - 1)
		return http_error(req, 422, "unprocessable", "no %s data for the day before %s", metric, as_of);
	if (fc_fit(req, metric, &s, 7, h, FC_ORIGINS_D, "days", &fc) != 0)
		return 0;
	for (i = 0; i < h; i++)
		fday[i] = z + (long)i;
	o = fc_head(as_of, metric, unit, "day");
	fc_json_points(o, &s, &fc, fday, 1);
	series_json_add(o, &fc);
	series_fc_free(&fc);
	return fc_send(req, o);
}

/* GET /api/forecast/revenue?days=7|30|90 — gross order revenue per day. */
static int
fc_revenue(struct ns_req *req)
{
	return fc_daily(req, "revenue", "USD", 100.0);
}

/* GET /api/forecast/usage?days=7|30|90&metric=api_calls|usage_units */
static int
fc_usage(struct ns_req *req)
{
	const char *m = param_get(req, "metric");

	return fc_daily(req, m, strcmp(m, "api_calls") == 0 ? "calls" : "units", 1.0);
}

/* ---- costs ------------------------------------------------------------ */

/* GET /api/forecast/costs?months=1..24 — total monthly expenses. */
static int
fc_costs(struct ns_req *req)
{
	struct fc_series s;
	struct series_fc fc;
	char		 as_of[16];
	const char	*v[2] = { as_of, FC_MONTHS };
	long		 fday[24];
	size_t		 h = (size_t)strtol(param_get(req, "months"), NULL, 10), i;
	cJSON		*o;

	if (fc_as_of(req, as_of, sizeof(as_of)) != 0 ||
	    fc_fetch(req, "fc_costs", fc_costs_sql, 2, v, 100.0, &s) != 0 ||
	    fc_fit(req, "costs", &s, 12, h, FC_ORIGINS_M, "months", &fc) != 0)
		return 0;
	for (i = 0; i < h; i++)
		fday[i] = fc_add_months(s.day[s.n - 1], (int)i + 1);
	o = fc_head(as_of, "costs", "USD", "month");
	fc_json_points(o, &s, &fc, fday, 1);
	series_json_add(o, &fc);
	series_fc_free(&fc);
	return fc_send(req, o);
}

/* ---- target ----------------------------------------------------------- */

/* Standard normal CDF. */
static double
fc_phi(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

/*
 * GET /api/forecast/target — the MRR target of the period holding as_of.
 * The forecast path runs through (as_of, MRR now) and the monthly
 * forecasts at as_of + k months, linear in between (mean and variance).
 */
static int
fc_target(struct ns_req *req)
{
	static const char sql[] = "SELECT period_start::text, period_end::text, target_cents, mrr_cents "
	    "FROM api.forecast_target_info($1::date)";
	enum { H = 12 };
	struct fc_series s;
	struct series_fc fc;
	char		 as_of[16];
	const char	*v[1] = { as_of };
	PGresult	*res;
	long		 z, pend, step[H + 1], t, reach = -1;
	double		 target, now, mean[H + 1], var[H + 1], pm = 0, pv = 0, prob;
	int		 k, days_left;
	cJSON		*o, *f;

	if (fc_as_of(req, as_of, sizeof(as_of)) != 0)
		return 0;
	res = db_exec(req->db, "fc_target", sql, 1, v);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		return fc_db_fail(req, res);
	if (PQntuples(res) != 1) {
		PQclear(res);
		return http_error(req, 404, "not_found", "no MRR target covers %s", as_of);
	}
	z = fc_parse_date(as_of);
	pend = fc_parse_date(PQgetvalue(res, 0, 1));
	target = strtod(PQgetvalue(res, 0, 2), NULL) / 100.0;
	now = strtod(PQgetvalue(res, 0, 3), NULL) / 100.0;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "as_of", as_of);
	cJSON_AddStringToObject(o, "period_start", PQgetvalue(res, 0, 0));
	cJSON_AddStringToObject(o, "period_end", PQgetvalue(res, 0, 1));
	PQclear(res);
	if (fc_mrr_model(req, as_of, H, &s, &fc) != 0) {
		cJSON_Delete(o);
		return 0;
	}
	step[0] = z;
	mean[0] = now;
	var[0] = 0;
	for (k = 1; k <= H; k++) {
		double sd = (fc.hi95[k - 1] - fc.mean[k - 1]) / 1.96;

		step[k] = fc_add_months(z, k);
		mean[k] = fc.mean[k - 1];
		var[k] = sd * sd;
	}
	/* First day on the path at or above the target (0 when already there). */
	for (k = 0; k < H && reach < 0; k++)
		for (t = step[k]; t < step[k + 1] && reach < 0; t++) {
			double a = (double)(t - step[k]) / (double)(step[k + 1] - step[k]);

			if (mean[k] + a * (mean[k + 1] - mean[k]) >= target)
				reach = t;
		}
	if (reach < 0 && mean[H] >= target)
		reach = step[H];
	/* Mean and variance at the period end. */
	for (k = 0; k < H; k++)
		if (pend >= step[k] && pend <= step[k + 1]) {
			double a = (double)(pend - step[k]) / (double)(step[k + 1] - step[k]);

			pm = mean[k] + a * (mean[k + 1] - mean[k]);
			pv = var[k] + a * (var[k + 1] - var[k]);
			break;
		}
	if (pv > 0)
		prob = 1 - fc_phi((target - pm) / sqrt(pv));
	else
		prob = pm >= target ? 1 : 0;
	days_left = (int)(pend - z);

	series_add_num(o, "target_mrr", target);
	series_add_num(o, "current_mrr", now);
	series_add_num(o, "gap", target - now);
	cJSON_AddNumberToObject(o, "days_left", days_left);
	if (reach >= 0) {
		char d[16];

		cJSON_AddNumberToObject(o, "days_to_target", (double)(reach - z));
		fc_fmt_date(reach, d, sizeof(d));
		cJSON_AddStringToObject(o, "target_date", d);
	} else {
		cJSON_AddNullToObject(o, "days_to_target");
		cJSON_AddNullToObject(o, "target_date");
	}
	cJSON_AddBoolToObject(o, "on_track", reach >= 0 && reach <= pend);
	cJSON_AddNumberToObject(o, "probability", round(prob * 1e4) / 1e4);
	f = cJSON_AddObjectToObject(o, "forecast_at_period_end");
	series_add_num(f, "value", pm);
	series_add_num(f, "sd", sqrt(pv));
	if (days_left > 0 && now > 0 && target > 0)
		cJSON_AddNumberToObject(o, "required_daily_growth_pct",
		    round((pow(target / now, 1.0 / days_left) - 1) * 100 * 1e4) / 1e4);
	else
		cJSON_AddNullToObject(o, "required_daily_growth_pct");
	cJSON_AddStringToObject(o, "path_note", "MRR now, then the monthly MRR forecast at as_of + k months, "
	    "linear in between; probability from the normal forecast distribution at the period end");
	series_json_add(o, &fc);
	series_fc_free(&fc);
	return fc_send(req, o);
}

/* ---- runway ----------------------------------------------------------- */

/*
 * GET /api/forecast/runway?growth_pct=&burn_change_pct= — the scenario is
 * computed by api.forecast_runway; without growth_pct the income grows at
 * the MRR forecast's mean monthly rate over the next 12 months.
 */
static int
fc_runway(struct ns_req *req)
{
	static const char sql[] = "SELECT api.forecast_runway($1::int, $2::text, $3::numeric, $4::numeric, $5::date)";
	struct fc_series s;
	struct series_fc fc;
	char		 as_of[16], uid[24], gbuf[32];
	const char	*growth = param_get(req, "growth_pct");
	const char	*v[5];
	PGresult	*res;
	cJSON		*o, *sc;

	if (fc_as_of(req, as_of, sizeof(as_of)) != 0)
		return 0;
	if (fc_mrr_model(req, as_of, 12, &s, &fc) != 0)
		return 0;
	if (growth == NULL) {
		double g = 0;

		if (fc.last > 0 && fc.mean[11] > 0)
			g = (pow(fc.mean[11] / fc.last, 1.0 / 12) - 1) * 100;
		snprintf(gbuf, sizeof(gbuf), "%.4f", g);
	}
	snprintf(uid, sizeof(uid), "%ld", req->user.id);
	v[0] = uid;
	v[1] = role_name(req->user.role);
	v[2] = growth != NULL ? growth : gbuf;
	v[3] = param_get(req, "burn_change_pct");
	v[4] = as_of;
	res = db_exec(req->db, "fc_runway", sql, 5, v);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		series_fc_free(&fc);
		return fc_db_fail(req, res);
	}
	o = cJSON_Parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (o == NULL) {
		series_fc_free(&fc);
		return http_error(req, 500, "internal", "bad runway answer");
	}
	if ((sc = cJSON_GetObjectItemCaseSensitive(o, "scenario")) != NULL)
		cJSON_AddStringToObject(sc, "growth_source", growth != NULL ? "parameter growth_pct" :
		    "MRR forecast: mean monthly growth of the forecast over the next 12 months");
	series_json_add(o, &fc);
	series_fc_free(&fc);
	return fc_send(req, o);
}

/* ---- churn risk ------------------------------------------------------- */

struct fc_scored {
	double	 p;
	int	 row;
};

static int
fc_scored_cmp(const void *a, const void *b)
{
	const struct fc_scored *x = a, *y = b;

	return x->p < y->p ? 1 : x->p > y->p ? -1 : x->row - y->row;
}

/* GET /api/forecast/churn-risk?limit=1..500 (cs: own customers only). */
static int
fc_churn(struct ns_req *req)
{
	static const char sql[] = "SELECT * FROM api.forecast_churn_current(0, 'ceo', $1::date)";
	struct churn_model *m;
	struct fc_scored *sc = NULL;
	char		 as_of[16], uid[24], msg[256];
	const PGresult	*res;
	PGresult	*own = NULL;
	time_t		 rows_at = 0;
	double		 x[CHURN_NF], sum = 0;
	int		 status, n, rows, i, j, limit = (int)strtol(param_get(req, "limit"), NULL, 10);
	int		 cs = req->user.role == NS_ROLE_CS;
	cJSON		*o, *arr;

	if (fc_as_of(req, as_of, sizeof(as_of)) != 0)
		return 0;
	snprintf(uid, sizeof(uid), "%ld", req->user.id);
	if ((m = churn_model_get(req->db, as_of, &status, msg, sizeof(msg))) == NULL)
		return http_error(req, status, status == 422 ? "unprocessable" :
		    status == 503 ? "db_unavailable" : "internal", "%s", msg);
	/*
	 * The rows to score, every paying customer: those fetched with the
	 * model (by the job, or by an earlier request), else fetched now and
	 * given to the model for the next requests.  The cs row scope
	 * (customers.cs_owner_id = the user) is applied below, as
	 * api.forecast_churn_current does it for role cs.
	 */
	if ((res = churn_model_rows(m, &rows_at)) == NULL) {
		const char *v[1] = { as_of };

		own = db_exec(req->db, "fc_churn_current", sql, 1, v);
		if (own == NULL || PQresultStatus(own) != PGRES_TUPLES_OK || PQnfields(own) != CHURN_NF + 4) {
			churn_model_put(m);
			return fc_db_fail(req, own);
		}
		res = own;
		rows_at = time(NULL);
		if (churn_model_attach_rows(m, own))
			own = NULL;
	}
	rows = PQntuples(res);
	if ((sc = calloc((size_t)rows + 1, sizeof(*sc))) == NULL) {
		PQclear(own);
		churn_model_put(m);
		return http_error(req, 500, "internal", "out of memory");
	}
	for (i = 0, n = 0; i < rows; i++) {
		if (cs && (PQgetisnull(res, i, 2) || strcmp(PQgetvalue(res, i, 2), uid) != 0))
			continue;
		for (j = 0; j < CHURN_NF; j++)
			x[j] = strtod(PQgetvalue(res, i, j + 4), NULL);
		sc[n].p = churn_score(m, x);
		sc[n].row = i;
		sum += sc[n++].p;
	}
	qsort(sc, (size_t)n, sizeof(*sc), fc_scored_cmp);

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "as_of", as_of);
	cJSON_AddNumberToObject(o, "horizon_days", 30);
	cJSON_AddStringToObject(o, "scope", req->user.role == NS_ROLE_CS ? "customers you own" : "all paying customers");
	cJSON_AddNumberToObject(o, "scored", n);
	if (n > 0)
		cJSON_AddNumberToObject(o, "expected_churners", round(sum * 100) / 100);
	else
		cJSON_AddNullToObject(o, "expected_churners");
	arr = cJSON_AddArrayToObject(o, "customers");
	for (i = 0; i < n && i < limit; i++) {
		int r = sc[i].row;
		cJSON *row = cJSON_CreateObject();

		cJSON_AddNumberToObject(row, "customer_id", strtol(PQgetvalue(res, r, 0), NULL, 10));
		cJSON_AddStringToObject(row, "name", PQgetvalue(res, r, 1));
		series_add_num(row, "mrr", strtod(PQgetvalue(res, r, 3), NULL) / 100.0);
		cJSON_AddNumberToObject(row, "churn_probability", round(sc[i].p * 1e4) / 1e4);
		for (j = 0; j < CHURN_NF; j++) {
			x[j] = strtod(PQgetvalue(res, r, j + 4), NULL);
			cJSON_AddNumberToObject(row, churn_feature_names[j], round(x[j] * 1e4) / 1e4);
		}
		churn_json_factors(row, m, x);
		cJSON_AddItemToArray(arr, row);
	}
	cJSON_AddNumberToObject(o, "count", cJSON_GetArraySize(arr));
	{
		char when[32];
		struct tm tm;

		gmtime_r(&rows_at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		cJSON_AddStringToObject(o, "features_at", when);
	}
	churn_json_model(o, m);
	PQclear(own);
	free(sc);
	churn_model_put(m);
	return fc_send(req, o);
}

/* ---- seasonality ------------------------------------------------------ */

/*
 * GET /api/forecast/seasonality — day-of-week and month-of-year indices
 * (SQL), plus for each daily series the weekly ETS model (season 7) with
 * its backtest against the naive forecast.
 */
static int
fc_seasonality(struct ns_req *req)
{
	static const char sql[] = "SELECT api.forecast_seasonality($1::int, $2::text, $3::date)";
	static const char *const metrics[] = { "revenue", "api_calls" };
	struct fc_series s;
	struct series_fc fc;
	char		 as_of[16], uid[24];
	const char	*v[3] = { uid, role_name(req->user.role), as_of };
	PGresult	*res;
	cJSON		*o, *ser;
	size_t		 i;

	if (fc_as_of(req, as_of, sizeof(as_of)) != 0)
		return 0;
	snprintf(uid, sizeof(uid), "%ld", req->user.id);
	res = db_exec(req->db, "fc_seasonality", sql, 3, v);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		return fc_db_fail(req, res);
	o = cJSON_Parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (o == NULL)
		return http_error(req, 500, "internal", "bad seasonality answer");
	ser = cJSON_GetObjectItemCaseSensitive(o, "series");
	for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
		const char *dv[3] = { metrics[i], as_of, FC_DAILY_DAYS };
		cJSON *one, *model;

		if (fc_fetch(req, "fc_daily", fc_daily_sql, 3, dv, strcmp(metrics[i], "revenue") == 0 ? 100.0 : 1.0, &s) != 0) {
			cJSON_Delete(o);
			return 0;
		}
		one = ser != NULL ? cJSON_GetObjectItemCaseSensitive(ser, metrics[i]) : NULL;
		if (one == NULL)
			continue;
		model = cJSON_AddObjectToObject(one, "weekly_model");
		if (series_forecast(metrics[i], s.y, s.n, 7, 7, FC_ORIGINS_D, &fc) != ETS_OK) {
			cJSON_AddStringToObject(model, "note", "too little history for a model");
			continue;
		}
		series_json_add(model, &fc);
		cJSON_AddBoolToObject(model, "seasonal_model_chosen",
		    fc.season > 1 && fc.model[strlen(fc.model) - 1] == 'A');
		series_fc_free(&fc);
	}
	return fc_send(req, o);
}

/* ---- routes ----------------------------------------------------------- */

static const char *const fc_days_words[] = { "7", "30", "90", NULL };
static const char *const fc_usage_words[] = { "api_calls", "usage_units", NULL };

static const struct ns_param fc_months_params[] = {
	{ "months", NS_P_INT, 1, 24, NULL, "6" },
	{ NULL, 0, 0, 0, NULL, NULL }
};
static const struct ns_param fc_days_params[] = {
	{ "days", NS_P_ENUM, 0, 0, fc_days_words, "30" },
	{ NULL, 0, 0, 0, NULL, NULL }
};
static const struct ns_param fc_usage_params[] = {
	{ "days", NS_P_ENUM, 0, 0, fc_days_words, "30" },
	{ "metric", NS_P_ENUM, 0, 0, fc_usage_words, "api_calls" },
	{ NULL, 0, 0, 0, NULL, NULL }
};
static const struct ns_param fc_runway_params[] = {
	{ "growth_pct", NS_P_NUM, -50, 100, NULL, NULL },
	{ "burn_change_pct", NS_P_NUM, -100, 300, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};
static const struct ns_param fc_churn_params[] = {
	{ "limit", NS_P_INT, 1, 500, NULL, "20" },
	{ NULL, 0, 0, 0, NULL, NULL }
};

#define FC_CEO_SALES	(NS_ROLE_CEO | NS_ROLE_SALES)
#define FC_CEO_CS	(NS_ROLE_CEO | NS_ROLE_CS)

static const struct ns_route forecast_routes[] = {
	{ "GET", "/api/forecast/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	/* MRR: monthly snapshots, ETS projection with bands and backtest. */
	{ "GET", "/api/forecast/mrr", FC_CEO_SALES, fc_months_params, NS_F_ASOF | NS_F_CSV, 300,
	    NULL, "forecast", fc_mrr },
	/* Daily gross order revenue, weekly season. */
	{ "GET", "/api/forecast/revenue", FC_CEO_SALES, fc_days_params, NS_F_ASOF | NS_F_CSV, 300,
	    NULL, "forecast", fc_revenue },
	/* Days to the MRR target, probability of reaching it. */
	{ "GET", "/api/forecast/target", FC_CEO_SALES, NULL, NS_F_ASOF, 300, NULL, NULL, fc_target },
	/* Cash, burn, runway and the growth / cost scenario (CEO only). */
	{ "GET", "/api/forecast/runway", NS_ROLE_CEO, fc_runway_params, NS_F_ASOF | NS_F_CSV, 300,
	    NULL, "last_months", fc_runway },
	/* Churn probability per paying customer (cs: own customers). */
	{ "GET", "/api/forecast/churn-risk", FC_CEO_CS, fc_churn_params, NS_F_ASOF | NS_F_CSV, 300,
	    NULL, "customers", fc_churn },
	/* Monthly expenses (CEO only). */
	{ "GET", "/api/forecast/costs", NS_ROLE_CEO, fc_months_params, NS_F_ASOF | NS_F_CSV, 300,
	    NULL, "forecast", fc_costs },
	/* API calls or metered units per day, for capacity planning. */
	{ "GET", "/api/forecast/usage", FC_CEO_CS, fc_usage_params, NS_F_ASOF | NS_F_CSV, 300,
	    NULL, "forecast", fc_usage },
	/* Day-of-week and month-of-year patterns of revenue and API calls. */
	{ "GET", "/api/forecast/seasonality", NS_ROLE_CEO, NULL, NS_F_ASOF, 300, NULL, NULL, fc_seasonality },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

/* ---- periodic job: warm the model caches ------------------------------ */

/* Run sql on the job's connection into s; -1 on failure. */
static int
fc_job_fetch(PGconn *conn, const char *sql, int n, const char *const *vals, double scale,
    struct fc_series *s)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, vals, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	fc_load(res, scale, s);
	return 0;
}

/* Fit (or find cached) the forecast of s the way a request with horizon h would. */
static void
fc_job_fit(const char *kind, const struct fc_series *s, int season, size_t h, size_t origins)
{
	struct series_fc fc;

	if (series_forecast(kind, s->y, s->n, season, h, origins, &fc) == ETS_OK)
		series_fc_free(&fc);
}

/*
 * Every FC_JOB_SECONDS (instance 1 only: NS_JOBS): fetch today's series
 * exactly as the handlers do and fit the forecasts of the default and
 * common requests (revenue and usage for 7/30/90 days, which include the
 * seasonality models; MRR for 6 months and for 12, used by target and
 * runway; costs for 6 months) into the per-process cache, then (re)train
 * the churn model.  series_forecast() fits outside the cache mutex and
 * returns at once when the data version is already cached, so a quiet
 * period costs a few small queries.  Requests then find a fitted model
 * for the current data version.  Instances without the job run it from
 * a thread of their own (fc_warm_main).
 */
static int
fc_job(PGconn *conn)
{
	static const char *const daily[] = { "revenue", "api_calls", "usage_units" };
	static const size_t days[] = { 7, 30, 90 };
	struct fc_series *s;
	char		 as_of[16];
	const char	*v[3];
	PGresult	*res;
	size_t		 i, j;
	int		 rc = 0;

	res = PQexec(conn, "SET statement_timeout = '5min'");
	PQclear(res);
	res = PQexec(conn, "SELECT api.forecast_as_of(NULL)::text");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		return -1;
	}
	snprintf(as_of, sizeof(as_of), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if ((s = malloc(sizeof(*s))) == NULL)
		return -1;
	for (i = 0; i < sizeof(daily) / sizeof(daily[0]); i++) {
		v[0] = daily[i];
		v[1] = as_of;
		v[2] = FC_DAILY_DAYS;
		if (fc_job_fetch(conn, fc_daily_sql, 3, v, strcmp(daily[i], "revenue") == 0 ? 100.0 : 1.0, s) != 0) {
			rc = -1;
			continue;
		}
		if (s->n == 0 || s->day[s->n - 1] != fc_parse_date(as_of) - 1)
			continue;	/* the handler answers 422 */
		for (j = 0; j < sizeof(days) / sizeof(days[0]); j++)
			fc_job_fit(daily[i], s, 7, days[j], FC_ORIGINS_D);
	}
	v[0] = as_of;
	v[1] = FC_MONTHS;
	if (fc_job_fetch(conn, fc_mrr_sql, 2, v, 100.0, s) != 0)
		rc = -1;
	else if (s->n > 0 && s->day[s->n - 1] == fc_parse_date(as_of)) {
		fc_job_fit("mrr", s, 12, 6, FC_ORIGINS_M);
		fc_job_fit("mrr", s, 12, 12, FC_ORIGINS_M);
	}
	if (fc_job_fetch(conn, fc_costs_sql, 2, v, 100.0, s) != 0)
		rc = -1;
	else
		fc_job_fit("costs", s, 12, 6, FC_ORIGINS_M);
	free(s);
	if (churn_model_refresh(conn, as_of) != 0)
		rc = -1;
	return rc;
}

static const struct ns_service forecast_service = {
	.name = "forecast", .routes = forecast_routes, .job = fc_job, .job_seconds = FC_JOB_SECONDS,
};

int
main(int argc, char *argv[])
{
	return app_main(&forecast_service, argc, argv);
}
