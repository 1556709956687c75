# t-faults.sh — real faults on real processes: a service instance killed
# under load, a runaway query, an interrupted rollup refresh, and an
# unwritable nginx cache.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CEO=$(login ceo@northstar.example)
U=http://127.0.0.1:$T_PORT

# A service instance is SIGKILLed under load: nginx fails over to the
# other instance and the supervisor restarts the dead one.
victim=$(cat "$T_RUN/revenue.1.pid")
seq 1 300 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $CEO" \
  -H "X-No-Cache: 1" "$U/api/revenue/summary?as_of=2026-0$(( RANDOM % 9 + 1 ))-1$(( RANDOM % 9 ))" >"$T_TMP/kill-codes" &
load=$!
sleep 0.3; kill -KILL "$victim"
wait $load
failed=$(grep -vc '^200$' "$T_TMP/kill-codes")
echo "# requests failed while an instance was killed: $failed of 300"
[ "$failed" -le 3 ] && ok "killing one revenue instance under load fails at most the in-flight requests ($failed of 300)" \
  || not_ok "killing one revenue instance under load fails at most the in-flight requests" "$failed of 300 failed: $(sort "$T_TMP/kill-codes" | uniq -c | tr '\n' ' ')"
for _ in $(seq 1 30); do
  new=$(cat "$T_RUN/revenue.1.pid" 2>/dev/null); [ -n "$new" ] && [ "$new" != "$victim" ] && [ -S "$T_RUN/fcgi/revenue.1.sock" ] && break; sleep 0.2
done
[ "$new" != "$victim" ] && kill -0 "$new" 2>/dev/null && ok "the supervisor restarted the killed instance" \
  || not_ok "the supervisor restarted the killed instance" "pid $victim → $new"

# A runaway query: a lock held elsewhere stalls the summary's query; the
# statement timeout (5 s) turns it into a 503, the worker is freed.
psql -X -q -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar \
  -c "BEGIN; LOCK TABLE subscriptions IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(9); COMMIT;" >/dev/null 2>&1 &
locker=$!
sleep 0.5
t0=$(date +%s%N)
api GET "/api/revenue/summary?as_of=2025-06-06" "$CEO" -H "X-No-Cache: 1"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_error "a query stuck behind a lock ends as a 503 query_timeout" 503 query_timeout
[ "$ms" -lt 8000 ] && ok "the stuck request is answered within the statement timeout (${ms} ms)" || not_ok "stuck request bounded" "${ms} ms"
api GET /api/revenue/health
check_status "the service still answers other requests meanwhile" 200
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(9)%' AND pid <> pg_backend_pid()" >/dev/null

# An interrupted rollup refresh leaves no half-updated day; the next one repairs it.
day=$(sql "SELECT current_date - 40")
before=$(sql "SELECT revenue_cents FROM metrics_daily WHERE day = '$day'")
# The insert wakes the alerts job's refresh within a second (docs/ingest.md, "Freshness"): one
# session holds the refresh lock (session locks are re-entrant, so its own refresh still runs and
# is interrupted mid-way), reads the day back, and lets the job in only when it ends.
during=$(psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar \
  -c "SELECT pg_advisory_lock(hashtext('northstar.rollup')::bigint)" \
  -c "INSERT INTO orders (customer_id, ordered_at, source, total_cents, cogs_cents, status)
      SELECT min(id), '$day 12:00+00', 'api', 12345, 100, 'paid' FROM customers" \
  -c "SET statement_timeout = '1ms'" -c "SELECT rollup_refresh()" -c "SET statement_timeout = 0" \
  -c "SELECT 'day=' || revenue_cents FROM metrics_daily WHERE day = '$day'" 2>/dev/null | sed -n 's/^day=//p')
check_eq "an interrupted refresh changed nothing" "$during" "$before"
# The next refresh (ours, or the alerts job's that got the lock first: then ours finds nothing dirty)
# repairs the day.
raw=$(sql "SELECT sum(total_cents) FROM orders WHERE ordered_at >= '$day'::date AND ordered_at < '$day'::date + 1")
sql "SELECT rollup_refresh()" >/dev/null
check_eq "the next refresh repairs the day to the raw total" \
  "$(sql "SELECT revenue_cents FROM metrics_daily WHERE day = '$day'")" "$raw"

# nginx cannot write its cache: the API still answers, uncached.
defer 'chmod 755 "$T_DIR/cache"'   # also if this file dies here: the later files need the cache
chmod 000 "$T_DIR/cache"
api GET "/api/revenue/summary?as_of=2025-07-07" "$CEO"
check_status "with an unwritable cache directory the API still answers" 200
chmod 755 "$T_DIR/cache"
done_testing
