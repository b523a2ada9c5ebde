// The demo's request loop: `node scripts/demo-load.mjs <url> <ready-file>`. Hits <url> with 4
// clients until SIGTERM/SIGINT, 20,000 requests or 60 s, whichever comes first; touches <ready-file>
// after the first answer; then prints `sent N, failed M` and what the app answered. Exit 1 on any failure.
// Each request opens its own connection (reset: true), as test/support/load-loop.ts explains: a
// client reusing a keep-alive connection that Caddy closes at a config load races it (docs/measurements.md).
import { writeFileSync } from 'node:fs';
import { request } from 'undici';

const [url, readyFile] = process.argv.slice(2);
if (!url || !readyFile) {
  console.error('usage: node scripts/demo-load.mjs <url> <ready-file>');
  process.exit(2);
}
const CONCURRENCY = 4;
const MAX_REQUESTS = 20_000;
const deadline = Date.now() + 60_000;

let sent = 0;
let failed = 0;
let ready = false;
let stopping = false;
const failures = new Map(); // message -> count
const bodies = new Map();
process.on('SIGTERM', () => (stopping = true));
process.on('SIGINT', () => (stopping = true));

async function client() {
  while (!stopping && sent < MAX_REQUESTS && Date.now() < deadline) {
    sent++;
    try {
      const res = await request(url, { reset: true, headersTimeout: 10_000, bodyTimeout: 10_000 });
      const body = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${body.slice(0, 100)}`);
      bodies.set(body, (bodies.get(body) ?? 0) + 1);
      if (!ready) {
        ready = true;
        writeFileSync(readyFile, '');
      }
    } catch (e) {
      failed++;
      const msg = String(e?.message ?? e);
      if (failures.has(msg) || failures.size < 10) failures.set(msg, (failures.get(msg) ?? 0) + 1);
    }
  }
}

await Promise.all(Array.from({ length: CONCURRENCY }, client));
const answered = [...bodies].map(([body, n]) => `"${body}" ×${n}`).join(', ');
console.log(`sent ${sent}, failed ${failed}${answered ? ` (answers: ${answered})` : ''}`);
for (const [msg, n] of failures) console.log(`  failed ×${n}: ${msg}`);
process.exitCode = failed === 0 && sent > 0 ? 0 : 1;
