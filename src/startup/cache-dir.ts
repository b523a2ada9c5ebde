// Where bg keeps what it can rebuild at any time (V8 code caches, validated configs):
// $BG_CACHE_DIR (a directory, or `off`), else $XDG_CACHE_HOME/bg, else ~/.cache/bg.
// Losing it costs speed only.
//
// Both caches decide what runs (compiled code; the config that names units and build commands), and
// bg often runs as root with an environment a user chose (sudo -E keeps HOME). So a cache file counts
// only if this user owns it and nobody else can write it, checked on the open file itself; writes go
// to a new file (O_EXCL, never through a planted symlink) renamed into place.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function cacheDir(env: NodeJS.ProcessEnv, sub: string): string | undefined {
  const set = env.BG_CACHE_DIR;
  if (set === 'off' || set === '0') return undefined;
  if (set) return join(set, sub);
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'bg', sub);
  return env.HOME ? join(env.HOME, '.cache', 'bg', sub) : undefined;
}

/** The file's bytes if this user owns it and it is writable by no one else; otherwise undefined. */
export function readOwnFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` atomically with `data` (mode 0600, dirs 0700); false when it could not. */
export function writeOwnFile(path: string, data: string | Buffer): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path); // a concurrent run reads the old file or the new one
    return true;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    return false;
  }
}

/**
 * Whether nobody but this user (and root) can write into `dir` or swap it or a directory above it:
 * each is a real directory (no symbolic link) owned by root or this user, and writable by no one else,
 * unless sticky (like /tmp: others cannot rename what is not theirs) and not `dir` itself.
 */
export function isPrivateDir(dir: string, uid = process.geteuid?.()): boolean {
  const abs = resolve(dir);
  const chain: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    chain.push(p);
    if (dirname(p) === p) break;
  }
  try {
    return chain.every((p) => {
      const st = lstatSync(p);
      if (!st.isDirectory() || (st.uid !== 0 && st.uid !== uid)) return false;
      if ((st.mode & 0o022) === 0) return true;
      return p !== abs && (st.mode & 0o1000) !== 0;
    });
  } catch {
    return false;
  }
}
