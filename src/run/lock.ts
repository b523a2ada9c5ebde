import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { lockPath } from '../config/names.js';
import { LockError } from '../errors.js';

// One setup/deploy/rollback/cleanup at a time per app. The lock is a file created with O_EXCL that
// names its holder; a lock whose process is gone is taken over (and said so).
export interface LockInfo {
  pid: number;
  user: string;
  host: string;
  command: string;
  since: string;
}

export interface Lock {
  path: string;
  tookOverFrom?: LockInfo;
  release(): Promise<void>;
}

export async function acquireLock(stateDir: string, command: string): Promise<Lock> {
  await mkdir(stateDir, { recursive: true });
  const path = lockPath(stateDir);
  const me: LockInfo = { pid: process.pid, user: safeUser(), host: hostname(), command, since: new Date().toISOString() };
  let tookOverFrom: LockInfo | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o644);
      await fh.writeFile(JSON.stringify(me));
      await fh.close();
      return { path, tookOverFrom, release: () => rm(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = await readHolder(path);
      if (holder && holder.host === hostname() && isAlive(holder.pid)) {
        throw new LockError(`Another bg is running: pid ${holder.pid} (${holder.user}: ${holder.command}) has held the lock since ${holder.since}.`, {
          state: 'Nothing was changed by this command.',
          next: `Wait for it to finish. If that process is gone, remove ${path}.`,
        });
      }
      tookOverFrom = holder;
      await rm(path, { force: true });
    }
  }
  throw new LockError(`Could not take the lock ${path}.`, { next: `Remove ${path} if no bg is running.` });
}

async function readHolder(path: string): Promise<LockInfo | undefined> {
  return (await readLockInfo(path)) ?? undefined;
}

/** The lock's holder; null when a lock file exists but cannot be read as one; undefined when there is no lock. */
export async function readLockInfo(path: string): Promise<LockInfo | null | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : null;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    return typeof info?.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const safeUser = () => {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
};
