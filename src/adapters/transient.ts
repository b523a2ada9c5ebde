// The build and release commands as transient systemd services (StartTransientUnit): systemd runs
// them as the app's user, with the env file, a low CPU weight and MemoryHigh=, and they show in
// `systemctl list-units` while they run. Their output goes to a log file bg reads back.
import { Variant } from 'dbus-next';
import type { ShellResult, TransientRun } from '../execute/host.js';
import { readText, writeAtomic } from './files.js';
import type { Systemd } from './systemd.js';

type Manager = Pick<Systemd, 'startTransient' | 'unitState' | 'resetFailed' | 'queueStop'>;

/** The unit properties of one transient build command. Pure. */
export function transientProps(run: TransientRun): [string, Variant][] {
  const env = Object.entries(run.env).map(([k, v]) => `${k}=${v}`);
  return [
    ['Description', new Variant('s', `bg: ${run.command}`.slice(0, 200))],
    ['WorkingDirectory', new Variant('s', run.cwd)],
    ...(run.envFile ? [['EnvironmentFiles', new Variant('a(sb)', [[run.envFile, true]])] as [string, Variant]] : []),
    ['Environment', new Variant('as', env)],
    // as the app's user: no setuid or setgid program (crontab, at) gives it a process outside this
    // unit's cgroup, which would outlive the build and race root's chown of the release back
    ...(run.user
      ? ([
          ['User', new Variant('s', run.user)],
          ['NoNewPrivileges', new Variant('b', true)],
          ['RestrictSUIDSGID', new Variant('b', true)],
        ] as [string, Variant][])
      : []),
    ['CPUWeight', new Variant('t', BigInt(run.cpuWeight))],
    ['IOWeight', new Variant('t', BigInt(run.cpuWeight))],
    ...(run.memoryHigh ? [['MemoryHigh', new Variant('t', BigInt(Math.floor(run.memoryHigh)))] as [string, Variant]] : []),
    ['StandardInput', new Variant('s', 'null')],
    ['StandardOutputFileToAppend', new Variant('s', run.stdoutFile ?? run.logFile)],
    ['StandardErrorFileToAppend', new Variant('s', run.logFile)],
  ];
}

export async function runTransient(systemd: Manager, run: TransientRun): Promise<ShellResult> {
  await writeAtomic(run.logFile, '', { mode: 0o600 });
  const stop = () => void systemd.queueStop(run.unit).catch(() => undefined);
  run.signal?.addEventListener('abort', stop, { once: true });
  let result: string;
  try {
    result = await systemd.startTransient(run.unit, ['/bin/sh', '-c', run.command], transientProps(run));
  } finally {
    run.signal?.removeEventListener('abort', stop);
  }
  const output = (await readText(run.logFile).catch(() => undefined)) ?? '';
  if (result === 'done') return { exitCode: 0, output };
  // a failed oneshot stays loaded as failed until reset: read how it ended, then let systemd forget it
  const state = await systemd.unitState(run.unit).catch(() => undefined);
  await systemd.resetFailed(run.unit).catch(() => undefined);
  if (state?.result === 'signal') return { signal: `signal ${state.execMainStatus ?? '?'}`, output };
  if (state?.result === 'exit-code') return { exitCode: state.execMainStatus, output };
  return {
    signal: state?.result || result,
    output: `${output}${output.endsWith('\n') || !output ? '' : '\n'}systemd: the ${run.unit} job ended ${result}${state?.result ? ` (${state.result})` : ''}\n`,
  };
}
