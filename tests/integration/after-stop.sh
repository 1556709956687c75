# after-stop.sh — run by run.sh once the stack is stopped (so that
# sanitizer builds have written their reports): what the service logs
# say about the whole run.  A TAP producer like the t-*.sh files.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$T_DIR"/logs/*.log >"$T_TMP/san" 2>/dev/null; then
  not_ok "no sanitizer report in any service log" "$(tr '\n' ' ' <"$T_TMP/san")"
  grep -h -A15 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_DIR"/logs/*.log | head -60 | sed 's/^/#   /'
else ok "no sanitizer report in any service log"; fi
# (status 137 is t-faults.sh killing an instance on purpose)
if grep -h -E 'supervise: .* exited' "$T_DIR"/logs/*.log | grep -v 'status 137' >"$T_TMP/crash"; then
  not_ok "no service crashed during the tests" "$(head -3 "$T_TMP/crash")"
else ok "no service crashed during the tests"; fi
done_testing
