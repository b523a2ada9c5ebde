// Atomic file writes, symlink flips and diffs. Every file bg installs (units, Caddyfile,
// upstream.txt) goes through writeAtomic, so a reader (Caddy, systemd) sees the old content or
// the new one, never half a file, and a crash mid-write leaves the old file in place.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readFile, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FsError } from '../errors.js';
import type { PathStat } from '../execute/host.js';
import { makeDirs } from './make-dirs.js';

const PERMISSION_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR']);

function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOENT: 'a parent directory does not exist',
    ENOTDIR: 'a parent path is not a directory',
    ENOSPC: 'no space left on device',
    EISDIR: 'it is a directory',
  };
  return e.code && reasons[e.code] ? `${reasons[e.code]} (${e.code})` : (e.message ?? String(err));
}

function writeError(path: string, err: unknown): FsError {
  if (err instanceof FsError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return new FsError(`Cannot write ${path}: ${reasonOf(err)}`, {
    next: PERMISSION_CODES.has(code)
      ? "Run as root, or pass --user to install into your user's systemd"
      : `Fix the cause above for ${dirname(path)}, then run the command again`,
    detail: (err as Error).message,
  });
}

const tempNameFor = (path: string) => join(dirname(path), `.${basename(path)}.bg-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function existing(path: string): Promise<{ mode: number; uid: number; gid: number } | undefined> {
  try {
    const st = await stat(path);
    return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch {
    return undefined;
  }
}

/**
 * Replaces `path` with `content` atomically (temp file in the same dir, fsync, rename, fsync dir).
 * Mode: `opts.mode`, else the mode of the file being replaced, else 0644. A replaced file keeps its
 * owner and group (an operator's `0640 root:caddy` Caddyfile stays that) when bg may set them.
 */
export async function writeAtomic(path: string, content: string, opts: { mode?: number } = {}): Promise<void> {
  const tmp = tempNameFor(path);
  try {
    await makeDirs(dirname(path));
    const before = await existing(path);
    const mode = opts.mode ?? before?.mode ?? 0o644;
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(content);
      if (before && process.geteuid?.() === 0) await handle.chown(before.uid, before.gid);
      await handle.chmod(mode); // open()'s mode is filtered by the umask
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    await fsyncDir(dirname(path));
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw writeError(path, err);
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FsError(`Cannot read ${path}: ${reasonOf(err)}`, {
      next: "Run as root, or pass --user to work with your user's systemd",
      detail: (err as Error).message,
    });
  }
}

/**
 * The last `n` lines of a file ('' when it does not exist), read from its end a `chunk` at a time: access
 * logs and the deploy journal grow for years, and `bg status` needs a line or two of them. Reads at
 * most about `maxBytes` (a log of one endless line). Only a regular file, never through a symbolic
 * link: root reads these, and a link or FIFO in a log_dir someone else can write leads elsewhere or hangs.
 */
export async function readLastLines(path: string, n: number, chunk = 64 * 1024, maxBytes = 1024 * 1024): Promise<string[]> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
  if (!fh) return [];
  try {
    const st = await fh.stat();
    if (!st.isFile()) return [];
    const { size } = st;
    const parts: Buffer[] = [];
    let start = size;
    let newlines = 0;
    // n lines need n+1 newlines before the end (one ends the last line; one starts the first)
    while (start > 0 && newlines <= n && size - start < maxBytes) {
      const from = Math.max(0, start - chunk);
      const buf = Buffer.alloc(start - from);
      await fh.read(buf, 0, buf.length, from);
      parts.unshift(buf);
      for (const b of buf) if (b === 10) newlines++;
      start = from;
    }
    const text = Buffer.concat(parts).toString('utf8').trimEnd(); // decoded once: no split characters
    if (!text) return [];
    const lines = text.split('\n');
    return (start > 0 ? lines.slice(1) : lines).slice(-n);
  } finally {
    await fh.close();
  }
}

/** Points `linkPath` at `target` atomically: a new symlink under a temp name renamed over the old one. */
export async function pointSymlink(linkPath: string, target: string): Promise<void> {
  const tmp = tempNameFor(linkPath);
  try {
    await makeDirs(dirname(linkPath));
    await symlink(target, tmp);
    await rename(tmp, linkPath);
    await fsyncDir(dirname(linkPath));
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw writeError(linkPath, err);
  }
}

/** Removes a file bg installed (undo of a first write); a file already gone is fine. */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw writeError(path, err);
  }
  await fsyncDir(dirname(path)).catch(() => undefined); // durability only; the unlink itself succeeded
}

/**
 * A file someone else may write (the app's user), read as root without trusting it: never through a
 * symbolic link (O_NOFOLLOW), never a FIFO or device (O_NONBLOCK, then a regular file or refused), at
 * most `maxBytes`. Undefined when it does not exist.
 */
export async function readUntrusted(path: string, maxBytes: number): Promise<string | undefined> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    const why = code === 'ELOOP' ? 'it is a symbolic link' : reasonOf(err);
    throw new FsError(`Refused to read ${path}: ${why}.`, {
      code: 'untrusted-file',
      next: `Make ${path} a regular file.`,
      detail: (err as Error).message,
    });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new FsError(`Refused to read ${path}: it is not a regular file.`, {
        code: 'untrusted-file',
        next: `Make ${path} a regular file.`,
      });
    if (st.size > maxBytes)
      throw new FsError(`Refused to read ${path}: it is larger than ${maxBytes} bytes.`, {
        code: 'untrusted-file',
        next: `Make ${path} smaller.`,
      });
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await fh.read(buf, 0, st.size, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** What `lstat` says of a path (never following a link), or undefined when there is nothing there. */
export function lstatPath(path: string): Promise<PathStat | undefined> {
  return lstat(path).then(
    (s) => ({
      kind: s.isSymbolicLink() ? 'link' : s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other',
      uid: s.uid,
      gid: s.gid,
      mode: s.mode & 0o7777,
    }),
    () => undefined,
  );
}
