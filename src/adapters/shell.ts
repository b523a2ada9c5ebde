// Runs one of the operator's own commands from bg.yml (build steps) through `sh -c`, so pipes and
// `&&` work. No user-typed text (branch names) ever reaches it.
export async function runShell(
  command: string,
  opts: { cwd: string; env: Record<string, string>; uid?: number; gid?: number; timeoutMs?: number },
): Promise<{ exitCode?: number; signal?: string; output: string }> {
  const { execa } = await import('execa'); // deploys only: `bg status` never loads execa
  const r = await execa('sh', ['-c', command], {
    cwd: opts.cwd,
    env: opts.env,
    all: true,
    reject: false,
    stdin: 'ignore',
    ...(opts.uid !== undefined && { uid: opts.uid, gid: opts.gid }),
    ...(opts.timeoutMs && { timeout: opts.timeoutMs }),
  });
  const failedToRun = r.failed && r.exitCode === undefined && !r.signal;
  return { exitCode: r.exitCode, signal: r.signal ?? undefined, output: failedToRun ? `${r.all ?? ''}${r.message}` : (r.all ?? '') };
}
