# bench-stack.sh — sourced by bench-ingest.sh and bench-fresh.sh: the stack they measure and the
# helpers they share.  bench_stack uses the running stack of BENCH_DIR (make bench's, started with
# a high INGEST_RATE), or starts a small one of its own on a free port (OWN: the caller's cleanup
# stops and removes it).  Needs say() and WORK (a scratch directory); sets BENCH_DIR, OWN, RUN,
# PGPORT, PORT and U.
bench_stack() {

  if [ -z "${BENCH_DIR:-}" ]; then
    OWN=$(mktemp -d /tmp/northstar-bench-stack.XXXXXX); BENCH_DIR=$OWN
    say "starting a stack (SCALE=${SCALE:-0.02})"
    # (CONN_LIMIT: bench-live.sh's 2,000 live streams come from one address)
    PORT=0 FAST=1 SCALE=${SCALE:-0.02} INGEST_RATE=100000r/s INGEST_BURST=100000 CONN_LIMIT=${CONN_LIMIT:-5000} \
      scripts/stack.sh start "$OWN" >"$WORK/start.log" 2>&1 || { cat "$WORK/start.log" >&2; exit 1; }
  fi
  RUN=$BENCH_DIR/run; PGPORT=$(cat "$RUN/pg.port"); PORT=$(cat "$RUN/http.port"); U=http://127.0.0.1:$PORT
  export PGPASSFILE=$BENCH_DIR/secrets/pgpass   # the stack's database passwords
}
psqlq() { psql -X -qtA -v ON_ERROR_STOP=1 -h "$RUN" -p "$PGPORT" -U postgres -d northstar "$@"; }
ms() { date +%s%3N; }
# bench_key NAME [SCOPE…] — a new key of those scopes (default ingest:events), printed once by
# northstar-admin, on stdout.
bench_key() {
  local name=$1; shift
  NS_DATABASE_URL="postgresql:///northstar?host=$RUN&port=$PGPORT&user=postgres" \
    "${NS_BUILD:-build}/northstar-admin" key add "$name" "${@:-ingest:events}" 2>/dev/null
}
# bench_doc_section HEADING FILE — put FILE (a "## HEADING" section) into docs/benchmarks.md:
# replace the section of that heading (up to the next "## " heading), or put it before "## Reading
# the figures".  Needs WORK.
bench_doc_section() {
  local heading=$1 file=$2
  awk -v sec="$file" -v head="## $heading" '
    function put() { while ((getline l < sec) > 0) print l; print ""; done = 1 }
    index($0, head) == 1 { skip = 1; put(); next }
    skip && /^## / { skip = 0 }
    skip { next }
    !done && /^## Reading the figures/ { put() }
    { print }
    END { if (!done) { print ""; put() } }' docs/benchmarks.md >"$WORK/benchmarks.md"
  cp "$WORK/benchmarks.md" docs/benchmarks.md
  say "written the section \"$heading\" of docs/benchmarks.md"
}
# bench_page_render RUNS — the app in headless Chromium against $U, RUNS times (default 3), through
# the browser tests' own timings (tests/e2e/app.test.js): prints "executive MS", the median of sign-in
# click → the executive view complete, and "slowest ROLE/VIEW MS", the highest of the views' medians
# (navigation click → every panel settled, every chart drawn), for the three demo roles.  Prints
# nothing when the browser test packages (make test installs them) or chromium are missing.
bench_page_render() {
  local runs=${1:-3} i
  [ -d tests/e2e/node_modules ] && [ -x /usr/bin/chromium ] || return 0
  for ((i = 0; i < runs; i++)); do
    (cd tests/e2e && NS_URL=$U node --test --test-reporter=tap \
       --test-name-pattern='executive_view_renders_completely|signs_in_and_lists_only|renders_every_permitted_view' \
       app.test.js 2>/dev/null) || true
  done | sed -n -e 's/.*executive_render_ms=\([0-9]*\).*/executive \1/p' \
               -e 's/.*view_render_ms=\([a-z]*\/[a-z-]*\)=\([0-9]*\).*/\1 \2/p' \
    | sort -k1,1 -k2,2n \
    | awk '{ v[$1, ++n[$1]] = $2 }
           END { for (k in n) { m = v[k, int((n[k] + 1) / 2)]
                   if (k == "executive") print "executive", m
                   else if (m > worst) { worst = m; wk = k } }
                 if (wk != "") print "slowest", wk, worst }'
}
# bench_token WHO — a bearer token of WHO@northstar.example (demo password), on stdout.
bench_token() {
  curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1@northstar.example\",\"password\":\"northstar-demo\"}" "$U/api/auth/login" | jq -r .token
}
# bench_rps SECS CONN CURL-STYLE-ARGS... — requests a second wrk sustains (2 threads, CONN
# connections, SECS seconds) on the URL and headers given (wrk's own -H arguments), on stdout.
bench_rps() {
  local secs=$1 conn=$2; shift 2
  wrk -t2 -c"$conn" -d"${secs}s" "$@" 2>&1 | awk '/Requests\/sec/ {print int($2)}'
}
# bench_refresh_late_day — ms of the rollup refresh after one day of late orders (yesterday's
# orders again, 40 days back), on stdout.  The rows and the refresh are one transaction: the
# dirty-day notification is sent at its commit, so the alerts job cannot take the refresh first
# (the figure would then be the wait for its run).  Needs psqlq.
bench_refresh_late_day() {
  psqlq -c "BEGIN" \
        -c "INSERT INTO orders (customer_id, ordered_at, source, total_cents, cogs_cents, status)
            SELECT customer_id, ordered_at - interval '40 days', source, total_cents, cogs_cents, 'paid'
              FROM orders WHERE ordered_at > now() - interval '1 day'" \
        -c "EXPLAIN (ANALYZE, FORMAT JSON) SELECT rollup_refresh()" -c "COMMIT" | jq '.[0]["Execution Time"] | floor'
}
# bench_routes — every GET route of the six services as "svc path sqltext" (tab-separated), {id}
# as 1, streams and health checks left out.  Needs the built services (NS_BUILD, default build).
bench_routes() {
  local s svc method path roles cache params csvkey sqltext
  for s in revenue users marketing product alerts forecast; do "${NS_BUILD:-build}/$s" --routes; done |
  while IFS=$'\t' read -r svc method path roles cache params csvkey sqltext; do
    [ "$method" = GET ] || continue
    case "$path" in */stream|*/health) continue;; esac
    printf '%s\t%s\t%s\n' "$svc" "${path//\{id\}/1}" "$sqltext"
  done
}
# bench_latency N OUT — every GET route's uncached round trip through nginx (X-No-Cache: 1) as
# each role it admits (ceo, cs1, sales1; a route answering a role with anything but 200 is left
# out for that role), one warm-up call then N timed calls: appends "role path median_ms p99_ms"
# (tab-separated) to OUT.  Needs U.
bench_latency() {
  local n=$1 out=$2 who tok svc path sqltext i lat
  lat=$(mktemp)
  for who in ceo cs1 sales1; do
    tok=$(bench_token "$who")
    while IFS=$'\t' read -r svc path sqltext; do
      [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" -H 'X-No-Cache: 1' "$U$path")" = 200 ] || continue
      for i in $(seq 1 "$n"); do
        curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $tok" -H 'X-No-Cache: 1' "$U$path"
      done | sort -n >"$lat"
      awk -v w="$who" -v p="$path" '{ a[NR] = $1 }
        END { i = int(NR * 0.99); if (i < 1) i = 1
              printf "%s\t%s\t%.1f\t%.1f\n", w, p, a[int((NR + 1) / 2)] * 1000, a[i] * 1000 }' "$lat" >>"$out"
    done < <(bench_routes)
  done
  rm -f "$lat"
}
# bench_route_args SVC PATH — the arguments of a route's prepared statement as a request with no
# parameters would pass them (the service's --defaults: each declared default, NULL for the rest),
# as the CEO (user 1) and, for a ".../1" path from bench_routes, id 1.
bench_route_args() {
  "${NS_BUILD:-build}/$1" --defaults | awk -F'\t' -v p="$2" '
    { pat = $1; gsub(/\{id\}/, "1", pat) }
    pat == p { for (i = 2; i <= NF; i++) { split($i, kv, "="); v = substr($i, length(kv[1]) + 2)
                 if (kv[1] == "p_user" || kv[1] == "p_id") a = "1"
                 else if (kv[1] == "p_role") a = "\047ceo\047"
                 else if (v == "") a = "NULL"
                 else { gsub(/\047/, "\047\047", v); a = "\047" v "\047" }
                 printf "%s%s", (i > 2 ? ", " : ""), a }
               print ""; exit }'
}
# bench_buffers OUT — the shared buffers (hit + read, planning included) that each generic route's
# statement touches as the CEO with default parameters, nested statements included (EXPLAIN
# (ANALYZE, BUFFERS) of the statement the route prepares): appends "path buffers" to OUT.  The
# figure that must not grow with the data when an answer reads rollups and snapshots.  Needs psqlq.
bench_buffers() {
  local out=$1 svc path sqltext n args b
  while IFS=$'\t' read -r svc path sqltext; do
    [ "$sqltext" != - ] || continue
    args=$(bench_route_args "$svc" "$path")
    b=$(psqlq -v ON_ERROR_STOP=0 2>/dev/null <<SQL | jq -s 'map(.[0] | (.Plan["Shared Hit Blocks"] + .Plan["Shared Read Blocks"]
          + ((.Planning // {})["Shared Hit Blocks"] // 0) + ((.Planning // {})["Shared Read Blocks"] // 0))) | add'
PREPARE q AS $sqltext;
\\o /dev/null
EXECUTE q($args);
\\o
EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE q($args);
SQL
)
    printf '%s\t%s\n' "$path" "${b:-n/a}" >>"$out"
  done < <(bench_routes)
}
