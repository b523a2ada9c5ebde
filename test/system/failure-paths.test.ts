import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BG, CHECKOUT, type Container, startContainer } from '../harness/container.js';
import { jsonEvent } from '../support/json-events.js';
import { type App, makeApp } from './app-host.js';

// Failure paths that need the real thing: Caddy running as its own user, Redis as Debian's unit, a
// reboot through PID 1.
describe('failure paths on a real systemd', () => {
  let c: Container;
  let shop: App;

  beforeAll(async () => {
    c = await startContainer();
    shop = await makeApp(
      c,
      'shop',
      { blue: 8001, green: 8002, site: 8080 },
      'celery:\n  app: tasks\n  beat: true\n  broker: redis://127.0.0.1:6379/0\n',
    );
    const r = await shop.bg('setup');
    if (r.code !== 0) throw new Error(`setup failed:\n${r.stdout}${r.stderr}`);
  }, 120_000);
  afterAll(async () => c?.stop());

  const code = async (path = '/') =>
    (await c.ok(`curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:8080${path}`)).trim();
  const status = async () =>
    jsonEvent((await shop.bg('status --json')).stdout, 'status') as { active: string; problems: { code: string; severity: string }[] };
  /** Runs `bg deploy <ref>` and runs `action` inside the container when the lock names `step`. */
  async function deployWith(ref: string, step: (to: string, from: string) => string, action: string) {
    const from = (await status()).active;
    const to = from === 'blue' ? 'green' : 'blue';
    const out = await c.ok(
      `AT_STEP_RUN='${action}' /usr/bin/node ${CHECKOUT}/test/support/kill-at-step.mjs /var/lib/bg/shop/lock ${step(to, from)} ${BG} --config ${shop.config} deploy ${ref}`,
    );
    return JSON.parse(out) as { killed: boolean; code: number; output: string };
  }

  it("maintenance with a page: Caddy (its own user) answers 503 with the page, read from bg's root-owned copy", async () => {
    await c.ok('printf "<h1>back soon</h1>\\n" > /srv/shop/shared/maintenance.html && chown shop:shop /srv/shop/shared/maintenance.html');
    expect((await shop.bg('maintenance on')).code).toBe(0);
    expect(await code()).toBe('503');
    expect(await shop.get('/')).toBe('<h1>back soon</h1>\n');
    expect(await c.ok('stat -c "%U %a" /etc/caddy/shop.maintenance.html')).toBe('root 644\n');
    expect((await shop.bg('maintenance off')).code).toBe(0);
    expect(await code()).toBe('200');
    // kept for requests still reading it under the 503 config; the next `on` replaces it
    expect(await c.ok('cat /etc/caddy/shop.maintenance.html')).toBe('<h1>back soon</h1>\n');
  });

  it("a page the app's user made a symbolic link (to a root-only file) is refused, not copied", async () => {
    await c.ok('rm /srv/shop/shared/maintenance.html && ln -s /etc/shadow /srv/shop/shared/maintenance.html');
    const r = await shop.bg('maintenance on');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Refused to read /srv/shop/shared/maintenance.html: it is a symbolic link');
    // the earlier page's copy, untouched: nothing of /etc/shadow reached it
    expect(await c.ok('cat /etc/caddy/shop.maintenance.html')).toBe('<h1>back soon</h1>\n');
    expect(await code()).toBe('200');
    await c.ok('rm /srv/shop/shared/maintenance.html');
  });

  it("Redis dying mid-deploy: the worker's start fails fast with the broker's headline; after Redis is back, setup recovers", async () => {
    const t0 = Date.now();
    // after the check and the old worker's stop, before the new worker's start
    const r = await deployWith('v2', (to) => `switch-to-${to}`, 'systemctl stop redis-server.service');
    const took = Date.now() - t0;
    expect(r.killed).toBe(true);
    expect(r.output).toMatch(
      /deploy failed at start-worker-(blue|green): The Celery broker redis:\/\/127\.0\.0\.1:6379 \(.*\) does not answer/,
    );
    expect(r.output).not.toContain('never bound its port');
    expect(r.output).toContain('Start the broker');
    expect(await code()).toBe('200');
    process.stdout.write(`redis stopped mid-deploy: bg ended (exit ${r.code}) after ${(took / 1000).toFixed(1)} s\n`);
    await c.ok('systemctl start redis-server.service');
    expect((await shop.bg('setup')).code).toBe(0);
    expect((await status()).problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('a clean reboot mid-deploy is journaled as interrupted, and the site serves after it', async () => {
    const before = await status();
    const to = before.active === 'blue' ? 'green' : 'blue';
    // bg as a unit of the container's systemd, as under an operator's session: the reboot SIGTERMs it
    await c.ok(`systemd-run --unit=bg-deploy --service-type=exec -p TimeoutStopSec=60 ${BG} --config ${shop.config} deploy v3`);
    // frozen at that step (SIGSTOP), so the rest of the deploy cannot finish before the reboot reaches
    // it: systemd sends SIGCONT after its SIGTERM, and bg wakes to the SIGTERM
    const frozen = await c.ok(
      `lock=/var/lib/bg/shop/lock; while systemctl is-active -q bg-deploy.service; do
        if grep -q '"step":"start-worker-${to}"' $lock 2>/dev/null; then
          pid=$(sed -n 's/.*"pid":\\([0-9]*\\).*/\\1/p' $lock); kill -STOP "$pid" && echo "stopped $pid"; break
        fi; sleep 0.05; done`,
    );
    expect(frozen).toMatch(/^stopped \d+\n$/);
    await c.reboot();
    const history = jsonEvent((await shop.bg('history --json')).stdout, 'history').entries as {
      command: string;
      result: string;
      failedStep?: string;
    }[];
    expect(history.at(-1)).toMatchObject({ command: 'deploy', result: 'interrupted' });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await code()) !== '200') await new Promise((r) => setTimeout(r, 200));
    expect(await code()).toBe('200');
    expect((await shop.bg('setup')).code).toBe(0);
  });
});
