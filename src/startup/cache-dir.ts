// Where bg keeps what it can rebuild at any time (V8 code caches, validated configs):
// $BG_CACHE_DIR (a directory, or `off`), else $XDG_CACHE_HOME/bg, else ~/.cache/bg.
// Losing it costs speed only.
//
// Both caches decide what runs (compiled code; the config that names units and build commands), and
// bg often runs as root with an environment a user chose (sudo -E keeps HOME). So a cache file counts
// only if this user owns it and nobody else can write it, checked on the open file itself; writes go
// to a new file (O_EXCL, never through a planted symlink) renamed into place.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
