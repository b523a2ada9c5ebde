import type { Config } from '../config/types.js';
import { BgError, EXIT, type ExitCode, isBgError, messageOf } from '../errors.js';
import type { RunResult } from '../execute/executor.js';
import type { Problem } from '../host/diagnose.js';
import type { Plan } from '../plan/step.js';

// The one place a command's outcome is decided: the state line and the exit code. Exit 4 only when
// putting things back failed, so the host may really be half switched.

/**
 * A run that failed: rolled back (exit 1), or not all the way (exit 4). `servesAsBefore` is what bg
 * found when it looked at the host again after an undo failed: exit 4 only when it does not.
 */
export function runFailure(command: string, cfg: Config, plan: Plan, result: RunResult, servesAsBefore = false, problems: Problem[] = []): BgError {
  const failed = result.failed!;
  const cause = failed.error;
  const why = messageOf(cause);
  const detail = isBgError(cause) ? cause.detail : undefined;
  const code = isBgError(cause) ? cause.code : 'internal';
  const serving = plan.from ? `${plan.from} (port ${cfg.web.ports[plan.from]})` : 'what served before';
  if (result.undoFailed?.length) {
    const undo = result.undoFailed.map((u) => `undo of ${u.step}: ${messageOf(u.error)}`).join('; ');
    if (servesAsBefore) {
      return new BgError(`${command} failed at step ${failed.step}: ${why}. Putting things back met an error too (${undo}).`, {
        code,
        step: failed.step,
        exitCode: EXIT.deployFailed,
        detail,
        state: `Checked after the undo: ${serving} serves as before (upstream file, Caddy and its units agree).`,
        next: `${isBgError(cause) && cause.next ? `${cause.next} ` : ''}Run \`bluegreen status\` to see what the failed undo left (e.g. a unit of the other color).`,
      });
    }
    return new BgError(`${command} failed at ${failed.step}: ${why}. Putting things back also failed: ${undo}.`, {
      code,
      step: failed.step,
      exitCode: EXIT.attention,
      detail,
      state: 'Unknown: the host may be half switched. Run `bluegreen status` to see which color Caddy routes to and which units run.',
      // what bg saw when it looked again: e.g. Caddy down is fixed by starting Caddy, not a web unit;
      // a broker that is down comes first (no worker starts without it)
      next: `${code === 'broker-unreachable' && isBgError(cause) && cause.next ? 'Start the broker first. ' : ''}${
        problems.length
          ? `${problems.map((p) => `${p.message} ${p.next}`).join(' ')} Then run \`bluegreen status\`.`
          : `Start the color Caddy routes to (systemctl start ${cfg.app}-web-<color>), then run \`bluegreen status\`.`
      }`,
    });
  }
  // refused by a check before anything changed what serves (a destructive migration): its own words
  if (isBgError(cause) && cause.exitCode === EXIT.usage) {
    return new BgError(`${command} refused at step ${failed.step}: ${why}`, { code, step: failed.step, exitCode: EXIT.usage, detail, state: cause.state, next: cause.next });
  }
  const state = plan.from
    ? `Rolled back: old version still serving from ${serving}; Celery as before.`
    : // a first setup: nothing of this app served before, and nothing does now
      `Put back: this app serves nothing yet (first setup); Caddy's config${cfg.legacyUnit ? ` and ${cfg.legacyUnit}` : ''} as before.`;
  return new BgError(`${command} failed at step ${failed.step}: ${why}`, {
    code,
    step: failed.step,
    exitCode: EXIT.deployFailed,
    detail,
    state,
    next: isBgError(cause) && cause.next ? cause.next : 'Fix the cause above and run it again.',
  });
}

/**
 * How an error that reached the top ends the command. An error from a run carries its outcome
 * (runFailure); any other was thrown before the command changed anything, so unless the error
 * knows better (a lock held, bad usage, a host found half switched) it is exit 1, nothing changed.
 */
export function outcomeOf(err: BgError): { exitCode: ExitCode; state: string } {
  return { exitCode: err.exitCode ?? EXIT.deployFailed, state: err.state ?? 'Nothing was changed by this command.' };
}
