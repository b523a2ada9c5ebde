import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { type App, makeApp } from './app-host.js';

// Another app's secrets, a log file pointed anywhere, the broker password in `ps`: attacks by an
// app's own user (a compromised app process), on a real systemd as PID 1, two apps on one host with
// the defaults of system scope (each env file in /etc/bg, root's).
describe("an app's user against the secrets of the host", () => {
  let c: Container;
  let alpha: App;
  let beta: App;
  const BROKER_PW = 'brokerPw-7f3a91c2e4';
  const BETA_SECRET = 'beta-only-5d2e8c71';
  // as alpha's user, confined the way its units are not: the attacker's best case
  const asAlpha = (cmd: string) => c.sh(`setpriv --reuid=alpha --regid=alpha --init-groups -- ${cmd}`);
  const mainPid = async (unit: string) => Number((await c.ok(`systemctl show -p MainPID --value ${unit}`)).trim());

  beforeAll(async () => {
    c = await startContainer();
    // Debian's redis-server unit, with a password: the URL that holds it is in alpha's env file only
    await c.ok(`systemctl is-active redis-server.service && redis-cli CONFIG SET requirepass '${BROKER_PW}' >/dev/null`);
    alpha = await makeApp(c, 'alpha', { blue: 8001, green: 8002, site: 8080 }, 'celery:\n  app: tasks\n');
    beta = await makeApp(c, 'beta', { blue: 8011, green: 8012, site: 8090 });
    // filled before the first setup (the worker needs its broker), as root: setup keeps a file it finds
    await c.ok(`umask 077; printf 'REDIS_URL=redis://:${BROKER_PW}@127.0.0.1:6379/0\\nALPHA_MARK=alpha-own\\n' > /etc/bg/alpha.env`);
    for (const app of [alpha, beta]) {
      const r = await app.bg('setup');
      expect(r.code, `${app.name}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    await c.ok(`echo 'BETA_SECRET=${BETA_SECRET}' >> /etc/bg/beta.env`);
  });
  afterAll(async () => c?.stop());

  it('setup puts each env file in /etc/bg, root-owned and readable by its own app only', async () => {
    expect(await c.ok('stat -c "%U:%G %a %F" /etc/bg /etc/bg/alpha.env /etc/bg/beta.env')).toBe(
      'root:root 755 directory\nroot:root 600 regular file\nroot:beta 640 regular file\n',
    );
    expect(
      await c.ok('grep -h ^EnvironmentFile= /etc/systemd/system/alpha-web-blue.service /etc/systemd/system/beta-web-blue.service'),
    ).toBe('EnvironmentFile=/etc/bg/alpha.env\nEnvironmentFile=/etc/bg/beta.env\n');
    expect(await c.sh('test -e /srv/alpha/shared/.env || test -e /srv/beta/shared/.env').then((r) => r.code)).toBe(1);
  });

  it("alpha's user cannot point its env file at beta's, and a crash restart does not give it beta's secret", async () => {
    const link = await asAlpha('ln -sf /etc/bg/beta.env /etc/bg/alpha.env');
    expect(link.code).not.toBe(0);
    expect(link.stderr).toMatch(/Permission denied/);
    const move = await asAlpha('mv /etc/bg/alpha.env /etc/bg/alpha.env.old');
    expect(move.stderr).toMatch(/Permission denied/);
    const read = await asAlpha('cat /etc/bg/beta.env');
    expect(read.stderr).toMatch(/Permission denied/);
    expect(await c.ok('stat -c %F /etc/bg/alpha.env')).toBe('regular file\n');

    // a crash (kill -9 as root emulates one): Restart=on-failure, and PID 1 reads the env file again
    const before = await mainPid('alpha-web-blue.service');
    expect(before).toBeGreaterThan(0);
    await c.ok(`kill -9 ${before}`);
    let after = 0;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (after === 0 || after === before)) {
      await new Promise((r) => setTimeout(r, 250));
      after = await mainPid('alpha-web-blue.service');
    }
    expect(after).not.toBe(before);
    expect(after).toBeGreaterThan(0);
    const environ = await c.ok(`tr '\\0' '\\n' < /proc/${after}/environ`);
    expect(environ).toContain('ALPHA_MARK=alpha-own');
    expect(environ).not.toContain(BETA_SECRET);
    expect(environ).not.toContain('BETA_SECRET');
  });

  it('env_file or log_dir inside shared/ is refused with exit 2 before anything is written: no state dir, no log', async () => {
    for (const [name, extra, key] of [
      ['gamma', 'env_file: /srv/gamma/shared/.env\n', 'env_file /srv/gamma/shared/.env'],
      ['delta', 'log_dir: /srv/delta/shared/log\n', 'log_dir /srv/delta/shared/log'],
    ] as const) {
      const app = await makeApp(c, name, { blue: 8021, green: 8022, site: 8095 }, extra);
      for (const cmd of ['setup', 'deploy v2', '--dry-run setup', 'run -- true']) {
        const r = await app.bg(cmd);
        expect(r.code, `${name} ${cmd}: ${r.stdout}${r.stderr}`).toBe(2);
        expect(r.stderr).toContain(
          `${key} lies where the app's user can write: it is inside /srv/${name}/shared, which belongs to the app's user ${name}.`,
        );
      }
      expect(
        await c
          .sh(`ls -d /var/lib/bg/${name} /srv/${name} /etc/bg/${name}.env /etc/systemd/system/${name}-web-blue.service 2>&1`)
          .then((r) => r.code),
      ).not.toBe(0);
      expect(await c.ok(`ls /var/lib/bg /srv`)).not.toContain(name);
    }
  });

  it('a directory the app owns on the way is refused too: log_dir under a directory chowned to the app', async () => {
    await c.ok('mkdir -p /var/log/alpha-own && chown alpha:alpha /var/log/alpha-own');
    await c.ok(`sed -i '/^caddy:/i log_dir: /var/log/alpha-own/logs' /etc/bg/alpha.yml`);
    const r = await alpha.bg('deploy v2');
    await c.ok(`sed -i '/^log_dir:/d' /etc/bg/alpha.yml`);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(
      "log_dir /var/log/alpha-own/logs lies where the app's user can write: /var/log/alpha-own belongs to the app's user alpha.",
    );
    expect(await c.sh('test -e /var/log/alpha-own/logs').then((x) => x.code)).toBe(1);
  });

  it('a host set up with the old default (shared/.env) is refused with the commands to move it; they work', async () => {
    const app = await makeApp(c, 'omega', { blue: 8031, green: 8032, site: 8097 });
    // what setup left before the default moved: shared/ the app's, the file root:<user> 0640 in it
    await c.ok(`useradd --system --user-group --home-dir /srv/omega --no-create-home --shell /usr/sbin/nologin omega
      install -d -o omega -g omega -m 0750 /srv/omega/shared
      install -m 0640 -o root -g omega /dev/null /srv/omega/shared/.env
      echo OMEGA_MARK=moved-over > /srv/omega/shared/.env`);
    const r = await app.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('/srv/omega/shared/.env exists but the env file is now /etc/bg/omega.env, which does not');
    expect(await c.sh('ls -d /var/lib/bg/omega /etc/bg/omega.env /srv/omega/releases 2>/dev/null').then((x) => x.stdout)).toBe('');
    const move = /(install -d -m 0755 \/etc\/bg && .* && chmod 0640 \/etc\/bg\/omega\.env);/.exec(r.stderr)?.[1];
    expect(move, r.stderr).toBeDefined();
    await c.ok(move!);
    expect(await c.ok('stat -c "%U:%G %a" /etc/bg/omega.env')).toBe('root:omega 640\n');
    expect(r.stderr).toContain(
      "then bluegreen --config /etc/bg/omega.yml setup, which points both colors' units at it; then rm /srv/omega/shared/.env.",
    );
    const s = await app.bg('setup');
    expect(s.code, s.stdout + s.stderr).toBe(0);
    await c.ok('rm /srv/omega/shared/.env');
    expect(await c.ok(`tr '\\0' '\\n' < /proc/${await mainPid('omega-web-blue.service')}/environ`)).toContain('OMEGA_MARK=moved-over');
  });

  it('the broker password never shows in any command line (ps) during a deploy with Celery, and the worker still hands over', async () => {
    // the pattern comes from a file: the sampler's own command line must not hold the password
    await c.ok(`umask 077; printf '%s\\n' '${BROKER_PW}' > /run/bg-pw.pattern; rm -f /run/bg-ps-hits /run/bg-ps-control /run/bg-ps.stop`);
    const sampler = c.spawn(`n=0; while [ ! -e /run/bg-ps.stop ]; do ps -eo args > /run/bg-ps.now; n=$((n+1))
      grep -F -f /run/bg-pw.pattern /run/bg-ps.now >> /run/bg-ps-hits
      grep -E 'celery .*(inspect ping|control cancel_consumer)' /run/bg-ps.now >> /run/bg-ps-control; done; echo "$n"`);
    const d = await alpha.bg('deploy v2');
    await c.ok('touch /run/bg-ps.stop');
    const samples = Number((await sampler.wait()).stdout.trim());
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect(samples).toBeGreaterThan(10);
    // the sampler saw the worker units' control commands (they were there to be seen) ...
    expect(await c.ok('grep -c "inspect ping" /run/bg-ps-control')).not.toBe('0\n');
    expect(await c.ok('grep -c "cancel_consumer" /run/bg-ps-control')).not.toBe('0\n');
    // ... and never the password
    expect(await c.ok('cat /run/bg-ps-hits')).toBe('');
    expect(await c.ok('systemctl is-active alpha-worker-green.service; systemctl is-active alpha-worker-blue.service || true')).toBe(
      'active\ninactive\n',
    );
    expect(await alpha.get()).toBe('v2');
    expect(await beta.get()).toBe('v1');
  });
});
