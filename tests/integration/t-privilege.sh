# t-privilege.sh — what a local user who is not the operator can do to a running stack (issue 20,
# "Local privilege"; docs/reliability.md): no database role without its password (no trust line),
# the credential files closed, the FastCGI sockets out of reach, no service running as root or able
# to become root again, nginx's workers unprivileged, and exactly the functions each database role
# may execute.  The checks "as another local user" run as nobody, so they need root; the others
# hold for any caller.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECRETS=$T_DIR/secrets

# ---- PostgreSQL: passwords everywhere
check_eq "pg_hba.conf has no trust line, and every line asks for a scram-sha-256 password" \
  "$(sql "SELECT string_agg(DISTINCT auth_method, ',') FROM pg_hba_file_rules")" scram-sha-256
check_eq "the cluster stores passwords as scram-sha-256 verifiers (postgres, northstar_app, northstar_bi)" \
  "$(sql "SELECT string_agg(rolname || ':' || left(rolpassword, 14), ' ' ORDER BY rolname) FROM pg_authid
          WHERE rolname IN ('postgres', 'northstar_app', 'northstar_bi')")" \
  "northstar_app:SCRAM-SHA-256\$ northstar_bi:SCRAM-SHA-256\$ postgres:SCRAM-SHA-256\$"
# Without the password file (and with a wrong password) no role gets in, on the socket or on TCP.
for role in postgres northstar_app northstar_bi; do
  for host in "$T_RUN" 127.0.0.1; do
    out=$(env -u PGPASSFILE -u PGPASSWORD psql -X -w -h "$host" -p "$T_PGPORT" -U "$role" -d northstar -tAc 'SELECT 1' 2>&1)
    case $out in *"no password supplied"*) ok "$role on $host: refused without a password";;
      *) not_ok "$role on $host: refused without a password" "$out";; esac
    out=$(env -u PGPASSFILE PGPASSWORD=not-the-password psql -X -w -h "$host" -p "$T_PGPORT" -U "$role" -d northstar -tAc 'SELECT 1' 2>&1)
    case $out in *"password authentication failed"*) ok "$role on $host: refused with a wrong password";;
      *) not_ok "$role on $host: refused with a wrong password" "$out";; esac
  done
done
check_eq "with its password file, the BI role signs in (and reads a view)" \
  "$(psql -X -w -h 127.0.0.1 -p "$T_PGPORT" -U northstar_bi -d northstar -tAc 'SELECT count(*) >= 0 FROM bi_company_overview' 2>&1)" t
# The credential files: the directory 0700, each file 0600, the caller's.
check_eq "DIR/secrets is 0700, the caller's" "$(stat -c '%a %U' "$SECRETS")" "700 $(id -un)"
check_eq "each credential file is 0600 (4 passwords, pgpass, the JWT secret)" \
  "$(stat -c '%a' "$SECRETS"/postgres.password "$SECRETS"/northstar_app.password "$SECRETS"/northstar_bi.password \
       "$SECRETS"/northstar_shard.password "$SECRETS"/pgpass "$T_DIR/jwt.secret" | sort -u)" 600
check_eq "the four passwords (postgres, northstar_app, northstar_bi, northstar_shard) differ from each other" \
  "$(cat "$SECRETS"/*.password | sort -u | wc -l)" 4
# Neither the compose file nor the container scripts trust anybody.
check_empty "no trust authentication in docker-compose.yml or deploy/" \
  "$(grep -rnE '^[^#]*\btrust\b' "$ROOT/docker-compose.yml" "$ROOT/deploy" 2>/dev/null)"

# ---- the functions each role may execute.  A SECURITY DEFINER function runs with its owner's
# rights: the BI role may execute exactly one (customer_health(date), STABLE: bi_customer_success
# needs it), the services' role exactly the ones the services call; every other function a role may
# execute runs with that role's own rights (listed in the diagnostics).
P_DEFINER="SELECT string_agg(p.oid::regprocedure::text, ' ' ORDER BY p.oid::regprocedure::text)
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname IN ('public', 'api') AND p.prosecdef"
check_eq "the BI role may execute one SECURITY DEFINER function, a STABLE one" \
  "$(sql "$P_DEFINER AND has_function_privilege('northstar_bi', p.oid, 'EXECUTE') AND p.provolatile = 's'")
$(sql "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('public', 'api') AND p.prosecdef AND has_function_privilege('northstar_bi', p.oid, 'EXECUTE')")" \
  "customer_health(date)
1"
# The services' list, written out by hand from the SQL files (grep 'SECURITY DEFINER' sql services):
# the rollups (040, 990), the key check and the ingestion routes (060, 560, services/*/ingest.sql,
# fx.sql, stripe.sql), the health score, the sign-in limits (services/users/signin.sql), the audit
# log's one way in (575_audit.sql; its purge is the owner's alone).
P_APP_WANT="audit_write(text,text,integer,text,text,text,text,jsonb) api.fx_rates_ingest(integer,text,jsonb,text,integer) api.marketing_campaigns_ingest(integer,text,jsonb,text,integer) api.marketing_leads_ingest(integer,text,jsonb,text,integer) api.marketing_spend_ingest(integer,text,jsonb,text,integer) api.product_events(integer,text,jsonb,text,integer) api.revenue_activities_ingest(integer,text,jsonb,text,integer) api.revenue_billing_events_ingest(integer,text,jsonb,text,integer) api.revenue_customers_ingest(integer,text,jsonb,text,integer) api.revenue_opportunities_ingest(integer,text,jsonb,text,integer) api.revenue_orders_ingest(integer,text,jsonb,text,integer) api.revenue_stripe_webhook(integer,text,jsonb,text,integer) api.revenue_subscriptions_ingest(integer,text,jsonb,text,integer) api.users_nps_ingest(integer,text,jsonb,text,integer) api.users_tickets_ingest(integer,text,jsonb,text,integer) customer_health(date) key_verify(text) login_limit_check(text,text,integer,integer,text) login_limit_clear(text,text,text) rollup_rebuild() rollup_refresh()"
P_APP_GOT=$(sql "$P_DEFINER AND has_function_privilege('northstar_app', p.oid, 'EXECUTE')")
P_EXTRA=$(comm -13 <(tr ' ' '\n' <<<"$P_APP_WANT" | sort) <(tr ' ' '\n' <<<"$P_APP_GOT" | sort) | tr '\n' ' ')
P_APP_N=$(wc -w <<<"$P_APP_WANT")
if [ -z "$P_EXTRA" ] && [ "$(wc -w <<<"$P_APP_GOT")" -ge "$P_APP_N" ]; then
  ok "the services' role may execute the $P_APP_N SECURITY DEFINER functions the services call, and no other"
else
  not_ok "the services' role may execute the $P_APP_N SECURITY DEFINER functions the services call, and no other" \
    "not in the list (add to it only a function a service calls): $P_EXTRA
missing: $(comm -23 <(tr ' ' '\n' <<<"$P_APP_WANT" | sort) <(tr ' ' '\n' <<<"$P_APP_GOT" | sort) | tr '\n' ' ')"
fi
check_eq "PUBLIC may execute no SECURITY DEFINER function" \
  "$(sql "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname IN ('public', 'api') AND p.prosecdef
            AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0))")" 0
check_eq "neither the services' role nor the BI role may purge the audit log" \
  "$(sql "SELECT has_function_privilege('northstar_app', 'audit_purge(date)', 'EXECUTE'),
                 has_function_privilege('northstar_bi', 'audit_purge(date)', 'EXECUTE')")" "f|f"
case $(sql "SET ROLE northstar_bi; SELECT rollup_refresh()" 2>&1) in
  *"permission denied for function rollup_refresh"*) ok "the BI role cannot run rollup_refresh()";;
  *) not_ok "the BI role cannot run rollup_refresh()";; esac
case $(sql "SET ROLE northstar_bi; SELECT rollup_rebuild()" 2>&1) in
  *"permission denied for function rollup_rebuild"*) ok "the BI role cannot run rollup_rebuild()";;
  *) not_ok "the BI role cannot run rollup_rebuild()";; esac
for role in northstar_bi northstar_app; do
  echo "# functions $role may execute (SECURITY INVOKER unless marked):"
  sql "SELECT p.oid::regprocedure::text || CASE WHEN p.prosecdef THEN ' [SECURITY DEFINER]' ELSE '' END
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('public', 'api') AND has_function_privilege('$role', p.oid, 'EXECUTE')
        ORDER BY 1" | tr '\n' ';' | fold -w 200 | sed 's/^/#   /'; echo
done

# ---- processes: no service as root, nor able to become root again; nginx's workers unprivileged
P_EXPECT_USER=$([ "$(id -u)" -eq 0 ] && echo northstar || id -un)
P_USERS="" P_UIDS=""
for f in "$T_RUN"/*.[0-9].pid; do
  pid=$(cat "$f")
  P_USERS="$P_USERS $(ps -o user= -p "$pid")"
  # real, effective, saved and file-system uid: all four the service user's
  P_UIDS="$P_UIDS $(awk '/^Uid:/ { print ($2 == $3 && $3 == $4 && $4 == $5) ? "same" : "differ" }' "/proc/$pid/status")"
done
check_eq "the 12 service processes run as $P_EXPECT_USER" \
  "$(tr ' ' '\n' <<<"$P_USERS" | grep . | sort | uniq -c | awk '{ print $1, $2 }')" "12 $P_EXPECT_USER"
check_eq "each has given root up for good (real = effective = saved uid)" \
  "$(tr ' ' '\n' <<<"$P_UIDS" | grep . | sort | uniq -c | awk '{ print $1, $2 }')" "12 same"
check_eq "nginx's worker processes run as $([ "$(id -u)" -eq 0 ] && echo northstar-web || id -un)" \
  "$(ps -o user= --ppid "$(cat "$T_RUN/nginx.pid")" | sort -u)" "$([ "$(id -u)" -eq 0 ] && echo northstar-web || id -un)"

if [ "$(id -u)" -ne 0 ]; then
  ok "# SKIP the checks as another local user need root (runuser)"
else
  # (without the suite's PERL5LIB: the checkout's tests/lib may be closed to nobody, and psql is perl)
  as_nobody() { runuser -u nobody -- env -u PERL5LIB "$@"; }
  # ---- as another local user (nobody)
  out=$(as_nobody env -u PGPASSFILE psql -X -w -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar -tAc 'SELECT 1' 2>&1)
  case $out in *"no password supplied"*) ok "another local user: psql -U postgres without a password is refused";;
    *) not_ok "another local user: psql -U postgres without a password is refused" "$out";; esac
  out=$(as_nobody env PGPASSFILE="$SECRETS/pgpass" psql -X -w -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar -tAc 'SELECT 1' 2>&1)
  case $out in *"no password supplied"*) ok "another local user cannot use the operator's password file";;
    *) not_ok "another local user cannot use the operator's password file" "$out";; esac
  P_READ=""
  for f in "$SECRETS"/postgres.password "$SECRETS"/northstar_app.password "$SECRETS"/northstar_bi.password \
           "$SECRETS"/pgpass "$T_DIR/jwt.secret" "$T_DIR/stripe.secret"; do
    as_nobody cat "$f" >/dev/null 2>&1 && P_READ="$P_READ $f"
  done
  check_empty "another local user reads no credential file" "$P_READ"
  as_nobody test -x "$T_RUN/fcgi" && not_ok "another local user cannot enter the sockets' directory" \
    || ok "another local user cannot enter the sockets' directory"
  # connect(2) to a unix socket, with perl (prove's): "connected" or the error
  unix_connect() { perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "$!\n"; print "connected\n"' "$1" 2>&1; }
  check_eq "the caller (nginx's master's user) connects to a FastCGI socket" "$(unix_connect "$T_RUN/fcgi/users.1.sock")" connected
  P_REACHED="" P_N=0
  for sock in "$T_RUN"/fcgi/*.sock "$T_RUN/live/live.sock"; do
    P_N=$((P_N + 1))
    got=$(as_nobody perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "$!\n"; print "connected\n"' "$sock" 2>&1)
    [ "$got" = "Permission denied" ] || P_REACHED="$P_REACHED $sock: $got;"
  done
  check_eq "another local user connects to none of the 12 FastCGI sockets nor the live publisher (permission denied)" \
    "$P_N$P_REACHED" 13
  # the socket's group is nginx's workers': they may connect (the API answers through nginx above);
  # nobody, not in it, may not even with the directory open
  check_eq "the sockets' group is northstar-web, and nobody is not in it" \
    "$(stat -c '%G' "$T_RUN/fcgi/users.1.sock") $(id -nG nobody | tr ' ' '\n' | grep -cx northstar-web)" "northstar-web 0"
  # ---- a service started as root with no such user to become refuses to start, saying what to do
  out=$(NS_USER=northstar-no-such-user NS_SOCKET="$T_TMP/priv.sock" NS_JOBS=0 NS_WORKERS=1 \
        NS_JWT_SECRET_FILE="$T_DIR/jwt.secret" \
        NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=northstar_app" \
        timeout 20 "${NS_BUILD:-$ROOT/build}/users" 2>&1); rc=$?
  rm -f "$T_TMP/priv.sock"
  case $rc:$out in 1:*"NS_USER=northstar-no-such-user, which is not a user of this system: create it"*)
      ok "as root, a service without a user to become refuses to start (exit 1), saying what to do";;
    *) not_ok "as root, a service without a user to become refuses to start (exit 1), saying what to do" "rc $rc: $out";; esac
fi
# The reports' read-only role (docs/operations.md "The job's credential"): the services' role may
# switch to it but inherits none of it, so it still reads no sign-in table.
check_eq "northstar_app is a member of northstar_reports without inheriting it (no SELECT on login_failures)" \
  "$(sql "SELECT pg_has_role('northstar_app', 'northstar_reports', 'MEMBER') || ',' || pg_has_role('northstar_app', 'northstar_reports', 'USAGE')
          || ',' || has_table_privilege('northstar_app', 'login_failures', 'SELECT')
          || ',' || has_table_privilege('northstar_reports', 'api_keys', 'SELECT')")" "true,false,false,false"
done_testing
