// send.js — Segment's own Node library (@segment/analytics-node) pointed at a Northstar stack:
// host and path are the only settings changed from what a Segment user runs.  Sends a fixed set
// of calls in batches of 4, waits for delivery, and prints one JSON line: every HTTP request the
// library made (its body, exactly as sent, and its Authorization scheme) with the answer's status.
//   env: NS_URL (http://127.0.0.1:PORT), NS_KEY (nsk_…), NS_GROUP (a customer id), NS_RUN (a tag)
'use strict';
const { Analytics } = require('@segment/analytics-node');

const analytics = new Analytics({
  writeKey: process.env.NS_KEY,
  host: process.env.NS_URL,
  path: '/api/product/events',
  flushAt: 4,
  flushInterval: 200,
  maxRetries: 2,
});
const requests = [];
analytics.on('http_request', (r) => {
  requests.push({ body: JSON.parse(r.body), auth: String(r.headers.Authorization || '').split(' ')[0] });
});
const statuses = [];
analytics.on('http_response', (r) => statuses.push(r.status));
const errors = [];
analytics.on('error', (e) => errors.push(String(e && e.reason ? e.reason : e)));

const run = process.env.NS_RUN;
const context = { groupId: process.env.NS_GROUP, userAgent: 'Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36' };
for (let i = 0; i < 6; i++) {
  analytics.track({ userId: `seg-${run}`, event: 'API Call', context,
    properties: { status: i === 5 ? 503 : 200, latency_ms: 100 + i, endpoint: `/v1/segment-${run}` } });
}
analytics.track({ userId: `seg-${run}`, event: 'Feature Used', context, properties: { feature: `seg-${run}` } });
analytics.track({ userId: `seg-${run}`, event: `Report Exported ${run}`, context, properties: { format: 'csv' } });
analytics.page({ userId: `seg-${run}`, name: 'Pricing', context });
analytics.identify({ userId: `seg-${run}`, traits: { plan: 'pro' }, context });

analytics.closeAndFlush({ timeout: 20000 }).then(() => {
  process.stdout.write(JSON.stringify({ requests, statuses, errors }) + '\n');
});
