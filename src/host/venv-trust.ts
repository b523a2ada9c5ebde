import { venvsDir } from '../config/names.js';
import type { Config } from '../config/types.js';
import type { PathStat } from '../execute/host.js';

// Whether root may run code from a venv bg built: every directory on the way to it, the venv itself
// and its `.bg-complete` must be owned by root (in user scope: by the user bg runs as) and writable
// by nobody else, checked with lstat (a symbolic link is never trusted). Pure: callers lstat.

/** Who may own what a venv is run from, and whether write bits for group and others matter. */
export interface Trust {
  owners: number[];
  modes: boolean;
}

/**
 * System scope: root only, and nobody else may write. User scope: root or the user bg runs as, who
 * runs everything there anyway; its group bits are its own business (a umask of 002 is common).
 */
export const trustFor = (scope: Config['scope'], euid: number): Trust =>
  scope === 'system' ? { owners: [0], modes: true } : { owners: euid === 0 ? [0] : [0, euid], modes: false };

/**
 * Why `path` (what lstat said of it) must not be trusted as a `want`; undefined when it may be.
 * `sticky`: a root-owned sticky directory writable by all (/tmp) is trusted on the way to a venv,
 * since nobody else can rename or remove what is in it.
 */
export function whyUntrusted(
  path: string,
  st: PathStat | undefined,
  want: 'dir' | 'file',
  trust: Trust,
  sticky = false,
): string | undefined {
  const { owners } = trust;
  if (!st) return `${path} does not exist`;
  if (st.kind === 'link') return `${path} is a symbolic link`;
  if (st.kind !== want) return `${path} is not a ${want === 'dir' ? 'directory' : 'regular file'}`;
  if (!owners.includes(st.uid))
    return `${path} is owned by uid ${st.uid}, not ${owners.map((u) => (u === 0 ? 'root' : `uid ${u}`)).join(' or ')}`;
  const stickyRoot = sticky && st.kind === 'dir' && st.uid === 0 && (st.mode & 0o1000) !== 0;
  if (trust.modes && (st.mode & 0o022) !== 0 && !stickyRoot)
    return `${path} is writable by ${['its group', 'others'].filter((_, i) => st.mode & (i ? 0o002 : 0o020)).join(' and ')} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  return undefined;
}

/** `/srv/shop/venvs` → `/`, `/srv`, `/srv/shop`, `/srv/shop/venvs`: every directory root walks through. */
export function pathChain(dir: string): string[] {
  const parts = dir.split('/').filter(Boolean);
  return ['/', ...parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
}

/** A venv's name: 16 hex digits, from its requirements. */
const VENV_ID = /^[0-9a-f]{16}$/;

/** Why the link target `target` is not one of bg's venvs (a directory <venvs>/<id>); undefined when it is. */
export function outsideVenvs(cfg: Pick<Config, 'root'>, target: string | undefined): string | undefined {
  if (target === undefined) return "is not a symbolic link to one of bg's venvs";
  const dir = venvsDir(cfg);
  const name = target.startsWith(`${dir}/`) ? target.slice(dir.length + 1) : undefined;
  return name !== undefined && VENV_ID.test(name) ? undefined : `points at ${target}, outside ${dir}`;
}
