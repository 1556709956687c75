#!/usr/bin/env bash
# t-board.sh — the monthly board pack (issue 22, docs/reports.md) through nginx, as the CEO, for
# the last full month: every KPI item that names its source equals that API answer's field (a
# generic loop over all of them); the movements table equals the API's movements of the month;
# figures against raw tables (subscriptions, expenses, ad_spend, cash_balances: hand-worked SQL);
# then the PDF, from the API and from build/alerts-report: %PDF, every section title, KPI value
# and movements row in pdftotext's text, and pages that are not blank (pdftoppm PNGs, pixels
# counted with python3's zlib; the PNGs are kept in $T_ARTIFACTS, default tests/artifacts/board).
# Errors: a bad month (400 naming month), cs and sales (403), an unknown format (400).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

B_CEO=$(login ceo@northstar.example)
B_CS=$(login cs1@northstar.example)
B_SALES=$(login sales1@northstar.example)
B_MONTH=$(sql "SELECT to_char(date_trunc('month', ns_today()) - interval '1 month', 'YYYY-MM')")
B_FROM=$B_MONTH-01
B_END=$(sql "SELECT (date_trunc('month', ns_today()) - interval '1 day')::date")
B_ART=${T_ARTIFACTS:-$ROOT/tests/artifacts}/board
mkdir -p "$B_ART"

# ---- the document
api GET "/api/alerts/report?kind=board&month=$B_MONTH" "$B_CEO"
check_status "board pack JSON for $B_MONTH (200)" 200
B_DOC=$(jq -c .data <<<"$BODY" 2>/dev/null)
check_eq "board pack: kind, period and the seven sections" \
  "$(jq -r '[.kind, .period, (.sections | map(.title) | join("|"))] | join(" ")' <<<"$B_DOC")" \
  "board $B_FROM Revenue|Customers|Marketing efficiency|Financials|Sales|Critical alerts|Forecast"
check_eq "board pack: the e-mail parts name the month" \
  "$(jq -r '.subject' <<<"$BODY")" "Northstar: Board pack, $(date -d "$B_FROM" '+%B %Y')"

# ---- every KPI item with a source equals its API answer (one GET per distinct path)
B_ITEMS=$(jq -c '[.sections[].blocks[]? | select(.type == "kpis") | .items[] | select(.source != null)]' <<<"$B_DOC")
B_CHECKED=0
declare -A B_SEEN=()
while IFS= read -r path; do
  [ -n "$path" ] || continue
  api GET "$path" "$B_CEO"
  if [ "$STATUS" != 200 ]; then not_ok "board pack: figures from $path" "GET answered $STATUS: ${BODY:0:200}"; continue; fi
  # each item of this path: its raw against the field its JSON pointer names
  bad=$(jq -r --argjson items "$B_ITEMS" --arg path "$path" '
      . as $a | [$items[] | select((.source | split("#")[0]) == $path)
        | (.source | split("#")[1] | ltrimstr("/") | split("/") | map(if test("^[0-9]+$") then tonumber else . end)) as $p
        | select(($a | getpath($p)) != .raw)
        | "\(.label): raw \(.raw | tojson), API \($a | getpath($p) | tojson) (\(.source))"] | .[]' <<<"$BODY" 2>&1)
  n=$(jq --arg path "$path" '[.[] | select((.source | split("#")[0]) == $path)] | length' <<<"$B_ITEMS")
  B_CHECKED=$((B_CHECKED + n))
  if [ -z "$bad" ] && [ "$n" -gt 0 ]; then ok "board pack: $n figures equal $path"
  else not_ok "board pack: $n figures equal $path" "$bad"; fi
  B_SEEN[$path]=1
done < <(jq -r '.[].source | split("#")[0]' <<<"$B_ITEMS" | sort -u)
if [ "$B_CHECKED" -gt 20 ]; then ok "board pack: $B_CHECKED KPI items checked against the API (more than 20)"
else not_ok "board pack: more than 20 KPI items checked against the API" "checked $B_CHECKED"; fi
check_eq "board pack: items without data say n/a (none is a zero standing in)" \
  "$(jq -r '[.[] | select(.raw == null and .value != "n/a")] | length' <<<"$B_ITEMS")" "0"

# ---- the movements table against the API's movements of the month (amounts read back from the text)
api GET "/api/revenue/movements?month=$B_MONTH" "$B_CEO"
B_MOV=$BODY
B_MOV_ROWS=$(jq -c '.sections[0].blocks[] | select(.type == "table") | .rows' <<<"$B_DOC")
bad=$(jq -r --argjson rows "$B_MOV_ROWS" '
    . as $m | [["New","new"],["Expansion","expansion"],["Contraction","contraction"],["Churn","churn"],["Reactivation","reactivation"]][]
    | . as [$lb, $k] | ([$rows[] | select(.[0] == $lb)][0]) as $r
    | select($r == null or ($r[1] | gsub(","; "") | tonumber) != $m.totals[$k].customers
             or ($r[2] | gsub("[$,]"; "") | tonumber) != $m.totals[$k].amount)
    | "\($lb): table \($r | tojson), API \($m.totals[$k] | tojson)"' <<<"$B_MOV" 2>&1)
if [ -z "$bad" ] && [ "$(jq length <<<"$B_MOV_ROWS")" = 5 ]; then ok "board pack: the movements table = the API's movements of $B_MONTH (5 kinds, customers and MRR)"
else not_ok "board pack: the movements table = the API's movements of $B_MONTH" "$bad"; fi

# ---- figures against the raw tables (independent answers)
b_raw() { jq -r --arg l "$1" '[.[] | select(.label == $l)][0].raw' <<<"$B_ITEMS"; }
check_num "board pack: MRR = subscriptions in effect on $B_END" "$(b_raw MRR)" \
  "$(sql "SELECT round(sum(mrr_cents) / 100.0, 2) FROM subscriptions WHERE valid_from <= '$B_END' AND (valid_to IS NULL OR valid_to > '$B_END')")"
check_num "board pack: paying customers = customers with a subscription in effect on $B_END" "$(b_raw 'Paying customers')" \
  "$(sql "SELECT count(DISTINCT customer_id) FROM subscriptions WHERE mrr_cents > 0 AND valid_from <= '$B_END' AND (valid_to IS NULL OR valid_to > '$B_END')")"
check_num "board pack: expenses = the expense rows of $B_MONTH" "$(b_raw Expenses)" \
  "$(sql "SELECT round(sum(amount_cents) / 100.0, 2) FROM expenses WHERE month = '$B_FROM'")"
check_num "board pack: ad spend = the ad_spend rows of $B_MONTH" "$(b_raw 'Ad spend')" \
  "$(sql "SELECT round(sum(spend_cents) / 100.0, 2) FROM ad_spend WHERE day BETWEEN '$B_FROM' AND '$B_END'")"
check_num "board pack: cash = the last balance on or before $B_END" "$(b_raw Cash)" \
  "$(sql "SELECT round(balance_cents / 100.0, 2) FROM cash_balances WHERE day <= '$B_END' ORDER BY day DESC LIMIT 1")"

# ---- the PDF: API and CLI
# b_pdf_checks NAME FILE — %PDF, the text (titles, values, movements rows), pages not blank
b_pdf_checks() {
  local name=$1 f=$2 txt missing row
  check_eq "$name: a PDF" "$(head -c 5 "$f" 2>/dev/null)" "%PDF-"
  txt=$(pdftotext -layout "$f" - 2>/dev/null | tr -s ' ')
  missing=$(jq -r '(.sections[].title), (.sections[].blocks[]? | select(.type == "kpis") | .items[].value)' <<<"$B_DOC" | sort -u |
    while IFS= read -r v; do grep -qF -- "$v" <<<"$txt" || echo "$v"; done)
  if [ -n "$txt" ] && [ -z "$missing" ]; then ok "$name: pdftotext holds every section title and KPI value of the JSON"
  else not_ok "$name: pdftotext holds every section title and KPI value of the JSON" "missing: $(paste -sd'|' <<<"$missing")"; fi
  missing=$(jq -r '.[] | join(" ")' <<<"$B_MOV_ROWS" | while IFS= read -r row; do grep -qF -- "$row" <<<"$txt" || echo "$row"; done)
  if [ -n "$txt" ] && [ -z "$missing" ]; then ok "$name: the movements rows, one line each"
  else not_ok "$name: the movements rows, one line each" "missing: $(paste -sd'|' <<<"$missing")"; fi
  rm -f "$B_ART/$name"-*.png
  pdftoppm -r 50 -png "$f" "$B_ART/$name" 2>/dev/null
  # share of non-white pixels per page (PNG decoded with zlib, the five filters undone)
  local dark="" pngs=()
  mapfile -t pngs < <(compgen -G "$B_ART/$name-*.png" | sort)
  [ "${#pngs[@]}" -gt 0 ] && dark=$(python3 - "${pngs[@]}" <<'PY'
import struct, sys, zlib
def pixels(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat, w, h, ct = 8, b'', 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ct = struct.unpack('>IIBB', body[:10])
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ct]
    raw, stride, prev, out = zlib.decompress(idat), w * bpp, bytearray(w * bpp), 0
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += sum(1 for x in range(0, stride, bpp) if min(line[x:x + min(bpp, 3)]) < 200)
        prev = line
    return out * 100.0 / (w * h)
print(' '.join('%.2f' % pixels(p) for p in sys.argv[1:]))
PY
)
  local pages; pages=$(wc -w <<<"$dark")
  if [ "$pages" -ge 2 ] && awk -v d="$dark" 'BEGIN { n = split(d, a, " "); for (i = 1; i <= n; i++) if (a[i] < 0.1) exit 1 }'; then
    ok "$name: $pages pages, none blank (non-white % per page: $dark; PNGs in $B_ART)"
  else not_ok "$name: at least two pages, none blank" "pages: $pages, non-white % per page: '$dark'"; fi
}

B_PDF=$T_TMP/board-api.pdf
curl -s -H "Authorization: Bearer $B_CEO" -H 'X-No-Cache: 1' -D "$T_TMP/board.h" -o "$B_PDF" \
  "http://127.0.0.1:$T_PORT/api/alerts/report?kind=board&month=$B_MONTH&format=pdf"
check_eq "board PDF (API): application/pdf, an attachment named for the month, never cached" \
  "$(grep -i '^content-type:' "$T_TMP/board.h" | tr -d '\r' | cut -d' ' -f2-)|$(grep -i '^content-disposition:' "$T_TMP/board.h" | tr -d '\r' | cut -d' ' -f2-)|$(grep -i '^cache-control:' "$T_TMP/board.h" | tr -d '\r' | cut -d' ' -f2-)" \
  "application/pdf|attachment; filename=\"northstar-board-$B_MONTH.pdf\"|no-store"
b_pdf_checks board-api "$B_PDF"

B_RPT=${NS_BUILD:-$ROOT/build}/alerts-report
B_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres"
rm -f "$T_TMP/board-cli.pdf"
NS_DATABASE_URL=$B_URL "$B_RPT" board --month "$B_MONTH" -o "$T_TMP/board-cli.pdf" >/dev/null 2>"$T_TMP/board-cli.err"
check_eq "board PDF (CLI): alerts-report board --month $B_MONTH -o FILE succeeds" "$?" "0"
b_pdf_checks board-cli "$T_TMP/board-cli.pdf"
NS_DATABASE_URL=$B_URL "$B_RPT" board --month "$B_MONTH" --format json -o "$T_TMP/board-cli.json" >/dev/null 2>&1
check_eq "board JSON (CLI): the same KPI values as the API's" \
  "$(jq -c '[.sections[].blocks[]? | select(.type == "kpis") | .items[] | [.label, .value]]' "$T_TMP/board-cli.json" 2>/dev/null)" \
  "$(jq -c '[.sections[].blocks[]? | select(.type == "kpis") | .items[] | [.label, .value]]' <<<"$B_DOC")"
NS_DATABASE_URL=$B_URL "$B_RPT" board --month 2026-13 -o "$T_TMP/board-bad.pdf" >/dev/null 2>"$T_TMP/board-bad.err"; B_RC=$?
check_eq "board CLI: a bad month fails (exit 1, month named on stderr, no file)" \
  "$B_RC:$(grep -c "month" "$T_TMP/board-bad.err"):$([ -e "$T_TMP/board-bad.pdf" ] && echo file || echo none)" "1:1:none"

# ---- the weekly review as PDF too
B_WK=$(curl -s -H "Authorization: Bearer $B_CEO" -H 'X-No-Cache: 1' -o "$T_TMP/weekly.pdf" -w '%{http_code} %{content_type}' \
  "http://127.0.0.1:$T_PORT/api/alerts/report?kind=weekly&format=pdf")
check_eq "weekly review as PDF (200, application/pdf, %PDF)" "$B_WK $(head -c 5 "$T_TMP/weekly.pdf")" "200 application/pdf %PDF-"

# ---- errors stay JSON
api GET "/api/alerts/report?kind=board&month=2026-13" "$B_CEO"
check_status "board: month=2026-13 is a 400" 400
check_error_names "board: month=2026-13 is a 400 naming month" month
api GET "/api/alerts/report?kind=board&month=$B_MONTH&format=xml" "$B_CEO"
check_status "board: format=xml is a 400" 400
check_error_names "board: format=xml is a 400 naming format" format
api GET "/api/alerts/report?kind=board&month=$B_MONTH" "$B_CS"
check_error "board: cs may not have the board pack (403)" 403 forbidden
api GET "/api/alerts/report?kind=board&month=$B_MONTH&format=pdf" "$B_SALES"
check_error "board: sales may not have the board pack as PDF (403)" 403 forbidden
done_testing
