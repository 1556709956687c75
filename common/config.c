/* config.c — configuration from the environment, with defaults for make run. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

struct config cfg;

static const char *
env_str(const char *name, const char *def)
{
	const char *v = getenv(name);

	return (v != NULL && *v != '\0') ? v : def;
}

static int
env_int(const char *name, int def, int min, int max)
{
	const char	*v = getenv(name);
	long		 n;

	if (v == NULL || *v == '\0')
		return def;
	if (param_int_valid(v, min, max, &n) != 0) {
		log_msg("error", "%s=%s is not an integer in [%d, %d]", name, v, min, max);
		return -1;
	}
	return (int)n;
}

/*
 * Read a secret of at least min bytes from path into buf (at most bufsz
 * bytes; trailing CR/LF dropped), what naming it in the log.  0, or -1
 * (logged) when the file cannot be read or is too short, or, with
 * whole, fills buf (a key cut short would verify nothing).
 */
static int
config_file_load(const char *path, const char *what, size_t min, int whole,
    unsigned char *buf, size_t bufsz, size_t *len)
{
	int	 fd;
	ssize_t	 n;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_msg("error", "cannot open %s %s: %s", what, path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, bufsz);
	close(fd);
	if (whole && n == (ssize_t)bufsz) {
		log_msg("error", "%s %s is longer than %zu bytes", what, path, bufsz - 1);
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n < (ssize_t)min) {
		log_msg("error", "%s %s is shorter than %zu bytes", what, path, min);
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

/*
 * Read the signing secret: at least 32 bytes, because libjwt treats an
 * empty key as "do not verify" and short keys are guessable.
 */
int
config_secret_load(const char *path, unsigned char *buf, size_t bufsz, size_t *len)
{
	return config_file_load(path, "JWT secret", 32, 0, buf, bufsz, len);
}

/*
 * The Stripe endpoint secret, when NS_STRIPE_WEBHOOK_SECRET_FILE is set:
 * "whsec_" and at least 16 more printable characters (Stripe's are
 * whsec_ + 32), so that a pasted API key (sk_…) or an empty file fails
 * the start, naming the variable, instead of every delivery.
 */
static int
config_stripe_load(void)
{
	const char	*path = env_str("NS_STRIPE_WEBHOOK_SECRET_FILE", NULL);
	size_t		 i;

	cfg.stripe_secret_len = 0;
	if (path == NULL)
		return 0;
	if (config_file_load(path, "NS_STRIPE_WEBHOOK_SECRET_FILE", 22, 1, cfg.stripe_secret,
	    sizeof(cfg.stripe_secret), &cfg.stripe_secret_len) != 0)
		return -1;
	for (i = 0; i < cfg.stripe_secret_len; i++)
		if (cfg.stripe_secret[i] <= 0x20 || cfg.stripe_secret[i] >= 0x7f)
			break;
	if (memcmp(cfg.stripe_secret, "whsec_", 6) != 0 || i < cfg.stripe_secret_len) {
		log_msg("error", "NS_STRIPE_WEBHOOK_SECRET_FILE %s does not hold a Stripe signing "
		    "secret (whsec_… on one line, from the webhook endpoint's page)", path);
		OPENSSL_cleanse(cfg.stripe_secret, sizeof(cfg.stripe_secret));
		cfg.stripe_secret_len = 0;
		return -1;
	}
	return 0;
}

const unsigned char *
config_stripe_secret(size_t *len)
{
	*len = cfg.stripe_secret_len;
	return cfg.stripe_secret_len > 0 ? cfg.stripe_secret : NULL;
}

/*
 * The database password, when NS_DATABASE_PASSWORD_FILE is set: read once
 * at start-up (a service started as root reads it before it gives its
 * rights up, app.c), one line, handed to libpq by db.c.  Unset: libpq's
 * own ways (a password in the URL, PGPASSFILE).  0, or -1 (logged).
 */
static int
config_db_password_load(void)
{
	const char	*path = env_str("NS_DATABASE_PASSWORD_FILE", NULL);
	size_t		 len;

	cfg.db_password[0] = '\0';
	if (path == NULL)
		return 0;
	if (config_file_load(path, "NS_DATABASE_PASSWORD_FILE", 1, 1, (unsigned char *)cfg.db_password,
	    sizeof(cfg.db_password), &len) != 0)
		return -1;
	cfg.db_password[len] = '\0';
	if (strlen(cfg.db_password) != len || strchr(cfg.db_password, '\n') != NULL) {
		log_msg("error", "NS_DATABASE_PASSWORD_FILE %s must hold the password on one line", path);
		OPENSSL_cleanse(cfg.db_password, sizeof(cfg.db_password));
		return -1;
	}
	return 0;
}

const char *
config_db_password(void)
{
	return cfg.db_password[0] != '\0' ? cfg.db_password : NULL;
}

/* Load cfg for service; need_secret is 0 only for --routes. */
int
config_load(const char *service, int need_secret)
{
	cfg.service = service;
	cfg.db_url = env_str("NS_DATABASE_URL", "postgresql:///northstar?host=" "/tmp");
	cfg.read_url = env_str("NS_DATABASE_READ_URL", NULL);
	cfg.read_max_lag = env_int("NS_READ_MAX_LAG_S", 10, 0, 86400);
	cfg.socket = env_str("NS_SOCKET", NULL);
	cfg.tz = env_str("NS_TZ", "UTC");
	cfg.workers = env_int("NS_WORKERS", 4, 1, 64);
	cfg.token_ttl = env_int("NS_TOKEN_TTL", 3600, 60, 7 * 86400);
	cfg.stmt_timeout_ms = env_int("NS_STATEMENT_TIMEOUT_MS", 5000, 100, 600000);
	/*
	 * The periodic jobs catch up with whatever the ingestion queued (an
	 * import of years of history marks every day since dirty): a request's
	 * 5 s would fail that refresh on every run, for ever.
	 */
	cfg.job_stmt_timeout_ms = env_int("NS_JOB_STATEMENT_TIMEOUT_MS", 600000, 1000, 86400000);
	/*
	 * Sign-in delays (login.c, services/users/signin.sql): the first wait
	 * and the cap of the doubling, so the longest any right password is
	 * held back after the last failure.  Tests make them short.
	 */
	cfg.login_delay_base_s = env_int("NS_LOGIN_DELAY_BASE_S", 1, 1, 3600);
	cfg.login_delay_max_s = env_int("NS_LOGIN_DELAY_MAX_S", 900, 1, 86400);
	if (cfg.login_delay_base_s > 0 && cfg.login_delay_max_s > 0 &&
	    cfg.login_delay_max_s < cfg.login_delay_base_s) {
		log_msg("error", "NS_LOGIN_DELAY_MAX_S=%d is less than NS_LOGIN_DELAY_BASE_S=%d",
		    cfg.login_delay_max_s, cfg.login_delay_base_s);
		return -1;
	}
	/* With several instances of a service only one runs its periodic job. */
	cfg.jobs = env_int("NS_JOBS", 1, 0, 1);
	/* The zone goes into the connection's options: a name, nothing more. */
	if (strlen(cfg.tz) > 64 || strspn(cfg.tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-") != strlen(cfg.tz)) {
		log_msg("error", "NS_TZ=%s is not a time zone name", cfg.tz);
		return -1;
	}
	/* The C library's local time is the reporting zone: param.c's "today". */
	if (setenv("TZ", cfg.tz, 1) != 0)
		return -1;
	tzset();
	if (cfg.workers < 0 || cfg.token_ttl < 0 || cfg.stmt_timeout_ms < 0 || cfg.jobs < 0 ||
	    cfg.job_stmt_timeout_ms < 0 || cfg.login_delay_base_s < 0 || cfg.login_delay_max_s < 0 ||
	    cfg.read_max_lag < 0)
		return -1;
	if (config_db_password_load() != 0)
		return -1;
	if (!need_secret)
		return 0;
	if (cfg.socket == NULL) {
		log_msg("error", "NS_SOCKET is not set (a socket path or :port)");
		return -1;
	}
	if (config_stripe_load() != 0)
		return -1;
	return config_secret_load(env_str("NS_JWT_SECRET_FILE", "var/jwt.secret"),
	    cfg.secret, sizeof(cfg.secret), &cfg.secret_len);
}

const char *
config_tz(void)
{
	return cfg.tz != NULL ? cfg.tz : "UTC";
}

int
config_jobs(void)
{
	return cfg.jobs;
}

const char *
config_str(const char *name, const char *def)
{
	return env_str(name, def);
}

int
config_int(const char *name, int def, int min, int max)
{
	return env_int(name, def, min, max);
}
