// Whether the app's user may reach a directory, from the modes and owners along its path (lstat).
// Root checks this before a build: systemd would otherwise fail the build's unit with 200/CHDIR,
// before the command prints anything. Pure. Supplementary groups and ACLs are not read: a directory
// they open is reported closed only when its owner, group and other bits all shut the user out.
import type { PathStat } from '../execute/host.js';

export interface SeenDir {
  path: string;
  stat: PathStat;
}

export interface AccessDenied {
  path: string;
  need: 'enter' | 'read';
  why: string; // e.g. "mode 0700, owner 0:0"
}

const bits = (s: PathStat, uid: number, gid: number): number =>
  s.uid === uid ? (s.mode >> 6) & 7 : s.gid === gid ? (s.mode >> 3) & 7 : s.mode & 7;

/** The first directory on the way the user cannot enter (x), or, for those in `read`, list (r). */
export function accessDenied(dirs: SeenDir[], ids: { uid: number; gid: number }, read: string[]): AccessDenied | undefined {
  if (ids.uid === 0) return undefined;
  for (const d of dirs) {
    if (d.stat.kind !== 'dir') continue;
    const b = bits(d.stat, ids.uid, ids.gid);
    const why = `mode ${d.stat.mode.toString(8).padStart(4, '0')}, owner ${d.stat.uid}:${d.stat.gid}`;
    if (!(b & 1)) return { path: d.path, need: 'enter', why };
    if (read.includes(d.path) && !(b & 4)) return { path: d.path, need: 'read', why };
  }
  return undefined;
}

/** `/srv/shop/releases/r1` → `/`, `/srv`, `/srv/shop`, ... the path itself. */
export const pathPrefixes = (path: string): string[] => {
  const parts = path.split('/').filter(Boolean);
  return ['/', ...parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
};
