/* forecast_cli.c: forecast-cli, fits ETS to numbers on stdin and prints the forecast as JSON. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ets.h"

#define CLI_MAX_POINTS	100000	/* caps memory and fitting time */
#define CLI_MAX_HORIZON	1000
#define CLI_LINE_MAX	128	/* longer lines are not a plain number */

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_INTERNAL = 1,	/* out of memory, write error */
	CLI_EXIT_INPUT = 2	/* bad arguments or bad series */
};

struct cli_opts {
	int		season;
	size_t		horizon;
	int		model;		/* -1: choose by AICc */
};

static void
cli_usage(void)
{
	fprintf(stderr, "usage: forecast-cli --season N --horizon H "
	    "[--model ANN|AAN|AAdN|ANA|AAA|AAdA] < series.txt\n"
	    "  N: season length 0..%d (0 or 1: none), "
	    "H: horizon 1..%d; one number per line on stdin\n",
	    ETS_MAX_SEASON, CLI_MAX_HORIZON);
}

/*
 * Parses the whole of s as a decimal integer in [lo, hi] into *out.
 * Returns 0, or -1 (nothing written) on junk, overflow or out of range.
 */
static int
cli_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
cli_parse_model(const char *s)
{
	int m;

	for (m = 0; m < ETS_MODEL__MAX; m++)
		if (strcmp(s, ets_model_name((enum ets_model)m)) == 0)
			return m;
	return -1;
}

/*
 * Fills *o from argv; both --season and --horizon are required.
 * Returns 0, or -1 after printing a message.
 */
static int
cli_parse_args(int argc, char *argv[], struct cli_opts *o)
{
	long v;
	int i, have_season = 0, have_horizon = 0;

	o->model = -1;
	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc) {
			fprintf(stderr, "forecast-cli: %s: missing value or "
			    "unknown option\n", argv[i]);
			return -1;
		}
		if (strcmp(argv[i], "--season") == 0) {
			if (cli_parse_long(argv[++i], 0, ETS_MAX_SEASON,
			    &v) == -1) {
				fprintf(stderr, "forecast-cli: --season must be "
				    "an integer in 0..%d\n", ETS_MAX_SEASON);
				return -1;
			}
			o->season = (int)v;
			have_season = 1;
		} else if (strcmp(argv[i], "--horizon") == 0) {
			if (cli_parse_long(argv[++i], 1, CLI_MAX_HORIZON,
			    &v) == -1) {
				fprintf(stderr, "forecast-cli: --horizon must "
				    "be an integer in 1..%d\n", CLI_MAX_HORIZON);
				return -1;
			}
			o->horizon = (size_t)v;
			have_horizon = 1;
		} else if (strcmp(argv[i], "--model") == 0) {
			if ((o->model = cli_parse_model(argv[++i])) == -1) {
				fprintf(stderr, "forecast-cli: unknown model\n");
				return -1;
			}
		} else {
			fprintf(stderr, "forecast-cli: unknown option\n");
			return -1;
		}
	}
	if (!have_season || !have_horizon) {
		fprintf(stderr, "forecast-cli: --season and --horizon are "
		    "required\n");
		return -1;
	}
	return 0;
}

/*
 * Parses one input line (without newline) as a finite number into *out.
 * Surrounding blanks are allowed; anything else is an error.
 * Returns 0 or -1.
 */
static int
cli_parse_value(const char *s, double *out)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(v))
		return -1;
	while (*end == ' ' || *end == '\t' || *end == '\r')
		end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

/*
 * Reads one number per line from fp into a new array (*out, caller frees
 * with free()) and its length *n.  Blank lines are rejected: in a time
 * series they are missing values, and dropping them would shift the
 * season.  Returns CLI_EXIT_OK or an exit code after printing a message.
 */
static int
cli_read_series(FILE *fp, double **out, size_t *n)
{
	char line[CLI_LINE_MAX];
	double *y;
	size_t len, lineno = 0;
	int rc = CLI_EXIT_INTERNAL;

	*n = 0;
	if ((y = calloc(CLI_MAX_POINTS, sizeof(double))) == NULL) {
		fprintf(stderr, "forecast-cli: out of memory\n");
		goto err;
	}
	rc = CLI_EXIT_INPUT;
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(fp)) {
			fprintf(stderr, "forecast-cli: line %zu: too long\n",
			    lineno);
			goto err;
		}
		if (*n == CLI_MAX_POINTS) {
			fprintf(stderr, "forecast-cli: more than %d values\n",
			    CLI_MAX_POINTS);
			goto err;
		}
		if (cli_parse_value(line, &y[*n]) == -1) {
			fprintf(stderr, "forecast-cli: line %zu: not a finite "
			    "number\n", lineno);
			goto err;
		}
		(*n)++;
	}
	if (ferror(fp)) {
		fprintf(stderr, "forecast-cli: read error\n");
		goto err;
	}
	*out = y;
	return CLI_EXIT_OK;
err:
	free(y);
	return rc;
}

/* Prints a JSON number; non-finite values (never expected) become null. */
static void
cli_num(double v)
{
	if (isfinite(v))
		printf("%.10g", v);
	else
		fputs("null", stdout);
}

static void
cli_array(const char *name, const double *v, size_t n)
{
	size_t i;

	printf(",\"%s\":[", name);
	for (i = 0; i < n; i++) {
		if (i > 0)
			putchar(',');
		cli_num(v[i]);
	}
	putchar(']');
}

static void
cli_param(const char *name, double v)
{
	printf(",\"%s\":", name);
	cli_num(v);
}

/* Prints the params object of a fit; only the model's own parameters. */
static void
cli_print_params(const struct ets_fit *fit, const struct ets_params *p)
{
	enum ets_model m = ets_model_get(fit);
	int trend = m == ETS_AAN || m == ETS_AADN || m == ETS_AAA ||
	    m == ETS_AADA;

	fputs(",\"params\":{\"alpha\":", stdout);
	cli_num(p->alpha);
	if (trend)
		cli_param("beta", p->beta);
	if (p->season > 1)
		cli_param("gamma", p->gamma);
	if (m == ETS_AADN || m == ETS_AADA)
		cli_param("phi", p->phi);
	cli_param("initial_level", p->level0);
	if (trend)
		cli_param("initial_trend", p->trend0);
	if (p->season > 1)
		cli_array("initial_seasonal", p->season0, (size_t)p->season);
	cli_param("sigma2", p->sigma2);
	cli_param("sse", p->sse);
	cli_param("aic", p->aic);
	cli_param("aicc", p->aicc);
	putchar('}');
}

/*
 * Forecasts from fit and prints the JSON document to stdout.
 * Returns an exit code.
 */
static int
cli_print(const struct ets_fit *fit, size_t h)
{
	struct ets_params p;
	double *buf;
	int rc = CLI_EXIT_INTERNAL;

	if ((buf = calloc(5 * h, sizeof(double))) == NULL) {
		fprintf(stderr, "forecast-cli: out of memory\n");
		return rc;
	}
	if (ets_forecast(fit, h, buf, buf + h, buf + 2 * h, buf + 3 * h,
	    buf + 4 * h) != ETS_OK || ets_params_get(fit, &p) != ETS_OK) {
		fprintf(stderr, "forecast-cli: internal error\n");
		goto err;
	}
	printf("{\"method\":\"%s\",\"n\":%zu,\"season\":%d,"
	    "\"interval_method\":\"analytic\"", ets_method_name(fit), p.n,
	    p.season);
	cli_print_params(fit, &p);
	cli_array("forecast", buf, h);
	cli_array("lo80", buf + h, h);
	cli_array("hi80", buf + 2 * h, h);
	cli_array("lo95", buf + 3 * h, h);
	cli_array("hi95", buf + 4 * h, h);
	puts("}");
	rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_INTERNAL;
err:
	free(buf);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct cli_opts o;
	struct ets_fit *fit = NULL;
	double *y = NULL;
	size_t n;
	int rc, err;

	memset(&o, 0, sizeof(o));
	if (cli_parse_args(argc, argv, &o) == -1) {
		cli_usage();
		return CLI_EXIT_INPUT;
	}
	if ((rc = cli_read_series(stdin, &y, &n)) != CLI_EXIT_OK)
		goto out;
	if (o.model < 0)
		fit = ets_fit_new(y, n, o.season, &err);
	else
		fit = ets_fit_model_new(y, n, o.season,
		    (enum ets_model)o.model, &err);
	if (fit == NULL) {
		fprintf(stderr, "forecast-cli: %s\n", ets_strerror(err));
		rc = err == ETS_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INPUT;
		goto out;
	}
	rc = cli_print(fit, o.horizon);
out:
	ets_fit_free(fit);
	free(y);
	return rc;
}
