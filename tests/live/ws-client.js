// ws-client.js PORT TOKEN OUT SECONDS — a minimal WebSocket subscriber of GET /api/live (RFC 6455
// by hand: Node 20 has no WebSocket client and the tests add no npm package for 50 lines).
// Writes "OPEN" per connection and each text frame's payload as one line to OUT; reconnects when
// nginx closes the stream (its re-check interval); exits after SECONDS, or with code 2 when the
// upgrade is refused (the status goes to OUT as "HTTP <status>").
'use strict';
const http = require('http');
const crypto = require('crypto');
const fs = require('fs');
const [port, token, out, seconds] = process.argv.slice(2);
function connect() {
const key = crypto.randomBytes(16).toString('base64');
const req = http.request({ host: '127.0.0.1', port: Number(port), path: '/api/live', headers: {
  Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key,
  Authorization: `Bearer ${token}` } });
req.on('response', (res) => { fs.appendFileSync(out, `HTTP ${res.statusCode}\n`); process.exit(2); });
req.on('upgrade', (res, socket) => {
  const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  if (res.headers['sec-websocket-accept'] !== accept) { fs.appendFileSync(out, 'bad accept\n'); process.exit(3); }
  fs.appendFileSync(out, 'OPEN\n');
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      const op = buf[0] & 0x0f;
      let len = buf[1] & 0x7f, off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      if (buf.length < off + len) return;
      const payload = buf.subarray(off, off + len);
      buf = buf.subarray(off + len);
      if (op === 1) fs.appendFileSync(out, payload.toString('utf8').replace(/\n/g, ' ') + '\n');
      if (op === 9) {   // ping: answer pong, masked as a client must
        const mask = crypto.randomBytes(4), p = Buffer.from(payload);
        for (let i = 0; i < p.length; i++) p[i] ^= mask[i % 4];
        socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | p.length]), mask, p]));
      }
      if (op === 8) { socket.destroy(); return; }
    }
  });
  socket.on('close', () => setTimeout(connect, 100));
});
req.on('error', (e) => { fs.appendFileSync(out, `ERROR ${e.message}\n`); process.exit(4); });
req.end();
}
connect();
setTimeout(() => process.exit(0), Number(seconds) * 1000);
