#!/usr/bin/env bash
# tap-selftest.sh — the counting of tests/run.sh on canned TAP: each case
# feeds one stream through tests/tap-run.pl and checks the tally that
# TAP::Formatter::Northstar wrote (passed, failed).  TAP output.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export PERL5LIB=$here/lib${PERL5LIB:+:$PERL5LIB}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0
# case DESC WANT_PASSED WANT_FAILED SHELL-CODE — the code prints the stream
case_() {
  n=$((n + 1))
  : >"$tmp/tally"
  NS_TAP_TALLY=$tmp/tally perl "$here/tap-run.pl" "case-$n" bash -c "$4" >"$tmp/out" 2>&1
  local got; got=$(awk -F'\t' '{p += $1; f += $2} END {print p + 0, f + 0}' "$tmp/tally")
  if [ -s "$tmp/tally" ] && [ "$got" = "$2 $3" ]; then echo "ok $n - $1 ($2 passed, $3 failed)"
  else echo "not ok $n - $1: want $2 passed, $3 failed, got $got"; sed 's/^/#   /' "$tmp/out" "$tmp/tally"; fi
}
case_ "a good stream passes"                       3 0 'echo 1..3; echo ok 1; echo ok 2; echo ok 3'
case_ "the plan may come last"                     2 0 'echo ok 1; echo ok 2; echo 1..2'
case_ "a not ok line fails"                        1 1 'echo 1..2; echo ok 1; echo not ok 2'
case_ "SKIP passes, a failing TODO does not fail"  2 0 'echo 1..2; echo "ok 1 # SKIP no data"; echo "not ok 2 # TODO later"'
case_ "a short plan is a failure"                  2 1 'echo 1..3; echo ok 1; echo ok 2'
case_ "tests beyond the plan fail, and the plan"    1 2 'echo 1..1; echo ok 1; echo ok 2'
case_ "no plan (exit 0 halfway) is a failure"      1 1 'echo ok 1; exit 0; echo ok 2; echo 1..2'
case_ "two plans are a failure"                    1 1 'echo 1..1; echo ok 1; echo 1..1'
case_ "tests out of sequence are a failure"        2 1 'echo 1..2; echo ok 2; echo ok 1'
case_ "a non-zero exit with all passing fails"     1 1 'echo 1..1; echo ok 1; exit 3'
case_ "a non-zero exit after a failure: one"       0 1 'echo 1..1; echo not ok 1; exit 1'
case_ "death by a signal is a failure"             1 1 'echo 1..1; echo ok 1; kill -9 $$'
case_ "a bail out is a failure"                    1 1 'echo 1..2; echo ok 1; echo "Bail out! no database"'
case_ "no output at all is a failure"              0 1 'true'
case_ "a bare 1..0 (nothing ran) is a failure"     0 1 'echo 1..0'
case_ "1..0 # SKIP with a reason is no failure"    0 0 'echo "1..0 # SKIP no browser"'
case_ "stray lines and comments are ignored"       1 0 'echo "# note"; echo "okay 7"; echo "  ok 9"; echo 1..1; echo ok 1'
echo "1..$n"
