// The report stage: the command's last word. The summary of a run that succeeded, the one
// nothing-to-do result, the dry run's plan, or the failure's error (its outcome from outcome.ts).

import { portPlace } from '../../config/socket-paths.js';
import { describePlan } from '../../execute/executor.js';
import { diagnose, servesAsBefore } from '../../host/diagnose.js';
import { observe } from '../../host/observe.js';
import { diffOf, pendingChanges } from '../../host/pending-files.js';
import type { GlobalOptions } from '../options.js';
import { exitOk, runFailure } from '../outcome.js';
import type { PlannedCommand } from './command.js';
import type { Executed } from './execute.js';
import type { Prepared } from './prepare.js';
import type { Runtime } from './runtime.js';

export async function reportRun(cmd: PlannedCommand, o: GlobalOptions, p: Prepared, { result }: Executed, rt: Runtime): Promise<number> {
  const { cfg, host, plan } = p;
  if (!result.ok) {
    // exit 4 pages someone: only when the host, looked at again, does not serve as before
    const seen = result.undoFailed?.length ? await observe(cfg, host, {}).catch(() => undefined) : undefined;
    const serves = !!seen && servesAsBefore(cfg, seen, plan.from);
    const problems = seen ? diagnose(cfg, seen).filter((pr) => pr.severity === 'error') : [];
    throw runFailure(cmd.name, cfg, plan, result, serves, problems);
  }
  const text = cmd.summary(cfg, plan, result, o);
  rt.output.result(text, {
    event: 'result',
    result: 'ok',
    command: cmd.name,
    from: plan.from,
    to: plan.to,
    ms: Math.round(result.ms),
    commit: result.commit,
  });
  return exitOk();
}

export function reportNothingToDo(cmd: PlannedCommand, { plan }: Prepared, rt: Runtime): number {
  const { notes } = plan;
  const said = notes.length ? notes : [`${cmd.name}: nothing to do.`];
  rt.output.result(said.join('\n'), {
    event: 'result',
    result: 'nothing-to-do',
    command: cmd.name,
    from: plan.from,
    to: plan.to,
    notes,
    message: said.join(' '),
  });
  return exitOk();
}

export async function reportDryRun(cmd: PlannedCommand, { cfg, host, plan }: Prepared, rt: Runtime): Promise<number> {
  const lines = [
    `dry run of bg ${cmd.name}: nothing will be changed`,
    ...plan.notes.map((n) => `  ${n}`),
    ...describePlan(plan, portPlace(cfg)),
  ];
  // units are rendered from what is on disk now; with a venv the new release's decides at install
  if (cfg.venv && cmd.name !== 'cleanup')
    lines.push(
      `  note: ExecStart runs <release>/.venv/bin/gunicorn, or <release>/.venv/bin/python -m gunicorn when the venv bg builds has no script of its own; the diffs below are rendered from the releases on disk now.`,
    );
  const diffs: string[] = [];
  for (const s of plan.steps) {
    if (s.action.kind !== 'install') continue;
    for (const c of await pendingChanges(cfg, host.files, s.action.colors, s.action.caddyfile)) diffs.push(diffOf(c));
  }
  rt.output.result([...lines, ...diffs].join('\n'), {
    event: 'plan',
    dryRun: true,
    command: cmd.name,
    from: plan.from,
    to: plan.to,
    steps: plan.steps,
    notes: plan.notes,
    diffs,
  });
  return exitOk();
}
