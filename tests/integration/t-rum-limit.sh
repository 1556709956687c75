# t-rum-limit.sh — the RUM beacon limit (60 per user and minute) holds under concurrency: the
# count and the insert are one step (api.product_rum_store takes a per-user advisory lock), so
# 90 beacons sent at once by one user store exactly 60 and refuse 30 with 429.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RL_TOK=$(login cs2@northstar.example)
RL_UID=$(sql "SELECT id FROM app_users WHERE email = 'cs2@northstar.example'")
sql "DELETE FROM product_rum WHERE user_id = $RL_UID" >/dev/null
mkdir -p "$T_TMP/rum"
for i in $(seq 1 90); do
  curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $RL_TOK" \
    -H 'Content-Type: application/json' -d "{\"view\":\"limit-$i\",\"load_ms\":$((100 + i))}" \
    "http://127.0.0.1:$T_PORT/api/product/rum" >"$T_TMP/rum/$i" &
done
wait
RL_200=$(cat "$T_TMP"/rum/* | grep -c '^200$'); RL_429=$(cat "$T_TMP"/rum/* | grep -c '^429$')
RL_ROWS=$(sql "SELECT count(*) FROM product_rum WHERE user_id = $RL_UID")
check_eq "90 concurrent beacons: 60 answered 200" "$RL_200" 60
check_eq "90 concurrent beacons: 30 answered 429" "$RL_429" 30
check_eq "90 concurrent beacons: exactly 60 rows stored" "$RL_ROWS" 60
api POST /api/product/rum "$RL_TOK" -H 'Content-Type: application/json' -d '{"view":"one-more","load_ms":5}'
check_error "the 91st beacon in the minute is a 429 JSON error" 429 too_many_requests
sql "DELETE FROM product_rum WHERE user_id = $RL_UID" >/dev/null

# Deterministic: with 59 beacons stored, session A stores the 60th and holds its transaction open;
# session B, meanwhile, must not pass the count that A has not committed yet: it waits for A and
# is then refused (NS429).  Without the lock both would store (61 rows).
psql_rl() { psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar "$@"; }
sql "INSERT INTO product_rum (user_id, view, load_ms, received_at)
     SELECT $RL_UID, 'fill', 100, clock_timestamp() FROM generate_series(1, 59)" >/dev/null
RL_STORE="SELECT api.product_rum_store(p_user => $RL_UID, p_view => 'race', p_load_ms => 1, p_ttfb_ms => NULL,
          p_fcp_ms => NULL, p_tti_ms => NULL, p_errors => NULL, p_error => NULL, p_limit => 60)"
psql_rl -c "BEGIN" -c "$RL_STORE" -c "SELECT pg_sleep(1.5)" -c "COMMIT" >"$T_TMP/rum-a.out" 2>&1 &
RL_A=$!
sleep 0.5
RL_B=$(psql_rl -c "$RL_STORE" 2>&1)
wait "$RL_A"
check_eq "session A stores the 60th beacon" "$(grep -c '"stored" : true' "$T_TMP/rum-a.out")" 1
if grep -q 'at most 60 RUM beacons per user and minute' <<<"$RL_B"; then ok "session B, racing A, is refused with NS429"
else not_ok "session B, racing A, is refused with NS429" "got: $RL_B"; fi
check_eq "the race leaves exactly 60 rows" "$(sql "SELECT count(*) FROM product_rum WHERE user_id = $RL_UID")" 60
sql "DELETE FROM product_rum WHERE user_id = $RL_UID" >/dev/null
done_testing
