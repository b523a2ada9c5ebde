import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { jsonEvent } from '../support/json-events.js';
import { type App, makeApp } from './app-host.js';

// caddy.switch: socket in system scope, with Debian's caddy.service (user caddy): the socket dirs'
// owners and modes, and the app's user unable to touch active.sock.
describe('the socket switch on a real systemd', () => {
  let c: Container;
  let shop: App;

  beforeAll(async () => {
    c = await startContainer();
    shop = await makeApp(c, 'shop', { blue: 8001, green: 8002, site: 8080 }, '  switch: socket\n');
  });
  afterAll(async () => c?.stop());

  it('setup serves through the socket: Caddy (user caddy) reaches blue through active.sock', async () => {
    const r = await shop.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await shop.get()).toBe('v1');
    expect(await c.ok('cat /etc/caddy/shop-upstream.txt')).toBe('to unix//run/bg/shop/active.sock\n');
    expect(await c.ok('readlink /run/bg/shop/active.sock')).toBe('/run/bg/shop/blue/gunicorn.sock\n');
  });

  it("the runtime dir is root's; the color dir the app's, group caddy, 0750", async () => {
    expect(await c.ok('stat -c "%U:%G %a" /run/bg /run/bg/shop /run/bg/shop/blue')).toBe('root:root 755\nroot:root 755\nshop:caddy 750\n');
    expect(await c.ok('stat -c "%U %F" /run/bg/shop/active.sock')).toBe('root symbolic link\n');
  });

  it("the app's user cannot replace or remove active.sock", async () => {
    expect(await c.ok('readlink /run/bg/shop/active.sock')).toBe('/run/bg/shop/blue/gunicorn.sock\n');
    for (const cmd of [
      'ln -sfn /tmp/elsewhere.sock /run/bg/shop/active.sock',
      'rm -f /run/bg/shop/active.sock',
      'mv /run/bg/shop/active.sock /run/bg/shop/old.sock',
      'touch /run/bg/shop/new',
    ]) {
      const r = await c.sh(`runuser -u shop -- ${cmd}`);
      expect(r.code, cmd).not.toBe(0);
    }
    expect(await c.ok('readlink /run/bg/shop/active.sock')).toBe('/run/bg/shop/blue/gunicorn.sock\n');
  });

  it('deploy and rollback under load flip the link; no failed request; status follows the link', async () => {
    const loop = shop.loop();
    const d = await shop.bg('deploy v2');
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect(await c.ok('readlink /run/bg/shop/active.sock')).toBe('/run/bg/shop/green/gunicorn.sock\n');
    expect(await c.ok('stat -c "%U:%G %a" /run/bg/shop/green')).toBe('shop:caddy 750\n');
    expect(jsonEvent((await shop.bg('status --json')).stdout, 'status').active).toBe('green');
    const b = await shop.bg('rollback');
    expect(b.code, b.stdout + b.stderr).toBe(0);
    const res = await loop.stop();
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(await shop.get()).toBe('v1');
    const st = jsonEvent((await shop.bg('status --json')).stdout, 'status');
    expect(st.active).toBe('blue');
    expect(st.problems.filter((p: { severity: string }) => p.severity === 'error')).toEqual([]);
  });
});
