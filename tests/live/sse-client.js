// sse-client.js PORT TOKEN OUT SECONDS [LAST_EVENT_ID] [--once] — a subscriber of GET /api/live
// that behaves as a browser's EventSource: when the stream ends (nginx ends it every
// NS_LIVE_RECHECK_SECONDS to authorise it again) it reconnects with the last event id it saw, so
// it misses nothing and gets nothing twice.  Writes "id<TAB>data" per message to OUT and a line
// "# HTTP <status>" per connection; --once: no reconnection.  Exits after SECONDS.
'use strict';
const http = require('http');
const fs = require('fs');
const [port, token, out, seconds, first, once] = process.argv.slice(2);
let last = first && first !== '-' ? first : '';
const end = Date.now() + Number(seconds) * 1000;
function connect() {
  if (Date.now() >= end) process.exit(0);
  const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token}` };
  if (last) headers['Last-Event-ID'] = last;
  const req = http.get({ host: '127.0.0.1', port: Number(port), path: '/api/live', headers }, (res) => {
    fs.appendFileSync(out, `# HTTP ${res.statusCode}\n`);
    let buf = '', id = '', data = [];
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, ''); buf = buf.slice(i + 1);
        if (line === '') {
          if (data.length) { if (id) last = id; fs.appendFileSync(out, `${id}\t${data.join('\n')}\n`); }
          id = ''; data = [];
        } else if (line.startsWith('id:')) id = line.slice(3).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
    });
    res.on('end', () => (once ? process.exit(0) : setTimeout(connect, res.statusCode === 200 ? 0 : 500)));
  });
  req.on('error', () => (once ? process.exit(1) : setTimeout(connect, 500)));
  setTimeout(() => { req.destroy(); process.exit(0); }, Math.max(0, end - Date.now())).unref();
}
connect();
setTimeout(() => process.exit(0), Number(seconds) * 1000);
