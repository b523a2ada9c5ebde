import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { makeApp } from './app-host.js';

// Names in bg.yml that would hand the app privileges are refused (exit 2) before anything changes,
// on a real systemd as PID 1 with Debian's caddy and redis units and their accounts.
describe('names that hand out privileges', () => {
  let c: Container;
  beforeAll(async () => {
    c = await startContainer();
  });
  afterAll(async () => c?.stop());

  const nothingFor = async (app: string) =>
    expect((await c.sh(`ls -d /srv/${app} /var/lib/bg/${app} /etc/systemd/system/${app}-web-blue.service 2>&1`)).stdout).not.toMatch(
      /^\/(srv|var|etc)\//m,
    );

  it.each([
    ['root', 'uid 0 \\(root\\)'],
    ['caddy', 'existing account .* that bg did not create'],
    ['redis', 'existing account'],
    ['www-data', 'existing account'],
    ['nobody', 'existing account'],
  ])('user: %s is refused (exit 2) by setup and run, nothing created', async (user, why) => {
    const app = await makeApp(c, `u${user.replace(/[^a-z]/g, '')}`, { blue: 8101, green: 8102, site: 8180 }, `user: ${user}\n`);
    const r = await app.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`user: ${user} is .*${why}`));
    expect(r.stderr).toContain('Set user in');
    await nothingFor(app.name);
    const run = await app.bg('run -- id -u');
    expect(run.code, run.stdout).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`user: ${user} is `));
  });

  it('setup marks the user it creates; another app naming that user is refused; a user made by an earlier bg is accepted', async () => {
    const shop = await makeApp(c, 'shop', { blue: 8001, green: 8002, site: 8080 });
    expect((await shop.bg('setup')).code).toBe(0);
    expect(await c.ok('getent passwd shop | cut -d: -f5-7')).toBe('bg app shop:/srv/shop:/usr/sbin/nologin\n');

    const thief = await makeApp(c, 'thief', { blue: 8011, green: 8012, site: 8090 }, 'user: shop\n');
    const r = await thief.bg('setup');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('user: shop is the user bg created for the app shop');
    await nothingFor('thief');

    // what bg made before it marked its users: no comment, home the app's root, no login shell
    await c.ok('useradd --system --user-group --home-dir /srv/older --no-create-home --shell /usr/sbin/nologin older');
    const older = await makeApp(c, 'older', { blue: 8021, green: 8022, site: 8100 });
    const ok = await older.bg('setup');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(await c.ok('ps -o user= -p $(systemctl show -p MainPID --value older-web-blue.service)')).toBe('older\n');
  });

  it('legacy_unit: caddy.service is refused (exit 2) and Caddy keeps running, enabled', async () => {
    const app = await makeApp(c, 'lcaddy', { blue: 8031, green: 8032, site: 8110 }, 'legacy_unit: caddy.service\n');
    const r = await app.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('legacy_unit: caddy.service runs part of the host, not an app');
    expect(await c.ok('systemctl is-active caddy.service; systemctl is-enabled caddy.service')).toBe('active\nenabled\n');
    await nothingFor('lcaddy');
  });

  it('legacy_unit: a unit whose ExecStart (read over D-Bus) runs no app server is refused; a gunicorn unit is taken over', async () => {
    await c.ok(`printf '[Service]\\nExecStart=/bin/sleep infinity\\n' > /etc/systemd/system/backup-agent.service
      printf '[Service]\\nWorkingDirectory=/srv/git/legacy\\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8049 app:app\\n[Install]\\nWantedBy=multi-user.target\\n' > /etc/systemd/system/oldsite.service
      systemctl daemon-reload && systemctl start backup-agent.service`);
    const agent = await makeApp(c, 'lagent', { blue: 8041, green: 8042, site: 8120 }, 'legacy_unit: backup-agent.service\n');
    const r = await agent.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(
      "legacy_unit: backup-agent.service does not look like an app's unit: its ExecStart runs /bin/sleep infinity",
    );
    expect(await c.ok('systemctl is-active backup-agent.service')).toBe('active\n');

    const site = await makeApp(c, 'lsite', { blue: 8051, green: 8052, site: 8130 }, 'legacy_unit: oldsite.service\n');
    await c.ok('cp -r /srv/git/lsite /srv/git/legacy && systemctl enable --now oldsite.service');
    const ok = await site.bg('setup');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect((await c.sh('systemctl is-active oldsite.service')).stdout).toBe('inactive\n');
  });
});
