// The one place the real host is built from the adapters. Commands never construct an adapter.
import { existsSync } from 'node:fs';
import { chmod, lchown, lstat, open, readdir, readlink, rename, rm, rmdir } from 'node:fs/promises';
import { backupStore } from '../adapters/backup-files.js';
import { CaddyAdmin } from '../adapters/caddy-admin.js';
import { chownTree } from '../adapters/chown-tree.js';
import { listeningOn, waitDrained } from '../adapters/connections.js';
import { lstatPath, pointSymlink, readText, readUntrusted, removeFile, writeAtomic } from '../adapters/files.js';
import { checkoutNewRelease, headCommit } from '../adapters/git.js';
import { loadHttpClient, waitHealthy } from '../adapters/health.js';
import { makeDirs } from '../adapters/make-dirs.js';
import { headroomNear, pssOf } from '../adapters/memory.js';
import { walkPath } from '../adapters/path-walk.js';
import { runShell } from '../adapters/shell.js';
import { enableSysctl, readSysctl } from '../adapters/sysctl.js';
import { Systemd } from '../adapters/systemd.js';
import { tcpReachable } from '../adapters/tcp.js';
import { runTransient } from '../adapters/transient.js';
import { lastLogLines } from '../adapters/unit-logs.js';
import { ensureSystemUser, lookupUser, passwdEntry } from '../adapters/users.js';
import { backupsDir, lockPath } from '../config/names.js';
import type { Config } from '../config/types.js';
import { FsError } from '../errors.js';
import { type AppPathsSeen, pathsToRead } from '../host/app-paths.js';
import { isAlive, readLockInfo } from '../state/lock.js';
import type { BackupFile, FilesPort, Host, HostReader } from './host.js';

const files: FilesPort = {
  read: readText,
  readUntrusted,
  write: (path, text, mode) => writeAtomic(path, text, { mode }),
  remove: removeFile,
  readLink: (path) => readlink(path).catch(() => undefined),
  pointLink: pointSymlink,
  makeDirs: async (dirs) => {
    for (const d of dirs) await makeDirs(d);
  },
  createIfMissing: async (path, mode) => {
    try {
      const fh = await open(path, 'wx', mode);
      await fh.close();
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  },
  exists: (path) => existsSync(path),
  isSymlink: (path) =>
    lstat(path).then(
      (s) => s.isSymbolicLink(),
      () => undefined,
    ),
  lstat: lstatPath,
  list: (dir) => readdir(dir).catch(() => []),
  removeTree: (path) => rm(path, { recursive: true, force: true }),
  removeEmptyDir: (path) =>
    rmdir(path).then(
      () => true,
      (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' || e.code === 'ENOTEMPTY' || e.code === 'EEXIST' ? false : Promise.reject(e)),
    ),
  rename: (from, to) => rename(from, to),
};

/** The directories on the way to every path root opens for the app, and who the app's user is (lstat only): for checkAppPaths. */
export async function readAppPaths(cfg: Config): Promise<AppPathsSeen> {
  const list = pathsToRead(cfg);
  const [user, walks] = await Promise.all([lookupUser(cfg.user), Promise.all(list.map(walkPath))]);
  return { ...(user && { user }), paths: Object.fromEntries(list.map((p, i) => [p, walks[i]])) };
}

/** The database copies in <root>/backups (for `bluegreen backups`: no D-Bus, no Caddy). */
export const listBackups = (cfg: Config): Promise<BackupFile[]> => backupStore.list(backupsDir(cfg));

/** What `observe` and `bg status` need: no execa, no undici. */
export async function connectReader(cfg: Config, env: NodeJS.ProcessEnv = process.env): Promise<HostReader> {
  return readerOver(cfg, await Systemd.connect(cfg.scope, env));
}

function readerOver(cfg: Config, systemd: Systemd): HostReader {
  const caddy = new CaddyAdmin(cfg.caddy.admin);
  return {
    systemd,
    backups: backupStore,
    caddy: {
      config: () => caddy.config(),
      load: (c) => caddy.load(c),
      loadJson: (c) => caddy.loadJson(c),
      adapt: (c) => caddy.adapt(c),
      upstreams: () => caddy.upstreams(cfg.app),
    },
    files,
    releaseHead: headCommit,
    listening: listeningOn,
    readSysctl,
    tcpReachable,
    unitLog: (unit, n, invocationId) => lastLogLines(cfg, unit, n, invocationId),
    unitMemory: async (unit) => (await systemd.memoryCurrent(unit)) ?? pssOf(await systemd.unitProcesses(unit)),
    memoryHeadroom: (unit, pid) => headroomNear(pid, unit),
    lockHolder: async () => {
      const info = await readLockInfo(lockPath(cfg.stateDir));
      return info === undefined ? undefined : { info: info ?? undefined, alive: !!info && isAlive(info.pid, info.boot) };
    },
    passwdEntry,
    close: () => systemd.close(),
  };
}

/** Everything a plan can do. */
export async function connectHost(cfg: Config, env: NodeJS.ProcessEnv = process.env): Promise<Host> {
  const systemd = await Systemd.connect(cfg.scope, env);
  return {
    ...readerOver(cfg, systemd),
    runTransient: (run) => runTransient(systemd, run),
    checkoutRelease: checkoutNewRelease,
    shell: runShell,
    warmHttpClient: () => void loadHttpClient(),
    waitHealthy,
    waitDrained,
    setSysctl: enableSysctl,
    ensureSystemUser,
    chownTree: (path, uid, gid) => chownTree(path, uid, gid),
    setOwner: async (path, uid, gid, mode) => {
      if ((await lstat(path)).isSymbolicLink()) {
        throw new FsError(`${path} is a symbolic link: bg sets owner and mode on the directory itself only.`, {
          code: 'symlink-refused',
          next: `Make ${path} a real directory (mount the other disk there instead of linking), then run the command again.`,
        });
      }
      await lchown(path, uid, gid);
      await chmod(path, mode);
    },
  };
}
