// Runs one of the operator's own commands from bg.yml (hooks, manage.py) through `sh -c`, so pipes
// and `&&` work. No user-typed text (branch names) ever reaches it.
import { SYSTEM_PATH } from '../render/run-command.js';

/**
 * execa's options. As another user (the app's, for manage.py): a session of its own, so it never
 * has bg's terminal (TIOCSTI would type into root's shell), and none of bg's environment (root's
 * tokens), only PATH, LANG and what it is given.
 */
export function shellOptions(opts: { cwd: string; env: Record<string, string>; uid?: number; gid?: number; timeoutMs?: number }) {
  const asOther = opts.uid !== undefined;
  return {
    cwd: opts.cwd,
    env: asOther ? { PATH: SYSTEM_PATH, LANG: 'C.UTF-8', ...opts.env } : opts.env,
    extendEnv: !asOther,
    all: true,
    reject: false,
    stdin: 'ignore' as const,
    ...(asOther && { uid: opts.uid, gid: opts.gid, detached: true }),
    ...(opts.timeoutMs && { timeout: opts.timeoutMs }),
  };
}

export async function runShell(
  command: string,
  opts: { cwd: string; env: Record<string, string>; uid?: number; gid?: number; timeoutMs?: number },
): Promise<{ exitCode?: number; signal?: string; output: string }> {
  const { execa } = await import('execa'); // deploys only: `bg status` never loads execa
  const r = await execa('sh', ['-c', command], shellOptions(opts));
  const failedToRun = r.failed && r.exitCode === undefined && !r.signal;
  return { exitCode: r.exitCode, signal: r.signal ?? undefined, output: failedToRun ? `${r.all ?? ''}${r.message}` : (r.all ?? '') };
}
