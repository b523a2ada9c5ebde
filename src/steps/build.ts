import { type BuildPhase, buildLogPath, inAppDir, releasePath } from '../config/names.js';
import type { Color, Config } from '../config/types.js';
import { BuildError } from '../errors.js';
import type { Host, ShellResult } from '../execute/host.js';
import { type ExitStatus, exitStatus, exitStatusLine } from '../host/exit-status.js';
import { accessDenied, pathPrefixes, type SeenDir } from '../host/user-access.js';
import { databaseFiles, refuseNewDatabases } from './release-data.js';

// Below systemd's default of 100: while a build and the live app both want the CPU, the app wins.
const BUILD_CPU_WEIGHT = 20;

export interface BuildStep {
  phase: BuildPhase;
  release: string;
  n: number; // the command's place in its phase, from 1
  command: string;
  cwd: string;
  env: Record<string, string>;
  envFile?: string;
  user?: string;
  memoryHigh?: number;
  signal?: AbortSignal;
}

const stepUnit = (cfg: Config, phase: BuildPhase, release: string, n: number) => `${cfg.app}-${phase}-${release}-${n}.service`;

/** When systemd failed before a build step's command ran (exit 200 and above): what and what to do, in words. */
export function setupFailure(cfg: Config, s: BuildStep, r: ShellResult): ExitStatus | undefined {
  const said = exitStatus(r.exitCode, {
    unit: stepUnit(cfg, s.phase, s.release, s.n),
    cwd: s.cwd,
    command: s.command,
    ...(s.user && { user: s.user }),
  });
  return said?.byRunner ? said : undefined;
}

/** One command of a build as the transient unit <app>-<phase>-<release>-<n>.service; its output comes back, its log file goes. */
export async function runBuildStep(host: Host, cfg: Config, s: BuildStep): Promise<ShellResult> {
  const logFile = `${buildLogPath(cfg, s.release, s.phase)}.${s.n}`;
  const r = await host.runTransient({
    unit: stepUnit(cfg, s.phase, s.release, s.n),
    command: s.command,
    cwd: s.cwd,
    ...(s.envFile && { envFile: s.envFile }),
    env: s.env,
    ...(s.user && { user: s.user }),
    ...(s.memoryHigh && { memoryHigh: s.memoryHigh }),
    cpuWeight: BUILD_CPU_WEIGHT,
    logFile,
    signal: s.signal,
  });
  await host.files.remove(logFile).catch(() => undefined);
  return r;
}

export interface BuildRun {
  color: Color;
  release: string;
  commands: string[];
  user?: string;
  phase: 'build' | 'release';
  memoryHigh?: number; // bytes; the planner's figure from the host's headroom
  signal?: AbortSignal;
}

// Runs the configured build steps in a new release (for the idle color), each as a transient
// systemd service (`sh -c`, the app's env file and user, MemoryHigh=, a low CPU weight). Output is
// kept in <state>/<phase>-<release>.log and shown on failure.
export async function runBuild(host: Host, cfg: Config, b: BuildRun): Promise<void> {
  const dir = releasePath(cfg, b.release);
  // as the app's user, in a release it owns while the build runs; root's again after, so the running
  // app can read its code but never change it
  const ids = b.user ? await host.ensureSystemUser(b.user, cfg.root, cfg.app) : undefined;
  const databases = await databaseFiles(host, dir);
  if (ids) await host.chownTree(dir, ids.uid, ids.gid);
  try {
    if (ids && b.user) await checkUserReaches(host, cfg, b.user, ids, dir);
    await runCommands(host, cfg, dir, b, !!ids);
  } finally {
    if (ids) await host.chownTree(dir, 0, 0);
  }
  // walked once the release is root's again
  await refuseNewDatabases(host, cfg, b, databases);
}

// Before a build in system scope: the app's user must enter every directory down to the release and
// app_dir, and read those two. A symbolic link on the way ends the check there (systemd's own
// 200/CHDIR, said in words, covers what lies past it).
async function checkUserReaches(host: Host, cfg: Config, user: string, ids: { uid: number; gid: number }, dir: string): Promise<void> {
  const cwd = inAppDir(cfg, dir);
  const seen: SeenDir[] = [];
  for (const path of pathPrefixes(cwd)) {
    const stat = await host.files.lstat(path);
    if (stat?.kind !== 'dir') break;
    seen.push({ path, stat });
  }
  const denied = accessDenied(seen, ids, [dir, cwd]);
  if (!denied) return;
  const fix = denied.need === 'enter' ? `chmod o+x ${denied.path}` : `chmod o+rx ${denied.path}`;
  throw new BuildError(
    `The app's user (${user}, uid ${ids.uid}) cannot ${denied.need === 'enter' ? 'enter' : 'read'} ${denied.path} (${denied.why}): the build in ${cwd} would fail before it starts (systemd's 200/CHDIR).`,
    {
      code: 'user-cannot-reach',
      next: `Let it through (\`${fix}\`, or \`chmod 755 ${denied.path}\`; \`namei -l ${cwd}\` shows every mode on the way), then run it again.`,
    },
  );
}

async function runCommands(host: Host, cfg: Config, dir: string, b: BuildRun, asUser: boolean): Promise<void> {
  const env = { BG_COLOR: b.color, BG_RELEASE: dir, ...(asUser && { HOME: dir }) };
  const logPath = buildLogPath(cfg, b.release, b.phase);
  await host.files.makeDirs([cfg.stateDir]);
  let log = '';
  for (const [i, cmd] of b.commands.entries()) {
    const step: BuildStep = {
      phase: b.phase,
      release: b.release,
      n: i + 1,
      command: cmd,
      cwd: inAppDir(cfg, dir),
      envFile: cfg.envFile,
      env,
      ...(asUser && { user: b.user }),
      memoryHigh: b.memoryHigh,
      signal: b.signal,
    };
    const r = await runBuildStep(host, cfg, step);
    log += `$ ${cmd}\n${r.output}\n`;
    if (r.exitCode !== 0) {
      await host.files.write(logPath, log, 0o600);
      // 200 and above: systemd's own failure before the command ran; below, the command's own exit code
      const status = setupFailure(cfg, step, r);
      const missing = missingVariable(r.output);
      const exit = status ? exitStatusLine(status) : (r.exitCode ?? r.signal ?? 'unknown');
      throw new BuildError(`${b.phase === 'build' ? 'Build' : 'Release'} step failed in releases/${b.release}: ${cmd} (exit ${exit}).`, {
        detail: tail(r.output, 20) || (status ? '(no output: systemd stopped before running the command)' : ''),
        next: status
          ? status.next
          : missing
            ? `It reads ${missing} from its environment: set ${missing}=... in ${cfg.envFile} (the build and the units read that file), then run it again.`
            : `Fix the build (full output in ${logPath}) and run it again.`,
      });
    }
  }
  await host.files.write(logPath, log, 0o600);
}

const tail = (text: string, n: number) => text.trimEnd().split('\n').slice(-n).join('\n');

/** The environment variable a failed command looked for: Python's KeyError on os.environ, a shell's unbound variable. */
export function missingVariable(output: string): string | undefined {
  const m = /KeyError: '([A-Z][A-Z0-9_]*)'/.exec(output) ?? /([A-Z][A-Z0-9_]*): (?:unbound variable|parameter not set)/.exec(output);
  return m?.[1];
}
