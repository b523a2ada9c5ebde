import type { GlobalOptions } from '../options.js';
import { afterChange } from '../outcome.js';
import type { PlannedCommand } from './command.js';
import { execute } from './execute.js';
import { prepare } from './prepare.js';
import { journalBase, recordEnd, recordNothingToDo, recordStart } from './record.js';
import { reportDryRun, reportNothingToDo, reportRun } from './report.js';
import type { Runtime } from './runtime.js';

// A command that changes the host, in four stages over the injected Runtime:
// prepare (config, fleet hand-off, app paths, lock, observe, plan) → execute (the executor, wrapped
// by the hooks) → record (the journal) → report (summary, or the error with its outcome).
// A dry run and a plan with nothing to do stop after prepare. Errors leave as BgError; a bug
// thrown once a step began is marked so that its outcome says the host may have changed.
export async function runPipeline(cmd: PlannedCommand, o: GlobalOptions, rt: Runtime): Promise<number> {
  const p = await prepare(cmd, o, rt);
  if ('handedOff' in p) return p.handedOff;
  const began = { step: false };
  try {
    if (o.dryRun) return await reportDryRun(cmd, p, rt);
    if (p.plan.steps.length === 0) {
      await recordNothingToDo(rt, cmd, p);
      return reportNothingToDo(cmd, p, rt);
    }
    // bg.log only for a run that does something: a refused or empty one writes nothing
    const log = rt.log(p.cfg);
    log.info({ command: cmd.name, plan: p.plan.steps.map((s) => s.name), from: p.plan.from, to: p.plan.to }, 'plan');
    const base = journalBase(cmd, p, rt);
    await recordStart(rt, p, base);
    const done = await execute({ cmd, p, report: rt.output.progress, log, hooks: [], began });
    await recordEnd(rt, p, base, done);
    return await reportRun(cmd, o, p, done, rt);
  } catch (e) {
    throw began.step ? afterChange(e) : e;
  } finally {
    await p.release();
  }
}
