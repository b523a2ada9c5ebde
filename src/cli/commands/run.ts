import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { runAttached } from '../../adapters/attached.js';
import { ensureSystemUser } from '../../adapters/users.js';
import { loadConfig } from '../../config/load.js';
import { currentLink, inAppDir } from '../../config/names.js';
import { UsageError } from '../../errors.js';
import { checkAppPaths } from '../../host/app-paths.js';
import { observe } from '../../host/observe.js';
import { connectReader, readAppPaths } from '../../run/connect-host.js';
import { parseEnvFile } from '../../run/env-file.js';
import { type GlobalOptions, scopeOf } from '../options.js';

// `bluegreen run -- manage.py createsuperuser`: in the live release's project dir, with the env file,
// as the app's user (system scope); this terminal passes through and its exit code is bg's.
export async function run(command: string[], o: GlobalOptions): Promise<number> {
  if (command.length === 0) throw new UsageError('bluegreen run needs a command: bluegreen run -- python3 manage.py shell', { code: 'usage' });
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  // it reads the env file as root into the command's environment: never one the app could redirect
  if (cfg.scope === 'system') checkAppPaths(cfg, await readAppPaths(cfg));
  const host = await connectReader(cfg);
  let active: string | undefined;
  try {
    active = (await observe(cfg, host)).active;
  } finally {
    host.close();
  }
  if (!active) throw new UsageError(`${cfg.app} is not set up: nothing is live to run in.`, { next: 'Run `bluegreen setup` first.' });
  const cwd = inAppDir(cfg, currentLink(cfg));
  const fileEnv = parseEnvFile(await readFile(cfg.envFile, 'utf8').catch(() => ''));
  const venvBin = `${cwd}/.venv/bin`;
  const path = existsSync(venvBin) ? `${venvBin}:${process.env.PATH ?? ''}` : process.env.PATH;
  const ids = cfg.scope === 'system' ? await ensureSystemUser(cfg.user, cfg.root) : undefined;
  const env = { ...process.env, ...fileEnv, PATH: path, BG_COLOR: active, ...(ids && { HOME: cwd, USER: cfg.user, LOGNAME: cfg.user }) };
  return runAttached(command[0], command.slice(1), { cwd, env, ...(ids && { uid: ids.uid, gid: ids.gid }) });
}
