import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { jsonEvent } from '../support/json-events.js';
import { type App, makeApp } from './app-host.js';

// bg in system scope against a real systemd as PID 1 (with journald, the system bus, Debian's
// caddy.service and its stock Caddyfile), as an operator runs it: as root, `--config /etc/bg/<app>.yml`.
describe('system scope on a real systemd', () => {
  let c: Container;
  let shop: App;
  let blog: App;

  beforeAll(async () => {
    c = await startContainer();
    shop = await makeApp(
      c,
      'shop',
      { blue: 8001, green: 8002, site: 8080 },
      'build:\n  - echo "built by $(id -un)" > BUILT\ncelery:\n  app: tasks\n  beat: true\n',
    );
    blog = await makeApp(c, 'blog', { blue: 8011, green: 8012, site: 8090 });
  });
  afterAll(async () => c?.stop());

  const status = async (app: App) => jsonEvent((await app.bg('status --json')).stdout, 'status');

  it("setup keeps Debian's Caddyfile, adds one import, and serves through caddy.service", async () => {
    const stock = await c.ok('cat /etc/caddy/Caddyfile');
    const r = await shop.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const main = await c.ok('cat /etc/caddy/Caddyfile');
    expect(main.startsWith(stock)).toBe(true);
    expect(main).toContain('import /etc/caddy/shop.caddy\n');
    expect(await shop.get()).toBe('v1');
    expect(await c.ok('systemctl is-active caddy.service shop-web-blue.service')).toBe('active\nactive\n');
    expect(await c.ok('sysctl -n net.ipv4.tcp_migrate_req')).toBe('1\n');
  });

  it('the app runs as its own unprivileged user, created by setup; the build too; releases stay root-owned', async () => {
    expect(await c.ok('id -un shop && getent passwd shop | cut -d: -f7')).toBe('shop\n/usr/sbin/nologin\n');
    for (const unit of ['shop-web-blue', 'shop-worker-blue', 'shop-beat-blue']) {
      expect(await c.ok(`ps -o user= -p $(systemctl show -p MainPID --value ${unit}.service)`), unit).toBe('shop\n');
    }
    expect(await c.ok('cat /srv/shop/blue/BUILT')).toBe('built by shop\n');
    expect(
      await c.ok('stat -c "%U:%G %a" /srv/shop/shared /etc/bg/shop.env $(readlink -f /srv/shop/blue) $(readlink -f /srv/shop/blue)/app.py'),
    ).toBe('shop:shop 750\nroot:shop 640\nroot:root 755\nroot:root 644\n');
  });

  it("bluegreen run: in the live release as the app's user, with the env file; its exit code comes back", async () => {
    await c.ok("echo 'SHOP_ONLY_IN_ENV=from-the-env-file' >> /etc/bg/shop.env");
    const r = await shop.bg('run -- sh -c \'echo "$(id -un) $SHOP_ONLY_IN_ENV $(cat BUILT)"; exit 5\'');
    expect(r.code, r.stderr).toBe(5);
    expect(r.stdout.trim()).toBe('shop from-the-env-file built by shop');
  });

  it('the units are confined: systemd-analyze security rates web, worker and beat at most 2.0', async () => {
    const scores: string[] = [];
    for (const unit of ['shop-web-blue', 'shop-worker-blue', 'shop-beat-blue']) {
      const out = await c.ok(`systemd-analyze security --no-pager ${unit}.service | tail -1`);
      const score = Number(/exposure level for \S+: ([\d.]+)/.exec(out)?.[1]);
      scores.push(`${unit}: ${score}`);
      expect(score, out).toBeLessThanOrEqual(2.0);
    }
    process.stdout.write(`systemd-analyze security: ${scores.join(', ')}\n`);
  });

  it("status reads the live web's journal: its last line is from this run", async () => {
    await shop.get('/');
    const st = await status(shop);
    expect(st.active).toBe('blue');
    expect(st.lastLog!.unit).toBe('shop-web-blue.service');
    expect(st.lastLog!.lines).not.toMatch(/no journal entries|is journald running/);
    expect(st.problems.filter((p: { severity: string }) => p.severity === 'error')).toEqual([]);
  });

  it('deploy, rollback and cleanup under load: no failed request; history has them all', async () => {
    const loop = shop.loop();
    expect((await shop.bg('deploy v2')).code).toBe(0);
    expect((await shop.bg('rollback')).code).toBe(0);
    expect((await shop.bg('deploy v3')).code).toBe(0);
    const counts = await loop.stop();
    expect(counts.failed, counts.failures.join('\n')).toBe(0);
    expect(counts.sent).toBeGreaterThan(20);
    expect(await shop.get()).toBe('v3');
    expect((await shop.bg('cleanup')).code).toBe(0);
    const history = jsonEvent((await shop.bg('history --json')).stdout, 'history').entries as { command: string; result: string }[];
    expect(history.map((h) => `${h.command} ${h.result}`)).toEqual(['setup ok', 'deploy ok', 'rollback ok', 'deploy ok', 'cleanup ok']);
  });

  it("a failed start shows the journal of that start only, not the unit's earlier runs", async () => {
    // a release that exits at import with one short line: the last lines of the unit's journal as a
    // whole would be mostly its earlier, healthy runs ("Booting worker")
    const r = await shop.bg('deploy exit');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('exit at import');
    const detail = r.stderr.slice(r.stderr.indexOf('bg: deploy failed'), r.stderr.indexOf('  state:'));
    // every line shown comes from the one process of this start (gunicorn[<pid>]), none from before
    const pids = new Set([...detail.matchAll(/\b(?:gunicorn|python3)\[(\d+)\]/g)].map((m) => m[1]));
    expect(pids.size, detail).toBe(1);
    expect(detail).not.toMatch(/Booting worker|Worker exiting|Shutting down/);
    expect(await shop.get()).toBe('v3');
  });

  it("a second app on the same Caddy: its setup leaves the first app's site alone; both deploy under load with no failed request", async () => {
    const shopSite = await c.ok('cat /etc/caddy/shop.caddy');
    const shopLoop = shop.loop();
    const r = await blog.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const blogLoop = blog.loop();
    for (const [app, ref] of [
      [blog, 'v2'],
      [shop, 'v2'],
      [blog, 'v3'],
      [shop, 'v3'],
    ] as const) {
      const d = await app.bg(`deploy ${ref}`);
      expect(d.code, `${app.name} ${ref}: ${d.stderr}`).toBe(0);
    }
    const [s, b] = [await shopLoop.stop(), await blogLoop.stop()];
    expect(s.failed, s.failures.join('\n')).toBe(0);
    expect(b.failed, b.failures.join('\n')).toBe(0);
    expect(await c.ok('cat /etc/caddy/shop.caddy')).toBe(shopSite);
    // each app sees only its own route
    const [shopStatus, blogStatus] = [await status(shop), await status(blog)];
    expect(shopStatus.upstream.caddy).toEqual([`127.0.0.1:${shopStatus.active === 'blue' ? 8001 : 8002}`]);
    expect(blogStatus.upstream.caddy).toEqual([`127.0.0.1:${blogStatus.active === 'blue' ? 8011 : 8012}`]);
    expect(await shop.get()).toBe('v3');
    expect(await blog.get()).toBe('v3');
  });

  it('a reboot brings each live color back through Caddy; tcp_migrate_req comes back from sysctl.d', async () => {
    const before = [(await status(shop)).active, (await status(blog)).active];
    await c.reboot();
    expect(await c.ok('sysctl -n net.ipv4.tcp_migrate_req')).toBe('1\n');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && ((await shop.get()) !== 'v3' || (await blog.get()) !== 'v3'))
      await new Promise((r) => setTimeout(r, 200));
    expect(await shop.get()).toBe('v3');
    expect(await blog.get()).toBe('v3');
    expect([(await status(shop)).active, (await status(blog)).active]).toEqual(before);
    const problems = (await status(shop)).problems.filter((p: { severity: string }) => p.severity === 'error');
    expect(problems).toEqual([]);
  });
});
