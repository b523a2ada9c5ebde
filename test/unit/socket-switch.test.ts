import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/types.js';
import type { ActionContext, Receipt } from '../../src/execute/context.js';
import { renderWebUnit } from '../../src/render/units.js';
import { renderUpstream } from '../../src/render/upstream.js';
import { perform, performUndo } from '../../src/steps/actions.js';
import { FakeHost } from '../support/fake-host.js';
import { sampleConfig } from '../support/sample-config.js';

const socketConfig = (over: Partial<Config> = {}): Config => {
  const base = sampleConfig(over);
  return { ...base, caddy: { ...base.caddy, switch: 'socket' } };
};

describe('the socket switch: rendering', () => {
  it('the upstream file names active.sock for either color; the port switch names the port', () => {
    const cfg = socketConfig();
    expect(renderUpstream(cfg, 'blue')).toBe('to unix//run/bg/shop/active.sock\n');
    expect(renderUpstream(cfg, 'green')).toBe('to unix//run/bg/shop/active.sock\n');
    expect(renderUpstream(sampleConfig(), 'green')).toBe('to 127.0.0.1:8100\n');
  });

  it("user scope keeps the sockets under the app's root", () => {
    expect(renderUpstream(socketConfig({ scope: 'user' }), 'blue')).toBe('to unix//srv/shop/run/active.sock\n');
  });

  it("Gunicorn binds its color's socket, in a dir made as root with group caddy and mode 0750", () => {
    const unit = renderWebUnit(socketConfig(), 'green', ['/usr/bin/gunicorn']);
    expect(unit).toContain('--bind unix:/run/bg/shop/green/gunicorn.sock');
    expect(unit).not.toContain('127.0.0.1:8100');
    expect(unit).toContain('ExecStartPre=+/usr/bin/install -d -o shop -g caddy -m 0750 /run/bg/shop/green\n');
    expect(unit).toContain('ReadWritePaths=-/run/bg/shop/green\n');
    // after a boot, the live (enabled) color links active.sock to itself unless a link is there
    expect(unit).toContain('ExecStartPre=-+/usr/bin/ln -s /run/bg/shop/green/gunicorn.sock /run/bg/shop/active.sock\n');
  });

  it('the port switch renders no socket lines', () => {
    const unit = renderWebUnit(sampleConfig(), 'green', ['/usr/bin/gunicorn']);
    expect(unit).toContain('--bind 127.0.0.1:8100');
    expect(unit).not.toContain('ExecStartPre');
  });
});

describe('the socket switch: the switch action and its undo', () => {
  const cfg = socketConfig();
  const line = 'to unix//run/bg/shop/active.sock\n';
  const make = (upstream: string) =>
    new FakeHost({
      upstreamFile: cfg.caddy.upstreamFile,
      files: { [cfg.caddy.upstreamFile]: upstream, [cfg.caddy.caddyfile]: 'import /etc/caddy/shop.caddy\n' },
    });
  const context = (host: FakeHost) => {
    let receipt: Receipt | undefined;
    const ctx: ActionContext = { cfg, host, note: () => {}, keep: (r) => (receipt = r) };
    return { ctx, receipt: () => receipt };
  };

  it('renames active.sock to the new color and loads nothing into Caddy; the undo points it back', async () => {
    const host = make(line);
    host.links.set('/run/bg/shop/active.sock', '/run/bg/shop/blue/gunicorn.sock');
    const { ctx, receipt } = context(host);
    const r = await perform({ kind: 'switch', to: 'green', release: undefined }, ctx);
    expect(r.detail).toContain('no Caddy reload');
    expect(host.links.get('/run/bg/shop/active.sock')).toBe('/run/bg/shop/green/gunicorn.sock');
    expect(host.calls.filter((c) => c === 'caddy.load' || c.startsWith('write'))).toEqual([]);
    await performUndo({ kind: 'switch-back' }, ctx, receipt());
    expect(host.links.get('/run/bg/shop/active.sock')).toBe('/run/bg/shop/blue/gunicorn.sock');
    expect(host.calls.filter((c) => c === 'caddy.load' || c.startsWith('write'))).toEqual([]);
  });

  it('from the port switch: writes the socket upstream and Caddy loads it once; the undo puts the port back', async () => {
    const host = make('to 127.0.0.1:8000\n');
    const { ctx, receipt } = context(host);
    const r = await perform({ kind: 'switch', to: 'green', release: undefined }, ctx);
    expect(r.detail).toContain('Caddy loaded the socket upstream once');
    expect(host.fileMap.get(cfg.caddy.upstreamFile)).toBe(line);
    expect(host.routes).toEqual(['unix//run/bg/shop/active.sock']);
    await performUndo({ kind: 'switch-back' }, ctx, receipt());
    expect(host.fileMap.get(cfg.caddy.upstreamFile)).toBe('to 127.0.0.1:8000\n');
    expect(host.routes).toEqual(['127.0.0.1:8000']);
    expect(host.links.has('/run/bg/shop/active.sock')).toBe(false);
  });

  it("the gate and the drain go through the color's socket", async () => {
    const host = make(line);
    const { ctx } = context(host);
    await perform({ kind: 'health-gate', color: 'green', unit: 'shop-web-green.service' }, ctx);
    await perform({ kind: 'drain', ports: [8000] }, ctx);
    expect(host.calls).toContain('health via /run/bg/shop/green/gunicorn.sock');
    expect(host.calls).toContain('drain /run/bg/shop/blue/gunicorn.sock');
  });
});

describe('the switch back to the port: the socket leftovers go, and the undo puts the link back', () => {
  const cfg = sampleConfig(); // caddy.switch: port (bg.yml moved back)
  const line = 'to unix//run/bg/shop/active.sock\n';
  const setUp = () => {
    const host = new FakeHost({
      upstreamFile: cfg.caddy.upstreamFile,
      files: { [cfg.caddy.upstreamFile]: line, [cfg.caddy.caddyfile]: 'import /etc/caddy/shop.caddy\n' },
    });
    host.links.set('/run/bg/shop/active.sock', '/run/bg/shop/blue/gunicorn.sock');
    // blue still serves on its socket (drained after the switch); green's dir is from its last socket run
    for (const d of ['/run/bg/shop', '/run/bg/shop/blue', '/run/bg/shop/green']) host.dirs.add(d);
    host.fileMap.set('/run/bg/shop/blue/gunicorn.sock', '');
    let receipt: Receipt | undefined;
    const ctx: ActionContext = { cfg, host, note: () => {}, keep: (r) => (receipt = r) };
    return { host, ctx, receipt: () => receipt };
  };

  it("the switch keeps active.sock: requests Caddy's previous config accepted may still dial it", async () => {
    const { host, ctx } = setUp();
    const r = await perform({ kind: 'switch', to: 'green', release: undefined }, ctx);
    expect(r.detail).toBe('Caddy routes to 127.0.0.1:8100');
    expect(host.routes).toEqual(['127.0.0.1:8100']);
    expect(host.links.get('/run/bg/shop/active.sock')).toBe('/run/bg/shop/blue/gunicorn.sock');
    expect(host.dirs.has('/run/bg/shop/green')).toBe(true);
  });

  it("the drain after it removes active.sock and the new color's socket dir; the old color's socket stays until its Gunicorn exits", async () => {
    const { host, ctx } = setUp();
    await perform({ kind: 'switch', to: 'green', release: undefined }, ctx);
    const r = await perform({ kind: 'drain', ports: [8000], forgetSockets: 'green' }, ctx);
    expect(r.detail).toBe('/run/bg/shop/blue/gunicorn.sock drained; removed /run/bg/shop/active.sock, /run/bg/shop/green');
    expect(host.calls.indexOf('drain /run/bg/shop/blue/gunicorn.sock')).toBeGreaterThan(-1);
    expect(host.links.has('/run/bg/shop/active.sock')).toBe(false);
    expect(host.dirs.has('/run/bg/shop/green')).toBe(false);
    expect(host.fileMap.has('/run/bg/shop/blue/gunicorn.sock')).toBe(true);
    expect(host.dirs.has('/run/bg/shop')).toBe(true);
  });

  it("the next deploy's drain removes the old color dir and the runtime dir, once they are empty", async () => {
    const { host, ctx } = setUp();
    await perform({ kind: 'switch', to: 'green', release: undefined }, ctx);
    await perform({ kind: 'drain', ports: [8000], forgetSockets: 'green' }, ctx);
    host.fileMap.delete('/run/bg/shop/blue/gunicorn.sock'); // blue's Gunicorn exited
    await perform({ kind: 'switch', to: 'blue', release: undefined }, ctx);
    const r = await perform({ kind: 'drain', ports: [8100], forgetSockets: 'blue' }, ctx);
    expect(r.detail).toBe(':8100 drained; removed /run/bg/shop/blue, /run/bg/shop');
    expect([...host.dirs].filter((d) => d.startsWith('/run/bg'))).toEqual([]);
  });

  it('the undo points active.sock back at the old color before Caddy loads the socket upstream again', async () => {
    const { host, ctx, receipt } = setUp();
    await perform({ kind: 'switch', to: 'green', release: undefined }, ctx);
    await performUndo({ kind: 'switch-back' }, ctx, receipt());
    expect(host.links.get('/run/bg/shop/active.sock')).toBe('/run/bg/shop/blue/gunicorn.sock');
    expect(host.fileMap.get(cfg.caddy.upstreamFile)).toBe(line);
    expect(host.routes).toEqual(['unix//run/bg/shop/active.sock']);
  });

  it('a port-only app has nothing to remove', async () => {
    const host = new FakeHost({
      upstreamFile: cfg.caddy.upstreamFile,
      files: { [cfg.caddy.upstreamFile]: 'to 127.0.0.1:8000\n', [cfg.caddy.caddyfile]: 'import /etc/caddy/shop.caddy\n' },
    });
    const ctx: ActionContext = { cfg, host, note: () => {}, keep: () => {} };
    const r = await perform({ kind: 'switch', to: 'green', release: undefined }, ctx);
    expect(r.detail).toBe('Caddy routes to 127.0.0.1:8100');
  });

  it("drains the old color at its socket while one is there, and never follows a link planted in the color's dir", async () => {
    const { host, ctx } = setUp();
    await perform({ kind: 'drain', ports: [8000] }, ctx);
    expect(host.calls).toContain('drain /run/bg/shop/blue/gunicorn.sock');

    const planted = setUp();
    planted.host.fileMap.delete('/run/bg/shop/blue/gunicorn.sock');
    planted.host.links.set('/run/bg/shop/blue/gunicorn.sock', '/etc/shadow');
    planted.host.fileMap.set('/etc/shadow', '');
    await perform({ kind: 'drain', ports: [8000] }, planted.ctx);
    expect(planted.host.calls).toContain('drain 8000');
  });
});
