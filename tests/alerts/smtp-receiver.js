// smtp-receiver.js — a loopback SMTP receiver for the alert e-mail tests.
//   node smtp-receiver.js PORTFILE OUTDIR [LIFETIME_S]
// Speaks just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), no TLS, no auth;
// writes every message to OUTDIR/msg-N.eml with the envelope as X-Envelope-From/To headers.
'use strict';
const net = require('net');
const fs = require('fs');
const path = require('path');
const [portFile, outDir, lifetime = '600'] = process.argv.slice(2);
let count = 0;
const server = net.createServer((sock) => {
  let buf = '';
  let inData = false;
  let from = '';
  let to = [];
  const say = (line) => sock.write(line + '\r\n');
  say('220 localhost test SMTP');
  sock.on('data', (chunk) => {
    buf += chunk.toString('latin1');
    for (;;) {
      if (inData) {
        const end = buf.indexOf('\r\n.\r\n');
        if (end < 0) return;
        const body = buf.slice(0, end).replace(/\r\n\.\./g, '\r\n.');
        buf = buf.slice(end + 5);
        inData = false;
        count += 1;
        fs.writeFileSync(path.join(outDir, `msg-${count}.eml`),
          `X-Envelope-From: ${from}\r\nX-Envelope-To: ${to.join(',')}\r\n` + body + '\r\n', 'latin1');
        from = ''; to = [];
        say('250 2.0.0 queued');
        continue;
      }
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const line = buf.slice(0, eol);
      buf = buf.slice(eol + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') { say('250-localhost'); say('250 8BITMIME'); }
      else if (verb === 'HELO') say('250 localhost');
      else if (verb === 'MAIL') { from = (line.match(/<([^>]*)>/) || [])[1] || ''; say('250 2.1.0 ok'); }
      else if (verb === 'RCPT') { to.push((line.match(/<([^>]*)>/) || [])[1] || ''); say('250 2.1.5 ok'); }
      else if (verb === 'DATA') { inData = true; say('354 end with <CRLF>.<CRLF>'); }
      else if (verb === 'RSET') { from = ''; to = []; say('250 ok'); }
      else if (verb === 'NOOP') say('250 ok');
      else if (verb === 'QUIT') { say('221 bye'); sock.end(); return; }
      else say('502 5.5.2 not implemented');
    }
  });
  sock.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
setTimeout(() => process.exit(0), Number(lifetime) * 1000).unref();
