import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOutput } from '../../src/protocol/wire.js';
import { type BridgeNet, makeBridgeNet } from '../harness/bridge-net.js';
import { CHECKOUT, type Container, type Result, startContainer } from '../harness/container.js';
import { jsonEvent } from '../support/json-events.js';
import { type App, makeApp } from './app-host.js';

// Three hosts, each a real systemd as PID 1 with sshd (Debian's openssh-server) and bg installed from
// the package tarball, on one bridge in a network namespace of their own. The deploying side runs in
// that namespace too, with a key made for the test and ssh's host key checking on (known_hosts from
// ssh-keyscan). web3 is the Celery host, and its env file makes v2 fail its health check there only.
const NAMES = ['web1', 'web2', 'web3'] as const;

interface FleetHost {
  name: string;
  ip: string;
  c: Container;
  app: App;
}

describe('more than one host: rolling deploys over ssh', () => {
  let net: BridgeNet;
  let dir: string;
  let hosts: FleetHost[] = [];

  const fleet = (args: string[], config = 'fleet.yml'): Promise<Result> =>
    new Promise((res) => {
      const argv = [
        ...net.inNet.slice(1),
        'env',
        `BG_SSH=${dir}/ssh`,
        '/usr/bin/node',
        `${CHECKOUT}/bin/bg.cjs`,
        '--config',
        join(dir, config),
        ...args,
      ];
      execFile(net.inNet[0], argv, { timeout: 170_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        res({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  const events = (r: Result) =>
    r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { host?: string; event: string; step?: string; status?: string });
  const workersActive = (h: FleetHost) =>
    h.c
      .sh("systemctl list-units --plain --no-legend 'shop-worker-*' | awk '$3 == \"active\"' | wc -l")
      .then((r) => Number(r.stdout.trim()));
  const workerUnits = (h: FleetHost) => h.c.ok("systemctl list-units --all --plain --no-legend 'shop-worker-*' 'shop-beat-*'");

  beforeAll(async () => {
    net = makeBridgeNet();
    dir = mkdtempSync('/var/tmp/bg-fleet-');
    execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: CHECKOUT, stdio: 'ignore' });
    const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
    const pub = execFileSync('cat', [join(dir, 'id.pub')], { encoding: 'utf8' }).trim();
    hosts = await Promise.all(
      NAMES.map(async (name, i) => {
        const ip = `${net.subnet}.${11 + i}`;
        const c = await startContainer({ net: { netns: net.netns, bridge: net.bridge } });
        await c.ok(`set -e; ip link set host0 up; ip addr add ${ip}/24 dev host0
          mkdir -p -m 700 /root/.ssh; echo '${pub}' > /root/.ssh/authorized_keys; chmod 600 /root/.ssh/authorized_keys
          npm install -g --offline --no-audit --no-fund ${tarball} >/dev/null
          mkdir -p /etc/bg
          printf 'REDIS_URL=redis://127.0.0.1:6379/0\\n${name === 'web3' ? 'BG_FIXTURE_UNHEALTHY_VERSION=v2\\n' : ''}' > /etc/bg/shop.env`);
        const app = await makeApp(
          c,
          'shop',
          { blue: 8001, green: 8002, site: 8080 },
          name === 'web3' ? 'celery:\n  app: tasks\n  beat: true\n' : '',
        );
        const r = await c.sh('bluegreen --config /etc/bg/shop.yml setup');
        if (r.code !== 0) throw new Error(`setup on ${name}: ${r.stdout}${r.stderr}`);
        return { name, ip, c, app };
      }),
    );
    const keyscan = execFileSync(net.inNet[0], [...net.inNet.slice(1), 'ssh-keyscan', '-T', '5', ...hosts.map((h) => h.ip)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    writeFileSync(join(dir, 'known_hosts'), keyscan);
    writeFileSync(
      join(dir, 'ssh_config'),
      hosts
        .map(
          (h) =>
            `Host ${h.name}\n  HostName ${h.ip}\n  User root\n  IdentityFile ${dir}/id\n  UserKnownHostsFile ${dir}/known_hosts\n  StrictHostKeyChecking yes\n`,
        )
        .join('') +
        `Host web4\n  HostName ${net.subnet}.1\n  User root\n  IdentityFile ${dir}/id\n  UserKnownHostsFile ${dir}/known_hosts\n`,
    );
    writeFileSync(join(dir, 'ssh'), `#!/bin/sh\nexec ssh -F ${dir}/ssh_config "$@"\n`);
    chmodSync(join(dir, 'ssh'), 0o755);
    const base = `app: shop\nrepo: /srv/git/shop\nroot: /srv/shop\nstate_dir: ${dir}/state\nweb:\n  wsgi: app:app\n  ports: { blue: 8001, green: 8002 }\ncaddy:\n  site: ":8080"\n`;
    const entry = (n: string) => `  - { name: ${n}, ssh: root@${n}, config: /etc/bg/shop.yml }\n`;
    writeFileSync(join(dir, 'fleet.yml'), `${base}hosts:\n${NAMES.map(entry).join('')}celery_host: web3\n`);
    writeFileSync(join(dir, 'fleet4.yml'), `${base}hosts:\n${[...NAMES, 'web4'].map(entry).join('')}celery_host: web3\n`);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.c.stop()));
    net?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a rolling deploy: one host at a time, the Celery host last; no failed request on any host; Celery only on web3, one color', async () => {
    const loops = hosts.map((h) => h.app.loop());
    const sampler = hosts[2].c.spawn(
      "rm -f /run/stop-sampler; while [ ! -e /run/stop-sampler ]; do systemctl list-units --plain --no-legend 'shop-worker-*' | awk '$3 == \"active\"' | wc -l; sleep 0.05; done",
    );
    const r = await fleet(['--json', 'deploy', 'v3']);
    // the timeline of this deploy, for docs/benchmarks.md when asked for
    if (process.env.BG_FLEET_TIMELINE) writeFileSync(process.env.BG_FLEET_TIMELINE, r.stdout);
    await hosts[2].c.sh('touch /run/stop-sampler');
    const counts = await Promise.all(loops.map((l) => l.stop()));
    const samples = (await sampler.wait()).stdout.trim().split('\n').map(Number);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const started = [
      ...new Set(
        events(r)
          .filter((e) => e.host && e.event === 'plan')
          .map((e) => e.host),
      ),
    ];
    expect(started).toEqual(['web1', 'web2', 'web3']);
    for (const [i, h] of hosts.entries()) {
      expect(await h.app.get(), h.name).toBe('v3');
      expect(counts[i].failed, `${h.name}: ${counts[i].failures.join('\n')}`).toBe(0);
      expect(counts[i].sent, h.name).toBeGreaterThan(20);
    }
    expect(await workerUnits(hosts[0])).toBe('');
    expect(await workerUnits(hosts[1])).toBe('');
    expect(Math.max(...samples)).toBe(1);
    expect(await workersActive(hosts[2])).toBe(1);
  });

  it('status and history across hosts: one line per host; --json has each host whole; each history prefixed with its host', async () => {
    const r = await fleet(['status']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['web1', 'web2', 'web3']);
    expect(lines[2]).toMatch(/^web3 \(celery\)\s+green\s+\d{8}-\d{6}/);
    const j = jsonEvent((await fleet(['--json', 'status'])).stdout, 'fleet-status');
    expect(j.hosts.map((h) => [h.name, h.reachable, h.active])).toEqual([
      ['web1', true, 'green'],
      ['web2', true, 'green'],
      ['web3', true, 'green'],
    ]);
    const h = await fleet(['history', '--limit', '1']);
    expect(h.code, h.stdout + h.stderr).toBe(0);
    expect(
      h.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/\] .*/, ']')),
    ).toEqual(['[fleet]', '[web1]', '[web2]', '[web3]']);
    expect(h.stdout).toMatch(/^\[fleet\] \S+ +root +deploy +v3 +ok .* web1 done .* → web2 done .* → web3 done /m);
    expect(h.stdout).toMatch(/\[web3\] \S+ +root +deploy +v3 /);
  });

  it('a release that fails its health check on web3 only: web1 and web2 are rolled back, all three serve the old version, exit 1', async () => {
    const loops = hosts.map((h) => h.app.loop());
    const r = await fleet(['deploy', 'v2']);
    const counts = await Promise.all(loops.map((l) => l.stop()));
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/bg: deploy failed on web3 at health-gate-blue: /);
    expect(r.stderr).toMatch(/rolled back: web1, web2/);
    expect(r.stderr).toContain('[web2] rolling back:');
    for (const [i, h] of hosts.entries()) {
      expect(await h.app.get(), h.name).toBe('v3');
      expect(counts[i].failed, `${h.name}: ${counts[i].failures.join('\n')}`).toBe(0);
    }
    expect(await workersActive(hosts[2])).toBe(1);
    expect(await workerUnits(hosts[0])).toBe('');
  });

  const siteCode = (h: FleetHost) => h.c.ok("curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:8080/");

  it('maintenance on and off on every host: the web hosts at once, the Celery host last; 503 everywhere, then the app; journaled here', async () => {
    const on = await fleet(['maintenance', 'on']);
    expect(on.code, on.stdout + on.stderr).toBe(0);
    expect(on.stdout).toMatch(/^maintenance on: done on 3 hosts \(web1 \+ web2 → web3; Celery on web3, last\) in /);
    expect(await Promise.all(hosts.map(siteCode))).toEqual(['503', '503', '503']);
    const off = await fleet(['--json', 'maintenance', 'off']);
    expect(off.code, off.stdout + off.stderr).toBe(0);
    // the fleet's own result is the one without a host
    const result = parseOutput(off.stdout)
      .events.filter((e) => e.event === 'result' && !('host' in e))
      .at(-1) as { order?: string[][]; hosts?: { name: string; result: string }[] };
    expect(result.order).toEqual([['web1', 'web2'], ['web3']]);
    expect(result.hosts?.map((h) => [h.name, h.result])).toEqual([
      ['web1', 'done'],
      ['web2', 'done'],
      ['web3', 'done'],
    ]);
    for (const h of hosts) expect(await h.app.get(), h.name).toBe('v3');
    // the transcript for the closing note, when asked for
    if (process.env.BG_FLEET_TRANSCRIPT) writeFileSync(process.env.BG_FLEET_TRANSCRIPT, `$ bg maintenance on\n${on.stderr}${on.stdout}`);

    const h = await fleet(['history', '--limit', '3']);
    expect(h.code, h.stdout + h.stderr).toBe(0);
    const runs = h.stdout.split('\n').filter((l) => l.startsWith('[fleet] '));
    expect(runs).toHaveLength(3);
    expect(runs[0]).toMatch(
      / deploy +v2 +rolled-back at web3: health-gate-blue .* web1 rolled-back \S+ s → web2 rolled-back \S+ s → web3 failed /,
    );
    expect(runs[1]).toMatch(/ maintenance on +ok .* web1 done \d.* \+ web2 done .* → web3 done /);
    expect(runs[2]).toMatch(/ maintenance off +ok /);
    const j = jsonEvent((await fleet(['--json', 'history', '--limit', '1'])).stdout, 'fleet-history');
    expect(j.runs?.map((r) => [r.command, r.ref, r.result, r.fleet?.order])).toEqual([
      ['maintenance', 'off', 'ok', [['web1', 'web2'], ['web3']]],
    ]);
    expect(j.runs?.[0].fleet?.hosts.map((x) => [x.name, x.result, x.ms > 0])).toEqual([
      ['web1', 'done', true],
      ['web2', 'done', true],
      ['web3', 'done', true],
    ]);
  });

  it('releases on every host: one block per host, and whether the live ones agree', async () => {
    const r = await fleet(['releases']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const commit = (await hosts[0].c.ok('git -C /srv/git/shop rev-parse v3')).trim();
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`agree: every host serves ${commit.slice(0, 12)} (v3).`);
    for (const n of NAMES) expect(r.stdout).toMatch(new RegExp(`^\\[${n}\\] \\* \\d{8}-\\d{6} +${commit.slice(0, 12)} v3 `, 'm'));
    const j = jsonEvent((await fleet(['--json', 'releases'])).stdout, 'fleet-releases');
    expect(j.agree).toBe(true);
    expect(j.hosts.map((x) => [x.name, x.live?.commit, x.live?.ref])).toEqual(NAMES.map((n) => [n, commit, 'v3']));
  });

  it('logs and run with --host reach that host only; an unknown name is refused with the list', async () => {
    const marker = `fleet-logs-${Date.now()}`;
    await hosts[1].c.ok(`curl -s -o /dev/null http://127.0.0.1:8080/${marker}`);
    // journald takes the access line a moment after the response
    let logs = await fleet(['logs', '--host', 'web2', '-n', '200']);
    for (let i = 0; i < 10 && logs.code === 0 && !logs.stdout.includes(marker); i++) {
      await new Promise((r) => setTimeout(r, 300));
      logs = await fleet(['logs', '--host', 'web2', '-n', '200']);
    }
    expect(logs.code, logs.stdout + logs.stderr).toBe(0);
    expect(logs.stdout).toContain(marker);
    expect((await fleet(['logs', '--host', 'web1', '-n', '200'])).stdout).not.toContain(marker);
    const run = await fleet(['run', '--host', 'web3', '--', 'sh', '-c', 'echo "$BG_COLOR $(cat /etc/hostname)"; exit 5']);
    expect(run.code, run.stdout + run.stderr).toBe(5);
    expect(run.stdout.trim()).toBe(`green ${(await hosts[2].c.ok('cat /etc/hostname')).trim()}`);
    const unknown = await fleet(['logs', '--host', 'web9']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No host named web9');
    expect(unknown.stderr).toContain('its hosts are web1, web2, web3');
    const none = await fleet(['run', '--', 'true']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('run reaches one host at a time');
  });

  it('an unreachable host stops the run before anything changes, naming it', async () => {
    const before = await Promise.all(hosts.map((h) => h.c.ok('ls /srv/shop/releases')));
    const t = Date.now();
    const r = await fleet(['deploy', 'v2'], 'fleet4.yml');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(Date.now() - t).toBeLessThan(45_000); // the preflight stops it: no deploy runs its length
    expect(r.stderr).toMatch(
      /deploy stopped before it began: a host does not answer: web4 \(root@web4\): ssh: connect to host .* Connection refused/,
    );
    expect(r.stderr).toContain('Nothing was changed on any host.');
    expect(await Promise.all(hosts.map((h) => h.c.ok('ls /srv/shop/releases')))).toEqual(before);
  });
});
