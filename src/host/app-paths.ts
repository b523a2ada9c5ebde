// Paths root (bg, systemd, Caddy) opens or follows must not lie where the app's user can write:
// there it could put a link in their place, and root would read or write wherever it points
// (another app's secrets as the app's environment, a log line appended to /etc/profile.d/...).
// Pure: `readAppPaths` (src/execute/connect-host.ts) reads the directories with lstat; this decides.
import type { PathSeen } from '../adapters/path-walk.js';
import { sharedDir } from '../config/names.js';
import { oldEnvFile, SYSTEM_ENV_DIR, scopePaths } from '../config/scope-paths.js';
import type { Config } from '../config/types.js';
import { ConfigError } from '../errors.js';

export interface AppPathsSeen {
  user?: { uid: number; gid: number; groups: number[] }; // undefined: the app's user does not exist yet
  paths: Record<string, PathSeen>;
}

export interface GuardedPath {
  key: string; // as in bg.yml
  path: string;
  instead: string; // what to set instead
}

/** Every path in the config that root opens, writes or follows, with what to set instead. */
export function guardedPaths(cfg: Config): GuardedPath[] {
  const defaults = scopePaths('system', cfg.app, {}, '/');
  const paths: (GuardedPath | undefined)[] = [
    // releases, venvs and the color and `current` links: root clones, prunes and builds there, PID 1 and Caddy follow the links
    {
      key: 'root',
      path: cfg.root,
      instead: `keep root but make it and every directory above it root's (chown root:root ${cfg.root} && chmod 755 ${cfg.root}); only shared/ is the app's`,
    },
    { key: 'env_file', path: cfg.envFile, instead: `remove env_file (the default, ${SYSTEM_ENV_DIR}/${cfg.app}.env)` },
    cfg.logDir ? { key: 'log_dir', path: cfg.logDir, instead: `remove log_dir (the journal), or e.g. /var/log/${cfg.app}` } : undefined,
    { key: 'state_dir', path: cfg.stateDir, instead: `remove state_dir (the default, ${defaults.stateDir})` },
    { key: 'unit_dir', path: cfg.unitDir, instead: `remove unit_dir (the default, ${defaults.unitDir})` },
    {
      key: 'caddy.upstream_file',
      path: cfg.caddy.upstreamFile,
      instead: `remove caddy.upstream_file (the default, ${defaults.upstreamFile})`,
    },
    { key: 'caddy.caddyfile', path: cfg.caddy.caddyfile, instead: `the file Caddy runs (the default, ${defaults.caddyfile})` },
  ];
  return paths.filter((p): p is GuardedPath => p !== undefined);
}

/** The paths the host read must look at: the guarded ones and the env file's old default. */
export const pathsToRead = (cfg: Config): string[] => [...new Set([...guardedPaths(cfg).map((p) => p.path), oldEnvFile(cfg.root)])];

const inside = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/** Why the app's user can write in one of the directories on the way to `path`, or undefined. */
export function writableOnTheWay(cfg: Config, path: string, seen: PathSeen | undefined, user: AppPathsSeen['user']): string | undefined {
  const shared = sharedDir(cfg);
  if (inside(path, shared)) return `it is inside ${shared}, which belongs to the app's user ${cfg.user}`;
  for (const d of seen?.dirs ?? []) {
    if (user && user.uid !== 0 && d.uid === user.uid) return `${d.path} belongs to the app's user ${cfg.user}`;
    if (user && d.mode & 0o020 && user.groups.includes(d.gid))
      return `${d.path} is writable by its group (gid ${d.gid}), which the app's user ${cfg.user} is in`;
    if (d.mode & 0o002) return `${d.path} is writable by every user (mode ${(d.mode & 0o7777).toString(8)})`;
  }
  if (seen?.stopped) return `bg could not look at every directory on the way (${seen.stopped})`;
  return undefined;
}

/**
 * System scope, before anything is written: refuses (exit 2) a guarded path the app's user could
 * redirect, and a host still keeping its env file at the old default in shared/.
 */
export function checkAppPaths(cfg: Config, seen: AppPathsSeen): void {
  if (cfg.scope !== 'system') return;
  const problems = guardedPaths(cfg).flatMap((g) => {
    const why = writableOnTheWay(cfg, g.path, seen.paths[g.path], seen.user);
    return why ? [{ ...g, why }] : [];
  });
  if (problems.length > 0) {
    const [first] = problems;
    throw new ConfigError(
      `${first.key} ${first.path} lies where the app's user can write: ${first.why}. It could put a link there, and root (bg, systemd, Caddy) would follow it.`,
      {
        code: 'path-app-writable',
        detail: problems.length > 1 ? problems.map((p) => `${p.key} ${p.path}: ${p.why}`).join('\n') : undefined,
        next: `In ${cfg.configPath}: ${problems.map((p) => `${p.key}: ${p.instead}`).join('; ')}. Every directory on the way must be root's and writable by no one else.`,
      },
    );
  }
  const old = oldEnvFile(cfg.root);
  if (!cfg.envFileSet && seen.paths[old]?.present && !seen.paths[cfg.envFile]?.present) {
    throw new ConfigError(
      `${old} exists but the env file is now ${cfg.envFile}, which does not: this host was set up when the env file lived in shared/, where the app's user can replace it. bg has not moved it.`,
      {
        code: 'env-file-moved',
        next:
          `Move it as root (the copy reads the old file as ${cfg.user}, so a link the app planted leads nowhere it could not read already): ` +
          `install -d -m 0755 ${SYSTEM_ENV_DIR} && (umask 077 && runuser -u ${cfg.user} -- cat ${old} > ${cfg.envFile}) && chown root:${cfg.user} ${cfg.envFile} && chmod 0640 ${cfg.envFile}; ` +
          `check what it holds; then bluegreen --config ${cfg.configPath} setup, which points both colors' units at it; then rm ${old}.`,
      },
    );
  }
}
