#!/usr/bin/env bash
# web-build.sh — build the single-page app into web/dist (make run, make test).
# Installs the npm packages from web/package-lock.json (npm ci) only when
# web/node_modules is missing or the lock file changed since the last
# install, then bundles with esbuild (sub-second).  Safe to run again.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WEB=$ROOT/web
say() { printf '==> %s\n' "$*"; }
die() { printf 'error: web-build: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "node is not installed (apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (apt-get install npm)"
[ -f "$WEB/package-lock.json" ] || die "web/package-lock.json is missing"

stamp=$WEB/node_modules/.northstar-lock.sha256
want=$(sha256sum "$WEB/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$WEB/node_modules" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing web packages (npm ci)"
  (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed (is the npm registry reachable?)"
  echo "$want" >"$stamp"
fi

say "building web/dist"
(cd "$WEB" && node build.mjs) || die "the web build failed (see the esbuild errors above)"
[ -f "$WEB/dist/index.html" ] || die "web/dist/index.html was not written"
