# t-hostile.sh — hostile input on every parameter of every GET endpoint,
# read from the routing tables: each case expects one status — a 400 JSON
# error that names the parameter, or a 200 for the few hostile-looking
# values that are valid for their parameter (listed below).  Plus CSV
# export on every list, and transport-level abuse.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CEO=$(login ceo@northstar.example)
BAD_VALUES=("'" "1;DROP%20TABLE%20customers" "99999999999999999999" "-1" "0" "2026-02-30"
            "%00" "%FF%FE" "%C0%AF" "1e308" "NaN" "%27%20OR%201%3D1--" "2026-02-28%00"
            "$(printf 'x%.0s' $(seq 1 600))")
# The hostile values that are valid for their parameter, so answered 200:
# offset is an integer from 0, a percentage change may be 0 or negative,
# a tag is any word of letters, digits and _.-/ (filtering finds nothing).
declare -A VALID_200=([offset=0]=1 [growth_pct=0]=1 [growth_pct=-1]=1 [burn_change_pct=0]=1 [burn_change_pct=-1]=1
  [tag=99999999999999999999]=1 [tag=-1]=1 [tag=0]=1 [tag=2026-02-30]=1 [tag=1e308]=1 [tag=NaN]=1)
hostile_bad=(); csv_bad=(); csv_n=0
H_WANT=(); H_NAME=(); H_URL=()   # the cases: expected status, parameter it must name, path?query
while IFS=$'\t' read -r svc method path roles cache params csvkey sqltext; do
  [ "$method" = GET ] && [ "$roles" != public ] || continue
  case "$path" in *"{id}"*) path=${path//\{id\}/1};; esac
  case "$path" in /api/auth/live) continue;; esac   # internal to nginx (its auth_request; t-live.sh)
  IFS=, read -ra plist <<<"$params"
  for p in "${plist[@]}"; do
    [ "$p" = - ] && continue
    name=${p%%:*}
    for v in "${BAD_VALUES[@]}"; do
      want=400; [ -n "${VALID_200[$name=$v]:-}" ] && want=200
      H_WANT+=("$want"); H_NAME+=("$name"); H_URL+=("$path?$name=$v")
    done
  done
  # an unknown parameter and junk in the query string: 400; empty pairs (&&&) are nothing, 200
  for q in "zzz=1" "%ZZ=1" "a=%" "&&&" "=1"; do
    want=400; [ "$q" = "&&&" ] && want=200
    H_WANT+=("$want"); H_NAME+=(""); H_URL+=("$path?$q")
  done
  if [ "$csvkey" != - ]; then
    csv_n=$((csv_n + 1))
    api GET "$path?format=csv" "$CEO"
    ct=$(header Content-Type); cd=$(header Content-Disposition)
    csv=$BODY
    if [ "$STATUS" != 200 ] || [[ "$ct" != text/csv* ]] || [[ "$cd" != *filename=*.csv* ]]; then
      csv_bad+=("$path: $STATUS $ct $cd")
    elif [ -z "$csv" ]; then   # an empty list exports an empty file, nothing else
      api GET "$path" "$CEO"
      [ "$(jq --arg k "$csvkey" '.[$k] | length' <<<"$BODY")" = 0 ] || csv_bad+=("$path: empty CSV for a non-empty list")
    fi
  fi
done < <(for s in revenue users marketing product alerts forecast; do "${NS_BUILD:-$ROOT/build}/$s" --routes; done)
# Every case through one curl (four at a time, like api(): the CEO's token,
# no cache): case i's answer in $hdir/i, its status in $hdir/status; then
# one jq reads the error code and message of every answer that must be a 400.
hostile_n=${#H_URL[@]}
hdir=$T_TMP/hostile; mkdir -p "$hdir"
for i in "${!H_URL[@]}"; do
  printf 'url = "http://127.0.0.1:%s%s"\noutput = "%s/%d"\n' "$T_PORT" "${H_URL[i]}" "$hdir" "$i"
done >"$hdir/curl.conf"
curl -s --no-progress-meter --globoff --parallel --parallel-max 4 -H "Authorization: Bearer $CEO" -H "X-No-Cache: 1" \
  -w '%{filename_effective}\t%{http_code}\n' -K "$hdir/curl.conf" >"$hdir/status" 2>"$hdir/curl.err"
declare -A H_STATUS=() H_CODE=() H_MSG=()
while IFS=$'\t' read -r f code; do H_STATUS[${f##*/}]=$code; done <"$hdir/status"
files=(); for i in "${!H_URL[@]}"; do [ "${H_WANT[i]}" = 400 ] && [ -f "$hdir/$i" ] && files+=("$hdir/$i"); done
# (awk: the answers end without a newline; jq -R would run them together)
awk 'FNR == 1 { n = split(FILENAME, p, "/"); print p[n] "\t" $0 }' "${files[@]}" </dev/null |
  jq -Rr 'index("\t") as $t | (.[$t + 1:] | fromjson? // null) as $j
          | [.[:$t], (($j | objects | .error.code) // "-"), (($j | objects | .error.message) // "-")] | @tsv' >"$hdir/errors"
while IFS=$'\t' read -r i code msg; do H_CODE[$i]=$code; H_MSG[$i]=$msg; done <"$hdir/errors"
for i in "${!H_URL[@]}"; do
  u=${H_URL[i]:0:80} st=${H_STATUS[$i]:-none} want=${H_WANT[i]} name=${H_NAME[i]}
  if [ "$st" != "$want" ]; then
    hostile_bad+=("$u → $st, expected $want: $(head -c 100 "$hdir/$i" 2>/dev/null)")
  elif [ "$want" = 400 ] && { [ "${H_CODE[$i]:--}" != bad_request ] || [ "${H_MSG[$i]:--}" = - ] || [[ "${H_MSG[$i]}" != *"$name"* ]]; }; then
    hostile_bad+=("$u → $st without the JSON error naming '${name:-the problem}': $(head -c 100 "$hdir/$i")")
  fi
done
if [ "${#hostile_bad[@]}" = 0 ]; then ok "hostile input: $hostile_n bad parameter values on every GET endpoint, each answered with its one expected status, every 400 names its parameter"
else not_ok "hostile input on every GET endpoint parameter (${#hostile_bad[@]} of $hostile_n wrong)" "$(printf '%s | ' "${hostile_bad[@]:0:8}")"; fi
if [ "${#csv_bad[@]}" = 0 ]; then ok "CSV export: all $csv_n list endpoints answer text/csv with a file name and a header row"
else not_ok "CSV export on every list endpoint" "$(printf '%s | ' "${csv_bad[@]}")"; fi

# Transport-level abuse.  nginx refuses these itself, in the JSON error
# shape (nginx/api-errors.conf; every status in t-nginx-errors.sh).
api GET "/api/revenue/summary?$(printf 'a%.0s' $(seq 1 9000))" "$CEO"
check_error "an over-long URL is refused with 414" 414 uri_too_long
api GET /api/revenue/summary "$CEO" -H "X-Big: $(printf 'b%.0s' $(seq 1 9000))"
check_error "an over-long header is refused with 400" 400 bad_request
# Every request body must be UTF-8 (http.c, before any handler): a login body
# that is not is a 400 saying so, whatever the e-mail (nothing about the account).
api POST /api/auth/login "" -H 'Content-Type: application/json' --data-binary $'{"email":"\xff\xfe","password":"x"}'
check_error "invalid UTF-8 in a JSON login body is refused (400, the body is not UTF-8)" 400 bad_request
api POST /api/auth/login "" -H 'Content-Type: application/json' --data-binary "$(head -c 70000 /dev/zero | tr '\0' 'a')"
check_error "a body over 64 KB is a 413" 413 payload_too_large
# Dot segments, sent as typed (--path-as-is; curl would resolve them
# itself): nginx resolves them before routing, so inside /api/ they only
# name another route, answered as that route; above the root they are a 400.
api GET "/api/revenue/summary/../../auth/me" "$CEO" --path-as-is
check_eq "dot segments are resolved before routing: /api/revenue/summary/../../auth/me is /api/auth/me" \
  "$STATUS $(jq -r '.email // empty' <<<"$BODY" 2>/dev/null)" "200 ceo@northstar.example"
api GET "/api/revenue/../../../etc/passwd" "$CEO" --path-as-is
check_error "dot segments above the root are refused with 400" 400 bad_request
api GET "/api/revenue/%2e%2e/%2e%2e/%2e%2e/etc/passwd" "$CEO" --path-as-is
check_error "encoded dot segments above the root are refused with 400" 400 bad_request
done_testing
