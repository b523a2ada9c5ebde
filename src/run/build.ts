import { buildLogPath, inAppDir, releasePath } from '../config/names.js';
import type { Color, Config } from '../config/types.js';
import { BuildError } from '../errors.js';
import { parseEnvFile } from './env-file.js';
import type { Host } from './host.js';

// Runs the configured build steps in a new release (for the idle color) with the app's env file, each with its own
// `sh -c`. Output is kept in <state>/build-<release>.log and shown on failure.
export async function runBuild(host: Host, cfg: Config, color: Color, release: string, commands: string[], user?: string, phase: 'build' | 'release' = 'build'): Promise<void> {
  const dir = releasePath(cfg, release);
  // as the app's user, in a release it owns while the build runs; root's again after, so the running
  // app can read its code but never change it
  const ids = user ? await host.ensureSystemUser(user, cfg.root) : undefined;
  if (ids) await host.chownTree(dir, ids.uid, ids.gid);
  try {
    await runCommands(host, cfg, color, dir, release, commands, ids, phase);
  } finally {
    if (ids) await host.chownTree(dir, 0, 0);
  }
}

async function runCommands(
  host: Host,
  cfg: Config,
  color: Color,
  dir: string,
  release: string,
  commands: string[],
  ids: { uid: number; gid: number } | undefined,
  phase: 'build' | 'release',
): Promise<void> {
  const envText = await host.files.read(cfg.envFile).catch(() => undefined);
  const env = { ...parseEnvFile(envText ?? ''), BG_COLOR: color, BG_RELEASE: dir, ...(ids && { HOME: dir }) };
  const logPath = buildLogPath(cfg, release, phase);
  await host.files.makeDirs([cfg.stateDir]);
  let log = '';
  for (const cmd of commands) {
    const r = await host.shell(cmd, { cwd: inAppDir(cfg, dir), env, ...(ids && { uid: ids.uid, gid: ids.gid }) });
    log += `$ ${cmd}\n${r.output}\n`;
    if (r.exitCode !== 0) {
      await host.files.write(logPath, log, 0o600);
      const missing = missingVariable(r.output);
      throw new BuildError(`${phase === 'build' ? 'Build' : 'Release'} step failed in releases/${release}: ${cmd} (exit ${r.exitCode ?? r.signal ?? 'unknown'}).`, {
        detail: tail(r.output, 20),
        next: missing
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
