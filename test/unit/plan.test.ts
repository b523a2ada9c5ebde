import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { BgError } from '../../src/errors.js';
import type { HostState, ObservedUnit, ReleaseRecord } from '../../src/host/host-state.js';
import { planCleanup, releasesToPrune } from '../../src/plan/cleanup-plan.js';
import { planDeploy } from '../../src/plan/deploy-plan.js';
import { planSetup } from '../../src/plan/setup-plan.js';
import { describeAction, type Plan } from '../../src/plan/step.js';
import { MINIMAL_YAML } from '../support/sample-config.js';

const base = MINIMAL_YAML;
const celery = `celery:\n  app: shop\n  beat: true\n`;
const cfgOf = (extra = '') => parseConfig(base + extra, { configPath: '/srv/shop/bg.yml', scope: 'system', env: {}, homedir: '/root' });

const unit = (name: string, activeState: string): ObservedUnit => ({
  name,
  loadState: 'loaded',
  activeState,
  subState: '',
  mainPid: activeState === 'active' ? 42 : 0,
});
function host(over: Partial<HostState> = {}): HostState {
  return {
    upstreamFile: over.active ? 'ok' : 'missing',
    units: {},
    colors: { blue: { linked: true }, green: { linked: true } },
    changedFiles: [],
    listening: [],
    caddyUpstreams: [],
    ...over,
  };
}
const names = (p: Plan) => p.steps.map((s) => s.name);

describe('planSetup', () => {
  it('brings blue up behind the health gate before switching', () => {
    const p = planSetup(cfgOf(), host({ changedFiles: ['x'] }));
    expect(names(p)).toEqual([
      'ensure-user-shop',
      'ensure-dirs',
      'checkout-blue',
      'point-blue',
      'install-files',
      'start-web-blue',
      'health-gate-blue',
      'enable-web-blue',
      'switch-to-blue',
    ]);
    expect(p.steps.find((s) => s.name === 'start-web-blue')?.undo).toEqual({
      kind: 'stop',
      unit: 'shop-web-blue.service',
      drainPort: 8000,
    });
    expect(p.steps.find((s) => s.name === 'switch-to-blue')?.undo).toEqual({ kind: 'switch-back' });
  });

  it('is empty when already set up and every file is current', () => {
    const p = planSetup(cfgOf(), host({ active: 'blue', units: { 'shop-web-blue.service': unit('shop-web-blue.service', 'active') } }));
    expect(p.steps).toEqual([]);
    expect(p.notes.join(' ')).toMatch(/Nothing to do/);
  });

  it('drains, stops and disables a running legacy unit only after the switch', () => {
    const cfg = cfgOf('legacy_unit: shop.service\n');
    const p = planSetup(cfg, host({ units: { 'shop.service': unit('shop.service', 'active') }, caddyUpstreams: ['127.0.0.1:9000'] }));
    const n = names(p);
    expect(n.indexOf('switch-to-blue')).toBeLessThan(n.indexOf('drain-legacy'));
    expect(n.indexOf('drain-legacy')).toBeLessThan(n.indexOf('stop-legacy'));
    expect(p.steps.find((s) => s.name === 'drain-legacy')?.action).toEqual({ kind: 'drain', ports: [9000] });
    expect(n).toContain('disable-legacy');
  });

  it('django: a first setup checks the migration plan without refusing anything (nothing serves yet); beside a running legacy unit it guards that unit', () => {
    const migrationPlan = (p: Plan) => p.steps.find((s) => s.action.kind === 'migration-plan')?.action;
    const django = 'django:\n  manage: manage.py\n';
    expect(migrationPlan(planSetup(cfgOf(django), host()))).toEqual({
      kind: 'migration-plan',
      release: expect.any(String),
      guard: { serving: 'nothing' },
      user: 'shop',
    });
    const legacy = planSetup(
      cfgOf(`${django}legacy_unit: shop.service\n`),
      host({ units: { 'shop.service': unit('shop.service', 'active') }, caddyUpstreams: ['127.0.0.1:9000'] }),
    );
    expect(migrationPlan(legacy)).toMatchObject({ guard: { serving: 'legacy', unit: 'shop.service' } });
    const stopped = planSetup(
      cfgOf(`${django}legacy_unit: shop.service\n`),
      host({ units: { 'shop.service': unit('shop.service', 'inactive') } }),
    );
    expect(migrationPlan(stopped)).toMatchObject({ guard: { serving: 'nothing' } });
    // a deploy guards the live color
    const deploy = planDeploy(
      cfgOf(django),
      host({ active: 'blue', units: { 'shop-web-blue.service': unit('shop-web-blue.service', 'active') } }),
      { ref: 'main' },
    );
    expect(migrationPlan(deploy)).toMatchObject({ guard: { serving: 'live', allowDestructive: false } });
  });

  it("refuses when Caddy does not answer, or blue's port is taken", () => {
    expect(() => planSetup(cfgOf(), host({ caddyUpstreams: undefined }))).toThrow(/admin API/);
    expect(() => planSetup(cfgOf(), host({ listening: [8000] }))).toThrow(/8000.*in use/);
  });
});

describe('planDeploy', () => {
  it('follows the documented deploy order, without Celery steps when there is no celery block', () => {
    const p = planDeploy(cfgOf(), host({ active: 'blue' }), { ref: 'dev' });
    expect(p).toMatchObject({ command: 'deploy', from: 'blue', to: 'green' });
    expect(names(p)).toEqual([
      'checkout-green',
      'point-green',
      'install-green-units',
      'start-web-green',
      'health-gate-green',
      'enable-web-green',
      'switch-to-green',
      'drain-blue',
      'stop-web-blue',
      'disable-web-blue',
    ]);
    expect(p.steps.find((s) => s.name === 'stop-web-blue')?.action).toEqual({ kind: 'stop', unit: 'shop-web-blue.service', wait: false });
    expect(p.steps.find((s) => s.name === 'drain-blue')?.action).toEqual({ kind: 'drain', ports: [8000], forgetSockets: 'green' });
  });

  it('gates Celery: the old beat and worker stop once the new web is healthy, the new ones start right after the switch', () => {
    const p = planDeploy(cfgOf(`${celery}build: ["pip install -r requirements.txt"]\n`), host({ active: 'green' }), { ref: 'main' });
    const n = names(p);
    expect(n).toEqual([
      'checkout-blue',
      'build-blue',
      'point-blue',
      'install-blue-units',
      'check-broker',
      'start-web-blue',
      'health-gate-blue',
      'stop-beat-green',
      'stop-worker-green',
      'disable-celery-green',
      'enable-web-blue',
      'switch-to-blue',
      'start-worker-blue',
      'start-beat-blue',
      'enable-celery-blue',
      'drain-green',
      'stop-web-green',
      'disable-web-green',
    ]);
  });

  it("builds the venv before the build hands the release to the app's user (root reads the requirements while the release is root's)", () => {
    const p = planDeploy(cfgOf('build: ["make"]\nrelease: ["make migrate"]\nvenv: {}\n'), host({ active: 'blue' }), { ref: 'x' });
    expect(names(p).slice(0, 6)).toEqual([
      'checkout-green',
      'venv-green',
      'build-green',
      'backup-db-green',
      'release-green',
      'point-green',
    ]);
    expect(p.steps.find((s) => s.name === 'build-green')?.action).toMatchObject({ user: 'shop' });
  });

  it('links the shared paths after the venv and before the build (root never reads the release through them)', () => {
    const p = planDeploy(
      cfgOf('build: ["make"]\nrelease: ["make migrate"]\nvenv: {}\nshared_dirs: [logs]\nshared_files: [db.sqlite3]\n'),
      host({ active: 'blue' }),
      { ref: 'x' },
    );
    expect(names(p).slice(0, 7)).toEqual([
      'checkout-green',
      'venv-green',
      'link-shared-green',
      'build-green',
      'backup-db-green',
      'release-green',
      'point-green',
    ]);
    expect(p.steps[2].action).toEqual({ kind: 'link-shared', release: p.release, dirs: ['logs'], files: ['db.sqlite3'] });
  });

  it('release commands of no framework bg reads: the plan says bg cannot check them; with django: the guard reads the serving release', () => {
    const p = planDeploy(cfgOf('release: ["make migrate"]\n'), host({ active: 'blue' }), { ref: 'x' });
    const release = p.steps.find((s) => s.name === 'release-green')!;
    expect(describeAction(release.action)).toContain('bg cannot check what these do to the database');
    const d = planDeploy(cfgOf('release: ["make migrate"]\ndjango: {}\n'), host({ active: 'blue' }), { ref: 'x' });
    expect(describeAction(d.steps.find((s) => s.name === 'release-green')!.action)).not.toContain('cannot check');
    expect(d.steps.find((s) => s.name === 'migration-plan-green')?.action).toMatchObject({
      guard: { serving: 'live', allowDestructive: false, release: host({ active: 'blue' }).colors.blue.release },
    });
  });

  it('undoes in an order that never runs two workers or two beats', () => {
    const p = planDeploy(cfgOf(celery), host({ active: 'blue' }), { ref: 'x' });
    // simulate a failure at the very last step: replay every undo in reverse and track what runs
    const running = new Set(['shop-worker-blue.service', 'shop-beat-blue.service', 'shop-web-blue.service']);
    let maxWorkers = 0;
    let maxBeats = 0;
    const apply = (a: { kind: string; unit?: string }) => {
      if (a.kind === 'start' && a.unit) running.add(a.unit);
      if (a.kind === 'stop' && a.unit) running.delete(a.unit);
      maxWorkers = Math.max(maxWorkers, [...running].filter((u) => u.includes('-worker-')).length);
      maxBeats = Math.max(maxBeats, [...running].filter((u) => u.includes('-beat-')).length);
    };
    for (const s of p.steps) apply(s.action);
    for (const s of [...p.steps].reverse()) if (s.undo) apply(s.undo);
    expect(maxWorkers).toBe(1);
    expect(maxBeats).toBe(1);
    expect([...running].sort()).toEqual(['shop-beat-blue.service', 'shop-web-blue.service', 'shop-worker-blue.service']);
  });

  it('stops an idle color left running before booting the new code into it', () => {
    const p = planDeploy(
      cfgOf(),
      host({ active: 'blue', units: { 'shop-web-green.service': unit('shop-web-green.service', 'active') }, listening: [8000, 8100] }),
      { ref: 'x' },
    );
    expect(names(p)[0]).toBe('stop-stale-shop-web-green');
  });

  it('lets a stop still finishing from the previous deploy end before starting that color', () => {
    // its Gunicorn may still hold the port: that is not "another process"
    const p = planDeploy(
      cfgOf(),
      host({
        active: 'blue',
        units: { 'shop-web-green.service': unit('shop-web-green.service', 'deactivating') },
        listening: [8000, 8100],
      }),
      { ref: 'x' },
    );
    expect(p.steps[0]).toEqual({ name: 'finish-stop-shop-web-green', action: { kind: 'stop', unit: 'shop-web-green.service' } });
    expect(names(p).indexOf('start-web-green')).toBeGreaterThan(0);
  });

  it('alembic: the revisions are checked right before release; a rollback checks the schema first and, with --migrate-back, downgrades in the maintenance window before the older web starts', () => {
    const alembic = cfgOf('release: ["flask db upgrade"]\nalembic:\n  command: flask db\n');
    const deploy = names(planDeploy(alembic, host({ active: 'blue' }), { ref: 'v2' }));
    expect(deploy.slice(0, 4)).toEqual(['checkout-green', 'alembic-plan-green', 'backup-db-green', 'release-green']);
    const colors = {
      blue: { release: 'r2', linked: true, commit: 'b'.repeat(40) },
      green: { release: 'r1', linked: true, commit: 'a'.repeat(40) },
    };
    const back = (migrateBack: boolean) => planDeploy(alembic, host({ active: 'blue', colors }), { rollback: true, migrateBack });
    expect(names(back(false)).slice(0, 2)).toEqual(['alembic-rollback-green', 'install-green-units']);
    const withBack = back(true);
    expect(names(withBack).slice(0, 7)).toEqual([
      'alembic-rollback-green',
      'install-green-units',
      'backup-db-green',
      'maintenance-on',
      'drain-blue-before-schema',
      'alembic-migrate-back-green',
      'start-web-green',
    ]);
    expect(withBack.steps.find((s) => s.name === 'alembic-migrate-back-green')).toMatchObject({
      action: { kind: 'alembic-migrate-back', newer: 'r2', older: 'r1', user: 'shop' },
      undo: { kind: 'alembic-upgrade', release: 'r2', user: 'shop' },
    });
    expect(names(withBack).indexOf('maintenance-off')).toBe(names(withBack).indexOf('switch-to-green') + 1);
    // deploy <older ref> --migrate-back: the same check after the build (test/unit/way-back-plan.test.ts)
    expect(names(planDeploy(alembic, host({ active: 'blue', colors }), { ref: 'v1', migrateBack: true }))).toContain(
      'alembic-migrate-back-green',
    );
  });

  it('rollback skips checkout and build, and needs a release to go back to', () => {
    const p = planDeploy(
      cfgOf('build: ["true"]\n'),
      host({ active: 'green', colors: { blue: { release: 'r1', linked: true, commit: 'a'.repeat(40) }, green: { linked: true } } }),
      {
        rollback: true,
      },
    );
    expect(names(p)[0]).toBe('install-blue-units');
    expect(names(p)).not.toContain('build-blue');
    expect(() => planDeploy(cfgOf(), host({ active: 'green' }), { rollback: true })).toThrow(/Nothing to roll back/);
  });

  it('refuses a host that was never set up', () => {
    expect(() => planDeploy(cfgOf(), host(), { ref: 'x' })).toThrow(BgError);
  });
});

describe('releasesToPrune', () => {
  const rel = (id: string, status: ReleaseRecord['status'] = 'built'): ReleaseRecord => ({ id, status, createdAt: id });
  it('keeps the newest keep_releases built ones and whatever a color holds; removes the rest, failed ones first', () => {
    const releases = [rel('r6'), rel('r5', 'failed'), rel('r4'), rel('r3'), rel('r2', 'building'), rel('r1')];
    const h = host({ active: 'blue', releases, colors: { blue: { release: 'r6', linked: true }, green: { release: 'r1', linked: true } } });
    expect(releasesToPrune(cfgOf('keep_releases: 2\n'), h)).toEqual(['r5', 'r3', 'r2']);
    expect(releasesToPrune(cfgOf(), h)).toEqual(['r5', 'r2']);
  });
});

describe('planCleanup', () => {
  it('stops what the idle color still runs and disables its units', () => {
    const cfg = cfgOf(celery);
    const p = planCleanup(cfg, host({ active: 'green', units: { 'shop-web-blue.service': unit('shop-web-blue.service', 'active') } }));
    expect(names(p)).toEqual(['stop-shop-web-blue', 'disable-blue']);
    expect(p.steps[1].action).toEqual({
      kind: 'disable',
      units: ['shop-web-blue.service', 'shop-worker-blue.service', 'shop-beat-blue.service'],
    });
  });

  it('removes the database copies beyond keep_backups, oldest first, naming them; an unreadable backups dir is a warning', () => {
    const cfg = cfgOf('keep_backups: 2\n');
    const backups = ['c', 'a', 'd', 'b'].map((n) => ({ name: `${n}.sqlite3`, mtimeMs: n.charCodeAt(0) }));
    const p = planCleanup(cfg, host({ active: 'green', backups }));
    expect(p.steps.at(-1)).toEqual({ name: 'prune-backups', action: { kind: 'prune-backups', files: ['a.sqlite3', 'b.sqlite3'] } });
    expect(describeAction(p.steps.at(-1)!.action)).toBe(
      'remove the database copies beyond keep_backups, with their notes: backups/a.sqlite3, backups/b.sqlite3',
    );
    expect(names(planCleanup(cfg, host({ active: 'green', backups: backups.slice(0, 2) })))).not.toContain('prune-backups');
    const unreadable = planCleanup(cfg, host({ active: 'green', backups: { unreadable: '/srv/shop/backups is a symbolic link' } }));
    expect(names(unreadable)).not.toContain('prune-backups');
    expect(unreadable.notes[0]).toBe('warning: database copies not pruned: /srv/shop/backups is a symbolic link');
  });
});

describe('kernel setting for Caddy reloads', () => {
  it('system scope: setup turns net.ipv4.tcp_migrate_req on first', () => {
    const p = planSetup(cfgOf(), host({ tcpMigrateReq: false }));
    expect(p.steps[0]?.action).toMatchObject({ kind: 'sysctl', name: 'net.ipv4.tcp_migrate_req', value: '1' });
  });
  it('user scope: setup and deploy only warn', () => {
    const cfg = parseConfig(base, { configPath: '/x/bg.yml', scope: 'user', env: {}, homedir: '/home/u' });
    const p = planSetup(cfg, host({ tcpMigrateReq: false }));
    expect(p.steps.some((s) => s.action.kind === 'sysctl')).toBe(false);
    expect(p.notes.join(' ')).toContain('tcp_migrate_req');
    expect(planDeploy(cfg, host({ active: 'blue', tcpMigrateReq: false }), { ref: 'x' }).notes.join(' ')).toContain('tcp_migrate_req');
  });
  it('nothing to do when it is on or the kernel lacks it', () => {
    expect(planSetup(cfgOf(), host({ tcpMigrateReq: true })).steps[0]?.name).toBe('ensure-user-shop');
    expect(planSetup(cfgOf(), host({ tcpMigrateReq: undefined })).steps[0]?.name).toBe('ensure-user-shop');
  });
});

describe('cut-off runs', () => {
  it('cleanup is refused while the upstream file and Caddy disagree: it would stop the color Caddy serves', () => {
    const h = host({ active: 'green', upstreamPort: 8100, caddyUpstreams: ['127.0.0.1:8000'] });
    expect(() => planCleanup(cfgOf(), h)).toThrow(/says 127\.0\.0\.1:8100 but Caddy routes to 127\.0\.0\.1:8000/);
  });

  it('rollback will not put live a release that never served (a deploy cut off before its switch)', () => {
    const colors = {
      blue: { release: 'r2', linked: true, commit: 'b'.repeat(40) },
      green: { release: 'r1', linked: true, commit: 'a'.repeat(40) },
    };
    const releases: ReleaseRecord[] = [
      { id: 'r2', status: 'built' },
      { id: 'r1', status: 'built', servedAt: 't' },
    ];
    expect(() => planDeploy(cfgOf(), host({ active: 'green', colors, releases }), { rollback: true })).toThrow(/never served/);
    expect(planDeploy(cfgOf(), host({ active: 'blue', colors, releases }), { rollback: true }).release).toBe('r1');
  });
});

describe('preflight', () => {
  it('refuses a deploy when the upstream file and Caddy disagree (an earlier run was cut off)', () => {
    const h = host({ active: 'green', upstreamPort: 8100, caddyUpstreams: ['127.0.0.1:8000'] });
    expect(() => planDeploy(cfgOf(), h, { ref: 'x' })).toThrow(/says 127.0.0.1:8100 but Caddy routes to 127.0.0.1:8000/);
  });
});

describe('recovery through setup', () => {
  it('starts the active color units that are not running (an interrupted deploy stopped its Celery)', () => {
    const cfg = cfgOf(celery);
    const p = planSetup(
      cfg,
      host({
        active: 'blue',
        units: {
          'shop-web-blue.service': unit('shop-web-blue.service', 'active'),
          'shop-worker-blue.service': unit('shop-worker-blue.service', 'inactive'),
          'shop-beat-blue.service': unit('shop-beat-blue.service', 'inactive'),
        },
      }),
    );
    // started, and enabled so that a reboot brings them back (Celery added to a running install)
    expect(names(p)).toEqual(['check-broker', 'start-shop-worker-blue', 'start-shop-beat-blue', 'enable-blue']);
    expect(p.steps.at(-1)?.action).toEqual({ kind: 'enable', units: ['shop-worker-blue.service', 'shop-beat-blue.service'] });
  });
});

// A plan replayed on what is enabled and what the upstream file names: after every action (the
// switch counted as both before and after its write), and after every undo of a run that failed at
// any step, a reboot must start the web the file names and at most one color's worker and beat.
function rebootProblems(cfg: ReturnType<typeof cfgOf>, p: Plan, enabled0: string[], upstream0: 'blue' | 'green' | undefined): string[] {
  const problems: string[] = [];
  const webOf = (c: 'blue' | 'green') => `shop-web-${c}.service`;
  for (let failAt = 0; failAt <= p.steps.length; failAt++) {
    const enabled = new Set(enabled0);
    let upstream = upstream0;
    const stack: ('blue' | 'green' | undefined)[] = [];
    const check = (when: string) => {
      if (upstream && !enabled.has(webOf(upstream))) problems.push(`${when}: upstream names ${upstream}, its web is not enabled`);
      for (const kind of ['worker', 'beat'])
        if ([...enabled].filter((u) => u.includes(`-${kind}-`)).length > 1) problems.push(`${when}: two ${kind}s enabled`);
    };
    const apply = (a: Plan['steps'][number]['action'], when: string) => {
      if (a.kind === 'enable') for (const u of a.units) enabled.add(u);
      if (a.kind === 'disable') for (const u of a.units) enabled.delete(u);
      if (a.kind === 'switch') {
        stack.push(upstream);
        upstream = a.to;
      }
      if (a.kind === 'switch-back') upstream = stack.pop();
      check(when);
    };
    const begun = p.steps.slice(0, Math.min(failAt + 1, p.steps.length));
    for (const st of begun) apply(st.action, `${st.name}`);
    if (failAt === p.steps.length) continue;
    for (const st of [...begun].reverse()) if (st.undo) apply(st.undo, `undo of ${st.name} (failed at ${p.steps[failAt].name})`);
    void cfg;
  }
  return [...new Set(problems)];
}

describe('reboot-safe at every instant', () => {
  const blueUnits = ['shop-web-blue.service', 'shop-worker-blue.service', 'shop-beat-blue.service'];
  const colors = {
    blue: { release: 'r2', linked: true, commit: 'b'.repeat(40) },
    green: { release: 'r1', linked: true, commit: 'a'.repeat(40) },
  };
  const releases: ReleaseRecord[] = [
    { id: 'r2', status: 'built', servedAt: 't' },
    { id: 'r1', status: 'built', servedAt: 't' },
  ];
  for (const [what, extra] of [
    ['with Celery', celery],
    ['without Celery', ''],
  ] as const) {
    it(`deploy, rollback and restart ${what}: forward and every undo`, () => {
      const cfg = cfgOf(extra);
      const h = host({ active: 'blue', colors, releases });
      const on = extra ? blueUnits : blueUnits.slice(0, 1);
      for (const req of [{ ref: 'x' }, { rollback: true }, { restart: true }])
        expect(rebootProblems(cfg, planDeploy(cfg, h, req), on, 'blue'), JSON.stringify(req)).toEqual([]);
    });
    it(`first setup ${what}: forward and every undo`, () => {
      const cfg = cfgOf(extra);
      expect(rebootProblems(cfg, planSetup(cfg, host({ changedFiles: ['x'] })), [], undefined)).toEqual([]);
    });
    it(`first setup from a legacy unit ${what}: forward and every undo`, () => {
      const cfg = cfgOf(`${extra}legacy_unit: shop.service\n`);
      const legacy = { 'shop.service': { ...unit('shop.service', 'active'), fileState: 'enabled' } };
      const p = planSetup(cfg, host({ changedFiles: ['x'], units: legacy, caddyUpstreams: ['127.0.0.1:9000'] }));
      expect(names(p)).toContain('disable-legacy');
      expect(rebootProblems(cfg, p, ['shop.service'], undefined)).toEqual([]);
    });
  }

  it("the new color's web is enabled before the switch, the old one's disabled after its stop; Celery is enabled where it runs", () => {
    const p = planDeploy(cfgOf(celery), host({ active: 'blue' }), { ref: 'x' });
    const n = names(p);
    expect(n.indexOf('enable-web-green')).toBe(n.indexOf('switch-to-green') - 1);
    expect(n.indexOf('disable-celery-blue')).toBe(n.indexOf('stop-worker-blue') + 1);
    expect(n.indexOf('enable-celery-green')).toBe(n.indexOf('start-beat-green') + 1);
    expect(n.at(-1)).toBe('disable-web-blue');
    expect(p.steps.find((s) => s.name === 'enable-web-green')?.undo).toEqual({ kind: 'disable', units: ['shop-web-green.service'] });
    expect(p.steps.find((s) => s.name === 'disable-web-blue')?.undo).toEqual({ kind: 'enable', units: ['shop-web-blue.service'] });
  });

  it('a deploy first repairs what an older cut-off run left: the live color disabled, the idle one enabled', () => {
    const cfg = cfgOf(celery);
    const u = (name: string, fileState: string): ObservedUnit => ({
      ...unit(name, name.includes('blue') ? 'active' : 'inactive'),
      fileState,
    });
    const units = Object.fromEntries(
      [
        u('shop-web-blue.service', 'disabled'),
        u('shop-worker-blue.service', 'enabled'),
        u('shop-beat-blue.service', 'disabled'),
        u('shop-worker-green.service', 'enabled'),
        u('shop-web-green.service', 'disabled'),
      ].map((x) => [x.name, x]),
    );
    const p = planDeploy(cfg, host({ active: 'blue', units }), { ref: 'x' });
    expect(p.steps.slice(0, 2)).toEqual([
      { name: 'enable-live-blue', action: { kind: 'enable', units: ['shop-web-blue.service', 'shop-beat-blue.service'] } },
      { name: 'disable-idle-green', action: { kind: 'disable', units: ['shop-worker-green.service'] } },
    ]);
    const sp = planSetup(cfg, host({ active: 'blue', units }));
    expect(names(sp)).toEqual(['disable-idle-green', 'enable-blue']);
    expect(sp.steps[1].action).toEqual({ kind: 'enable', units: ['shop-web-blue.service', 'shop-beat-blue.service'] });
  });
});
