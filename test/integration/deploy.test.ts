import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { jsonEvent } from '../support/json-events.js';
import { startLoop } from '../support/load-loop.js';
import { useScene } from '../support/scene.js';

describe('bg deploy under load', () => {
  const s = useScene({ setUp: true });

  it('blue → green with a request loop: no failure, a slow request in flight at the switch completes with 200', async () => {
    const loop = startLoop(s.url('/'), { concurrency: 4, maxMs: 60_000 });
    const slow = request(s.url('/slow?s=3'), { reset: true, headersTimeout: 20_000, bodyTimeout: 20_000 }).then(async (r) => ({
      status: r.statusCode,
      body: await r.body.text(),
    }));
    await new Promise((r) => setTimeout(r, 300)); // the slow request is inside blue now
    const r = await s.bg(['deploy', 'v2']);
    const res = await loop.stop();
    const slowRes = await slow;
    expect(r.code, r.stderr).toBe(0);
    expect(res.failures).toEqual([]);
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(res.bodies.get('v1 hello')).toBeGreaterThan(0);
    expect(res.bodies.get('v2 hello')).toBeGreaterThan(0);
    expect(slowRes).toEqual({ status: 200, body: 'v1 slow 3.0' });
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
    expect(readFileSync(`${s.dir}/caddy/upstream.txt`, 'utf8')).toBe(`to 127.0.0.1:${s.ports.green}\n`);
    // bg returns once the drained blue has its stop job; systemd completes it (Gunicorn's ~0.3 s exit)
    expect(['deactivating', 'inactive']).toContain(s.activeState(`${s.app}-web-blue.service`));
    expect(await s.settledState(`${s.app}-web-blue.service`)).toBe('inactive');
    expect(r.stdout).toContain('bluegreen cleanup');
    expect(r.stdout).toContain('bluegreen rollback');
  });

  it('status shows green and the new commit; history has the deploy', async () => {
    const st = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status');
    expect(st.active).toBe('green');
    expect(st.upstream.caddy).toEqual([`127.0.0.1:${s.ports.green}`]);
    expect(st.lastDeploy).toMatchObject({ command: 'deploy', ref: 'v2', from: 'blue', to: 'green', result: 'ok' });
    expect(st.releases.green.subject).toContain('v2');
    const h = jsonEvent((await s.bg(['history', '--json'])).stdout, 'history').entries;
    expect(h.map((e: { command: string }) => e.command)).toEqual(['setup', 'deploy']);
  });

  it('green → blue again', async () => {
    const loop = startLoop(s.url('/'), { concurrency: 4, maxMs: 60_000 });
    const r = await s.bg(['deploy', 'v3']);
    const res = await loop.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v3 hello' });
    expect((await s.get('/static/version.txt')).body.trim()).toBe('v3');
    // a page green (v2) rendered just before the switch asks for its own hashed asset: still there
    expect(await s.get('/static/app.v2.css')).toEqual({ status: 200, body: '/* v2 */\n' });
    expect(await s.get('/static/app.v3.css')).toEqual({ status: 200, body: '/* v3 */\n' });
    // one deploy back, not forever
    expect((await s.get('/static/app.v1.css')).status).toBe(404);
  });

  it('rollback brings the previous color back through the gate; cleanup disables the idle one', async () => {
    const loop = startLoop(s.url('/'), { concurrency: 4, maxMs: 60_000 });
    const r = await s.bg(['rollback']);
    const res = await loop.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
    const c = await s.bg(['cleanup']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain('disable-blue');
    expect(s.enabledState(`${s.app}-web-blue.service`)).toBe('disabled');
    expect(s.enabledState(`${s.app}-web-green.service`)).toBe('enabled');
  });

  it('back-to-back deploys and rollbacks: each starts a color whose previous stop may still be finishing', async () => {
    // bg does not wait for a drained Gunicorn's exit, so the next command can find its target
    // deactivating and its port still bound; systemd's start limit (5 in 10 s) counts every retry of
    // a waiting start job.
    // The CLI's V8 code caches were written by earlier runs and must be reused, not rewritten: a
    // rejected cache (V8 flags that differ between writing and reading) costs every run its compile.
    const caches = () => {
      const dir = `${s.env.BG_CACHE_DIR}/v8`;
      return Object.fromEntries(
        readdirSync(dir)
          .filter((f) => /^(main|deploy)-/.test(f))
          .map((f) => [f, statSync(`${dir}/${f}`).mtimeMs]),
      );
    };
    const before = caches();
    expect(Object.keys(before)).toHaveLength(2);
    const loop = startLoop(s.url('/'), { concurrency: 2, maxMs: 60_000 });
    for (const args of [['deploy', 'v3'], ['rollback'], ['deploy', 'v3'], ['deploy', 'v2'], ['rollback'], ['deploy', 'v2']]) {
      const r = await s.bg(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const res = await loop.stop();
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
    expect(caches()).toEqual(before);
  });
});
