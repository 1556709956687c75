#!/usr/bin/env bash
# bench-lighthouse.sh — Lighthouse on the signed-in executive view for `make bench` (issue 21;
# docs/benchmarks.md "Lighthouse (issue 21)"): Lighthouse 12.2.3 (bench/lighthouse, its own
# package.json and lock, installed here with npm ci only when missing or changed: `make test`
# never installs it), its default mobile profile, Debian's chromium (CHROME_PATH), signed in
# through the page as the CEO (bench/lighthouse/run.mjs).  BENCH_LH_RUNS (3) loads of the page,
# each audited with the CPU slowdown calibrated to the BenchmarkIndex measured in that load
# (Lighthouse's throttling guide) and with Lighthouse's defaults (4×); the median of the default
# audits is the figure (what "Lighthouse mobile performance" means), the calibrated one beside it.
#   LH1. performance score (goal ≥ 90), with FCP, LCP, TBT, speed index;
#   LH2. cumulative layout shift (goal ≤ 0.1);
#   LH3. accessibility (goal 100);  LH4. best practices (goal 100);
#   LH5. (information) the same loads with the slowdown calibrated to the host's BenchmarkIndex.
# Prints one tab-separated line per figure on stdout:  ROW <measure> <value> <goal> <result>
# and writes its section of docs/benchmarks.md in place (bench_doc_section), the HTML report of
# the median run to tests/artifacts/lighthouse-executive.html.  With BENCH_DIR set it uses that
# running stack; otherwise it starts and stops a small one of its own.  About 3 minutes.
#   env: BENCH_LH_RUNS (3), BENCH_DIR, SCALE (own stack: 0.02), CHROME_PATH (/usr/bin/chromium)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
say() { printf '==> %s\n' "$*" >&2; }
WORK=$(mktemp -d /tmp/northstar-bench-lh.XXXXXX)
OWN=""
cleanup() { [ -n "$OWN" ] && scripts/stack.sh stop "$OWN" >/dev/null 2>&1; rm -rf "$WORK"; [ -n "$OWN" ] && rm -rf "$OWN"; return 0; }
trap cleanup EXIT; trap 'exit 1' INT TERM
. scripts/bench-stack.sh

LH=$ROOT/bench/lighthouse
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
[ -x "$CHROME_PATH" ] || { echo "error: $CHROME_PATH is missing (scripts/deps.sh installs chromium)" >&2; exit 1; }
stamp=$LH/node_modules/.northstar-lock.sha256
want=$(sha256sum "$LH/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$LH/node_modules" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing lighthouse (npm ci in bench/lighthouse)"
  (cd "$LH" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$want" >"$stamp"
fi

bench_stack
say "Lighthouse on $U/executive (${BENCH_LH_RUNS:-3} loads, each audited calibrated and at 4×)"
mkdir -p tests/artifacts
load0=$(cut -d' ' -f1 /proc/loadavg)
NS_URL=$U LH_RUNS=${BENCH_LH_RUNS:-3} LH_REPORT=$ROOT/tests/artifacts/lighthouse-executive.html \
  node "$LH/run.mjs" >"$WORK/lh.json"
load1=$(cut -d' ' -f1 /proc/loadavg)

# The rows, from run.mjs's JSON.
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const m = r.median, d = r.default;
const s = (ms) => (ms / 1000).toFixed(2);
const met = (ok) => (ok ? "met" : "short");
const row = (a, b, c, e) => console.log(["ROW", a, b, c, e].join("\t"));
row(`LH1. performance, mobile, Lighthouse defaults (median of ${r.runs} loads; CPU 4×, host BenchmarkIndex ${Math.round(d.benchmarkIndex)}; FCP ${s(d.fcp)} s, LCP ${s(d.lcp)} s, TBT ${Math.round(d.tbt)} ms, SI ${s(d.si)} s)`, d.performance, "≥ 90", met(d.performance >= 90));
row("LH2. cumulative layout shift", d.cls.toFixed(3), "≤ 0.1", met(d.cls <= 0.1));
row("LH3. accessibility" + (r.failed.length ? ` (audits short: ${r.failed.join(", ")})` : ""), d.accessibility, "100", met(d.accessibility === 100));
row("LH4. best practices", d.bestPractices, "100", met(d.bestPractices === 100));
row(`LH5. the same loads audited with the CPU slowdown calibrated to the host (${m.cpu}× for BenchmarkIndex ${Math.round(m.benchmarkIndex)}: median performance; FCP ${s(m.fcp)} s, LCP ${s(m.lcp)} s, TBT ${Math.round(m.tbt)} ms, CLS ${m.cls.toFixed(3)})`, m.performance, "(information)", "");
' "$WORK/lh.json" >"$WORK/rows.tsv"
cat "$WORK/rows.tsv"

{
  echo "## Lighthouse (issue 21)"
  echo
  echo "Measured by \`scripts/bench-lighthouse.sh\` (part of \`make bench\`) on $(date -u +%Y-%m-%d) with Lighthouse 12.2.3"
  echo "(its default mobile profile: a phone-sized screen, simulated slow 4G) and Debian's $("$CHROME_PATH" --version 2>/dev/null | head -1),"
  echo "signed in as the CEO, on the executive view, demo data at SCALE=${SCALE:-0.02}; $(nproc) cores, load average $load0 before, $load1 after"
  echo "(the machine is shared). The table is the output of that run."
  echo
  echo "| measure | value | goal | result |"
  echo "|---|---|---|---|"
  awk -F'\t' '$1 == "ROW" { printf "| %s | %s | %s | %s |\n", $2, $3, $4, $5 }' "$WORK/rows.tsv"
  cat <<'EOT'

What the numbers mean:
- **CPU slowdown**: Lighthouse simulates a mid-range phone by multiplying the main-thread work it
  observed by a CPU slowdown (4× by default), which is meant for a desktop-class host (a
  BenchmarkIndex around 1,500). On a slower or busy host (under 1,000 Lighthouse warns that the
  score suffers) 4× emulates a much slower phone. Lighthouse's throttling guide
  ("Calibrating multipliers") and its CPU throttling calculator map the host's BenchmarkIndex to
  the slowdown that emulates its target phone (150 → 1×, 800 → 2×, 1,300 → 3×, one more per 233);
  PageSpeed Insights itself runs at 1.2× for the same reason. Each load is audited twice from the
  same trace: with Lighthouse's defaults (LH1–LH4, the figures the goals are about) and with the
  slowdown for the index measured in that load (LH5). On a fast, idle host the calibrated
  slowdown is above 4× (harsher); on this shared machine under load it is below.
- **What is left of the blocking time**: nearly all of it is ECharts' first drawing of the MRR
  chart (its first `setOption` runs ECharts' whole pipeline cold: some 65 ms of main thread on this
  machine idle, 150–350 ms under the other jobs' load, × the slowdown) and the evaluation of its
  584 KB chunk; the KPI cards no longer cost a chart each. The score therefore moves with the
  machine's load: 88–95 idle, 72–80 with the load average above 10 (runs of 2026-12-02).
- **Layout shift (LH2)**: the panels keep their place while data arrives: a panel below one that is
  still loading waits, out of the layout, until that one has its final size (web/src/view.js);
  the "as of" line and the "Show as table" button are reserved from the start
  (tests/e2e/v-layout.test.js checks the sum of layout shifts after sign-in on every run of the
  browser tests).
- **Speed**: the bundle is split (web/build.mjs): the shell, each view and ECharts are chunks of
  their own, the executive view's and ECharts' preloaded (`modulepreload`) so they load beside
  the shell; the KPI cards' sparklines and gauges are SVG paths, not chart instances.
- The HTML report of the median run is `tests/artifacts/lighthouse-executive.html`.
EOT
} >"$WORK/section.md"
if [ -n "${BENCH_LH_SECTION:-}" ]; then cp "$WORK/section.md" "$BENCH_LH_SECTION"; fi
bench_doc_section "Lighthouse (issue 21)" "$WORK/section.md"
