#!/usr/bin/env bash
# run.sh — start a throw-away stack (PostgreSQL, services, nginx) on free
# ports in a temporary directory, run the TAP producers against it under
# prove, and tear it down whatever happens:
#
#   1. every tests/integration/t-*.sh, each its own bash process (prove);
#   2. the pgTAP fixtures tests/sql/*.sql (pg_prove, ON_ERROR_STOP: an
#      SQL error is a failure, and so is a plan that does not match);
#   3. tests/sql/determinism.sh (two loads of the generator);
#   4. after the stack is stopped, after-stop.sh (no sanitizer report,
#      no crashed service in the logs).
#
# T_ONLY=t-revenue (or t-revenue.sh) runs one file; T_ONLY="t-p*.sh mrr_movements.sql
# determinism" several (t-*.sh names or globs, pgTAP files, the
# determinism check); after-stop.sh always runs.  T_KEEP=1 keeps the stack's
# directory; its env file lets one file be re-run by hand (see lib.sh).
# Per-file verdicts and times are prove's (--timer); with NS_TAP_TALLY set
# (tests/run.sh) every file also appends its tally line there.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export ANCHOR=${ANCHOR:-now}   # demo data up to each stack's load (tests/run.sh says why)
# The files run from their own folder: a relative NS_BUILD (make test-asan) is made absolute.
if [ -n "${NS_BUILD:-}" ]; then NS_BUILD=$(cd "$NS_BUILD" && pwd) || exit 1; export NS_BUILD; fi
T_DIR=$(mktemp -d /tmp/northstar-test.XXXXXX)
export T_TMP=$T_DIR/tmp; mkdir -p "$T_TMP"
cleanup() { "$ROOT/scripts/stack.sh" stop "$T_DIR" >/dev/null 2>&1; [ -n "${T_KEEP:-}" ] || rm -rf "$T_DIR"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$ROOT/scripts/ports.sh"   # port_free, free_port (the files add small offsets to T_PORT)
T_PORT=$(free_port 64) || { echo "no free TCP port found" >&2; exit 1; }
export PORT=$T_PORT FAST=1 SCALE=${TEST_SCALE:-0.02} NS_TOKEN_TTL=3600 LOGIN_RATE=300r/m
# Sign-in delays of 1 s doubling up to 2 s (docs/reliability.md, "Sign-in limits"): t-signin-limit.sh
# waits one out for real, and no other file's wrong password holds an account for long.
export NS_LOGIN_DELAY_BASE_S=1 NS_LOGIN_DELAY_MAX_S=2
# A live stream is authorised again every 5 s (t-live.sh: a revoked session stops receiving).
export NS_LIVE_RECHECK_SECONDS=${NS_LIVE_RECHECK_SECONDS:-5}
# nginx (docs/operations.md "nginx errors, cache keys, connection limits"): no cached answer is
# served 10 s after it was stored (t-nginx-errors.sh waits that out; a cache hit checked by
# another file misses when a 10-s boundary falls between its two requests, some ms in 10 s);
# an answer that takes 10 s is a 504 (above the 5-s statement timeout of t-faults.sh); 100
# requests in progress from one address (t-soak.sh holds 64, t-nginx-errors.sh fills them).
export NS_CACHE_MAX_AGE_SECONDS=${NS_CACHE_MAX_AGE_SECONDS:-10} UPSTREAM_TIMEOUT=${UPSTREAM_TIMEOUT:-10s} CONN_LIMIT=${CONN_LIMIT:-100}
# Notification retries (docs/operations.md "Reports"): 1 s doubling up to 4 s instead of 30 s up to
# 30 min, so that t-alerts.sh sees a webhook answered 500 sent again within seconds.
export NS_DELIVERY_BACKOFF_S=${NS_DELIVERY_BACKOFF_S:-1} NS_DELIVERY_BACKOFF_MAX_S=${NS_DELIVERY_BACKOFF_MAX_S:-4}
# The Stripe webhook's signing secret (t-stripe.sh signs its events with it).
T_STRIPE_SECRET_FILE=$T_DIR/stripe.secret
printf 'whsec_test_%s\n' "$(head -c 24 /dev/urandom | base64 -w0 | tr '+/' '-_')" >"$T_STRIPE_SECRET_FILE"; chmod 600 "$T_STRIPE_SECRET_FILE"
export NS_STRIPE_WEBHOOK_SECRET_FILE=$T_STRIPE_SECRET_FILE
# The alert webhook tests' receivers listen on 127.0.0.1: that address only may take webhooks
# although loopback (every other private address is still refused: t-scope-hardening.sh).
export NS_WEBHOOK_ALLOW_PRIVATE=127.0.0.1/32
if ! "$ROOT/scripts/stack.sh" start "$T_DIR" >"$T_DIR/start.log" 2>&1; then
  cat "$T_DIR/start.log"; tail -20 "$T_DIR"/logs/*.log; exit 1
fi
export T_PORT T_RUN=$T_DIR/run T_PGPORT=$(cat "$T_DIR/run/pg.port") T_DIR ROOT
# The stack's database passwords (scripts/stack.sh, DIR/secrets): psql and the tools as postgres,
# a service started by a test as northstar_app.
export PGPASSFILE=$T_DIR/secrets/pgpass NS_DATABASE_PASSWORD_FILE=$T_DIR/secrets/northstar_app.password
# What every test file needs, for prove's children and for a re-run by hand.
for v in T_PORT T_RUN T_PGPORT T_DIR T_TMP ROOT PORT FAST SCALE NS_TOKEN_TTL LOGIN_RATE NS_BUILD T_SANITIZER \
         NS_STRIPE_WEBHOOK_SECRET_FILE PGPASSFILE NS_DATABASE_PASSWORD_FILE NS_LOGIN_DELAY_BASE_S NS_LOGIN_DELAY_MAX_S \
         NS_CACHE_MAX_AGE_SECONDS UPSTREAM_TIMEOUT CONN_LIMIT NS_WEBHOOK_ALLOW_PRIVATE NS_DELIVERY_BACKOFF_S \
         NS_DELIVERY_BACKOFF_MAX_S; do
  [ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
done >"$T_DIR/env"
echo "# stack on port $T_PORT, PostgreSQL $T_PGPORT; environment in $T_DIR/env"

export PERL5LIB=$ROOT/tests/lib${PERL5LIB:+:$PERL5LIB}
HARNESS=(--formatter TAP::Formatter::Northstar --timer --verbose --merge --nocolor)
rc=0
# T_ONLY: space-separated names or globs; each one picks t-*.sh files, pgTAP files or determinism.
read -ra words <<<"${T_ONLY:-t-*.sh *.sql determinism}"
sh_files=(); sql_files=(); det=0
for w in "${words[@]}"; do
  case $w in determinism) det=1; continue;; browser|fuzz|*.test.js) continue;; *.sql) dir=$ROOT/tests/sql;; *) dir=$ROOT/tests/integration;; esac
  case $w in *.sql|*.sh|*'*'*) ;; *) w=$w.sh;; esac   # "t-ingest" names t-ingest.sh
  n=0
  for f in "$dir"/$w; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    case $w in *.sql) sql_files+=("${f#"$dir/"}");; *) sh_files+=("${f#"$dir/"}");; esac
  done
  [ "$n" -gt 0 ] || { echo "no file matches T_ONLY=$w" >&2; rc=1; }
done

# 1. the integration files, in name order (t-zz-login-limit.sh last).
if [ "${#sh_files[@]}" -gt 0 ]; then
  (cd "$ROOT/tests/integration" && prove "${HARNESS[@]}" --exec bash "${sh_files[@]}") || rc=1
fi
# 2. pgTAP fixtures, each in its own psql session that stops at the first error.
if [ "${#sql_files[@]}" -gt 0 ]; then
  (cd "$ROOT/tests/sql" && pg_prove "${HARNESS[@]}" --ext .sql --set ON_ERROR_STOP=1 \
          -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar "${sql_files[@]}") || rc=1
fi
# 3. the demo generator is deterministic: two loads, same checksums.
if [ "$det" = 1 ]; then
  (cd "$ROOT/tests/sql" && prove "${HARNESS[@]}" --exec bash determinism.sh :: "$T_RUN" "$T_PGPORT") || rc=1
fi
# 4. stop the services now so that sanitizer builds write their reports.
"$ROOT/scripts/stack.sh" stop "$T_DIR" >/dev/null 2>&1
(cd "$ROOT/tests/integration" && prove "${HARNESS[@]}" --exec bash after-stop.sh) || rc=1
exit $rc
