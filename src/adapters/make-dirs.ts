// mkdir -p with explicit modes: each directory it creates gets `parentMode` (the last one `mode`),
// set with chmod after mkdir, so the caller's umask (027, 077) changes nothing. A parent made 0700
// by root would keep the app's user (and Caddy) out of everything under it. One level at a time:
// Node 20's recursive mkdir never settles for a path under /proc (mkdir there fails with ENOENT,
// and it retries the parent forever), and a run stuck in it ignores SIGTERM.
import { chmod, lstat, mkdir, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';

const missingPath = (p: string) =>
  lstat(p).then(
    () => false,
    (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? true : Promise.reject(e)),
  );

/** Creates `dir` and its missing parents; returns the directories it created, outermost first. */
export async function makeDirs(dir: string, mode = 0o755, parentMode = 0o755): Promise<string[]> {
  const missing: string[] = [];
  for (let d = dir; d !== dirname(d) && (await missingPath(d)); d = dirname(d)) missing.unshift(d);
  const created: string[] = [];
  for (const d of missing) {
    try {
      await mkdir(d, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue; // made by someone else meanwhile: not ours
      throw e;
    }
    created.push(d);
    await chmod(d, d === dir ? mode : parentMode);
  }
  return created;
}

/** Removes the directories `makeDirs` created, innermost first, as long as they are empty. */
export async function removeEmptyDirs(created: string[]): Promise<void> {
  for (const d of [...created].reverse()) {
    if (
      !(await rmdir(d).then(
        () => true,
        () => false,
      ))
    )
      return;
  }
}
