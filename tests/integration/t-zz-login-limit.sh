# t-zz-login-limit.sh — brute force on sign-in meets nginx's limit_req
# (runs last: it exhausts the sign-in budget of 127.0.0.1).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# 40 attempts, 10 at a time: the rate is exceeded however long each bcrypt takes on a busy machine.
seq 1 40 | xargs -P 10 -I{} curl -s -o "$T_TMP/limit-{}.json" -w '%{http_code} {}\n' -X POST \
  -H 'Content-Type: application/json' -d '{"email":"ceo@northstar.example","password":"guess-{}"}' \
  "http://127.0.0.1:$T_PORT/api/auth/login" >"$T_TMP/limit.codes"
n429=$(grep -c '^429 ' "$T_TMP/limit.codes")
[ "$n429" -gt 0 ] && ok "rapid sign-in attempts get 429 ($n429 of 40)" || not_ok "rapid sign-in attempts get 429" "codes: $(cut -d' ' -f1 "$T_TMP/limit.codes" | sort | uniq -c | tr '\n' ' ')"
first=$(awk '$1 == 429 { print $2; exit }' "$T_TMP/limit.codes")
check_eq "the 429 comes in the JSON error shape" "$(jq -r .error.code "$T_TMP/limit-${first:-none}.json" 2>/dev/null)" too_many_requests
done_testing
