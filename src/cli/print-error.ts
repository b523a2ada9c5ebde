import { isBgError } from '../errors.js';
import { jsonOut } from '../protocol/writer.js';
import { bugOutcome, outcomeOf } from './outcome.js';

// The single place errors become output: what happened, the state the host is in, what to do.
// Expected errors never show a stack; anything else is a bug and says so.
export function printError(err: unknown, json: boolean): number {
  if (isBgError(err)) {
    const { exitCode, state } = outcomeOf(err);
    if (json) {
      jsonOut({
        event: 'error',
        error: err.name,
        code: err.code,
        step: err.step,
        message: err.message,
        state,
        next: err.next,
        detail: err.detail,
        exitCode,
      });
    } else {
      const lines = [`bg: ${err.message}`];
      if (err.detail)
        lines.push(
          ...err.detail
            .trimEnd()
            .split('\n')
            .map((l) => `    ${l}`),
        );
      lines.push(`  state: ${state}`);
      if (err.next) lines.push(`  next:  ${err.next}`);
      process.stderr.write(`${lines.join('\n')}\n`);
    }
    return exitCode;
  }
  const e = err as Error;
  const { exitCode, state } = bugOutcome(err);
  process.stderr.write(
    `bg: internal error: ${e?.message ?? String(err)}\n${e?.stack ?? ''}\n  state: ${state}\n  This is a bug in bg; please report it with the output above.\n`,
  );
  return exitCode;
}
