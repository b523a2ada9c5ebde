// A rolling run across hosts, against stand-in hosts: the order, the rollback of the hosts already
// done at the first failure, exit 4 only when a rollback fails, the checks before anything runs.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { FleetHost } from '../../src/config/types.js';
import { BgError, EXIT } from '../../src/errors.js';
import { rollingBatches } from '../../src/fleet/order.js';
import { checkFleet, statusOfAll } from '../../src/fleet/preflight.js';
import type { RemoteBg, RemoteEvent, RemoteResult } from '../../src/fleet/remote.js';
import { runRolling } from '../../src/fleet/rolling.js';
import type { BgEvent, StatusReport } from '../../src/protocol/events.js';
import { bgVersion } from '../../src/protocol/version.js';
import { parseOutput } from '../../src/protocol/wire.js';
import { makeJsonWriter } from '../../src/protocol/writer.js';

const hostsYaml = (names: string[], celery?: string) =>
  `hosts:\n${names.map((n) => `  - { name: ${n}, ssh: deploy@${n}.example.com, config: /etc/bg/shop.yml }`).join('\n')}\n${celery ? `celery_host: ${celery}\n` : ''}`;
const cfgOf = (names: string[], celery?: string) =>
  parseConfig(
    `app: shop\nrepo: /srv/git/shop.git\nroot: /srv/shop\nweb:\n  wsgi: shop.wsgi:application\n  ports: { blue: 8000, green: 8100 }\ncaddy:\n  site: ":8080"\n${hostsYaml(names, celery)}`,
    {
      configPath: '/srv/shop/bg.yml',
      scope: 'system',
      env: {},
      homedir: '/root',
    },
  );

/** What a host's bg prints with --json, through bg's own writer; `bg: null` prints as a bg from before the protocol did. */
function output(events: BgEvent[], bg: string | null = bgVersion): string {
  if (bg === null) return events.map((e) => JSON.stringify(e, null, 2)).join('\n');
  let text = '';
  const write = makeJsonWriter((t) => (text += t), bg);
  for (const e of events) write(e);
  return text;
}

const statusOf = (units: StatusReport['units']): StatusReport => ({
  app: 'shop',
  scope: 'system',
  active: 'blue',
  maintenance: false,
  upstream: { file: '/srv/shop/upstream.txt', port: 8000, caddy: null, mismatch: false },
  problems: [],
  units,
  memory: { colors: { blue: null, green: null }, headroom: null, need: null, fits: null },
  releases: {},
  lastDeploy: null,
  lastLog: null,
  warnings: [],
});

/**
 * Hosts that answer as told: `fail` maps "host command" to an exit code (and bg's error event);
 * `versions` gives a host another bg version (null: one from before the versioned protocol).
 * Their output goes through bg's writer and is read back with the parser the ssh adapter uses.
 */
class FakeHosts implements RemoteBg {
  readonly calls: string[] = [];
  constructor(
    private readonly fail: Record<string, { exitCode: number; step?: string; message?: string }> = {},
    private readonly celeryOn: string[] = [],
    private readonly versions: Record<string, string | null> = {},
  ) {}
  private answer(host: FleetHost, exitCode: number, events: BgEvent[], onEvent?: (e: RemoteEvent) => void): RemoteResult {
    const stdout = output(events, host.name in this.versions ? this.versions[host.name] : bgVersion);
    const parsed = parseOutput(stdout);
    for (const e of parsed.events) onEvent?.(e);
    return { exitCode, header: parsed.header, events: parsed.events, stdout, stderr: '' };
  }
  commandFor(host: FleetHost, args: string[]) {
    return `ssh ${host.ssh} bluegreen --config ${host.config} ${args.join(' ')}`;
  }
  async run(host: FleetHost, args: string[], onEvent?: (e: RemoteEvent) => void): Promise<RemoteResult> {
    const command = args.filter((a) => a !== '--json')[0];
    this.calls.push(`${host.name} ${command}`);
    const f = this.fail[`${host.name} ${command}`];
    if (command === 'status' && !f) {
      const units = this.celeryOn.includes(host.name)
        ? [{ name: 'shop-worker-blue.service', active: 'active', load: 'loaded', sub: 'running', pid: 10, since: null, memory: null }]
        : [];
      return this.answer(host, 0, [{ event: 'status', ...statusOf(units) }]);
    }
    if (!f) return this.answer(host, 0, [{ event: 'step', step: 'switch-to-green', status: 'done', ms: 12 }], onEvent);
    if (f.exitCode === 255)
      return { exitCode: 255, events: [], stdout: '', stderr: `ssh: connect to host ${host.ssh} port 22: Connection refused\n` };
    const error: BgEvent = {
      event: 'error',
      error: 'BgError',
      code: 'health-failed',
      step: f.step,
      message: f.message ?? 'failed',
      state: 'The old version still serves.',
      exitCode: f.exitCode,
    };
    return this.answer(host, f.exitCode, [error], onEvent);
  }
}

const deploy = { command: 'deploy' as const, args: ['deploy', 'v2'], undoArgs: ['rollback'], parallel: 1 };
const quiet = () => {};

describe('rolling across hosts', () => {
  it('goes host by host as listed, the Celery host last; --parallel batches the web hosts', () => {
    const hosts = cfgOf(['web1', 'web2', 'web3', 'web4'], 'web1').hosts!;
    expect(rollingBatches(hosts, 'web1', 1).map((b) => b.map((h) => h.name))).toEqual([['web2'], ['web3'], ['web4'], ['web1']]);
    expect(rollingBatches(hosts, 'web1', 2).map((b) => b.map((h) => h.name))).toEqual([['web2', 'web3'], ['web4'], ['web1']]);
    expect(rollingBatches(hosts, undefined, 3).map((b) => b.map((h) => h.name))).toEqual([['web1', 'web2', 'web3'], ['web4']]);
  });

  it('deploys every host once, in that order', async () => {
    const remote = new FakeHosts();
    const seen: string[] = [];
    const out = await runRolling(cfgOf(['web1', 'web2', 'web3'], 'web1'), deploy, remote, (h, e) =>
      seen.push(`${h} ${'step' in e ? e.step : e.event}`),
    );
    expect(out.error).toBeUndefined();
    expect(remote.calls).toEqual(['web2 deploy', 'web3 deploy', 'web1 deploy']);
    expect(out.hosts.map((h) => [h.name, h.result])).toEqual([
      ['web1', 'done'],
      ['web2', 'done'],
      ['web3', 'done'],
    ]);
    expect(seen).toContain('web2 switch-to-green');
  });

  it('a failure on host 3 rolls hosts 2 and 1 back through their own rollback, newest first; exit 1 names host and step', async () => {
    const remote = new FakeHosts({ 'web3 deploy': { exitCode: 1, step: 'health-gate-green', message: 'Health check never passed' } });
    const out = await runRolling(cfgOf(['web1', 'web2', 'web3', 'web4']), deploy, remote, quiet);
    expect(remote.calls).toEqual(['web1 deploy', 'web2 deploy', 'web3 deploy', 'web2 rollback', 'web1 rollback']);
    expect(out.error?.exitCode).toBe(EXIT.deployFailed);
    expect(out.error?.message).toBe('deploy failed on web3 at health-gate-green: Health check never passed');
    expect(out.error?.state).toContain('rolled back: web1, web2');
    expect(out.error?.state).toContain('not touched: web4');
    expect(out.hosts.map((h) => h.result)).toEqual(['rolled-back', 'rolled-back', 'failed', 'not-run']);
  });

  it('exit 4 only when a rollback fails, with the exact command for that host', async () => {
    const remote = new FakeHosts({
      'web3 deploy': { exitCode: 1, step: 'switch-to-green' },
      'web1 rollback': { exitCode: 1, message: 'Caddy refused' },
    });
    const out = await runRolling(cfgOf(['web1', 'web2', 'web3']), deploy, remote, quiet);
    expect(out.error?.exitCode).toBe(EXIT.attention);
    expect(out.error?.state).toContain('rollback FAILED on: web1');
    expect(out.error?.next).toContain('ssh deploy@web1.example.com bluegreen --config /etc/bg/shop.yml rollback');
  });

  it('a host whose own undo failed (its exit 4) is exit 4 for the fleet too', async () => {
    const remote = new FakeHosts({ 'web2 deploy': { exitCode: 4, step: 'switch-to-green' } });
    const out = await runRolling(cfgOf(['web1', 'web2']), deploy, remote, quiet);
    expect(out.error?.exitCode).toBe(EXIT.attention);
    expect(out.error?.state).toContain('web2: half switched');
  });

  it('an unreachable host fails the run before anything changes, naming it', async () => {
    const cfg = cfgOf(['web1', 'web2', 'web3'], 'web1');
    const remote = new FakeHosts({ 'web2 status': { exitCode: 255 } }, ['web1']);
    let err: unknown;
    try {
      checkFleet(cfg, await statusOfAll(cfg, remote), 'deploy');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BgError);
    expect((err as BgError).message).toBe(
      'deploy stopped before it began: a host does not answer: web2 (deploy@web2.example.com): ssh: connect to host deploy@web2.example.com port 22: Connection refused',
    );
    expect((err as BgError).state).toBe('Nothing was changed on any host.');
    expect(remote.calls.filter((c) => !c.endsWith('status'))).toEqual([]);
  });

  it('refuses (exit 2) when Celery is set up on a host that is not the Celery host', async () => {
    const cfg = cfgOf(['web1', 'web2'], 'web1');
    const seen = await statusOfAll(cfg, new FakeHosts({}, ['web1', 'web2']));
    expect(() => checkFleet(cfg, seen, 'deploy')).toThrow(/Celery is set up on web2, but celery_host is web1/);
  });
});

describe('the same bg on every host', () => {
  const refusal = async (cfg: ReturnType<typeof cfgOf>, remote: FakeHosts) => {
    try {
      checkFleet(cfg, await statusOfAll(cfg, remote), 'deploy');
    } catch (e) {
      return e as BgError;
    }
    throw new Error('checkFleet let the run start');
  };

  it('refuses (exit 2) before anything runs when hosts run another bg version, naming each, its version and the command that upgrades it', async () => {
    const cfg = parseConfig(
      `app: shop\nrepo: /r\nroot: /srv/shop\nweb:\n  wsgi: a:b\n  ports: { blue: 8000, green: 8100 }\ncaddy:\n  site: ":8080"\nhosts:\n  - { name: web1, ssh: deploy@web1.example.com, config: /etc/bg/shop.yml }\n  - { name: web2, ssh: deploy@web2.example.com, port: 2222, config: /etc/bg/shop.yml }\n  - { name: web3, ssh: deploy@web3.example.com, config: /etc/bg/shop.yml }\n`,
      { configPath: '/srv/shop/bg.yml', scope: 'system', env: {}, homedir: '/root' },
    );
    const remote = new FakeHosts({}, [], { web2: '0.0.9', web3: null });
    const err = await refusal(cfg, remote);
    expect(err).toBeInstanceOf(BgError);
    expect(err.exitCode).toBe(EXIT.usage);
    expect(err.code).toBe('fleet-version-mismatch');
    expect(err.message).toBe(
      `deploy stopped before it began: 2 hosts run another bg than this machine (bg ${bgVersion}, protocol 1): web2 (deploy@web2.example.com) runs bg 0.0.9 (protocol 1); web3 (deploy@web3.example.com) runs a bg from before the versioned --json protocol`,
    );
    expect(err.state).toBe('Nothing was changed on any host.');
    expect(err.next).toContain(
      `scp -P 2222 bluegreen-deploy-${bgVersion}.tgz deploy@web2.example.com: && ssh -p 2222 deploy@web2.example.com sudo npm install -g ./bluegreen-deploy-${bgVersion}.tgz`,
    );
    expect(err.next).toContain(`ssh deploy@web3.example.com sudo npm install -g ./bluegreen-deploy-${bgVersion}.tgz`);
    expect(err.next).not.toContain('web1');
    expect(remote.calls).toEqual(['web1 status', 'web2 status', 'web3 status']);
  });

  it('refuses a host that speaks another protocol version even with the same bg version', async () => {
    const cfg = cfgOf(['web1', 'web2']);
    const seen = await statusOfAll(cfg, new FakeHosts());
    seen[1].result.header = { v: 2, bg: bgVersion };
    expect(() => checkFleet(cfg, seen, 'deploy')).toThrow(`web2 (deploy@web2.example.com) runs bg ${bgVersion} (protocol 2)`);
  });

  it('lets the run start when every host runs this bg, and reads each host status through the protocol', async () => {
    const cfg = cfgOf(['web1', 'web2'], 'web1');
    const seen = await statusOfAll(cfg, new FakeHosts({}, ['web1']));
    expect(seen.map((s) => [s.host.name, s.result.header?.bg, s.status?.active])).toEqual([
      ['web1', bgVersion, 'blue'],
      ['web2', bgVersion, 'blue'],
    ]);
    expect(seen[0].status).not.toHaveProperty('event');
    expect(() => checkFleet(cfg, seen, 'deploy')).not.toThrow();
  });

  it('an unreachable host is still reported as not answering, not as another version', async () => {
    const cfg = cfgOf(['web1', 'web2']);
    const remote = new FakeHosts({ 'web2 status': { exitCode: 255 } });
    const err = await refusal(cfg, remote);
    expect(err.code).toBe('fleet-host-unreachable');
  });
});

describe('hosts in bg.yml', () => {
  it('celery_host must name one of the hosts; names are unique; ssh targets cannot be options', () => {
    expect(() => cfgOf(['web1', 'web2'], 'web9')).toThrow(/celery_host: web9 is not one of the hosts \(web1, web2\)/);
    expect(() => cfgOf(['web1', 'web1'])).toThrow(/hosts: the name web1 is used twice/);
    expect(() =>
      parseConfig(
        `app: shop\nrepo: /r\nroot: /srv/shop\nweb:\n  wsgi: a:b\n  ports: { blue: 8000, green: 8100 }\ncaddy:\n  site: ":8080"\nhosts:\n  - { name: web1, ssh: "-oProxyCommand=x", config: /etc/bg/shop.yml }\n`,
        {
          configPath: '/srv/shop/bg.yml',
          scope: 'system',
          env: {},
          homedir: '/root',
        },
      ),
    ).toThrow(/hosts\[0\]\.ssh: must be an ssh destination/);
    expect(cfgOf(['web1'], 'web1').hosts).toEqual([{ name: 'web1', ssh: 'deploy@web1.example.com', config: '/etc/bg/shop.yml' }]);
  });
});
