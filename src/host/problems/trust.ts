// What root or systemd would read or run through a path the app's user could change. Pure.
import { venvsDir } from '../../config/names.js';
import type { Config } from '../../config/types.js';
import { EXIT } from '../../errors.js';
import type { HostState } from '../host-state.js';
import type { Found } from '../problem.js';

export function envFileLink(cfg: Config, host: HostState): Found | undefined {
  if (!host.envFileIsLink) return undefined;
  return {
    code: 'env-file-link',
    message: `the env file ${cfg.envFile} is a symbolic link: systemd would read wherever it points, as root, into the app's environment.`,
    next: `Make it a regular file again (its secrets, 0640 root:${cfg.user}); keep env_file outside shared/ (e.g. /etc/bg/${cfg.app}.env) so the app's user cannot replace it.`,
    blocks: ['setup', 'deploy', 'rollback'],
    exitCode: EXIT.usage,
  };
}

export function venvUntrusted(cfg: Config, host: HostState): Found | undefined {
  if (!host.liveVenv?.untrusted) return undefined;
  const t = host.liveVenv.target;
  const inVenvs = !!t && t.startsWith(`${venvsDir(cfg)}/`);
  return {
    code: 'venv-untrusted',
    message: `the live units run the Python of a venv bg cannot vouch for: ${host.liveVenv.untrusted}. Whoever can write there chooses the code they run.`,
    next: inVenvs
      ? `Check who changed it (ls -la ${t}), then rm -rf ${t} && bluegreen deploy: bg builds the venv again, root's, in ${venvsDir(cfg)}.`
      : `Run \`bluegreen deploy\`: it builds the venv in ${venvsDir(cfg)} (root's, 0755) and the new release runs from there.`,
  };
}
