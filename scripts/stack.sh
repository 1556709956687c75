#!/usr/bin/env bash
# stack.sh — start or stop a whole Northstar stack in one directory:
# a PostgreSQL cluster, the six services and nginx.  `make run` uses var/,
# the tests a temporary directory with free ports.
#
#   scripts/stack.sh start DIR     (env: PORT (0: a free one, see DIR/run/http.port), SCALE,
#                                   DEMO=1|0 (0: empty, one CEO account NS_ADMIN_EMAIL), NS_TZ, NS_CURRENCY, FAST=1,
#                                   ANCHOR='2026-03-31 12:00+00': the demo data's "now" (default:
#                                   the start of today, the same data all day; 'now': this instant),
#                                   INGEST_RATE, INGEST_BURST,
#                                   NS_STRIPE_WEBHOOK_SECRET_FILE: the Stripe endpoint's
#                                   signing secret, passed to the services when set,
#                                   LIVE=0|1 (1: the simulator keeps the company moving through
#                                   the ingestion API, docs/live.md; default 0, frozen data for
#                                   the tests), LIVE_RATE (actions a second, 5), LIVE_SEED (1))
#   scripts/stack.sh stop DIR      (the simulator first, then nginx, the services, PostgreSQL)
#   scripts/stack.sh pg-stop|pg-start DIR   (fault tests: PostgreSQL only)
#   scripts/stack.sh services-restart DIR   (e.g. with NS_DATABASE_READ_URL set)
#   scripts/stack.sh replica-start|replica-stop DIR   (a streaming replica)
#   scripts/stack.sh shard-stop|shard-start DIR K     (fault tests: shard K only)
#   SHARDS=N (start): events on N more PostgreSQL clusters, pgbouncer in front (docs/operations.md,
#   "Sharding"); POOL=1: pgbouncer without shards
#
# Every process started here is recorded in DIR/run/*.pid and stopped by
# that PID.  Nothing runs as root but the supervisors and nginx's master
# (docs/reliability.md, "Local privilege"): as root the cluster belongs to
# the "postgres" user, each service gives its rights up to the system user
# "northstar" once its socket is bound and its secrets read (common/app.c),
# and nginx's workers run as "northstar-web" (both users are created on the
# first start).  The FastCGI sockets are 0660, northstar:northstar-web, in
# DIR/run/fcgi (0750), so no other local user can talk to a service.  Every
# database role has a password (scram-sha-256, no trust line anywhere):
# they are generated on the first start into DIR/secrets (0700; files
# 0600, pgpass for psql and the command-line tools).  The cluster, the
# sockets, the cache and the web files must be reachable by those users:
# when DIR is closed to them (a checkout in a 0700 home directory), those
# parts live in /var/lib/northstar/<id of DIR>, linked from DIR (see
# shared_dirs).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NS_BUILD:-$ROOT/build}   # where the service binaries are
SERVICES="revenue users marketing product alerts forecast"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

. "$ROOT/scripts/ports.sh"   # port_free, free_port

psql_ns() { psql -X -q -w -v ON_ERROR_STOP=1 -h "$RUN" -p "$PGPORT" -U postgres "$@"; }

# The users the stack runs as when started as root: "northstar" (the
# services, after they bind their sockets) and "northstar-web" (nginx's
# workers, whose group may connect to the sockets).  System users without
# a home or a shell; created once.
NS_SVC_USER=northstar NS_WEB_USER=northstar-web
users_make() {
  [ "$(id -u)" -eq 0 ] || return 0
  local u
  for u in "$NS_WEB_USER" "$NS_SVC_USER"; do
    id -u "$u" >/dev/null 2>&1 && continue
    say "creating the system user $u (it runs the $([ "$u" = "$NS_SVC_USER" ] && echo services || echo "web server's workers"))"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u" \
      || die "could not create the system user $u (useradd); create it by hand and start again"
  done
}

# DIR/secrets (0700): one password a database role, each file 0600, made on
# the first start (never committed: var/ is ignored) — postgres (the
# superuser: this script, the command-line tools), northstar_app (the
# services), northstar_bi (BI tools, docs/bi.md) and northstar_shard (the
# coordinator's logins on its shards, SHARDS=N) — and pgpass, the
# same in libpq's password-file format.  PGPASSFILE points at it for every
# psql and tool this script starts.
SECRETS_ROLES="postgres northstar_app northstar_bi northstar_shard"
secrets_make() {
  local r f
  SECRETS=$DIR/secrets
  (umask 077; mkdir -p "$SECRETS"); chmod 700 "$SECRETS"
  for r in $SECRETS_ROLES; do
    f=$SECRETS/$r.password
    [ -s "$f" ] || (umask 077; head -c 32 /dev/urandom | base64 -w0 | tr -d '+/=' >"$f.new" && echo >>"$f.new" && mv "$f.new" "$f")
  done
  (umask 077
   for r in $SECRETS_ROLES; do printf '*:*:*:%s:%s\n' "$r" "$(head -1 "$SECRETS/$r.password")"; done >"$SECRETS/pgpass.new")
  mv "$SECRETS/pgpass.new" "$SECRETS/pgpass"
  export PGPASSFILE=$SECRETS/pgpass
}

# Give the roles their passwords (every start: the files are the truth)
# and let northstar_bi log in.  Over stdin, so that no password is on a
# command line.
db_passwords() {
  psql_ns -d northstar -v pg="$(head -1 "$SECRETS/postgres.password")" \
          -v app="$(head -1 "$SECRETS/northstar_app.password")" \
          -v bi="$(head -1 "$SECRETS/northstar_bi.password")" >/dev/null <<'SQL'
SET log_statement = 'none';
ALTER ROLE postgres PASSWORD :'pg';
ALTER ROLE northstar_app LOGIN PASSWORD :'app';
ALTER ROLE northstar_bi LOGIN PASSWORD :'bi';
SQL
}

# A cluster made before passwords (initdb -A trust): give postgres its
# password while trust still lets us in, then turn every trust line of
# pg_hba.conf into scram-sha-256 and reload.
pg_hba_harden() {
  local hba=$SHARED/pg/pg_hba.conf
  as_pg grep -qE '^[[:space:]]*[^#].*[[:space:]]trust([[:space:]]|$)' "$hba" || return 0
  say "this cluster trusted every local user: giving its roles passwords ($SECRETS) and requiring them"
  psql_ns -d postgres -v pg="$(head -1 "$SECRETS/postgres.password")" >/dev/null <<'SQL'
SET log_statement = 'none';
ALTER ROLE postgres PASSWORD :'pg';
SQL
  as_pg sed -i -E '/^[[:space:]]*#/!s/([[:space:]])trust([[:space:]]|$)/\1scram-sha-256\2/' "$hba"
  as_pg "$PGBIN/pg_ctl" -D "$SHARED/pg" reload >/dev/null
}

# pg_cluster_init NAME DATA LOG — a new cluster in DATA (NAME in messages), unless it has one: the
# postgres user's, scram-sha-256 for everyone, the superuser's password from DIR/secrets (through a
# copy the postgres user may read, removed at once); initdb's output in LOG.
pg_cluster_init() {
  local name=$1 data=$2 log=$3 pw=$SHARED/pg.pwfile
  [ -f "$data/PG_VERSION" ] && return 0
  say "creating $name's cluster in $data"
  mkdir -p "$data"
  [ "$(id -u)" -eq 0 ] && chown postgres "$data"
  chmod 700 "$data"
  (umask 077; head -1 "$SECRETS/postgres.password" >"$pw"); [ "$(id -u)" -eq 0 ] && chown postgres "$pw"
  as_pg "$PGBIN/initdb" -D "$data" --auth=scram-sha-256 --pwfile="$pw" -U postgres -E UTF8 --locale=C >"$log" 2>&1 \
    || { rm -f "$pw"; die "initdb of $name failed; see $log"; }
  rm -f "$pw"
}

# The settings of a throw-away test cluster (FAST=1): no durability.  In the array PG_FAST.
pg_fast_settings() {
  PG_FAST=()
  [ "${FAST:-0}" = 1 ] && PG_FAST=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
  return 0
}

pg_start() {
  local data=$SHARED/pg
  pg_cluster_init PostgreSQL "$data" "$LOGS/initdb.log"
  if [ -f "$RUN/pg.port" ]; then PGPORT=$(cat "$RUN/pg.port"); else PGPORT=${PGPORT:-$(free_port)}; fi
  port_free "$PGPORT" || PGPORT=$(free_port) || die "no free TCP port found for PostgreSQL"
  touch "$PGLOGS/postgres.log"; [ "$(id -u)" -eq 0 ] && chown postgres "$PGLOGS/postgres.log"
  pg_fast_settings
  pg_cluster_start PostgreSQL "$data" "$PGLOGS/postgres.log" "$RUN" "$RUN/pg.port" "$PGPORT" "${PG_FAST[@]}"
  PGPORT=$(cat "$RUN/pg.port")
  as_pg head -1 "$data/postmaster.pid" >"$RUN/postgres.pid"
  pg_hba_harden
}

# pg_cluster_start NAME DATA LOG SOCKDIR PORTFILE PORT [SETTING...] — starts the cluster in DATA
# (NAME in messages) on 127.0.0.1:PORT with its sockets in SOCKDIR, its log in LOG and the settings
# given (-c name=value ...), waits until it takes connections (60 s at most) and writes its port
# to PORTFILE.  A port taken between the check and PostgreSQL's bind (see scripts/ports.sh) is
# tried once more on another port; any other failure dies at once, quoting the log's last lines.
pg_cluster_start() {
  local name=$1 data=$2 log=$3 sock=$4 portfile=$5 port=$6 try; shift 6
  for try in 1 2; do
    echo "$port" >"$portfile"
    say "starting $name on 127.0.0.1:$port"
    as_pg "$PGBIN/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$sock $*" start >/dev/null && return 0
    [ "$try" = 1 ] && tail -20 "$log" | grep -q 'could not bind\|could not create any TCP/IP sockets' || break
    port=$(free_port) || die "no free TCP port found for $name"
  done
  die "$name did not start; its log ($LOGS/${log##*/}) ends:
$(tail -5 "$log" | sed 's/^/    /')"
}

db_load() {
  psql_ns -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='northstar'" | grep -q 1 \
    || psql_ns -d postgres -c "CREATE DATABASE northstar"
  # the reporting currency: set on a new database, refused (and the cluster stopped again) when it
  # differs from an existing one's (sql/currency.sql)
  if ! psql_ns -d northstar -v currency="${NS_CURRENCY:-USD}" -f "$ROOT/sql/currency.sql" >"$LOGS/schema.log" 2>&1; then
    local why; why=$(grep -E 'ERROR|HINT' "$LOGS/schema.log" | sed 's/^.*\(ERROR\|HINT\): *//')
    stack_stop
    die "${why:-setting the reporting currency failed; see $LOGS/schema.log}"
  fi
  say "applying schema (sql/schema, services/*/*.sql)"
  for f in "$ROOT"/sql/schema/*.sql "$ROOT"/services/*/*.sql "$ROOT/sql/lockdown.sql"; do
    [ -f "$f" ] || continue
    psql_ns -d northstar -f "$f" >"$LOGS/schema.log" 2>&1 || { cat "$LOGS/schema.log" >&2; die "loading $f failed"; }
  done
  local customers accounts
  customers=$(psql_ns -d northstar -tAc 'SELECT count(*) FROM customers')
  accounts=$(psql_ns -d northstar -tAc 'SELECT count(*) FROM app_users')
  if [ "${DEMO:-1}" != 1 ]; then
    if [ "$accounts" = 0 ]; then admin_create
    elif [ "$(psql_ns -d northstar -tAc "SELECT count(*) FROM app_users WHERE email = 'ceo@northstar.example'")" != 0 ]; then
      say "DEMO=0, but $DIR holds the demo company: DEMO=0 starts a new directory empty (stop, remove $DIR, start again)"
    fi
  elif [ "$customers" = 0 ] && [ "$accounts" != 0 ]; then
    # A company started with DEMO=0 that has no customers yet: the
    # generator TRUNCATEs every table, so it never runs over one.
    say "not loading the demo data: $DIR holds a company started with DEMO=0 ($accounts accounts)"
  elif [ "$customers" = 0 ]; then
    say "generating demo data at SCALE=${SCALE:-0.1} (deterministic; takes a little while)"
    local t0=$SECONDS
    # its "demo:" progress lines (step, rows, seconds, estimate) are shown as they come
    psql_ns -d northstar -v scale="${SCALE:-0.1}" ${ANCHOR:+-v anchor="$ANCHOR"} -f "$ROOT/sql/demo/generate.sql" 2>&1 \
      | tee "$LOGS/demo.log" | sed -un 's/^demo: /    /p' \
      || { tail -20 "$LOGS/demo.log" >&2; die "demo data generation failed; see $LOGS/demo.log"; }
    echo $((SECONDS - t0)) >"$RUN/demo-load.seconds"   # read by the benchmarks
    say "demo data ready in $((SECONDS - t0)) s"
  fi
  db_passwords
}

# DEMO=0, first start: the one CEO account (NS_ADMIN_EMAIL, default
# admin@localhost) with a generated password, printed here once and
# stored nowhere but as its bcrypt hash (northstar-admin user add).
admin_create() {
  local email=${NS_ADMIN_EMAIL:-admin@localhost} pw
  [ -x "$BUILD/northstar-admin" ] || die "$BUILD/northstar-admin is missing: run make first"
  pw=$(NS_DATABASE_URL="postgresql:///northstar?host=$RUN&port=$PGPORT&user=postgres" \
       "$BUILD/northstar-admin" user add "$email" ceo "${NS_ADMIN_NAME:-CEO}" 2>"$LOGS/admin.log") \
    || { cat "$LOGS/admin.log" >&2; die "could not create the CEO account $email (NS_ADMIN_EMAIL)"; }
  say "DEMO=0: an empty company and one CEO account"
  cat <<EOT

      e-mail:    $email
      password:  $pw

    Shown only this once (only its bcrypt hash is stored).  A new one:
    build/northstar-admin user password $email

EOT
  pw=
}

# Each service runs NS_INSTANCES processes (default 2) behind one nginx
# upstream, each under supervise.sh; only instance 1 runs the periodic job.
# Sockets are 0660 in DIR/run/fcgi (common/app.c).  As root each service
# becomes northstar once its socket is bound and gives the socket to group
# northstar-web (nginx's workers); the directory is northstar:northstar-web
# 0750.  Otherwise workers and services are the caller, the directory 0700.
services_start() {
  local s i socket_group="" svc_user=""
  mkdir -p "$RUN/fcgi"
  if [ "$(id -u)" -eq 0 ]; then
    socket_group=$NS_WEB_USER svc_user=$NS_SVC_USER
    chown "$NS_SVC_USER:$NS_WEB_USER" "$RUN/fcgi"; chmod 750 "$RUN/fcgi"
  else
    chmod 700 "$RUN/fcgi"
  fi
  # made 0600 from the start (umask in a subshell): never readable by others, not even briefly
  [ -s "$DIR/jwt.secret" ] || (umask 077; head -c 48 /dev/urandom | base64 -w0 >"$DIR/jwt.secret")
  # The Stripe signing secret, when set: as an absolute path (the services may run elsewhere).
  local stripe=()
  if [ -n "${NS_STRIPE_WEBHOOK_SECRET_FILE:-}" ]; then
    [ -r "$NS_STRIPE_WEBHOOK_SECRET_FILE" ] || die "NS_STRIPE_WEBHOOK_SECRET_FILE=$NS_STRIPE_WEBHOOK_SECRET_FILE cannot be read"
    stripe=("NS_STRIPE_WEBHOOK_SECRET_FILE=$(cd "$(dirname "$NS_STRIPE_WEBHOOK_SECRET_FILE")" && pwd)/$(basename "$NS_STRIPE_WEBHOOK_SECRET_FILE")")
  fi
  for s in $SERVICES; do
    [ -x "$BUILD/$s" ] || die "$BUILD/$s is missing: run make first"
    say "starting service $s ($INSTANCES instances)"
    for i in $(seq 1 "$INSTANCES"); do
      NS_SOCKET="$RUN/fcgi/$s.$i.sock" NS_SOCKET_GROUP="$socket_group" NS_USER="$svc_user" \
      NS_JOBS=$([ "$i" = 1 ] && echo 1 || echo 0) \
      NS_DATABASE_URL="$(services_db_url)" \
      NS_DATABASE_PASSWORD_FILE="$SECRETS/northstar_app.password" \
      NS_JWT_SECRET_FILE="$DIR/jwt.secret" NS_WORKERS="${NS_WORKERS:-2}" NS_TZ="${NS_TZ:-UTC}" \
      NS_LIVE_SOCKET="$RUN/live/live.sock" NS_WEBHOOK_ALLOW_PRIVATE="${NS_WEBHOOK_ALLOW_PRIVATE:-}" \
      NS_PUBLIC_ORIGIN="${NS_PUBLIC_ORIGIN:-}" \
      NS_LOGIN_DELAY_BASE_S="${NS_LOGIN_DELAY_BASE_S:-}" NS_LOGIN_DELAY_MAX_S="${NS_LOGIN_DELAY_MAX_S:-}" \
        env "${stripe[@]}" "$ROOT/scripts/supervise.sh" "$RUN/$s.$i" "$BUILD/$s" >>"$LOGS/$s.log" 2>&1 &
      echo $! >"$RUN/$s.$i.supervisor.pid"
    done
  done
  for s in $SERVICES; do
    for i in $(seq 1 "$INSTANCES"); do
      for _ in $(seq 1 50); do [ -S "$RUN/fcgi/$s.$i.sock" ] && break; sleep 0.1; done
      [ -S "$RUN/fcgi/$s.$i.sock" ] || die "service $s did not open its socket; see $LOGS/$s.log"
    done
  done
}

# All supervisors get TERM at once (each stops its service and waits for
# it); whatever still runs after 10 s gets KILL.
services_stop() {
  local f p pids=() alive
  for f in "$RUN"/*.supervisor.pid; do
    [ "$f" = "$RUN/simulator.supervisor.pid" ] && continue   # not a service: simulator_stop
    [ -f "$f" ] && pids+=("$(cat "$f")")
  done
  [ "${#pids[@]}" -gt 0 ] && { kill -TERM "${pids[@]}" 2>/dev/null || true; }
  for _ in $(seq 1 100); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for f in "$RUN"/*.supervisor.pid "$RUN"/*.[0-9].pid; do
    [ "$f" = "$RUN/simulator.supervisor.pid" ] && continue
    [ -f "$f" ] && { kill -KILL "$(cat "$f")" 2>/dev/null || true; }
    rm -f "$f"
  done
  return 0
}

nginx_start() {
  local prefix=$SHARED/nginx user_line=""
  mkdir -p "$prefix/conf" "$prefix/temp" "$SHARED/cache"
  # The live stream's publisher socket (docs/live.md): nginx's master makes it 0666, so it lives
  # in a directory only this user (nginx's master and the services) may enter.
  # (As root: the services' user's, so that the alerts service may still reach it.)
  mkdir -p "$RUN/live"; chmod 700 "$RUN/live"; rm -f "$RUN/live/live.sock"
  [ "$(id -u)" -eq 0 ] && chown "$NS_SVC_USER" "$RUN/live"
  [ "$(id -u)" -eq 0 ] && user_line="user $NS_WEB_USER $NS_WEB_USER;"
  local servers="unix:$RUN/fcgi/\\1.1.sock max_fails=0;" i
  for i in $(seq 2 "$INSTANCES"); do servers="$servers server unix:$RUN/fcgi/\\1.$i.sock max_fails=0;"; done
  # The cache key's secret (nginx/api-cache.conf): one per stack, 0600 from the start, read by
  # nginx's master only (it reads the configuration as this user).
  [ -s "$prefix/conf/cache-key.conf" ] || (umask 077; printf 'set $ns_cache_secret "%s";\n' \
    "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$prefix/conf/cache-key.conf")
  # The longest an answer stays in the cache, even stale: a wall-clock period of the key
  # (nginx.conf.in, $ns_cache_period), as the length of a prefix of "YYYY-MM-DDTHH:MM:SS".
  local period_chars
  case ${NS_CACHE_MAX_AGE_SECONDS:-600} in
    10) period_chars=18 ;; 60) period_chars=16 ;; 600) period_chars=15 ;; 3600) period_chars=13 ;;
    *) die "NS_CACHE_MAX_AGE_SECONDS=$NS_CACHE_MAX_AGE_SECONDS: one of 10, 60, 600 or 3600 (a period of the clock)" ;;
  esac
  [[ ${CONN_LIMIT:-256} =~ ^[1-9][0-9]*$ ]] || die "CONN_LIMIT=$CONN_LIMIT: a number of connections (256)"
  [[ ${UPSTREAM_TIMEOUT:-30s} =~ ^[1-9][0-9]*s$ ]] || die "UPSTREAM_TIMEOUT=$UPSTREAM_TIMEOUT: seconds, e.g. 30s"
  sed -e "s|@PORT@|$PORT|g" -e "s|@RUN@|$RUN|g" -e "s|@WEB@|$WEB|g" \
      -e "s|@PREFIX@|$prefix|g" -e "s|@CACHE@|$SHARED/cache|g" -e "s|@LOGS@|$LOGS|g" \
      -e "s|@USER@|$user_line|g" -e "s|@NGINX@|$ROOT/nginx|g" -e "s|@LOGIN_RATE@|${LOGIN_RATE:-30r/m}|g" -e "s|@INGEST_RATE@|${INGEST_RATE:-50r/s}|g" -e "s|@INGEST_BURST@|${INGEST_BURST:-100}|g" -e "s|@LIVE_RECHECK@|${NS_LIVE_RECHECK_SECONDS:-60}|g" -e "s|@LIVE_BUFFER@|${NS_LIVE_BUFFER:-500}|g" -e "s|@CONN_LIMIT@|${CONN_LIMIT:-256}|g" -e "s|@UPSTREAM_TIMEOUT@|${UPSTREAM_TIMEOUT:-30s}|g" -e "s|@CACHE_PERIOD_CHARS@|$period_chars|g" -e "s|@UPSTREAM:\([a-z]*\)@[^;]*;|$servers|g" "$ROOT/nginx/nginx.conf.in" >"$prefix/conf/nginx.conf"
  [ "$(id -u)" -eq 0 ] && chown -R "$NS_WEB_USER" "$SHARED/cache" "$prefix/temp"
  nginx -t -p "$prefix" -c conf/nginx.conf -e "$LOGS/nginx-error.log" >"$LOGS/nginx-test.log" 2>&1 \
    || { cat "$LOGS/nginx-test.log" >&2; die "nginx configuration is invalid"; }
  port_free "$PORT" || die "port $PORT is in use; set PORT= to another"
  say "starting nginx on http://127.0.0.1:$PORT"
  nginx -p "$prefix" -c conf/nginx.conf -e "$LOGS/nginx-error.log" >>"$LOGS/nginx.out" 2>&1 &
  echo $! >"$RUN/nginx.pid"
  # Up to 15 s: on a busy machine the first answer can wait for a service that is still starting.
  for _ in $(seq 1 150); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/users/health" && return; sleep 0.1; done
  die "nginx did not answer on port $PORT; see $LOGS/nginx-error.log"
}

# SHARDS=N (docs/operations.md, "Sharding"): N more PostgreSQL clusters, each holding one hash
# remainder of every month of events (sql/schema/021_events_shards.sql), declared to the
# coordinator (the stack's own cluster) as postgres_fdw servers, and pgbouncer in front of the
# coordinator for the services.  Shard k: cluster $SHARED/shard<k>, port in run/shard<k>.port, its
# log logs/shard<k>.log, database northstar_shard owned by the login northstar_shard.  A stack
# keeps the number of shards it was given: more moves the events onto the new layout (adding a
# shard), fewer is refused (the rows of a shard left out would be lost to the figures).
SHARDS=${SHARDS:-}
shards_wanted() {   # the number of shards: SHARDS, else what this stack has
  local n=0
  while [ -f "$SHARED/shard$n/PG_VERSION" ]; do n=$((n + 1)); done
  if [ -z "$SHARDS" ]; then SHARDS=$n; fi
  [[ $SHARDS =~ ^[0-9]+$ ]] && [ "$SHARDS" -le 16 ] || die "SHARDS=$SHARDS: a number of shards from 0 to 16"
  [ "$SHARDS" -ge "$n" ] || die "SHARDS=$SHARDS, but $DIR keeps its events on $n shards: start it with SHARDS=$n (fewer shards is not supported: docs/operations.md, \"Sharding\")"
}

shard_start() {   # shard_start K — make (first time) and start shard K
  local k=$1 data=$SHARED/shard$1 port
  pg_cluster_init "shard $k" "$data" "$LOGS/initdb-shard$k.log"
  if [ -f "$RUN/shard$k.port" ]; then port=$(cat "$RUN/shard$k.port"); else port=$(free_port); fi
  port_free "$port" || port=$(free_port) || die "no free TCP port found for shard $k"
  touch "$PGLOGS/shard$k.log"; [ "$(id -u)" -eq 0 ] && chown postgres "$PGLOGS/shard$k.log"
  [ "$PGLOGS" != "$LOGS" ] && ln -sfn "$PGLOGS/shard$k.log" "$LOGS/shard$k.log"
  pg_fast_settings
  pg_cluster_start "shard $k" "$data" "$PGLOGS/shard$k.log" "$RUN" "$RUN/shard$k.port" "$port" "${PG_FAST[@]}"
  as_pg head -1 "$data/postmaster.pid" >"$RUN/shard$k.pid"
  psql -X -q -w -v ON_ERROR_STOP=1 -h "$RUN" -p "$(cat "$RUN/shard$k.port")" -U postgres -d postgres \
       -v pw="$(head -1 "$SECRETS/northstar_shard.password")" >/dev/null <<'SQL'
SET log_statement = 'none';
SELECT format('CREATE ROLE northstar_shard LOGIN PASSWORD %L', :'pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'northstar_shard') \gexec
ALTER ROLE northstar_shard LOGIN PASSWORD :'pw';
SELECT 'CREATE DATABASE northstar_shard OWNER northstar_shard'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'northstar_shard') \gexec
SQL
}

shard_stop() {   # shard_stop K
  [ -f "$SHARED/shard$1/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$SHARED/shard$1" -m fast -w -t 30 stop >/dev/null 2>&1
  rm -f "$RUN/shard$1.pid"
  return 0
}

shards_start() {
  local k
  for ((k = 0; k < SHARDS; k++)); do shard_start "$k"; done
}

# Declare the shards to the coordinator (their ports may have changed since the last start), once
# a start: before the schema is applied on a restart (new months are placed as they are made), else
# (the first start: the function is not there yet) by shards_layout after it.
SHARDS_DECLARED=0
shards_declare() {
  [ "$SHARDS" -gt 0 ] && [ "$SHARDS_DECLARED" = 0 ] || return 0
  [ "$(psql_ns -d northstar -tAc "SELECT to_regprocedure('shard_server_set(int,text,int,text,text,text)') IS NOT NULL" 2>/dev/null)" = t ] || return 0
  local k
  for ((k = 0; k < SHARDS; k++)); do
    psql_ns -d northstar -v k="$k" -v host="$RUN" -v port="$(cat "$RUN/shard$k.port")" \
            -v pw="$(head -1 "$SECRETS/northstar_shard.password")" >/dev/null <<'SQL'
SET log_statement = 'none';
SELECT shard_server_set(:k, :'host', :port, 'northstar_shard', 'northstar_shard', :'pw');
SQL
  done
  SHARDS_DECLARED=1
}
# Put every month of events where the layout says (the demo data just loaded, or all of it onto a
# new layout when a shard was added); then the remote tables left over are dropped.
shards_layout() {
  [ "$SHARDS" -gt 0 ] || return 0
  shards_declare
  local t0=$SECONDS moved
  say "placing events on $SHARDS shards (a month at a time; only months not placed yet move)"
  moved=$(psql_ns -d northstar -qtAc "SELECT events_shard_layout()" 2>>"$LOGS/schema.log") \
    || die "placing events on the shards failed; see $LOGS/schema.log"
  psql_ns -d northstar -qtAc "SELECT shard_orphans_drop()" >/dev/null
  # The moved rows' statistics, where they now are: each shard's own (it plans the scans it is sent)
  # and the coordinator's of its foreign partitions (postgres_fdw samples the shards), so that plans
  # over events are made from its real sizes from the first query on.
  if [ "${moved:-0}" != 0 ]; then
    local k
    for ((k = 0; k < SHARDS; k++)); do
      psql -X -q -w -h "$RUN" -p "$(cat "$RUN/shard$k.port")" -U postgres -d northstar_shard -c "ANALYZE" >/dev/null
    done
    psql_ns -d northstar -qc "ANALYZE events" >/dev/null
  fi
  say "events on $SHARDS shards: $moved months moved in $((SECONDS - t0)) s"
}

# pgbouncer (with shards, or POOL=1): the services' connections go through it, in session mode
# (the services LISTEN and keep session settings), to the coordinator.  It runs as postgres when
# started as root (it refuses root); its files are in $SHARED/pgbouncer (0700), its password file
# holds the northstar_app and postgres passwords.  Port in run/pgbouncer.port.
pool_wanted() { [ "$SHARDS" -gt 0 ] || [ "${POOL:-0}" = 1 ]; }
pgbouncer_start() {
  pool_wanted || return 0
  command -v pgbouncer >/dev/null || die "pgbouncer is missing: run scripts/deps.sh (it installs it)"
  local d=$SHARED/pgbouncer port r
  mkdir -p "$d"; chmod 700 "$d"
  if [ -f "$RUN/pgbouncer.port" ]; then port=$(cat "$RUN/pgbouncer.port"); else port=$(free_port); fi
  port_free "$port" || port=$(free_port) || die "no free TCP port found for pgbouncer"
  (umask 077
   for r in northstar_app postgres; do printf '"%s" "%s"\n' "$r" "$(head -1 "$SECRETS/$r.password")"; done >"$d/users.txt"
   cat >"$d/pgbouncer.ini" <<EOF
[databases]
northstar = host=$RUN port=$PGPORT dbname=northstar
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir = $RUN
auth_type = scram-sha-256
auth_file = $d/users.txt
pool_mode = session
max_client_conn = 400
default_pool_size = 80
max_db_connections = 90
server_reset_query = DISCARD ALL
ignore_startup_parameters = extra_float_digits
logfile = $d/pgbouncer.log
pidfile = $d/pgbouncer.pid
EOF
  )
  [ "$(id -u)" -eq 0 ] && chown -R postgres "$d"
  echo "$port" >"$RUN/pgbouncer.port"
  say "starting pgbouncer on 127.0.0.1:$port (the services' pool)"
  as_pg pgbouncer -d -q "$d/pgbouncer.ini" >>"$LOGS/pgbouncer.out" 2>&1 || die "pgbouncer did not start; see $d/pgbouncer.log"
  for _ in $(seq 1 50); do [ -s "$d/pgbouncer.pid" ] && break; sleep 0.1; done
  as_pg cat "$d/pgbouncer.pid" >"$RUN/pgbouncer.pid"
}
pgbouncer_stop() {
  stop_pid "$RUN/pgbouncer.pid"
}
# The services' database: pgbouncer when it runs, else the coordinator itself.
services_db_url() {
  if [ -f "$RUN/pgbouncer.pid" ]; then
    echo "postgresql:///northstar?host=$RUN&port=$(cat "$RUN/pgbouncer.port")&user=northstar_app"
  else
    echo "postgresql:///northstar?host=$RUN&port=$PGPORT&user=northstar_app"
  fi
}

# A streaming replica of the stack's cluster (tests of read routing).
replica_start() {
  local data=$SHARED/replica rrun=$SHARED/replica-run rport
  mkdir -p "$data" "$rrun"; chmod 700 "$data"; chmod 755 "$rrun"
  touch "$PGLOGS/replica.log"
  [ "$(id -u)" -eq 0 ] && chown postgres "$data" "$rrun" "$PGLOGS/replica.log"
  PGPORT=$(cat "$RUN/pg.port")
  say "taking a base backup for the replica"
  # as the caller, who holds the password file; then the copy is given to postgres.  -R writes the
  # connection, with the password (PGPASSWORD), into the replica's postgresql.auto.conf (0600,
  # postgres's): its WAL receiver cannot read the caller's password file.
  PGPASSWORD=$(head -1 "$SECRETS/postgres.password") pg_basebackup -w -h "$RUN" -p "$PGPORT" -U postgres -D "$data" -R -X stream -c fast \
    >"$LOGS/basebackup.log" 2>&1 || die "pg_basebackup failed; see $LOGS/basebackup.log"
  [ "$(id -u)" -eq 0 ] && chown -R postgres "$data"
  rport=$(free_port) || die "no free TCP port found for the replica"
  pg_cluster_start "the replica" "$data" "$PGLOGS/replica.log" "$rrun" "$RUN/replica.port" "$rport" -c hot_standby=on
}

replica_stop() {
  [ -f "$SHARED/replica/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$SHARED/replica" -m fast -w -t 30 stop >/dev/null 2>&1
  return 0
}

# Can user $1 open path $2 (test -x for a directory, -r for a file)?
reachable() { runuser -u "$1" -- test "$3" "$2" 2>/dev/null; }

# SHARED: where the parts live that postgres and nginx's workers must
# reach (cluster, sockets, cache); RUN its run/; PGLOGS the logs that
# PostgreSQL writes itself; WEB the web files nginx serves.  Not root: all
# of it runs as the caller, DIR is fine.  Root, with DIR closed to the
# postgres user: /var/lib/northstar/<id>, and DIR/run, DIR/shared and the
# PostgreSQL logs in DIR/logs are links to it.  Web files closed to
# "nobody" are copied there on every start.
shared_dirs() {
  SHARED=$DIR; WEB=$ROOT/web/dist
  if [ "$(id -u)" -eq 0 ] && ! reachable postgres "$DIR" -x; then
    SHARED=/var/lib/northstar/$(printf '%s' "$DIR" | sha1sum | cut -c1-16)
    mkdir -p "$SHARED"; chmod 755 /var/lib/northstar "$SHARED"
    ln -sfn "$SHARED" "$DIR/shared"
    [ -L "$DIR/run" ] || [ ! -e "$DIR/run" ] || die "$DIR/run is a directory of an older layout; remove it (make stop first)"
    ln -sfn "$SHARED/run" "$DIR/run"
  fi
  RUN=$SHARED/run; PGLOGS=$SHARED/logs
  if [ "$(id -u)" -eq 0 ] && [ -f "$WEB/index.html" ] && ! reachable "$NS_WEB_USER" "$WEB/index.html" -r; then
    WEB=$SHARED/web
  fi
}

# Copy the web files where nginx's workers can read them (see shared_dirs).
web_publish() {
  [ "$WEB" = "$ROOT/web/dist" ] && return 0
  rm -rf "$WEB.new"; cp -a "$ROOT/web/dist" "$WEB.new"; chmod -R a+rX "$WEB.new"
  rm -rf "$WEB"; mv "$WEB.new" "$WEB"
}

stop_pid() {  # stop_pid FILE — TERM, wait up to 5 s, then KILL
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# LIVE=1: the demo company's simulator (docs/live.md, "The simulator"), a client of the ingestion
# API like any external source.  Its key, named "simulator", is in DIR/run/simulator.key (0600):
# reused while it is in force with the scopes it needs, else a new one (a key of that name still
# in force, whose secret this file no longer holds, is revoked first).  The simulator runs under
# supervise.sh, PID in DIR/run/simulator.supervisor.pid, log DIR/logs/simulator.log.
SIM_SCOPES="ingest:billing ingest:events ingest:marketing"
simulator_admin() {
  NS_DATABASE_URL="postgresql:///northstar?host=$RUN&port=$PGPORT&user=postgres" "$BUILD/northstar-admin" "$@"
}
simulator_key() {
  local f=$RUN/simulator.key hash="" valid=0 key
  if [ -s "$f" ]; then
    hash=$(tr -d ' \t\r\n' <"$f" | sha256sum | cut -d' ' -f1)
    valid=$(psql_ns -d northstar -tA -v h="$hash" <<'SQL'
SELECT count(*) FROM api_keys
 WHERE key_hash = decode(:'h', 'hex') AND revoked_at IS NULL
   AND scopes @> ARRAY['ingest:billing', 'ingest:events', 'ingest:marketing']
SQL
)
  fi
  if [ "$valid" = 1 ]; then say "LIVE=1: reusing the simulator's API key ($f)"; return 0; fi
  if [ -n "$(psql_ns -d northstar -tAc "SELECT 1 FROM api_keys WHERE name = 'simulator' AND revoked_at IS NULL")" ]; then
    simulator_admin key revoke simulator >>"$LOGS/admin.log" 2>&1 || die "could not revoke the old simulator key; see $LOGS/admin.log"
  fi
  # shellcheck disable=SC2086
  key=$(simulator_admin key add simulator $SIM_SCOPES 2>>"$LOGS/admin.log") \
    || die "could not create the simulator's API key; see $LOGS/admin.log"
  (umask 077; printf '%s\n' "$key" >"$f.new") && chmod 600 "$f.new" && mv "$f.new" "$f"
  key=
  say "LIVE=1: a new API key for the simulator ($f, mode 0600; build/northstar-admin key list shows it)"
}
simulator_start() {
  [ "${LIVE:-0}" = 1 ] || return 0
  [ -x "$BUILD/northstar-simulate" ] || die "$BUILD/northstar-simulate is missing: run make first"
  simulator_stop
  # only into the demo company: never into one started with DEMO=0 (a company's own data)
  if [ "${DEMO:-1}" != 1 ] || [ -z "$(psql_ns -d northstar -tAc "SELECT 1 FROM app_users WHERE email = 'ceo@northstar.example'")" ]; then
    say "LIVE=1: the simulator is not started: $DIR holds a company of its own, not the demo"
    return 0
  fi
  simulator_key
  say "LIVE=1: starting the simulator (seed ${LIVE_SEED:-1}, ${LIVE_RATE:-5} actions a second; log $LOGS/simulator.log)"
  "$ROOT/scripts/supervise.sh" "$RUN/simulator" "$BUILD/northstar-simulate" --url "http://127.0.0.1:$PORT" \
    --key-file "$RUN/simulator.key" --seed "${LIVE_SEED:-1}" --rate "${LIVE_RATE:-5}" \
    --currency "${NS_CURRENCY:-USD}" >>"$LOGS/simulator.log" 2>&1 &
  echo $! >"$RUN/simulator.supervisor.pid"
}
# The supervisor stops the simulator it runs; its PID file goes too, should the supervisor have died.
simulator_stop() {
  stop_pid "$RUN/simulator.supervisor.pid"
  stop_pid "$RUN/simulator.pid"
}

stack_stop() {
  [ -d "$RUN" ] || return 0
  simulator_stop
  stop_pid "$RUN/nginx.pid"
  services_stop
  pgbouncer_stop
  replica_stop
  local k
  for k in "$SHARED"/shard[0-9]*; do [ -d "$k" ] && shard_stop "${k##*/shard}"; done
  if [ -f "$SHARED/pg/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$SHARED/pg" -m fast -w -t 30 stop >/dev/null 2>&1 || stop_pid "$RUN/postgres.pid"
  fi
  rm -f "$RUN/postgres.pid"
}

cmd=${1:-}; DIR=${2:-}
[ -n "$cmd" ] && [ -n "$DIR" ] || die "usage: $0 start|stop DIR"
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
LOGS=$DIR/logs; PORT=${PORT:-8080}; INSTANCES=${NS_INSTANCES:-2}
[ "$cmd" = start ] && [ "$PORT" = 0 ] && PORT=$(free_port)
[ "$cmd" = start ] && chmod 755 "$DIR"   # ours to open (mktemp makes it 0700)
[ "$cmd" = start ] && users_make
shared_dirs
secrets_make
case $cmd in
  start)
    [[ ${NS_CURRENCY:-USD} =~ ^[A-Z]{3}$ ]] \
      || die "NS_CURRENCY=${NS_CURRENCY} is not an ISO 4217 code: three capital letters, e.g. USD or EUR"
    mkdir -p "$RUN" "$LOGS" "$PGLOGS"; chmod 755 "$RUN"
    [ "$(id -u)" -eq 0 ] && chown postgres "$RUN" "$PGLOGS"
    if [ "$PGLOGS" != "$LOGS" ]; then
      for f in postgres.log replica.log; do ln -sfn "$PGLOGS/$f" "$LOGS/$f"; done
    fi
    web_publish
    shards_wanted
    pg_start; shards_start; shards_declare; db_load; shards_layout; pgbouncer_start; services_start; nginx_start
    echo "$PORT" >"$RUN/http.port"
    simulator_start ;;
  stop) stack_stop ;;
  pg-stop) as_pg "$PGBIN/pg_ctl" -D "$SHARED/pg" -m fast -w -t 30 stop >/dev/null ;;
  pg-start) pg_start ;;
  services-restart) services_stop; PGPORT=$(cat "$RUN/pg.port"); services_start ;;
  replica-start) replica_start ;;
  replica-stop) replica_stop ;;
  shard-stop) shard_stop "${3:?shard-stop DIR K}" ;;
  shard-start) shard_start "${3:?shard-start DIR K}" ;;
  *) die "unknown command $cmd" ;;
esac
