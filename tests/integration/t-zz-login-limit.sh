# t-zz-login-limit.sh — brute force on sign-in meets nginx's limit_req
# (runs last: it exhausts the sign-in budget of 127.0.0.1).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# 40 attempts at once from one curl process (--parallel): they arrive together however slow the
# machine is at starting processes or checking bcrypt hashes, so the rate is exceeded for sure.
for i in $(seq 1 40); do
  if [ "$i" -gt 1 ]; then echo next; fi
  printf 'url = "http://127.0.0.1:%s/api/auth/login"\nrequest = "POST"\n' "$T_PORT"
  printf 'header = "Content-Type: application/json"\n'
  printf 'data = "{\\"email\\":\\"ceo@northstar.example\\",\\"password\\":\\"guess-%s\\"}"\n' "$i"
  printf 'output = "%s/limit-%s.json"\nwrite-out = "%%{http_code} %s\\n"\n' "$T_TMP" "$i" "$i"
done >"$T_TMP/limit.curl"
curl -s --parallel --parallel-immediate --parallel-max 40 -K "$T_TMP/limit.curl" >"$T_TMP/limit.codes"
n429=$(grep -c '^429 ' "$T_TMP/limit.codes")
[ "$n429" -gt 0 ] && ok "rapid sign-in attempts get 429 ($n429 of 40)" || not_ok "rapid sign-in attempts get 429" "codes: $(cut -d' ' -f1 "$T_TMP/limit.codes" | sort | uniq -c | tr '\n' ' ')"
first=$(awk '$1 == 429 { print $2; exit }' "$T_TMP/limit.codes")
check_eq "the 429 comes in the JSON error shape" "$(jq -r .error.code "$T_TMP/limit-${first:-none}.json" 2>/dev/null)" too_many_requests
done_testing
