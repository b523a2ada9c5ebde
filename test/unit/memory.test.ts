// The memory check: parsing /proc and cgroup files, the headroom, and what a deploy does with them.
import { describe, expect, it } from 'vitest';
import {
  ancestorDirs,
  parseCgroupMounts,
  parseMemAvailable,
  parseProcCgroup,
  parsePss,
  statValue,
  tightest,
} from '../../src/adapters/memory.js';
import { parseConfig } from '../../src/config/parse.js';
import { BgError, EXIT } from '../../src/errors.js';
import type { HostState, ObservedUnit } from '../../src/host/host-state.js';
import { planDeploy } from '../../src/plan/deploy-plan.js';

const MiB = 2 ** 20;

describe('reading memory from /proc and the cgroup file systems', () => {
  it('MemAvailable and Pss, in bytes', () => {
    expect(parseMemAvailable('MemTotal:       24683652 kB\nMemFree:  1 kB\nMemAvailable:   24268312 kB\n')).toBe(24268312 * 1024);
    expect(parseMemAvailable('MemTotal: 1 kB\n')).toBeUndefined();
    expect(parsePss('55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:  9000 kB\nPss:  4096 kB\nPss_Anon: 1 kB\n')).toBe(4 * MiB);
    expect(statValue('cache 10\ntotal_inactive_file 4096\ninactive_file 7\n', 'total_inactive_file')).toBe(4096);
    expect(statValue('cache 10\ntotal_inactive_file 4096\ninactive_file 7\n', 'inactive_file')).toBe(7);
  });

  it("a process's memory cgroup, v1 (hybrid) and v2", () => {
    const hybrid =
      '9:name=systemd:/system.slice/shop-web-blue.service\n4:memory:/bg-ct-1/system.slice\n3:cpu,cpuacct:/\n0::/system.slice/shop-web-blue.service\n';
    expect(parseProcCgroup(hybrid)).toEqual({ v1: '/bg-ct-1/system.slice', v2: '/system.slice/shop-web-blue.service' });
    expect(parseProcCgroup('0::/user.slice/x.service\n')).toEqual({ v2: '/user.slice/x.service' });
  });

  it('where the hierarchies are mounted, from mountinfo', () => {
    const mountinfo = [
      '30 25 0:26 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs rw,mode=755',
      '31 30 0:27 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
      '35 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '36 30 0:32 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
    ].join('\n');
    expect(parseCgroupMounts(mountinfo)).toEqual({
      v1: { dir: '/sys/fs/cgroup/memory', root: '/' },
      v2: { dir: '/sys/fs/cgroup/unified', root: '/' },
    });
  });

  it('walks from the unit up to the root, leaving out the unit itself', () => {
    const mount = { dir: '/sys/fs/cgroup', root: '/' };
    expect(ancestorDirs(mount, '/system.slice/shop-web-blue.service', 'shop-web-blue.service')).toEqual([
      { dir: '/sys/fs/cgroup/system.slice', path: '/system.slice' },
      { dir: '/sys/fs/cgroup', path: '/' },
    ]);
    // v1 under a user manager: the unit has no cgroup of its own there, every level counts
    expect(ancestorDirs({ dir: '/m', root: '/' }, '/a/b', 'shop-web-blue.service').map((d) => d.dir)).toEqual(['/m/a/b', '/m/a', '/m']);
    // a mount of a sub-tree, and a process outside this namespace's view
    expect(ancestorDirs({ dir: '/m', root: '/ct' }, '/ct/x', 'u').map((d) => d.path)).toEqual(['/ct/x', '/ct']);
    expect(ancestorDirs({ dir: '/m', root: '/' }, '/..', 'u')).toEqual([]);
  });

  it('the headroom is the tightest of MemAvailable and every limited cgroup', () => {
    expect(tightest(8000 * MiB, [])).toEqual({ bytes: 8000 * MiB, by: 'MemAvailable' });
    expect(tightest(8000 * MiB, [{ path: '/bg-ct-1', limit: 600 * MiB, usage: 420 * MiB }])).toEqual({
      bytes: 180 * MiB,
      by: 'memory cgroup /bg-ct-1 (limit 600 MiB, 420 MiB in use)',
    });
    expect(tightest(undefined, [{ path: '/x', limit: 100, usage: 200 }])?.bytes).toBe(0);
  });
});

const cfgOf = (extra = '') =>
  parseConfig(
    `app: shop\nrepo: /srv/git/shop.git\nroot: /srv/shop\nbuild: ["make"]\nweb:\n  wsgi: shop.wsgi:application\n  ports: { blue: 8000, green: 8100 }\n${extra}caddy:\n  site: ":8080"\n`,
    {
      configPath: '/srv/shop/bg.yml',
      scope: 'system',
      env: {},
      homedir: '/root',
    },
  );
const running = (name: string): ObservedUnit => ({ name, loadState: 'loaded', activeState: 'active', subState: 'running', mainPid: 42 });
const blueLive = (memory: HostState['memory']): HostState => ({
  active: 'blue',
  upstreamFile: 'ok',
  units: { 'shop-web-blue.service': running('shop-web-blue.service') },
  colors: { blue: { linked: true, release: 'r1', commit: 'a'.repeat(40) }, green: { linked: true } },
  releases: [],
  listening: [8000],
  caddyUpstreams: ['127.0.0.1:8000'],
  memory,
});

function refusal(fn: () => unknown): BgError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BgError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('a deploy checks that a second web color fits', () => {
  const tight = {
    units: { 'shop-web-blue.service': 300 * MiB },
    headroom: { bytes: 180 * MiB, by: 'memory cgroup /bg-ct-1 (limit 600 MiB, 420 MiB in use)' },
  };

  it('refuses with exit 2 when it does not: needed, free, what to do', () => {
    for (const req of [{ ref: 'main' }, { restart: true }]) {
      const e = refusal(() => planDeploy(cfgOf(), blueLive(tight), req));
      expect(e.code).toBe('memory-short');
      expect(e.exitCode).toBe(EXIT.usage);
      expect(e.message).toBe(
        "Not enough memory for a second copy of the web tier: green needs about 300 MiB (what blue's web uses now), and 180 MiB is free (memory cgroup /bg-ct-1 (limit 600 MiB, 420 MiB in use)).",
      );
      expect(e.state).toBe('Nothing was changed; blue keeps serving.');
      expect(e.next).toMatch(/web\.workers.*swap.*--no-memory-check/);
    }
  });

  it('goes ahead with --no-memory-check, and when it fits; the build gets the rest as MemoryHigh', () => {
    expect(planDeploy(cfgOf(), blueLive(tight), { ref: 'main', noMemoryCheck: true }).steps.length).toBeGreaterThan(0);
    const roomy = { units: { 'shop-web-blue.service': 300 * MiB }, headroom: { bytes: 1000 * MiB, by: 'MemAvailable' } };
    const build = planDeploy(cfgOf(), blueLive(roomy), { ref: 'main' }).steps.find((s) => s.name === 'build-green');
    expect(build?.action).toMatchObject({ kind: 'build', memoryHigh: 700 * MiB, user: 'shop' });
  });

  it('uses web.memory_max when systemd cannot say what the live color uses, and says nothing when neither is known', () => {
    const unmeasured = { units: {}, headroom: { bytes: 180 * MiB, by: 'MemAvailable' } };
    const e = refusal(() => planDeploy(cfgOf('  memory_max: 256M\n'.replace(/^/, '')), blueLive(unmeasured), { ref: 'main' }));
    expect(e.message).toMatch(/green needs about 256 MiB \(web\.memory_max\), and 180 MiB is free \(MemAvailable\)/);
    expect(planDeploy(cfgOf(), blueLive(unmeasured), { ref: 'main' }).steps.length).toBeGreaterThan(0);
    expect(
      planDeploy(cfgOf(), blueLive(undefined), { ref: 'main' }).steps.find((s) => s.name === 'build-green')?.action,
    ).not.toHaveProperty('memoryHigh');
  });
});
