import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { jsonEvent } from '../support/json-events.js';
import { type App, type LoopCounts, makeApp, settled } from './app-host.js';

// `bluegreen remove` of one app on Debian's one caddy.service, while another app on the same Caddy
// serves a request loop: the other loses no request and keeps its site; the removed app's units,
// site file and import are gone, its data stays until --purge.
describe('bluegreen remove, beside another app under load', () => {
  let c: Container;
  let shop: App;
  let blog: App;

  beforeAll(async () => {
    c = await startContainer();
    shop = await makeApp(c, 'shop', { blue: 8201, green: 8202, site: 8280 }, 'celery:\n  app: tasks\n  beat: true\n');
    blog = await makeApp(c, 'blog', { blue: 8211, green: 8212, site: 8290 });
    for (const [app, args] of [
      [shop, 'setup'],
      [blog, 'setup'],
      [shop, 'deploy v2'],
    ] as const) {
      const r = await app.bg(args);
      expect(r.code, `${app.name} ${args}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    // the deploy ends while the old Gunicorn still drains; the snapshots below need it gone
    expect(await settled(c, 'shop-*')).toBe('');
    // the app's data, and a link it made to a file outside its tree
    await c.ok(
      'runuser -u shop -- sh -c "echo kept > /srv/shop/shared/data.txt && ln -s /etc/bg /srv/shop/shared/configs && ln -s /etc/bg/blog.yml /srv/shop/shared/other-app"',
    );
  });
  afterAll(async () => c?.stop());

  const noFailures = (n: LoopCounts) => {
    expect(n.failed, n.failures.join('\n')).toBe(0);
    expect(n.sent).toBeGreaterThan(0);
  };
  const shopUnits = () =>
    c.ok('ls /etc/systemd/system | grep "^shop-" || true; systemctl list-units --all --plain --no-legend "shop-*" || true');

  it('without a terminal and without --yes it refuses (exit 2) and changes nothing; --dry-run shows the plan', async () => {
    const before = await shopUnits();
    const r = await shop.bg('remove');
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('there is no terminal to ask on');
    expect(r.stderr).toContain('--yes');
    const dry = await shop.bg('remove --dry-run');
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout + dry.stderr).toContain('unroute-caddy');
    expect(await shopUnits()).toBe(before);
    expect(await shop.get()).toBe('v2');
  });

  it("takes shop off the host while blog serves: blog loses no request, shop's units, site file and import are gone, its data kept", async () => {
    expect(await c.ok('systemctl is-active shop-web-green.service shop-worker-green.service shop-beat-green.service')).toBe(
      'active\nactive\nactive\n',
    );
    const loop = blog.loop();
    const r = await shop.bg('remove --yes');
    noFailures(await loop.stop());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('shop is off this host');

    expect(await blog.get()).toBe('v1');
    expect(await shopUnits()).toBe('');
    expect(await c.ok('ls /etc/caddy; grep -c "shop" /etc/caddy/Caddyfile || true')).toBe('Caddyfile\nblog-upstream.txt\nblog.caddy\n0\n');
    expect((await c.sh('curl -sS --max-time 5 http://127.0.0.1:8280/')).code).not.toBe(0);
    expect(await c.ok('cat /srv/shop/shared/data.txt; ls /srv/shop/releases | grep -vc json')).toMatch(/^kept\n[23]\n$/);

    const st = jsonEvent((await shop.bg('status --json')).stdout, 'status') as { problems: { code: string }[] };
    expect(st.problems.map((p) => p.code)).toContain('not-set-up');
    expect((await shop.bg('history')).stdout).toMatch(/remove/);
    // Caddy restarts from what is on disk, and blog answers through it
    await c.ok('systemctl restart caddy.service');
    expect(await blog.get()).toBe('v1');
  });

  it('--purge removes <root> without following the links the app made; a second remove has nothing to do', async () => {
    const loop = blog.loop();
    const r = await shop.bg('remove --purge --yes');
    noFailures(await loop.stop());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await c.ok('test ! -e /srv/shop && echo gone; test -f /etc/bg/blog.yml && echo blog-config-kept')).toBe(
      'gone\nblog-config-kept\n',
    );
    expect(await blog.get()).toBe('v1');
    const again = await shop.bg('remove --purge --yes');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout + again.stderr).toContain('shop has no units, Caddy site or import on this host');
  });

  it('with Caddy stopped and its Caddyfile moved away, remove still takes the units off (exit 0) and warns what it could not do to Caddy; with the Caddyfile back, a second remove takes out the import unchecked', async () => {
    const setup = await shop.bg('setup');
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    expect(await shop.get()).toBe('v1');
    await c.ok('systemctl stop caddy.service && mv /etc/caddy/Caddyfile /root/Caddyfile.away');

    const dry = await shop.bg('remove --dry-run');
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout + dry.stderr).toContain('without reloading Caddy (/etc/caddy/Caddyfile does not exist)');

    const r = await shop.bg('remove --yes');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'warning: Caddy was not reloaded: /etc/caddy/Caddyfile does not exist. A Caddyfile you restore must not import /etc/caddy/shop.caddy, which is gone, or Caddy will not start.',
    );
    expect(r.stdout).toContain('/etc/caddy/shop.caddy removed; /etc/caddy/shop-upstream.txt removed; Caddy not reloaded');
    expect(await shopUnits()).toBe('');
    expect(await c.ok('ls /etc/caddy')).toBe('blog-upstream.txt\nblog.caddy\n');

    // the Caddyfile back, Caddy still stopped: its import of shop goes, unchecked, and the warning says how to check
    await c.ok('mv /root/Caddyfile.away /etc/caddy/Caddyfile && grep -c "^import /etc/caddy/shop.caddy$" /etc/caddy/Caddyfile');
    const again = await shop.bg('remove --yes');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain("warning: Caddy was not reloaded: Caddy's admin API at");
    expect(again.stdout).toContain(
      "/etc/caddy/Caddyfile without shop's import is not checked by Caddy: run `caddy validate --adapter caddyfile --config /etc/caddy/Caddyfile` before you start caddy.service",
    );
    expect(again.stdout).toContain('import removed from /etc/caddy/Caddyfile, not checked by Caddy');
    expect(await c.ok('grep -c shop /etc/caddy/Caddyfile || true')).toBe('0\n');
    await c.ok('caddy validate --adapter caddyfile --config /etc/caddy/Caddyfile && systemctl start caddy.service');
    expect(await blog.get()).toBe('v1');
  });
});
