import { describe, expect, it } from 'vitest';
import { formatHistory, historyEntries } from '../../src/cli/history-format.js';
import type { GlobalOptions } from '../../src/cli/options.js';
import { bugOutcome, outcomeOf } from '../../src/cli/outcome.js';
import type { PlannedCommand } from '../../src/cli/pipeline/command.js';
import { runPipeline } from '../../src/cli/pipeline/pipeline.js';
import type { Runtime } from '../../src/cli/pipeline/runtime.js';
import type { ProgressEvent } from '../../src/cli/progress.js';
import type { Config } from '../../src/config/types.js';
import { BgError, EXIT, isBgError } from '../../src/errors.js';
import type { HostState } from '../../src/host/host-state.js';
import { DEPLOY_OBSERVES, planDeploy } from '../../src/plan/deploy-plan.js';
import { MAINTENANCE_OBSERVES, planMaintenance } from '../../src/plan/maintenance-plan.js';
import type { Plan } from '../../src/plan/step.js';
import type { DryRunEvent, ResultEvent } from '../../src/protocol/events.js';
import type { JournalEntry } from '../../src/state/journal.js';
import { BLUE_UNITS, blueServingHost, FakeHost } from '../support/fake-host.js';
import { sampleConfig } from '../support/sample-config.js';

// The command pipeline (prepare → execute → record → report) over a fake Runtime: the fake host, an
// in-memory journal and lock, captured output, signals fired by the test. No systemd, milliseconds.

const base = sampleConfig({ scope: 'user' });
const cfg: Config = {
  ...base,
  hooks: { postSwitch: ['notify switched'], postDeploy: ['notify ok'], onFailure: ['notify failed'], timeout: 5 },
  celery: { ...base.celery!, broker: 'redis://127.0.0.1:6379/0' },
};
const UPSTREAM = cfg.caddy.upstreamFile;
const live = BLUE_UNITS;

const blueServing = (over: Parameters<typeof blueServingHost>[1] = {}) => blueServingHost(cfg, over);

// what a deploy planner sees on a host where blue serves release r1 (the fake host lists no releases)
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

const deploy = (
  plan: (cfg: Config, host: HostState) => Plan = () => planDeploy(cfg, observed, { ref: 'main', now: new Date('2026-12-03T10:00:00Z') }),
): PlannedCommand => ({
  name: 'deploy',
  ref: 'main',
  observes: DEPLOY_OBSERVES,
  plan,
  summary: (_cfg, plan) => `deploy: live on ${plan.to}`,
});

class World {
  readonly journal: JournalEntry[] = [];
  readonly progress: ProgressEvent[] = [];
  readonly results: (ResultEvent | DryRunEvent)[] = [];
  readonly text: string[] = [];
  readonly warnings: string[] = [];
  readonly lockSteps: string[] = [];
  readonly logged: string[] = [];
  locks = 0;
  released = 0;
  exited?: number;
  private handler?: (sig: NodeJS.Signals) => void;
  /** Called with each progress event: lets a test fire a signal at a given step. */
  onProgress: (e: ProgressEvent) => void = () => {};

  constructor(readonly host: FakeHost) {}

  fire(sig: NodeJS.Signals) {
    this.handler?.(sig);
  }

  runtime(): Runtime {
    return {
      loadConfig: async () => cfg,
      runFleet: async () => {
        throw new Error('no fleet here');
      },
      readAppPaths: async () => ({ paths: {} }),
      lock: async () => {
        this.locks++;
        return { path: '/lock', progress: (s) => this.lockSteps.push(s), release: async () => void this.released++ };
      },
      connectHost: async () => this.host,
      journal: { append: async (_dir, entry) => void this.journal.push(entry) },
      clock: { now: () => new Date('2026-12-03T10:00:00Z') },
      signals: {
        onInterrupt: (h) => {
          this.handler = h;
          return () => {
            this.handler = undefined;
          };
        },
      },
      output: {
        progress: (e) => {
          this.progress.push(e);
          this.onProgress(e);
        },
        result: (text, event) => {
          this.text.push(text);
          this.results.push(event);
        },
        warn: (t) => void this.warnings.push(t),
      },
      log: () => ({ info: (_o, msg) => void this.logged.push(msg) }),
      me: { pid: 4242, boot: 'boot-1', user: 'ops' },
      exit: (code) => {
        this.exited = code;
        throw new Error(`exit ${code}`);
      },
    };
  }

  run(cmd: PlannedCommand, o: GlobalOptions = {}) {
    return runPipeline(cmd, o, this.runtime());
  }

  /** The error the run threw, and its outcome as main prints it. */
  async failure(cmd: PlannedCommand, o: GlobalOptions = {}) {
    const err = await this.run(cmd, o).then(
      () => {
        throw new Error('the run succeeded');
      },
      (e: unknown) => e,
    );
    return { err, ...(isBgError(err) ? outcomeOf(err) : bugOutcome(err)) };
  }

  /** What changed the host: every call that is not a read. */
  changes() {
    return this.host.calls.filter((c) => /^(start|stop|write|remove|link|enable|disable|caddy\.load|checkout|shell|daemon-reload)/.test(c));
  }
}

describe('pipeline: prepare', () => {
  it('a dry run observes and plans, prints the plan, and takes no lock, journals nothing, changes nothing', async () => {
    const w = new World(blueServing());
    expect(await w.run(deploy(), { dryRun: true })).toBe(EXIT.ok);
    expect(w.results).toHaveLength(1);
    const ev = w.results[0] as DryRunEvent;
    expect(ev).toMatchObject({ event: 'plan', dryRun: true, command: 'deploy', from: 'blue', to: 'green' });
    expect(ev.steps.map((s) => s.name)).toContain('switch-to-green');
    expect(w.text[0]).toMatch(/^dry run of bg deploy: nothing will be changed/);
    expect(w.locks).toBe(0);
    expect(w.journal).toEqual([]);
    expect(w.changes()).toEqual([]);
    expect(w.logged).toEqual([]);
  });

  it('the planner is given what it declared to be observed: memory for a deploy, not for maintenance', async () => {
    const seen: HostState[] = [];
    const w = new World(blueServing());
    await w.run(
      deploy((_c, h) => {
        seen.push(h);
        return { command: 'deploy', steps: [], notes: ['x'] };
      }),
    );
    await w.run({
      name: 'maintenance',
      observes: MAINTENANCE_OBSERVES,
      plan: (_c, h) => {
        seen.push(h);
        return { command: 'maintenance', steps: [], notes: ['y'] };
      },
      summary: () => '',
    });
    expect(seen[0].memory).toBeDefined();
    expect(seen[0].releases).toBeDefined();
    expect(seen[1].memory).toBeUndefined();
    expect(seen[1].releases).toBeUndefined();
  });

  it('a refusal at planning: its own exit code, nothing journaled, nothing changed, the lock released', async () => {
    // deploy before setup: no upstream file, nothing serves
    const w = new World(new FakeHost({ upstreamFile: UPSTREAM }));
    const cmd = deploy((c, h) => planDeploy(c, h, { ref: 'main' }));
    const { err, exitCode } = await w.failure(cmd);
    expect(isBgError(err)).toBe(true);
    expect(exitCode).toBe(EXIT.usage);
    expect(w.journal).toEqual([]);
    expect(w.changes()).toEqual([]);
    expect(w.logged).toEqual([]);
    expect(w.released).toBe(w.locks);
  });

  it('a bug before any step is exit 1, nothing changed', async () => {
    const w = new World(blueServing());
    const { exitCode, state } = await w.failure(
      deploy(() => {
        throw new TypeError("Cannot read properties of undefined (reading 'web')");
      }),
    );
    expect(exitCode).toBe(EXIT.deployFailed);
    expect(state).toBe('Nothing was changed by this command.');
    expect(w.released).toBe(1);
  });
});

describe('pipeline: nothing to do', () => {
  it('one nothing-to-do result with the notes in it, and one journal line', async () => {
    const w = new World(blueServing());
    const cmd: PlannedCommand = {
      name: 'maintenance',
      ref: 'off',
      observes: MAINTENANCE_OBSERVES,
      plan: (c, h) => planMaintenance(c, h, false),
      summary: () => '',
    };
    expect(await w.run(cmd)).toBe(EXIT.ok);
    expect(w.results).toEqual([
      {
        event: 'result',
        result: 'nothing-to-do',
        command: 'maintenance',
        from: 'blue',
        to: 'blue',
        notes: ['Maintenance is already off. Nothing to do.'],
        message: 'Maintenance is already off. Nothing to do.',
      },
    ]);
    expect(w.journal).toHaveLength(1);
    expect(w.journal[0]).toMatchObject({
      command: 'maintenance',
      ref: 'off',
      result: 'nothing-to-do',
      notes: ['Maintenance is already off. Nothing to do.'],
      user: 'ops',
      pid: 4242,
      steps: [],
    });
    expect(w.changes()).toEqual([]);
    expect(w.progress).toEqual([]);
    // history shows the line with why, not a duration
    expect(formatHistory(historyEntries(w.journal, undefined, () => false, 20))).toMatch(
      /maintenance off .* nothing-to-do {2}Maintenance is already off\. Nothing to do\.\n$/,
    );
  });

  it('several notes are still one result', async () => {
    const w = new World(blueServing());
    await w.run(deploy(() => ({ command: 'deploy', steps: [], notes: ['one', 'two'] })));
    expect(w.results).toHaveLength(1);
    expect(w.results[0]).toMatchObject({ result: 'nothing-to-do', notes: ['one', 'two'] });
    expect(w.text).toEqual(['one\ntwo']);
  });
});

describe('pipeline: execute, record, report', () => {
  it('a deploy that succeeds: started and ok journaled with one run id, the lock names each step, the summary printed', async () => {
    const w = new World(blueServing());
    expect(await w.run(deploy())).toBe(EXIT.ok);
    expect(w.journal.map((e) => e.result)).toEqual(['started', 'ok']);
    expect(w.journal[0].run).toBe(w.journal[1].run);
    expect(w.journal[1]).toMatchObject({ command: 'deploy', ref: 'main', from: 'blue', to: 'green', boot: 'boot-1' });
    expect(w.lockSteps[0]).toBe('checkout-green');
    expect(w.lockSteps).toContain('switch-to-green');
    expect(w.results).toEqual([expect.objectContaining({ event: 'result', result: 'ok', command: 'deploy', from: 'blue', to: 'green' })]);
    expect(w.text).toEqual(['deploy: live on green']);
    expect(w.released).toBe(1);
  });

  it('the hooks wrap the executor: post_switch right after the switch, post_deploy after the last step; both journaled', async () => {
    const w = new World(blueServing());
    await w.run(deploy());
    const calls = w.host.calls;
    const at = (c: string) => calls.indexOf(c);
    expect(at('shell notify switched')).toBeGreaterThan(at('caddy.load'));
    expect(at('shell notify switched')).toBeLessThan(at('start shop-worker-green.service'));
    expect(at('shell notify ok')).toBe(calls.length - 1);
    expect(calls).not.toContain('shell notify failed');
    expect(w.journal[1].hooks).toEqual([
      { name: 'hook post_switch[0]', ok: true },
      { name: 'hook post_deploy[0]', ok: true },
    ]);
  });

  it('a failed step whose undo succeeds: exit 1, journaled rolled-back, on_failure ran', async () => {
    const w = new World(blueServing({ fail: ['health'] }));
    const { err, exitCode, state } = await w.failure(deploy());
    expect(exitCode).toBe(EXIT.deployFailed);
    expect(state).toMatch(/^Rolled back: old version still serving from blue/);
    expect((err as BgError).step).toBe('health-gate-green');
    expect(w.journal.map((e) => e.result)).toEqual(['started', 'rolled-back']);
    expect(w.journal[1]).toMatchObject({ failedStep: 'health-gate-green', hooks: [{ name: 'hook on_failure[0]', ok: true }] });
    expect(w.host.calls).toContain('shell notify failed');
    expect(w.host.calls).not.toContain('shell notify ok');
    expect(w.results).toEqual([]);
  });

  it('a failed undo, and the host looked at again does not serve as before: exit 4, journaled rollback-failed', async () => {
    // the switch fails; starting blue's worker again (the undo of stop-worker-blue) fails too
    const w = new World(blueServing({ fail: ['caddy.load', 'start shop-worker-blue.service'] }));
    const { exitCode, err } = await w.failure(deploy());
    expect(exitCode).toBe(EXIT.attention);
    expect((err as BgError).message).toMatch(/Putting things back also failed: undo of stop-worker-blue/);
    expect(w.journal.map((e) => e.result)).toEqual(['started', 'rollback-failed']);
    expect(w.journal[1].undoFailed).toEqual(['stop-worker-blue']);
  });

  it('a failed undo, and the host looked at again serves as before: exit 1, and it says so', async () => {
    const w = new World(blueServing({ fail: ['health', `remove ${cfg.unitDir}/shop-web-green.service`] }));
    const { exitCode, state } = await w.failure(deploy());
    expect(exitCode).toBe(EXIT.deployFailed);
    expect(state).toContain('serves as before');
    expect(w.journal[1]).toMatchObject({ result: 'rollback-failed', undoFailed: ['install-green-units'] });
  });

  it('an interrupt (the first signal) stops at the next step, undoes, and keeps the signal as the reason; the signal handler is removed after', async () => {
    const w = new World(blueServing());
    w.onProgress = (e) => {
      if (e.event === 'step' && e.status === 'done' && e.step === 'start-web-green') w.fire('SIGINT');
    };
    const { err, exitCode } = await w.failure(deploy());
    expect((err as BgError).message).toContain('Interrupted by SIGINT');
    expect(exitCode).toBe(EXIT.deployFailed);
    expect(w.journal.map((e) => e.result)).toEqual(['started', 'rolled-back']);
    expect(w.host.state('shop-web-green.service')).toBe('inactive');
    expect(w.host.state('shop-worker-blue.service')).toBe('active');
    expect(w.host.calls).toContain('shell notify failed');
    w.fire('SIGINT'); // after the run: nobody listens any more
    expect(w.exited).toBeUndefined();
  });

  it('a second signal exits at once, with the signal exit code, and says what to do', async () => {
    const w = new World(blueServing({ hangHealth: true }));
    let second: unknown;
    w.onProgress = (e) => {
      // both while the health gate waits: the first ends the wait, as a real one would
      if (e.event === 'step' && e.status === 'start' && e.step === 'health-gate-green')
        setTimeout(() => {
          w.fire('SIGTERM');
          try {
            w.fire('SIGTERM');
          } catch (x) {
            second = x;
          }
        }, 5);
    };
    await w.failure(deploy());
    expect(w.exited).toBe(143);
    expect((second as Error).message).toBe('exit 143');
    expect(w.warnings[0]).toMatch(/SIGTERM again: exiting now/);
  });

  it('a bug once a step began is exit 4: the host may have changed', async () => {
    const w = new World(blueServing());
    const cmd: PlannedCommand = {
      ...deploy(),
      summary: () => {
        throw new TypeError('summary bug');
      },
    };
    const { err, exitCode, state } = await w.failure(cmd);
    expect((err as Error).message).toBe('summary bug');
    expect(exitCode).toBe(EXIT.attention);
    expect(state).toMatch(/^Unknown/);
  });

  it('a journal that cannot be written is a note; the run and its outcome go on', async () => {
    const w = new World(blueServing());
    const rt = w.runtime();
    let n = 0;
    rt.journal = {
      append: async () => {
        if (n++ > 0) throw new BgError('Cannot write the deploy journal in /var/lib/bg/shop: ENOSPC', { code: 'journal-unwritable' });
      },
    };
    expect(await runPipeline(deploy(), {}, rt)).toBe(EXIT.ok);
    expect(w.progress.filter((e) => e.event === 'note' && /Cannot write the deploy journal/.test(e.message))).toHaveLength(1);
    expect(w.results).toHaveLength(1);
  });
});
