#!/bin/sh
# nginx-entrypoint.sh — fill the shared nginx template for containers:
# services are reached over TCP (service:9000) instead of unix sockets.
set -eu
mkdir -p /var/cache/northstar /tmp/nginx
sed -e "s|listen 127.0.0.1:@PORT@|listen 80|" \
    -e "s|@WEB@|/usr/share/northstar/web|g" -e "s|@PREFIX@|/tmp/nginx|g" \
    -e "s|@CACHE@|/var/cache/northstar|g" -e "s|@LOGS@|/var/log/nginx|g" \
    -e "s|@USER@||g" -e "s|@NGINX@|/etc/northstar|g" -e "s|@LOGIN_RATE@|${LOGIN_RATE:-10r/m}|g" \
    -e "s|@UPSTREAM:\([a-z]*\)@|\1:9000|g" /etc/northstar/nginx.conf.in >/etc/nginx/nginx.conf
mkdir -p /tmp/nginx/temp
exec nginx -c /etc/nginx/nginx.conf
