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
# No credential was written to nginx's cache in the whole run (nginx/api-cache.conf keys it on
# a keyed hash): none of the tokens the files signed in with (lib.sh's login keeps them in
# T_TMP/token-*), no Bearer header, no session cookie in any cache file.
A_CACHE=$T_DIR/cache; [ -L "$T_DIR/shared" ] && A_CACHE=$T_DIR/shared/cache   # (stack.sh shared_dirs)
a_files=$(find "$A_CACHE" -type f 2>/dev/null | wc -l); a_toks=0; a_leaks=()
for f in "$T_TMP"/token-*; do
  [ -s "$f" ] || continue
  a_toks=$((a_toks + 1)); tok=$(cat "$f")
  grep -rlaF -- "$tok" "$A_CACHE" >/dev/null 2>&1 && a_leaks+=("${f##*/token-}")
  grep -rlaF -- "${tok##*.}" "$A_CACHE" >/dev/null 2>&1 && a_leaks+=("${f##*/token-}'s signature")
done
grep -rlaE 'Bearer |ns_session=' "$A_CACHE" >/dev/null 2>&1 && a_leaks+=("a Bearer or ns_session= string")
if [ "$a_toks" = 0 ] || [ "$a_files" = 0 ]; then
  ok "no credential in the cache directory # SKIP no token or no cache file in this run ($a_toks tokens, $a_files files)"
elif [ "${#a_leaks[@]}" = 0 ]; then ok "no credential in the cache directory ($a_toks tokens of the run, $a_files cache files)"
else not_ok "no credential in the cache directory" "found: ${a_leaks[*]}"; fi
done_testing
