// How much memory a unit uses and how much more the host can give, read from /proc and the cgroup
// file systems (v1 memory controller or v2). Parsing is pure and exported for tests.

import { readFile } from 'node:fs/promises';
import { mib } from '../format/size.js';

/** The tightest limit on new memory: the host's MemAvailable, or a cgroup above the app's units. */
export interface Headroom {
  bytes: number;
  by: string; // what sets it, for messages: "MemAvailable" or "memory cgroup /x (limit 600 MiB, 420 MiB in use)"
}

/** A cgroup with a memory limit, and what it holds now. */
export interface CgroupLimit {
  path: string;
  limit: number;
  usage: number; // less the page cache the kernel can drop (inactive file pages), as MemAvailable counts it
}

// v1 reports "no limit" as a page-rounded LONG_MAX; anything this large is no limit
const NO_LIMIT = 2 ** 60;

export function parseMemAvailable(meminfo: string): number | undefined {
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** The sum of Pss: lines (kB) of smaps_rollup texts, in bytes: shared pages counted once between the processes. */
export function parsePss(smapsRollup: string): number | undefined {
  const m = /^Pss:\s+(\d+) kB$/m.exec(smapsRollup);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** From /proc/<pid>/cgroup: the v1 memory controller's path and the v2 path. */
export function parseProcCgroup(text: string): { v1?: string; v2?: string } {
  const out: { v1?: string; v2?: string } = {};
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') out.v2 = m[3];
    else if (m[2].split(',').includes('memory')) out.v1 = m[3];
  }
  return out;
}

/** From /proc/self/mountinfo: where the v1 memory hierarchy and the v2 hierarchy are mounted, and which cgroup each mount shows. */
export function parseCgroupMounts(mountinfo: string): { v1?: { dir: string; root: string }; v2?: { dir: string; root: string } } {
  const out: { v1?: { dir: string; root: string }; v2?: { dir: string; root: string } } = {};
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const f = left.split(' ');
    const [fstype, , superOpts = ''] = right.split(' ');
    const mount = { dir: unescapeMount(f[4]), root: unescapeMount(f[3]) };
    if (fstype === 'cgroup2' && !out.v2) out.v2 = mount;
    if (fstype === 'cgroup' && superOpts.split(',').includes('memory') && !out.v1) out.v1 = mount;
  }
  return out;
}

/** One `key value` line of a cgroup's memory.stat. */
export function statValue(stat: string, key: string): number | undefined {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(stat);
  return m ? Number(m[1]) : undefined;
}

const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** The cgroup dirs from `path` up to the hierarchy's root, as seen under its mount; `skipLast` leaves out the unit's own. */
export function ancestorDirs(mount: { dir: string; root: string }, path: string, skipLast?: string): { dir: string; path: string }[] {
  const root = mount.root === '/' ? '' : mount.root;
  if (root && !(path === root || path.startsWith(`${root}/`))) return [];
  const parts = path.slice(root.length).split('/').filter(Boolean);
  // a process outside the mount's view ("/..", from another cgroup namespace) has no dirs here
  if (parts.includes('..')) return [];
  if (skipLast && parts[parts.length - 1] === skipLast) parts.pop();
  const dirs: { dir: string; path: string }[] = [];
  for (let i = parts.length; i >= 0; i--) {
    const rel = parts.slice(0, i).join('/');
    dirs.push({ dir: rel ? `${mount.dir}/${rel}` : mount.dir, path: `${root}/${rel}`.replace(/\/+$/, '') || '/' });
  }
  return dirs;
}

const readOr = (path: string) => readFile(path, 'utf8').catch(() => undefined);
const bytesOf = (text: string | undefined) => {
  const t = text?.trim();
  if (!t || t === 'max') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
};

/** Every cgroup above `pid`'s unit (named `unit`) that limits memory, in v1 and v2. */
export async function cgroupLimits(pid: number, unit: string): Promise<CgroupLimit[]> {
  const [own, mountinfo] = await Promise.all([readOr(`/proc/${pid}/cgroup`), readOr('/proc/self/mountinfo')]);
  if (!own || !mountinfo) return [];
  const paths = parseProcCgroup(own);
  const mounts = parseCgroupMounts(mountinfo);
  const found: CgroupLimit[] = [];
  const walk = async (
    mount: { dir: string; root: string } | undefined,
    path: string | undefined,
    files: { limit: string; usage: string; inactive: string },
  ) => {
    if (!mount || path === undefined) return;
    for (const { dir, path: p } of ancestorDirs(mount, path, unit)) {
      const limit = bytesOf(await readOr(`${dir}/${files.limit}`));
      if (limit === undefined || limit >= NO_LIMIT) continue;
      const usage = bytesOf(await readOr(`${dir}/${files.usage}`));
      const inactive = statValue((await readOr(`${dir}/memory.stat`)) ?? '', files.inactive) ?? 0;
      if (usage !== undefined) found.push({ path: p, limit, usage: Math.max(0, usage - inactive) });
    }
  };
  await walk(mounts.v1, paths.v1, { limit: 'memory.limit_in_bytes', usage: 'memory.usage_in_bytes', inactive: 'total_inactive_file' });
  await walk(mounts.v2, paths.v2, { limit: 'memory.max', usage: 'memory.current', inactive: 'inactive_file' });
  return found;
}

/** The host's headroom for more memory next to `pid`'s unit: MemAvailable, or less when a cgroup above it is tighter. */
export async function headroomNear(pid: number, unit: string): Promise<Headroom | undefined> {
  const available = parseMemAvailable((await readOr('/proc/meminfo')) ?? '');
  return tightest(available, await cgroupLimits(pid, unit));
}

export function tightest(available: number | undefined, limits: CgroupLimit[]): Headroom | undefined {
  let best: Headroom | undefined = available === undefined ? undefined : { bytes: available, by: 'MemAvailable' };
  for (const c of limits) {
    const free = Math.max(0, c.limit - c.usage);
    if (!best || free < best.bytes) best = { bytes: free, by: `memory cgroup ${c.path} (limit ${mib(c.limit)}, ${mib(c.usage)} in use)` };
  }
  return best;
}

/** The proportional set size of these processes together, in bytes (processes that are gone count 0). */
export async function pssOf(pids: number[]): Promise<number | undefined> {
  const each = await Promise.all(pids.map(async (pid) => parsePss((await readOr(`/proc/${pid}/smaps_rollup`)) ?? '')));
  const known = each.filter((x): x is number => x !== undefined);
  return known.length ? known.reduce((a, b) => a + b, 0) : undefined;
}
