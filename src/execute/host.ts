// The one interface to every side effect a plan can have. Actions, the executor, observe and the
// status command reach the host only through it; src/execute/connect-host.ts builds the real one from
// the adapters, and tests build fakes (test/support/fake-host.ts).
import type { Head } from '../adapters/git.js';
import type { HealthOptions } from '../adapters/health.js';
import type { Headroom } from '../adapters/memory.js';
import type { JobResult, UnitState } from '../adapters/systemd.js';
import type { ListedUnit, UnitSummary } from '../adapters/systemd-state.js';
import type { PasswdEntry } from '../host/host-state.js';
import type { LockInfo } from '../state/lock.js';

/** systemd's Manager, with methods named after its D-Bus methods. */
export interface SystemdPort {
  startUnit(unit: string): Promise<JobResult>;
  stopUnit(unit: string): Promise<JobResult>;
  /** Queues a stop job and returns once systemd has accepted it. */
  queueStop(unit: string): Promise<void>;
  resetFailed(unit: string): Promise<void>;
  unitState(unit: string): Promise<UnitState>;
  listUnits(units: string[]): Promise<ListedUnit[]>;
  unitSummaries(units: string[]): Promise<UnitSummary[]>;
  enableUnitFiles(units: string[]): Promise<void>;
  disableUnitFiles(units: string[]): Promise<void>;
  /** daemon-reload */
  reload(): Promise<void>;
  /** A service's load state and, when loaded, the argv of its (first) ExecStart and its WorkingDirectory. */
  execStart(unit: string): Promise<{ loadState: string; argv?: string[]; workingDirectory?: string }>;
  /** The manager's SystemState (running, degraded, stopping...): `stopping` is a shutdown or reboot under way. */
  systemState(): Promise<string>;
}

/** Caddy's admin API. Configs are JSON text (int64 values survive a round trip). */
export interface CaddyPort {
  config(): Promise<string>;
  load(caddyfile: string): Promise<void>;
  loadJson(config: string): Promise<void>;
  /** The JSON config a Caddyfile adapts to (nothing is loaded); throws `caddy-adapt-failed` with Caddy's message. */
  adapt(caddyfile: string): Promise<string>;
  upstreams(): Promise<string[]>;
}

/** What lstat says of a path: its kind (a symlink is not followed), owner and permission bits. */
export interface PathStat {
  kind: 'dir' | 'file' | 'link' | 'other';
  uid: number;
  gid: number;
  mode: number; // permission bits, sticky included (mode & 0o7777)
}

export interface FilesPort {
  /** The file's text, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Atomic replace; never writes through a symlink at `path`. */
  write(path: string, text: string, mode?: number): Promise<void>;
  remove(path: string): Promise<void>;
  readLink(path: string): Promise<string | undefined>;
  /** Points the symlink `path` at `target`, atomically. */
  pointLink(path: string, target: string): Promise<void>;
  makeDirs(dirs: string[]): Promise<void>;
  /** Names in a directory ([] when it does not exist). */
  list(dir: string): Promise<string[]>;
  /** Renames within one file system (atomic). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a directory tree (a pruned release). */
  removeTree(path: string): Promise<void>;
  /** rmdir(2): never follows a link, never removes what is inside (false: not empty, or not there). */
  removeEmptyDir(path: string): Promise<boolean>;
  /** Creates an empty file with `mode` if there is none (true); an existing one is left as it is (false). */
  createIfMissing(path: string, mode: number): Promise<boolean>;
  /** A file the app's user may write, read without following a link, only if regular, bounded (undefined: it does not exist). */
  readUntrusted(path: string, maxBytes: number): Promise<string | undefined>;
  /** Whether `path` is a symbolic link (undefined: it does not exist). */
  isSymlink(path: string): Promise<boolean | undefined>;
  /** lstat: never follows a symlink at `path` (undefined: it does not exist). */
  lstat(path: string): Promise<PathStat | undefined>;
  /** Synchronous: rendering picks commands by what exists (a release's .venv). */
  exists(path: string): boolean;
}

/** One database copy in the backups directory (lstat; the sidecar note's text when there is one). */
export interface BackupFile {
  name: string;
  size: number;
  mtimeMs: number;
  mode: number;
  note?: string;
}

/** The backups directory: root's, 0700, refused when it is a link or someone else's. */
export interface BackupStore {
  /** An empty 0600 file (O_EXCL|O_NOFOLLOW) in the directory, made 0700 first when missing. */
  createTemp(path: string): Promise<void>;
  /** Renames `tmp` to `path` when it begins with `magic`; else leaves it, and says what it began with. */
  seal(tmp: string, path: string, magic: string): Promise<{ ok: boolean; size: number; head: string }>;
  writeNote(path: string, text: string): Promise<void>;
  list(dir: string): Promise<BackupFile[]>;
  remove(path: string): Promise<void>;
}

/** Everything `observe` and `bg status` read. Building only this keeps status's bundle small. */
export interface HostReader {
  systemd: SystemdPort;
  caddy: CaddyPort;
  files: FilesPort;
  backups: BackupStore;
  /** The commit checked out in a release dir. */
  releaseHead(dir: string): Promise<Head | undefined>;
  /** Which of `ports` something listens on. */
  listening(ports: number[]): Promise<number[]>;
  readSysctl(name: string): Promise<string | undefined>;
  /** Opens a TCP connection and closes it: undefined when it connected, else why not. */
  tcpReachable(host: string, port: number, timeoutMs: number): Promise<string | undefined>;
  /** The last `n` lines a unit wrote (journal or log_dir), or a note saying why there are none. */
  unitLog(unit: string, n: number, invocationId?: string): Promise<string>;
  /** What a unit's processes use now: systemd's MemoryCurrent, else their summed PSS; undefined when it runs none. */
  unitMemory(unit: string): Promise<number | undefined>;
  /** How much more memory processes next to `unit` (main PID `pid`) can get: MemAvailable or a tighter cgroup above it. */
  memoryHeadroom(unit: string, pid: number): Promise<Headroom | undefined>;
  /** Who holds the app's lock, and whether that process is still alive. */
  lockHolder(): Promise<{ info?: LockInfo; alive: boolean } | undefined>;
  /** The passwd entry of a user; undefined when there is no such account. */
  passwdEntry(name: string): Promise<PasswdEntry | undefined>;
  close(): void;
}

export interface ShellResult {
  exitCode?: number;
  signal?: string;
  output: string; // stdout and stderr interleaved
}

/** One command run as a transient systemd service, so the build is confined like the app (and visible to systemd). */
export interface TransientRun {
  unit: string; // e.g. shop-build-20261202-101500-1.service
  command: string; // run with sh -c
  cwd: string;
  envFile?: string; // read by systemd, as the units read it (missing is fine)
  env: Record<string, string>;
  user?: string; // system scope: the app's user
  memoryHigh?: number; // bytes: above it the kernel reclaims from the build and slows it, instead of an OOM kill elsewhere
  cpuWeight: number; // below the default 100: the live app wins the CPU
  logFile: string; // stdout and stderr, appended
  stdoutFile?: string; // stdout appended here instead (an existing file root made): a database copy
  signal?: AbortSignal; // stops the unit
}

/** The reader plus what only a run does: these load execa and undici, which status never needs. */
export interface Host extends HostReader {
  /** Fetches `repo` into the local `cache` clone and checks `ref` out into the new directory `dir`. */
  checkoutRelease(
    repo: string,
    cache: string,
    dir: string,
    ref: string | undefined,
  ): Promise<{ commit: string; ref: string; subject: string }>;
  /** Runs one operator command with `sh -c` (as uid/gid when given). */
  shell(
    command: string,
    opts: { cwd: string; env: Record<string, string>; uid?: number; gid?: number; timeoutMs?: number },
  ): Promise<ShellResult>;
  /** Runs `run.command` as a transient service and waits for it; output is what it wrote to its log file. */
  runTransient(run: TransientRun): Promise<ShellResult>;
  /** The system user the app runs as, created when missing. */
  ensureSystemUser(name: string, home: string, app?: string): Promise<{ uid: number; gid: number; created: boolean }>;
  /** Owner of a path and everything under it (no symlink followed). */
  chownTree(path: string, uid: number, gid: number): Promise<void>;
  /** Owner and mode of one file or directory. */
  setOwner(path: string, uid: number, gid: number, mode: number): Promise<void>;
  /** Starts loading the health client while a start job runs. */
  warmHttpClient(): void;
  waitHealthy(opts: HealthOptions): Promise<{ tries: number; ms: number; status: number }>;
  waitDrained(
    target: number | string,
    opts: { maxMs: number; signal?: AbortSignal },
  ): Promise<{ drained: boolean; ms: number; left: number }>;
  setSysctl(name: string, value: string, dropIn: string): Promise<void>;
}
