import { spawn } from 'node:child_process';

/**
 * Runs a command on this terminal (stdin, stdout, stderr passed through, so a TTY stays a TTY) and
 * resolves with its exit code; Ctrl-C and SIGTERM go to it, not to bg. A signal exit is 128 + n.
 */
export function runAttached(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: opts.cwd, env: opts.env, ...(opts.uid !== undefined && { uid: opts.uid, gid: opts.gid }) });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    const done = () => process.off('SIGINT', forward).off('SIGTERM', forward);
    child.on('error', (e) => {
      done();
      reject(e);
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? (({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1) : 1));
    });
  });
}
