import { describe, expect, it } from 'vitest';
import { startLoop } from '../support/load-loop.js';
import { useScene } from '../support/scene.js';

// `npm run soak`: many `maintenance on` / `off` pairs, each a Caddy config load, under a loop of
// clients that open a new connection per request. Every answer must be a 200 or the maintenance
// 503: a reset or a refused connection at a load is a failed request.
//   SOAK_PAIRS (50) on/off pairs.
const PAIRS = Number(process.env.SOAK_PAIRS ?? 50);

describe('Caddy config loads under load', () => {
  const s = useScene({ setUp: true });

  it(`${PAIRS} maintenance on/off pairs: no failed request`, async () => {
    const maxMs = 850_000;
    const started = Date.now();
    const loop = startLoop(s.url('/'), { concurrency: 4, maxRequests: 10_000_000, maxMs, maintenanceOk: true });
    for (let i = 0; i < PAIRS; i++) {
      for (const turn of ['on', 'off']) {
        const r = await s.bg(['maintenance', turn]);
        expect(r.code, `${turn} ${i + 1}: ${r.stderr}`).toBe(0);
      }
    }
    expect(Date.now() - started, 'the loop ran out of time before the last load').toBeLessThan(maxMs);
    const n = await loop.stop();
    process.stdout.write(
      `caddy reloads: ${PAIRS * 2} loads, ${n.sent} requests, ${n.ok} × 200, ${n.maintenance} × 503, ${n.failed} failed\n${n.failures.join('\n')}\n`,
    );
    expect(n.failed, n.failures.join('\n')).toBe(0);
    expect(n.ok).toBeGreaterThan(0);
    expect(n.maintenance).toBeGreaterThan(0);
  });
});
