// The fleet's day two, the pure parts: maintenance's order and its putting back, whether the hosts'
// releases agree, the journal line of a fleet run and how history prints it, --host.
import { describe, expect, it } from 'vitest';
import { formatFleetRuns } from '../../src/cli/fleet-format.js';
import { fleetJournalEnd, fleetJournalStart } from '../../src/cli/fleet-journal.js';
import { hostNamed, onHost } from '../../src/cli/on-host.js';
import { parseConfig } from '../../src/config/parse.js';
import type { FleetHost } from '../../src/config/types.js';
import { type BgError, FailedError, HalfDoneError } from '../../src/errors.js';
import { releasesAgreement } from '../../src/fleet/agreement.js';
import { maintenanceBatches, orderText } from '../../src/fleet/order.js';
import type { RemoteBg, RemoteResult } from '../../src/fleet/remote.js';
import { runRolling } from '../../src/fleet/rolling.js';
import type { ReleaseRow } from '../../src/protocol/events.js';

const cfgOf = (names: string[] | undefined, celery?: string) =>
  parseConfig(
    `app: shop\nrepo: /srv/git/shop.git\nroot: /srv/shop\nweb:\n  wsgi: shop.wsgi:application\n  ports: { blue: 8000, green: 8100 }\ncaddy:\n  site: ":8080"\n${
      names
        ? `hosts:\n${names.map((n) => `  - { name: ${n}, ssh: deploy@${n}.example.com, config: /etc/bg/shop.yml }`).join('\n')}\n${celery ? `celery_host: ${celery}\n` : ''}`
        : ''
    }`,
    { configPath: '/srv/shop/bg.yml', scope: 'system', env: {}, homedir: '/root' },
  );
const names = (batches: FleetHost[][]) => batches.map((b) => b.map((h) => h.name));

/** Hosts whose bg succeeds, but for the "host command" pairs in `failing`. */
class Hosts implements RemoteBg {
  calls: string[] = [];
  constructor(private readonly failing: string[] = []) {}
  commandFor(host: FleetHost, args: string[]) {
    return `ssh ${host.ssh} bluegreen ${args.join(' ')}`;
  }
  async run(host: FleetHost, args: string[]): Promise<RemoteResult> {
    const what = `${host.name} ${args.filter((a) => a !== '--json').join(' ')}`;
    this.calls.push(what);
    if (!this.failing.includes(what)) return { exitCode: 0, events: [], stdout: '', stderr: '' };
    return {
      exitCode: 1,
      events: [
        {
          event: 'error',
          error: 'BgError',
          code: 'caddy-load',
          message: 'Caddy refused the config',
          state: 'Caddy serves the old config.',
          exitCode: 1,
        },
      ],
      stdout: '',
      stderr: '',
    };
  }
}

describe('maintenance across hosts', () => {
  it('every web host at once, then the Celery host alone; the same order both ways', () => {
    const cfg = cfgOf(['web1', 'web2', 'web3', 'web4'], 'web2');
    expect(names(maintenanceBatches(cfg.hosts!, 'web2'))).toEqual([['web1', 'web3', 'web4'], ['web2']]);
    expect(names(maintenanceBatches(cfg.hosts!, undefined))).toEqual([['web1', 'web2', 'web3', 'web4']]);
    expect(orderText(names(maintenanceBatches(cfg.hosts!, 'web2')))).toBe('web1 + web3 + web4 → web2');
  });

  it('a web host that fails `maintenance on`: the ones already on are turned off again, the Celery host is never touched', async () => {
    const cfg = cfgOf(['web1', 'web2', 'web3'], 'web3');
    const hosts = new Hosts(['web2 maintenance on']);
    const out = await runRolling(
      cfg,
      {
        command: 'maintenance',
        args: ['maintenance', 'on'],
        undoArgs: ['maintenance', 'off'],
        parallel: 1,
        batches: maintenanceBatches(cfg.hosts!, 'web3'),
      },
      hosts,
      () => {},
    );
    expect(hosts.calls).toEqual(['web1 maintenance on', 'web2 maintenance on', 'web1 maintenance off']);
    expect(out.hosts.map((h) => [h.name, h.result])).toEqual([
      ['web1', 'rolled-back'],
      ['web2', 'failed'],
      ['web3', 'not-run'],
    ]);
    expect(out.error?.message).toBe('maintenance failed on web2: Caddy refused the config');
    expect(out.error?.state).toContain('not touched: web3');
  });
});

const row = (id: string, commit: string | null, live: boolean, ref = 'v3'): ReleaseRow => ({
  id,
  commit,
  ref,
  builtAt: null,
  status: 'built',
  colors: live ? ['green'] : [],
  live,
});

describe('do the hosts agree', () => {
  it('the same commit live everywhere agrees, whatever each release is called there', () => {
    const a = releasesAgreement([
      { name: 'web1', releases: [row('20261203-101500', 'aaaa', false, 'v2'), row('20261203-111500', 'c0ffee1234567890', true)] },
      { name: 'web2', releases: [row('20261203-111533', 'c0ffee1234567890', true)] },
    ]);
    expect(a.agree).toBe(true);
    expect(a.summary).toBe('agree: every host serves c0ffee123456 (v3).');
    expect(a.live.map((l) => l.id)).toEqual(['20261203-111500', '20261203-111533']);
  });

  it('another commit live on one host, a host without anything live, a host that did not answer: each named', () => {
    const a = releasesAgreement([
      { name: 'web1', releases: [row('r1', 'c0ffee1234567890', true)] },
      { name: 'web2', releases: [row('r2', 'beef00001234567', true, 'v2')] },
      { name: 'web3', releases: [row('r3', 'c0ffee1234567890', true)] },
      { name: 'web4', releases: [] },
      { name: 'web5', releases: null, error: 'ssh: Connection refused' },
    ]);
    expect(a.agree).toBe(false);
    expect(a.summary).toBe(
      'DISAGREE: web1, web3 serve c0ffee123456 (v3); web2 serves beef00001234 (v2); web4 serves nothing live; web5 did not answer.',
    );
    expect(releasesAgreement([{ name: 'web1', releases: null }]).agree).toBe(false);
  });
});

describe('the journal of a fleet run', () => {
  const base = { run: 'k1-42', pid: 42, user: 'root', command: 'maintenance', ref: 'on', order: [['web1', 'web2'], ['web3']] };
  const at = new Date('2026-12-03T10:00:00.000Z');

  it('the start line holds the order; the end line each host, its result and duration', () => {
    expect(fleetJournalStart(base, at)).toMatchObject({
      result: 'started',
      command: 'maintenance',
      fleet: { order: base.order, hosts: [] },
    });
    const hosts = [
      { name: 'web1', result: 'done' as const, ms: 812.4 },
      { name: 'web2', result: 'done' as const, ms: 790 },
      { name: 'web3', result: 'done' as const, ms: 1040 },
    ];
    const end = fleetJournalEnd(base, hosts, undefined, 2100.7, at);
    expect(end).toEqual({
      run: 'k1-42',
      pid: 42,
      user: 'root',
      command: 'maintenance',
      ref: 'on',
      time: '2026-12-03T10:00:00.000Z',
      result: 'ok',
      fleet: {
        order: base.order,
        hosts: [
          { name: 'web1', result: 'done', ms: 812 },
          { name: 'web2', result: 'done', ms: 790 },
          { name: 'web3', result: 'done', ms: 1040 },
        ],
      },
      ms: 2101,
      steps: [],
    });
    expect(formatFleetRuns([end])).toBe(
      '2026-12-03T10:00:00.000Z  root     maintenance on           ok  2.10 s  web1 done 812 ms + web2 done 790 ms → web3 done 1.04 s\n',
    );
  });

  it('a failed host: rolled-back when every host is back, rollback-failed when one needs a hand', () => {
    const hosts = [
      { name: 'web1', result: 'rolled-back' as const, ms: 800 },
      { name: 'web2', result: 'failed' as const, ms: 300, step: 'health-gate-green', message: 'unhealthy' },
      { name: 'web3', result: 'not-run' as const, ms: 0 },
    ];
    const back = fleetJournalEnd(base, hosts, new FailedError('deploy failed on web2', { code: 'fleet-host-failed' }), 1200, at);
    expect(back).toMatchObject({ result: 'rolled-back', failedStep: 'web2: health-gate-green', error: 'deploy failed on web2' });
    const half = fleetJournalEnd(base, hosts, new HalfDoneError('x', { code: 'fleet-half-done' }), 1200, at);
    expect(half.result).toBe('rollback-failed');
    expect(formatFleetRuns([back])).toMatch(
      /rolled-back at web2: health-gate-green {2}1\.20 s {2}web1 rolled-back 800 ms \+ web2 failed 300 ms → web3 not-run$/m,
    );
    // a single host's own runs in the same journal are not fleet runs
    expect(formatFleetRuns([{ ...back, fleet: undefined }])).toBe('no fleet runs recorded on this machine\n');
  });
});

describe('--host', () => {
  const refused = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e as BgError;
    }
    throw new Error('not refused');
  };

  it('names one host of the fleet; an unknown name, none, or --host without hosts is refused (exit 2) with the list', () => {
    const cfg = cfgOf(['web1', 'web2', 'web3'], 'web3');
    expect(hostNamed(cfg, 'web2', 'logs')?.ssh).toBe('deploy@web2.example.com');
    const unknown = refused(() => hostNamed(cfg, 'web9', 'logs'));
    expect(unknown.message).toBe('No host named web9 in /srv/shop/bg.yml: its hosts are web1, web2, web3.');
    expect(unknown.exitCode).toBe(2);
    expect(refused(() => hostNamed(cfg, undefined, 'run')).message).toBe(
      'run reaches one host at a time, and /srv/shop/bg.yml lists 3: web1, web2, web3.',
    );
    expect(refused(() => hostNamed(cfgOf(undefined), 'web1', 'logs')).code).toBe('host-without-fleet');
    expect(hostNamed(cfgOf(undefined), undefined, 'logs')).toBeUndefined();
  });

  it('runs bg there with that host config, a terminal there only when asked', () => {
    const host = cfgOf(['web1']).hosts![0];
    expect(onHost({ BG_SSH: '/opt/ssh' }, host, ['run', '--', 'python3', 'manage.py', 'shell'], true)).toEqual({
      cmd: '/opt/ssh',
      args: [
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=10',
        '-t',
        'deploy@web1.example.com',
        'bluegreen --config /etc/bg/shop.yml run -- python3 manage.py shell',
      ],
    });
    expect(onHost({}, host, ['logs', '-n', '5'], false).args).not.toContain('-t');
  });
});
