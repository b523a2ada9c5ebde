import { readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonEvent } from '../support/json-events.js';
import { startLoop } from '../support/load-loop.js';
import { useScene } from '../support/scene.js';

// `setup` on a host that already serves never changes which release serves: with the upstream file
// lost or wrong, it finds the live color from Caddy and the units and writes the file again.
describe('setup when the upstream file is lost or wrong', () => {
  const s = useScene({ setUp: true });
  const upstream = () => `${s.dir}/caddy/upstream.txt`;
  const status = async () =>
    jsonEvent((await s.bg(['status', '--json'])).stdout, 'status') as { active: string | null; problems: { code: string; next: string }[] };

  beforeAll(async () => {
    const r = await s.bg(['deploy', 'v2']);
    expect(r.code, r.stderr).toBe(0); // green serves v2; blue holds v1
  });

  it('deleted: status says so and what to do; deploy refuses (exit 2); setup rewrites it for green, which keeps serving v2', async () => {
    const release = readlinkSync(`${s.dir}/srv/current`);
    const loop = startLoop(s.url('/'), { concurrency: 3, maxMs: 60_000 });
    rmSync(upstream());
    const st = await status();
    expect(st.problems.map((p) => p.code)).toContain('upstream-file-lost');
    const refused = await s.bg(['deploy', 'v3']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('bluegreen setup');
    const r = await s.bg(['setup']);
    const res = await loop.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('green is live');
    expect(readFileSync(upstream(), 'utf8')).toBe(`to 127.0.0.1:${s.ports.green}\n`);
    expect(readlinkSync(`${s.dir}/srv/current`)).toBe(release);
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(res.bodies.size).toBe(1);
    expect(res.bodies.get('v2 hello')).toBeGreaterThan(0);
    expect(s.activeState(`${s.app}-web-blue.service`)).not.toBe('active');
    expect((await status()).problems.filter((p) => p.code !== 'tcp-migrate-req-off')).toEqual([]);
  });

  it('edited to name the idle color: setup makes it name the color Caddy routes to again', async () => {
    writeFileSync(upstream(), `to 127.0.0.1:${s.ports.blue}\n`);
    expect((await status()).problems.map((p) => p.code)).toContain('upstream-mismatch');
    const r = await s.bg(['setup']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(upstream(), 'utf8')).toBe(`to 127.0.0.1:${s.ports.green}\n`);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
  });

  it('garbage in it, and a color running that nothing names: setup refuses with exit 2 and the commands, changing nothing', async () => {
    writeFileSync(upstream(), 'not a bg upstream\n');
    s.systemctl('stop', `${s.app}-web-green.service`); // Caddy now routes to a stopped color
    s.systemctl('start', `${s.app}-web-blue.service`); // and an unnamed one runs
    const r = await s.bg(['setup']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`echo 'to 127.0.0.1:${s.ports.blue}'`);
    expect(readFileSync(upstream(), 'utf8')).toBe('not a bg upstream\n');
    // the operator says blue serves, as the message shows; setup then takes it from there
    writeFileSync(upstream(), `to 127.0.0.1:${s.ports.blue}\n`);
    const fixed = await s.bg(['setup']);
    expect(fixed.code, fixed.stderr).toBe(0);
  });
});
