/*
 * northstar-simulate — keep a demo company alive through the public ingestion API (docs/live.md,
 * "The simulator: a demo company that lives").
 *
 *   northstar-simulate --key-file FILE [--url URL] [--seed N] [--rate R] [--duration S]
 *                      [--now 2026-12-01T12:00:00Z] [--currency XXX] [--dry-run]
 *
 * A trickle of business activity, sent like any external source with an API key (scopes
 * ingest:billing, ingest:events, ingest:marketing): signups with trials that convert or lapse,
 * upgrades, downgrades, seat changes, cancellations and reactivations (the subscription versions
 * of docs/ingest.md "POST /api/revenue/subscriptions"), one-time orders and their refunds,
 * invoice payments, API calls with log-normal latencies and a few per cent of 5xx and 429s, page
 * views and feature events (Segment batches, context.groupId = the customer's external id), and
 * today's ad spend per platform.  It never touches the database: everything goes through
 * POST /api/revenue/{customers,subscriptions,orders,billing-events},
 * /api/marketing/{campaigns,spend} and /api/product/events.
 *
 * Deterministic: the actions of step n are a pure function of (seed, n) and of what the steps
 * before did; the clock is the real one, or with --now a virtual one (--now + n ÷ rate seconds,
 * no sleeping), so that --dry-run --now … prints the same bytes on every run of one seed.
 * The simulator makes and evolves its own customers, external ids sim-SEED-RUN-cN, RUN being
 * its start instant in milliseconds, base 36 (a restart starts a new set instead of rewriting the old one).
 * Money is integer minor units throughout.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "northstar.h"

#define SIM_NAME		"northstar-simulate"
#define SIM_ESTABLISHED		8	/* customers of the run that were paying before it began */
#define SIM_SETUP_STEPS		(2 + SIM_ESTABLISHED)	/* campaigns, spend, the established */
#define SIM_TRIAL_DAYS		14
#define SIM_ORDERS_KEPT		64	/* recent orders that a refund may pick */
#define SIM_BACKOFF_MAX_S	30
#define SIM_ANSWER_MAX		(256 * 1024)
#define SIM_DAY_MS		86400000LL
#define SIM_SCOPES		"ingest:billing ingest:events ingest:marketing"

/* ------------------------------------------------------------------ the company's catalogue */

/* The demo's plans (sql/demo/generate.sql), so that the simulated customers join its figures. */
static const struct plan {
	const char	*code, *name, *interval;
	int64_t		 unit_cents;	/* per seat and interval */
	unsigned	 weight;	/* of a new trial's choice, per 100 */
} plans[] = {
	{ "starter", "Starter", "month", 2900, 45 },
	{ "professional", "Professional", "month", 5900, 35 },
	{ "business", "Business", "month", 9900, 17 },
	{ "enterprise", "Enterprise", "year", 178800, 3 },
};
#define NPLANS		(sizeof(plans) / sizeof(plans[0]))

/* Ad platforms with a day's budget and what a thousand impressions cost (minor units). */
static const struct platform {
	const char	*code, *name;
	int64_t		 daily_cents, cpm_cents;
	unsigned	 ctr_per_10k;	/* clicks per 10,000 impressions */
} platforms[] = {
	{ "meta", "Meta", 120000, 850, 110 },
	{ "google", "Google Ads", 90000, 1200, 190 },
	{ "tiktok", "TikTok", 40000, 600, 80 },
	{ "linkedin", "LinkedIn", 30000, 3400, 55 },
};
#define NPLATFORMS	(sizeof(platforms) / sizeof(platforms[0]))

static const char *const name_a[] = { "Acme", "Bright", "Cobalt", "Delta", "Ember", "Fable", "Granite",
	"Harbor", "Indigo", "Juniper", "Keystone", "Lumen", "Maple", "Nimbus", "Orbit", "Pine", "Quartz",
	"Ridge", "Summit", "Tidal", "Umber", "Vertex", "Willow", "Zephyr" };
static const char *const name_b[] = { "Labs", "Analytics", "Foods", "Outfitters", "Health", "Logistics",
	"Studio", "Goods", "Cloud", "Works", "Supply", "Media", "Robotics", "Travel" };
static const char *const countries[] = { "US", "US", "US", "US", "GB", "GB", "DE", "DE", "FR", "CA",
	"CA", "AU", "NL", "SE", "ES", "BR", "JP", "IN" };
static const char *const channels[] = { "organic", "organic", "organic", "paid_search", "paid_search",
	"paid_social", "paid_social", "referral", "partner", "outbound" };
static const char *const endpoints[] = { "/v1/orders", "/v1/orders", "/v1/orders", "/v1/customers",
	"/v1/customers", "/v1/metrics", "/v1/metrics", "/v1/events", "/v1/reports", "/v1/webhooks" };
static const char *const features[] = { "dashboards", "dashboards", "dashboards", "reports", "reports",
	"alerts", "exports", "integrations", "segments", "forecasts", "api_keys" };
static const char *const pages[] = { "Dashboard", "Dashboard", "Revenue", "Customers", "Reports",
	"Settings", "Billing", "Integrations" };
static const char *const agents[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
};
static const char *const sources[] = { "google", "google", "meta", "linkedin", "tiktok", "newsletter" };
static const int64_t item_cents[] = { 1900, 2400, 3500, 4900, 7900, 12900, 19900, 34900 };
static const char *const order_sources[] = { "shopify", "shopify", "api", "api", "marketplace", "partnerships" };

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ random numbers */

/* One step's generator: splitmix64 seeded from (seed, step), so a step's draws depend on nothing else. */
struct rng {
	uint64_t	 x;
};

static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static struct rng
rng_for(uint64_t seed, uint64_t step)
{
	struct rng r = { seed * 0xd1342543de82ef95ULL ^ (step + 1) * 0x9e3779b97f4a7c15ULL };

	(void)rng_next(&r);
	return r;
}

/* A number in [0, n); n > 0. */
static unsigned
rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* Whether an event of probability per_10k ÷ 10,000 happens. */
static int
rng_chance(struct rng *r, unsigned per_10k)
{
	return rng_below(r, 10000) < per_10k;
}

/* A standard normal draw (Box–Muller); for latencies, never for money. */
static double
rng_normal(struct rng *r)
{
	double u1 = ((double)(rng_next(r) >> 11) + 1.0) / 9007199254740993.0;
	double u2 = (double)(rng_next(r) >> 11) / 9007199254740992.0;

	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

#define PICK(r, a)	((a)[rng_below((r), N(a))])

/* ------------------------------------------------------------------ the simulated company */

enum sub_status { SUB_TRIALING, SUB_ACTIVE, SUB_CANCELED };

struct customer {
	unsigned	 n;		/* sim-SEED-RUN-cN */
	char		 name[64];
	const char	*country, *segment;
	unsigned	 plan, quantity, users;
	enum sub_status	 status;
	int		 paid;		/* has had a paid period (a reactivation, not a new customer) */
	int64_t		 started_ms;	/* the subscription's started_at */
	int64_t		 start_day;	/* its first day (days since 1970-01-01, UTC) */
	int64_t		 end_day;	/* canceled: the day it ends */
	unsigned	 orders, payments;
};

struct order {
	unsigned	 cust, n;	/* index into customers, its order number */
	const char	*source;
	int64_t		 ordered_ms, total, cogs, refunded;
};

struct opts {
	const char	*url, *key_file, *currency;
	uint64_t	 seed;
	double		 rate;
	long		 duration;
	int64_t		 now_ms;	/* --now, or -1 */
	int		 dry_run;
};

struct sim {
	struct opts	 o;
	char		 run[16];	/* the start instant (ms) in base 36 */
	CURL		*curl;
	struct curl_slist *headers;	/* Content-Type and Authorization (the key: wiped at exit) */
	struct customer	*cust;
	size_t		 ncust, capcust;
	struct order	 orders[SIM_ORDERS_KEPT];
	size_t		 norders;	/* ever made; the ring holds the last SIM_ORDERS_KEPT */
	uint64_t	 step;
	int64_t		 clock_ms;	/* this step's instant */
	int64_t		 campaign_month;	/* year * 12 + month the campaigns were sent for, or -1 */
	unsigned	 spend_next;	/* the platform whose spend goes next */
	unsigned	 backoff_s;	/* the next back-off, 0 after a success */
	int64_t		 end_mono;	/* --duration's end on the monotonic clock, or 0 */
	unsigned long	 sent, failed, minute_sent, minute_failed;
};

static volatile sig_atomic_t sim_stop;

static void
sim_on_signal(int sig)
{
	(void)sig;
	sim_stop = 1;
}

/* ------------------------------------------------------------------ clock and formats */

static int64_t
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of an instant (UTC). */
static int64_t
day_of(int64_t ms)
{
	return ms >= 0 ? ms / SIM_DAY_MS : -((-ms + SIM_DAY_MS - 1) / SIM_DAY_MS);
}

/* "2026-12-01T12:00:00.250Z" into out (32 bytes). */
static void
fmt_instant(char *out, size_t sz, int64_t ms)
{
	time_t		 t = (time_t)(ms / 1000);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	snprintf(out, sz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* "2026-12-01" of a day number into out (11 bytes). */
static void
fmt_day(char *out, size_t sz, int64_t day)
{
	time_t		 t = (time_t)(day * 86400);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	snprintf(out, sz, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Year, month (1–12) and day of the month of a day number. */
static void
day_ymd(int64_t day, int *y, int *m, int *d)
{
	time_t		 t = (time_t)(day * 86400);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

/* --now: "YYYY-MM-DDTHH:MM:SS[.fff]Z" as milliseconds, or -1. */
static int64_t
parse_instant(const char *s)
{
	struct tm	 tm = { 0 };
	int		 ms = 0, n = 0, frac = 0;
	time_t		 t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	    &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
		return -1;
	s += n;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, frac++)
			if (frac < 3)
				ms = ms * 10 + (*s - '0');
	for (; frac > 0 && frac < 3; frac++)
		ms *= 10;
	if (strcmp(s, "Z") != 0 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > param_days_in_month(tm.tm_year, tm.tm_mon) || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 59 || tm.tm_year < 2000)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	return (int64_t)t * 1000 + ms;
}

/* ------------------------------------------------------------------ logging */

/* One line on stderr: instant, program, message.  Never given the key. */
static void
sim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
sim_log(const char *fmt, ...)
{
	char	 t[80], msg[1200];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fmt_instant(t, sizeof(t), real_ms());
	fprintf(stderr, "%s %s: %s\n", t, SIM_NAME, msg);
}

/* ------------------------------------------------------------------ JSON helpers */

/* An integer member written as its decimal digits: amounts never pass through a double. */
static void
add_int(cJSON *o, const char *name, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	cJSON_AddRawToObject(o, name, buf);
}

static void
add_instant(cJSON *o, const char *name, int64_t ms)
{
	char buf[80];

	fmt_instant(buf, sizeof(buf), ms);
	cJSON_AddStringToObject(o, name, buf);
}

static void
add_day(cJSON *o, const char *name, int64_t day)
{
	char buf[48];

	fmt_day(buf, sizeof(buf), day);
	cJSON_AddStringToObject(o, name, buf);
}

/* ------------------------------------------------------------------ sending */

struct answer {
	char	*buf;
	size_t	 len;
};

static size_t
answer_write(char *p, size_t size, size_t n, void *arg)
{
	struct answer	*a = arg;
	size_t		 len = size * n;
	char		*nb;

	if (a->len + len > SIM_ANSWER_MAX)
		return len;	/* the rest of an oversized answer is not kept */
	nb = realloc(a->buf, a->len + len + 1);
	if (nb == NULL)
		return 0;
	memcpy(nb + a->len, p, len);
	a->buf = nb;
	a->len += len;
	a->buf[a->len] = '\0';
	return len;
}

/* Sleep s seconds, or less when a stop is requested. */
static void
sim_sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0 || sim_stop)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (!sim_stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The answer's error message, or its first rejected record, as text for the log (out). */
static void
answer_message(const char *text, char *out, size_t sz)
{
	cJSON		*a = text != NULL ? cJSON_Parse(text) : NULL;
	const cJSON	*m = cJSON_GetObjectItem(cJSON_GetObjectItem(a, "error"), "message");
	const cJSON	*rej = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "rejected"), 0);

	if (cJSON_IsString(m))
		snprintf(out, sz, "%s", m->valuestring);
	else if (rej != NULL) {
		const cJSON *f = cJSON_GetObjectItem(rej, "field"), *msg = cJSON_GetObjectItem(rej, "message");

		snprintf(out, sz, "record %d rejected: %s: %s (%d rejected in all)",
		    cJSON_GetObjectItem(rej, "index") != NULL ? cJSON_GetObjectItem(rej, "index")->valueint : -1,
		    cJSON_IsString(f) ? f->valuestring : "(the record)",
		    cJSON_IsString(msg) ? msg->valuestring : "?",
		    cJSON_GetArraySize(cJSON_GetObjectItem(a, "rejected")));
	} else
		snprintf(out, sz, "%s", text != NULL && *text != '\0' ? "(an answer that is not the API's JSON)" :
		    "(no answer body)");
	cJSON_Delete(a);
}

enum post_result { POST_OK, POST_DROP, POST_RETRY, POST_FATAL };

/* POST text to path once: what the answer means for the caller (logged here, once). */
static enum post_result
sim_post_once(struct sim *s, const char *path, const char *text)
{
	char			 url[1024], msg[600];
	struct answer		 a = { NULL, 0 };
	long			 status = 0;
	CURLcode		 rc;

	snprintf(url, sizeof(url), "%s%s", s->o.url, path);
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, answer_write);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &a);
	rc = curl_easy_perform(s->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		sim_log("POST %s: %s could not be reached (%s)", path, s->o.url, curl_easy_strerror(rc));
		free(a.buf);
		return POST_RETRY;
	}
	if (status >= 200 && status < 300) {
		if (status == 207) {	/* some records rejected: a bug of ours; the others landed */
			answer_message(a.buf, msg, sizeof(msg));
			sim_log("POST %s: HTTP 207: %s", path, msg);
		}
		free(a.buf);
		return POST_OK;
	}
	answer_message(a.buf, msg, sizeof(msg));
	free(a.buf);
	if (status == 401 || status == 403) {
		sim_log("POST %s: HTTP %ld: %s — the API key in %s is unknown, revoked or lacks a scope. "
		    "Make a new one with: NS_DATABASE_URL=… build/northstar-admin key add simulator %s "
		    "(revoke the old one first: northstar-admin key revoke simulator), write it to %s "
		    "(mode 0600) and start again; LIVE=1 scripts/stack.sh start DIR does this itself",
		    path, status, msg, s->o.key_file, SIM_SCOPES, s->o.key_file);
		return POST_FATAL;
	}
	sim_log("POST %s: HTTP %ld: %s", path, status, msg);
	/* 429 and 5xx are passing: the same request again; another 4xx would fail again */
	return status == 429 || status >= 500 ? POST_RETRY : POST_DROP;
}

/* After a failure: wait 1 s, 2 s, 4 s … at most 30 s (interrupted by a stop). */
static void
sim_back_off(struct sim *s)
{
	s->backoff_s = s->backoff_s == 0 ? 1 : s->backoff_s * 2;
	if (s->backoff_s > SIM_BACKOFF_MAX_S)
		s->backoff_s = SIM_BACKOFF_MAX_S;
	sim_log("backing off for %u s", s->backoff_s);
	sim_sleep_ms((int64_t)s->backoff_s * 1000);
}

/*
 * Emit one request: print it as {"path","body"} (dry run) or POST it, retrying a passing failure
 * after a back-off until it lands or a stop is requested.  Takes body (deletes it).  0, or -1
 * when the key is refused (the caller exits non-zero).
 */
static int
sim_emit(struct sim *s, const char *path, cJSON *body)
{
	char	*text;
	int	 rc = 0;

	if (body == NULL)
		return 0;
	if (s->o.dry_run) {
		cJSON *line = cJSON_CreateObject();

		cJSON_AddStringToObject(line, "path", path);
		cJSON_AddItemToObject(line, "body", body);
		text = cJSON_PrintUnformatted(line);
		if (text != NULL)
			printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(line);
		return 0;
	}
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (text == NULL)
		return 0;
	for (;;) {
		enum post_result r = sim_post_once(s, path, text);

		s->sent++, s->minute_sent++;
		if (r == POST_OK) {
			s->backoff_s = 0;
			break;
		}
		s->failed++, s->minute_failed++;
		if (r == POST_FATAL) {
			rc = -1;
			break;
		}
		sim_back_off(s);
		if (r == POST_DROP || sim_stop || (s->end_mono > 0 && mono_ms() >= s->end_mono))
			break;
	}
	cJSON_free(text);
	return rc;
}

/* ------------------------------------------------------------------ records */

/*
 * Each rec_* function returns a new JSON array of one record in the shape of its endpoint
 * (docs/ingest.md), which sim_emit takes; cJSON tolerates NULL all the way, so an allocation
 * failure yields a smaller body, which the API rejects and the log shows.
 */

static void
cust_id(const struct sim *s, const struct customer *c, char *out, size_t sz)
{
	snprintf(out, sz, "sim-%" PRIu64 "-%s-c%u", s->o.seed, s->run, c->n);
}

/* The customer record (signup_at given; a trial when trial). */
static cJSON *
rec_customer(const struct sim *s, const struct customer *c, int64_t signup_ms, const char *channel, int trial)
{
	cJSON	*a = cJSON_CreateArray(), *r = cJSON_CreateObject();
	char	 id[96], email[160], slug[64];
	size_t	 i, o = 0;

	cust_id(s, c, id, sizeof(id));
	for (i = 0; c->name[i] != '\0' && o + 1 < sizeof(slug); i++)
		slug[o++] = c->name[i] == ' ' ? '-' : (char)(c->name[i] | 0x20);
	slug[o] = '\0';
	snprintf(email, sizeof(email), "billing+%u@%s.example", c->n, slug);
	cJSON_AddStringToObject(r, "external_id", id);
	cJSON_AddStringToObject(r, "name", c->name);
	cJSON_AddStringToObject(r, "email", email);
	add_instant(r, "signup_at", signup_ms);
	cJSON_AddStringToObject(r, "segment", c->segment);
	cJSON_AddStringToObject(r, "country", c->country);
	cJSON_AddStringToObject(r, "channel", channel);
	if (trial) {
		add_day(r, "trial_started_on", day_of(signup_ms));
		add_day(r, "trial_ends_on", day_of(signup_ms) + SIM_TRIAL_DAYS);
	}
	add_instant(r, "updated_at", s->clock_ms);
	cJSON_AddItemToArray(a, r);
	return a;
}

/* The subscription's current version, effective now (docs/ingest.md: the periods follow). */
static cJSON *
rec_subscription(const struct sim *s, const struct customer *c)
{
	static const char *const st[] = { "trialing", "active", "canceled" };
	const struct plan	*p = &plans[c->plan];
	cJSON			*a = cJSON_CreateArray(), *r = cJSON_CreateObject();
	char			 id[96], sub[104];

	cust_id(s, c, id, sizeof(id));
	snprintf(sub, sizeof(sub), "%s-sub", id);
	cJSON_AddStringToObject(r, "external_id", sub);
	cJSON_AddStringToObject(r, "customer_external_id", id);
	cJSON_AddStringToObject(r, "plan", p->code);
	cJSON_AddStringToObject(r, "plan_name", p->name);
	cJSON_AddStringToObject(r, "interval", p->interval);
	add_int(r, "unit_amount_cents", p->unit_cents);
	add_int(r, "quantity", c->quantity);
	cJSON_AddStringToObject(r, "currency", s->o.currency);
	cJSON_AddStringToObject(r, "status", st[c->status]);
	add_instant(r, "started_at", c->started_ms);
	if (c->status == SUB_CANCELED)
		add_instant(r, "ended_at", s->clock_ms);
	add_instant(r, "effective_at", s->clock_ms);
	add_instant(r, "updated_at", s->clock_ms);
	cJSON_AddItemToArray(a, r);
	return a;
}

/* An invoice of the subscription's interval: what a payment of it amounts to. */
static int64_t
invoice_cents(const struct customer *c)
{
	return plans[c->plan].unit_cents * c->quantity;
}

/* MRR of a customer now (docs/metrics.md: a year's price ÷ 12, half away from zero). */
static int64_t
mrr_cents(const struct customer *c)
{
	int64_t v = invoice_cents(c);

	if (c->status != SUB_ACTIVE)
		return 0;
	return strcmp(plans[c->plan].interval, "year") == 0 ? (v + 6) / 12 : v;
}

static cJSON *
rec_billing(const struct sim *s, struct customer *c, const char *kind, int64_t amount, int64_t at_ms)
{
	cJSON	*a = cJSON_CreateArray(), *r = cJSON_CreateObject();
	char	 id[96], ev[112];

	cust_id(s, c, id, sizeof(id));
	snprintf(ev, sizeof(ev), "%s-p%u", id, ++c->payments);
	cJSON_AddStringToObject(r, "external_id", ev);
	cJSON_AddStringToObject(r, "customer_external_id", id);
	add_instant(r, "occurred_at", at_ms);
	cJSON_AddStringToObject(r, "kind", kind);
	add_int(r, "amount_cents", amount);
	cJSON_AddStringToObject(r, "currency", s->o.currency);
	cJSON_AddItemToArray(a, r);
	return a;
}

static cJSON *
rec_order(const struct sim *s, const struct order *od)
{
	cJSON	*a = cJSON_CreateArray(), *r = cJSON_CreateObject();
	char	 id[96], oid[112];

	cust_id(s, &s->cust[od->cust], id, sizeof(id));
	snprintf(oid, sizeof(oid), "%s-o%u", id, od->n);
	cJSON_AddStringToObject(r, "external_id", oid);
	cJSON_AddStringToObject(r, "customer_external_id", id);
	add_instant(r, "ordered_at", od->ordered_ms);
	cJSON_AddStringToObject(r, "source", od->source);
	add_int(r, "total_cents", od->total);
	cJSON_AddStringToObject(r, "currency", s->o.currency);
	add_int(r, "cogs_cents", od->cogs);
	add_int(r, "refunded_cents", od->refunded);
	add_instant(r, "updated_at", s->clock_ms);
	cJSON_AddItemToArray(a, r);
	return a;
}

/* ------------------------------------------------------------------ marketing */

/* The campaign of a platform for the month of the clock: sim-SEED-PLATFORM-YYYYMM. */
static void
campaign_id(const struct sim *s, unsigned p, char *out, size_t sz)
{
	int y, m, d;

	day_ymd(day_of(s->clock_ms), &y, &m, &d);
	snprintf(out, sz, "sim-%" PRIu64 "-%s-%04d%02d", s->o.seed, platforms[p].code, y, m);
}

/* One campaign per platform for this month (started on its first day, its budget the month's). */
static int
send_campaigns(struct sim *s)
{
	cJSON	*a = cJSON_CreateArray();
	int64_t	 today = day_of(s->clock_ms);
	int	 y, m, d;
	unsigned p;

	day_ymd(today, &y, &m, &d);
	for (p = 0; p < NPLATFORMS; p++) {
		cJSON	*r = cJSON_CreateObject(), *tags = cJSON_CreateArray();
		char	 id[96], name[160];
		static const char *const month[] = { "January", "February", "March", "April", "May", "June",
			"July", "August", "September", "October", "November", "December" };

		campaign_id(s, p, id, sizeof(id));
		snprintf(name, sizeof(name), "%s – Always on (simulated), %s %d", platforms[p].name,
		    month[m - 1], y);
		cJSON_AddStringToObject(r, "external_id", id);
		cJSON_AddStringToObject(r, "platform", platforms[p].code);
		cJSON_AddStringToObject(r, "name", name);
		add_day(r, "started_on", today - (d - 1));
		add_int(r, "budget_cents", platforms[p].daily_cents * param_days_in_month(y, m));
		cJSON_AddStringToObject(r, "currency", s->o.currency);
		cJSON_AddItemToArray(tags, cJSON_CreateString("simulator"));
		cJSON_AddItemToArray(tags, cJSON_CreateString(platforms[p].code));
		cJSON_AddItemToObject(r, "tags", tags);
		cJSON_AddItemToArray(a, r);
	}
	s->campaign_month = (int64_t)y * 12 + m;
	return sim_emit(s, "/api/marketing/campaigns", a);
}

/*
 * Today's spend of platform p so far, as a pure function of (seed, platform, day, time of day):
 * the day's budget × a factor of 0.8–1.2 for the day × the part of the day gone.  A restart, or
 * a second simulator of the same seed, sends the same figure, never a smaller one later in a day.
 */
static cJSON *
rec_spend(const struct sim *s, unsigned p)
{
	const struct platform	*pl = &platforms[p];
	int64_t			 today = day_of(s->clock_ms), secs, permille, spend, impressions, clicks;
	uint64_t		 key[3] = { s->o.seed, p, (uint64_t)today };
	cJSON			*r = cJSON_CreateObject();
	char			 id[96];

	secs = (s->clock_ms - today * SIM_DAY_MS) / 1000;
	permille = 800 + (int64_t)(hash_fnv1a(NS_HASH_INIT, key, sizeof(key)) % 401);
	spend = pl->daily_cents * permille * secs / (1000LL * 86400);
	impressions = spend * 1000 / pl->cpm_cents;
	clicks = impressions * pl->ctr_per_10k / 10000;
	campaign_id(s, p, id, sizeof(id));
	cJSON_AddStringToObject(r, "campaign_external_id", id);
	cJSON_AddStringToObject(r, "platform", pl->code);
	add_day(r, "day", today);
	add_int(r, "spend_cents", spend);
	cJSON_AddStringToObject(r, "currency", s->o.currency);
	add_int(r, "impressions", impressions);
	add_int(r, "clicks", clicks);
	add_int(r, "conversions", clicks * 3 / 100);
	return r;
}

/* The spend of one platform (or, all != 0, of every platform), campaigns first in a new month. */
static int
send_spend(struct sim *s, int all)
{
	cJSON		*a;
	int		 y, m, d;

	day_ymd(day_of(s->clock_ms), &y, &m, &d);
	if (s->campaign_month != (int64_t)y * 12 + m && send_campaigns(s) != 0)
		return -1;
	a = cJSON_CreateArray();
	if (all)
		for (unsigned p = 0; p < NPLATFORMS; p++)
			cJSON_AddItemToArray(a, rec_spend(s, p));
	else
		cJSON_AddItemToArray(a, rec_spend(s, s->spend_next++ % NPLATFORMS));
	return sim_emit(s, "/api/marketing/spend", a);
}

/* ------------------------------------------------------------------ product events */

/*
 * A Segment message of customer c's user u at at_ms (i: its place in the step, for a messageId
 * that a retry repeats): context.groupId is the customer's external id, as an external source's
 * events name their account.
 */
static cJSON *
ev_new(const struct sim *s, const struct customer *c, unsigned u, const char *type, int64_t at_ms, unsigned i)
{
	cJSON	*e = cJSON_CreateObject(), *ctx = cJSON_CreateObject(), *loc = cJSON_CreateObject();
	char	 id[96], buf[160];

	cust_id(s, c, id, sizeof(id));
	cJSON_AddStringToObject(e, "type", type);
	snprintf(buf, sizeof(buf), "sim-%" PRIu64 "-%s-%" PRIu64 "-%u", s->o.seed, s->run, s->step, i);
	cJSON_AddStringToObject(e, "messageId", buf);
	snprintf(buf, sizeof(buf), "%s-u%u", id, u);
	cJSON_AddStringToObject(e, "userId", buf);
	add_instant(e, "timestamp", at_ms);
	cJSON_AddStringToObject(ctx, "groupId", id);
	snprintf(buf, sizeof(buf), "100.%u.%u.%u", 64 + (c->n >> 8) % 64, c->n % 256, (u * 37) % 254 + 1);
	cJSON_AddStringToObject(ctx, "ip", buf);
	cJSON_AddStringToObject(ctx, "userAgent", agents[(c->n * 7 + u) % N(agents)]);
	cJSON_AddStringToObject(loc, "country", c->country);
	cJSON_AddItemToObject(ctx, "location", loc);
	cJSON_AddItemToObject(e, "context", ctx);
	return e;
}

static cJSON *
ev_props(cJSON *e)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddItemToObject(e, "properties", p);
	return p;
}

/* A batch of 1–3 API calls of one user: log-normal latencies (median 110 ms), ~2.5 % 5xx, 2 % 429. */
static int
send_api_calls(struct sim *s, struct rng *r, const struct customer *c)
{
	cJSON		*batch = cJSON_CreateArray(), *body = cJSON_CreateObject();
	unsigned	 n = 1 + rng_below(r, 3), u = 1 + rng_below(r, c->users), i;
	int64_t		 gap = 150 + rng_below(r, 400);

	for (i = 0; i < n; i++) {
		cJSON		*e = ev_new(s, c, u, "track", s->clock_ms - (int64_t)(n - 1 - i) * gap, i), *p;
		unsigned	 roll = rng_below(r, 10000), status = 200;
		double		 ms = exp(log(110.0) + 0.55 * rng_normal(r));

		if (roll < 250) {
			static const unsigned e5[] = { 500, 502, 503, 503, 504 };

			status = PICK(r, e5);
			ms *= 4;
		} else if (roll < 450) {
			status = 429;
			ms = 3 + rng_below(r, 18);
		} else if (roll < 750) {
			static const unsigned e4[] = { 400, 401, 404, 404, 422 };

			status = PICK(r, e4);
			ms *= 0.4;
		}
		cJSON_AddStringToObject(e, "event", "API Call");
		p = ev_props(e);
		cJSON_AddStringToObject(p, "endpoint", PICK(r, endpoints));
		add_int(p, "status", status);
		add_int(p, "latency_ms", ms < 1 ? 1 : ms > 60000 ? 60000 : (int64_t)ms);
		cJSON_AddItemToArray(batch, e);
	}
	cJSON_AddItemToObject(body, "batch", batch);
	return sim_emit(s, "/api/product/events", body);
}

/* A few seconds of one user in the app: sometimes a session start, page views, a feature, a sign-in. */
static int
send_app_events(struct sim *s, struct rng *r, const struct customer *c)
{
	cJSON		*batch = cJSON_CreateArray(), *body = cJSON_CreateObject();
	unsigned	 n = 1 + rng_below(r, 3), u = 1 + rng_below(r, c->users), i = 0;
	int64_t		 day = day_of(s->clock_ms), t = s->clock_ms - (int64_t)n * 2000;
	char		 session[160], id[96];

	cust_id(s, c, id, sizeof(id));
	snprintf(session, sizeof(session), "%s-u%u-%" PRId64, id, u, day);
	if (rng_chance(r, 1500)) {
		cJSON *e = ev_new(s, c, u, "track", t, i++), *p;

		cJSON_AddStringToObject(e, "event", rng_chance(r, 5000) ? "Session Started" : "Signed In");
		p = ev_props(e);
		cJSON_AddStringToObject(p, "session_id", session);
		cJSON_AddItemToArray(batch, e);
	}
	for (; i < n; i++) {
		unsigned	 roll = rng_below(r, 100);
		cJSON		*e, *p;

		t += 1000 + rng_below(r, 1000);
		if (roll < 62) {
			const char	*page = PICK(r, pages);
			char		 path[64];
			cJSON		*ctx;

			e = ev_new(s, c, u, "page", t, i);
			cJSON_AddStringToObject(e, "name", page);
			p = ev_props(e);
			snprintf(path, sizeof(path), "/app/%s", page);
			for (char *q = path + 5; *q != '\0'; q++)
				*q = (char)(*q | 0x20);
			cJSON_AddStringToObject(p, "path", path);
			ctx = cJSON_GetObjectItem(e, "context");
			if (rng_chance(r, 2500)) {
				cJSON *camp = cJSON_CreateObject();

				cJSON_AddStringToObject(camp, "source", PICK(r, sources));
				cJSON_AddItemToObject(ctx, "campaign", camp);
			}
		} else if (roll < 92) {
			e = ev_new(s, c, u, "track", t, i);
			cJSON_AddStringToObject(e, "event", "Feature Used");
			p = ev_props(e);
			cJSON_AddStringToObject(p, "feature", PICK(r, features));
		} else if (roll < 97) {
			e = ev_new(s, c, u, "track", t, i);
			cJSON_AddStringToObject(e, "event", "Report Exported");
			p = ev_props(e);
			cJSON_AddStringToObject(p, "format", rng_chance(r, 5000) ? "csv" : "pdf");
		} else {
			e = ev_new(s, c, u, "track", t, i);
			cJSON_AddStringToObject(e, "event", "Client Error");
			p = ev_props(e);
			cJSON_AddStringToObject(p, "message", "TypeError: cannot read properties of undefined");
		}
		cJSON_AddStringToObject(p, "session_id", session);
		cJSON_AddItemToArray(batch, e);
	}
	cJSON_AddItemToObject(body, "batch", batch);
	return sim_emit(s, "/api/product/events", body);
}

/* ------------------------------------------------------------------ the customers' lives */

enum pick { P_LIVE, P_TRIALING, P_ACTIVE, P_CANCELABLE, P_UPGRADABLE, P_DOWNGRADABLE, P_RETURNABLE };

static int
eligible(const struct sim *s, const struct customer *c, enum pick k)
{
	int64_t today = day_of(s->clock_ms);

	switch (k) {
	case P_LIVE:
		return c->status != SUB_CANCELED;
	case P_TRIALING:
		return c->status == SUB_TRIALING;
	case P_ACTIVE:
		return c->status == SUB_ACTIVE;
	case P_CANCELABLE:	/* churn lands today only for a subscription older than today */
		return c->status == SUB_ACTIVE && c->start_day < today;
	case P_UPGRADABLE:
		return c->status == SUB_ACTIVE && c->plan + 1 < NPLANS;
	case P_DOWNGRADABLE:
		return c->status == SUB_ACTIVE && c->plan > 0;
	case P_RETURNABLE:	/* a new period from d needs d ≥ the end (docs/ingest.md) */
		return c->status == SUB_CANCELED && c->end_day <= today;
	}
	return 0;
}

/* A customer of kind k, uniformly, or NULL when there is none. */
static struct customer *
pick(struct sim *s, struct rng *r, enum pick k)
{
	size_t i, n = 0, want;

	for (i = 0; i < s->ncust; i++)
		n += eligible(s, &s->cust[i], k) != 0;
	if (n == 0)
		return NULL;
	want = rng_below(r, (unsigned)n);
	for (i = 0; i < s->ncust; i++)
		if (eligible(s, &s->cust[i], k) && want-- == 0)
			return &s->cust[i];
	return NULL;
}

/* A new customer of the run (its record not sent yet), or NULL when out of memory. */
static struct customer *
cust_new(struct sim *s, struct rng *r)
{
	struct customer	*c;
	unsigned	 seg = rng_below(r, 100), w = rng_below(r, 100), acc = 0;

	if (s->ncust == s->capcust) {
		size_t		 cap = s->capcust == 0 ? 64 : s->capcust * 2;
		struct customer	*nc = realloc(s->cust, cap * sizeof(*nc));

		if (nc == NULL)
			return NULL;
		s->cust = nc;
		s->capcust = cap;
	}
	c = &s->cust[s->ncust++];
	memset(c, 0, sizeof(*c));
	c->n = (unsigned)s->ncust;
	snprintf(c->name, sizeof(c->name), "%s %s", PICK(r, name_a), PICK(r, name_b));
	c->country = PICK(r, countries);
	c->segment = seg < 70 ? "smb" : seg < 95 ? "mid_market" : "enterprise";
	c->users = seg < 70 ? 1 + rng_below(r, 4) : seg < 95 ? 3 + rng_below(r, 8) : 8 + rng_below(r, 20);
	for (c->plan = 0; c->plan + 1 < NPLANS && (acc += plans[c->plan].weight) <= w; c->plan++)
		;
	if (seg >= 95 && c->plan < 2)
		c->plan = 2;
	c->quantity = seg < 70 ? 1 : 1 + rng_below(r, 3);
	c->started_ms = s->clock_ms;
	c->start_day = day_of(s->clock_ms);
	return c;
}

/* A customer who paid before the run began: subscribed 3–40 days ago, active (setup steps). */
static int
act_established(struct sim *s, struct rng *r)
{
	struct customer	*c = cust_new(s, r);
	int64_t		 ago = (3 + rng_below(r, 38)) * SIM_DAY_MS + rng_below(r, 86400) * 1000LL;

	if (c == NULL)
		return -1;
	c->status = SUB_ACTIVE;
	c->paid = 1;
	c->started_ms = s->clock_ms - ago;
	c->start_day = day_of(c->started_ms);
	if (sim_emit(s, "/api/revenue/customers", rec_customer(s, c, c->started_ms, PICK(r, channels), 0)) != 0 ||
	    sim_emit(s, "/api/revenue/subscriptions", rec_subscription(s, c)) != 0)
		return -1;
	return sim_emit(s, "/api/revenue/billing-events",
	    rec_billing(s, c, "payment_success", invoice_cents(c), c->started_ms));
}

/* A signup: the customer with a 14-day trial and its trialing subscription. */
static int
act_signup(struct sim *s, struct rng *r)
{
	struct customer *c = cust_new(s, r);

	if (c == NULL)
		return -1;
	c->status = SUB_TRIALING;
	if (sim_emit(s, "/api/revenue/customers", rec_customer(s, c, s->clock_ms, PICK(r, channels), 1)) != 0)
		return -1;
	return sim_emit(s, "/api/revenue/subscriptions", rec_subscription(s, c));
}

/*
 * A customer of kind k starts paying now: its subscription active from
 * now and the first invoice paid.  1 when there is none, else as sim_emit.
 */
static int
activate(struct sim *s, struct rng *r, enum pick k)
{
	struct customer *c = pick(s, r, k);

	if (c == NULL)
		return 1;
	c->status = SUB_ACTIVE;
	c->paid = 1;
	if (sim_emit(s, "/api/revenue/subscriptions", rec_subscription(s, c)) != 0)
		return -1;
	return sim_emit(s, "/api/revenue/billing-events",
	    rec_billing(s, c, "payment_success", invoice_cents(c), s->clock_ms));
}

/* A trial converts. */
static int
act_convert(struct sim *s, struct rng *r)
{
	return activate(s, r, P_TRIALING);
}

/* Cancel c now: it ends today, or the day after its start when it started today. */
static int
cancel(struct sim *s, struct customer *c)
{
	int64_t today = day_of(s->clock_ms);

	c->status = SUB_CANCELED;
	c->end_day = c->start_day < today ? today : c->start_day + 1;
	return sim_emit(s, "/api/revenue/subscriptions", rec_subscription(s, c));
}

static int
act_lapse(struct sim *s, struct rng *r)
{
	struct customer *c = pick(s, r, P_TRIALING);

	return c == NULL ? 1 : cancel(s, c);
}

static int
act_cancel(struct sim *s, struct rng *r)
{
	struct customer *c = pick(s, r, P_CANCELABLE);

	return c == NULL ? 1 : cancel(s, c);
}

/* A move to the next plan up (to Enterprise, a yearly plan, rarely: a seat more instead). */
static int
act_upgrade(struct sim *s, struct rng *r)
{
	struct customer *c = pick(s, r, P_UPGRADABLE);

	if (c == NULL)
		return 1;
	if (c->plan + 2 == NPLANS && !rng_chance(r, 2000))
		c->quantity++;
	else
		c->plan++;
	return sim_emit(s, "/api/revenue/subscriptions", rec_subscription(s, c));
}

static int
act_downgrade(struct sim *s, struct rng *r)
{
	struct customer *c = pick(s, r, P_DOWNGRADABLE);

	if (c == NULL)
		return 1;
	c->plan--;
	return sim_emit(s, "/api/revenue/subscriptions", rec_subscription(s, c));
}

/* A seat more (70 %) or one fewer. */
static int
act_seats(struct sim *s, struct rng *r)
{
	struct customer *c = pick(s, r, P_ACTIVE);

	if (c == NULL)
		return 1;
	if (c->quantity > 1 && !rng_chance(r, 7000))
		c->quantity--;
	else
		c->quantity++;
	return sim_emit(s, "/api/revenue/subscriptions", rec_subscription(s, c));
}

/* A churned customer comes back on its last plan: a new period from today. */
static int
act_reactivate(struct sim *s, struct rng *r)
{
	return activate(s, r, P_RETURNABLE);
}

/* A one-time order of 1–3 items (integer prices), cost of goods 30–45 %. */
static int
act_order(struct sim *s, struct rng *r)
{
	struct customer	*c = pick(s, r, P_ACTIVE);
	struct order	*od;
	unsigned	 items, i;

	if (c == NULL)
		return 1;
	od = &s->orders[s->norders++ % SIM_ORDERS_KEPT];
	memset(od, 0, sizeof(*od));
	od->cust = (unsigned)(c - s->cust);
	od->n = ++c->orders;
	od->source = PICK(r, order_sources);
	od->ordered_ms = s->clock_ms;
	for (items = 1 + rng_below(r, 3), i = 0; i < items; i++)
		od->total += PICK(r, item_cents) * (1 + rng_below(r, 2));
	od->cogs = od->total * (30 + rng_below(r, 16)) / 100;
	return sim_emit(s, "/api/revenue/orders", rec_order(s, od));
}

/* A refund of a recent order: whole (60 %) or 20–60 % of it; the order is sent again. */
static int
act_refund(struct sim *s, struct rng *r)
{
	struct order	*od = NULL;
	size_t		 i, n = 0, want;

	/* the ring's unused places have a total of 0: never refundable */
	for (i = 0; i < SIM_ORDERS_KEPT; i++)
		n += s->orders[i].refunded < s->orders[i].total;
	if (n == 0)
		return 1;
	want = rng_below(r, (unsigned)n);
	for (i = 0; i < SIM_ORDERS_KEPT && od == NULL; i++)
		if (s->orders[i].refunded < s->orders[i].total && want-- == 0)
			od = &s->orders[i];
	if (od == NULL)
		return 1;
	if (rng_chance(r, 6000))
		od->refunded = od->total;
	else
		od->refunded += od->total * (20 + rng_below(r, 41)) / 100;
	if (od->refunded > od->total)
		od->refunded = od->total;
	return sim_emit(s, "/api/revenue/orders", rec_order(s, od));
}

/* An invoice of a paying customer paid (or, failed != 0, its payment failed). */
static int
payment(struct sim *s, struct rng *r, int failed)
{
	struct customer *c = pick(s, r, P_ACTIVE);

	if (c == NULL)
		return 1;
	return sim_emit(s, "/api/revenue/billing-events", rec_billing(s, c,
	    failed ? "payment_failed" : "payment_success", invoice_cents(c), s->clock_ms));
}

static int
act_payment(struct sim *s, struct rng *r)
{
	return payment(s, r, 0);
}

static int
act_payment_failed(struct sim *s, struct rng *r)
{
	return payment(s, r, 1);
}

static int
act_spend(struct sim *s, struct rng *r)
{
	(void)r;
	return send_spend(s, 0);
}

static int
act_api(struct sim *s, struct rng *r)
{
	struct customer *c = pick(s, r, P_LIVE);

	return c == NULL ? 1 : send_api_calls(s, r, c);
}

static int
act_app(struct sim *s, struct rng *r)
{
	struct customer *c = pick(s, r, P_LIVE);

	return c == NULL ? 1 : send_app_events(s, r, c);
}

/*
 * What a step does, per 10,000 steps; the rest are page and feature events.  At the default
 * 5 steps a second: a signup every ~40 s, a conversion every ~70 s, 60 API calls a minute.
 * An action: 0, 1 when it does not apply now (no customer of its kind: the step sends app
 * events instead), -1 when the key was refused.
 */
static const struct action {
	unsigned	  per_10k;
	int		(*run)(struct sim *, struct rng *);
} actions[] = {
	{ 50, act_signup },
	{ 30, act_convert },
	{ 12, act_lapse },
	{ 20, act_upgrade },
	{ 10, act_downgrade },
	{ 10, act_seats },
	{ 15, act_cancel },
	{ 5, act_reactivate },
	{ 100, act_order },
	{ 20, act_refund },
	{ 80, act_payment },
	{ 10, act_payment_failed },
	{ 80, act_spend },
	{ 1000, act_api },
};

/*
 * Step n: the setup steps (this month's campaigns, today's spend so far, the established
 * customers), then one action drawn from the table.  0, or -1 when the key was refused.
 */
static int
sim_step(struct sim *s)
{
	struct rng	 r = rng_for(s->o.seed, s->step);
	unsigned	 roll, acc = 0;
	size_t		 i;
	int		 rc = 1;

	if (s->step == 0)
		return send_campaigns(s);
	if (s->step == 1)
		return send_spend(s, 1);
	if (s->step < SIM_SETUP_STEPS)
		return act_established(s, &r);
	roll = rng_below(&r, 10000);
	for (i = 0; i < N(actions); i++) {
		acc += actions[i].per_10k;
		if (roll < acc) {
			rc = actions[i].run(s, &r);
			break;
		}
	}
	if (rc == 1)
		rc = act_app(s, &r);
	if (rc == 1)	/* every customer of the run has churned */
		rc = act_signup(s, &r);
	return rc;
}

/* ------------------------------------------------------------------ the run */

/* "12,345.67 USD" of minor units (2 decimals shown whatever the currency: a log line only). */
static void
fmt_money(char *out, size_t sz, int64_t cents, const char *currency)
{
	snprintf(out, sz, "%" PRId64 ".%02" PRId64 " %s", cents / 100, cents % 100, currency);
}

/* Once a minute and at the end: what was sent since the last summary, and the run's own customers. */
static void
sim_summary(struct sim *s)
{
	size_t	 i, paying = 0, trialing = 0, churned = 0;
	int64_t	 mrr = 0;
	char	 m[64];

	for (i = 0; i < s->ncust; i++) {
		paying += s->cust[i].status == SUB_ACTIVE;
		trialing += s->cust[i].status == SUB_TRIALING;
		churned += s->cust[i].status == SUB_CANCELED;
		mrr += mrr_cents(&s->cust[i]);
	}
	fmt_money(m, sizeof(m), mrr, s->o.currency);
	sim_log("since the last summary: %lu requests, %lu failed; this run: %" PRIu64 " steps, %zu customers "
	    "(%zu paying, %zu trialing, %zu churned), their MRR %s", s->minute_sent, s->minute_failed,
	    s->step, s->ncust, paying, trialing, churned, m);
	s->minute_sent = s->minute_failed = 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: " SIM_NAME " --key-file FILE [--url URL] [--seed N] [--rate R] "
	    "[--duration SECONDS]\n"
	    "                          [--now YYYY-MM-DDTHH:MM:SSZ] [--currency XXX] [--dry-run]\n"
	    "  --url        the stack (default http://127.0.0.1:8080)\n"
	    "  --key-file   a file holding an API key with " SIM_SCOPES "\n"
	    "               (not read with --dry-run)\n"
	    "  --seed       the run's seed (default 1): the actions are a function of it\n"
	    "  --rate       actions a second (default 5; 0.01 to 1000)\n"
	    "  --duration   stop after so many seconds (default 0: until SIGTERM or SIGINT)\n"
	    "  --now        a fixed clock: step n happens at NOW + n / RATE s, without waiting\n"
	    "  --currency   of the amounts (default NS_CURRENCY, else USD)\n"
	    "  --dry-run    print each request as {\"path\":…,\"body\":…} instead of sending it\n");
	return 2;
}

/* An unsigned decimal of at most max, or -1. */
static long long
parse_count(const char *s, long long max)
{
	char		*end;
	long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno != 0 || *end != '\0' || v > max ? -1 : v;
}

/* The options into o; 0, or 2 after a usage message. */
static int
parse_opts(int argc, char *argv[], struct opts *o)
{
	const char	*cur = getenv("NS_CURRENCY");
	int		 i;

	*o = (struct opts){ "http://127.0.0.1:8080", NULL, cur != NULL && *cur != '\0' ? cur : "USD",
		1, 5.0, 0, -1, 0 };
	for (i = 1; i < argc; i++) {
		const char	*a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		long long	 n;
		char		*end;

		if (strcmp(a, "--dry-run") == 0) {
			o->dry_run = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0) {
			usage();
			exit(0);
		}
		if (v == NULL)
			return usage();
		i++;
		if (strcmp(a, "--url") == 0 && (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0) &&
		    strlen(v) < 900)
			o->url = v;
		else if (strcmp(a, "--key-file") == 0)
			o->key_file = v;
		else if (strcmp(a, "--seed") == 0 && (n = parse_count(v, 999999999999LL)) >= 0)
			o->seed = (uint64_t)n;
		else if (strcmp(a, "--duration") == 0 && (n = parse_count(v, 100LL * 365 * 86400)) >= 0)
			o->duration = (long)n;
		else if (strcmp(a, "--rate") == 0 && (o->rate = strtod(v, &end)) >= 0.01 && o->rate <= 1000 &&
		    *end == '\0' && end != v)
			;
		else if (strcmp(a, "--now") == 0 && (o->now_ms = parse_instant(v)) >= 0)
			;
		else if (strcmp(a, "--currency") == 0 && strlen(v) == 3 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3)
			o->currency = v;
		else {
			fprintf(stderr, SIM_NAME ": %s %s: %s\n", a, v,
			    strcmp(a, "--url") == 0 ? "not an http:// or https:// URL" :
			    strcmp(a, "--seed") == 0 ? "not a whole number from 0 to 999999999999" :
			    strcmp(a, "--duration") == 0 ? "not a whole number of seconds" :
			    strcmp(a, "--rate") == 0 ? "not a number of actions a second from 0.01 to 1000" :
			    strcmp(a, "--now") == 0 ? "not an instant like 2026-12-01T12:00:00Z" :
			    strcmp(a, "--currency") == 0 ? "not an ISO 4217 code (three capital letters)" :
			    "unknown option");
			return usage();
		}
	}
	while (strlen(o->url) > 7 && o->url[strlen(o->url) - 1] == '/') {
		fprintf(stderr, SIM_NAME ": --url without a trailing / (the paths start with /api/)\n");
		return 2;
	}
	if (o->key_file == NULL && !o->dry_run) {
		fprintf(stderr, SIM_NAME ": --key-file FILE is required (an API key with " SIM_SCOPES ")\n");
		return usage();
	}
	return 0;
}

/*
 * The request headers into s->headers: the JSON type and the key of the key file as a Bearer
 * credential (the only copy of the key; headers_free wipes it).  0, or -1 with the reason
 * (the key itself is never printed).
 */
static int
read_key(struct sim *s)
{
	FILE			*fp = fopen(s->o.key_file, "r");
	char			 buf[256], auth[320];
	struct curl_slist	*h;
	size_t			 n;

	if (fp == NULL) {
		fprintf(stderr, SIM_NAME ": cannot read the key file %s: %s\n", s->o.key_file, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (!key_valid(buf, n)) {
		explicit_bzero(buf, sizeof(buf));
		fprintf(stderr, SIM_NAME ": %s does not hold an API key (nsk_ and 43 characters): make one with "
		    "build/northstar-admin key add simulator " SIM_SCOPES " > %s\n", s->o.key_file, s->o.key_file);
		return -1;
	}
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", buf);
	explicit_bzero(buf, sizeof(buf));
	h = curl_slist_append(NULL, "Content-Type: application/json");
	s->headers = h != NULL ? curl_slist_append(h, auth) : NULL;
	explicit_bzero(auth, sizeof(auth));
	if (s->headers == NULL) {	/* (on failure curl_slist_append leaves the list as it was) */
		curl_slist_free_all(h);
		fprintf(stderr, SIM_NAME ": out of memory\n");
		return -1;
	}
	return 0;
}

/* Wipe the headers (the key) and free them; NULL is fine. */
static void
headers_free(struct curl_slist *h)
{
	for (struct curl_slist *l = h; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(h);
}

/* "a" … "z0" : v in base 36 into out. */
static void
base36(uint64_t v, char *out, size_t sz)
{
	char	 tmp[16];
	size_t	 n = 0, i;

	do {
		tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
		v /= 36;
	} while (v > 0 && n < sizeof(tmp));
	for (i = 0; i < n && i + 1 < sz; i++)
		out[i] = tmp[n - 1 - i];
	out[i] = '\0';
}

/*
 * Steps until the duration is over, a stop is requested or the key is refused.  Paced on the
 * real clock (step n at start + n ÷ rate; after a back-off it goes on from there without a
 * burst), or, with --now, on the virtual one without waiting.  0, or 1 (the key refused).
 */
static int
sim_run(struct sim *s)
{
	int64_t	 t0 = mono_ms(), last_summary = t0;
	double	 per_ms = 1000.0 / s->o.rate;

	/* (retries end there too, on either clock: a stack that never answers ends a bounded run) */
	s->end_mono = s->o.duration > 0 ? t0 + s->o.duration * 1000LL : 0;
	for (s->step = 0; !sim_stop; s->step++) {
		int64_t due = (int64_t)((double)s->step * per_ms);

		if (s->o.duration > 0 && (s->o.now_ms >= 0 ? due >= s->o.duration * 1000LL : mono_ms() >= s->end_mono))
			break;
		if (s->o.now_ms >= 0)
			s->clock_ms = s->o.now_ms + due;
		else {
			int64_t now = mono_ms();

			if (now > t0 + due + 2000)	/* fell behind (a back-off): go on from now */
				t0 = now - due;
			sim_sleep_ms(t0 + due - now);
			if (sim_stop)
				break;
			s->clock_ms = real_ms();
		}
		if (sim_step(s) != 0)
			return 1;
		if (!s->o.dry_run && mono_ms() - last_summary >= 60000) {
			sim_summary(s);
			last_summary = mono_ms();
		}
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct sim		 s;
	struct sigaction	 sa;
	int			 rc;

	memset(&s, 0, sizeof(s));
	if ((rc = parse_opts(argc, argv, &s.o)) != 0)
		return rc;
	s.campaign_month = -1;
	base36((uint64_t)(s.o.now_ms >= 0 ? s.o.now_ms : real_ms()), s.run, sizeof(s.run));
	if (!s.o.dry_run && read_key(&s) != 0)
		return 2;
	/* started as root (make run as root): the key is read; the rest needs no rights (priv.c) */
	{
		char	 why[512];

		if (priv_drop(NULL, why, sizeof(why)) < 0) {
			fprintf(stderr, SIM_NAME ": %s\n", why);
			headers_free(s.headers);
			return 2;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sim_on_signal;	/* no SA_RESTART: a sleep ends at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!s.o.dry_run) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (s.curl = curl_easy_init()) == NULL) {
			fprintf(stderr, SIM_NAME ": libcurl could not be initialised\n");
			headers_free(s.headers);
			return 1;
		}
		curl_easy_setopt(s.curl, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(s.curl, CURLOPT_CONNECTTIMEOUT, 5L);
		curl_easy_setopt(s.curl, CURLOPT_TIMEOUT, 30L);
		curl_easy_setopt(s.curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s.curl, CURLOPT_USERAGENT, SIM_NAME);
	}
	sim_log("%s a demo company's activity %s%s as seed %" PRIu64 " (customers sim-%" PRIu64 "-%s-c…), "
	    "%g actions a second, %s%s%s; amounts in %s", s.o.dry_run ? "printing" : "sending",
	    s.o.dry_run ? "(dry run) for " : "to ", s.o.url, s.o.seed, s.o.seed, s.run, s.o.rate,
	    s.o.duration > 0 ? "for a bounded time" : "until SIGTERM or SIGINT",
	    s.o.now_ms >= 0 ? ", on a fixed clock (--now)" : "", s.o.dry_run ? "" : ", key from the key file",
	    s.o.currency);
	rc = sim_run(&s);
	if (!s.o.dry_run) {
		sim_summary(&s);
		sim_log("%s after %" PRIu64 " steps and %lu requests (%lu failed)",
		    rc != 0 ? "stopped: the API key was refused" : "done", s.step, s.sent, s.failed);
	}
	fflush(stdout);
	curl_easy_cleanup(s.curl);
	headers_free(s.headers);
	if (!s.o.dry_run)
		curl_global_cleanup();
	free(s.cust);
	return rc;
}
