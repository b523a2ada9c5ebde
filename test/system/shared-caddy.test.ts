import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { jsonEvent } from '../support/json-events.js';
import { type App, type LoopCounts, makeApp } from './app-host.js';

// Several apps on Debian's one caddy.service, each with its site file imported by the stock
// /etc/caddy/Caddyfile. One app's mistake (a wrong caddy.caddyfile, a clashing site, a first setup
// racing a reload, a broken site file) must not cost the others a single request, and Caddy must
// still restart afterwards.
describe('one Caddy shared by several apps', () => {
  let c: Container;
  let shop: App;
  let blog: App;
  let news: App;

  beforeAll(async () => {
    c = await startContainer();
    shop = await makeApp(c, 'shop', { blue: 8101, green: 8102, site: 8180 });
    blog = await makeApp(c, 'blog', { blue: 8111, green: 8112, site: 8190 });
    for (const app of [shop, blog]) {
      const r = await app.bg('setup');
      expect(r.code, `${app.name}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });
  afterAll(async () => c?.stop());

  const status = async (app: App) =>
    jsonEvent((await app.bg('status --json')).stdout, 'status') as { problems: { code: string; message: string; next: string }[] };
  const noFailures = (counts: LoopCounts[]) => {
    for (const n of counts) {
      expect(n.failed, n.failures.join('\n')).toBe(0);
      expect(n.sent).toBeGreaterThan(0);
    }
  };
  /** Caddy restarts from what is on disk, and every app answers through it. */
  const restartServes = async (apps: App[], bodies: string[]) => {
    await c.ok('systemctl restart caddy.service');
    for (const [i, app] of apps.entries()) expect(await app.get(), app.name).toBe(bodies[i]);
  };

  it('a caddy.caddyfile Caddy does not run, or one that is missing, is refused (exit 2) before anything is written', async () => {
    const stray = await makeApp(c, 'stray', { blue: 8131, green: 8132, site: 8170 }, '  caddyfile: /etc/caddy/Stray.caddyfile');
    const main = await c.ok('cat /etc/caddy/Caddyfile');
    const loops = [shop.loop(), blog.loop()];
    const wrong = await stray.bg('setup');
    expect(wrong.code, wrong.stdout + wrong.stderr).toBe(2);
    expect(wrong.stderr).toContain('caddy.service runs /etc/caddy/Caddyfile');
    expect(wrong.stderr).toContain('caddy.caddyfile: /etc/caddy/Caddyfile');

    // the file Caddy runs, gone: bg used to write one holding only this app and load it
    await c.ok(`sed -i '/caddyfile:/d' ${stray.config} && mv /etc/caddy/Caddyfile /root/Caddyfile.kept`);
    const missing = await stray.bg('setup');
    await c.ok('mv /root/Caddyfile.kept /etc/caddy/Caddyfile');
    noFailures(await Promise.all(loops.map((l) => l.stop())));
    expect(missing.code, missing.stdout + missing.stderr).toBe(2);
    expect(missing.stderr).toContain('/etc/caddy/Caddyfile, the Caddyfile caddy.service runs, does not exist');

    expect(await c.ok('ls /etc/caddy; test ! -e /srv/stray && echo no-root')).toBe(
      'Caddyfile\nblog-upstream.txt\nblog.caddy\nshop-upstream.txt\nshop.caddy\nno-root\n',
    );
    expect(await c.ok('cat /etc/caddy/Caddyfile')).toBe(main);
    await restartServes([shop, blog], ['v1', 'v1']);
  });

  it("a re-setup whose site clashes with another app's is refused (exit 2), naming that app; nothing is installed", async () => {
    const site = await c.ok('cat /etc/caddy/shop.caddy');
    await c.ok(`sed -i 's/site: ":8180"/site: ":8190"/' ${shop.config}`);
    const loops = [shop.loop(), blog.loop()];
    const r = await shop.bg('setup');
    noFailures(await Promise.all(loops.map((l) => l.stop())));
    await c.ok(`sed -i 's/site: ":8190"/site: ":8180"/' ${shop.config}`);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain("/etc/caddy/blog.caddy (blog's site)");
    expect(r.stderr).toContain('ambiguous site definition: :8190');
    expect(await c.ok('cat /etc/caddy/shop.caddy; ls -A /etc/caddy | grep -c candidate || true')).toBe(`${site}0\n`);
    expect((await status(shop)).problems.map((p) => p.code)).not.toContain('caddy-config-invalid');
    await restartServes([shop, blog], ['v1', 'v1']);
  });

  it("a third app's first setup while another app deploys: a Caddy reload the moment its site is imported succeeds", async () => {
    // Debian has a system account named news (uid 9): bg refuses to run an app as it, so this app names its own
    news = await makeApp(c, 'news', { blue: 8121, green: 8122, site: 8160 }, 'user: news-app\n');
    const loops = [shop.loop(), blog.loop()];
    // the operator's (or another app's) reload, the moment the main Caddyfile imports the new site
    const reload = c.spawn(
      'for i in $(seq 1 3000); do grep -qx "import /etc/caddy/news.caddy" /etc/caddy/Caddyfile && break; sleep 0.01; done; systemctl reload caddy.service; echo "reload exit $?"',
    );
    const [deploy, setup] = await Promise.all([blog.bg('deploy v2'), news.bg('setup')]);
    const reloaded = await reload.wait();
    noFailures(await Promise.all(loops.map((l) => l.stop())));
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(reloaded.stdout.trim()).toBe('reload exit 0');
    expect(await news.get()).toBe('v1');
    expect(await blog.get()).toBe('v2');
    await restartServes([shop, blog, news], ['v1', 'v2', 'v1']);
  });

  it("another app's broken site file: status names it, a deploy fails saying so and rolls back, the others keep serving", async () => {
    await c.ok(
      String.raw`sed -i 's/^\(\s*\)reverse_proxy {$/&\n\1\tnot_a_subdirective 1/' /etc/caddy/blog.caddy && grep -q not_a_subdirective /etc/caddy/blog.caddy`,
    );
    const st = await status(shop);
    const invalid = st.problems.find((p) => p.code === 'caddy-config-invalid');
    expect(invalid?.message).toContain("/etc/caddy/blog.caddy (blog's site) breaks it");
    expect(invalid?.next).toContain("shop's deploys too");

    const loops = [shop.loop(), blog.loop()];
    const d = await shop.bg('deploy v2');
    noFailures(await Promise.all(loops.map((l) => l.stop())));
    expect(d.code, d.stdout + d.stderr).toBe(1);
    expect(d.stderr).toContain("Caddy refused the new config: /etc/caddy/blog.caddy (blog's site) breaks it");
    expect(d.stderr).toContain('not_a_subdirective');
    expect(await shop.get()).toBe('v1');

    // blog's own setup rewrites its site file, validated first; then everything works again
    const fix = await blog.bg('setup');
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    expect((await status(shop)).problems.map((p) => p.code)).not.toContain('caddy-config-invalid');
    const again = await shop.bg('deploy v2');
    expect(again.code, again.stderr).toBe(0);
    await restartServes([shop, blog], ['v2', 'v2']);
  });

  it("a load that would drop another app's site (its import removed by hand) is refused; the deploy rolls back", async () => {
    const main = await c.ok('cat /etc/caddy/Caddyfile');
    await c.ok(String.raw`sed -i '/^import \/etc\/caddy\/news.caddy$/d' /etc/caddy/Caddyfile`);
    const loops = [shop.loop(), blog.loop()];
    const newsLoop = news.loop();
    const d = await shop.bg('deploy v3');
    noFailures(await Promise.all([...loops, newsLoop].map((l) => l.stop())));
    await c.ok(`cat > /etc/caddy/Caddyfile <<'EOF'\n${main}EOF`);
    expect(d.code, d.stdout + d.stderr).toBe(1);
    expect(d.stderr).toContain("it would drop news's site :8160");
    expect(await shop.get()).toBe('v2');
    await restartServes([shop, blog, news], ['v2', 'v2', 'v1']);
  });
});
