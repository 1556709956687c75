#!/bin/sh
# nginx-entrypoint.sh — fill the shared nginx template for containers:
# services are reached over TCP (service:9000) instead of unix sockets;
# the live stream's publisher location listens on port 8081 of the
# containers' network, never published to the host (docs/live.md).
set -eu
mkdir -p /var/cache/northstar /tmp/nginx
sed -e "s|listen 127.0.0.1:@PORT@|listen 80|" \
    -e "s|@WEB@|/usr/share/northstar/web|g" -e "s|@PREFIX@|/tmp/nginx|g" \
    -e "s|@CACHE@|/var/cache/northstar|g" -e "s|@LOGS@|/var/log/nginx|g" \
    -e "s|@USER@||g" -e "s|@NGINX@|/etc/northstar|g" -e "s|@LOGIN_RATE@|${LOGIN_RATE:-30r/m}|g" \
    -e "s|@INGEST_RATE@|${INGEST_RATE:-50r/s}|g" -e "s|@INGEST_BURST@|${INGEST_BURST:-100}|g" \
    -e "s|@LIVE_RECHECK@|${NS_LIVE_RECHECK_SECONDS:-60}|g" -e "s|@LIVE_BUFFER@|${NS_LIVE_BUFFER:-500}|g" \
    -e "s|listen unix:@RUN@/live/live.sock|listen 8081|" \
    -e "s|@UPSTREAM:\([a-z]*\)@|\1:9000|g" /etc/northstar/nginx.conf.in >/etc/nginx/nginx.conf
mkdir -p /tmp/nginx/temp
exec nginx -c /etc/nginx/nginx.conf
