// shared_dirs / shared_files: data that outlives a release. Each release gets a link at
// <app_dir>/<path> to <root>/shared/<path>, made after the checkout (and the venv, which root builds
// from files it reads in the release) and before the build, so the build and the release commands
// write there too. <root>/shared is the app's user's: what is made in it is made by that user
// (`makeSharedLine`), never by root. The links are made by root in the release, still root's then,
// and never followed by root: the build's hand-over (chownTree) changes a link, not what it points to.
import { inAppDir, releasePath, sharedDir } from '../config/names.js';
import type { Config } from '../config/types.js';
import { BgError } from '../errors.js';
import type { Host } from '../execute/host.js';
import { makeSharedLine } from '../render/argv/shared.js';

export interface SharedPath {
  path: string; // relative to app_dir
  kind: 'dir' | 'file';
}

export const sharedPaths = (cfg: Pick<Config, 'sharedDirs' | 'sharedFiles'>): SharedPath[] => [
  ...cfg.sharedDirs.map((path) => ({ path, kind: 'dir' as const })),
  ...cfg.sharedFiles.map((path) => ({ path, kind: 'file' as const })),
];

/** Where a shared path lives: <root>/shared/<path>. */
export const sharedTarget = (cfg: Pick<Config, 'root'>, path: string) => `${sharedDir(cfg)}/${path}`;

/** Checks every path first (nothing is made when one is refused), makes what is missing in shared/, then the links. */
export async function linkSharedPaths(host: Host, cfg: Config, release: string): Promise<string> {
  const paths = sharedPaths(cfg);
  const appDir = inAppDir(cfg, releasePath(cfg, release));
  for (const p of paths) await refuseHeld(host, cfg, appDir, p);
  await makeShared(host, cfg);
  for (const p of paths) await host.files.pointLink(`${appDir}/${p.path}`, sharedTarget(cfg, p.path));
  return `${paths.map((p) => p.path).join(', ')} → ${sharedDir(cfg)}/`;
}

// The checkout holds the path (or a link on the way to it): the repository's copy would be hidden,
// or root would make the link wherever the repository's link points.
async function refuseHeld(host: Host, cfg: Config, appDir: string, p: SharedPath): Promise<void> {
  const parts = p.path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join('/');
    const st = await host.files.lstat(`${appDir}/${rel}`);
    if (!st) return;
    if (i < parts.length && st.kind === 'dir') continue;
    const key = p.kind === 'dir' ? 'shared_dirs' : 'shared_files';
    const what =
      i < parts.length
        ? `${rel}, on the way to ${p.path}, is a ${st.kind === 'link' ? 'symbolic link' : 'file'} in the repository`
        : `the repository holds ${p.path}`;
    throw new BgError(
      `${key} lists ${p.path}, but ${what}: a release cannot both check it out and link it to ${sharedTarget(cfg, p.path)}.`,
      {
        code: 'shared-path-in-repo',
        next:
          i < parts.length
            ? `Make ${rel} a directory in the repository, or share ${rel} itself.`
            : `Take it out of git (git rm -r --cached ${p.path}, add it to .gitignore, commit); to keep its content, copy it once to ${sharedTarget(cfg, p.path)} (as ${cfg.user}). Or remove ${p.path} from ${key} in ${cfg.configPath}.`,
      },
    );
  }
}

async function makeShared(host: Host, cfg: Config): Promise<void> {
  const dir = sharedDir(cfg);
  await host.files.makeDirs([dir]);
  const ids = cfg.scope === 'system' ? await host.ensureSystemUser(cfg.user, cfg.root, cfg.app) : undefined;
  if (ids) {
    const st = await host.files.lstat(dir);
    if (st?.kind === 'dir' && st.uid !== ids.uid) await host.setOwner(dir, ids.uid, ids.gid, 0o750);
  }
  const r = await host.shell(makeSharedLine(cfg.sharedDirs, cfg.sharedFiles), {
    cwd: dir,
    env: {},
    ...(ids && { uid: ids.uid, gid: ids.gid }),
    timeoutMs: 30_000,
  });
  if (r.exitCode !== 0) {
    throw new BgError(`Could not make the shared paths in ${dir}${ids ? ` as ${cfg.user}` : ''}.`, {
      code: 'shared-path-failed',
      detail: r.output.trim() || undefined,
      next: `Check what is in ${dir} (a file where a directory should be?), fix it, and run the command again.`,
    });
  }
}
