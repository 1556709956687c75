# lib.sh — helpers for the integration tests (sourced).  Every check
# prints one TAP line; a failure says what was expected and what came.
T_N=0
ok()     { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
not_ok() { T_N=$((T_N + 1)); echo "not ok $T_N - $1"; [ -n "${2:-}" ] && printf '#   %s\n' "$2"; return 0; }

# api METHOD PATH [TOKEN] [extra curl args…] — sets STATUS, BODY, HEADERS.
# Answers bypass nginx's cache (X-No-Cache), so a figure is always
# compared fresh with the raw tables; T_CACHE=1 api … goes through it.
api() {
  local method=$1 path=$2 tok=${3:-}; shift 3 2>/dev/null || shift $#
  local auth=()
  [ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
  [ "${T_CACHE:-0}" = 1 ] || auth+=(-H "X-No-Cache: 1")
  HEADERS=$(mktemp -p "$T_TMP")
  BODY=$(curl -s -X "$method" -D "$HEADERS" -o - -w '\n%{http_code}' "${auth[@]}" "$@" \
         "http://127.0.0.1:$T_PORT$path")
  STATUS=${BODY##*$'\n'}; BODY=${BODY%$'\n'*}
}
header() { grep -i "^$1:" "$HEADERS" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# login EMAIL — echoes a session token for a demo user.  Tokens are
# cached for the whole run: sign-in is rate-limited per address (10/min).
login() {
  local f=$T_TMP/token-$1
  if [ ! -s "$f" ]; then
    curl -s -X POST -H 'Content-Type: application/json' \
      -d "{\"email\":\"$1\",\"password\":\"northstar-demo\"}" \
      "http://127.0.0.1:$T_PORT/api/auth/login" | jq -r '.token // empty' >"$f"
  fi
  cat "$f"
}

sql() { psql -X -qtA -v ON_ERROR_STOP=1 -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar -c "$1"; }

check_status() {  # check_status DESC EXPECTED
  if [ "$STATUS" = "$2" ]; then ok "$1"; else not_ok "$1" "expected HTTP $2, got $STATUS: ${BODY:0:300}"; fi
}
check_eq() {  # check_eq DESC GOT EXPECTED
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$3', got '$2'"; fi
}
check_num() {  # check_num DESC GOT EXPECTED — equal as decimal numbers
  if [ -n "$2" ] && [ -n "$3" ] && [ "$(jq -n "($2) == ($3)" 2>/dev/null)" = true ]; then ok "$1"
  else not_ok "$1" "expected $3, got $2"; fi
}
# check_error DESC STATUS CODE — JSON error shape with this status and code
check_error() {
  local code msg
  code=$(jq -r '.error.code // empty' <<<"$BODY" 2>/dev/null)
  msg=$(jq -r '.error.message // empty' <<<"$BODY" 2>/dev/null)
  if [ "$STATUS" = "$2" ] && [ "$code" = "$3" ] && [ -n "$msg" ]; then ok "$1"
  else not_ok "$1" "expected $2 {error:{code:$3,message}}, got $STATUS ${BODY:0:300}"; fi
}
# check_error_names DESC WORD — the error message names WORD
check_error_names() {
  if jq -r '.error.message' <<<"$BODY" 2>/dev/null | grep -qF "$2"; then ok "$1"
  else not_ok "$1" "error message should name '$2': ${BODY:0:300}"; fi
}
