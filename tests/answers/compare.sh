#!/usr/bin/env bash
# compare.sh — the answers that differ between two snapshots (tests/answers/snapshot.sh).
#
#   tests/answers/compare.sh OLD_DIR NEW_DIR [-v]
#
# Lists files only in one snapshot and files whose bytes differ; -v adds, per differing JSON
# answer, the paths whose values changed (old → new).  Exits 0 when the snapshots are identical.
set -uo pipefail
A=${1:?usage: compare.sh OLD_DIR NEW_DIR [-v]}; B=${2:?usage: compare.sh OLD_DIR NEW_DIR [-v]}
VERBOSE=${3:-}
rc=0
while IFS= read -r line; do
  rc=1
  echo "$line"
  if [ "$VERBOSE" = -v ] && [[ $line == Files*differ ]]; then
    f=${line#Files }; f=${f%% and *}; g=${line#* and }; g=${g% differ}
    # paths whose leaf value differs (jq 1.6 reads numbers as doubles: 10.00 and 10.0 look equal)
    jq -n -r --slurpfile a <(tail -n +2 "$f") --slurpfile b <(tail -n +2 "$g") '
      def leaves: [paths(scalars or . == null)] ;
      ($a[0] // null) as $x | ($b[0] // null) as $y
      | (($x | leaves) + ($y | leaves) | unique)[] as $p
      | select(($x | getpath($p)) != ($y | getpath($p)))
      | "    \($p | map(tostring) | join(".")): \($x | getpath($p) | tojson) -> \($y | getpath($p) | tojson)"' \
      2>/dev/null | head -20
    [ "$(head -1 "$f")" = "$(head -1 "$g")" ] || echo "    status $(head -1 "$f") -> $(head -1 "$g")"
  fi
done < <(diff -rq "$A" "$B")
[ $rc = 0 ] && echo "identical: $(find "$A" -type f | wc -l) files"
exit $rc
