# nginx.Dockerfile — nginx for docker-compose: Debian 12's nginx with the
# nchan module (the live stream, docs/live.md) and set-misc (the cache
# key's credential hash, nginx/api-cache.conf), as on the development
# machines; the official nginx image has neither.
FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      nginx libnginx-mod-nchan libnginx-mod-http-set-misc curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
