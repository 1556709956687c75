# t-signin-limit.sh — the sign-in limits per account and address together (docs/reliability.md,
# "Sign-in limits"; services/users/signin.sql): the attacker is slowed, the real user still signs in.
#
# Over HTTP every attempt comes from 127.0.0.1; other addresses are driven through the SQL function
# itself with explicit addresses (nginx trusts no X-Forwarded-For, and the FastCGI sockets are not
# for tests to talk to).  The stack runs with NS_LOGIN_DELAY_BASE_S=1 and NS_LOGIN_DELAY_MAX_S=2
# (tests/integration/run.sh), so the longest wait is 2 s; the SQL calls pass their own base and cap.
# Every account here is this file's own (created and removed here), so the demo accounts other files
# sign in with are never held up.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
U=http://127.0.0.1:$T_PORT/api/auth/login
D=signin-limit.test
EMAILS="'a@$D', 'b@$D', 'c@$D', 'd@$D', 'e@$D', 'f@$D', 'nobody@$D'"
forget() { sql "DELETE FROM login_failures WHERE email IN ($EMAILS); DELETE FROM login_device_failures WHERE email IN ($EMAILS);
                DELETE FROM login_known WHERE email IN ($EMAILS)"; }
defer "sql \"DELETE FROM app_users WHERE email IN ($EMAILS)\"; forget"
forget
T_LOG0=$(wc -l <"$T_DIR/logs/users.log")   # this file's own log lines come after this one
# Five accounts with the password right-$letter (bcrypt cost 4: quick), and e@ whose hash costs 2^20
# rounds (about a minute of CPU): any attempt that checked it would outlast curl's --max-time.
sql "DELETE FROM app_users WHERE email IN ($EMAILS);
     INSERT INTO app_users (email, name, role, password_hash)
     SELECT l || '@$D', 'Signin ' || l, 'sales', crypt('right-' || l, gen_salt('bf', 4))
     FROM unnest(ARRAY['a', 'b', 'c', 'd', 'f']) l;
     INSERT INTO app_users (email, name, role, password_hash)
     VALUES ('e@$D', 'Signin e', 'sales', '\$2b\$20\$mrKidori7mLRMdk1rbOq6eszZS1FAFebB0fuH.fRNQrLk3gDvskCe')" >/dev/null

# attempts NAME EMAIL PASSWORD… — one curl process sends one attempt per PASSWORD, one after the
# other (so they follow each other within milliseconds); answer i is in $T_TMP/NAME-i.{json,hdr},
# and "CODE i" lines in $T_TMP/NAME.codes.  With JAR set, each sends and keeps the cookies of that
# file (a browser); with COOKIE set, each sends that Cookie header.
attempts() {
  local name=$1 email=$2 i=0 pw; shift 2
  for pw in "$@"; do
    i=$((i + 1)); [ "$i" -gt 1 ] && echo next
    printf 'url = "%s"\nrequest = "POST"\nheader = "Content-Type: application/json"\n' "$U"
    [ -n "${JAR:-}" ] && printf 'cookie = "%s"\ncookie-jar = "%s"\n' "$JAR" "$JAR"
    [ -n "${COOKIE:-}" ] && printf 'header = "Cookie: %s"\n' "$COOKIE"
    printf 'data = "{\\"email\\":\\"%s\\",\\"password\\":\\"%s\\"}"\n' "$email" "$pw"
    printf 'output = "%s/%s-%s.json"\ndump-header = "%s/%s-%s.hdr"\n' "$T_TMP" "$name" "$i" "$T_TMP" "$name" "$i"
    printf 'write-out = "%%{http_code} %s\\n"\n' "$i"
  done >"$T_TMP/$name.curl"
  curl -s --max-time 20 -K "$T_TMP/$name.curl" >"$T_TMP/$name.codes"
}
codes() { cut -d' ' -f1 "$T_TMP/$1.codes" | tr '\n' ' ' | sed 's/ $//'; }
retry_after() { grep -i '^Retry-After:' "$T_TMP/$1.hdr" | head -1 | cut -d' ' -f2 | tr -d '\r'; }

A_START=$(sql "SELECT coalesce(max(id), 0) FROM audit_log")
# ---- one address, one account: 5 failures are free, the 6th attempt waits (base 1 s * 2^(5-5))
attempts a "a@$D" w1 w2 w3 w4 w5 w6 right-a
check_eq "five wrong passwords are five 401s, then the account is limited from this address: the 6th wrong one and even the right one are 429" \
  "$(codes a)" "401 401 401 401 401 429 429"
check_eq "the 429 is the JSON error shape, code too_many_requests" "$(jq -r .error.code "$T_TMP/a-6.json")" too_many_requests
# the audit log (docs/operations.md): the 5 wrong passwords name the account, the 2 refused attempts
# are rate_limited without one (nothing was looked up), all from 127.0.0.1
check_eq "the audit log has the five wrong passwords and the two limited attempts, from 127.0.0.1" \
  "$(sql "SELECT string_agg(detail->>'reason' || ':' || host(address), ' ' ORDER BY id) FROM audit_log
          WHERE action = 'auth.login_failed' AND id > $A_START AND (target = 'a@$D' OR detail->>'reason' = 'rate_limited')")" \
  "wrong_password:127.0.0.1 wrong_password:127.0.0.1 wrong_password:127.0.0.1 wrong_password:127.0.0.1 wrong_password:127.0.0.1 rate_limited:127.0.0.1 rate_limited:127.0.0.1"
ra=$(retry_after a-6)
case "$ra" in 1|2) ok "the 429 says Retry-After in whole seconds, at most NS_LOGIN_DELAY_MAX_S (2): $ra";;
  *) not_ok "the 429 says Retry-After in whole seconds, at most NS_LOGIN_DELAY_MAX_S (2)" "Retry-After '$ra'";; esac
check_eq "its message says when to try again, in seconds" \
  "$(jq -r '.error.message | test("try again in [0-9]+ seconds")' "$T_TMP/a-6.json")" true
check_eq "the right password while limited gets the same refusal (no oracle)" \
  "$(jq -c '.error | {code, m: (.message | sub("[0-9]+"; "N"))}' "$T_TMP/a-7.json")" \
  "$(jq -c '.error | {code, m: (.message | sub("[0-9]+"; "N"))}' "$T_TMP/a-6.json")"
# 7 attempts: 5 let through and wrong (counted), 2 refused (not counted) -> 5
check_eq "refused attempts are not counted: 5 failures for (a, 127.0.0.1)" \
  "$(sql "SELECT failures FROM login_failures WHERE email = 'a@$D' AND addr = '127.0.0.1/32'")" 5
check_eq "no password is stored: the failures table has only e-mail, address, count, time" \
  "$(sql "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'login_failures'::regclass AND attnum > 0 AND NOT attisdropped")" \
  "email,addr,failures,last_at"
sleep "${ra:-2}"
attempts a2 "a@$D" right-a
check_eq "after Retry-After seconds the right password signs in" "$(codes a2)" 200
check_eq "a right password clears that address's failures and makes the address known to the account" \
  "$(sql "SELECT (SELECT count(*) FROM login_failures WHERE email = 'a@$D') || ',' || (SELECT count(*) FROM login_known WHERE email = 'a@$D' AND addr = '127.0.0.1/32')")" "0,1"

# ---- an e-mail that is no account is limited the same way (a limit tells nothing about accounts)
attempts n "nobody@$D" w1 w2 w3 w4 w5 w6
check_eq "an unknown e-mail: five 401s, then the same 429" "$(codes n)" "401 401 401 401 401 429"

# ---- a limited attempt checks no password: e@'s hash would take a minute.  Its failures are put in
# by hand, 10 from 127.0.0.1 stamped 30 s ahead (a clock that went back), so the limit holds however
# slow this machine is and the wait is the cap (min(2, 1 * 2^(10-5)) = 2, never the 30 s).
sql "INSERT INTO login_failures (email, addr, failures, last_at) VALUES ('e@$D', '127.0.0.1/32', 10, now() + interval '30 seconds')" >/dev/null
attempts e "e@$D" anything
check_eq "a limited attempt answers 429 at once, without running the minute-long bcrypt (curl --max-time 20)" "$(codes e)" 429
check_eq "… and its Retry-After is never more than the cap (2), even with failures stamped in the future" "$(retry_after e-1)" 2

# ---- many addresses against one account (SQL, explicit addresses; base 60 s, cap 900 s)
# b@ has never signed in anywhere.  200 wrong passwords from 40 addresses (5 each), in one statement
# (one now()): the first 20 are let through (the account's 20 free); every later one, from an
# address b@ never signed in from, waits 60 * 2^(20-20) = 60 s and is not counted: 20 checked, 180 refused.
check_eq "200 tries at b@ from 40 addresses: 20 let through, 180 told to wait 60 s (account-wide, 20 free)" \
  "$(sql "SELECT count(*) FILTER (WHERE w = 0) || ',' || count(*) FILTER (WHERE w = 60) || ',' || count(*)
          FROM (SELECT login_limit_check(p_email => 'b@$D', p_addr => '198.51.100.' || a,
                  p_base_s => 60, p_max_s => 900) AS w FROM generate_series(1, 40) a, generate_series(1, 5) k) s")" \
  "20,180,200"
check_eq "… counted: 20 failures for b@" "$(sql "SELECT sum(failures) FROM login_failures WHERE email = 'b@$D'")" 20

# c@'s real user signs in from 127.0.0.1; then the state after a long attack, made by hand: 40 other
# addresses with 5 failures each, just now (200 failures).  A new address waits the cap
# (60 * 2^(200-20) > 900 -> 900); the real user at their own address does not wait at all.
attempts c "c@$D" right-c
check_eq "the real user of c@ signs in from their own address (127.0.0.1)" "$(codes c)" 200
sql "INSERT INTO login_failures (email, addr, failures, last_at)
     SELECT 'c@$D', ('198.51.100.' || a)::cidr, 5, now() FROM generate_series(1, 40) a" >/dev/null
check_eq "after 200 failures from 40 addresses a new address waits the 900 s cap, and so does one of the 40" \
  "$(sql "SELECT login_limit_check(p_email => 'c@$D', p_addr => '203.0.113.9', p_base_s => 60, p_max_s => 900)
          || ',' || login_limit_check(p_email => 'c@$D', p_addr => '198.51.100.1', p_base_s => 60, p_max_s => 900)")" "900,900"
attempts c2 "c@$D" right-c
check_eq "the real user still signs in over HTTP from their own address after those 200 failures elsewhere" "$(codes c2)" 200
check_eq "an IPv6 address counts as its /64: 6 addresses of one /64 are one pair (5 free, then 60 s)" \
  "$(sql "SELECT string_agg(w::text, ',') FROM (SELECT i, login_limit_check(p_email => 'a@$D', p_addr => '2001:db8:1:2::' || to_hex(i),
            p_base_s => 60, p_max_s => 900) AS w FROM generate_series(1, 6) i) s")" "0,0,0,0,0,60"

# d@ never signed in from 127.0.0.1: 40 addresses * 5 failures, just now (by hand), hold it at every
# new address, 127.0.0.1 included, for at most the cap (here min(2, 1 * 2^180) = 2 s); then the
# right password goes through.
sql "INSERT INTO login_failures (email, addr, failures, last_at)
     SELECT 'd@$D', ('198.51.100.' || a)::cidr, 5, now() FROM generate_series(1, 40) a" >/dev/null
attempts d "d@$D" right-d
ra=$(retry_after d-1)
check_eq "an account under attack from 40 addresses: a new address, even with the right password, gets 429" "$(codes d)" 429
case "$ra" in 1|2) ok "… for at most NS_LOGIN_DELAY_MAX_S (2 s): Retry-After $ra";;
  *) not_ok "… for at most NS_LOGIN_DELAY_MAX_S (2 s)" "Retry-After '$ra'";; esac
sleep "${ra:-2}"
attempts d2 "d@$D" right-d
check_eq "after that wait, the right password signs in" "$(codes d2)" 200

# ---- a guesser behind the user's own address (an office NAT, a proxy): the device cookie
# f@ signs in from 127.0.0.1 in a browser (cookie jar), which gets an ns_device cookie for f@.
JAR=$T_TMP/f.jar attempts f "f@$D" right-f
check_eq "f@ signs in in a browser" "$(codes f)" 200
check_eq "a right password sets a device cookie, only for the sign-in path, HttpOnly, SameSite=Strict, 30 days (2592000 s)" \
  "$(grep -i '^Set-Cookie: ns_device=' "$T_TMP/f-1.hdr" | grep -c 'Path=/api/auth/login; Max-Age=2592000; HttpOnly; SameSite=Strict')" 1
# Then a guesser at the same address, without the cookie: 5 wrong passwords (401), and the pair's
# state made by hand as after many more (10 failures, stamped 30 s ahead so that it holds however
# slow this machine is).
attempts g "f@$D" w1 w2 w3 w4 w5
check_eq "the guesser at the user's address: five 401s" "$(codes g)" "401 401 401 401 401"
sql "UPDATE login_failures SET failures = 10, last_at = now() + interval '30 seconds' WHERE email = 'f@$D' AND addr = '127.0.0.1/32'" >/dev/null
attempts g2 "f@$D" right-f
check_eq "without the cookie, even the right password from that address is held back (429)" "$(codes g2)" 429
dev=$(awk '$6 == "ns_device" { print $7 }' "$T_TMP/f.jar")
bad=${dev%?}$([ "${dev: -1}" = 0 ] && echo 1 || echo 0)
COOKIE="ns_device=$bad" attempts g3 "f@$D" right-f
check_eq "a device cookie with one digit changed counts for nothing (429)" "$(codes g3)" 429
sql "INSERT INTO login_failures (email, addr, failures, last_at) VALUES ('a@$D', '127.0.0.1/32', 10, now() + interval '30 seconds')" >/dev/null
COOKIE="ns_device=$dev" attempts g4 "a@$D" right-a
check_eq "f@'s device cookie counts for nothing at another account (a@ held at 127.0.0.1 the same way: 429)" "$(codes g4)" 429
JAR=$T_TMP/f.jar attempts f2 "f@$D" wrong right-f
check_eq "the real user's browser, with its cookie, is not held back by the guesser: a typo (401), then in (200)" "$(codes f2)" "401 200"
check_eq "… its typo was counted on its device and cleared by the right password; the guesser's 10 stay on the address" \
  "$(sql "SELECT (SELECT count(*) FROM login_device_failures WHERE email = 'f@$D') || ',' || (SELECT failures FROM login_failures WHERE email = 'f@$D' AND addr = '127.0.0.1/32')")" "0,10"
check_eq "a browser with a valid cookie gets no new one" "$(grep -ci '^Set-Cookie: ns_device=' "$T_TMP/f2-2.hdr")" 0
check_eq "the device's own counter: 5 free, then the same doubling (60 s at base 60)" \
  "$(sql "SELECT string_agg(w::text, ',') FROM (SELECT i, login_limit_check(p_email => 'f@$D', p_addr => '127.0.0.1',
            p_device => '00000000000000ff', p_base_s => 60, p_max_s => 900) AS w FROM generate_series(1, 6) i) s")" "0,0,0,0,0,60"

# ---- the arithmetic and the keys (hand-worked: base * 2^(failures - free), capped)
check_eq "delays: 4 of 5 free -> 0; 5 -> 1; 9 -> 2^4 = 16; 15 -> 2^10 = 1024 -> cap 900; 1000 at base 60 -> 900" \
  "$(sql "SELECT login_delay(4, 5, 1, 900) || ',' || login_delay(5, 5, 1, 900) || ',' || login_delay(9, 5, 1, 900)
          || ',' || login_delay(15, 5, 1, 900) || ',' || login_delay(1000, 5, 60, 900)")" "0,1,16,900,900"
check_eq "address keys: IPv4 itself, IPv6 its /64, IPv4-mapped IPv6 itself, none one shared key" \
  "$(sql "SELECT login_addr('192.0.2.1') || ' ' || login_addr('2001:db8:1:2:3:4:5:6') || ' ' || login_addr('::ffff:192.0.2.1') || ' ' || login_addr(NULL)")" \
  "192.0.2.1/32 2001:db8:1:2::/64 ::ffff:192.0.2.1/128 ::/128"
sql "UPDATE login_failures SET last_at = last_at - interval '25 hours' WHERE email = 'b@$D'" >/dev/null
check_eq "failures are forgotten 24 h after a pair's last one: b@ lets a 41st address through, counted alone" \
  "$(sql "SELECT login_limit_check(p_email => 'b@$D', p_addr => '198.51.100.41', p_base_s => 60, p_max_s => 900)")","$(sql "SELECT sum(failures) FROM login_failures WHERE email = 'b@$D'")" "0,1"
check_eq "bad delays are refused (22023)" \
  "$(sql "SELECT login_limit_check(p_email => 'b@$D', p_addr => NULL, p_base_s => 5, p_max_s => 1)" 2>&1 | grep -o 'base (5) <= max (1)')" "base (5) <= max (1)"

# ---- who may touch what
check_eq "the app role may execute the two functions and read neither table; PUBLIC (the BI role) may not execute them" \
  "$(sql "SELECT has_function_privilege('northstar_app', 'login_limit_check(text,text,int,int,text)', 'EXECUTE')
          || ',' || has_function_privilege('northstar_app', 'login_limit_clear(text,text,text)', 'EXECUTE')
          || ',' || has_table_privilege('northstar_app', 'login_failures', 'SELECT,INSERT,UPDATE,DELETE')
          || ',' || has_table_privilege('northstar_app', 'login_device_failures', 'SELECT,INSERT,UPDATE,DELETE')
          || ',' || has_table_privilege('northstar_app', 'login_known', 'SELECT,INSERT,UPDATE,DELETE')
          || ',' || has_function_privilege('northstar_bi', 'login_limit_check(text,text,int,int,text)', 'EXECUTE')")" \
  "true,true,false,false,false,false"
check_eq "the functions run as northstar_signin, which cannot log in" \
  "$(sql "SELECT string_agg(p.proname || ':' || pg_get_userbyid(p.proowner) || ':' || p.prosecdef, ' ' ORDER BY p.proname)
          || ' ' || (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'northstar_signin')
          FROM pg_proc p WHERE p.proname IN ('login_limit_check', 'login_limit_clear')")" \
  "login_limit_check:northstar_signin:true login_limit_clear:northstar_signin:true false"
if tail -n +"$((T_LOG0 + 1))" "$T_DIR/logs/users.log" | grep -q "sign-in limited for a@$D from 127.0.0.1: retry in"; then
  ok "a limited attempt is logged with the account and the address"; else not_ok "a limited attempt is logged with the account and the address"; fi
done_testing
