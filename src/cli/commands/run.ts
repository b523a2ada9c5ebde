import { existsSync } from 'node:fs';
import { runAttached } from '../../adapters/process.js';
import { loadConfig } from '../../config/load.js';
import { currentLink, inAppDir } from '../../config/names.js';
import { UsageError } from '../../errors.js';
import { connectReader, readAppPaths } from '../../execute/connect-host.js';
import { checkAppPaths } from '../../host/app-paths.js';
import type { HostState } from '../../host/host-state.js';
import { nameProblems } from '../../host/names-check.js';
import { observe } from '../../host/observe.js';
import { runCommandArgs } from '../../render/run-command.js';
import { hostNamed, onHost } from '../on-host.js';
import { type GlobalOptions, scopeOf } from '../options.js';

// `bluegreen run -- manage.py createsuperuser`: a transient service (systemd-run) in the live
// release's app dir, as the app's user, in the app's sandbox, with the env file (read by systemd) and
// a minimal environment; a pseudo-terminal of its own when this one is a terminal, else this one's
// pipes. It never gets bg's terminal (TIOCSTI) or bg's environment. Its exit code is bg's.
export async function run(command: string[], o: GlobalOptions & { host?: string }): Promise<number> {
  if (command.length === 0)
    throw new UsageError('bluegreen run needs a command: bluegreen run -- python3 manage.py shell', { code: 'usage' });
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  // with hosts: in bg.yml, the host named runs it with its own config, through the same checks
  const target = hostNamed(cfg, o.host, 'run');
  if (target) {
    const ssh = onHost(process.env, target, ['run', '--', ...command], !!process.stdin.isTTY);
    return runAttached(ssh.cmd, ssh.args);
  }
  // systemd reads the env file as root into the command's environment: never one the app could redirect
  if (cfg.scope === 'system') checkAppPaths(cfg, await readAppPaths(cfg));
  const host = await connectReader(cfg);
  let state: HostState;
  try {
    state = await observe(cfg, host);
  } finally {
    host.close();
  }
  // the command runs as `user`: never as root or as an account that is not this app's
  const foreign = nameProblems(cfg, state).find((p) => p.code === 'user-not-the-apps');
  if (foreign) throw new UsageError(foreign.message, { code: foreign.code, next: foreign.next });
  const active = state.active;
  if (!active) throw new UsageError(`${cfg.app} is not set up: nothing is live to run in.`, { next: 'Run `bluegreen setup` first.' });
  const cwd = inAppDir(cfg, currentLink(cfg));
  const venvBin = `${cwd}/.venv/bin`;
  const args = runCommandArgs(cfg, {
    command,
    color: active,
    cwd,
    ...(existsSync(venvBin) && { venvBin }),
    tty: !!process.stdin.isTTY,
    caller: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG, TERM: process.env.TERM },
  });
  return runAttached('systemd-run', args);
}
