import { EXIT, isBgError } from '../errors.js';

// The single place errors become output: what happened, the state the host is in, what to do.
// Expected errors never show a stack; anything else is a bug and says so.
export function printError(err: unknown, json: boolean): number {
  if (isBgError(err)) {
    if (json) {
      process.stdout.write(`${JSON.stringify({ event: 'error', error: err.name, message: err.message, state: err.state, next: err.next, detail: err.detail, exitCode: err.exitCode })}\n`);
    } else {
      const lines = [`bg: ${err.message}`];
      if (err.detail) lines.push(...err.detail.trimEnd().split('\n').map((l) => `    ${l}`));
      if (err.state) lines.push(`  state: ${err.state}`);
      if (err.next) lines.push(`  next:  ${err.next}`);
      process.stderr.write(`${lines.join('\n')}\n`);
    }
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`bg: internal error: ${e?.message ?? String(err)}\n${e?.stack ?? ''}\n  This is a bug in bg; please report it with the output above.\n`);
  return EXIT.attention;
}
