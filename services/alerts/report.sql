-- report.sql — the board pack's document (docs/reports.md, render.h's shape): each figure taken
-- from the SQL function of the API route that answers it, called as that route calls it for the
-- month (as_of = the month's last day, from/to = the month), so the pack equals the API for that
-- month.  Each KPI item says where it came from: "source" = the route's path and query, then "#"
-- and the JSON pointer (RFC 6901) of the field; "raw" = that field's value.  services/alerts/
-- report.c fits the forecast (services/forecast/series.c, as GET /api/forecast/mrr does) and calls
-- report_board() in one read-only REPEATABLE READ transaction.
-- plpgsql: the api.* functions it calls are defined by files loaded after this one.

-- The company's name on the cover: the database setting northstar.company (ALTER DATABASE
-- northstar SET northstar.company = 'Acme Inc.'), default 'Northstar'.
CREATE OR REPLACE FUNCTION report_company() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('northstar.company', true), ''), 'Northstar')
$$;

-- The month of a board pack: p_month 'YYYY-MM' (or a day 'YYYY-MM-DD' of it), NULL for the
-- last full month.  Returns its first and last day.  400 (22023) naming month when it is not a
-- month or is not over yet; 404 (NS404) when it ends before the first day with figures.
CREATE OR REPLACE FUNCTION report_month(p_month text, OUT first_day date, OUT last_day date)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    last_full date := (date_trunc('month', api.today()) - interval '1 month')::date;
    data_from date;
BEGIN
    IF p_month IS NULL THEN
        first_day := last_full;
    ELSIF p_month !~ '^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format(
            'parameter ''month'' must be a month as YYYY-MM (e.g. %s), not %L', to_char(last_full, 'YYYY-MM'), p_month);
    ELSE
        BEGIN
            first_day := date_trunc('month', (CASE WHEN length(p_month) = 7 THEN p_month || '-01' ELSE p_month END)::date)::date;
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('parameter ''month'': %L is not a calendar day', p_month);
        END;
    END IF;
    IF first_day > last_full THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format(
            'parameter ''month'' (%s) is not over yet: the last full month is %s', to_char(first_day, 'YYYY-MM'),
            to_char(last_full, 'YYYY-MM'));
    END IF;
    last_day := (first_day + interval '1 month')::date - 1;
    SELECT min(day) INTO data_from FROM metrics_daily;
    IF data_from IS NULL OR last_day < data_from THEN
        RAISE EXCEPTION USING ERRCODE = 'NS404', MESSAGE = format('no data for month %s%s', to_char(first_day, 'YYYY-MM'),
            CASE WHEN data_from IS NULL THEN ' (the database holds no figures yet)'
                 ELSE ': the figures start in ' || to_char(data_from, 'YYYY-MM') END);
    END IF;
END
$$;

-- The period of a report of kind p_kind for p_period (text from a request or the command line):
-- daily the day (default yesterday), weekly its week's Monday (default the last full week),
-- monthly its month's first day (a day or YYYY-MM; default the last full month), board
-- report_month()'s month.
-- as_of is the period's last day.  400 (22023) naming kind or date when one is not valid.
CREATE OR REPLACE FUNCTION report_period(p_kind text, p_period text, OUT period date, OUT as_of date)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    d date;
BEGIN
    IF p_kind IS NULL OR p_kind NOT IN ('daily', 'weekly', 'monthly', 'board') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('parameter ''kind'' must be daily, weekly, monthly or board, not %L', p_kind);
    END IF;
    IF p_kind = 'board' THEN
        SELECT m.first_day, m.last_day INTO period, as_of FROM report_month(p_period) m;
        RETURN;
    END IF;
    IF p_kind = 'monthly' AND p_period ~ '^\d{4}-\d{2}$' THEN
        -- month=YYYY-MM (any month, the current one too: month to date)
        IF p_period !~ '-(0[1-9]|1[0-2])$' THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = format('parameter ''month'' must be a month as YYYY-MM, not %L', p_period);
        END IF;
        d := (p_period || '-01')::date;
    ELSIF p_period IS NOT NULL THEN
        BEGIN
            IF p_period !~ '^\d{4}-\d{2}-\d{2}$' THEN
                RAISE EXCEPTION 'bad';
            END IF;
            d := p_period::date;
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = format('parameter ''date'' must be a day as YYYY-MM-DD, not %L', p_period);
        END;
    END IF;
    IF p_kind = 'daily' THEN
        period := coalesce(d, api.today() - 1);
        as_of := period;
    ELSIF p_kind = 'weekly' THEN
        period := date_trunc('week', coalesce(d, api.today() - 7))::date;
        as_of := period + 6;
    ELSE
        period := date_trunc('month', coalesce(d, (date_trunc('month', api.today()) - interval '1 month')::date))::date;
        as_of := (period + interval '1 month')::date - 1;
    END IF;
END
$$;

-- One KPI item: the field at p_path (a JSON pointer's parts) of p_answer, the answer of the route
-- p_source (path?query), formatted by alert_rfmt(p_unit) ('money', 'pct', 'ratio', 'months',
-- 'n', 'num'; 'text' as is).  A missing or null field is "n/a" with a note (never a zero).
CREATE OR REPLACE FUNCTION report_item(p_label text, p_answer json, p_path text[], p_unit text,
                                       p_source text, p_note text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    raw   json := p_answer #> p_path;
    none  boolean := raw IS NULL OR json_typeof(raw) = 'null';
BEGIN
    RETURN json_strip_nulls(json_build_object(
        'label', p_label,
        'value', CASE WHEN none THEN 'n/a' WHEN p_unit = 'text' THEN replace(raw #>> '{}', '_', ' ')
                      ELSE alert_rfmt((raw #>> '{}')::numeric, p_unit) END,
        'note', CASE WHEN none THEN 'no data' || coalesce(' (' || p_note || ')', '') ELSE p_note END,
        'source', p_source || '#/' || array_to_string(p_path, '/')))::jsonb
        || jsonb_build_object('raw', coalesce(raw, 'null'::json))::jsonb;
END
$$;

-- The 0-based index of the element of the array p_arr whose member p_key is p_val, as text (a
-- JSON pointer part); NULL when none.
CREATE OR REPLACE FUNCTION report_index(p_arr json, p_key text, p_val text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT (o - 1)::text FROM json_array_elements(p_arr) WITH ORDINALITY x(e, o) WHERE e->>p_key = p_val
    ORDER BY o DESC LIMIT 1
$$;

-- A KPI block of items.
CREATE OR REPLACE FUNCTION report_kpis(VARIADIC p_items json[]) RETURNS json
LANGUAGE sql IMMUTABLE AS $$ SELECT json_build_object('type', 'kpis', 'items', to_json(p_items)) $$;

-- The board pack of the month p_month (its first day) as the principal (p_user, p_role), with the
-- MRR forecast p_forecast (GET /api/forecast/mrr?months=6&as_of=<month end>'s answer, fitted by
-- report.c; {"error": "..."} when it could not be fitted).  Returns render.h's document.
CREATE OR REPLACE FUNCTION report_board(p_user int, p_role text, p_month date, p_forecast json,
                                        p_app_url text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    m0    date := date_trunc('month', p_month)::date;
    m1    date := (date_trunc('month', p_month) + interval '1 month')::date - 1;
    ym    text := to_char(date_trunc('month', p_month), 'YYYY-MM');
    q     text := '?as_of=' || ((date_trunc('month', p_month) + interval '1 month')::date - 1);
    rng   text := '?from=' || date_trunc('month', p_month)::date || '&to=' || ((date_trunc('month', p_month) + interval '1 month')::date - 1);
    summ  json;  mrr json;  mov json;  users json;  coh json;  mkt json;  cac json;  fin json;
    pipe  json;  alr json;  fc json := p_forecast;
    mi    text;  fi text;
    s_sum text;  s_mrr text;  s_mov text;  s_usr text;  s_coh text;  s_mkt text;  s_cac text;
    s_fin text;  s_pip text;  s_alr text;  s_fc text;
    secs  json[];
    labels json;  ser jsonb;  n int;
    fc_ok boolean := p_forecast IS NOT NULL AND p_forecast->'forecast' IS NOT NULL;
BEGIN
    -- Each route's call with the defaults the route uses (its params table in services/<svc>/<svc>.c).
    summ := api.revenue_summary(p_user => p_user, p_role => p_role, p_as_of => m1);
    s_sum := '/api/revenue/summary' || q;
    mrr := api.revenue_mrr(p_user => p_user, p_role => p_role, p_months => 12, p_as_of => m1);
    s_mrr := '/api/revenue/mrr?months=12&as_of=' || m1;
    mov := api.revenue_movements(p_user => p_user, p_role => p_role, p_month => ym, p_kind => NULL, p_as_of => NULL);
    s_mov := '/api/revenue/movements?month=' || ym;
    users := api.users_summary(p_user => p_user, p_role => p_role, p_as_of => m1);
    s_usr := '/api/users/summary' || q;
    coh := api.users_cohorts(p_user => p_user, p_role => p_role, p_period => 'month', p_metric => 'logos',
                             p_months => '12', p_as_of => m1);
    s_coh := '/api/users/cohorts' || q;
    mkt := api.marketing_summary(p_user => p_user, p_role => p_role, p_from => m0, p_to => m1, p_days => NULL);
    s_mkt := '/api/marketing/summary' || rng;
    cac := api.marketing_cac(p_user => p_user, p_role => p_role, p_granularity => 'month', p_from => m0, p_to => m1,
                             p_days => NULL);
    s_cac := '/api/marketing/cac?granularity=month&' || substr(rng, 2);
    fin := api.revenue_financial(p_user => p_user, p_role => p_role, p_months => 12, p_as_of => m1);
    s_fin := '/api/revenue/financial' || q;
    pipe := api.revenue_pipeline(p_user => p_user, p_role => p_role, p_as_of => m1);
    s_pip := '/api/revenue/pipeline' || q;
    alr := api.alerts_list(p_user => p_user, p_role => p_role, p_status => 'all', p_severity => 'critical',
                           p_limit => 500, p_offset => 0);
    s_alr := '/api/alerts?status=all&severity=critical&limit=500';
    s_fc := '/api/forecast/mrr?months=6&as_of=' || m1;
    mi := report_index(mrr->'months', 'month', ym);
    fi := report_index(fin->'months', 'month', ym);

    -- Revenue: the figures, the month's movements, the 12-month chart with the projection: the
    -- months' ending MRR, then the forecast as a dashed series (with its 80 % band) that starts
    -- at the month's MRR.
    n := json_array_length(mrr->'months');
    WITH pts AS (
        SELECT o, to_char((e->>'to')::date, 'Mon YYYY') AS lbl, e->'ending_mrr' AS v,
               CASE WHEN o = n THEN e->'ending_mrr' END AS pv, CASE WHEN o = n THEN e->'ending_mrr' END AS lo,
               CASE WHEN o = n THEN e->'ending_mrr' END AS hi
          FROM json_array_elements(mrr->'months') WITH ORDINALITY t(e, o)
        UNION ALL
        SELECT n + o, to_char((f->>'date')::date, 'Mon YYYY'), NULL, f->'value', f->'lo80', f->'hi80'
          FROM json_array_elements(CASE WHEN fc_ok THEN fc->'forecast' ELSE '[]' END) WITH ORDINALITY t(f, o))
    SELECT json_agg(lbl ORDER BY o),
           jsonb_build_array(jsonb_build_object('name', 'MRR', 'values', json_agg(coalesce(v, 'null'::json) ORDER BY o)))
           || CASE WHEN fc_ok THEN jsonb_build_array(jsonb_build_object('name', 'Projection', 'dashed', true,
                  'values', json_agg(coalesce(pv, 'null'::json) ORDER BY o),
                  'lo', json_agg(coalesce(lo, 'null'::json) ORDER BY o), 'hi', json_agg(coalesce(hi, 'null'::json) ORDER BY o)))
              ELSE '[]'::jsonb END
      INTO labels, ser FROM pts;
    secs := ARRAY[json_build_object('title', 'Revenue', 'link', '/revenue', 'blocks', json_build_array(
        report_kpis(
            report_item('MRR', summ, '{mrr}', 'money', s_sum, 'at ' || m1),
            report_item('ARR', summ, '{arr}', 'money', s_sum),
            report_item('MRR growth (MoM)', summ, '{mom_growth_pct}', 'pct', s_sum, 'against ' || (summ->'previous'->>'as_of')),
            report_item('MRR target', summ, '{target,target_mrr}', 'money', s_sum,
                        'target for ' || coalesce(summ->'target'->>'period_start', '?') || ' – ' || coalesce(summ->'target'->>'period_end', '?')),
            report_item('Target reached', summ, '{target,pct_reached}', 'pct', s_sum),
            report_item('Net new MRR', mrr, ARRAY['months', mi, 'net_new'], 'money', s_mrr, 'in ' || ym),
            report_item('ARPU', summ, '{arpu}', 'money', s_sum),
            report_item('Quick ratio', summ, '{quick_ratio}', 'ratio', s_sum, 'last 30 days')),
        json_build_object('type', 'table', 'title', 'MRR movements, ' || to_char(m0, 'FMMonth YYYY'),
            'columns', ARRAY['Movement', 'Customers', 'MRR'], 'align', ARRAY['l', 'r', 'r'],
            'rows', (SELECT json_agg(json_build_array(lbl, alert_rfmt((mov->'totals'->k->>'customers')::numeric, 'n'),
                                                      alert_rfmt((mov->'totals'->k->>'amount')::numeric, 'money')) ORDER BY o)
                     FROM (VALUES (1, 'new', 'New'), (2, 'expansion', 'Expansion'), (3, 'contraction', 'Contraction'),
                                  (4, 'churn', 'Churn'), (5, 'reactivation', 'Reactivation')) v(o, k, lbl))),
        json_build_object('type', 'chart', 'chart', 'line', 'title', 'MRR, 12 months, and the 6-month projection (80 % band)',
            'unit', 'money', 'x', labels, 'series', ser)))];

    -- Customers: count, churn, retention; the cohort table.
    secs := secs || json_build_object('title', 'Customers', 'link', '/customers', 'blocks', json_build_array(
        report_kpis(
            report_item('Paying customers', summ, '{paying_customers}', 'n', s_sum, 'at ' || m1),
            report_item('New customers', mrr, ARRAY['months', mi, 'new_customers'], 'n', s_mrr, 'in ' || ym),
            report_item('Churned customers', mrr, ARRAY['months', mi, 'churned_customers'], 'n', s_mrr, 'in ' || ym),
            report_item('Customer churn rate', mrr, ARRAY['months', mi, 'customer_churn_rate_pct'], 'pct', s_mrr, 'in ' || ym),
            report_item('Net revenue retention', summ, '{net_revenue_retention_pct}', 'pct', s_sum, 'last 30 days'),
            report_item('Gross revenue retention', summ, '{gross_revenue_retention_pct}', 'pct', s_sum, 'last 30 days'),
            report_item('Active customers (30 days)', users, '{active_customers_30d,value}', 'n', s_usr),
            report_item('NPS (90 days)', users, '{nps_90d,value,nps}', 'num', s_usr)),
        json_build_object('type', 'table', 'title', 'Cohort retention (customers still paying, % of the cohort)',
            'columns', ARRAY['Cohort', 'Customers', 'Month 1', 'Month 2', 'Month 3', 'Month 6', 'Month 9', 'Month 11'],
            'align', ARRAY['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
            'rows', coalesce((SELECT json_agg(json_build_array(to_char((c->>'cohort')::date, 'Mon YYYY'),
                        alert_rfmt((c->>'size')::numeric, 'n'),
                        alert_rfmt((c->'retention'->>1)::numeric, 'pct'), alert_rfmt((c->'retention'->>2)::numeric, 'pct'),
                        alert_rfmt((c->'retention'->>3)::numeric, 'pct'), alert_rfmt((c->'retention'->>6)::numeric, 'pct'),
                        alert_rfmt((c->'retention'->>9)::numeric, 'pct'), alert_rfmt((c->'retention'->>11)::numeric, 'pct'))
                        ORDER BY c->>'cohort')
                    FROM json_array_elements(coh->'cohorts') c), '[]'))));

    -- Marketing efficiency.
    secs := secs || json_build_object('title', 'Marketing efficiency', 'link', '/marketing', 'blocks', json_build_array(
        report_kpis(
            report_item('Ad spend', mkt, '{current,spend}', 'money', s_mkt, 'in ' || ym),
            report_item('CAC', cac, '{buckets,0,cac}', 'money', s_cac, 'spend ÷ new paying customers'),
            report_item('CAC change', cac, '{buckets,0,change_pct}', 'pct', s_cac, 'against the month before'),
            report_item('CAC payback', mkt, '{current,cac_payback_months}', 'months', s_mkt),
            report_item('ROAS (attributed)', mkt, '{current,roas}', 'ratio', s_mkt, 'attributed revenue ÷ spend'),
            report_item('Blended ROAS', mkt, '{current,blended_roas}', 'ratio', s_mkt, 'order revenue ÷ spend'),
            report_item('LTV : CAC', mkt, '{current,ltv_cac_ratio}', 'ratio', s_mkt))));

    -- Financials.
    secs := secs || json_build_object('title', 'Financials', 'link', '/financial', 'blocks', json_build_array(
        report_kpis(
            report_item('Gross margin', fin, ARRAY['months', fi, 'gross_margin_pct'], 'pct', s_fin, 'in ' || ym),
            report_item('Net revenue', fin, ARRAY['months', fi, 'net_revenue'], 'money', s_fin, 'in ' || ym),
            report_item('Expenses', fin, ARRAY['months', fi, 'expenses'], 'money', s_fin, 'in ' || ym),
            report_item('Net burn', fin, ARRAY['months', fi, 'net_burn'], 'money', s_fin, 'in ' || ym),
            report_item('Average net burn (3 months)', fin, '{avg_net_burn_3m}', 'money', s_fin),
            report_item('Cash', fin, '{cash}', 'money', s_fin, 'at ' || coalesce(fin->>'cash_as_of', m1::text)),
            report_item('Runway', fin, '{runway_months}', 'months', s_fin, 'cash ÷ average net burn of 3 months'),
            report_item('Break-even', fin, CASE WHEN fin->'break_even'->>'month' IS NOT NULL THEN '{break_even,month}'
                                                 ELSE '{break_even,status}' END::text[], 'text', s_fin,
                        CASE WHEN fin->'break_even'->>'month' IS NOT NULL THEN 'projected month'
                             ELSE 'no break-even month projected' END))));

    -- Sales.
    secs := secs || json_build_object('title', 'Sales', 'link', '/sales', 'blocks', json_build_array(
        report_kpis(
            report_item('Open pipeline', pipe, '{open_pipeline}', 'money', s_pip, 'at ' || m1),
            report_item('Pipeline coverage', pipe, '{coverage_ratio}', 'ratio', s_pip, 'pipeline ÷ remaining annualised target'),
            report_item('Win rate', pipe, '{win_rate_pct}', 'pct', s_pip),
            report_item('Average deal size', pipe, '{avg_deal_size}', 'money', s_pip),
            report_item('Deals won', pipe, '{deals_won_mtd}', 'n', s_pip, 'in ' || ym),
            report_item('Revenue closed', pipe, '{revenue_closed_mtd}', 'money', s_pip, 'in ' || ym))));

    -- The critical alerts opened in the month.
    secs := secs || json_build_object('title', 'Critical alerts', 'link', '/alerts', 'blocks', json_build_array(
        json_build_object('type', 'table', 'title', 'Critical alerts opened in ' || to_char(m0, 'FMMonth YYYY'),
            'columns', ARRAY['Alert', 'Opened', 'Value', 'Status'], 'align', ARRAY['l', 'l', 'r', 'l'],
            'rows', coalesce((SELECT json_agg(json_build_array(coalesce(a->>'title', '') || coalesce(' — ' || (a->>'subject_label'), ''),
                        to_char((a->>'opened_at')::timestamptz AT TIME ZONE ns_tz(), 'YYYY-MM-DD HH24:MI'),
                        alert_fmt((a->>'value')::numeric, a->>'unit'), a->>'status')
                        ORDER BY (a->>'opened_at')::timestamptz)
                    FROM json_array_elements(alr->'alerts') a
                    WHERE ns_day((a->>'opened_at')::timestamptz) BETWEEN m0 AND m1), '[]'))));

    -- Forecast: the next 6 months with 80 / 95 % bounds, and the backtest's error.
    IF fc_ok THEN
        secs := secs || json_build_object('title', 'Forecast', 'link', '/forecast', 'blocks', json_build_array(
            report_kpis(
                report_item('MRR in 6 months', fc, '{forecast,5,value}', 'money', s_fc, 'forecast for ' || (fc->'forecast'->5->>'date')),
                report_item('Model', fc, '{method,model}', 'text', s_fc, fc->'method'->>'description'),
                report_item('Backtest MAPE', fc, '{backtest,mape_pct}', 'pct', s_fc, 'mean over horizons 1–6'),
                report_item('Backtest median MAPE', fc, '{backtest,median_mape_pct}', 'pct', s_fc),
                report_item('Naive forecast MAPE', fc, '{backtest,naive_mape_pct}', 'pct', s_fc, 'last value carried forward')),
            json_build_object('type', 'table', 'title', 'MRR forecast',
                'columns', ARRAY['Month', 'Forecast', '80 % low', '80 % high', '95 % low', '95 % high'],
                'align', ARRAY['l', 'r', 'r', 'r', 'r', 'r'],
                'rows', (SELECT json_agg(json_build_array(to_char((f->>'date')::date, 'Mon YYYY'),
                            alert_rfmt((f->>'value')::numeric, 'money'), alert_rfmt((f->>'lo80')::numeric, 'money'),
                            alert_rfmt((f->>'hi80')::numeric, 'money'), alert_rfmt((f->>'lo95')::numeric, 'money'),
                            alert_rfmt((f->>'hi95')::numeric, 'money')) ORDER BY o)
                         FROM json_array_elements(fc->'forecast') WITH ORDINALITY t(f, o))),
            json_build_object('type', 'text', 'text', coalesce(fc->'method'->>'name', '') || ', '
                || coalesce(fc->'method'->>'selection', '') || '; backtest: ' || coalesce(fc->'backtest'->>'kind', '')
                || ', ' || coalesce(fc->'backtest'->>'origins', '?') || ' origins; '
                || CASE WHEN (fc->'backtest'->>'beats_naive')::boolean THEN 'beats' ELSE 'does not beat' END
                || ' the naive forecast.')));
    ELSE
        secs := secs || json_build_object('title', 'Forecast', 'link', '/forecast', 'blocks', json_build_array(
            report_kpis(report_item('MRR in 6 months', '{}'::json, '{forecast,5,value}', 'money', s_fc,
                                    coalesce(p_forecast->>'error', 'no forecast'))),
            json_build_object('type', 'text', 'text', 'n/a: ' || coalesce(p_forecast->>'error', 'no forecast for the month'))));
    END IF;

    RETURN (jsonb_build_object(
        'kind', 'board',
        'title', 'Board pack',
        'subtitle', 'Monthly board metrics, ' || to_char(m0, 'FMMonth YYYY'),
        'company', report_company(),
        'period', m0,
        'period_label', to_char(m0, 'FMMonth YYYY'),
        'generated_at', to_char(now() AT TIME ZONE ns_tz(), 'YYYY-MM-DD HH24:MI') || ' ' || ns_tz(),
        'currency', ns_currency(),
        'sections', to_json(secs)) || CASE WHEN p_app_url IS NULL THEN '{}'::jsonb
                                           ELSE jsonb_build_object('app_url', p_app_url) END)::json;
END
$$;
