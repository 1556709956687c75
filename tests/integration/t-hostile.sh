# t-hostile.sh — hostile input on every parameter of every GET endpoint,
# read from the routing tables: never a 5xx, and every refusal is a 4xx
# JSON error that names the parameter.  Plus CSV export on every list.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CEO=$(login ceo@northstar.example)
BAD_VALUES=("'" "1;DROP%20TABLE%20customers" "99999999999999999999" "-1" "0" "2026-02-30"
            "%00" "%FF%FE" "%C0%AF" "1e308" "NaN" "%27%20OR%201%3D1--" "2026-02-28%00"
            "$(printf 'x%.0s' $(seq 1 600))")
hostile_bad=(); hostile_n=0; csv_bad=(); csv_n=0
while IFS=$'\t' read -r svc method path roles cache params csvkey sqltext; do
  [ "$method" = GET ] && [ "$roles" != public ] || continue
  case "$path" in *"{id}"*) path=${path//\{id\}/1};; esac
  case "$path" in */stream) continue;; esac
  IFS=, read -ra plist <<<"$params"
  for p in "${plist[@]}"; do
    [ "$p" = - ] && continue
    name=${p%%:*}
    for v in "${BAD_VALUES[@]}"; do
      hostile_n=$((hostile_n + 1))
      api GET "$path?$name=$v" "$CEO"
      case "$STATUS" in
        2??) ;;
        4??) jq -e --arg n "$name" '.error.code and (.error.message | contains($n))' <<<"$BODY" >/dev/null 2>&1 \
               || hostile_bad+=("$path?$name=${v:0:30} → $STATUS without naming $name: ${BODY:0:100}") ;;
        *) hostile_bad+=("$path?$name=${v:0:30} → $STATUS ${BODY:0:100}") ;;
      esac
    done
  done
  # unknown and repeated parameters, and junk in the query string
  for q in "zzz=1" "%ZZ=1" "a=%" "&&&" "=1"; do
    hostile_n=$((hostile_n + 1))
    api GET "$path?$q" "$CEO"
    case "$STATUS" in 4??) jq -e '.error.message' <<<"$BODY" >/dev/null 2>&1 || hostile_bad+=("$path?$q → $STATUS not JSON");;
      2??) [ "$q" = "&&&" ] || hostile_bad+=("$path?$q → $STATUS (should be refused)");;
      *) hostile_bad+=("$path?$q → $STATUS");; esac
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
if [ "${#hostile_bad[@]}" = 0 ]; then ok "hostile input: $hostile_n bad parameter values on every GET endpoint, no 5xx, every refusal names its parameter"
else not_ok "hostile input on every GET endpoint parameter (${#hostile_bad[@]} of $hostile_n wrong)" "$(printf '%s | ' "${hostile_bad[@]:0:8}")"; fi
if [ "${#csv_bad[@]}" = 0 ]; then ok "CSV export: all $csv_n list endpoints answer text/csv with a file name and a header row"
else not_ok "CSV export on every list endpoint" "$(printf '%s | ' "${csv_bad[@]}")"; fi

# Transport-level abuse, handled by nginx in the same JSON shape.
api GET "/api/revenue/summary?$(printf 'a%.0s' $(seq 1 9000))" "$CEO"
case "$STATUS" in 414|400) ok "an over-long URL is refused with $STATUS";; *) not_ok "an over-long URL is refused" "got $STATUS";; esac
api GET /api/revenue/summary "$CEO" -H "X-Big: $(printf 'b%.0s' $(seq 1 9000))"
case "$STATUS" in 4??) ok "an over-long header is refused with $STATUS";; *) not_ok "an over-long header is refused" "got $STATUS";; esac
api POST /api/auth/login "" -H 'Content-Type: application/json' --data-binary $'{"email":"\xff\xfe","password":"x"}'
case "$STATUS" in 400|401) ok "invalid UTF-8 in a JSON body is refused ($STATUS)";; *) not_ok "invalid UTF-8 in a JSON body is refused" "got $STATUS $BODY";; esac
api POST /api/auth/login "" -H 'Content-Type: application/json' --data-binary "$(head -c 70000 /dev/zero | tr '\0' 'a')"
check_error "a body over 64 KB is a 413" 413 payload_too_large
api GET "/api/revenue/summary/../../auth/me" "$CEO"
case "$STATUS" in 2??|4??) ok "dot segments in the path do not escape the route table ($STATUS)";; *) not_ok "dot segments" "$STATUS";; esac
done_testing
