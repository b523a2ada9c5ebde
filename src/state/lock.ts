import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { link, lstat, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { removeEmptyDirs } from '../adapters/make-dirs.js';
import { lockPath } from '../config/names.js';
import { FsError, isBgError, LockError } from '../errors.js';
import { ensureStateDir } from './state-dir.js';

// One setup/deploy/rollback/cleanup at a time per app. The lock file names its holder and the step
// it is at; a lock whose process is gone is taken over (and said so), and what it names is how
// `status` tells an interrupted run. It appears whole or not at all: written to a temp file, then
// hard-linked into place (which fails if a lock exists), so no one ever reads a half-written lock.
export interface LockInfo {
  pid: number;
  user: string;
  host: string;
  command: string;
  since: string;
  step?: string; // the step the holder was running when it last wrote
  boot?: string; // the kernel's boot id when it was taken: after a reboot its pid may be another process's
}

export interface Lock {
  path: string;
  tookOverFrom?: LockInfo;
  /**
   * Records the step about to run, synchronously: when it returns, the lock names that step, so a
   * run killed inside a step is reported at that step, never the one before (best effort: a full
   * disk leaves the last name).
   */
  progress(step: string): void;
  release(): Promise<void>;
}

/**
 * The lock; with `waitMs`, a lock another live bg holds is waited for (polled) that long, and
 * `onWait` hears once who holds it, before the wait.
 */
export async function acquireLock(
  stateDir: string,
  command: string,
  opts: { waitMs?: number; onWait?: (holder: string) => void } = {},
): Promise<Lock> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  let told = false;
  for (;;) {
    try {
      return await tryLock(stateDir, command);
    } catch (e) {
      if (!(e instanceof LockError) || e.code !== 'locked' || Date.now() >= deadline) {
        if (e instanceof LockError && opts.waitMs)
          throw new LockError(`${e.message} Waited ${Math.round(opts.waitMs / 1000)} s.`, { state: e.state, next: e.next });
        throw e;
      }
      if (!told) opts.onWait?.(e.message.replace(/^Another bg is running: /, ''));
      told = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function tryLock(stateDir: string, command: string): Promise<Lock> {
  const path = lockPath(stateDir);
  const me: LockInfo = {
    pid: process.pid,
    user: safeUser(),
    host: hostname(),
    command,
    since: new Date().toISOString(),
    ...(bootId() && { boot: bootId() }),
  };
  const tmp = `${path}.${process.pid}.tmp`;
  let created: string[];
  try {
    created = await ensureStateDir(stateDir);
  } catch (e) {
    throw isBgError(e) ? e : stateDirError(stateDir, e);
  }
  try {
    await unlink(tmp).catch(() => {}); // left by a killed run with this pid
    await writeFile(tmp, JSON.stringify(me), { mode: 0o644, flag: 'wx' }); // wx: never through a planted link
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw stateDirError(stateDir, e);
  }
  let tookOverFrom: LockInfo | undefined;
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(tmp, path);
        const next = `${path}.${process.pid}.step`;
        return {
          path,
          tookOverFrom,
          progress: (step) => {
            try {
              unlinkSync(next);
            } catch {}
            try {
              writeFileSync(next, JSON.stringify({ ...me, step }), { flag: 'wx', mode: 0o644 }); // wx: never through a planted link
              renameSync(next, path);
            } catch {
              try {
                unlinkSync(next);
              } catch {}
            }
          },
          release: async () => {
            // only our own: never a lock another bg took over after this one was judged gone
            if ((await readLockInfo(path))?.pid === process.pid) await rm(path, { force: true });
            // a run that wrote nothing else (refused at planning) leaves no state dir behind
            await removeEmptyDirs(created);
          },
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw stateDirError(stateDir, e);
        const holder = await readHolder(path);
        if (holder && holder.host === hostname() && isAlive(holder.pid, holder.boot)) {
          throw new LockError(
            `Another bg is running: pid ${holder.pid} (${holder.user}: ${holder.command}${holder.step ? `, at ${holder.step}` : ''}) has held the lock since ${holder.since}.`,
            {
              state: 'Nothing was changed by this command.',
              next: `Wait for it to finish. If that process is gone, remove ${path}.`,
            },
          );
        }
        // Take it over only if it still names the holder judged gone: moved aside under a private
        // name (atomic, so of two bgs taking over only one gets it), checked, then removed. A lock
        // that turns out to be someone's fresh one goes back.
        const aside = `${path}.${process.pid}.stale`;
        if (
          !(await rename(path, aside).then(
            () => true,
            () => false,
          ))
        )
          continue;
        const moved = await readLockInfo(aside);
        if (JSON.stringify(moved ?? undefined) !== JSON.stringify(holder)) {
          await link(aside, path).catch(() => {});
          await unlink(aside).catch(() => {});
          continue;
        }
        tookOverFrom = holder;
        await unlink(aside).catch(() => {});
      }
    }
    throw new LockError(`Could not take the lock ${path}.`, { next: `Remove ${path} if no bg is running.` });
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

function stateDirError(stateDir: string, e: unknown): FsError {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EDQUOT: 'the disk quota is used up',
  };
  return new FsError(`Cannot take the lock in the state dir ${stateDir}: ${why[code] ?? (e as Error).message}.`, {
    code: 'state-dir-unwritable',
    state: 'Nothing was changed; no lock was left behind.',
    next:
      code === 'EACCES' || code === 'EPERM'
        ? 'Run as the user that owns it (sudo for system scope), or set state_dir in bg.yml.'
        : `Free space or fix ${stateDir} (or set state_dir in bg.yml), then run the command again.`,
    detail: (e as Error).message,
  });
}

async function readHolder(path: string): Promise<LockInfo | undefined> {
  return (await readLockInfo(path)) ?? undefined;
}

/** The lock's holder; null when a lock file exists but cannot be read as one; undefined when there is no lock. */
export async function readLockInfo(path: string): Promise<LockInfo | null | undefined> {
  let text: string;
  try {
    if ((await lstat(path)).isSymbolicLink()) return null; // never follow a planted link
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

let thisBoot: string | undefined | null = null;

/** The kernel's id of this boot (undefined where /proc does not say). */
export function bootId(): string | undefined {
  if (thisBoot === null) {
    try {
      thisBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      thisBoot = undefined;
    }
  }
  return thisBoot;
}

/** Whether the process `pid` of the boot `boot` still runs: a pid recorded before a reboot names someone else now. */
export function isAlive(pid: number, boot?: string): boolean {
  if (boot && bootId() && boot !== bootId()) return false;
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
