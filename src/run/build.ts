import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { type Color, type Config, releaseDir } from '../config/types.js';
import { BgError, EXIT } from '../errors.js';
import { readEnvFile } from './env-file.js';

// Runs the configured build steps in the idle release with the app's env file. These are the
// operator's own commands from bg.yml, so they run through sh (pipes, &&); no user-typed text
// (branch names) ever reaches them. Output is kept in <state>/build-<color>.log and shown on failure.
export async function runBuild(cfg: Config, color: Color, commands: string[]): Promise<void> {
  const env = { ...(await readEnvFile(cfg.envFile)), BG_COLOR: color, BG_RELEASE: releaseDir(cfg, color) };
  const logPath = `${cfg.stateDir}/build-${color}.log`;
  await mkdir(cfg.stateDir, { recursive: true });
  let log = '';
  for (const cmd of commands) {
    const r = await execa('sh', ['-c', cmd], { cwd: releaseDir(cfg, color), env, all: true, reject: false, stdin: 'ignore' });
    log += `$ ${cmd}\n${r.all ?? ''}\n`;
    if (r.exitCode !== 0 || r.failed) {
      await writeFile(logPath, log);
      throw new BgError(`Build step failed in releases/${color}: ${cmd} (exit ${r.exitCode ?? r.signal ?? 'unknown'}).`, EXIT.deployFailed, {
        detail: tail(r.all ?? '', 20),
        next: `Fix the build (full output in ${logPath}) and deploy again.`,
      });
    }
  }
  await writeFile(logPath, log);
}

const tail = (text: string, n: number) => text.trimEnd().split('\n').slice(-n).join('\n');
