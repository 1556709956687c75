-- A month (or week) is complete only when it has ended in the reporting zone: marketing/cac marks
-- the current and future buckets complete = false, and marketing/summary takes its LTV from the
-- last month that ended before today even when the window reaches into the future.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(6);
CREATE TEMP TABLE w AS
SELECT api.today() AS today, (api.today() - 40) AS w_from,
       (date_trunc('month', api.today()) + interval '2 months')::date + 14 AS w_to;   -- past the next month end

SELECT is((SELECT count(*)::int FROM w, json_array_elements(api.marketing_cac(1, 'ceo', 'month', w.w_from, w.w_to, NULL) -> 'buckets') b
            WHERE (b ->> 'complete')::boolean AND ((b ->> 'bucket')::date + interval '1 month')::date - 1 >= w.today),
          0, 'cac by month: no bucket that has not ended is complete');
SELECT is((SELECT (b ->> 'complete')::boolean FROM w, json_array_elements(api.marketing_cac(1, 'ceo', 'month', w.w_from, w.w_to, NULL) -> 'buckets') b
            WHERE (b ->> 'bucket')::date = date_trunc('month', w.today)::date),
          false, 'cac by month: the current month is not complete');
SELECT is((SELECT (b ->> 'complete')::boolean FROM w, json_array_elements(api.marketing_cac(1, 'ceo', 'month', w.w_from, w.w_to, NULL) -> 'buckets') b
            WHERE (b ->> 'bucket')::date = (date_trunc('month', w.today) - interval '1 month')::date),
          true, 'cac by month: last month, ended and inside the window, is complete');
SELECT is((SELECT count(*)::int FROM w, json_array_elements(api.marketing_cac(1, 'ceo', 'week', w.w_from, w.w_to, NULL) -> 'buckets') b
            WHERE (b ->> 'complete')::boolean AND (b ->> 'bucket')::date + 6 >= w.today),
          0, 'cac by week: no week that has not ended is complete');
SELECT is((SELECT api.marketing_summary(1, 'ceo', w.w_from, w.w_to, NULL) -> 'current' ->> 'ltv_month' FROM w),
          (SELECT to_char(date_trunc('month', w.today) - interval '1 day', 'YYYY-MM') FROM w),
          'summary reaching past the next month end: the LTV month is the last month that ended');
SELECT is((SELECT api.marketing_summary(1, 'ceo', w.today - 29, w.today, NULL) -> 'current' ->> 'ltv_month' FROM w),
          (SELECT to_char(date_trunc('month', w.today) - interval '1 day', 'YYYY-MM') FROM w),
          'summary of the 30 days to today: the LTV month ended before today (on a month end: not that month)');

SELECT * FROM finish();
ROLLBACK;
