// The backups directory and its files: root's, 0700, each copy 0600. Checked with lstat before each
// use (a link or a directory someone else owns is refused, never followed), each copy created with
// O_EXCL|O_NOFOLLOW under a temp name, checked, then renamed into place.
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FsError } from '../errors.js';
import type { BackupFile, BackupStore } from '../execute/host.js';
import { writeAtomic } from './files.js';

const me = () => process.geteuid?.() ?? 0;

async function checkDir(dir: string): Promise<void> {
  const st = await lstat(dir);
  if (!st.isDirectory() || st.uid !== me())
    throw new FsError(
      `${dir} is ${st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? `owned by uid ${st.uid}` : 'not a directory'}: bg keeps database copies only in a directory of its own.`,
      {
        next: `Move ${dir} aside (it is not bg's), then run the command again: bg makes it anew, 0700.`,
      },
    );
  if ((st.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 });
    await chmod(dir, 0o700);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  await checkDir(dir);
}

const missing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

export const backupStore: BackupStore = {
  async createTemp(path) {
    await ensureDir(dirname(path));
    await removeStaleTemps(dirname(path));
    const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await fh.chmod(0o600);
    } finally {
      await fh.close();
    }
  },
  async seal(tmp, path, magic) {
    await checkDir(dirname(path));
    const fh = await open(tmp, constants.O_RDONLY | constants.O_NOFOLLOW);
    let size: number;
    let head: string;
    try {
      const st = await fh.stat();
      size = st.size;
      const buf = Buffer.alloc(magic.length);
      const { bytesRead } = await fh.read(buf, 0, magic.length, 0);
      head = buf.subarray(0, bytesRead).toString('latin1');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (head !== magic) return { ok: false, size, head };
    await rename(tmp, path);
    return { ok: true, size, head };
  },
  writeNote: (path, text) => writeAtomic(path, text, { mode: 0o600 }),
  async list(dir) {
    let names: string[];
    try {
      await checkDirReadOnly(dir);
      names = await readdir(dir);
    } catch (e) {
      if (missing(e)) return [];
      throw e;
    }
    const out: BackupFile[] = [];
    for (const name of names.filter((n) => !n.startsWith('.') && !n.endsWith('.json')).sort()) {
      const st = await lstat(join(dir, name)).catch(() => undefined);
      if (!st?.isFile()) continue;
      const note = await readFile(join(dir, `${name.replace(/\.[^.]+$/, '')}.json`), 'utf8').catch(() => undefined);
      out.push({ name, size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777, ...(note !== undefined && { note }) });
    }
    return out;
  },
  async remove(path) {
    await checkDir(dirname(path));
    await unlink(path).catch((e) => (missing(e) ? undefined : Promise.reject(e)));
  },
};

// A copy cut off (bg killed) leaves its temp file; the app's lock lets one run at a time copy, so any
// temp file found before a new copy is a stale one.
async function removeStaleTemps(dir: string): Promise<void> {
  for (const name of (await readdir(dir)).filter((n) => n.startsWith('.') && n.endsWith('.tmp'))) {
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (st?.isFile()) await unlink(join(dir, name)).catch(() => undefined);
  }
}

// `bluegreen backups` changes nothing: a directory that is not bg's is refused, not repaired.
async function checkDirReadOnly(dir: string): Promise<void> {
  const st = await lstat(dir);
  if (!st.isDirectory() || st.uid !== me())
    throw new FsError(`${dir} is not bg's backups directory (${st.isSymbolicLink() ? 'a symbolic link' : `uid ${st.uid}`}).`, {
      next: `Look at ${dir}: bg makes it root's, 0700, at the next deploy once it is moved aside.`,
    });
}

export const backupBase = (file: string) => basename(file).replace(/\.[^.]+$/, '');
