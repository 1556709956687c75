# t-zz-login-limit.sh — brute force on sign-in meets nginx's limit_req
# (runs last: it exhausts the sign-in budget of 127.0.0.1).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
codes=""
for i in $(seq 1 40); do
  codes="$codes $(curl -s -o "$T_TMP/limit.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"email":"ceo@northstar.example","password":"guess-'$i'"}' "http://127.0.0.1:$T_PORT/api/auth/login")"
done
n429=$(tr ' ' '\n' <<<"$codes" | grep -c '^429$')
[ "$n429" -gt 0 ] && ok "rapid sign-in attempts get 429 ($n429 of 40)" || not_ok "rapid sign-in attempts get 429" "codes:$codes"
check_eq "the 429 comes in the JSON error shape" "$(jq -r .error.code "$T_TMP/limit.json")" too_many_requests
done_testing
