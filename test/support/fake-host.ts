import type { Head } from '../../src/adapters/git.js';
import type { HealthOptions } from '../../src/adapters/health.js';
import type { Headroom } from '../../src/adapters/memory.js';
import type { JobResult, UnitState } from '../../src/adapters/systemd.js';
import type { Config } from '../../src/config/types.js';
import type { BackupStore, Host, PathStat, ShellResult, TransientRun } from '../../src/execute/host.js';
import type { PasswdEntry } from '../../src/host/host-state.js';

// An in-memory host for the executor's fast tests: units are states in a map, files are strings,
// Caddy routes to whatever the upstream file said at its last load. Every call is recorded, a call
// can be made to fail, and every moment two colors' Celery workers (or two beats) would run is
// recorded as a violation; so is every moment a reboot would start two colors' Celery or not start
// the web the upstream file names (`bootViolations`).

export interface FakeHostOptions {
  upstreamFile: string;
  active?: Record<string, string>; // unit → activeState at the start
  files?: Record<string, string>;
  /** `start shop-web-green.service`, `stop …`, `write <path>`, `link <path>`, `caddy.load`, `health`, `checkout`, `shell <cmd>`: throws or returns a failed job, once */
  fail?: Set<string>;
  /** the same calls, failing every time (a full disk, Caddy's admin API gone) */
  failAlways?: Set<string>;
  /** What unitMemory and memoryHeadroom answer (bytes). */
  memory?: { units: Record<string, number>; headroom?: Headroom };
  /** `health` waits until the signal aborts */
  hangHealth?: boolean;
  /** units systemd cannot load: unit → its LoadError message */
  refused?: Record<string, string>;
  /** units enabled at the start (they would start at boot) */
  enabled?: string[];
  /** upstream address → the web unit that serves it: with it, every moment a reboot would not bring up the unit the upstream file names is recorded */
  webOf?: Record<string, string>;
}

export class FakeHost implements Host {
  readonly calls: string[] = [];
  readonly violations: string[] = [];
  readonly bootViolations: string[] = [];
  readonly enabled = new Set<string>();
  /** The broker stops answering: tcpReachable fails, and a worker's start job waits (its readiness ping) until a stop cancels it. */
  brokerDown = false;
  /** What systemState answers: `stopping` during a shutdown. */
  systemStateNow = 'running';
  private readonly pendingStarts = new Map<string, (r: JobResult) => void>();
  readonly units = new Map<string, string>();
  readonly fileMap = new Map<string, string>();
  readonly links = new Map<string, string>();
  routes: string[] = [];
  private readonly fail: Set<string>;

  constructor(private readonly opts: FakeHostOptions) {
    for (const [u, s] of Object.entries(opts.active ?? {})) this.units.set(u, s);
    for (const [p, t] of Object.entries(opts.files ?? {})) this.fileMap.set(p, t);
    this.fail = opts.fail ?? new Set();
    this.routes = this.routesFromFile();
    for (const u of opts.enabled ?? []) this.enabled.add(u);
  }

  /** What a reboot now would bring up: the upstream file's web, and at most one color's worker and beat. */
  private checkBoot(after: string) {
    const target = /to (\S+)/.exec(this.fileMap.get(this.opts.upstreamFile) ?? '')?.[1];
    const web = target && this.opts.webOf?.[target];
    if (web && !this.enabled.has(web))
      this.bootViolations.push(`after ${after}: the upstream file names ${target} but ${web} is not enabled`);
    for (const kind of ['worker', 'beat']) {
      const on = [...this.enabled].filter((u) => u.includes(`-${kind}-`));
      if (on.length > 1) this.bootViolations.push(`after ${after}: two ${kind}s enabled: ${on.join(', ')}`);
    }
  }

  /** Each listed call fails once: an undo that repeats it (a link pointed back) succeeds. */
  private failing(call: string): boolean {
    this.calls.push(call);
    return this.fail.delete(call) || !!this.opts.failAlways?.has(call);
  }

  private routesFromFile(): string[] {
    const m = /to (\S+)/.exec(this.fileMap.get(this.opts.upstreamFile) ?? '');
    return m ? [m[1]] : [];
  }

  private set(unit: string, state: string) {
    this.units.set(unit, state);
    for (const kind of ['worker', 'beat']) {
      const up = [...this.units].filter(([u, s]) => u.includes(`-${kind}-`) && s === 'active').map(([u]) => u);
      if (up.length > 1) this.violations.push(`two ${kind}s: ${up.join(', ')}`);
    }
  }

  private job(verb: 'start' | 'stop', unit: string): JobResult {
    if (this.failing(`${verb} ${unit}`)) {
      if (verb === 'start') this.set(unit, 'failed');
      return 'failed';
    }
    this.set(unit, verb === 'start' ? 'active' : 'inactive');
    return 'done';
  }

  state(unit: string): string {
    return this.units.get(unit) ?? 'inactive';
  }

  systemd = {
    startUnit: async (unit: string) => {
      if (this.opts.refused?.[unit]) throw new Error(`systemd refused StartUnit ${unit}: Unit ${unit} has a bad unit file setting.`);
      if (this.brokerDown && unit.includes('-worker-')) {
        this.calls.push(`start ${unit}`);
        this.set(unit, 'activating');
        return new Promise<JobResult>((resolve) => this.pendingStarts.set(unit, resolve));
      }
      return this.job('start', unit);
    },
    stopUnit: async (unit: string) => {
      if (this.opts.refused?.[unit]) throw new Error(`systemd refused StopUnit ${unit}: Unit ${unit} was not loaded properly.`);
      return this.job('stop', unit);
    },
    queueStop: async (unit: string) => {
      this.pendingStarts.get(unit)?.('canceled');
      this.pendingStarts.delete(unit);
      if (this.job('stop', unit) !== 'done') throw new Error(`systemd refused StopUnit ${unit}`);
    },
    resetFailed: async () => {},
    unitState: async (unit: string): Promise<UnitState> => {
      const refused = this.opts.refused?.[unit];
      return {
        name: unit,
        loadState: refused ? 'bad-setting' : 'loaded',
        activeState: this.state(unit),
        subState: '',
        result: 'success',
        mainPid: 0,
        ...(refused && { loadError: refused }),
      };
    },
    listUnits: async (names: string[]) =>
      names.map((name) => ({ name, loadState: 'loaded', activeState: this.state(name), subState: '', path: '' })),
    unitSummaries: async (names: string[]) =>
      names.map((name) => ({ name, loadState: 'loaded', activeState: this.state(name), subState: '', mainPid: 0 })),
    enableUnitFiles: async (units: string[]) => {
      if (this.failing(`enable ${units.join(' ')}`)) throw new Error(`systemd refused EnableUnitFiles ${units.join(' ')}`);
      for (const u of units) this.enabled.add(u);
      this.checkBoot(`enable ${units.join(' ')}`);
    },
    disableUnitFiles: async (units: string[]) => {
      if (this.failing(`disable ${units.join(' ')}`)) throw new Error(`systemd refused DisableUnitFiles ${units.join(' ')}`);
      for (const u of units) this.enabled.delete(u);
      this.checkBoot(`disable ${units.join(' ')}`);
    },
    reload: async () => void this.calls.push('daemon-reload'),
    // Caddy's unit runs the main Caddyfile among the files (the one named Caddyfile)
    // any other unit (a legacy_unit) runs gunicorn
    execStart: async (unit: string) =>
      unit.startsWith('caddy')
        ? {
            loadState: 'loaded',
            argv: [
              '/usr/bin/caddy',
              'run',
              '--config',
              [...this.fileMap.keys()].find((p) => p.endsWith('/Caddyfile')) ?? '/etc/caddy/Caddyfile',
            ],
          }
        : { loadState: 'loaded', argv: ['/usr/bin/gunicorn', 'app:app'] },
    systemState: async () => this.systemStateNow,
  };

  caddy = {
    config: async () => {
      if (this.failing('caddy.config')) throw new Error('connect ECONNREFUSED 127.0.0.1:2019');
      return JSON.stringify({ routes: this.routes });
    },
    load: async () => {
      if (this.failing('caddy.load')) throw new Error('Caddy refused the new config');
      this.routes = this.routesFromFile();
    },
    loadJson: async (config: string) => {
      if (this.failing('caddy.loadJson')) throw new Error('connect ECONNREFUSED 127.0.0.1:2019');
      this.routes = (JSON.parse(config) as { routes: string[] }).routes;
    },
    adapt: async (text: string) => {
      if (this.failing('caddy.adapt'))
        throw Object.assign(new Error('Caddy cannot adapt the Caddyfile'), {
          isBgError: true,
          code: 'caddy-adapt-failed',
          detail: `ambiguous site definition: :8080 (${text.length} bytes)`,
        });
      return JSON.stringify({ routes: this.routes });
    },
    upstreams: async () => [...this.routes],
  };

  files = {
    read: async (path: string) => this.fileMap.get(path),
    readUntrusted: async (path: string) => this.fileMap.get(path),
    write: async (path: string, text: string) => {
      if (this.failing(`write ${path}`)) throw new Error(`ENOSPC: no space left on device, write '${path}'`);
      this.fileMap.set(path, text);
      this.checkBoot(`write ${path}`);
    },
    remove: async (path: string) => {
      if (this.failing(`remove ${path}`)) throw new Error(`EROFS: read-only file system, unlink '${path}'`);
      this.fileMap.delete(path);
      this.links.delete(path); // unlink removes a symlink too
      this.checkBoot(`remove ${path}`);
    },
    readLink: async (path: string) => this.links.get(path),
    pointLink: async (path: string, target: string) => {
      if (this.failing(`link ${path}`)) throw new Error(`EIO: cannot link ${path}`);
      this.links.set(path, target);
    },
    makeDirs: async (dirs: string[]) => {
      for (const d of dirs) this.made.add(d);
    },
    createIfMissing: async (path: string) => {
      if (this.fileMap.has(path)) return false;
      this.fileMap.set(path, '');
      return true;
    },
    // like existsSync, follows a link
    exists: (path: string): boolean => {
      const target = this.links.get(path);
      return target !== undefined ? this.files.exists(target) : this.fileMap.has(path) || this.dirs.has(path);
    },
    isSymlink: async (path: string) => (this.fileMap.has(path) ? false : undefined),
    lstat: async (path: string): Promise<PathStat | undefined> =>
      this.owners.get(path) ??
      (this.links.has(path)
        ? { kind: 'link', uid: 0, gid: 0, mode: 0o777 }
        : this.fileMap.has(path)
          ? { kind: 'file', uid: 0, gid: 0, mode: 0o644 }
          : this.dirs.has(path) || path === '/' || this.holds(path)
            ? { kind: 'dir', uid: 0, gid: 0, mode: 0o755 }
            : undefined),
    list: async (dir: string) => [...this.dirs].filter((d) => d.startsWith(`${dir}/`)).map((d) => d.slice(dir.length + 1)),
    rename: async (from: string, to: string) => {
      this.calls.push(`rename ${from} ${to}`);
      if (this.dirs.delete(from)) this.dirs.add(to);
    },
    removeTree: async (path: string) => {
      this.calls.push(`remove-tree ${path}`);
      this.dirs.delete(path);
    },
    removeEmptyDir: async (path: string) => {
      const inside = [...this.fileMap.keys(), ...this.links.keys(), ...this.dirs].some((p) => p.startsWith(`${path}/`));
      if (inside || !this.dirs.has(path)) return false;
      this.calls.push(`rmdir ${path}`);
      return this.dirs.delete(path);
    },
  };
  /** The backups directory: files by path with their size; `seal` takes the temp file's as it is. */
  readonly backupFiles = new Map<string, number>();
  backups: BackupStore = {
    createTemp: async (path: string) => {
      if (this.failing('create-backup')) throw new Error(`EACCES: permission denied, open '${path}'`);
      this.backupFiles.set(path, 0);
    },
    seal: async (tmp: string, path: string) => {
      this.backupFiles.set(path, this.backupFiles.get(tmp) ?? 0);
      this.backupFiles.delete(tmp);
      return { ok: true, size: 0, head: '' };
    },
    writeNote: async () => {},
    list: async (dir: string) =>
      [...this.backupFiles]
        .filter(([p]) => p.startsWith(`${dir}/`))
        .map(([p, size]) => ({ name: p.slice(dir.length + 1), size, mtimeMs: 0, mode: 0o600 })),
    remove: async (path: string) => void this.backupFiles.delete(path),
  };
  readonly dirs = new Set<string>();
  /** Directories makeDirs made: lstat sees them, list does not. */
  readonly made = new Set<string>();
  /** A directory some known path is under. */
  private holds(dir: string): boolean {
    return [...this.made, ...this.dirs, ...this.fileMap.keys(), ...this.links.keys()].some((p) => p === dir || p.startsWith(`${dir}/`));
  }
  /** What lstat reports for a path, over what the maps say (root's, 0644 files, 0755 dirs). */
  readonly owners = new Map<string, PathStat>();

  releaseHead = async (): Promise<Head | undefined> => undefined;
  listening = async () => [];
  readSysctl = async () => '1';
  tcpReachable = async (host: string, port: number) =>
    this.failing(`connect ${host}:${port}`) || this.brokerDown ? 'connection refused' : undefined;
  unitLog = async (unit: string, _n: number, _invocationId?: string) => `(last lines of ${unit})`;
  lockHolder = async () => undefined;
  passwdEntry = async (): Promise<PasswdEntry | undefined> => undefined;
  close() {}

  checkoutRelease = async (_repo: string, _cache: string, dir: string, ref: string | undefined) => {
    if (this.failing('checkout')) throw new Error(`could not find ${ref}`);
    this.dirs.add(dir);
    return { commit: `c0ffee${dir.length}`.padEnd(40, '0'), ref: ref ?? 'main', subject: 'a commit' };
  };
  shell = async (command: string): Promise<ShellResult> =>
    this.failing(`shell ${command}`) ? { exitCode: 1, output: 'boom' } : { exitCode: 0, output: '' };
  /** The build's transient units: each run is recorded; `shell <cmd>` in `fail` makes it exit 1. */
  readonly transients: TransientRun[] = [];
  runTransient = async (run: TransientRun): Promise<ShellResult> => {
    this.transients.push(run);
    const r = await this.shell(run.command);
    // a database copy says what it copied on stderr: here, that there is no database
    return run.stdoutFile && r.exitCode === 0 ? { ...r, output: 'bg-backup: {"kind":"none","reason":"a fake host has no database"}\n' } : r;
  };
  unitMemory = async (unit: string) => (this.opts.memory?.units[unit] !== undefined ? this.opts.memory.units[unit] : undefined);
  memoryHeadroom = async () => this.opts.memory?.headroom;
  warmHttpClient() {}
  waitHealthy = async (opts: HealthOptions) => {
    if (this.opts.hangHealth) {
      await new Promise((_, reject) => opts.signal?.addEventListener('abort', () => reject(opts.signal?.reason)));
    }
    if (opts.socketPath) this.calls.push(`health via ${opts.socketPath}`);
    if (this.failing('health')) throw new Error('Health check never passed');
    return { tries: 1, ms: 1, status: 200 };
  };
  waitDrained = async (target: number | string) => {
    this.calls.push(`drain ${target}`);
    return { drained: true, ms: 1, left: 0 };
  };
  setSysctl = async () => {};
  ensureSystemUser = async (name: string) => {
    this.calls.push(`ensure-user ${name}`);
    return { uid: 990, gid: 990, created: false };
  };
  chownTree = async (path: string, uid: number) => void this.calls.push(`chown -R ${uid} ${path}`);
  setOwner = async (path: string, uid: number, gid: number, mode: number) =>
    void this.calls.push(`chown ${uid}:${gid} ${mode.toString(8)} ${path}`);
}

/** The sample app's blue units, active and enabled: what a host serving blue runs. */
export const BLUE_UNITS = ['shop-web-blue.service', 'shop-worker-blue.service', 'shop-beat-blue.service'];

/** A host where blue serves `cfg`'s app (upstream 127.0.0.1:8000); `over` makes calls fail or hang. */
export function blueServingHost(
  cfg: Config,
  over: { fail?: string[]; failAlways?: string[]; hangHealth?: boolean; webOf?: Record<string, string> } = {},
): FakeHost {
  return new FakeHost({
    upstreamFile: cfg.caddy.upstreamFile,
    files: { [cfg.caddy.upstreamFile]: 'to 127.0.0.1:8000\n', [cfg.caddy.caddyfile]: 'caddyfile' },
    active: Object.fromEntries(BLUE_UNITS.map((u) => [u, 'active'])),
    fail: new Set(over.fail ?? []),
    failAlways: new Set(over.failAlways ?? []),
    hangHealth: over.hangHealth,
    enabled: BLUE_UNITS,
    webOf: over.webOf,
  });
}
