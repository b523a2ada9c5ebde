import { performance } from 'node:perf_hooks';
import type { Reporter } from '../cli/progress.js';
import { unitNames } from '../config/names.js';
import { COLORS, type Config } from '../config/types.js';
import { BgError, messageOf } from '../errors.js';
import { describeAction, type Plan, type PortPlace, type Step } from '../plan/step.js';
import { perform, performUndo } from '../steps/actions.js';
import type { ActionContext, Receipt } from './context.js';
import type { Host } from './host.js';

export interface StepRecord {
  name: string;
  ms: number;
  ok: boolean;
  detail?: string;
}

/** What a run did: read by the summaries, the journal and the failure message. */
export interface RunResult {
  ok: boolean;
  ms: number; // the whole run, undo included: the number printed and the number journaled
  steps: StepRecord[];
  commit?: string; // what a checkout step checked out
  migrations?: string[]; // what the migration plan said this run applies
  unchecked?: string[]; // of those, the ones bg cannot check (RunPython, RunSQL)
  releaseRan?: ReleaseRan; // a failed run: the release commands that ran, which no undo takes back
  failed?: { step: string; error: unknown };
  undoFailed?: { step: string; error: unknown }[];
}

export interface ReleaseRan {
  commands: string[];
  finished: boolean; // false: the release step itself failed, part way
}

interface Begun {
  step: Step;
  receipt?: Receipt;
}

// Runs a plan step by step. On a failure, the undos of every step begun so far (the failed one
// included: a half-started unit is stopped) run in reverse order, each with its step's receipt.
// An interrupt (SIGINT/SIGTERM) stops at the next step boundary, or ends a long wait at once, and
// undoes the same way; the failure keeps the signal's reason.
/** `afterStep` runs after each step that succeeded (the post_switch hooks); what it throws is ignored. */
export async function executePlan(
  plan: Plan,
  cfg: Config,
  host: Host,
  report: Reporter,
  signal?: AbortSignal,
  afterStep?: (step: Step, commit?: string) => Promise<void>,
): Promise<RunResult> {
  const t0 = performance.now();
  const begun: Begun[] = [];
  const steps: StepRecord[] = [];
  let commit: string | undefined;
  let migrations: string[] | undefined;
  let unchecked: string[] | undefined;
  const note = (message: string) => report({ event: 'note', message });
  report({ event: 'plan', command: plan.command, from: plan.from, to: plan.to, steps: plan.steps.map((s) => s.name) });
  for (const n of plan.notes) note(n);

  let reversal: boolean | undefined; // what the way-back check found, for the steps that depend on it
  for (const step of plan.steps) {
    const s0 = performance.now();
    if (step.onlyIf === 'reversal' && reversal === false) {
      const detail = 'not needed: nothing to migrate back';
      report({ event: 'step', step: step.name, status: 'start' });
      steps.push({ name: step.name, ms: 0, ok: true, detail });
      report({ event: 'step', step: step.name, status: 'done', ms: 0, detail });
      continue;
    }
    try {
      if (signal?.aborted) throw interruption(signal);
      const entry: Begun = { step };
      begun.push(entry);
      report({ event: 'step', step: step.name, status: 'start' });
      const outcome = await perform(step.action, {
        cfg,
        host,
        signal,
        note,
        keep: (r) => (entry.receipt = r),
        planned: migrations,
        reversal,
      });
      commit = outcome.commit ?? commit;
      migrations = outcome.migrations ?? migrations;
      unchecked = outcome.unchecked ?? unchecked;
      reversal = outcome.reversal ?? reversal;
      const ms = performance.now() - s0;
      steps.push({ name: step.name, ms, ok: true, detail: outcome.detail });
      report({ event: 'step', step: step.name, status: 'done', ms, detail: outcome.detail });
      await afterStep?.(step, commit).catch(() => {});
    } catch (error) {
      const ms = performance.now() - s0;
      steps.push({ name: step.name, ms, ok: false });
      report({ event: 'step', step: step.name, status: 'failed', ms, error: messageOf(error) });
      const undoFailed = await undoAll(begun, { cfg, host, note, keep: () => {} }, report);
      const releaseRan = ranRelease(begun, step);
      return {
        ok: false,
        ms: performance.now() - t0,
        steps,
        commit,
        migrations,
        unchecked,
        releaseRan,
        failed: { step: step.name, error },
        undoFailed,
      };
    }
  }
  return { ok: true, ms: performance.now() - t0, steps, commit, migrations, unchecked };
}

// Release commands (migrations) change the database, which no undo puts back: a failed run says so.
function ranRelease(begun: Begun[], failed: Step): ReleaseRan | undefined {
  const release = begun.find((b) => b.step.action.kind === 'release-commands')?.step;
  if (release?.action.kind !== 'release-commands') return undefined;
  return { commands: release.action.commands, finished: release !== failed };
}

async function undoAll(begun: Begun[], ctx: ActionContext, report: Reporter) {
  const failures: { step: string; error: unknown }[] = [];
  const webs = new Set(COLORS.map((c) => unitNames(ctx.cfg, c).web));
  let switchBackFailed = false;
  for (const { step, receipt } of [...begun].reverse()) {
    if (!step.undo) continue;
    // Caddy, or the upstream file it reads at boot, may still name the new color: an undo that stops
    // or disables a web would take down what serves, now or after a reboot. The rest still runs: the
    // old Celery comes back, the files and the old color's enablement are put back.
    const web = webTouched(step.undo, webs);
    if (switchBackFailed && web) {
      report({ event: 'undo', step: step.name, status: 'failed', error: `skipped: left ${web} as it is, Caddy may still route to it` });
      failures.push({
        step: step.name,
        error: new BgError(`left ${web} as it is: Caddy may still route to it.`, { code: 'undo-skipped' }),
      });
      continue;
    }
    const t0 = performance.now();
    report({ event: 'undo', step: step.name, status: 'start' });
    try {
      await performUndo(step.undo, ctx, receipt);
      report({ event: 'undo', step: step.name, status: 'done', ms: performance.now() - t0 });
    } catch (error) {
      failures.push({ step: step.name, error });
      report({ event: 'undo', step: step.name, status: 'failed', error: messageOf(error) });
      if (step.undo.kind === 'switch-back') switchBackFailed = true;
    }
  }
  return failures;
}

/** The web unit an undo would stop or disable. */
function webTouched(undo: Step['undo'], webs: Set<string>): string | undefined {
  if (undo?.kind === 'stop' && webs.has(undo.unit)) return undo.unit;
  if (undo?.kind === 'disable') return undo.units.find((u) => webs.has(u));
  return undefined;
}

const interruption = (signal: AbortSignal): unknown => signal.reason ?? new BgError('Interrupted.', { code: 'interrupted' });

export function describePlan(plan: Plan, place?: PortPlace): string[] {
  return plan.steps.map(
    (s, i) =>
      `${String(i + 1).padStart(2)}. ${s.name}: ${describeAction(s.action, place)}${s.onlyIf ? ' (only if there is something to migrate back)' : ''}${s.undo ? `  (undo: ${describeAction(s.undo, place)})` : ''}`,
  );
}
