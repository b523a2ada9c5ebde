// A release handed to the app's user for its build, and taken back after. The user may run processes
// while this walks (its build, anything it left running), so a path walked through must never be one
// the user can change: a directory it could rename an entry of, swapped for a link to /etc, would
// make root chown /etc/<name>. lchown never follows the last component; the order below keeps every
// directory above it out of the user's hands.
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The fs calls a walk makes: the real ones, or a recorder around them in tests. */
export interface TreeOps {
  lchown: (path: string, uid: number, gid: number) => Promise<void>;
  chmod: (path: string, mode: number) => Promise<void>;
  lstat: (path: string) => Promise<{ uid: number; mode: number; isDirectory(): boolean; isSymbolicLink(): boolean }>;
  readdir: (path: string) => Promise<string[]>;
}

const realOps: TreeOps = { lchown, chmod, lstat, readdir: (p) => readdir(p) };

/**
 * Sets the owner of `path` and everything under it, never following a symbolic link. To another
 * user (`giveTree`) or back to the one bg runs as (`takeBackTree`).
 */
export function chownTree(path: string, uid: number, gid: number, ops: TreeOps = realOps): Promise<void> {
  return uid === (process.geteuid?.() ?? uid) ? takeBackTree(path, uid, gid, ops) : giveTree(path, uid, gid, ops);
}

/**
 * To the app's user: what is in a directory before the directory itself, so while it walks, every
 * directory above the path it changes is still root's and nobody else can rename in it. Never a
 * `.git`: a release's git objects are hardlinks shared with the repo cache and every other release,
 * the live one included.
 */
export async function giveTree(path: string, uid: number, gid: number, ops: TreeOps = realOps): Promise<void> {
  const st = await ops.lstat(path);
  if (st.isDirectory() && !st.isSymbolicLink()) {
    for (const name of await ops.readdir(path)) if (name !== '.git') await giveTree(join(path, name), uid, gid, ops);
  }
  await ops.lchown(path, uid, gid);
}

/**
 * Back to the user bg runs as: a directory first, with write for group and others taken away, and
 * only then what is in it, so nobody else can rename in a directory it walks through. Set-id bits and
 * write for group and others go on files too: the release's code stays the release's. A `.git` the
 * build replaced (not root's) is taken back too.
 */
export async function takeBackTree(path: string, uid: number, gid: number, ops: TreeOps = realOps): Promise<void> {
  await ops.lchown(path, uid, gid);
  const st = await ops.lstat(path);
  if (st.isSymbolicLink()) return;
  // its parent is ours and writable by no one else by now: `path` still names what lstat saw
  const mode = st.mode & 0o7777;
  const safe = mode & ~(st.isDirectory() ? 0o022 : 0o6022);
  if (safe !== mode) await ops.chmod(path, safe);
  if (!st.isDirectory()) return;
  for (const name of await ops.readdir(path)) {
    const child = join(path, name);
    if (name === '.git' && (await untouchedGit(child, uid, ops))) continue;
    await takeBackTree(child, uid, gid, ops);
  }
}

/** A `.git` that was never handed over: a directory still ours, writable by no one else, so nothing in it changed hands. */
async function untouchedGit(path: string, uid: number, ops: TreeOps): Promise<boolean> {
  const st = await ops.lstat(path);
  return st.isDirectory() && !st.isSymbolicLink() && st.uid === uid && (st.mode & 0o022) === 0;
}
