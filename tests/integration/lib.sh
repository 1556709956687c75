# lib.sh — helpers for the integration tests.  Each t-*.sh file is its
# own TAP producer, run by prove from tests/integration/run.sh:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"      # first line of the file
#   …checks…
#   done_testing                                   # last line: the plan
#
# Every check prints one TAP line; a failure says what was expected and
# what came.  A file that stops before done_testing has no plan, which
# prove counts as a failure.  The stack's environment (T_PORT, T_RUN,
# T_PGPORT, T_DIR, T_TMP, ROOT) is exported by run.sh; to run one file
# by hand against a stack kept with T_KEEP=1, point T_ENV at its env file:
#   T_ENV=/tmp/northstar-test.XXXXXX/env bash tests/integration/t-revenue.sh
set -u
if [ -z "${T_PORT:-}" ] && [ -n "${T_ENV:-}" ]; then . "$T_ENV"; fi
: "${T_PORT:?not set: run through tests/integration/run.sh (or set T_ENV)}"
: "${T_RUN:?}" "${T_PGPORT:?}" "${T_DIR:?}" "${T_TMP:?}" "${ROOT:?}"
. "$ROOT/scripts/ports.sh"   # port_free, free_port: a port for a server a file starts itself

T_N=0
ok()     { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
not_ok() { T_N=$((T_N + 1)); echo "not ok $T_N - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /'; return 0; }
done_testing() { echo "1..$T_N"; }

# defer COMMAND — run COMMAND (a string, for eval) when the file exits,
# however it exits; background jobs still running are stopped too.
T_DEFER=()
defer() { T_DEFER+=("$1"); }
t_cleanup() {
  local i
  for ((i = ${#T_DEFER[@]} - 1; i >= 0; i--)); do eval "${T_DEFER[i]}" >/dev/null 2>&1; done
  local pids; pids=$(jobs -pr)
  [ -n "$pids" ] && kill $pids 2>/dev/null
  return 0
}
trap t_cleanup EXIT

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
# cached in T_TMP across files (sign-in is rate-limited per address), but
# one older than 2 minutes is renewed: a file gets a token with most of
# its NS_TOKEN_TTL (an hour in tests/integration/run.sh) ahead, however long the files before it took.
login() {
  local f=$T_TMP/token-$1
  if [ ! -s "$f" ] || [ -n "$(find "$f" -mmin +2 2>/dev/null)" ]; then
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
# check_eq DESC GOT EXPECTED — equal strings.  Two empty strings are a
# failure (a failed jq or psql gives nothing on both sides): a test that
# means "nothing" says so with check_empty.
check_eq() {
  if [ -z "$2" ] && [ -z "$3" ]; then not_ok "$1" "both sides are empty (use check_empty to expect nothing)"
  elif [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$3', got '$2'"; fi
}
check_empty() {  # check_empty DESC GOT — GOT is the empty string
  if [ -z "$2" ]; then ok "$1"; else not_ok "$1" "expected nothing, got '${2:0:300}'"; fi
}
# check_num DESC GOT EXPECTED — equal as decimal numbers; both must be
# numbers (null = null, true = true or a missing value is a failure).
check_num() {
  if [ -n "$2" ] && [ -n "$3" ] &&
     [ "$(jq -n "(($2) | type) == \"number\" and (($3) | type) == \"number\" and ($2) == ($3)" 2>/dev/null)" = true ]; then ok "$1"
  else not_ok "$1" "expected $3, got $2"; fi
}
# jq_eq DESC GOT_JSON WANT_JSON — equal as JSON (numbers compared as
# numbers, key order ignored); a null or unparsable side is a failure.
jq_eq() {
  local a b
  a=$(jq -S -c . <<<"$2" 2>/dev/null); b=$(jq -S -c . <<<"$3" 2>/dev/null)
  if [ -n "$a" ] && [ "$a" != null ] && [ "$a" = "$b" ]; then ok "$1"; else not_ok "$1" "expected ${b:0:600} got ${a:0:600}"; fi
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
