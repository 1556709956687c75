# t-zz-login-limit.sh — sign-in's coarse front line, nginx's limit_req per address (LOGIN_RATE; the
# service's own limits per account and address are t-signin-limit.sh's).
# (runs last: it exhausts the sign-in budget of 127.0.0.1).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# 80 attempts at once from one curl process (--parallel): they arrive together however slow the
# machine is at starting processes or checking bcrypt hashes, so the rate (300r/m in tests, burst 20)
# is exceeded for sure.  Each names another e-mail that is no account: no account or address pair
# reaches the service's limit (5 free failures), so every 429 here is nginx's.
D=zz-login-limit.test
defer "sql \"DELETE FROM login_failures WHERE email LIKE 'guess-%@$D'\""
for i in $(seq 1 80); do
  if [ "$i" -gt 1 ]; then echo next; fi
  printf 'url = "http://127.0.0.1:%s/api/auth/login"\nrequest = "POST"\n' "$T_PORT"
  printf 'header = "Content-Type: application/json"\n'
  printf 'data = "{\\"email\\":\\"guess-%s@%s\\",\\"password\\":\\"guess-%s\\"}"\n' "$i" "$D" "$i"
  printf 'output = "%s/limit-%s.json"\ndump-header = "%s/limit-%s.hdr"\n' "$T_TMP" "$i" "$T_TMP" "$i"
  printf 'write-out = "%%{http_code} %s\\n"\n' "$i"
done >"$T_TMP/limit.curl"
curl -s --parallel --parallel-immediate --parallel-max 80 -K "$T_TMP/limit.curl" >"$T_TMP/limit.codes"
n429=$(grep -c '^429 ' "$T_TMP/limit.codes")
[ "$n429" -gt 0 ] && ok "rapid sign-in attempts from one address get 429 ($n429 of 80)" || not_ok "rapid sign-in attempts get 429" "codes: $(cut -d' ' -f1 "$T_TMP/limit.codes" | sort | uniq -c | tr '\n' ' ')"
first=$(awk '$1 == 429 { print $2; exit }' "$T_TMP/limit.codes")
check_eq "the 429 comes in the JSON error shape" "$(jq -r .error.code "$T_TMP/limit-${first:-none}.json" 2>/dev/null)" too_many_requests
# nginx's message (the service's says "for this account"): these are the front line's
check_eq "… from nginx's front line, not the service's per-account limit" \
  "$(jq -r '.error.message | test("from this address")' "$T_TMP/limit-${first:-none}.json" 2>/dev/null)" true
check_eq "… with Retry-After (LOGIN_RATE frees an attempt every 2 s at the default 30r/m)" \
  "$(grep -i '^Retry-After:' "$T_TMP/limit-${first:-none}.hdr" 2>/dev/null | cut -d' ' -f2 | tr -d '\r')" 2
check_eq "… and the security headers" \
  "$(grep -ci '^X-Content-Type-Options: nosniff' "$T_TMP/limit-${first:-none}.hdr" 2>/dev/null)" 1
done_testing
