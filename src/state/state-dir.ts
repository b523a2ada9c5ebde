import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { makeDirs } from '../adapters/make-dirs.js';
import { FsError } from '../errors.js';

// bg writes its lock, journal and logs in the state dir, often as root. So the dir must be this
// user's own and writable by no one else (else another user could plant a link there and have root
// overwrite its target), and nothing bg writes there follows a symlink.

/**
 * Creates the state dir (0700; missing parents 0755) or checks the one there. Returns the
 * directories it created, outermost first, so a run that changes nothing can take them away again.
 */
export async function ensureStateDir(dir: string): Promise<string[]> {
  const created = await makeDirs(dir, 0o700, 0o755);
  const st = await lstat(dir);
  const problem = stateDirProblem(st, process.geteuid?.() ?? st.uid);
  if (problem) {
    throw new FsError(`The state dir ${dir} is not safe to write to: ${problem}.`, {
      code: 'state-dir-unsafe',
      state: 'Nothing was changed.',
      next: `Make it a directory owned by this user and writable only by it (e.g. chown $(id -u) ${dir} && chmod 700 ${dir}), or set state_dir in bg.yml.`,
    });
  }
  return created;
}

type DirStat = { isSymbolicLink(): boolean; isDirectory(): boolean; uid: number; mode: number };

/** Why a state dir is not safe to write to as uid `me`, or undefined. */
export function stateDirProblem(st: DirStat, me: number): string | undefined {
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  if (!st.isDirectory()) return 'it is not a directory';
  if (st.uid !== me) return `it belongs to uid ${st.uid}, not to this user (uid ${me})`;
  if ((st.mode & 0o022) !== 0) return `others can write to it (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/** Opens `path` to append, creating it with `mode`; a symlink at `path` is refused, not followed. */
export const openAppendNoFollow = (path: string, mode = 0o600) =>
  open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, mode);
