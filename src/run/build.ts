import { buildLogPath, releasePath } from '../config/names.js';
import type { Color, Config } from '../config/types.js';
import { BuildError } from '../errors.js';
import { parseEnvFile } from './env-file.js';
import type { Host } from './host.js';

// Runs the configured build steps in a new release (for the idle color) with the app's env file, each with its own
// `sh -c`. Output is kept in <state>/build-<release>.log and shown on failure.
export async function runBuild(host: Host, cfg: Config, color: Color, release: string, commands: string[]): Promise<void> {
  const dir = releasePath(cfg, release);
  const envText = await host.files.read(cfg.envFile).catch(() => undefined);
  const env = { ...parseEnvFile(envText ?? ''), BG_COLOR: color, BG_RELEASE: dir };
  const logPath = buildLogPath(cfg, release);
  await host.files.makeDirs([cfg.stateDir]);
  let log = '';
  for (const cmd of commands) {
    const r = await host.shell(cmd, { cwd: dir, env });
    log += `$ ${cmd}\n${r.output}\n`;
    if (r.exitCode !== 0) {
      await host.files.write(logPath, log, 0o644);
      throw new BuildError(`Build step failed in releases/${release}: ${cmd} (exit ${r.exitCode ?? r.signal ?? 'unknown'}).`, {
        detail: tail(r.output, 20),
        next: `Fix the build (full output in ${logPath}) and deploy again.`,
      });
    }
  }
  await host.files.write(logPath, log, 0o644);
}

const tail = (text: string, n: number) => text.trimEnd().split('\n').slice(-n).join('\n');
