# bench-stack.sh — sourced by bench-ingest.sh and bench-fresh.sh: the stack they measure and the
# helpers they share.  bench_stack uses the running stack of BENCH_DIR (make bench's, started with
# a high INGEST_RATE), or starts a small one of its own on a free port (OWN: the caller's cleanup
# stops and removes it).  Needs say() and WORK (a scratch directory); sets BENCH_DIR, OWN, RUN,
# PGPORT, PORT and U.
bench_stack() {

  if [ -z "${BENCH_DIR:-}" ]; then
    OWN=$(mktemp -d /tmp/northstar-bench-stack.XXXXXX); BENCH_DIR=$OWN
    say "starting a stack (SCALE=${SCALE:-0.02})"
    # (CONN_LIMIT: bench-live.sh's 2,000 live streams come from one address)
    PORT=0 FAST=1 SCALE=${SCALE:-0.02} INGEST_RATE=100000r/s INGEST_BURST=100000 CONN_LIMIT=${CONN_LIMIT:-5000} \
      scripts/stack.sh start "$OWN" >"$WORK/start.log" 2>&1 || { cat "$WORK/start.log" >&2; exit 1; }
  fi
  RUN=$BENCH_DIR/run; PGPORT=$(cat "$RUN/pg.port"); PORT=$(cat "$RUN/http.port"); U=http://127.0.0.1:$PORT
  export PGPASSFILE=$BENCH_DIR/secrets/pgpass   # the stack's database passwords
}
psqlq() { psql -X -qtA -v ON_ERROR_STOP=1 -h "$RUN" -p "$PGPORT" -U postgres -d northstar "$@"; }
ms() { date +%s%3N; }
# bench_key NAME [SCOPE…] — a new key of those scopes (default ingest:events), printed once by
# northstar-admin, on stdout.
bench_key() {
  local name=$1; shift
  NS_DATABASE_URL="postgresql:///northstar?host=$RUN&port=$PGPORT&user=postgres" \
    "${NS_BUILD:-build}/northstar-admin" key add "$name" "${@:-ingest:events}" 2>/dev/null
}
# bench_doc_section HEADING FILE — put FILE (a "## HEADING" section) into docs/benchmarks.md:
# replace the section of that heading (up to the next "## " heading), or put it before "## Reading
# the figures".  Needs WORK.
bench_doc_section() {
  local heading=$1 file=$2
  awk -v sec="$file" -v head="## $heading" '
    function put() { while ((getline l < sec) > 0) print l; print ""; done = 1 }
    index($0, head) == 1 { skip = 1; put(); next }
    skip && /^## / { skip = 0 }
    skip { next }
    !done && /^## Reading the figures/ { put() }
    { print }
    END { if (!done) { print ""; put() } }' docs/benchmarks.md >"$WORK/benchmarks.md"
  cp "$WORK/benchmarks.md" docs/benchmarks.md
  say "written the section \"$heading\" of docs/benchmarks.md"
}
