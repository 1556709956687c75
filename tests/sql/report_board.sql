-- The reports' SQL (services/alerts/report.sql, sql/schema/550_alerts.sql): the period rules
-- (400 naming the parameter, 404 before the data), a KPI item without data (n/a with a note,
-- raw null, never a zero), the report formats, and the e-mail parts of a hand-made document
-- (charts numbered in document order as cid: images, their figures in the text, links into the
-- app).  Expected values are worked by hand.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(17);
SET LOCAL northstar.currency = 'USD';

SELECT throws_ok($$SELECT report_period('board', '2026-13')$$, '22023', NULL, 'board: month 13 is a 400');
SELECT throws_like($$SELECT report_period('board', '2026-13')$$, '%''month''%', 'the message names month');
SELECT throws_like($$SELECT report_period('board', to_char(ns_today(), 'YYYY-MM'))$$, '%not over yet%',
                   'board: the current month is not over yet');
SELECT throws_ok($$SELECT report_period('board', '1990-01')$$, 'NS404', NULL, 'board: a month before the figures is a 404');
SELECT throws_like($$SELECT report_period('daily', '2026-02-30')$$, '%''date''%', 'daily: a day that does not exist names date');
SELECT throws_like($$SELECT report_period('yearly', NULL)$$, '%''kind''%', 'an unknown kind names kind');
SELECT is((SELECT row(period, as_of)::text FROM report_period('weekly', '2026-11-26')), '(2026-11-23,2026-11-29)',
          'weekly: Thursday 26 November 2026 is in the week of Monday 23rd, ending Sunday 29th');
SELECT is((SELECT row(period, as_of)::text FROM report_period('monthly', '2024-02')), '(2024-02-01,2024-02-29)',
          'monthly: month=2024-02 is February of a leap year');
SELECT is((SELECT row(period, as_of)::text FROM report_period('board', (date_trunc('month', ns_today()) - interval '1 month')::date::text)),
          (SELECT row((date_trunc('month', ns_today()) - interval '1 month')::date, date_trunc('month', ns_today())::date - 1)::text),
          'board: a day of the last full month gives that month, first to last day');

SELECT is(report_item('Cash', '{"cash": null}', '{cash}', 'money', '/api/x?as_of=2026-10-31', 'at month end')::jsonb,
          '{"label": "Cash", "value": "n/a", "note": "no data (at month end)", "raw": null, "source": "/api/x?as_of=2026-10-31#/cash"}'::jsonb,
          'an item without data: n/a, a note, raw null, the source with its JSON pointer');
SELECT is(report_item('MRR', '{"months": [{"ending_mrr": 1234.5}]}', '{months,0,ending_mrr}', 'money', '/api/m')::jsonb,
          '{"label": "MRR", "value": "$1,234.50", "raw": 1234.5, "source": "/api/m#/months/0/ending_mrr"}'::jsonb,
          'an item: the field at the pointer, money in currency units');
SELECT is(ARRAY[alert_rfmt(0.085, 'ratio'), alert_rfmt(15.06, 'months'), alert_rfmt(-30, 'num'), alert_rfmt(1234567, 'usd')],
          ARRAY['0.09×', '15.1 months', '-30.00', '$12,345.67'], 'ratio, months, num and cents, rounded half away from zero');

CREATE TEMP TABLE r AS SELECT * FROM alert_report_render($${"title": "T", "period_label": "October 2026", "sections": [
  {"title": "A", "link": "/revenue", "blocks": [
     {"type": "kpis", "items": [{"label": "MRR", "value": "$5.00"}]},
     {"type": "chart", "chart": "line", "title": "First <chart>", "unit": "money", "x": ["Sep", "Oct"],
      "series": [{"name": "MRR", "values": [1.5, null]}]}]},
  {"title": "B", "columns": ["Metric", "Value"], "rows": [["Orders", "7"]],
   "blocks": [{"type": "chart", "chart": "bar", "title": "Second", "unit": "count", "x": ["W1"],
               "series": [{"name": "New", "values": [3]}]}]}]}$$, 'https://ns.example/');
SELECT ok((SELECT html LIKE '%<img src="cid:chart-1@northstar" alt="First &lt;chart&gt;" width="560" height="220"%'
                  AND html LIKE '%<img src="cid:chart-2@northstar" alt="Second"%' FROM r),
          'charts are cid:chart-1 and cid:chart-2 in document order, the title escaped as alt');
SELECT ok((SELECT text LIKE E'%Chart 1: First <chart>%Sep%$1.50%Oct%' AND text LIKE E'%Chart 2: Second%W1%3%' FROM r),
          'the text part carries each chart''s figures');
SELECT ok((SELECT html LIKE '%href="https://ns.example/revenue"%' AND text LIKE '%https://ns.example/revenue%' FROM r),
          'a section link goes into the app at p_app_url');
SELECT ok((SELECT html LIKE '%$5.00%' AND html NOT LIKE '%<style%' AND html NOT LIKE '%Orders%' FROM r),
          'KPI tiles in the HTML, inline styles only; a section with blocks draws its blocks');
SELECT is((SELECT subject FROM r), 'Northstar: T, October 2026', 'the subject names the period');

SELECT * FROM finish();
ROLLBACK;
