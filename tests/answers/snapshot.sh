#!/usr/bin/env bash
# snapshot.sh — save every GET answer of a running stack to files, so that two builds can be
# compared answer by answer (`diff -r A B`, or tests/answers/compare.sh A B).
#
#   tests/answers/snapshot.sh OUT_DIR [STACK_DIR]
#
# STACK_DIR (default $STACK) is a directory started with scripts/stack.sh: its run/http.port and
# run/pg.port say where nginx and PostgreSQL listen.  The routes come from `build/<service>
# --routes` (NS_BUILD=/other/build for binaries built elsewhere).  Every GET route except
# streams, health checks and /api/alerts* (their answers depend on when the alert job ran) is
# asked as each role it admits (ceo@, cs1@, sales1@northstar.example), with its defaults and
# with one parameter varied at a time (enum values, as_of on month ends, days=90, a past and a
# from/to reaching past today and past the next month end, months/weeks/limit variants,
# format=csv); {id} routes with ids taken from the answers.  Answers that depend on the clock rather than on the data (product live,
# product summary and system-health of today) are asked only for past days.  Each answer is one
# file: the HTTP status on the first line, then the body exactly as sent (forecast answers with
# their timing fields masked).  OUT_DIR/sql/ holds
# data-layer results (BI views, alert measures at a fixed instant, MRR and health functions,
# content digests of the derived tables).
#
# Both snapshots must see the same data: start both stacks with the same ANCHOR (the demo
# generator's "now") on the same day, e.g.
#   ANCHOR="$(date -u +%F) 00:00:00+00" FAST=1 SCALE=0.02 PORT=18081 scripts/stack.sh start /tmp/a
# tests/answers/run.sh does all of it for a source tree.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:?usage: snapshot.sh OUT_DIR [STACK_DIR]}
STACK_DIR=${2:-${STACK:?usage: snapshot.sh OUT_DIR [STACK_DIR] (or STACK=dir)}}
BUILD=${NS_BUILD:-$ROOT/build}
HTTP_PORT=$(cat "$STACK_DIR/run/http.port")
PG_PORT=$(cat "$STACK_DIR/run/pg.port")
export PGPASSFILE=${PGPASSFILE:-$STACK_DIR/secrets/pgpass}
SERVICES="revenue users marketing product alerts forecast"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

sqlq() { psql -X -qtA -v ON_ERROR_STOP=1 -h "$STACK_DIR/run" -p "$PG_PORT" -U postgres -d northstar -c "$1"; }

# ---- derived tables current: the same refreshes the service jobs run (each waits for a running one).
# SNAPSHOT_API_ONLY=1: neither these nor the data layer below, only the routes' answers as the
# stack gives them now (tests/integration/t-shards.sh, with a shard down: a refresh would fail).
if [ "${SNAPSHOT_API_ONLY:-0}" != 1 ]; then
  sqlq "SELECT rollup_refresh()" >/dev/null
  for f in users_refresh marketing_refresh product_rollup_refresh product_ops_refresh revenue_rollup_check; do
    sqlq "SELECT to_regproc('$f') IS NOT NULL" | grep -q t && sqlq "SELECT $f()" >/dev/null
  done
fi

TODAY=$(sqlq "SELECT ns_today()")
month_end() { sqlq "SELECT (date_trunc('month', DATE '$TODAY') - make_interval(months => $1))::date - 1"; }
ME1=$(month_end 0)                       # last day of last month
Y=$(sqlq "SELECT extract(year FROM DATE '$TODAY' - 95)::int")   # a year whose March has ended
MAR31="$Y-03-31"; MAR30="$Y-03-30"; MAR29="$Y-03-29"; FEB28=$(sqlq "SELECT DATE '$Y-03-01' - 1")
PAST_FROM="$Y-01-01"; PAST_TO="$Y-03-31"
FUT_FROM=$(sqlq "SELECT DATE '$TODAY' - 20"); FUT_TO=$(sqlq "SELECT DATE '$TODAY' + 20")
FAR_TO=$(sqlq "SELECT (date_trunc('month', DATE '$TODAY') + interval '2 months')::date + 14")  # past the next month end
PAST_DAY=$(sqlq "SELECT DATE '$TODAY' - 3")

# ---- tokens
declare -A TOKEN
for who in ceo:ceo@northstar.example cs:cs1@northstar.example sales:sales1@northstar.example; do
  TOKEN[${who%%:*}]=$(curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"email\":\"${who#*:}\",\"password\":\"northstar-demo\"}" \
    "http://127.0.0.1:$HTTP_PORT/api/auth/login" | jq -r '.token // empty')
  [ -n "${TOKEN[${who%%:*}]}" ] || { echo "login as ${who#*:} failed" >&2; exit 1; }
done

# get ROLE PATH_WITH_QUERY FILE
get() {
  local body status
  body=$(curl -s -H "Authorization: Bearer ${TOKEN[$1]}" -H 'X-No-Cache: 1' -w '\n%{http_code}' \
         "http://127.0.0.1:$HTTP_PORT$2")
  status=${body##*$'\n'}; body=${body%$'\n'*}
  # forecast answers carry their own timing (fit_ms, train_ms), model timestamps and whether the
  # model cache was warm (cached): masked
  [[ $2 == /api/forecast/* ]] && body=$(sed -E -e 's/"(fit_ms|train_ms)":[0-9.]+/"\1":"~"/g' \
                                              -e 's/"(features_at|trained_at)":"[^"]*"/"\1":"~"/g' \
                                              -e 's/"cached":(true|false)/"cached":"~"/g' <<<"$body")
  mkdir -p "$(dirname "$3")"
  printf '%s\n%s\n' "$status" "$body" >"$3"
  N=$((N + 1))
}

# enum values by service:parameter (the word lists of services/<name>/<name>.c)
declare -A ENUM=(
  [revenue:granularity]="day week month" [revenue:by]="plan segment"
  [users:risk]="high medium healthy" [users:sort]="mrr_at_risk score name"
  [users:status]="all paying trial churned inactive" [users:period]="month week" [users:metric]="logos revenue"
  [marketing:granularity]="day week month" [marketing:platform]="meta tiktok google linkedin"
  [marketing:sort]="spend roas roi" [marketing:cac:granularity]="week month"
  [product:granularity]="hour day" [product:period]="week"
  [forecast:days]="7 30 90" [forecast:metric]="api_calls usage_units"
)

# variants SERVICE ENDPOINT PARAMS — one query string per line ("" = all defaults)
variants() {
  local svc=$1 ep=$2 p name type v
  echo ""
  for p in ${3//,/ }; do
    [ "$p" = - ] && continue
    name=${p%%:*}; type=${p#*:}
    case $name in
      as_of)  for v in "$ME1" "$MAR31" "$MAR30" "$MAR29" "$FEB28"; do echo "as_of=$v"; done ;;
      days)   if [ "$type" = enum ]; then for v in ${ENUM[$svc:days]}; do echo "days=$v"; done
              else echo "days=90"; fi ;;
      from)   echo "from=$PAST_FROM&to=$PAST_TO"; echo "from=$FUT_FROM&to=$FUT_TO"; echo "from=$FUT_FROM&to=$FAR_TO" ;;
      to)     echo "to=$PAST_DAY" ;;
      months) echo "months=3"; echo "months=13" ;;
      weeks)  echo "weeks=4" ;;
      limit)  echo "limit=5" ;;
      offset) echo "offset=3" ;;
      format) echo "format=csv" ;;
      endpoint) echo "endpoint=orders" ;;
      growth_pct) echo "growth_pct=5" ;;
      burn_change_pct) echo "burn_change_pct=-10" ;;
      *)      if [ "$type" = enum ]; then
                for v in ${ENUM[$svc:$ep:$name]:-${ENUM[$svc:$name]:-}}; do echo "$name=$v"; done
              fi ;;
    esac
  done
}

# clock-dependent answers: only past days (product live is left out altogether)
clock_bound() {  # clock_bound PATH QUERY — true when the answer follows now() rather than the data
  case $1 in
    /api/product/live) return 0 ;;
    /api/product/summary) [[ $2 != *as_of=* ]] ;;
    /api/product/system-health) [[ $2 != *to=$PAST_DAY* && $2 != *to=$PAST_TO* ]] ;;
    *) return 1 ;;
  esac
}

N=0
: >"$TMP/routes"
for svc in $SERVICES; do "$BUILD/$svc" --routes >>"$TMP/routes"; done
while IFS=$'\t' read -r svc method path roles _cache params _csv _sql; do
  [ "$method" = GET ] || continue
  [ "$roles" = public ] && continue
  case $path in */stream|/api/alerts*|/api/auth/*) continue ;; esac
  ep=${path##*/}
  if [[ $path == *"{id}"* ]]; then
    continue   # below, with ids from the answers
  fi
  while IFS= read -r q; do
    clock_bound "$path" "$q" && continue
    for role in ${roles//,/ }; do
      name=${q:-default}; name=${name//[&=\/]/_}
      get "$role" "$path${q:+?$q}" "$OUT/api${path#/api}/$name.$role"
    done
  done < <(variants "$svc" "$ep" "$params")
done <"$TMP/routes"

# {id}: the customer drill-down for the three largest customers each role sees
if grep -qP '^users\tGET\t/api/users/customers/\{id\}' "$TMP/routes"; then
  for role in ceo cs; do
    ids=$(curl -s -H "Authorization: Bearer ${TOKEN[$role]}" -H 'X-No-Cache: 1' \
            "http://127.0.0.1:$HTTP_PORT/api/users/customers?status=paying&limit=3" | jq -r '.customers[].customer_id')
    for id in $ids; do
      for q in "" "as_of=$ME1"; do
        get "$role" "/api/users/customers/$id${q:+?$q}" "$OUT/api/users/customers/id/$id.${q:-default}.$role"
      done
    done
  done
fi

# ---- data layer: results that the routes above do not show whole
[ "${SNAPSHOT_API_ONLY:-0}" = 1 ] && { echo "snapshot: $(find "$OUT" -type f | wc -l) answers in $OUT (today $TODAY)"; exit 0; }
S=$OUT/sql; mkdir -p "$S"
ANCHOR_DAY=$(sqlq "SELECT ns_day_start(ns_today())")   # a fixed instant of the day: today's midnight
sqlq "SELECT to_jsonb(b) FROM bi_company_overview b WHERE metric_date > DATE '$TODAY' - 60 ORDER BY metric_date" >"$S/bi_company_overview"
sqlq "SELECT to_jsonb(b) FROM bi_product b WHERE metric_date > DATE '$TODAY' - 60 ORDER BY metric_date, entity_id" >"$S/bi_product"
sqlq "SELECT to_jsonb(b) FROM bi_customer_success b WHERE metric_date >= date_trunc('month', DATE '$TODAY') - interval '2 months'
      ORDER BY metric_date, entity_id" >"$S/bi_customer_success"
sqlq "SELECT to_jsonb(b) FROM bi_marketing b WHERE metric_date > DATE '$TODAY' - 30 ORDER BY metric_date, entity_id" >"$S/bi_marketing"
sqlq "SELECT count(*), md5(string_agg(to_jsonb(b)::text, E'\n' ORDER BY to_jsonb(b)::text)) FROM bi_metrics_long b" >"$S/bi_metrics_long"
sqlq "SELECT r.code, to_jsonb(m) FROM alert_rules r CROSS JOIN LATERAL alert_measure(r, '$ANCHOR_DAY') m ORDER BY r.code" \
  >"$S/alert_measure" 2>&1 || true
for d in "$TODAY" "$ME1" "$MAR31" "$FEB28"; do
  sqlq "SELECT to_jsonb(h) FROM customer_health('$d') h ORDER BY customer_id" >"$S/customer_health.$d"
  sqlq "SELECT customer_id, mrr_cents FROM mrr_at('$d') ORDER BY 1" >"$S/mrr_at.$d"
done
sqlq "SELECT to_jsonb(m) FROM mrr_movements('$FEB28', '$MAR31') m" >"$S/mrr_movements"
# content digest of every derived table (bookkeeping timestamps left out)
sqlq "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.relname NOT LIKE 'alert%' AND c.relname NOT IN ('app_users', 'product_rum')
      ORDER BY 1" | while read -r t; do
  sqlq "SELECT count(*) || ' ' || coalesce(md5(string_agg(j::text, E'\n' ORDER BY j::text)), '-')
        FROM (SELECT to_jsonb(t) - 'refreshed_at' - 'computed_at' - 'source_refreshed_at' - 'last_refresh_at'
                     - 'last_rebuild_at' - 'source_rebuild' - 'last_refresh_days' AS j FROM $t t) x" >"$S/table.$t"
done
echo "snapshot: $N answers and $(ls "$S" | wc -l) data-layer results in $OUT (today $TODAY)"
