// A websocket client for places the test process cannot reach (a container's own loopback), over
// node:http's upgrade (Node 20 has no WebSocket client). Two uses:
//   node ws-cli.mjs <ws url> once                     one message, prints {"reply": ...}, closes
//   node ws-cli.mjs <ws url> <stop file> <progress file>
// The second sends a message, waits for its echo, and again, until <stop file> exists; then it
// closes (1000) and waits for the server's close. It rewrites <progress file> with its counts after
// each echo and at the end, when it also prints them as JSON: echoes per reply version, who closed
// (client, server: a close frame, dropped: the connection ended without one), the close code.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';

const [url, stopFile, progressFile] = process.argv.slice(2);
const result = { echoed: 0, versions: {}, closedBy: null, code: null, error: null };
// renamed into place, so a reader never sees it half written
const saveProgress = () => {
  writeFileSync(`${progressFile}.tmp`, JSON.stringify(result));
  renameSync(`${progressFile}.tmp`, progressFile);
};

function frame(opcode, payload) {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 255]);
  return Buffer.concat([head, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]);
}

// Server frames are unmasked; a frame of 64 KiB or more never comes from the echo app.
function* frames(state) {
  for (;;) {
    const b = state.buf;
    if (b.length < 2) return;
    let len = b[1] & 127;
    let at = 2;
    if (len === 126) [len, at] = [b.length < 4 ? Number.NaN : b.readUInt16BE(2), 4];
    if (Number.isNaN(len) || b.length < at + len) return;
    state.buf = b.subarray(at + len);
    yield { opcode: b[0] & 15, payload: b.subarray(at, at + len) };
  }
}

const key = randomBytes(16).toString('base64');
const req = request(url.replace(/^ws/, 'http'), {
  headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' },
});
req.on('response', (res) => finish({ error: `no upgrade: HTTP ${res.statusCode}` }));
req.on('error', (e) => finish({ error: e.message }));
req.on('upgrade', (res, socket, head) => {
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  if (res.headers['sec-websocket-accept'] !== accept) return finish({ error: 'bad Sec-WebSocket-Accept' });
  const state = { buf: head, closing: false };
  const send = () => socket.write(frame(1, Buffer.from(String(result.echoed))));
  socket.on('data', (d) => {
    state.buf = Buffer.concat([state.buf, d]);
    for (const f of frames(state)) {
      if (f.opcode === 9) socket.write(frame(10, f.payload));
      if (f.opcode === 8) {
        result.code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
        result.closedBy ??= 'server';
        if (result.closedBy === 'server' && !state.closing) socket.write(frame(8, f.payload.subarray(0, 2)));
        state.closing = true;
        socket.end();
      }
      if (f.opcode !== 1 || state.closing) continue;
      const reply = f.payload.toString();
      if (stopFile === 'once') {
        result.reply = reply;
        state.closing = true;
        result.closedBy = 'client';
        socket.write(frame(8, Buffer.from([3, 232])));
        continue;
      }
      result.echoed++;
      const version = reply.split(' ')[0];
      result.versions[version] = (result.versions[version] ?? 0) + 1;
      saveProgress();
      if (existsSync(stopFile)) {
        state.closing = true;
        result.closedBy = 'client';
        socket.write(frame(8, Buffer.from([3, 232])));
      } else setTimeout(() => state.closing || send(), 20);
    }
  });
  socket.on('error', (e) => (result.error ??= e.message));
  // a connection that ends without a close frame: Caddy or the server dropped it
  socket.on('close', () => finish(result.closedBy ? {} : { closedBy: 'dropped' }));
  send();
});
req.end();

function finish(extra) {
  Object.assign(result, extra);
  if (progressFile) saveProgress();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
