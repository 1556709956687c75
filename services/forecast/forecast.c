/*
 * forecast.c — the forecast service's routes and handlers: MRR, revenue,
 * costs and usage projections, the MRR target, cash runway scenarios,
 * churn risk and seasonality.  Each handler calls its route's SQL function
 * (forecast.sql decides the dates, the history windows and the row scope),
 * fits the numbers in C (series.c on ets.c, churn.c on logreg.c) and
 * answers with the method, its parameters and its backtest against a
 * naive forecast.  cache.c keeps the fitted models warm.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "northstar.h"
#include "cache.h"
#include "churn.h"
#include "series.h"

#define FC_MAX_ARGS	6	/* named arguments of a handler's call */

/* ---- calls and answers ------------------------------------------------ */

/*
 * Call fn for the request: p_user, p_role, then args, then p_as_of (the
 * request's, or a day already resolved by an earlier call).  Returns the
 * result (caller PQclear()s, or hands it to reply_result), NULL when the
 * database is unreachable.
 */
static PGresult *
fc_call(struct ns_req *req, const char *fn, const char *as_of, const struct ns_arg *args,
    size_t n)
{
	struct ns_arg	 a[FC_MAX_ARGS];
	char		 uid[24];
	size_t		 k = 0, i;

	cache_warm_start();
	snprintf(uid, sizeof(uid), "%ld", req->user.id);
	a[k++] = (struct ns_arg){ "p_user", uid };
	a[k++] = (struct ns_arg){ "p_role", role_name(req->user.role) };
	for (i = 0; i < n && k < FC_MAX_ARGS - 1; i++)
		a[k++] = args[i];
	a[k++] = (struct ns_arg){ "p_as_of", as_of };
	return db_call(req->db, NS_DB_READ, NULL, fn, a, k);
}

/*
 * The json value of res, parsed; clears res.  NULL after answering the
 * failure (reply_result: the one SQLSTATE → HTTP mapping).
 */
static cJSON *
fc_parse(struct ns_req *req, PGresult *res)
{
	cJSON *o;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQnfields(res) != 1 || PQgetisnull(res, 0, 0)) {
		reply_result(req, res);
		return NULL;
	}
	o = cJSON_ParseWithLength(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
	if (o == NULL)
		http_error(req, 500, "internal", "bad answer from the database");
	return o;
}

/* The string member name of o, or "" (never NULL). */
static const char *
fc_str(const cJSON *o, const char *name)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));

	return s != NULL ? s : "";
}

/* The number member name of o into *v: 0, or -1 when there is none. */
static int
fc_num(const cJSON *o, const char *name, double *v)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(n))
		return -1;
	*v = n->valuedouble;
	return 0;
}

/* Answer obj (JSON, or CSV of the route's csv_key array) and free it. */
static int
fc_send(struct ns_req *req, cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);

	cJSON_Delete(obj);
	if (s == NULL)
		return http_error(req, 500, "internal", "out of memory");
	reply_json(req, s, strlen(s));
	cJSON_free(s);
	return 0;
}

/* ---- series: mrr, revenue, costs, usage ------------------------------- */

/* The series answer of res into in; clears res.  -1 after answering the failure. */
static int
fc_load(struct ns_req *req, PGresult *res, struct series_in *in)
{
	int rc;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQnfields(res) != 1 || PQgetisnull(res, 0, 0)) {
		reply_result(req, res);
		return -1;
	}
	rc = series_in_load(in, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
	if (rc != 0)
		http_error(req, 500, "internal", "bad series answer from the database");
	return rc;
}

/* Answer the failure err of fitting in (422 for a short history, 500 out of memory); -1. */
static int
fc_fit_error(struct ns_req *req, const struct series_in *in, int err)
{
	if (err == ETS_ESHORT)
		http_error(req, 422, "unprocessable", "too little history to forecast %s: %zu %s with data, "
		    "at least %d needed", in->kind, in->n, in->unit_name, SERIES_MIN_N);
	else if (err == ETS_ENOMEM)
		http_error(req, 500, "internal", "out of memory");
	else
		http_error(req, 422, "unprocessable", "cannot forecast %s: %s", in->kind, ets_strerror(err));
	return -1;
}

/* Forecast in for h steps; on failure answer 422 (short history) or 500 and return -1. */
static int
fc_fit(struct ns_req *req, const struct series_in *in, size_t h, struct series_fc *fc)
{
	int err = series_forecast(in->kind, in->y, in->n, in->season, h, in->origins, fc);

	return err == ETS_OK ? 0 : fc_fit_error(req, in, err);
}

/* The MRR history of as_of (NULL: today) fitted for h months into in and fc; -1 after answering. */
static int
fc_mrr_model(struct ns_req *req, const char *as_of, size_t h, struct series_in *in,
    struct series_fc *fc)
{
	char			 hs[16];
	const struct ns_arg	 args[] = { { "p_series", "mrr" }, { "p_horizon", hs }, { "p_as_of", as_of } };

	snprintf(hs, sizeof(hs), "%zu", h);
	if (fc_load(req, db_call(req->db, NS_DB_READ, NULL, "api.forecast_series", args,
	    sizeof(args) / sizeof(args[0])), in) != 0)
		return -1;
	if (fc_fit(req, in, h, fc) != 0) {
		series_in_free(in);
		return -1;
	}
	return 0;
}

/*
 * The route's series (its function answers the history and the forecast
 * dates), fitted by series_answer_fill (forecast[] values and bounds,
 * method, params, backtest, data_version), answered.
 */
static int
fc_series(struct ns_req *req, const struct ns_arg *args, size_t n)
{
	struct series_in in;
	int		 err;

	if (fc_load(req, fc_call(req, req->route->fn, param_get(req, "as_of"), args, n), &in) != 0)
		return 0;
	if ((err = series_answer_fill(&in)) != ETS_OK) {
		fc_fit_error(req, &in, err);
		series_in_free(&in);
		return 0;
	}
	fc_send(req, in.answer);
	in.answer = NULL;
	series_in_free(&in);
	return 0;
}

/* GET /api/forecast/mrr?months=1..24 — monthly MRR snapshots. */
static int
fc_mrr(struct ns_req *req)
{
	const struct ns_arg args[] = { { "p_months", param_get(req, "months") } };

	return fc_series(req, args, 1);
}

/* GET /api/forecast/revenue?days=7|30|90 — gross order revenue per day. */
static int
fc_revenue(struct ns_req *req)
{
	const struct ns_arg args[] = { { "p_days", param_get(req, "days") } };

	return fc_series(req, args, 1);
}

/* GET /api/forecast/costs?months=1..24 — total monthly expenses. */
static int
fc_costs(struct ns_req *req)
{
	const struct ns_arg args[] = { { "p_months", param_get(req, "months") } };

	return fc_series(req, args, 1);
}

/* GET /api/forecast/usage?days=7|30|90&metric=api_calls|usage_units */
static int
fc_usage(struct ns_req *req)
{
	const struct ns_arg args[] = { { "p_days", param_get(req, "days") },
	    { "p_metric", param_get(req, "metric") } };

	return fc_series(req, args, 2);
}

/* ---- target ----------------------------------------------------------- */

/* Standard normal CDF. */
static double
fc_phi(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

/*
 * The date days after date (YYYY-MM-DD) into buf.  Only for a day inside
 * one step of the target path, which SQL dated; the calendar is
 * param_days_in_month's.
 */
static void
fc_date_plus(const char *date, long days, char *buf, size_t sz)
{
	int y, m, d;

	if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3) {
		snprintf(buf, sz, "%s", date);
		return;
	}
	d += (int)days;
	while (d > param_days_in_month(y, m)) {
		d -= param_days_in_month(y, m);
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	snprintf(buf, sz, "%04d-%02d-%02d", y, m, d);
}

/*
 * GET /api/forecast/target — the MRR target of the period holding as_of:
 * api.forecast_target dates the path (as_of + k months, as days from
 * as_of), series_path walks the MRR forecast along it.
 */
static int
fc_target(struct ns_req *req)
{
	enum { H = 12 };
	struct series_in in;
	struct series_fc fc;
	long		 step[H + 1], pend, reach;
	double		 target = 0, now = 0, v = 0, pm, pv, prob;
	const char	*date[H + 1];
	int		 k, bad;
	cJSON		*tg, *steps, *o, *f;

	if ((tg = fc_parse(req, fc_call(req, req->route->fn, param_get(req, "as_of"), NULL, 0))) == NULL)
		return 0;
	steps = cJSON_GetObjectItemCaseSensitive(tg, "steps");
	bad = cJSON_GetArraySize(steps) != H + 1 || fc_num(tg, "days_left", &v) != 0 ||
	    fc_num(tg, "target_cents", &target) != 0 || fc_num(tg, "mrr_cents", &now) != 0;
	pend = (long)v;
	for (k = 0; k <= H && !bad; k++) {
		const cJSON *s = cJSON_GetArrayItem(steps, k);

		bad = fc_num(s, "day", &v) != 0;
		step[k] = (long)v;
		date[k] = fc_str(s, "date");
	}
	if (bad) {
		cJSON_Delete(tg);
		return http_error(req, 500, "internal", "bad target answer from the database");
	}
	target /= 100.0;
	now /= 100.0;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "as_of", fc_str(tg, "as_of"));
	cJSON_AddStringToObject(o, "period_start", fc_str(tg, "period_start"));
	cJSON_AddStringToObject(o, "period_end", fc_str(tg, "period_end"));
	if (fc_mrr_model(req, fc_str(tg, "as_of"), H, &in, &fc) != 0) {
		cJSON_Delete(o);
		cJSON_Delete(tg);
		return 0;
	}
	series_in_free(&in);
	series_path(&fc, step, H, now, target, pend, &reach, &pm, &pv);
	if (pv > 0)
		prob = 1 - fc_phi((target - pm) / sqrt(pv));
	else
		prob = pm >= target ? 1 : 0;

	series_add_num(o, "target_mrr", target);
	series_add_num(o, "current_mrr", now);
	series_add_num(o, "gap", target - now);
	cJSON_AddNumberToObject(o, "days_left", (double)pend);
	if (reach >= 0) {
		char d[16];

		for (k = H; k > 0 && step[k] > reach; k--)
			;
		cJSON_AddNumberToObject(o, "days_to_target", (double)reach);
		fc_date_plus(date[k], reach - step[k], d, sizeof(d));
		cJSON_AddStringToObject(o, "target_date", d);
	} else {
		cJSON_AddNullToObject(o, "days_to_target");
		cJSON_AddNullToObject(o, "target_date");
	}
	cJSON_Delete(tg);
	cJSON_AddBoolToObject(o, "on_track", reach >= 0 && reach <= pend);
	cJSON_AddNumberToObject(o, "probability", round(prob * 1e4) / 1e4);
	f = cJSON_AddObjectToObject(o, "forecast_at_period_end");
	series_add_num(f, "value", pm);
	series_add_num(f, "sd", sqrt(pv));
	if (pend > 0 && now > 0 && target > 0)
		cJSON_AddNumberToObject(o, "required_daily_growth_pct",
		    round((pow(target / now, 1.0 / (double)pend) - 1) * 100 * 1e4) / 1e4);
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
 * the MRR forecast's mean monthly growth over the next 12 months.
 */
static int
fc_runway(struct ns_req *req)
{
	struct series_in in;
	struct series_fc fc;
	char		 gbuf[32];
	const char	*growth = param_get(req, "growth_pct");
	cJSON		*o, *sc;

	if (fc_mrr_model(req, param_get(req, "as_of"), 12, &in, &fc) != 0)
		return 0;
	if (growth == NULL) {
		double g = 0;

		if (fc.last > 0 && fc.mean[11] > 0)
			g = (pow(fc.mean[11] / fc.last, 1.0 / 12) - 1) * 100;
		snprintf(gbuf, sizeof(gbuf), "%.4f", g);
	}
	{
		const struct ns_arg args[] = { { "p_growth_pct", growth != NULL ? growth : gbuf },
		    { "p_burn_change_pct", param_get(req, "burn_change_pct") } };

		o = fc_parse(req, fc_call(req, req->route->fn, fc_str(in.answer, "as_of"), args, 2));
	}
	series_in_free(&in);
	if (o == NULL) {
		series_fc_free(&fc);
		return 0;
	}
	if ((sc = cJSON_GetObjectItemCaseSensitive(o, "scenario")) != NULL)
		cJSON_AddStringToObject(sc, "growth_source", growth != NULL ? "parameter growth_pct" :
		    "MRR forecast: mean monthly growth of the forecast over the next 12 months");
	series_json_add(o, &fc);
	series_fc_free(&fc);
	return fc_send(req, o);
}

/* ---- churn risk ------------------------------------------------------- */

/*
 * GET /api/forecast/churn-risk?limit=1..500 — every customer the user may
 * see scored by the churn model, most likely to churn first, then the
 * model's figures.  The model and the customers' features are cached
 * (churn.c); the row scope is read from the database on every request
 * (churn_scope_ids), so it always follows the current owners.
 */
static int
fc_churn(struct ns_req *req)
{
	const struct ns_arg args[] = { { "p_limit", param_get(req, "limit") } };
	struct churn_model *m;
	char		 uid[24], msg[256];
	const PGresult	*rows;
	PGresult	*res, *ids;
	time_t		 rows_at = 0;
	int		 status, rc;
	cJSON		*o;

	if ((o = fc_parse(req, fc_call(req, req->route->fn, param_get(req, "as_of"), args, 1))) == NULL)
		return 0;
	if ((m = churn_model_get(req->db, fc_str(o, "as_of"), &res, &status, msg, sizeof(msg))) == NULL) {
		cJSON_Delete(o);
		if (status == 0)
			return reply_result(req, res);
		return http_error(req, status, status == 422 ? "unprocessable" : "internal", "%s", msg);
	}
	if ((rows = churn_model_rows(m, req->db, &rows_at, &res)) == NULL) {
		churn_model_put(m);
		cJSON_Delete(o);
		return reply_result(req, res);
	}
	snprintf(uid, sizeof(uid), "%ld", req->user.id);
	ids = churn_scope_ids(req->db, uid, role_name(req->user.role));
	if (ids == NULL || PQresultStatus(ids) != PGRES_TUPLES_OK) {
		PQclear(res);
		churn_model_put(m);
		cJSON_Delete(o);
		return reply_result(req, ids);
	}
	rc = churn_json_rows(o, m, rows, ids, rows_at, (int)strtol(param_get(req, "limit"), NULL, 10));
	PQclear(ids);
	PQclear(res);
	if (rc != 0) {
		churn_model_put(m);
		cJSON_Delete(o);
		return http_error(req, 500, "internal", "out of memory");
	}
	churn_json_model(o, m);
	churn_model_put(m);
	return fc_send(req, o);
}

/* ---- seasonality ------------------------------------------------------ */

/*
 * GET /api/forecast/seasonality — day-of-week and month-of-year indices
 * (SQL), plus for each of its daily series the weekly ETS model (season 7,
 * 7 days ahead) with its backtest against the naive forecast.
 */
static int
fc_seasonality(struct ns_req *req)
{
	struct series_in in;
	struct series_fc fc;
	cJSON		*o, *one;

	if ((o = fc_parse(req, fc_call(req, req->route->fn, param_get(req, "as_of"), NULL, 0))) == NULL)
		return 0;
	cJSON_ArrayForEach(one, cJSON_GetObjectItemCaseSensitive(o, "series")) {
		/* The history as the series' own route fits it, even when it stops short. */
		const struct ns_arg args[] = { { "p_series", one->string }, { "p_horizon", "7" },
		    { "p_as_of", fc_str(o, "as_of") }, { "p_complete", "false" } };
		cJSON *model;

		if (fc_load(req, db_call(req->db, NS_DB_READ, NULL, "api.forecast_series", args,
		    sizeof(args) / sizeof(args[0])), &in) != 0) {
			cJSON_Delete(o);
			return 0;
		}
		model = cJSON_AddObjectToObject(one, "weekly_model");
		if (series_forecast(in.kind, in.y, in.n, in.season, 7, in.origins, &fc) != ETS_OK) {
			cJSON_AddStringToObject(model, "note", "too little history for a model");
			series_in_free(&in);
			continue;
		}
		series_in_free(&in);
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
	NS_PARAM_END
};
static const struct ns_param fc_days_params[] = {
	{ "days", NS_P_ENUM, 0, 0, fc_days_words, "30" },
	NS_PARAM_END
};
static const struct ns_param fc_usage_params[] = {
	{ "days", NS_P_ENUM, 0, 0, fc_days_words, "30" },
	{ "metric", NS_P_ENUM, 0, 0, fc_usage_words, "api_calls" },
	NS_PARAM_END
};
static const struct ns_param fc_runway_params[] = {
	{ "growth_pct", NS_P_NUM, -50, 100, NULL, NULL },
	{ "burn_change_pct", NS_P_NUM, -100, 300, NULL, NULL },
	NS_PARAM_END
};
static const struct ns_param fc_churn_params[] = {
	NS_PARAM_LIMIT(500, "20"),
	NS_PARAM_END
};

#define FC_CEO_SALES	(NS_ROLE_CEO | NS_ROLE_SALES)
#define FC_CEO_CS	(NS_ROLE_CEO | NS_ROLE_CS)

static const struct ns_route forecast_routes[] = {
	{ "GET", "/api/forecast/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	/* MRR: monthly snapshots, ETS projection with bands and backtest. */
	{ "GET", "/api/forecast/mrr", FC_CEO_SALES, fc_months_params, NS_F_ASOF | NS_F_CSV, 300,
	    "api.forecast_mrr", "forecast", fc_mrr },
	/* Daily gross order revenue, weekly season. */
	{ "GET", "/api/forecast/revenue", FC_CEO_SALES, fc_days_params, NS_F_ASOF | NS_F_CSV, 300,
	    "api.forecast_revenue", "forecast", fc_revenue },
	/* Days to the MRR target, probability of reaching it. */
	{ "GET", "/api/forecast/target", FC_CEO_SALES, NULL, NS_F_ASOF, 300,
	    "api.forecast_target", NULL, fc_target },
	/* Cash, burn, runway and the growth / cost scenario (CEO only). */
	{ "GET", "/api/forecast/runway", NS_ROLE_CEO, fc_runway_params, NS_F_ASOF | NS_F_CSV, 300,
	    "api.forecast_runway", "last_months", fc_runway },
	/* Churn probability per paying customer (cs: own customers). */
	{ "GET", "/api/forecast/churn-risk", FC_CEO_CS, fc_churn_params, NS_F_ASOF | NS_F_CSV, 300,
	    "api.forecast_churn_risk", "customers", fc_churn },
	/* Monthly expenses (CEO only). */
	{ "GET", "/api/forecast/costs", NS_ROLE_CEO, fc_months_params, NS_F_ASOF | NS_F_CSV, 300,
	    "api.forecast_costs", "forecast", fc_costs },
	/* API calls or metered units per day, for capacity planning. */
	{ "GET", "/api/forecast/usage", FC_CEO_CS, fc_usage_params, NS_F_ASOF | NS_F_CSV, 300,
	    "api.forecast_usage", "forecast", fc_usage },
	/* Day-of-week and month-of-year patterns of revenue and API calls. */
	{ "GET", "/api/forecast/seasonality", NS_ROLE_CEO, NULL, NS_F_ASOF, 300,
	    "api.forecast_seasonality", NULL, fc_seasonality },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static const struct ns_service forecast_service = {
	.name = "forecast", .routes = forecast_routes, .job = cache_job,
	.job_seconds = CACHE_JOB_SECONDS, .job_setup = cache_job_setup,
};

int
main(int argc, char *argv[])
{
	return app_main(&forecast_service, argc, argv);
}
