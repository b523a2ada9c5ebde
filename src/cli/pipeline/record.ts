// The record stage: the deploy journal. A `started` line before the first step and the end line
// with the same run id; a run that found nothing to do is one `nothing-to-do` line.
import { messageOf } from '../../errors.js';
import type { JournalEntry } from '../../state/journal.js';
import type { PlannedCommand } from './command.js';
import type { Executed } from './execute.js';
import { targetCommit } from './hooks.js';
import type { Prepared } from './prepare.js';
import type { Runtime } from './runtime.js';

export type JournalBase = Omit<JournalEntry, 'time' | 'result' | 'ms' | 'steps'>;

export function journalBase(cmd: PlannedCommand, { plan }: Prepared, rt: Runtime): JournalBase {
  const { pid, boot, user } = rt.me;
  const run = `${rt.clock.now().getTime().toString(36)}-${pid}`;
  return { run, pid, ...(boot && { boot }), user, command: cmd.name, ref: cmd.ref, release: plan.release, from: plan.from, to: plan.to };
}

/** Before the first step: a run killed from here on leaves this line without its end, which history and status show. */
export const recordStart = (rt: Runtime, p: Prepared, base: JournalBase) =>
  rt.journal.append(p.cfg.stateDir, { ...base, time: rt.clock.now().toISOString(), result: 'started', ms: 0, steps: [] });

/** The end line. A journal that cannot be written is reported, never the run's outcome. */
export async function recordEnd(rt: Runtime, p: Prepared, base: JournalBase, { result, resultName, hooks }: Executed): Promise<void> {
  await rt.journal
    .append(p.cfg.stateDir, {
      ...base,
      time: rt.clock.now().toISOString(),
      commit: result.commit ?? targetCommit(p),
      ...(result.migrations && { migrations: result.ok || result.releaseRan?.finished ? result.migrations : [] }),
      ...(result.unchecked?.length && { unchecked: result.unchecked }),
      ...(result.releaseRan && { notUndone: result.releaseRan.commands }),
      ...(hooks.length && { hooks }),
      result: resultName,
      error: result.failed ? messageOf(result.failed.error) : undefined,
      failedStep: result.failed?.step,
      ...(result.undoFailed?.length && { undoFailed: result.undoFailed.map((u) => u.step) }),
      ms: Math.round(result.ms),
      steps: result.steps.map((s) => ({ name: s.name, ms: Math.round(s.ms), ok: s.ok })),
    })
    .catch((e: unknown) => unrecorded(rt, e));
}

/** A plan without steps: one line, with the planner's notes. */
export async function recordNothingToDo(rt: Runtime, cmd: PlannedCommand, p: Prepared): Promise<void> {
  const { plan } = p;
  await rt.journal
    .append(p.cfg.stateDir, {
      ...journalBase(cmd, p, rt),
      time: rt.clock.now().toISOString(),
      result: 'nothing-to-do',
      notes: plan.notes,
      ms: 0,
      steps: [],
    })
    .catch((e: unknown) => unrecorded(rt, e));
}

const unrecorded = (rt: Runtime, e: unknown) =>
  rt.output.progress({ event: 'note', message: `${messageOf(e)} The run itself is reported below.` });
