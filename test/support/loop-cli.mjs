// A request loop for places the test process cannot reach (a container's own loopback): runs until
// <stop file> exists (or max ms), a new connection per request, then prints its counts as JSON.
//   node loop-cli.mjs <url> <concurrency> <stop file> [max ms] [maintenance-ok]
// With `maintenance-ok`, a 503 carrying Retry-After (the maintenance page, inside a schema window)
// is counted in `maintenance`, not in `failed`.
import { existsSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';

const [url, concurrency = '3', stopFile, maxMs = '120000', mode = ''] = process.argv.slice(2);
const maintenanceOk = mode === 'maintenance-ok';
const result = { sent: 0, ok: 0, failed: 0, maintenance: 0, failures: [], bodies: {} };
const deadline = Date.now() + Number(maxMs);

const once = () =>
  new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'], body }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ error: e.message }));
    req.end();
  });

// <stop file>.started, once the first answer is in: the caller waits for it before it stops the loop
let started = false;
function markStarted() {
  started = true;
  if (stopFile) writeFileSync(`${stopFile}.started`, '');
}

async function worker() {
  while (!existsSync(stopFile) && Date.now() < deadline) {
    result.sent++;
    const r = await once();
    if (!started) markStarted();
    if (r.status === 200) {
      result.ok++;
      result.bodies[r.body] = (result.bodies[r.body] ?? 0) + 1;
    } else if (maintenanceOk && r.status === 503 && r.retryAfter) {
      result.maintenance++;
    } else {
      result.failed++;
      if (result.failures.length < 20) result.failures.push(r.error ?? `${r.status} ${r.body.slice(0, 120)}`);
    }
  }
}

await Promise.all(Array.from({ length: Number(concurrency) }, worker));
process.stdout.write(`${JSON.stringify(result)}\n`);
