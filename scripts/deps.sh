#!/usr/bin/env bash
# deps.sh [test] — install the Debian packages Northstar needs, only those
# missing; with "test", also what the test suites need (Chromium).
# Runs as root, or through sudo.  Quiet when everything is already there.
set -euo pipefail

PACKAGES=(
  build-essential pkg-config              # compiler and pkg-config for the libraries below
  libfcgi-dev libpq-dev libcjson-dev libjwt-dev libcmocka-dev libcurl4-openssl-dev
  libssl-dev                              # SHA-256 of API keys (libcrypto)
  postgresql postgresql-contrib postgresql-15-pgtap   # server, pgcrypto, postgres_fdw and dblink (SHARDS=N), pgTAP for SQL tests
  pgbouncer                               # the services' connection pool with SHARDS=N (docs/operations.md, "Sharding")
  nginx libnginx-mod-nchan curl jq wrk ca-certificates   # nchan: the live stream (docs/live.md)
  libnginx-mod-http-set-misc              # set_hmac_sha256: the cache key's credential hash (nginx/api-cache.conf)
  libcairo2-dev libpango1.0-dev fonts-dejavu-core   # the reports' PDF and chart images (services/alerts/render.c), in DejaVu Sans
)

# Tests also drive Chromium, build libFuzzer harnesses with clang, run
# the pgTAP files with pg_prove (prove itself comes with perl), read the
# reports back with poppler's pdftotext, pdfinfo and pdftoppm, and receive
# the scheduled reports' e-mail with a real SMTP server (aiosmtpd).
[ "${1:-}" = test ] && PACKAGES+=(chromium clang libclang-rt-14-dev
                                  perl libtap-parser-sourcehandler-pgtap-perl poppler-utils
                                  python3-aiosmtpd)
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs npm)   # web build (esbuild) and browser tests

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "==> packages installed"
fi

# The compose file is checked with docker-compose when it is available;
# Debian's package pulls the whole engine unless recommends are skipped.
if ! command -v docker-compose >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "==> installing docker-compose (to validate docker-compose.yml only)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 \
    || echo "    docker-compose not available; the compose check will be skipped"
fi
