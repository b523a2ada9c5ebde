import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BG, type Container, startContainer } from '../harness/container.js';
import { jsonEvent } from '../support/json-events.js';
import { type App, makeApp } from './app-host.js';

// A small host: the whole container (its systemd, Caddy, Redis and the app) inside a memory cgroup
// with a limit the harness sets, and an app whose web workers hold a known amount of memory
// (BG_FIXTURE_HOLD_MB in the env file). Build commands run as transient units of that systemd.
const MiB = 2 ** 20;
const LIMIT = '700M';
const GO = '/run/tiny-build-go';

describe('a small host: the memory check and the build as a transient unit', () => {
  let c: Container;
  let app: App;
  const env = (holdMb: number) => c.ok(`printf 'BG_FIXTURE_HOLD_MB=${holdMb}\\n' > /etc/bg/tiny.env`);
  const status = async () => jsonEvent((await app.bg('status --json')).stdout, 'status');

  beforeAll(async () => {
    c = await startContainer({ memoryLimit: LIMIT });
    // the build waits (at most 60 s) until the test has looked at it from outside (GO exists), and
    // fails on a branch that carries FAILBUILD
    const build = `build:\n  - 'for i in $(seq 600); do [ -e ${GO} ] && break; sleep 0.1; done; test ! -e FAILBUILD || { echo "no good, the build broke" >&2; exit 3; }; echo "built by $(id -un)"'\n`;
    app = await makeApp(c, 'tiny', { blue: 8021, green: 8022, site: 8095 }, build);
    await c.ok(
      `cd /srv/git/tiny && git checkout -q -b failbuild main && touch FAILBUILD && git add FAILBUILD && git -c user.name=t -c user.email=t@t.invalid commit -qm failbuild && git checkout -q main`,
    );
    await env(0);
    await c.ok(`touch ${GO}`);
    const r = await app.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
  afterAll(async () => c?.stop());

  it("status shows each color's memory and the headroom the container's cgroup leaves", async () => {
    const s = await status();
    expect(s.memory.colors.blue).toBeGreaterThan(5 * MiB);
    expect(s.memory.colors.green).toBeNull();
    expect(s.memory.headroom!.by).toMatch(/^memory cgroup \/ \(limit 700 MiB, \d+ MiB in use\)$/);
    expect(s.memory.headroom!.bytes).toBeLessThan(700 * MiB);
    expect(s.memory.fits).toBe(true);
    expect(s.units.find((u: { name: string }) => u.name === 'tiny-web-blue.service')!.memory).toBeGreaterThan(0);
  });

  it('the build runs as a transient unit: visible to systemd while it runs, as the app user, weighted low', async () => {
    const loop = app.loop();
    await c.ok(`rm -f ${GO}`); // the build now waits until we have looked at it
    const deploy = c.spawn(`cd /etc/bg && ${BG} --config ${app.config} deploy v2`);
    let finished = false;
    const done = deploy.wait().finally(() => (finished = true));
    let unit = '';
    let props = { stdout: '' };
    const deadline = Date.now() + 120_000;
    while (!finished && Date.now() < deadline && !props.stdout.includes('User=tiny\n')) {
      unit = (await c.ok("systemctl list-units --plain --no-legend 'tiny-build-*' | awk '{print $1}'")).trim().split('\n')[0];
      if (unit) props = await c.sh(`systemctl show -p User -p CPUWeight -p IOWeight -p MemoryHigh -p ActiveState ${unit}`);
      else await new Promise((r) => setTimeout(r, 50));
    }
    await c.ok(`touch ${GO}`);
    if (!unit) {
      const early = await done;
      expect.fail(`no build unit seen; the deploy ended first (exit ${early.code}):\n${early.stdout}${early.stderr}`);
    }
    expect(unit).toMatch(/^tiny-build-\d{8}-\d{6}(-\d+)?-1\.service$/);
    const r = await done;
    const counts = await loop.stop();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(props.stdout).toContain('User=tiny\n');
    expect(props.stdout).toContain('CPUWeight=20\n');
    expect(props.stdout).toMatch(/MemoryHigh=\d+\n/); // the headroom less the new color's need
    expect(counts.failed, counts.failures.join('\n')).toBe(0);
    // gone once it finished; its output is in the build log
    expect(await c.ok("systemctl list-units --all --plain --no-legend 'tiny-build-*'")).toBe('');
    expect(await c.ok('cat /var/lib/bg/tiny/build-*.log')).toContain('built by tiny');
  });

  it('a failing build is reported with its output and exit code; nothing changed', async () => {
    const before = await status();
    const r = await app.bg('deploy failbuild');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/Build step failed in releases\/\S+: .* \(exit 3\)/);
    expect(r.stderr).toContain('no good, the build broke');
    const after = await status();
    expect(after.active).toBe(before.active);
    expect(after.problems.filter((p: { severity: string }) => p.severity === 'error')).toEqual([]);
    expect(await c.ok("systemctl list-units --all --plain --no-legend 'tiny-build-*'")).toBe('');
  });

  it('refuses a deploy with exit 2 and changes nothing when a second copy of the web tier would not fit; deploys when it fits', async () => {
    const s0 = await status();
    const live0 = s0.memory.colors[s0.active as 'blue' | 'green'] as number;
    const room0 = s0.memory.headroom!.bytes as number;
    // big enough that two copies cannot fit, small enough that the restart which loads it (old and new side by side) still does
    const hold = Math.floor((0.75 * (room0 - live0)) / MiB);
    await env(hold);
    const restarted = await app.bg('restart');
    expect(restarted.code, restarted.stdout + restarted.stderr).toBe(0);

    const s1 = await status();
    expect(s1.memory.colors[s1.active as 'blue' | 'green']).toBeGreaterThan(hold * MiB);
    expect(s1.memory.fits).toBe(false);
    const releases = await c.ok('ls /srv/tiny/releases');
    const upstream = await c.ok('cat /etc/caddy/tiny-upstream.txt');
    const loop = app.loop();
    const r = await app.bg('deploy v3');
    const counts = await loop.stop();
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /Not enough memory for a second copy of the web tier: \w+ needs about \d+ MiB \(what \w+'s web uses now\), and \d+ MiB is free \(memory cgroup \//,
    );
    expect(r.stderr).toContain(`${s1.active} keeps serving`);
    expect(r.stderr).toContain('--no-memory-check');
    expect(await c.ok('ls /srv/tiny/releases')).toBe(releases);
    expect(await c.ok('cat /etc/caddy/tiny-upstream.txt')).toBe(upstream);
    expect((await status()).active).toBe(s1.active);
    expect(counts.failed, counts.failures.join('\n')).toBe(0);

    // lighter again: bg measures the heavy live color, so the restart that drops the weight needs the override
    await env(0);
    expect((await app.bg('restart')).code).toBe(2);
    const lighter = await app.bg('restart --no-memory-check');
    expect(lighter.code, lighter.stdout + lighter.stderr).toBe(0);
    expect((await status()).memory.fits).toBe(true);
    const ok = await app.bg('deploy v3');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(await app.get()).toBe('v3');
  });
});
