import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonEvent } from '../support/json-events.js';
import { startLoop } from '../support/load-loop.js';
import { useScene } from '../support/scene.js';

// A deploy of a broken version fails, exits 1, says why and "old version still serving", and the
// old version served every request meanwhile. Nothing is left half-done.
describe('bg deploy of a broken version', () => {
  const s = useScene({ setUp: true });

  const cases = [
    { branch: 'unhealthy', step: 'health-gate-green', why: /unhealthy on purpose/ },
    { branch: 'crash', step: 'start-web-green', why: /result exit-code[\s\S]*crash at import/ },
    { branch: 'hang', step: 'start-web-green', why: /result timeout.*never bound its port/ },
  ];
  for (const c of cases) {
    it(`${c.branch}: exit 1 at ${c.step}, old version served every request`, async () => {
      const loop = startLoop(s.url('/'), { concurrency: 3, maxMs: 90_000 });
      const r = await s.bg(['deploy', c.branch]);
      const res = await loop.stop();
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(`failed at step ${c.step}`);
      expect(r.stderr).toMatch(c.why);
      expect(r.stderr).toContain('old version still serving');
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(res.failed, res.failures.join('\n')).toBe(0);
      expect(res.bodies.size).toBe(1);
      expect(res.bodies.get('v1 hello')).toBeGreaterThan(0);
      // nothing half-done: blue serves and is the upstream, green is stopped, the lock is free
      expect(readFileSync(`${s.dir}/caddy/upstream.txt`, 'utf8')).toBe(`to 127.0.0.1:${s.ports.blue}\n`);
      expect(s.activeState(`${s.app}-web-blue.service`)).toBe('active');
      expect(['inactive', 'failed']).toContain(s.activeState(`${s.app}-web-green.service`));
      const st = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status');
      expect(st.active).toBe('blue');
      expect(st.problem).toBeUndefined();
      expect(st.lastDeploy).toMatchObject({ command: 'deploy', ref: c.branch, result: 'rolled-back', failedStep: c.step });
    });
  }

  it('a Caddy reload that fails puts the old upstream file back', async () => {
    const { appendFileSync, writeFileSync } = await import('node:fs');
    const caddyfile = `${s.dir}/caddy/Caddyfile`;
    const good = readFileSync(caddyfile, 'utf8');
    appendFileSync(caddyfile, '\nthis is { not a caddyfile\n');
    try {
      const loop = startLoop(s.url('/'), { concurrency: 3, maxMs: 60_000 });
      const r = await s.bg(['deploy', 'v2']);
      const res = await loop.stop();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('failed at step switch-to-green');
      expect(r.stderr).toContain('Caddy refused the new config');
      expect(res.failed, res.failures.join('\n')).toBe(0);
      expect(readFileSync(`${s.dir}/caddy/upstream.txt`, 'utf8')).toBe(`to 127.0.0.1:${s.ports.blue}\n`);
      expect(s.activeState(`${s.app}-web-green.service`)).not.toBe('active');
      expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
    } finally {
      writeFileSync(caddyfile, good);
    }
  });

  it('a good deploy still works afterwards', async () => {
    const r = await s.bg(['deploy', 'v2']);
    expect(r.code, r.stderr).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
  });

  it('a ref that does not exist fails before anything starts', async () => {
    const r = await s.bg(['deploy', 'no-such-branch']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no-such-branch');
    expect(r.stderr).toContain('failed at step checkout-blue');
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
  });
});

describe('the lock', () => {
  const s = useScene({ setUp: true });
  const lock = () => `${s.dir}/state-home/bg/${s.app}/lock`;
  /** Waits until the first deploy holds the lock; its path. */
  const lockHeld = async (): Promise<string> => {
    // bounded by the deploy's own length, not by a count: a loaded machine starts node slowly
    for (const end = Date.now() + 60_000; !existsSync(lock()) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(lock()), 'the first deploy never took the lock').toBe(true);
    return lock();
  };

  it('a second deploy while one runs gets exit 3 with who holds it', async () => {
    const first = s.bg(['deploy', 'v2']);
    const held = await lockHeld();
    const second = await s.bg(['deploy', 'v3']);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/pid \d+/);
    expect(second.stderr).toContain('bg deploy v2');
    expect(second.stderr).toContain(held);
    expect((await first).code).toBe(0);
  });

  it('with --lock-wait the second deploy waits for the first, says for whom, then runs', async () => {
    const first = s.bg(['deploy', 'v3']);
    await lockHeld();
    const second = await s.bg(['--lock-wait', '60s', 'deploy', 'v2']);
    expect((await first).code).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('Waiting for the other bg: pid');
    expect(second.stderr).toContain('bg deploy v3');
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
    expect((await s.bg(['--lock-wait', 'soon', 'status'])).code).toBe(0); // status takes no lock
    expect((await s.bg(['--lock-wait', 'soon', 'cleanup'])).code).toBe(2);
  });

  it('a stale lock (its process is gone) is taken over and said so', async () => {
    const { writeFileSync } = await import('node:fs');
    const { hostname } = await import('node:os');
    writeFileSync(
      lock(),
      JSON.stringify({ pid: 999_999, user: 'ghost', host: hostname(), command: 'bg deploy old', since: '2026-01-01T00:00:00Z' }),
    );
    const r = await s.bg(['deploy', 'v3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('stale lock from pid 999999');
  });
});
