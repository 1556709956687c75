# t-fx.sh — POST /api/revenue/fx-rates (docs/ingest.md): valid rates land, a replay changes
# nothing, a changed rate updates in place, invalid currency/day/rate are rejected by index and
# field, oversize is a 413, only an ingest:billing key may send; and a EUR subscription's MRR
# movements through GET /api/revenue/mrr show the rate change as fx, not expansion.
# Rates use XTS (ISO 4217's code reserved for tests) and days in 2000, where the demo has no data.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
F_ADMIN() { NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" \
  "${NS_BUILD:-$ROOT/build}/northstar-admin" "$@"; }
F_RUN=$(date +%s%N | tail -c 10)
F_CUST=$((990000000 + RANDOM))
defer "rm -rf \"\$T_TMP\"/fx-*"
defer "sql \"DELETE FROM fx_rates WHERE currency = 'XTS' OR (currency = 'USD' AND day IN ('2000-01-31', '2000-02-29'))\" >/dev/null"
defer "sql \"DELETE FROM subscriptions WHERE customer_id = $F_CUST; DELETE FROM customers WHERE id = $F_CUST\" >/dev/null"
defer "sql \"DELETE FROM api_keys WHERE name LIKE 't-fx-%-$F_RUN'\" >/dev/null"
F_KEY=$(F_ADMIN key add "t-fx-bill-$F_RUN" ingest:billing 2>/dev/null)
F_EVENTS=$(F_ADMIN key add "t-fx-ev-$F_RUN" ingest:events 2>/dev/null)
# fx FILE [KEY [CONTENT-TYPE]] — POST the file; sets STATUS, BODY
fx() { api POST /api/revenue/fx-rates "${2-$F_KEY}" -H "Content-Type: ${3:-application/json}" --data-binary "@$1"; }
jqb() { jq -c "$1" <<<"$BODY" 2>/dev/null; }
counts='[.accepted, .created, .updated, .unchanged, .stale, (.rejected | length)]'

# ---- valid rates land; the same batch again changes nothing; a changed rate updates in place
cat >"$T_TMP/fx-valid.json" <<'EOF'
[{"currency": "XTS", "day": "2000-01-03", "per_eur": 1.5},
 {"currency": "XTS", "day": "2000-01-04", "per_eur": "1.2500"}]
EOF
fx "$T_TMP/fx-valid.json"
check_status "two valid rates are a 200" 200
check_eq "answer: 2 accepted, 2 created" "$(jqb "$counts")" "[2,2,0,0,0,0]"
check_eq "both stored, a number and a decimal string alike" \
  "$(sql "SELECT string_agg(day || '=' || per_eur, ',' ORDER BY day) FROM fx_rates WHERE currency = 'XTS'")" \
  "2000-01-03=1.5,2000-01-04=1.2500"
fx "$T_TMP/fx-valid.json"
check_eq "the same batch again: 2 unchanged, nothing written" "$(jqb "$counts")" "[2,0,0,2,0,0]"
check_eq "still two rows" "$(sql "SELECT count(*) FROM fx_rates WHERE currency = 'XTS'")" 2
printf '{"currency": "XTS", "day": "2000-01-04", "per_eur": 1.3}\n{"currency": "XTS", "day": "2000-01-03", "per_eur": 1.5}\n' \
  >"$T_TMP/fx-update.ndjson"
fx "$T_TMP/fx-update.ndjson" "$F_KEY" application/x-ndjson
check_eq "NDJSON, one rate changed: 1 updated, 1 unchanged" "$(jqb "$counts")" "[2,0,1,1,0,0]"
check_eq "the changed rate is updated in place" \
  "$(sql "SELECT per_eur FROM fx_rates WHERE currency = 'XTS' AND day = '2000-01-04'")" "1.3"

# ---- invalid records are named by index and field; the valid one lands
cat >"$T_TMP/fx-invalid.json" <<'EOF'
[{"currency": "XTS", "day": "2000-01-05", "per_eur": 1.4},
 {"currency": "usd", "day": "2000-01-05", "per_eur": 1.1},
 {"currency": "XTS", "day": "2000-02-30", "per_eur": 1.1},
 {"currency": "XTS", "day": "2000-01-06", "per_eur": -1},
 {"currency": "XTS", "day": "2000-01-07", "per_eur": 0},
 {"currency": "EUR", "day": "2000-01-05", "per_eur": 1},
 {"currency": "XTS", "day": "2999-01-01", "per_eur": 1.1},
 42,
 {"currency": "XTS", "day": "2000-01-05", "per_eur": 1.6}]
EOF
fx "$T_TMP/fx-invalid.json"
check_status "some invalid records: 207" 207
check_eq "one accepted and created, eight rejected" "$(jqb "$counts")" "[1,1,0,0,0,8]"
check_eq "each rejection names its index and field" "$(jqb '[.rejected[] | "\(.index):\(.field)"]')" \
  '["1:currency","2:day","3:per_eur","4:per_eur","5:currency","6:day","7:null","8:day"]'
check_eq "the messages say what to do" \
  "$(jqb '[.rejected[] | .message | test("three capital letters|YYYY-MM-DD|positive decimal|greater than 0|leave it out|in the future|not a JSON object|also record 0")] | all')" true
check_eq "the valid record is stored, the duplicate of it is not" \
  "$(sql "SELECT per_eur FROM fx_rates WHERE currency = 'XTS' AND day = '2000-01-05'")" "1.4"
printf '[{"currency": "XTS", "day": "yesterday", "per_eur": 1}]' >"$T_TMP/fx-none.json"
fx "$T_TMP/fx-none.json"
check_error "no valid record: 400" 400 bad_request
check_eq "the 400 still lists the rejection" "$(jqb '[.rejected[] | "\(.index):\(.field)"]')" '["0:day"]'

# ---- limits: more than 2,500 records is a 413 and stores nothing
jq -nc '[range(2501) | {currency: "XTS", day: "2000-03-01", per_eur: 1}]' >"$T_TMP/fx-big.json"
fx "$T_TMP/fx-big.json"
check_error "2,501 records in one batch is a 413" 413 payload_too_large
check_eq "nothing of it is stored" "$(sql "SELECT count(*) FROM fx_rates WHERE currency = 'XTS' AND day = '2000-03-01'")" 0

# ---- who may send: an ingest:billing key only
fx "$T_TMP/fx-valid.json" "$F_EVENTS"
check_error "a key without ingest:billing is refused (403)" 403 forbidden
fx "$T_TMP/fx-valid.json" "$(login ceo@northstar.example)"
check_error "a session token is refused (403)" 403 forbidden
fx "$T_TMP/fx-valid.json" ""
check_error "no credential is a 401" 401 unauthorized
check_eq "northstar_app may not write fx_rates itself" \
  "$(sql "SELECT has_table_privilege('northstar_app', 'fx_rates', 'INSERT') OR has_table_privilege('northstar_app', 'fx_rates', 'UPDATE')")" f

# ---- a rate change moves MRR as fx, not expansion (reporting currency USD)
# A customer of this test with EUR 100.00/month from 2000-01-01 to 2000-03-01 (stored converted
# at 1.1: 11000 cents).  USD per EUR: 1.1000 on 2000-01-31, 1.2000 on 2000-02-29.
# MRR 01-31 = 10000 x 1.1 = 11000 ($110.00); 02-29 = 10000 x 1.2 = 12000 ($120.00);
# February: fx +$10.00, new/expansion/contraction/churn 0.
# Rows of 2000 must never reach the rollups: a refresh of a day that early keeps metrics_daily
# contiguous from it to today (docs/metrics.md), and those filler days would collide with the
# fixtures of other tests (t-revenue's 2001, alerts_rules.sql).  So the refresh job is held off with
# the advisory lock it takes (as t-revenue does), the rows go in with rollup_skip_dirty, and the
# cleanup below drops the days the rate change queued before the lock is let go.
F_LOCK_APP=t-fx-lock-$$
PGAPPNAME=$F_LOCK_APP psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar \
  -c "SELECT pg_advisory_lock(hashtext('northstar.rollup')::bigint), pg_sleep(300)" >/dev/null 2>&1 &
F_LOCK_PID=$!
f_unlock() { sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$F_LOCK_APP'" >/dev/null; wait "$F_LOCK_PID" 2>/dev/null; }
defer f_unlock
f_locked=0
for _ in $(seq 1 600); do
  [ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = '$F_LOCK_APP'")" = 1 ] && { f_locked=1; break; }
  sleep 0.1
done
check_eq "the rollup refresh is held off for the 2000 fixture (its advisory lock is ours)" "$f_locked" 1
sql "BEGIN; SET LOCAL northstar.rollup_skip_dirty = on;
     INSERT INTO customers (id, name, email, signup_at) VALUES ($F_CUST, 't-fx $F_RUN', 'fx-$F_RUN@fixture.example', '2000-01-01Z');
     INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, mrr_original_cents, currency, valid_from, valid_to)
     SELECT $F_CUST, min(id), 1, 11000, 10000, 'EUR', '2000-01-01', '2000-03-01' FROM plans; COMMIT" >/dev/null
printf '[{"currency": "USD", "day": "2000-01-31", "per_eur": 1.1}, {"currency": "USD", "day": "2000-02-29", "per_eur": "1.2000"}]' \
  >"$T_TMP/fx-usd.json"
fx "$T_TMP/fx-usd.json"
check_status "USD rates for the two month ends: 200" 200
api GET "/api/revenue/mrr?months=1&as_of=2000-02-29" "$(login ceo@northstar.example)"
check_status "MRR movements of February 2000: 200" 200
jq_eq "February 2000: starting \$110.00, fx +\$10.00, no expansion, ending \$120.00" \
  "$(jqb '.months[0] | {starting_mrr, fx, new, expansion, contraction, churn, ending_mrr, fx_customers, expansion_customers}')" \
  '{"starting_mrr": 110.00, "fx": 10.00, "new": 0, "expansion": 0, "contraction": 0, "churn": 0, "ending_mrr": 120.00, "fx_customers": 1, "expansion_customers": 0}'
sql "BEGIN; SET LOCAL northstar.rollup_skip_dirty = on;
     DELETE FROM fx_rates WHERE currency = 'USD' AND day IN ('2000-01-31', '2000-02-29');
     DELETE FROM subscriptions WHERE customer_id = $F_CUST; DELETE FROM customers WHERE id = $F_CUST;
     DELETE FROM rollup_dirty_days WHERE day < '2001-01-01'; COMMIT" >/dev/null
f_unlock
check_eq "the fixture left no day of 2000 to the rollups" \
  "$(sql "SELECT (SELECT count(*) FROM rollup_dirty_days WHERE day < '2001-01-01') + (SELECT count(*) FROM metrics_daily WHERE day < '2001-01-01')")" 0

# ---- the reporting currency: set on the database by scripts/stack.sh, inherited by the services' role
check_eq "the database carries northstar.currency (NS_CURRENCY, default USD)" \
  "$(sql "SELECT c FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase AND s.setrole = 0,
          unnest(s.setconfig) c WHERE d.datname = 'northstar' AND c LIKE 'northstar.currency=%'")" "northstar.currency=${NS_CURRENCY:-USD}"
check_eq "northstar_app sessions inherit it" \
  "$(psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U northstar_app -d northstar -c 'SELECT ns_currency()')" "${NS_CURRENCY:-USD}"

done_testing
