// webhook-receiver.js — a loopback HTTP receiver for the alert webhook tests.
//   node webhook-receiver.js PORTFILE OUTFILE [FAIL_FIRST] [LIFETIME_S] [HOST]
// Listens on HOST (default 127.0.0.1; a free port, written to PORTFILE), appends every POST body as one JSON
// line {"n","path","content_type","idempotency_key","status","body"} to OUTFILE (idempotency_key: the
// Idempotency-Key header, "" when absent), answers the first FAIL_FIRST
// requests with HTTP 500 (to test retries) and the rest with 200 "ok", and exits after LIFETIME_S.
'use strict';
const http = require('http');
const fs = require('fs');
const [portFile, outFile, failFirst = '0', lifetime = '600', host = '127.0.0.1'] = process.argv.slice(2);
let n = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    n += 1;
    const status = n <= Number(failFirst) ? 500 : 200;
    fs.appendFileSync(outFile, JSON.stringify({ n, path: req.url, content_type: req.headers['content-type'] || '',
      idempotency_key: req.headers['idempotency-key'] || '', status, body: Buffer.concat(chunks).toString('utf8') }) + '\n');
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(status === 200 ? 'ok' : 'try again');
  });
});
server.listen(0, host, () => fs.writeFileSync(portFile, String(server.address().port)));
setTimeout(() => process.exit(0), Number(lifetime) * 1000).unref();
