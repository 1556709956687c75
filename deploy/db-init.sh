#!/bin/sh
# db-init.sh — container one-shot: apply the schema and the services' SQL,
# and load the demo data when the database is empty and DEMO=1.  DEMO=0:
# an empty company; on the first start one CEO account (NS_ADMIN_EMAIL,
# default admin@localhost) whose generated password this container prints
# once (docker-compose logs db-init); only its bcrypt hash is stored.
# As scripts/stack.sh: the demo is never loaded over a DEMO=0 company.
set -eu
export PGHOST=${PGHOST:-db} PGUSER=${PGUSER:-postgres} PGDATABASE=${PGDATABASE:-northstar}
# Every role has a password (scram-sha-256): the superuser's from its secret file (libpq reads
# PGPASSWORD; psql and northstar-admin alike), the two roles' set below from theirs.
if [ -n "${PG_PASSWORD_FILE:-}" ]; then PGPASSWORD=$(head -1 "$PG_PASSWORD_FILE"); export PGPASSWORD; fi
until pg_isready -q; do sleep 1; done
# SHARD_HOSTS="shard0 shard1" (docker-compose.shards.yml; docs/operations.md, "Sharding"): the
# events on those PostgreSQL servers (port 5432, database and login northstar_shard, password from
# NS_SHARD_PASSWORD_FILE), declared before the schema (a restart) and after it (the first start).
shards_declare() {
  [ -n "${SHARD_HOSTS:-}" ] || return 0
  [ "$(psql -X -tAc "SELECT to_regprocedure('shard_server_set(int,text,int,text,text,text)') IS NOT NULL")" = t ] || return 0
  k=0
  for h in $SHARD_HOSTS; do
    until pg_isready -q -h "$h"; do sleep 1; done
    psql -X -q -v ON_ERROR_STOP=1 -v k="$k" -v host="$h" -v pw="$(head -1 "$NS_SHARD_PASSWORD_FILE")" >/dev/null <<'SQL'
SET log_statement = 'none';
SELECT shard_server_set(:k, :'host', 5432, 'northstar_shard', 'northstar_shard', :'pw');
SQL
    k=$((k + 1))
  done
}
shards_declare
# the reporting currency (NS_CURRENCY, default USD): refused when it differs from the database's
psql -X -q -v ON_ERROR_STOP=1 -v currency="${NS_CURRENCY:-USD}" -f /opt/northstar/sql/currency.sql
for f in /opt/northstar/sql/schema/*.sql /opt/northstar/services/*/*.sql /opt/northstar/sql/lockdown.sql; do
  psql -X -q -v ON_ERROR_STOP=1 -f "$f"
done
# the services' and the BI role's passwords, over stdin (never on a command line)
for pair in "northstar_app:${NS_APP_PASSWORD_FILE:-}" "northstar_bi:${NS_BI_PASSWORD_FILE:-}"; do
  role=${pair%%:*} file=${pair#*:}
  [ -n "$file" ] || continue
  psql -X -q -v ON_ERROR_STOP=1 -v role="$role" -v pw="$(head -1 "$file")" <<'SQL'
SET log_statement = 'none';
ALTER ROLE :"role" LOGIN PASSWORD :'pw';
SQL
done
customers=$(psql -X -tAc 'SELECT count(*) FROM customers')
accounts=$(psql -X -tAc 'SELECT count(*) FROM app_users')
if [ "${DEMO:-1}" = 1 ]; then
  if [ "$customers" = 0 ] && [ "$accounts" = 0 ]; then
    psql -X -q -v ON_ERROR_STOP=1 -v scale="${SCALE:-0.1}" -f /opt/northstar/sql/demo/generate.sql
  fi
elif [ "$accounts" = 0 ]; then
  email=${NS_ADMIN_EMAIL:-admin@localhost}
  pw=$(NS_DATABASE_URL=${NS_DATABASE_URL:-postgresql://$PGUSER@$PGHOST/$PGDATABASE} \
       northstar-admin user add "$email" ceo "${NS_ADMIN_NAME:-CEO}")
  printf '\nDEMO=0: an empty company and one CEO account\n  e-mail:    %s\n  password:  %s\n' "$email" "$pw"
  printf 'Shown only this once.  A new one: docker-compose run --rm db-init northstar-admin user password %s\n\n' "$email"
  pw=
fi
# with shards: every month of events on them (the demo just loaded, or all of it onto a layout
# with a shard more), the same steps as scripts/stack.sh's shards_layout
if [ -n "${SHARD_HOSTS:-}" ]; then
  shards_declare
  psql -X -q -v ON_ERROR_STOP=1 -c "SELECT events_shard_layout()" -c "SELECT shard_orphans_drop()"
  # the moved rows' statistics: each shard's own, then the coordinator's of its foreign partitions
  for h in $SHARD_HOSTS; do
    PGPASSWORD=$(head -1 "$NS_SHARD_PASSWORD_FILE") psql -X -q -h "$h" -U northstar_shard -d northstar_shard -c "ANALYZE"
  done
  psql -X -q -c "ANALYZE events"
fi
