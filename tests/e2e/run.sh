#!/usr/bin/env bash
# run.sh — the browser tests: build web/dist, start a throw-away stack on a
# free port (always stopped on exit), run tests/e2e/*.test.js in Debian's
# chromium through playwright-core with node's test runner, print flat TAP
# (tap-reporter.mjs: one line per test, for TAP::Parser).
#
#   tests/e2e/run.sh              (env: NS_BUILD for service binaries elsewhere,
#                                  SCALE, default 0.02; NS_URL=http://… to test a
#                                  running stack instead of starting one, with
#                                  NS_E2E_STACK=its directory for the tests that
#                                  write records (live.test.js); T_ONLY's *.test.js
#                                  names run those files only)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export ANCHOR=${ANCHOR:-now}   # demo data up to each stack's load (tests/run.sh says why)
E2E=$ROOT/tests/e2e
say() { printf '# %s\n' "$*"; }   # TAP comments
die() { printf 'Bail out! %s\n' "$*"; exit 1; }

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || die "$CHROMIUM is missing: apt-get install -y --no-install-recommends chromium (scripts/deps.sh)"
command -v node >/dev/null 2>&1 || die "node is missing"

# Test dependencies (playwright-core only; it never downloads a browser).
stamp=$E2E/node_modules/.northstar-lock.sha256
want=$(sha256sum "$E2E/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$E2E/node_modules" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing test packages (npm ci)"
  (cd "$E2E" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed in tests/e2e"
  echo "$want" >"$stamp"
fi

"$ROOT/scripts/web-build.sh" 2>&1 | sed 's/^/# /' || die "web build failed"

if [ -z "${NS_URL:-}" ]; then
  STACK=$(mktemp -d /tmp/ns-e2e.XXXXXX)
  cleanup() {
    "$ROOT/scripts/stack.sh" stop "$STACK" >/dev/null 2>&1 || true
    rm -rf "$STACK"
  }
  trap cleanup EXIT INT TERM
  . "$ROOT/scripts/ports.sh"
  port=$(free_port) || die "no free port"
  say "starting a throw-away stack on port $port in $STACK"
  if ! PORT=$port FAST=1 SCALE=${SCALE:-0.02} "$ROOT/scripts/stack.sh" start "$STACK" >"$STACK/stack.out" 2>&1; then
    sed 's/^/# /' "$STACK/stack.out"
    die "the stack did not start"
  fi
  export NS_URL=http://127.0.0.1:$port
  # The stack's directory: live.test.js makes its API key and cleans up its rows there.
  export NS_E2E_STACK=$STACK
  export PGPASSFILE=$STACK/secrets/pgpass   # the stack's database passwords (scripts/stack.sh)
fi

mkdir -p "$ROOT/tests/artifacts"
cd "$E2E"
rc=0
files=()
for w in ${T_ONLY:-}; do
  case $w in *.test.js) [ -f "$w" ] || die "no browser test file $w in tests/e2e"; files+=("./$w");; esac
done
[ "${#files[@]}" -gt 0 ] || files=(./*.test.js)
node --test --test-reporter=./tap-reporter.mjs --test-concurrency=1 "${files[@]}" || rc=$?
say "screenshots in tests/artifacts/"
exit $rc
