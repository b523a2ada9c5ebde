// Runs one of the operator's own commands from bg.yml (hooks, manage.py) through `sh -c`, so pipes
// and `&&` work. No user-typed text (branch names) ever reaches it.
import { SYSTEM_PATH } from '../render/run-command.js';
import { type RunOptions, runProcess } from './process.js';

/**
 * As another user (the app's, for manage.py): a session of its own, so it never has bg's terminal
 * (TIOCSTI would type into root's shell), and none of bg's environment (root's tokens), only PATH,
 * LANG and what it is given.
 */
export function shellOptions(opts: {
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}): RunOptions {
  const asOther = opts.uid !== undefined;
  return {
    cwd: opts.cwd,
    env: asOther ? { PATH: SYSTEM_PATH, LANG: 'C.UTF-8', ...opts.env } : opts.env,
    extendEnv: !asOther,
    all: true,
    ...(asOther && { uid: opts.uid, gid: opts.gid, detached: true }),
    ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }),
  };
}

export async function runShell(
  command: string,
  opts: { cwd: string; env: Record<string, string>; uid?: number; gid?: number; timeoutMs?: number },
): Promise<{ exitCode?: number; signal?: string; output: string }> {
  const r = await runProcess('sh', ['-c', command], shellOptions(opts));
  return { exitCode: r.exitCode, signal: r.signal, output: r.error ? `${r.all ?? ''}${r.error.message}` : (r.all ?? '') };
}
