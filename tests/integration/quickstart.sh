#!/usr/bin/env bash
# quickstart.sh STACK_DIR [BUILD_DIR] — print the commands of docs/ingest.md's "Quick start" as a
# script for the stack in STACK_DIR (scripts/stack.sh), for t-byod.sh and tests/e2e/byod.test.js:
# the ```sh blocks of that section except the one that starts the stack (`DEMO=0 make run`: the
# tests start their own, on a free port).  Only what points at `make run`'s stack is replaced:
# var/run (the database's socket directory and port file), var/secrets (its passwords), port 8080, and build/ (BUILD_DIR,
# default the clone's build/).  Run the result from the clone's top directory (the sample files'
# paths are relative to it).  Exit 1, printing nothing, when the section or its block is missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STACK=$(cd "${1:?usage: quickstart.sh STACK_DIR [BUILD_DIR]}" && pwd)
BUILD=${2:-$ROOT/build}
RUN=$STACK/run
PORT=$(cat "$RUN/http.port")

blocks=$(awk '/^## Quick start$/ {q = 1; next} q && /^## / {q = 0}
              q && /^```sh$/ {b++; inb = 1; next} q && inb && /^```$/ {inb = 0; next}
              q && inb {print b "\t" $0}' "$ROOT/docs/ingest.md")
skip=$(awk -F'\t' '$2 ~ /^DEMO=0 make run/ {print $1}' <<<"$blocks" | paste -sd' ')
script=$(awk -F'\t' -v skip=" $skip " 'index(skip, " " $1 " ") == 0 {sub(/^[0-9]+\t/, ""); print}' <<<"$blocks" |
  sed -e "s|\\\$PWD/var/run|$RUN|g" -e "s|var/run/|$RUN/|g" -e "s|\\\$PWD/var/secrets|$STACK/secrets|g" \
      -e "s|http://127\\.0\\.0\\.1:8080|http://127.0.0.1:$PORT|g" \
      -e "s|\\(^\\|[ (]\\)build/northstar-|\\1$BUILD/northstar-|g")
[ -n "$skip" ] && [ -n "$script" ] || exit 1

printf '%s\n' "$script"
