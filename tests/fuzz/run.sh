#!/usr/bin/env bash
# run.sh [SECONDS] — build the libFuzzer harnesses with ASan/UBSan and run
# each for SECONDS (default 60) on its committed corpus; TAP output.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
SECS=${1:-60}; OUT=build/fuzz; mkdir -p "$OUT"
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -pthread -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Icommon $(pkg-config --cflags fcgi libpq libcjson libjwt libcrypto)"
LIBS="$(pkg-config --libs fcgi libpq libcjson libjwt libcrypto libcurl) -lcrypt -lm"
n=0; fail=0
for h in params token csv key webhook csvread import device render; do
  n=$((n + 1))
  extra="" runenv=""
  # the report renderer: cairo and pango, the palette header the Makefile
  # generates, and glib's objects each from malloc (fuzz-render.c says why)
  if [ "$h" = render ]; then
    make -s --no-print-directory B="$OUT" "$OUT/gen/palette.h" >/dev/null
    extra="services/alerts/render.c -I$OUT/gen $(pkg-config --cflags --libs cairo pangocairo pangoft2 fontconfig)"
    runenv="G_SLICE=always-malloc"
  fi
  if ! clang $CFLAGS -o "$OUT/fuzz-$h" tests/fuzz/fuzz-$h.c common/*.c $extra $LIBS 2>"$OUT/build-$h.log"; then
    echo "not ok $n - fuzz-$h builds"; sed 's/^/#   /' "$OUT/build-$h.log" | head; fail=1; continue
  fi
  work=$OUT/corpus-$h; mkdir -p "$work"; cp tests/fuzz/corpus/$h/* "$work/" 2>/dev/null
  dict=""; [ -f tests/fuzz/$h.dict ] && dict="-dict=tests/fuzz/$h.dict"
  if env $runenv "$OUT/fuzz-$h" -max_total_time="$SECS" -max_len=4096 -timeout=5 -artifact_prefix="$OUT/" $dict "$work" >"$OUT/run-$h.log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$OUT/run-$h.log" | tail -1)
    echo "ok $n - fuzz-$h: no crash, leak or sanitizer report in ${SECS}s ($runs)"
  else
    echo "not ok $n - fuzz-$h found a problem"; grep -E 'ERROR|SUMMARY|==' "$OUT/run-$h.log" | head | sed 's/^/#   /'; fail=1
  fi
done
echo "1..$n"
exit $fail
