import { portPlace } from '../config/socket-paths.js';
import type { Config } from '../config/types.js';
import { BgError, EXIT, type ExitCode, isBgError, messageOf } from '../errors.js';
import type { RunResult } from '../execute/executor.js';
import type { Problem } from '../host/diagnose.js';
import type { Plan } from '../plan/step.js';

// The one place a command's outcome is decided: the state line and the exit code. Exit 4 only when
// putting things back failed, so the host may really be half switched, or a bug struck after a step
// began. Other modules return results or throw typed errors; no other module picks an exit code.

/**
 * A run that failed: rolled back (exit 1), or not all the way (exit 4). `servesAsBefore` is what bg
 * found when it looked at the host again after an undo failed: exit 4 only when it does not.
 */
export function runFailure(
  command: string,
  cfg: Config,
  plan: Plan,
  result: RunResult,
  servesAsBefore = false,
  problems: Problem[] = [],
): BgError {
  const failed = result.failed!;
  const cause = failed.error;
  const why = messageOf(cause);
  const detail = isBgError(cause) ? cause.detail : undefined;
  const code = isBgError(cause) ? cause.code : 'internal';
  const serving = plan.from ? `${plan.from} (${portPlace(cfg)(cfg.web.ports[plan.from])})` : 'what served before';
  const notUndone = releaseNotUndone(result);
  if (result.undoFailed?.length) {
    const undo = result.undoFailed.map((u) => `undo of ${u.step}: ${messageOf(u.error)}`).join('; ');
    if (servesAsBefore) {
      return new BgError(`${command} failed at step ${failed.step}: ${why}. Putting things back met an error too (${undo}).`, {
        code,
        step: failed.step,
        exitCode: EXIT.deployFailed,
        detail,
        state: `Checked after the undo: ${serving} serves as before (upstream file, Caddy and its units agree).${notUndone}`,
        next: `${isBgError(cause) && cause.next ? `${cause.next} ` : ''}Run \`bluegreen status\` to see what the failed undo left (e.g. a unit of the other color).`,
      });
    }
    return new BgError(`${command} failed at ${failed.step}: ${why}. Putting things back also failed: ${undo}.`, {
      code,
      step: failed.step,
      exitCode: EXIT.attention,
      detail,
      state: `Unknown: the host may be half switched. Run \`bluegreen status\` to see which color Caddy routes to and which units run.${notUndone}`,
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
    return new BgError(`${command} refused at step ${failed.step}: ${why}`, {
      code,
      step: failed.step,
      exitCode: EXIT.usage,
      detail,
      state: cause.state,
      next: cause.next,
    });
  }
  const state = `${
    plan.from
      ? `Rolled back: old version still serving from ${serving}; Celery as before.`
      : // a first setup: nothing of this app served before, and nothing does now
        `Put back: this app serves nothing yet (first setup); Caddy's config${cfg.legacyUnit ? ` and ${cfg.legacyUnit}` : ''} as before.`
  }${notUndone}`;
  return new BgError(`${command} failed at step ${failed.step}: ${why}`, {
    code,
    step: failed.step,
    exitCode: EXIT.deployFailed,
    detail,
    state,
    next: isBgError(cause) && cause.next ? cause.next : 'Fix the cause above and run it again.',
  });
}

/** What a failed run's release commands did that no undo takes back (the database): said in the state line. */
export function releaseNotUndone(result: RunResult): string {
  const ran = result.releaseRan;
  if (!ran) return '';
  const migrations = result.migrations?.length
    ? ran.finished
      ? ` Migrations applied: ${result.migrations.join(', ')}.`
      : ` Some of these migrations may be applied: ${result.migrations.join(', ')}.`
    : '';
  return ` But release commands ran and were not undone: ${ran.commands.join('; ')}.${migrations}`;
}

export const exitOk = (): ExitCode => EXIT.ok;

/** commander stopped on its own: --help or --version (0), else bad usage. */
export const commanderExit = (code: number): ExitCode => (code === 0 ? EXIT.ok : EXIT.usage);

/** A second SIGINT or SIGTERM ends bg at once, as the shell reports a process killed by it. */
export const signalExitCode = (sig: NodeJS.Signals): number => (sig === 'SIGINT' ? 130 : 143);

/** A fleet's dry run: each host's own exit code; the last one that is not 0 is bg's. */
export const fleetDryRunExit = (codes: number[]): number => codes.filter((c) => c !== EXIT.ok).at(-1) ?? EXIT.ok;

/** status and history across hosts: exit 1 when a host did not answer. */
export const fleetReadExit = (allAnswered: boolean): ExitCode => (allAnswered ? EXIT.ok : EXIT.deployFailed);

// A bug (not a BgError) thrown once a step began or a fleet host ran: the host may have changed.
// A property, not a WeakSet: the command's bundle and main's are separate module instances.
const AFTER_CHANGE = 'bgAfterChange';

/** Marks a bug thrown after something may have changed; a BgError carries its own outcome. */
export function afterChange(err: unknown): unknown {
  if (isBgError(err)) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  Object.defineProperty(e, AFTER_CHANGE, { value: true });
  return e;
}

/** A bug: exit 1 when it was thrown before anything changed, exit 4 once a step had begun. */
export function bugOutcome(err: unknown): { exitCode: ExitCode; state: string } {
  const changed = typeof err === 'object' && err !== null && (err as Record<string, unknown>)[AFTER_CHANGE] === true;
  return changed
    ? { exitCode: EXIT.attention, state: 'Unknown: it stopped after a step had begun. Run `bluegreen status` to see what the host runs.' }
    : { exitCode: EXIT.deployFailed, state: 'Nothing was changed by this command.' };
}

/**
 * How an error that reached the top ends the command. An error from a run carries its outcome
 * (runFailure); any other was thrown before the command changed anything, so unless the error
 * knows better (a lock held, bad usage, a host found half switched) it is exit 1, nothing changed.
 */
export function outcomeOf(err: BgError): { exitCode: ExitCode; state: string } {
  return { exitCode: err.exitCode ?? EXIT.deployFailed, state: err.state ?? 'Nothing was changed by this command.' };
}
