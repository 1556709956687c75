# t-simulate.sh — the demo company's simulator (docs/live.md, "The simulator"; build/northstar-
# simulate, scripts/stack.sh LIVE=1).  It writes, so it runs on a stack of its own (scripts/stack.sh,
# a free port; stopped however this file ends), never on the suite's, whose figures other files
# check by hand:
#   1. determinism: two dry runs of one seed and one --now are byte-identical, another seed
#      differs; every record is of the documented shapes (integer money, instants on the clock);
#   2. LIVE=1 starts it with a key of its own (DIR/run/simulator.key, 0600, never logged); its
#      customers appear through the API, GET /api/product/live shows API calls of the last minute
#      and active users; every dry-run request sent to the stack is accepted with nothing rejected;
#   3. a restart reuses a key still in force; a revoked key makes the simulator exit non-zero
#      saying what to do, and the next start makes a new key;
#   4. scripts/stack.sh stop leaves no simulator process; LIVE=1 with DEMO=0 never starts one.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

Z=$T_TMP/simulate; Z_STACK=$Z/stack; mkdir -p "$Z"
Z_BUILD=${NS_BUILD:-$ROOT/build}
SIM=$Z_BUILD/northstar-simulate
z_stop() { "$ROOT/scripts/stack.sh" stop "$Z_STACK" >/dev/null 2>&1; [ -n "${T_SIM_KEEP:-}" ] || rm -rf "$Z"; }
defer z_stop
Z_SEED=3   # the stack's simulator (LIVE_SEED); the dry runs use 7 and 8

# ---- the suite's own stack is started without LIVE: no simulator writes into its figures
if [ -d "$T_RUN" ] && [ ! -e "$T_RUN/simulator.supervisor.pid" ] && [ ! -e "$T_RUN/simulator.key" ]; then
  ok "the suite's stack runs no simulator (LIVE defaults to 0 in stack.sh)"
else not_ok "the suite's stack runs no simulator" "$(ls "$T_RUN" 2>&1 | head -20)"; fi

# ---- 1. determinism (no stack needed): 60 virtual seconds at 50 actions a second = 3,000 steps,
# from 5 minutes ago (so that every instant is in the past when the bodies are sent below)
Z_NOW=$(date -u -d '-5 min' +%Y-%m-%dT%H:%M:%SZ)
Z_NOW_S=$(date -u -d "$Z_NOW" +%s)
dry() { "$SIM" --dry-run --now "$Z_NOW" --seed "$1" --rate 50 --duration 60 2>>"$Z/dry.err"; }
dry 7 >"$Z/a.jsonl"; rc_a=$?
dry 7 >"$Z/b.jsonl"; rc_b=$?
dry 8 >"$Z/c.jsonl"
Z_LINES=$(wc -l <"$Z/a.jsonl")
# 3,000 steps: at least one request each (a signup, a conversion, an established customer: 2–3)
check_eq "a dry run exits 0 and prints at least one request per step (3,000 steps)" \
  "$rc_a $rc_b $((Z_LINES >= 3000))" "0 0 1"
if [ "$Z_LINES" -ge 3000 ] && cmp -s "$Z/a.jsonl" "$Z/b.jsonl"; then
  ok "two dry runs of seed 7 with one --now are byte-identical ($Z_LINES lines)"
else not_ok "two dry runs of seed 7 are byte-identical" "$(cmp "$Z/a.jsonl" "$Z/b.jsonl" 2>&1 | head -3)"; fi
if [ -s "$Z/c.jsonl" ] && ! cmp -s "$Z/a.jsonl" "$Z/c.jsonl"; then ok "seed 8 makes another run"
else not_ok "seed 8 makes another run" "the outputs of seeds 7 and 8 are the same (or empty)"; fi
check_eq "the dry run says what it does on stderr, and nothing there is an error" \
  "$(grep -c 'printing a demo company' "$Z/dry.err"):$(grep -vc 'printing a demo company' "$Z/dry.err")" "3:0"

# every line is {"path", "body"}; the paths are the seven public ingestion endpoints, each used
check_eq "every line is an object of exactly path and body" \
  "$(jq -c 'keys' "$Z/a.jsonl" | sort -u | paste -sd' ')" '["body","path"]'
check_eq "it uses the seven ingestion endpoints and nothing else" \
  "$(jq -r .path "$Z/a.jsonl" | sort -u | paste -sd' ')" \
  "/api/marketing/campaigns /api/marketing/spend /api/product/events /api/revenue/billing-events /api/revenue/customers /api/revenue/orders /api/revenue/subscriptions"
# what a company's life needs, in 3,000 steps: subscriptions trialing, active and canceled, paid
# invoices, orders and a refund (an order sent again with refunded_cents), API calls with 2xx,
# 429 and 5xx, page views and feature events
Z_KINDS=$(jq -r '(select(.path == "/api/revenue/subscriptions") | .body[].status),
                 (select(.path == "/api/revenue/billing-events") | .body[].kind),
                 (select(.path == "/api/revenue/orders" and .body[0].refunded_cents > 0) | "refund"),
                 (select(.path == "/api/product/events") | .body.batch[] |
                    if .event == "API Call" then "api_\(.properties.status / 100 | floor)xx\(if .properties.status == 429 then "_429" else "" end)"
                    else (.event // .type) end)' "$Z/a.jsonl" | sort -u | paste -sd' ')
for k in trialing active canceled payment_success refund api_2xx api_4xx_429 api_5xx page "Feature Used"; do
  case " $Z_KINDS " in *" $k "*) ok "the run has: $k";; *) not_ok "the run has: $k" "kinds: $Z_KINDS";; esac
done
# money: every *_cents is a JSON integer (never a fraction or a string)
check_eq "every amount (*_cents) is an integer" \
  "$(jq '[.body | .. | objects | to_entries[] | select(.key | endswith("_cents")) | .value
          | (type == "number" and . == floor and . >= 0)] | all' "$Z/a.jsonl" | sort -u | paste -sd' ')" true
# the virtual clock: every event's timestamp is within [--now − 10 s, --now + 60 s] (a batch's
# events are spread over the seconds before its step), and the last step's is after --now + 59 s
Z_TS=$(jq -r 'select(.path == "/api/product/events") | .body.batch[].timestamp' "$Z/a.jsonl" \
  | sed 's/\.[0-9]*Z$/Z/' | sort | sed -n '1p;$p' | while read -r t; do date -u -d "$t" +%s; done | paste -sd' ')
read -r Z_T_MIN Z_T_MAX <<<"$Z_TS"
check_eq "the events' timestamps follow --now: from at most 10 s before it to 59–60 s after it" \
  "$((Z_T_MIN >= Z_NOW_S - 10 && Z_T_MAX >= Z_NOW_S + 59 && Z_T_MAX <= Z_NOW_S + 60))" 1
check_eq "the simulator's customers are its own: external ids sim-7-<run>-c<n>, events name them in context.groupId" \
  "$(jq -r '(select(.path == "/api/revenue/customers") | .body[].external_id),
            (select(.path == "/api/product/events") | .body.batch[].context.groupId)' "$Z/a.jsonl" \
     | grep -cvE '^sim-7-[0-9a-z]+-c[0-9]+$')" 0

# ---- 2. a stack of its own with the simulator (the demo company, small; ingestion unthrottled
# so that the 3,000 requests below are not held back by the rate limit)
Z_OUT=$Z/start.out
z_start() {
  LIVE=1 LIVE_RATE=10 LIVE_SEED=$Z_SEED DEMO=1 PORT=0 FAST=1 NS_INSTANCES=1 SCALE=0.02 \
    INGEST_RATE=10000r/s INGEST_BURST=10000 "$ROOT/scripts/stack.sh" start "$Z_STACK" >"$Z_OUT" 2>&1
}
if ! z_start; then
  not_ok "LIVE=1 scripts/stack.sh start: the stack starts" "$(tail -15 "$Z_OUT")"
  done_testing; exit 0
fi
ok "LIVE=1 scripts/stack.sh start: the stack starts"
Z_RUN=$Z_STACK/run
z_ports() { Z_PORT=$(cat "$Z_RUN/http.port"); Z_PG=$(cat "$Z_RUN/pg.port"); }   # PORT=0: new ones each start
z_ports
zapi() { T_PORT=$Z_PORT api "$@"; }
zsql() { PGPASSFILE=${Z_RUN%/run}/secrets/pgpass psql -X -qtA -v ON_ERROR_STOP=1 -h "$Z_RUN" -p "$Z_PG" -U postgres -d northstar -c "$1"; }
zadmin() { PGPASSFILE=${Z_RUN%/run}/secrets/pgpass NS_DATABASE_URL="postgresql:///northstar?host=$Z_RUN&port=$Z_PG&user=postgres" "$Z_BUILD/northstar-admin" "$@"; }
[ "$Z_PORT" != "$T_PORT" ] && ok "it has a port of its own ($Z_PORT), not the suite's stack's" \
  || not_ok "it has a port of its own" "same port $T_PORT"

Z_KEY=$(cat "$Z_RUN/simulator.key" 2>/dev/null)
check_eq "its key is in DIR/run/simulator.key, mode 0600, one nsk_ key" \
  "$(stat -c %a "$Z_RUN/simulator.key" 2>/dev/null):$([[ $Z_KEY =~ ^nsk_[A-Za-z0-9_-]{43}$ ]] && echo key)" "600:key"
check_eq "key list: one key named simulator in force, with the three ingestion scopes it needs" \
  "$(zadmin key list 2>/dev/null | awk -F'\t' '$1 == "simulator" && $5 == "active" {print $2}' | paste -sd' ')" \
  "ingest:billing,ingest:events,ingest:marketing"
Z_SUP=$(cat "$Z_RUN/simulator.supervisor.pid" 2>/dev/null)
for _ in $(seq 1 50); do [ -s "$Z_RUN/simulator.pid" ] && break; sleep 0.1; done
Z_CHILD=$(cat "$Z_RUN/simulator.pid" 2>/dev/null)
if [ -n "$Z_SUP" ] && [ -n "$Z_CHILD" ] && kill -0 "$Z_SUP" 2>/dev/null &&
   [ "$(ps -o args= -p "$Z_CHILD" 2>/dev/null | awk '{print $1}')" = "$SIM" ]; then
  ok "the simulator runs under its supervisor (PIDs in simulator.supervisor.pid and simulator.pid)"
else not_ok "the simulator runs under its supervisor" "supervisor '$Z_SUP', child '$Z_CHILD': $(tail -5 "$Z_STACK/logs/simulator.log" 2>&1)"; fi
# it reads its key, then gives root up (common/priv.c): as root it runs as northstar
check_eq "the simulator does not run as root" "$(ps -o user= -p "$Z_CHILD" 2>/dev/null)" \
  "$([ "$(id -u)" -eq 0 ] && echo northstar || id -un)"
check_eq "the start says the simulator runs, and where it logs" \
  "$(grep -c "LIVE=1: starting the simulator (seed $Z_SEED, 10 actions a second; log $Z_STACK/logs/simulator.log)" "$Z_OUT")" 1

zapi POST /api/auth/login "" -H 'Content-Type: application/json' -d '{"email":"ceo@northstar.example","password":"northstar-demo"}'
Z_CEO=$(jq -r '.token // empty' <<<"$BODY")
check_eq "the demo's CEO signs in on this stack" "$STATUS:$([ -n "$Z_CEO" ] && echo token)" "200:token"

# The simulator's customers, told apart by their external ids (sim-3-<run>-c<n>); the API shows
# them.  The first 8 steps after the setup are customers that were paying before the run began
# (active subscriptions), so at least 8 exist within seconds, each with MRR.  At most ~90 s.
Z_IDS=""
for _ in $(seq 1 90); do
  Z_IDS=$(zsql "SELECT string_agg(id::text, ',' ORDER BY id) FROM customers WHERE external_id LIKE 'sim-$Z_SEED-%'")
  [ "$(tr ',' '\n' <<<"$Z_IDS" | grep -c .)" -ge 8 ] && break
  sleep 1
done
Z_NSIM=$(tr ',' '\n' <<<"$Z_IDS" | grep -c .)
check_eq "the simulator created at least 8 customers of its own (external ids sim-$Z_SEED-…)" "$((Z_NSIM >= 8))" 1
Z_GOT=""
for _ in $(seq 1 90); do
  zapi GET "/api/users/customers?limit=500" "$Z_CEO"
  Z_GOT=$(jq -r --arg ids "$Z_IDS" '($ids | split(",") | map(tonumber)) as $s
    | [.customers[] | select(.customer_id as $c | $s | index($c))] | "\(length) \(map(select(.mrr > 0)) | length)"' <<<"$BODY" 2>/dev/null)
  [ "${Z_GOT%% *}" -ge 8 ] 2>/dev/null && [ "${Z_GOT##* }" -ge 1 ] && break
  sleep 1
done
check_eq "GET /api/users/customers lists them (at least 8, some with MRR > 0)" \
  "$([ "${Z_GOT%% *}" -ge 8 ] 2>/dev/null && [ "${Z_GOT##* }" -ge 1 ] && echo yes)" yes

# The operations monitor: API calls of the last minute and active users, with the simulator's
# customers among the latest calls (the demo's own calls end when it was generated).  ~90 s at most.
Z_LIVE=""
for _ in $(seq 1 90); do
  zapi GET /api/product/live "$Z_CEO"
  Z_LIVE=$(jq -c --arg ids "$Z_IDS" '($ids | split(",") | map(tonumber)) as $s
    | [.requests_last_minute, .users_active_5m, ([.latest[] | select(.customer_id as $c | $s | index($c))] | length)]' <<<"$BODY" 2>/dev/null)
  [ "$(jq '.[0] > 0 and .[1] > 0 and .[2] > 0' <<<"$Z_LIVE" 2>/dev/null)" = true ] && break
  sleep 1
done
check_eq "GET /api/product/live: requests_last_minute > 0, users_active_5m > 0, the simulator's customers among the latest calls" \
  "$(jq '.[0] > 0 and .[1] > 0 and .[2] > 0' <<<"$Z_LIVE" 2>/dev/null)" true
[ "$(jq '.[0] > 0' <<<"$Z_LIVE" 2>/dev/null)" = true ] || printf '#   live: %s\n' "$Z_LIVE"

# The live stream (GET /api/live, docs/live.md) carries it too: an api_calls message naming the
# simulator's customers, read from the CEO's stream within ~40 s at most.
Z_SEEN=$(timeout 40 curl -sN -H "Authorization: Bearer $Z_CEO" -H 'Accept: text/event-stream' \
    "http://127.0.0.1:$Z_PORT/api/live" 2>/dev/null | while IFS= read -r l; do
  case $l in "data: "*) ;; *) continue ;; esac
  t=$(jq -r --arg ids "$Z_IDS" '($ids | split(",") | map(tonumber)) as $s
        | if .type == "api_calls" and ([.calls[].customer_id | select(. as $c | $s | index($c))] | length) > 0
          then "api_calls_of_the_simulator" else .type end' <<<"${l#data: }" 2>/dev/null)
  echo "$t"
  [ "$t" = api_calls_of_the_simulator ] && break
done | sort -u | paste -sd' ')
case " $Z_SEEN " in
  *" api_calls_of_the_simulator "*) ok "GET /api/live: the CEO's stream carries api_calls messages of the simulator's customers" ;;
  *) not_ok "GET /api/live: the CEO's stream carries api_calls of the simulator's customers" "message types seen: '$Z_SEEN'" ;;
esac

# Every request of the dry run, sent to this stack in order with a key of its own (one curl,
# keep-alive): each answered 200 with nothing rejected — the records pass the ingestion rules.
Z_RKEY=$(zadmin key add t-simulate-replay ingest:billing ingest:events ingest:marketing 2>"$Z/replay-key.err")
[[ $Z_RKEY =~ ^nsk_ ]] || not_ok "a key for the replay" "$(cat "$Z/replay-key.err")"
(umask 077; jq -r --arg u "http://127.0.0.1:$Z_PORT" --arg k "$Z_RKEY" \
  '"url = \"\($u)\(.path)\"\nsilent\nheader = \"Authorization: Bearer \($k)\"\nheader = \"Content-Type: application/json\"\ndata-binary = \(.body | tojson | tojson)\nwrite-out = \"\\n@@%{http_code}\\n\"\nnext"' \
  "$Z/a.jsonl" >"$Z/replay.curl")
curl -K "$Z/replay.curl" >"$Z/replay.out" 2>"$Z/replay.err"
# one answer per request: the body, then "@@status"
Z_REPLAY=$(awk '/^@@[0-9]+$/ { n++; st = substr($0, 3); if (st == "200" && body ~ /"rejected" *: *\[\]/) good++; else if (bad == "") bad = st " " body; body = ""; next }
                { body = body $0 } END { printf "%d %d %s", n, good, bad }' "$Z/replay.out")
check_eq "all $Z_LINES requests of the dry run are answered 200 with nothing rejected" \
  "${Z_REPLAY%% *} $(cut -d' ' -f2 <<<"$Z_REPLAY")" "$Z_LINES $Z_LINES"
[ "$(cut -d' ' -f2 <<<"$Z_REPLAY")" = "$Z_LINES" ] || printf '#   first failure: %s\n' "$(cut -d' ' -f3- <<<"$Z_REPLAY" | cut -c1-400)"
# and what they stored: the dry run's 3,000-step company in this database, by its own ids
Z_RUNID=$(jq -r 'select(.path == "/api/revenue/customers") | .body[0].external_id' "$Z/a.jsonl" | head -1 | cut -d- -f3)
check_eq "the dry run's customers are stored (as many as its customer records name)" \
  "$(zsql "SELECT count(*) FROM customers WHERE external_id LIKE 'sim-7-$Z_RUNID-c%'")" \
  "$(jq -r 'select(.path == "/api/revenue/customers") | .body[].external_id' "$Z/a.jsonl" | sort -u | wc -l)"

# the key is written nowhere else: not in the simulator's log, nor any log of the stack
check_empty "the simulator's key appears in no log of the stack" \
  "$([ -n "$Z_KEY" ] && grep -rlF -- "$Z_KEY" "$Z_STACK/logs" "$Z_OUT" 2>/dev/null)"

# ---- 4. (first) stop: no simulator process is left, its PID files are gone
"$ROOT/scripts/stack.sh" stop "$Z_STACK" >"$Z/stop.out" 2>&1
Z_LEFT=""
for p in $Z_SUP $Z_CHILD; do kill -0 "$p" 2>/dev/null && Z_LEFT="$Z_LEFT $p"; done
check_eq "scripts/stack.sh stop: the simulator's supervisor and the simulator are gone, and their PID files" \
  "${Z_LEFT:-none}:$(ls "$Z_RUN"/simulator*.pid 2>/dev/null | wc -l)" "none:0"
check_eq "the simulator ended cleanly on SIGTERM (its last line: done)" \
  "$(grep -c 'northstar-simulate: done after [0-9]* steps' "$Z_STACK/logs/simulator.log")" 1

# ---- 3. a restart reuses the key in force; a revoked key stops it with what to do; the next
# start makes a new key
if ! z_start; then not_ok "the stack starts again" "$(tail -15 "$Z_OUT")"; done_testing; exit 0; fi
z_ports
check_eq "a restart reuses the simulator's key (still in force): same file, one key in force" \
  "$(grep -c 'LIVE=1: reusing the simulator' "$Z_OUT"):$([ "$(cat "$Z_RUN/simulator.key")" = "$Z_KEY" ] && echo same):$(zadmin key list | awk -F'\t' '$1 == "simulator" && $5 == "active"' | wc -l)" \
  "1:same:1"
zadmin key revoke simulator 2>/dev/null
timeout 60 "$SIM" --url "http://127.0.0.1:$Z_PORT" --key-file "$Z_RUN/simulator.key" --seed 9 --duration 30 \
  >"$Z/revoked.out" 2>"$Z/revoked.err"; rc=$?
check_eq "with a revoked key it exits non-zero (1), long before its 30 s" "$rc" 1
[ "$rc" = 1 ] || printf '#   %s\n' "$(tail -5 "$Z/revoked.err")"
check_eq "it says the key was refused (HTTP 401) and what to do (northstar-admin key add simulator …)" \
  "$(grep -c 'HTTP 401: .*northstar-admin key add simulator ingest:billing ingest:events ingest:marketing' "$Z/revoked.err")" 1
check_empty "it prints nothing on stdout, and never the key" "$(cat "$Z/revoked.out"; grep -F -- "$Z_KEY" "$Z/revoked.err")"
# the supervised one meets the same 401 on its next request and says so in its log (~30 s at most)
for _ in $(seq 1 60); do grep -q 'stopped: the API key was refused' "$Z_STACK/logs/simulator.log" && break; sleep 0.5; done
check_eq "the supervised simulator logs the refused key too" \
  "$(grep -c 'stopped: the API key was refused' "$Z_STACK/logs/simulator.log" | awk '{print ($1 >= 1)}')" 1
"$ROOT/scripts/stack.sh" stop "$Z_STACK" >/dev/null 2>&1
if ! z_start; then not_ok "the stack starts a third time" "$(tail -15 "$Z_OUT")"; done_testing; exit 0; fi
z_ports
Z_KEY2=$(cat "$Z_RUN/simulator.key" 2>/dev/null)
check_eq "after the revocation the next start makes a new key (another key, one in force, the old one revoked)" \
  "$(grep -c 'LIVE=1: a new API key for the simulator' "$Z_OUT"):$([[ $Z_KEY2 =~ ^nsk_ ]] && [ "$Z_KEY2" != "$Z_KEY" ] && echo new):$(zadmin key list | awk -F'\t' '$1 == "simulator" {print $5}' | sort | paste -sd' ')" \
  "1:new:active revoked"
Z_SUP=$(cat "$Z_RUN/simulator.supervisor.pid" 2>/dev/null)
for _ in $(seq 1 50); do [ -s "$Z_RUN/simulator.pid" ] && break; sleep 0.1; done
Z_CHILD=$(cat "$Z_RUN/simulator.pid" 2>/dev/null)
"$ROOT/scripts/stack.sh" stop "$Z_STACK" >/dev/null 2>&1
Z_LEFT=""
for p in $Z_SUP $Z_CHILD; do kill -0 "$p" 2>/dev/null && Z_LEFT="$Z_LEFT $p"; done
check_eq "and stop leaves no simulator process again (PIDs $Z_SUP, $Z_CHILD)" \
  "$([ -n "$Z_SUP" ] && [ -n "$Z_CHILD" ] && echo "${Z_LEFT:-none}")" none

# ---- LIVE=1 with DEMO=0 (a company's own data) never starts it
LIVE=1 DEMO=0 PORT=0 FAST=1 NS_INSTANCES=1 "$ROOT/scripts/stack.sh" start "$Z_STACK" >"$Z_OUT" 2>&1; rc=$?
check_eq "LIVE=1 DEMO=0: the stack starts without the simulator, and says so" \
  "$rc:$(grep -c 'LIVE=1: the simulator is not started' "$Z_OUT"):$(ls "$Z_RUN"/simulator*.pid 2>/dev/null | wc -l)" "0:1:0"

done_testing
