#!/bin/sh
# db-init.sh — container one-shot: apply the schema and the services' SQL,
# and load the demo data when the database is empty and DEMO=1.
set -eu
export PGHOST=${PGHOST:-db} PGUSER=${PGUSER:-postgres} PGDATABASE=${PGDATABASE:-northstar}
until pg_isready -q; do sleep 1; done
# the reporting currency (NS_CURRENCY, default USD): refused when it differs from the database's
psql -X -q -v ON_ERROR_STOP=1 -v currency="${NS_CURRENCY:-USD}" -f /opt/northstar/sql/currency.sql
for f in /opt/northstar/sql/schema/*.sql /opt/northstar/services/*/*.sql; do
  psql -X -q -v ON_ERROR_STOP=1 -f "$f"
done
if [ "${DEMO:-1}" = 1 ] && [ "$(psql -X -tAc 'SELECT count(*) FROM customers')" = 0 ]; then
  psql -X -q -v ON_ERROR_STOP=1 -v scale="${SCALE:-0.1}" -f /opt/northstar/sql/demo/generate.sql
fi
