-- The shared parsers of the record endpoints (565_ingest_records.sql) and the edges of the
-- marketing/support functions that HTTP tests reach only slowly: the batch's shape and size
-- errors, the day and count parsers, rounding of converted amounts, a repeated key in one batch.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(22);

-- days: the shape first, then the calendar (no cast error ever escapes)
SELECT is(ingest_date('"2024-02-29"'), date '2024-02-29', 'a leap day is a day');
SELECT is(ingest_date('"2023-02-29"'), NULL::date, '29 February of a common year is not');
SELECT is(ingest_date('"1900-02-29"'), NULL::date, 'nor of a century that is not a 400th year');
SELECT is(ingest_date('"2026-04-31"'), NULL::date, '31 April is not a day');
SELECT is(ingest_date('"2026-13-01"'), NULL::date, 'month 13 is not');
SELECT is(ingest_date('"2026-3-01"'), NULL::date, 'one-digit months are not the format');
SELECT is(ingest_date('20260301'), NULL::date, 'a number is not a day');
SELECT is(ingest_date('"2026-03-01T00:00:00Z"'), NULL::date, 'an instant is not a day');

-- counts: JSON integers or digit strings, 0 .. 10^15 - 1
SELECT is(ingest_count('12345'), 12345::bigint, 'an integer is a count');
SELECT is(ingest_count('"8655"'), 8655::bigint, 'so is a string of digits (CSV)');
SELECT is(ingest_count('1.5'), NULL::bigint, 'a fraction is not');
SELECT is(ingest_count('-1'), NULL::bigint, 'a negative number is not');
SELECT is(ingest_count('1000000000000000'), NULL::bigint, '10^15 is too big');
SELECT is(ingest_count('true'), NULL::bigint, 'a boolean is not');

-- the batch
SELECT throws_ok($$SELECT ingest_records('5', 2500)$$, '22023', NULL, 'a number is no batch (22023 → 400)');
SELECT throws_ok($$SELECT ingest_records('[]', 2500)$$, '22023', 'the batch is empty', 'an empty batch is refused');
SELECT throws_ok($$SELECT ingest_records('[{}, {}, {}]', 2)$$, 'NS413',
                 'a batch holds at most 2 records; this one has 3: split it', 'more than the limit is NS413 (413)');
SELECT is(jsonb_array_length(ingest_records('{"a": 1}', 2500)), 1, 'one object is a batch of one');

-- conversion: 1 EUR = 1.25 USD = 2.5 XTS → factor 0.5; 3 XTS cents = 1.5 → 2 (half away from zero)
SELECT set_config('northstar.currency', 'USD', true);
INSERT INTO campaigns (platform, name, started_on, external_id) VALUES ('meta', 'Fixture', '2001-03-01', 'fixture-c1');
INSERT INTO fx_rates (currency, day, per_eur) VALUES ('USD', '2001-03-01', 1.25), ('XTS', '2001-03-01', 2.5);
SELECT is((api.marketing_spend_ingest(p_user => 0, p_role => NULL, p_body =>
              '[{"campaign_external_id": "fixture-c1", "platform": "meta", "day": "2001-03-02", "spend_cents": 3, "currency": "XTS"}]')
           ->> 'created')::int, 1, 'spend in XTS on the day after a rate (within the look-back) is accepted');
SELECT is((SELECT spend_cents || '|' || spend_original_cents FROM ad_spend s JOIN campaigns c ON c.id = s.campaign_id
            WHERE c.external_id = 'fixture-c1'), '2|3', '3 XTS cents × 0.5 = 1.5 → 2 cents, 3 kept as the original');
-- a repeated key: the first valid one lands, the second is rejected naming it
SELECT is(api.marketing_spend_ingest(p_user => 0, p_role => NULL, p_body =>
              '[{"campaign_external_id": "fixture-c1", "platform": "meta", "day": "2001-03-03"},
                {"campaign_external_id": "fixture-c1", "platform": "meta", "day": "2001-03-03", "clicks": 5}]')::jsonb
           -> 'rejected' -> 0 ->> 'message',
          'campaign fixture-c1 of meta on 2001-03-03 is at index 0 of this batch already: send a record once a batch',
          'a key repeated in one batch is rejected after its first occurrence');
SELECT is((SELECT clicks FROM ad_spend s JOIN campaigns c ON c.id = s.campaign_id
            WHERE c.external_id = 'fixture-c1' AND s.day = '2001-03-03'), 0::bigint, '... and the first one is what landed');

SELECT * FROM finish();
ROLLBACK;
