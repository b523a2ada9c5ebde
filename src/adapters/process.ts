// Every process bg starts goes through here; the command lines come from src/render/argv/.
//
// Two engines behind one result type:
// - `runProcess`: execa, for what only a run starts (git checkouts, the operator's hooks, useradd).
//   execa is imported on first use, and only the bundles of commands that change the host hold it.
// - `readProcess`, `streamProcess`, `runAttached`: node's child_process, for what the read-side
//   commands start (status, logs, run, releases, history: git's HEAD, journalctl, getent, id, ss,
//   ssh to the fleet's hosts, tail, systemd-run). Loading execa would cost those commands more than
//   the process they run (docs/measurements.md); their bundles must not hold it.
import { execFile, spawn } from 'node:child_process';

export interface ProcessResult {
  ok: boolean; // ran and exited 0
  exitCode?: number; // undefined when it did not start, or a signal ended it
  signal?: string;
  stdout: string;
  stderr: string;
  all?: string; // stdout and stderr interleaved, when asked for
  timedOut: boolean;
  /** Why it did not start (ENOENT: no such command), or what else failed; undefined when it ran. */
  error?: { code?: string; message: string };
}

export interface RunOptions {
  cwd?: string;
  /** Added to bg's environment, or the whole environment with `extendEnv: false`. */
  env?: Record<string, string>;
  extendEnv?: boolean;
  uid?: number;
  gid?: number;
  /** A session of its own: no controlling terminal of bg's. */
  detached?: boolean;
  timeoutMs?: number;
  all?: boolean;
}

/** Runs `cmd` with no stdin and captures its output; never throws for a failed or missing command. */
export async function runProcess(cmd: string, args: string[], o: RunOptions = {}): Promise<ProcessResult> {
  const { execa } = await import('execa');
  const r = await execa(cmd, args, {
    cwd: o.cwd,
    env: o.env,
    extendEnv: o.extendEnv ?? true,
    all: o.all ?? false,
    reject: false,
    stdin: 'ignore',
    ...(o.uid !== undefined && { uid: o.uid, gid: o.gid }),
    ...(o.detached && { detached: true }),
    ...(o.timeoutMs && { timeout: o.timeoutMs }),
  });
  const ran = !r.failed || r.exitCode !== undefined || !!r.signal;
  return {
    ok: r.exitCode === 0 && !r.failed,
    exitCode: r.exitCode,
    signal: r.signal ?? undefined,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    ...(o.all && { all: String(r.all ?? '') }),
    timedOut: r.timedOut,
    ...(!ran && { error: { code: (r as { code?: string }).code, message: r.message ?? 'could not run' } }),
  };
}

/** A short read (`git log -1`, `journalctl -n`, `getent`, `ss`): bg's environment plus `env`, output captured. */
export function readProcess(cmd: string, args: string[], o: { env?: Record<string, string>; timeoutMs: number }): Promise<ProcessResult> {
  return new Promise((resolve) =>
    execFile(cmd, args, { timeout: o.timeoutMs, ...(o.env && { env: { ...process.env, ...o.env } }) }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; signal?: string; code?: number | string }) | null;
      const exitCode = !e ? 0 : typeof e.code === 'number' ? e.code : undefined;
      resolve({
        ok: !e,
        exitCode,
        signal: e?.signal ?? undefined,
        stdout: String(stdout ?? ''),
        stderr: String(stderr ?? ''),
        timedOut: !!e?.killed && !!e.signal,
        ...(e &&
          exitCode === undefined &&
          !e.signal && { error: { code: typeof e.code === 'string' ? e.code : undefined, message: e.message } }),
      });
    }),
  );
}

/** Runs `cmd` with no stdin, handing each stdout chunk to `onStdout` as it comes; the whole output too at the end. */
export function streamProcess(cmd: string, args: string[], onStdout: (text: string) => void): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString();
      stdout += text;
      onStdout(text);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ ok: false, stdout, stderr, timedOut: false, error: { code: err.code, message: err.message } }),
    );
    child.on('close', (code, signal) =>
      resolve({ ok: code === 0, exitCode: code ?? undefined, signal: signal ?? undefined, stdout, stderr, timedOut: false }),
    );
  });
}

/**
 * Runs a command on this terminal (stdin, stdout, stderr passed through, so a TTY stays a TTY) and
 * resolves with its exit code; Ctrl-C and SIGTERM go to it, not to bg. A signal exit is 128 + n.
 */
export function runAttached(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit' });
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
