# t-soak.sh — a bounded soak: mixed endpoints, all three roles, 64
# connections on loopback for SOAK_SECONDS (20 in make test, 300 in make
# soak).  No 5xx, no memory growth, no leaked descriptors or connections.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SOAK=${SOAK_SECONDS:-20}
declare -A SOAK_TOK=([ceo]=$(login ceo@northstar.example) [cs]=$(login cs2@northstar.example) [sales]=$(login sales2@northstar.example))
# Each role's GET routes (no {id}, no stream), half of them uncached.
lua=$T_TMP/soak.lua
{
  # Requests are built in init(): wrk.format needs the thread's Host.
  echo "local reqs = {}"
  echo "function build()"
  while IFS=$'\t' read -r svc method path roles cache params csvkey sqltext; do
    [ "$method" = GET ] && [ "$roles" != public ] || continue
    case "$path" in *"{id}"*|/api/auth/live) continue;; esac
    for role in ceo cs sales; do
      [[ ",$roles" == *",$role,"* ]] || continue
      echo "reqs[#reqs+1] = wrk.format('GET', '$path', {['Authorization']='Bearer ${SOAK_TOK[$role]}'})"
      echo "reqs[#reqs+1] = wrk.format('GET', '$path', {['Authorization']='Bearer ${SOAK_TOK[$role]}', ['X-No-Cache']='1'})"
    done
  done < <(for s in revenue users marketing product alerts forecast; do "${NS_BUILD:-$ROOT/build}/$s" --routes; done)
  echo "end"
  cat <<'LUA'
local threads = {}
function setup(t) table.insert(threads, t) end
function init() build(); n5xx = 0; n2xx = 0; n = 0; math.randomseed(os.time() + math.floor(os.clock() * 1e6)) end
function request() return reqs[math.random(#reqs)] end
function response(status)
  n = n + 1
  if status >= 500 then n5xx = n5xx + 1 elseif status < 300 then n2xx = n2xx + 1 end
end
function done()
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do a = a + t:get("n5xx"); b = b + t:get("n"); c = c + t:get("n2xx") end
  io.write(string.format("SOAK responses=%d errors5xx=%d ok2xx=%d\n", b, a, c))
end
LUA
} >"$lua"
rss_all() { for f in "$T_RUN"/*.[0-9].pid; do ps -o rss= -p "$(cat "$f")"; done | awk '{s += $1} END {print s}'; }
fds_all() { for f in "$T_RUN"/*.[0-9].pid; do ls "/proc/$(cat "$f")/fd" | wc -l; done | awk '{s += $1} END {print s}'; }
conns() { sql "SELECT count(*) FROM pg_stat_activity WHERE datname = 'northstar' AND backend_type = 'client backend'"; }
# warm every worker's connections and statements first
wrk -t2 -c64 -d3s -s "$lua" "http://127.0.0.1:$T_PORT" >/dev/null 2>&1
rss0=$(rss_all); fds0=$(fds_all); c0=$(conns)
out=$(wrk -t2 -c64 -d"${SOAK}s" --timeout 10s -s "$lua" "http://127.0.0.1:$T_PORT" 2>&1)
rss1=$(rss_all); fds1=$(fds_all); c1=$(conns)
line=$(grep '^SOAK' <<<"$out"); n=$(sed 's/.*responses=\([0-9]*\).*/\1/' <<<"$line"); e=$(sed 's/.*errors5xx=\([0-9]*\).*/\1/' <<<"$line")
echo "# soak ${SOAK}s: $line; $(grep -E 'Requests/sec' <<<"$out"); RSS ${rss0} → ${rss1} kB; fds ${fds0} → ${fds1}; connections ${c0} → ${c1}"
[ -n "$n" ] && [ "$n" -gt 100 ] && ok "soak: $n mixed requests from three roles in ${SOAK}s" || not_ok "soak ran" "$out"
check_eq "soak: no 5xx answers" "$e" 0
[ "$e" = 0 ] || awk '$9 >= 500 {print $9, $7}' "$T_DIR/logs/nginx-access.log" | sed 's/?.*//' | sort | uniq -c | sort -rn | head -8 | sed 's/^/#   /'
n2=$(sed 's/.*ok2xx=\([0-9]*\).*/\1/' <<<"$line")
[ "$n2" -ge $((n * 9 / 10)) ] && ok "soak: at least 90 % of the answers are 2xx ($n2 of $n; the rest 422 where history is short)" \
  || not_ok "soak: at least 90 % of the answers are 2xx" "$n2 of $n"
growth=$(( (rss1 - rss0) / 1024 ))
# AddressSanitizer's quarantine grows by design: no memory verdict there.
[ "${T_SANITIZER:-0}" = 1 ] && growth=0
[ "$growth" -le 4 ] && ok "soak: services' memory grew by ${growth} MB at most (all processes)" || not_ok "soak: no memory growth" "${rss0} → ${rss1} kB"
[ "$fds1" -le $((fds0 + 2)) ] && ok "soak: no descriptor leak in the services ($fds0 → $fds1)" \
  || not_ok "soak: no descriptor leak in the services" "$fds0 → $fds1"
[ "$c1" -le "$c0" ] && ok "soak: database connections stable ($c0 → $c1)" || not_ok "soak: database connections stable" "$c0 → $c1"
done_testing
