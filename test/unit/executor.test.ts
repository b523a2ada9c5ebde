import { describe, expect, it } from 'vitest';
import { outcomeOf, runFailure } from '../../src/cli/outcome.js';
import type { ProgressEvent } from '../../src/cli/progress.js';
import { BgError, BusError, EXIT, messageOf } from '../../src/errors.js';
import { executePlan } from '../../src/execute/executor.js';
import { diagnose, servesAsBefore } from '../../src/host/diagnose.js';
import type { HostState } from '../../src/host/host-state.js';
import { observe } from '../../src/host/observe.js';
import { planDeploy } from '../../src/plan/deploy-plan.js';
import type { Plan } from '../../src/plan/step.js';
import { BLUE_UNITS, blueServingHost, FakeHost } from '../support/fake-host.js';
import { sampleConfig } from '../support/sample-config.js';

// The executor against an in-memory host: no systemd, milliseconds. Real components are in
// test/integration; these cover every failure point of a deploy plan, which real components reach
// only a few of.

const base = sampleConfig();
const cfg = sampleConfig({
  build: ['make'],
  release: ['migrate'],
  celery: { ...base.celery!, broker: 'redis://:secret@127.0.0.1:6379/0' },
});
const UPSTREAM = cfg.caddy.upstreamFile;
const live = BLUE_UNITS;

const blueServing = (over: Parameters<typeof blueServingHost>[1] = {}) =>
  blueServingHost(cfg, { ...over, webOf: { '127.0.0.1:8000': 'shop-web-blue.service', '127.0.0.1:8100': 'shop-web-green.service' } });
const greenUnits = ['shop-web-green.service', 'shop-worker-green.service', 'shop-beat-green.service'];

const observed: HostState = {
  active: 'blue',
  upstreamFile: 'ok',
  upstreamPort: 8000,
  caddyUpstreams: ['127.0.0.1:8000'],
  units: Object.fromEntries(
    live.map((name) => [name, { name, loadState: 'loaded', activeState: 'active', subState: 'running', mainPid: 1 }]),
  ),
  colors: { blue: { release: 'r1', linked: true, commit: 'a'.repeat(40) }, green: { release: 'r0', linked: true, commit: 'b'.repeat(40) } },
  changedFiles: [],
  listening: [8000],
};
const deployPlan: Plan = planDeploy(cfg, observed, { ref: 'main' });

async function run(host: FakeHost, plan = deployPlan, signal?: AbortSignal) {
  const events: ProgressEvent[] = [];
  const result = await executePlan(plan, cfg, host, (e) => events.push(e), signal);
  return {
    result,
    events,
    undone: events.filter((e) => e.event === 'undo' && e.status === 'done').map((e) => (e as { step: string }).step),
  };
}

/** The calls that make a step fail, for each step of the deploy plan. */
const FAULTS: Record<string, string> = {
  'checkout-green': 'checkout',
  'build-green': 'shell make',
  'backup-db-green': 'create-backup',
  'release-green': 'shell migrate',
  'point-green': 'link /srv/shop/green',
  'install-green-units': `write ${cfg.unitDir}/shop-web-green.service`,
  'check-broker': 'connect 127.0.0.1:6379',
  'start-web-green': 'start shop-web-green.service',
  'health-gate-green': 'health',
  'stop-beat-blue': 'stop shop-beat-blue.service',
  'stop-worker-blue': 'stop shop-worker-blue.service',
  'disable-celery-blue': 'disable shop-worker-blue.service shop-beat-blue.service',
  'enable-web-green': 'enable shop-web-green.service',
  'switch-to-green': 'caddy.load',
  'start-worker-green': 'start shop-worker-green.service',
  'start-beat-green': 'start shop-beat-green.service',
  'enable-celery-green': 'enable shop-worker-green.service shop-beat-green.service',
  'drain-blue': 'drain-blue', // see below: the drain itself never fails, an interrupt ends it
  'stop-web-blue': 'stop shop-web-blue.service',
  'disable-web-blue': 'disable shop-web-blue.service',
  'prune-backups': 'prune-backups', // never fails: a copy it cannot remove is a note
};

describe('executor: a deploy that fails at any step is put back', () => {
  it('the deploy plan is the one these cases cover', () => {
    expect(deployPlan.steps.map((s) => s.name)).toEqual(Object.keys(FAULTS));
  });

  for (const [step, fault] of Object.entries(FAULTS)) {
    if (step === 'drain-blue' || step === 'prune-backups') continue;
    it(`fails at ${step}: undo in reverse, the failed step included; blue serves with its Celery; never two workers or beats`, async () => {
      const host = blueServing({ fail: [fault] });
      const { result, undone } = await run(host);
      expect(result.ok).toBe(false);
      expect(result.failed?.step).toBe(step);
      expect(result.undoFailed).toEqual([]);

      const begun = deployPlan.steps.slice(0, deployPlan.steps.findIndex((s) => s.name === step) + 1);
      expect(undone).toEqual(
        begun
          .filter((s) => s.undo)
          .map((s) => s.name)
          .reverse(),
      );

      expect(host.violations).toEqual([]);
      // a reboot at any instant, the undo included, brings up what the upstream file names and one Celery
      expect(host.bootViolations).toEqual([]);
      expect([...host.enabled].sort()).toEqual([...live].sort());
      expect(host.fileMap.get(UPSTREAM)).toBe('to 127.0.0.1:8000\n');
      expect(host.routes).toEqual(['127.0.0.1:8000']);
      for (const u of live) expect(host.state(u), u).toBe('active');
      for (const u of ['shop-web-green.service', 'shop-worker-green.service', 'shop-beat-green.service'])
        expect(['inactive', 'failed'], u).toContain(host.state(u));

      const err = runFailure('deploy', cfg, deployPlan, result);
      expect(outcomeOf(err).exitCode).toBe(EXIT.deployFailed);
      expect(err.step).toBe(step);
      expect(outcomeOf(err).state).toMatch(/old version still serving from blue/);
      // from the release step on, the migrations ran and no undo took them back: said, never hidden
      const released = begun.some((s) => s.name === 'release-green');
      expect(result.releaseRan).toEqual(released ? { commands: ['migrate'], finished: step !== 'release-green' } : undefined);
      expect(outcomeOf(err).state.includes('release commands ran and were not undone: migrate')).toBe(released);
    });
  }

  it('after the switch, the new color is drained before its undo stops it', async () => {
    const host = blueServing({ fail: ['start shop-worker-green.service'] });
    await run(host);
    const drained = host.calls.indexOf('drain 8100');
    expect(drained).toBeGreaterThan(host.calls.lastIndexOf('caddy.load'));
    expect(drained).toBeLessThan(host.calls.lastIndexOf('stop shop-web-green.service'));
  });

  it('a failed deploy leaves the idle color on its release and marks the new one failed', async () => {
    const host = blueServing({ fail: ['health'] });
    const { result } = await run(host);
    expect(result.ok).toBe(false);
    expect(host.links.get('/srv/shop/green')).toBe('/srv/shop/releases/r0');
    const id = deployPlan.release!;
    expect(JSON.parse(host.fileMap.get(`/srv/shop/releases/${id}.json`) ?? '{}')).toMatchObject({ id, status: 'failed' });
  });

  it('a successful deploy switches to green, stops blue, and never has two workers or beats', async () => {
    const host = blueServing();
    const { result } = await run(host);
    expect(result.ok).toBe(true);
    expect(result.commit).toMatch(/^c0ffee/);
    expect(host.fileMap.get(UPSTREAM)).toBe('to 127.0.0.1:8100\n');
    expect(host.routes).toEqual(['127.0.0.1:8100']);
    expect(host.state('shop-web-blue.service')).toBe('inactive');
    expect(host.state('shop-worker-green.service')).toBe('active');
    expect(host.violations).toEqual([]);
    expect(host.bootViolations).toEqual([]);
    expect([...host.enabled].sort()).toEqual([...greenUnits].sort());
    expect(result.ms).toBeGreaterThanOrEqual(result.steps.reduce((a, s) => a + s.ms, 0));
  });

  it('--migrate-back with nothing to reverse: the steps that depend on the check are reported as not needed, and none runs', async () => {
    const django = sampleConfig({ ...cfg, django: { manage: 'manage.py' } });
    const plan: Plan = {
      command: 'rollback',
      steps: [
        { name: 'back-check-green', action: { kind: 'back-check', serving: 'r1', older: 'r0', command: 'rollback', migrateBack: true } },
        { name: 'maintenance-on', action: { kind: 'maintenance', on: true }, undo: { kind: 'maintenance', on: false }, onlyIf: 'reversal' },
        {
          name: 'migrate-back-green',
          action: { kind: 'migrate-back', serving: 'r1', older: 'r0', command: 'rollback' },
          undo: { kind: 'migrate-forward', release: 'r1' },
          onlyIf: 'reversal',
        },
      ],
      notes: [],
    };
    const host = blueServing();
    const before = host.calls.length;
    const result = await executePlan(plan, django, host, () => {});
    expect(result.ok).toBe(true);
    expect(result.steps.map((s) => [s.name, s.detail])).toEqual([
      ['back-check-green', 'releases/r0 knows every applied migration; nothing to migrate back: no maintenance window'],
      ['maintenance-on', 'not needed: nothing to migrate back'],
      ['migrate-back-green', 'not needed: nothing to migrate back'],
    ]);
    // the check read the two releases' migration files; nothing wrote, reloaded or ran a command
    expect(host.calls.slice(before).filter((c) => !c.startsWith('list ') && !c.startsWith('exists '))).toEqual([]);
  });

  it("install's undo puts back only the files its own step wrote, even when it failed halfway", async () => {
    const webUnit = `${cfg.unitDir}/shop-worker-green.service`;
    const host = blueServing({ fail: [`write ${webUnit}`] });
    const { result } = await run(host);
    expect(result.failed?.step).toBe('install-green-units');
    // the web unit was written before the worker's failed: its undo removes it (it was new)
    expect(host.calls).toContain(`remove ${cfg.unitDir}/shop-web-green.service`);
    expect(host.fileMap.has(`${cfg.unitDir}/shop-web-green.service`)).toBe(false);
  });
});

describe('executor: a switch that cannot write or reach Caddy still puts Celery back', () => {
  it('the upstream file cannot be written (a full disk): nothing to write back, everything else is undone; exit 1', async () => {
    const host = blueServing({ failAlways: [`write ${UPSTREAM}`] });
    const { result } = await run(host);
    expect(result.failed?.step).toBe('switch-to-green');
    expect(messageOf(result.failed?.error)).toContain('ENOSPC');
    expect(result.undoFailed).toEqual([]);
    for (const u of live) expect(host.state(u), u).toBe('active');
    expect(host.state('shop-web-green.service')).toBe('inactive');
    expect(host.fileMap.get(UPSTREAM)).toBe('to 127.0.0.1:8000\n');
    expect([...host.enabled].sort()).toEqual([...live].sort());
    expect(host.violations).toEqual([]);
    expect(host.bootViolations).toEqual([]);
    expect(outcomeOf(runFailure('deploy', cfg, deployPlan, result)).exitCode).toBe(EXIT.deployFailed);
  });

  it("Caddy's admin API is gone: its config cannot be put back, yet the old Celery runs again; the new web is left up and enabled; exit 4", async () => {
    const host = blueServing({ failAlways: ['caddy.load', 'caddy.loadJson', 'caddy.config'] });
    const { result } = await run(host);
    expect(result.failed?.step).toBe('switch-to-green');
    expect(result.undoFailed?.map((u) => u.step)).toEqual(['switch-to-green', 'enable-web-green', 'start-web-green']);
    // the old color's Celery is back (it was stopped before the switch), never beside the new one's
    for (const u of live) expect(host.state(u), u).toBe('active');
    expect(host.state('shop-worker-green.service')).toBe('inactive');
    // Caddy may route to green: it keeps running and enabled; the upstream file is blue's again
    expect(host.state('shop-web-green.service')).toBe('active');
    expect(host.fileMap.get(UPSTREAM)).toBe('to 127.0.0.1:8000\n');
    expect([...host.enabled].sort()).toEqual([...live, 'shop-web-green.service'].sort());
    expect(host.violations).toEqual([]);
    expect(host.bootViolations).toEqual([]);
    expect(outcomeOf(runFailure('deploy', cfg, deployPlan, result)).exitCode).toBe(EXIT.attention);
  });
});

describe('executor: the broker is checked before Celery is touched', () => {
  it('a broker that does not answer stops the deploy while the old worker still runs; the message hides the password', async () => {
    const host = blueServing({ fail: ['connect 127.0.0.1:6379'] });
    const { result } = await run(host);
    expect(result.failed?.step).toBe('check-broker');
    const message = messageOf(result.failed?.error);
    expect(message).toContain('redis://127.0.0.1:6379');
    expect(message).not.toContain('secret');
    expect(host.calls.filter((c) => /^(start|stop) .*(worker|beat)/.test(c))).toEqual([]);
  });
});

describe('executor: a broker that dies after its check', () => {
  it("ends the new worker's start in seconds with the broker's own headline, not the unit's start timeout", async () => {
    const host = blueServing();
    const events: ProgressEvent[] = [];
    const result = await executePlan(deployPlan, cfg, host, (e) => {
      events.push(e);
      if (e.event === 'step' && e.step === 'switch-to-green' && e.status === 'start') host.brokerDown = true;
    });
    expect(result.failed?.step).toBe('start-worker-green');
    const err = result.failed?.error as BgError;
    expect(err.code).toBe('broker-unreachable');
    expect(err.message).toBe('The Celery broker redis://127.0.0.1:6379 (celery.broker) does not answer: connection refused.');
    // the new worker's start job was cancelled; blue's worker cannot come back without a broker either
    expect(host.state('shop-worker-green.service')).toBe('inactive');
    expect(result.undoFailed?.map((u) => u.step)).toEqual(['stop-worker-blue']);
    // the web was put back: blue serves, green is stopped
    expect(host.fileMap.get(UPSTREAM)).toBe('to 127.0.0.1:8000\n');
    expect(host.state('shop-web-green.service')).toBe('inactive');
    expect(host.violations).toEqual([]);
    const failure = runFailure(
      'deploy',
      cfg,
      deployPlan,
      result,
      false,
      diagnose(cfg, await observe(cfg, host)).filter((p) => p.severity === 'error'),
    );
    expect(failure.message).toMatch(/^deploy failed at start-worker-green: The Celery broker .* does not answer/);
    expect(failure.next).toMatch(/^Start the broker/);
    expect(failure.next).toContain('bluegreen setup');
  }, 20_000);
});

describe('executor: exit 4 only when putting things back fails', () => {
  it('an undo that fails makes the outcome exit 4, naming the undo', async () => {
    // the switch fails; starting blue's worker again (the undo of stop-worker-blue) fails too
    const host = blueServing({ fail: ['caddy.load', 'start shop-worker-blue.service'] });
    const { result } = await run(host);
    expect(result.undoFailed?.map((u) => u.step)).toEqual(['stop-worker-blue']);
    const serves = servesAsBefore(cfg, await observe(cfg, host), 'blue');
    expect(serves).toBe(false); // blue's worker is down: Celery is not as before
    const seen = await observe(cfg, host);
    const err = runFailure(
      'deploy',
      cfg,
      deployPlan,
      result,
      serves,
      diagnose(cfg, seen).filter((p) => p.severity === 'error'),
    );
    expect(outcomeOf(err).exitCode).toBe(EXIT.attention);
    expect(err.message).toMatch(/Putting things back also failed: undo of stop-worker-blue/);
    // what to do comes from what bg saw: the active color's Celery is down
    expect(err.next).toContain('shop-worker-blue.service');
    expect(err.next).toContain('bluegreen setup');
  });

  it('a unit systemd refuses: its reason is in the error, and the undo that finds it never started is not a failure', async () => {
    const host = new FakeHost({
      upstreamFile: UPSTREAM,
      files: { [UPSTREAM]: 'to 127.0.0.1:8000\n', [cfg.caddy.caddyfile]: 'caddyfile' },
      active: Object.fromEntries(live.map((u) => [u, 'active'])),
      refused: { 'shop-web-green.service': 'Neither a valid executable name nor an absolute path: .venv/bin/python' },
    });
    const { result } = await run(host);
    expect(result.failed?.step).toBe('start-web-green');
    expect(messageOf(result.failed?.error)).toContain(
      'systemd refused shop-web-green.service (bad-setting): Neither a valid executable name nor an absolute path',
    );
    expect(result.undoFailed).toEqual([]);
    expect(outcomeOf(runFailure('deploy', cfg, deployPlan, result)).exitCode).toBe(EXIT.deployFailed);
  });

  it('an undo that fails while the host, looked at again, serves as before: exit 1, and it says so', async () => {
    // the new unit file cannot be removed again: left over, but nothing half switched
    const host = blueServing({ fail: ['health', `remove ${cfg.unitDir}/shop-web-green.service`] });
    const { result } = await run(host);
    expect(result.undoFailed?.map((u) => u.step)).toEqual(['install-green-units']);
    const serves = servesAsBefore(cfg, await observe(cfg, host), 'blue');
    expect(serves).toBe(true);
    const err = runFailure('deploy', cfg, deployPlan, result, serves);
    expect(outcomeOf(err)).toMatchObject({ exitCode: EXIT.deployFailed, state: expect.stringContaining('serves as before') });
  });

  it('errors raised before a run end with exit 1 and "nothing was changed", whatever adapter raised them', () => {
    const bus = new BusError("Cannot reach systemd's system manager", { code: 'bus-unreachable' });
    expect(outcomeOf(bus)).toEqual({ exitCode: EXIT.deployFailed, state: 'Nothing was changed by this command.' });
  });
});

describe('executor: interrupts', () => {
  it('an interrupt at a step boundary undoes what began and keeps the signal as the reason', async () => {
    const abort = new AbortController();
    const host = blueServing();
    const events: ProgressEvent[] = [];
    const result = await executePlan(
      deployPlan,
      cfg,
      host,
      (e) => {
        events.push(e);
        if (e.event === 'step' && e.status === 'done' && e.step === 'start-web-green')
          abort.abort(new BgError('Interrupted by SIGINT.', { code: 'interrupted' }));
      },
      abort.signal,
    );
    expect(result.failed?.step).toBe('health-gate-green');
    expect(messageOf(result.failed?.error)).toBe('Interrupted by SIGINT.');
    expect(runFailure('deploy', cfg, deployPlan, result).message).toContain('Interrupted by SIGINT');
    expect(host.state('shop-web-green.service')).toBe('inactive');
    expect(host.state('shop-worker-blue.service')).toBe('active');
    expect(host.violations).toEqual([]);
  });

  it('an interrupt during a long wait (the health gate) ends it at once and undoes', async () => {
    const abort = new AbortController();
    const host = blueServing({ hangHealth: true });
    setTimeout(() => abort.abort(new BgError('Interrupted by SIGTERM.', { code: 'interrupted' })), 20);
    const { result } = await run(host, deployPlan, abort.signal);
    expect(result.failed?.step).toBe('health-gate-green');
    expect(messageOf(result.failed?.error)).toBe('Interrupted by SIGTERM.');
    expect(host.state('shop-web-blue.service')).toBe('active');
    expect(host.violations).toEqual([]);
  });
});

describe('executor: build and release commands run as transient units', () => {
  it('one unit per command, as the app user, with the env file, a low CPU weight and the planned MemoryHigh', async () => {
    const host = blueServing();
    const plan = planDeploy(
      cfg,
      { ...observed, memory: { units: {}, headroom: { bytes: 900 * 2 ** 20, by: 'MemAvailable' } } },
      { ref: 'main' },
    );
    const { result } = await run(host, plan);
    expect(result.failed).toBeUndefined();
    expect(
      host.transients.map((t) => ({
        unit: t.unit,
        command: t.command,
        user: t.user,
        envFile: t.envFile,
        cpuWeight: t.cpuWeight,
        memoryHigh: t.memoryHigh,
      })),
    ).toEqual([
      {
        unit: `shop-build-${plan.release}-1.service`,
        command: 'make',
        user: 'shop',
        envFile: cfg.envFile,
        cpuWeight: 20,
        memoryHigh: 900 * 2 ** 20,
      },
      {
        unit: expect.stringMatching(new RegExp(`^shop-backup-${plan.release}-\\d+\\.service$`)),
        command: expect.stringContaining("-I -c '\nimport os, sys, json"),
        user: 'shop',
        envFile: cfg.envFile,
        cpuWeight: 20,
        memoryHigh: undefined,
      },
      {
        unit: `shop-release-${plan.release}-1.service`,
        command: 'migrate',
        user: 'shop',
        envFile: cfg.envFile,
        cpuWeight: 20,
        memoryHigh: 900 * 2 ** 20,
      },
    ]);
    expect(host.transients[0].env).toMatchObject({ BG_COLOR: 'green', BG_RELEASE: `/srv/shop/releases/${plan.release}` });
  });
});
