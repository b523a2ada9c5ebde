import { executePlan, type RunResult } from '../../execute/executor.js';
import type { Step } from '../../plan/step.js';
import { endResult, type JournalEntry } from '../../state/journal.js';
import type { Reporter } from '../progress.js';
import { HOOKED, type PlannedCommand } from './command.js';
import { withEndHooks, withPostSwitch } from './hooks.js';
import type { Prepared } from './prepare.js';
import type { RunLog } from './runtime.js';

export type HookRecord = { name: string; ok: boolean };

/** One run of the execute stage: what the executor and its wrappers share. */
export interface RunContext {
  cmd: PlannedCommand;
  p: Prepared;
  report: Reporter; // the terminal's progress
  log: RunLog;
  hooks: HookRecord[]; // the hooks that ran, in order: journaled
  afterStep?: (step: Step, commit?: string) => Promise<void>; // after each step that succeeded
  /** Set once the first step began: from then on the host may have changed. */
  began: { step: boolean };
}

export interface Executed {
  result: RunResult;
  resultName: JournalEntry['result']; // as journaled, and BG_RESULT of on_failure
  hooks: HookRecord[];
}

export type Execute = (run: RunContext) => Promise<Executed>;

/** The executor itself: the plan's steps through the Host, undone on a failure or an interrupt. */
export const executor: Execute = async (run) => {
  const { plan, cfg, host, signal, lock } = run.p;
  const progress: Reporter = (e) => {
    run.log.info(e, 'progress');
    if (e.event === 'step' && e.status === 'start') {
      run.began.step = true;
      lock?.progress(e.step);
    }
    run.report(e);
  };
  const result = await executePlan(plan, cfg, host, progress, signal, run.afterStep);
  // a reboot or shutdown mid-run: systemd cancels the run's jobs and refuses the undo's starts,
  // whether or not its SIGTERM reached bg first
  const stopping =
    !result.ok && !!result.undoFailed?.length && !signal.aborted && (await host.systemd.systemState().catch(() => '')) === 'stopping';
  return { result, resultName: endResult(result, signal.aborted || stopping), hooks: run.hooks };
};

/** The execute stage: the executor, wrapped by the operator's hooks where the command has them. */
export function execute(run: RunContext): Promise<Executed> {
  const withHooks = HOOKED.has(run.cmd.name) ? withEndHooks(withPostSwitch(executor)) : withPostSwitch(executor);
  return withHooks(run);
}
