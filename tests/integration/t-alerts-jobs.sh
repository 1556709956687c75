# t-alerts-jobs.sh — the alerts job and the delivery thread survive lost database sessions.  The
# webhook and SMTP settings come only from the alerts process's environment here (session settings,
# no alert_settings rows), so a session that skipped its setup shows at once: the job queues no
# notification, the delivery thread cannot send e-mail.
#   - the job's backend is terminated: the job reconnects and sets its session up again (job_setup);
#   - the delivery thread's setup fails on a fresh connection: it never uses that connection, and
#     retries with backoff until setup and LISTEN both work.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

AJ=$T_TMP/alerts-jobs; mkdir -p "$AJ/mail"
AJ_PIDS=(); AJ_CUSTS=(); AJ_BILLING=()
AJ_MAX=$(sql "SELECT coalesce(max(id), 0) FROM alert_deliveries"); AJ_T0=$(sql "SELECT now()")
aj_cleanup() {
  [ -n "${AJ_DONE:-}" ] && return; AJ_DONE=1
  sql "GRANT EXECUTE ON FUNCTION set_config(text, text, boolean) TO PUBLIC" >/dev/null 2>&1
  [ "${#AJ_PIDS[@]}" -gt 0 ] && { kill "${AJ_PIDS[@]}" 2>/dev/null; wait "${AJ_PIDS[@]}" 2>/dev/null; }
  # The planted failed payments go first: the restarted job evaluates at once, and must not
  # raise their alerts again after they are deleted (t-alerts counts failed-payments alerts).
  [ "${#AJ_BILLING[@]}" -gt 0 ] && sql "DELETE FROM billing_events WHERE id IN ($(IFS=,; echo "${AJ_BILLING[*]}"))" >/dev/null
  # the services as the stack started them (no notification settings, the 30 s job)
  "$ROOT/scripts/stack.sh" services-restart "$T_DIR" >/dev/null 2>&1
  [ "${#AJ_CUSTS[@]}" -gt 0 ] && sql "DELETE FROM alerts WHERE customer_id IN ($(IFS=,; echo "${AJ_CUSTS[*]}"))" >/dev/null
  sql "DELETE FROM alert_deliveries WHERE id > $AJ_MAX" >/dev/null
  sql "DELETE FROM report_runs WHERE created_at >= '$AJ_T0'" >/dev/null
}
defer aj_cleanup   # however this file ends

node "$ROOT/tests/alerts/webhook-receiver.js" "$AJ/wh.port" "$AJ/wh.log" 0 300 & AJ_PIDS+=($!)
node "$ROOT/tests/alerts/smtp-receiver.js" "$AJ/smtp.port" "$AJ/mail" 300 & AJ_PIDS+=($!)
for _ in $(seq 1 50); do [ -s "$AJ/wh.port" ] && [ -s "$AJ/smtp.port" ] && break; sleep 0.1; done
AJ_HOOK=http://127.0.0.1:$(cat "$AJ/wh.port")/jobs-hook
sql "DELETE FROM alert_settings" >/dev/null
NS_ALERTS_WEBHOOK_URL=$AJ_HOOK NS_SMTP_URL=smtp://127.0.0.1:$(cat "$AJ/smtp.port") NS_ALERTS_JOB_SECONDS=1 \
  "$ROOT/scripts/stack.sh" services-restart "$T_DIR" >/dev/null

# A new failed-payments alert on a customer without alerts; the job (not this test) evaluates it.
aj_new_alert() {  # sets AJ_CUST
  AJ_CUST=$(sql "SELECT c.id FROM customers c WHERE c.cs_owner_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.customer_id = c.id)
                   AND NOT EXISTS (SELECT 1 FROM billing_events b WHERE b.customer_id = c.id AND b.kind = 'payment_failed')
                 ORDER BY c.id LIMIT 1")
  AJ_CUSTS+=("$AJ_CUST")
  AJ_BILLING+=("$(sql "INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents)
                       VALUES ($AJ_CUST, now() - interval '1 minute', 'payment_failed', 4200) RETURNING id")")
}
# aj_delivery CHANNEL — the status of AJ_CUST's alert delivery on CHANNEL, once sent (20 s at most)
aj_delivery() {
  local s
  for _ in $(seq 1 80); do
    s=$(sql "SELECT string_agg(d.status || ' to ' || d.target, ',') FROM alert_deliveries d
             JOIN alert_events e ON e.id = d.event_id JOIN alerts a ON a.id = e.alert_id
             WHERE a.customer_id = $AJ_CUST AND e.kind = 'opened' AND d.channel = '$1'")
    [ "${s%% *}" = sent ] && break; sleep 0.25
  done
  echo "${s:-no delivery}"
}
aj_owner() { sql "SELECT u.email FROM customers c JOIN app_users u ON u.id = c.cs_owner_id WHERE c.id = $AJ_CUST"; }
job_backends() {
  sql "SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE application_name = 'alerts'
       AND pid <> pg_backend_pid() AND query ~ '(rollup_refresh|alert_evaluate|alert_schedule_reports|report_run_claim)'"
}

# ---- the settings from the environment reach the job and the delivery thread
for _ in $(seq 1 50); do [ -n "$(job_backends)" ] && break; sleep 0.2; done
aj_new_alert
check_eq "alerts job: a new alert's webhook goes to NS_ALERTS_WEBHOOK_URL" "$(aj_delivery webhook)" "sent to $AJ_HOOK"
check_eq "alerts job: its e-mail goes to the customer's CS manager over NS_SMTP_URL" "$(aj_delivery email)" "sent to $(aj_owner)"

# ---- the job's session is lost, three times: each new connection is set up again.  (From the
# second reconnect on, libpq's new connection object tends to sit at the old one's address.)
AJ_RECONNECTS=0
for _ in 1 2 3; do
  AJ_OLD=$(job_backends)
  [ "$(sql "SELECT pg_terminate_backend(${AJ_OLD:-0})" 2>/dev/null)" = t ] || break
  for _ in $(seq 1 50); do AJ_NOW=$(job_backends); [ -n "$AJ_NOW" ] && [ "$AJ_NOW" != "$AJ_OLD" ] && break; sleep 0.2; done
  [ -n "$AJ_NOW" ] && [ "$AJ_NOW" != "$AJ_OLD" ] || break
  AJ_RECONNECTS=$((AJ_RECONNECTS + 1))
done
check_eq "alerts job: reconnected each time its session was terminated" "$AJ_RECONNECTS" 3
aj_new_alert
check_eq "alerts job: after the reconnects a new alert's webhook still goes out (session set up again)" \
  "$(aj_delivery webhook)" "sent to $AJ_HOOK"
check_eq "alerts job: after the reconnects a new alert's e-mail still goes out" "$(aj_delivery email)" "sent to $(aj_owner)"

# ---- the delivery thread's setup fails on a fresh connection (set_config refused for a moment)
notify_backend() {
  sql "SELECT pid FROM pg_stat_activity WHERE application_name = 'alerts' AND pid <> pg_backend_pid()
       AND query ~ 'alert_deliver' ORDER BY pid LIMIT 1"
}
AJ_LOG_AT=$(wc -l <"$T_DIR/logs/alerts.log")
AJ_NB=$(notify_backend)
sql "REVOKE EXECUTE ON FUNCTION set_config(text, text, boolean) FROM PUBLIC" >/dev/null
check_eq "delivery thread: its session terminated" "$(sql "SELECT pg_terminate_backend(${AJ_NB:-0})" 2>&1)" t
sleep 2.5
sql "GRANT EXECUTE ON FUNCTION set_config(text, text, boolean) TO PUBLIC" >/dev/null
if tail -n +"$((AJ_LOG_AT + 1))" "$T_DIR/logs/alerts.log" | grep -q 'delivery thread: no usable connection; next try in'; then
  ok "delivery thread: a failed setup is logged with the next try"
else not_ok "delivery thread: a failed setup is logged with the next try" "$(tail -n +"$((AJ_LOG_AT + 1))" "$T_DIR/logs/alerts.log" | head -5)"; fi
aj_new_alert
check_eq "delivery thread: after a failed setup it sends e-mail again (no half-prepared connection)" \
  "$(aj_delivery email)" "sent to $(aj_owner)"
check_eq "delivery thread: and webhooks" "$(aj_delivery webhook)" "sent to $AJ_HOOK"
AJ_MAIL=$(grep -l "^X-Envelope-To: $(aj_owner)" "$AJ"/mail/*.eml 2>/dev/null | xargs -r grep -l 'multipart/alternative' | head -1)
if [ -n "$AJ_MAIL" ] && grep -q 'text/html' "$AJ_MAIL" && grep -q 'text/plain' "$AJ_MAIL" && grep -qi '^Subject: Northstar alert' "$AJ_MAIL"; then
  ok "delivery thread: the e-mail is multipart/alternative with text and HTML"
else not_ok "delivery thread: the e-mail is multipart/alternative with text and HTML" "$(head -c 600 "${AJ_MAIL:-/dev/null}")"; fi

aj_cleanup
done_testing
