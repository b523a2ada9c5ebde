// Which directories the kernel passes through to reach a path, read with lstat and readlink only:
// nothing here follows a link or opens what it names. A link on the way is resolved by hand, so the
// directories of its target are looked at too.
import { lstat, readlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface DirSeen {
  path: string; // as resolved (no link in it)
  uid: number;
  gid: number;
  mode: number;
}

export interface PathSeen {
  present: boolean; // something (a link too) is at the path itself
  dirs: DirSeen[]; // every existing directory on the way, from `/`, the path itself when it is one
  stopped?: string; // why the walk could not finish (a loop of links, a read error)
}

const MAX_LINKS = 40; // the kernel's own limit

export async function walkPath(target: string): Promise<PathSeen> {
  const present = await lstat(target).then(
    () => true,
    () => false,
  );
  const dirs: DirSeen[] = [];
  const seen = async (path: string) => {
    const st = await lstat(path);
    if (!dirs.some((d) => d.path === path)) dirs.push({ path, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 });
  };
  let pending = target.split('/').filter(Boolean);
  let at = '/';
  let links = 0;
  try {
    await seen('/');
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '.') continue;
      if (name === '..') {
        at = dirname(at);
        continue;
      }
      const next = join(at, name);
      const st = await lstat(next).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
        throw e;
      });
      if (!st) break; // the rest does not exist yet: whoever makes it makes it in the last directory seen
      if (st.isSymbolicLink()) {
        if (++links > MAX_LINKS) return { present, dirs, stopped: `more than ${MAX_LINKS} symbolic links on the way` };
        const to = await readlink(next);
        if (to.startsWith('/')) at = '/';
        pending = [...to.split('/').filter(Boolean), ...pending];
        continue;
      }
      if (!st.isDirectory()) break;
      await seen(next);
      at = next;
    }
  } catch (e) {
    return { present, dirs, stopped: (e as Error).message };
  }
  return { present, dirs };
}
