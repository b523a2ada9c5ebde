import { existsSync, lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { jsonEvent } from '../support/json-events.js';
import { startLoop } from '../support/load-loop.js';
import { useScene } from '../support/scene.js';

// caddy.switch: socket. Each color's Gunicorn on its own unix socket, Caddy's upstream the symlink
// active.sock, and a switch that renames it: Caddy loads nothing, so the client connections it
// holds stay open and a keep-alive client sees no reset.
describe('bg deploy with the socket switch, under keep-alive load', () => {
  const s = useScene({ setUp: true, caddySwitch: 'socket' });
  const run = () => `${s.dir}/srv/run`;

  it('setup made active.sock point at blue, and the upstream file names it', async () => {
    expect(readFileSync(`${s.dir}/caddy/upstream.txt`, 'utf8')).toBe(`to unix/${run()}/active.sock\n`);
    expect(lstatSync(`${run()}/active.sock`).isSymbolicLink()).toBe(true);
    expect(readlinkSync(`${run()}/active.sock`)).toBe(`${run()}/blue/gunicorn.sock`);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
    const st = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status');
    expect(st.active).toBe('blue');
    expect(st.upstream).toMatchObject({ mismatch: false, socket: { link: `${run()}/active.sock`, color: 'blue' } });
    expect(st.problems ?? []).toEqual([]);
  });

  it('deploys and a rollback under keep-alive load: no failed request; a stream started on the old color completes', async () => {
    const loop = startLoop(s.url('/'), { concurrency: 4, maxMs: 120_000, keepAlive: true });
    const stream = request(s.url('/stream?s=4'), { headersTimeout: 20_000, bodyTimeout: 20_000 }).then(async (r) => ({
      status: r.statusCode,
      body: await r.body.text(),
    }));
    await new Promise((r) => setTimeout(r, 300)); // the stream is inside blue now
    const first = await s.bg(['deploy', 'v2']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('live on green (unix socket, no Caddy reload)');
    expect(readlinkSync(`${run()}/active.sock`)).toBe(`${run()}/green/gunicorn.sock`);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
    const streamed = await stream;
    expect(streamed.status).toBe(200);
    expect(streamed.body.split('\n').filter(Boolean)).toEqual(Array.from({ length: 20 }, (_, i) => `v1 ${i}`));

    const second = await s.bg(['deploy', 'v3']);
    expect(second.code, second.stderr).toBe(0);
    expect(readlinkSync(`${run()}/active.sock`)).toBe(`${run()}/blue/gunicorn.sock`);
    const back = await s.bg(['rollback']);
    expect(back.code, back.stderr).toBe(0);
    expect(readlinkSync(`${run()}/active.sock`)).toBe(`${run()}/green/gunicorn.sock`);
    const res = await loop.stop();
    expect(res.failures).toEqual([]);
    expect(res.failed).toBe(0);
    // Caddy loaded no config: the client connections it held stayed open through three switches
    expect(res.disconnects).toBe(0);
    expect(res.bodies.get('v1 hello')).toBeGreaterThan(0);
    expect(res.bodies.get('v2 hello')).toBeGreaterThan(0);
    expect(res.bodies.get('v3 hello')).toBeGreaterThan(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
    const st = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status');
    expect(st.active).toBe('green');
  });
});

describe('moving an installed app between caddy.switch port and socket', () => {
  const s = useScene({ setUp: true });
  const run = () => `${s.dir}/srv/run`;
  const setSwitch = (mode: 'port' | 'socket') => {
    const text = readFileSync(s.configPath, 'utf8').replace(/^ {2}switch: .*\n/m, '');
    writeFileSync(s.configPath, text.replace(/^( {2}admin: .*\n)/m, `$1  switch: ${mode}\n`));
  };

  it('the next deploy moves to the socket (one Caddy load), a rollback and a deploy back to the port: no failed request', async () => {
    const loop = startLoop(s.url('/'), { concurrency: 4, maxMs: 180_000 });
    setSwitch('socket');
    // bg.yml says socket, upstream.txt still the port: status tells what serves, the port
    const before = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status');
    expect(before.active).toBe('blue');
    expect(before.upstream).toMatchObject({ port: s.ports.blue, mismatch: false });
    expect(before.upstream.socket).toBeUndefined();
    expect((before.problems ?? []).filter((p: { severity: string }) => p.severity === 'error')).toEqual([]);
    const d = await s.bg(['deploy', 'v2']);
    expect(d.code, d.stderr).toBe(0);
    expect(readFileSync(`${s.dir}/caddy/upstream.txt`, 'utf8')).toBe(`to unix/${run()}/active.sock\n`);
    expect(readlinkSync(`${run()}/active.sock`)).toBe(`${run()}/green/gunicorn.sock`);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
    const r = await s.bg(['rollback']);
    expect(r.code, r.stderr).toBe(0);
    expect(readlinkSync(`${run()}/active.sock`)).toBe(`${run()}/blue/gunicorn.sock`);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
    setSwitch('port');
    const back = await s.bg(['deploy', 'v3']);
    expect(back.code, back.stderr).toBe(0);
    expect(readFileSync(`${s.dir}/caddy/upstream.txt`, 'utf8')).toBe(`to 127.0.0.1:${s.ports.green}\n`);
    // nothing dials active.sock now: the switch removed it, and green's socket dir (green binds its port)
    expect(lstatSync(`${run()}/active.sock`, { throwIfNoEntry: false })).toBeUndefined();
    expect(existsSync(`${run()}/green`)).toBe(false);
    const st = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status');
    expect(st.active).toBe('green');
    expect(st.upstream).toMatchObject({ port: s.ports.green, mismatch: false });
    expect(st.upstream.socket).toBeUndefined();
    expect((st.problems ?? []).filter((p: { severity: string }) => p.severity === 'error')).toEqual([]);
    // blue's Gunicorn unlinked its socket as it exited: the next deploy removes its dir and the runtime dir
    const next = await s.bg(['deploy', 'v2']);
    expect(next.code, next.stderr).toBe(0);
    expect(existsSync(run())).toBe(false);
    const res = await loop.stop();
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
  });
});
