#!/bin/sh
# nginx-entrypoint.sh — fill the shared nginx template for containers:
# services are reached over TCP (service:9000) instead of unix sockets;
# the live stream's publisher location listens on port 8081 of the
# containers' network, never published to the host (docs/live.md).
set -eu
mkdir -p /var/cache/northstar /tmp/nginx/conf
# the cache key's secret (nginx/api-cache.conf): new for each container, 0600, never in the image
[ -s /tmp/nginx/conf/cache-key.conf ] || (umask 077; printf 'set $ns_cache_secret "%s";\n' \
  "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >/tmp/nginx/conf/cache-key.conf)
case ${NS_CACHE_MAX_AGE_SECONDS:-600} in
  10) period_chars=18 ;; 60) period_chars=16 ;; 600) period_chars=15 ;; 3600) period_chars=13 ;;
  *) echo "NS_CACHE_MAX_AGE_SECONDS: one of 10, 60, 600 or 3600" >&2; exit 1 ;;
esac
sed -e "s|listen 127.0.0.1:@PORT@|listen 80|" \
    -e "s|@WEB@|/usr/share/northstar/web|g" -e "s|@PREFIX@|/tmp/nginx|g" \
    -e "s|@CACHE@|/var/cache/northstar|g" -e "s|@LOGS@|/var/log/nginx|g" \
    -e "s|@USER@||g" -e "s|@NGINX@|/etc/northstar|g" -e "s|@LOGIN_RATE@|${LOGIN_RATE:-30r/m}|g" \
    -e "s|@INGEST_RATE@|${INGEST_RATE:-50r/s}|g" -e "s|@INGEST_BURST@|${INGEST_BURST:-100}|g" \
    -e "s|@LIVE_RECHECK@|${NS_LIVE_RECHECK_SECONDS:-60}|g" -e "s|@LIVE_BUFFER@|${NS_LIVE_BUFFER:-500}|g" \
    -e "s|@CONN_LIMIT@|${CONN_LIMIT:-256}|g" -e "s|@UPSTREAM_TIMEOUT@|${UPSTREAM_TIMEOUT:-30s}|g" \
    -e "s|@CACHE_PERIOD_CHARS@|$period_chars|g" \
    -e "s|listen unix:@RUN@/live/live.sock|listen 8081|" \
    -e "s|@UPSTREAM:\([a-z]*\)@|\1:9000|g" /etc/northstar/nginx.conf.in >/etc/nginx/nginx.conf
mkdir -p /tmp/nginx/temp
exec nginx -c /etc/nginx/nginx.conf
