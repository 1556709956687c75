#!/usr/bin/env bash
# bench-slowloris.sh — slow clients for `make bench` (issue 20; docs/benchmarks.md "Slow clients
# (issue 20)"): one address (127.0.0.1) holds BENCH_SLOW_CONNS (2,000) connections while another
# (127.0.0.2) loads the dashboard's API, and the second one's latency is compared with its
# latency when nobody attacks:
#  S1. the dashboard client alone: BENCH_SLOW_ROUNDS (40) rounds of five dashboard calls (the
#      executive view's three and the product and marketing summaries; X-No-Cache: 1, as the
#      CEO, one kept-alive connection a round, a new one each round), p50 / p95 in ms; measured
#      before and after the attacks, both runs' calls together; under attack the rounds go on for
#      at least 15 s (past the 10-s client timeouts);
#  S2. slow-loris: each attacking connection sends a request head one line every 5 s and never
#      ends it; nginx closes it after client_header_timeout (10 s) and the attacker opens it again
#      at once.  These connections have no request yet, so limit_conn does not count them: the
#      timeouts and worker_connections (8192) are what protects;
#  S3. slow bodies: each sends a whole head (POST, Content-Length 60,000) and then one byte every
#      5 s.  These are requests in progress: CONN_LIMIT (256) of them are held, the others are
#      refused at once with the JSON 429 and come back 2 s later (an attacker that does not give
#      up).
# For S2 and S3: p50 / p95 of the dashboard client and their ratio to S1 (goal ≤ 1.5 × at p95,
# and no call failed), how many attacking connections were open, and (S3) the 429s.
# Prints one tab-separated line per figure on stdout:  ROW <measure> <value> <goal> <result>
# and writes the section to BENCH_SLOW_SECTION when set (scripts/bench.sh);
# `scripts/bench-slowloris.sh --doc` replaces that section of docs/benchmarks.md in place.
# It starts a small stack of its own (SCALE 0.02) with the default CONN_LIMIT (make bench's stack
# raises it for the 2,000 live subscribers of bench-live.sh).  About 2 minutes with the start.
#   env: BENCH_SLOW_CONNS (2000), BENCH_SLOW_ROUNDS (40), SCALE (0.02)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
N=${BENCH_SLOW_CONNS:-2000}; ROUNDS=${BENCH_SLOW_ROUNDS:-40}
DOC=0; [ "${1:-}" = --doc ] && DOC=1
say() { printf '==> %s\n' "$*" >&2; }
WORK=$(mktemp -d /tmp/northstar-bench-slow.XXXXXX)
. scripts/bench-stack.sh   # bench_doc_section
OWN="" ATTACK=""
cleanup() {
  [ -n "$ATTACK" ] && { kill "$ATTACK" 2>/dev/null; wait "$ATTACK" 2>/dev/null; }
  [ -n "$OWN" ] && scripts/stack.sh stop "$OWN" >/dev/null 2>&1; rm -rf "$WORK"; [ -n "$OWN" ] && rm -rf "$OWN"
  return 0
}
trap cleanup EXIT; trap 'exit 1' INT TERM
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"

OWN=$(mktemp -d /tmp/northstar-bench-slow-stack.XXXXXX)
say "starting a stack (SCALE=${SCALE:-0.02}, CONN_LIMIT default)"
env -u CONN_LIMIT PORT=0 FAST=1 SCALE=${SCALE:-0.02} LIVE=0 scripts/stack.sh start "$OWN" >"$WORK/start.log" 2>&1 \
  || { cat "$WORK/start.log" >&2; exit 1; }
PORT=$(cat "$OWN/run/http.port"); U=http://127.0.0.1:$PORT
LIMIT=$(sed -n 's/^ *limit_conn peraddr \([0-9]*\);.*/\1/p' "$OWN/nginx/conf/nginx.conf" | head -1)
TOK=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"email":"ceo@northstar.example","password":"northstar-demo"}' "$U/api/auth/login" | jq -r '.token // empty')
[ -n "$TOK" ] || { say "the CEO's sign-in failed"; exit 1; }
curl -s -o /dev/null --interface 127.0.0.2 "$U/api/users/health" || { say "127.0.0.2 cannot reach nginx"; exit 1; }

# The attacker: one perl process, N non-blocking connections from 127.0.0.1.  MODE header|body.
# Every second it writes "open=<connected> reconnects=<n> refused429=<n>" to its status file.
cat >"$WORK/attack.pl" <<'PERL'
use strict; use warnings; use IO::Socket::INET; use IO::Select; use Time::HiRes qw(time sleep);
my ($port, $n, $mode, $status) = @ARGV;
my $head = $mode eq 'body'
  ? "POST /api/alerts/rules HTTP/1.1\r\nHost: 127.0.0.1:$port\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n"
  : "GET /api/revenue/summary HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n";
my (%conn, @pending); my ($reconnects, $refused) = (0, 0);
my $sel = IO::Select->new;
sub open_one {
  my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, LocalAddr => '127.0.0.1',
                                Blocking => 1, Timeout => 2) or return 0;
  $s->blocking(0); syswrite($s, $head);
  $conn{fileno $s} = { s => $s, next => time + 5, i => 0 }; $sel->add($s); return 1;
}
$SIG{TERM} = sub { exit 0 };
for (1 .. $n) { open_one() or push @pending, time + 1; }
my $report = 0;
while (1) {
  for my $s ($sel->can_read(0.2)) {
    my $buf; my $r = sysread($s, $buf, 4096);
    next if defined $r && $r > 0 && $buf !~ /^HTTP\/1\.1 /;
    $refused++ if defined $r && $r > 0 && $buf =~ /^HTTP\/1\.1 429/;
    # closed, or answered (408, 429, 413): gone; open another later
    $sel->remove($s); delete $conn{fileno $s}; close $s;
    push @pending, time + ($mode eq 'body' ? 2 : 0); $reconnects++;
  }
  my $now = time;
  for my $c (values %conn) {
    next if $c->{next} > $now;
    $c->{next} = $now + 5; $c->{i}++;
    syswrite($c->{s}, $mode eq 'body' ? "{" : "X-Slow-$c->{i}: x\r\n");
  }
  @pending = sort { $a <=> $b } @pending;
  while (@pending && $pending[0] <= $now) { shift @pending; open_one() or do { push @pending, $now + 1; last }; }
  if ($now >= $report) {
    open my $f, '>', "$status.new" or die; printf $f "open=%d reconnects=%d refused429=%d\n", scalar(keys %conn), $reconnects, $refused;
    close $f; rename "$status.new", $status; $report = $now + 1;
  }
}
PERL

# the executive view's calls (web/src/views/executive.js) and two of the other views' summaries
PATHS=(/api/revenue/summary /api/users/summary "/api/revenue/mrr?months=12" /api/product/summary /api/marketing/summary)
# dashboard LABEL [SECONDS] — ROUNDS rounds from 127.0.0.2, and more until SECONDS have passed;
# times in ms in $WORK/LABEL.ms, failed calls (not 200) counted in $WORK/LABEL.fail
dashboard() {
  local urls=() p t_end=$((SECONDS + ${2:-0})) n=0
  for p in "${PATHS[@]}"; do urls+=(-o /dev/null "$U$p"); done
  : >"$WORK/$1"
  while [ "$n" -lt "$ROUNDS" ] || [ "$SECONDS" -lt "$t_end" ]; do
    curl -s --interface 127.0.0.2 --max-time 30 -w '%{http_code} %{time_total}\n' \
      -H "Authorization: Bearer $TOK" -H 'X-No-Cache: 1' "${urls[@]}" >>"$WORK/$1" || true
    n=$((n + 1))
  done
  awk '$1 != 200' "$WORK/$1" | wc -l >"$WORK/$1.fail"
  awk '$1 == 200 { printf "%.2f\n", $2 * 1000 }' "$WORK/$1" | sort -n >"$WORK/$1.ms"
}
pct() { awk -v q="$2" '{a[NR]=$1} END { if (NR == 0) { print "n/a"; exit } i = int(NR * q + 0.999); if (i < 1) i = 1; printf "%.1f", a[i] }' "$WORK/$1.ms"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# attack MODE LABEL — start the attacker, wait until it holds its connections (at most 20 s),
# measure the dashboard, stop it
attack() {
  perl "$WORK/attack.pl" "$PORT" "$N" "$1" "$WORK/$1.status" & ATTACK=$!
  local want=$N open=0
  [ "$1" = body ] && want=$((LIMIT < N ? LIMIT : N))
  for _ in $(seq 1 100); do
    open=$(sed -n 's/.*open=\([0-9]*\).*/\1/p' "$WORK/$1.status" 2>/dev/null || echo 0)
    [ "${open:-0}" -ge "$want" ] && break; sleep 0.2
  done
  sleep 2
  ss -Htn state established "( dport = :$PORT and src 127.0.0.1 )" 2>/dev/null | wc -l >"$WORK/$1.est0"
  dashboard "$2" 15   # past client_header_timeout: the attacker's connections are closed and come back
  ss -Htn state established "( dport = :$PORT and src 127.0.0.1 )" 2>/dev/null | wc -l >"$WORK/$1.est1"
  cp "$WORK/$1.status" "$WORK/$1.final"
  kill "$ATTACK"; wait "$ATTACK" 2>/dev/null || true; ATTACK=""
  sleep 11   # nginx closes what is left (client timeouts 10 s)
}

say "S1 the dashboard alone ($ROUNDS rounds of ${#PATHS[@]} calls from 127.0.0.2)"
dashboard base1
say "S2 slow-loris: $N unfinished request heads from 127.0.0.1"
attack header loris
say "S3 slow bodies: $N unfinished request bodies from 127.0.0.1 (CONN_LIMIT $LIMIT)"
attack body bodies
say "S1 again"
dashboard base2
cat "$WORK/base1.ms" "$WORK/base2.ms" | sort -n >"$WORK/base.ms"; cat "$WORK/base1.fail" "$WORK/base2.fail" | paste -sd+ | bc >"$WORK/base.fail"

ROWS=()
row() { ROWS+=("$(printf '| %s | %s | %s | %s |' "$1" "$2" "$3" "$4")"); printf 'ROW\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"; }
b50=$(pct base 0.5); b95=$(pct base 0.95)
row "S1. dashboard from 127.0.0.2 alone: p50 / p95 ms ($(wc -l <"$WORK/base.ms") calls, $(cat "$WORK/base.fail") failed)" \
  "$b50 / $b95" "baseline" ""
for m in loris:header:"S2. with $N slow-loris connections from 127.0.0.1" bodies:body:"S3. with $N slow-body connections from 127.0.0.1"; do
  label=${m%%:*}; rest=${m#*:}; mode=${rest%%:*}; what=${rest#*:}
  p50=$(pct "$label" 0.5); p95=$(pct "$label" 0.95); fail=$(cat "$WORK/$label.fail")
  r50=$(ratio "$p50" "$b50"); r95=$(ratio "$p95" "$b95")
  st=$(awk -v r="$r95" -v f="$fail" 'BEGIN { print (r != "n/a" && r + 0 <= 1.5 && f == 0) ? "met" : "short" }')
  read -r est0 <"$WORK/$mode.est0"; read -r est1 <"$WORK/$mode.est1"
  final=$(tr ' ' ',' <"$WORK/$mode.final")
  row "$what: dashboard p50 / p95 ms ($fail failed)" "$p50 / $p95" "p95 ≤ 1.5 × S1, none failed" \
      "$r50 × / $r95 ×: $st (attacker's connections open at start / end: $est0 / $est1; $final)"
done

section() {
  cat <<EOT
## Slow clients (issue 20)

Measured by \`scripts/bench-slowloris.sh\` (part of \`make bench\`) on $(date -u +%Y-%m-%d), $(nproc) cores, on
loopback, a stack of its own at SCALE=${SCALE:-0.02} with nginx's defaults (CONN_LIMIT $LIMIT requests in
progress per address, client timeouts 10 s, one worker of 8,192 connections). One address
(127.0.0.1) attacks with $N connections; another (127.0.0.2) loads five
dashboard calls (at least $ROUNDS rounds, \`X-No-Cache: 1\`, as the CEO, one connection a round; under
attack for at least 15 s).

| measure | value | goal | result |
|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")

- **Slow-loris (S2)**: a connection whose request head never ends has no request yet, so
  \`limit_conn\` cannot count it; \`client_header_timeout 10s\` closes it (the timer runs from the
  connection's start and is not restarted by each line: "reconnects" counts the attacker's
  connections closed so and opened again), and one worker holds all of them beside the
  dashboard's (\`worker_connections 8192\`, an event loop: an idle connection costs memory, not a
  thread). The "open" figures are the attacker's connections established at the start and end
  of the measurement.
- **Slow bodies (S3)**: a request whose body never ends is a request in progress: $LIMIT are
  held (as long as a byte comes every 5 s, \`client_body_timeout\` does not end them), every
  further one is answered at once with the JSON 429 \`too_many_connections\` and comes back 2 s
  later; the 429 count is the attacker's. What the dashboard pays here is that flood (some 700
  refused requests a second from one perl process, on the same two cores), not held
  connections: a client that floods is a matter for a firewall rule, nginx answers it cheaply.
- The ratio compares the same client's latency with and without the attack, in one run, on a
  shared machine; the baseline is the runs before and after the attacks taken together.
EOT
}
if [ -n "${BENCH_SLOW_SECTION:-}" ]; then section >"$BENCH_SLOW_SECTION"; fi
if [ "$DOC" = 1 ]; then
  section >"$WORK/section.md"
  bench_doc_section "Slow clients (issue 20)" "$WORK/section.md"
fi
