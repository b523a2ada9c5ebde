// The systemd Manager client over D-Bus, with methods named after the Manager's (like
// coreos/go-systemd's dbus package). One connection and one JobRemoved listener per
// instance, installed before any job is queued; job methods resolve with the job's real
// result. Never shells out to systemctl.
import { Variant } from 'dbus-next';
import type { Scope } from '../config/types.js';
import { SystemdError } from '../errors.js';
import { SystemdBus } from './systemd-bus.js';
import { JOB_REMOVED_MATCH, type JobResult, JobTracker } from './systemd-jobs.js';
import {
  type ListedUnit,
  type ListUnitsRow,
  stateQueries,
  summaryQueries,
  toListedUnit,
  toUnitState,
  toUnitSummary,
  type UnitState,
  type UnitSummary,
  unitObjectPath,
} from './systemd-state.js';

export type { Scope } from '../config/types.js';
export type { JobResult } from './systemd-jobs.js';
export type { UnitState } from './systemd-state.js';

export type KillWho = 'main' | 'control' | 'all';

export interface ConnectOptions {
  connectTimeoutMs?: number; // bus connect + first round trip (default 5 s)
  jobTimeoutMs?: number; // how long a job waiter waits for JobRemoved (default 10 min)
}

export class Systemd {
  private constructor(
    private readonly bus: SystemdBus,
    private readonly jobs: JobTracker,
  ) {}

  /** Connects to the system bus, or for 'user' to the session bus named by `env`. */
  static async connect(scope: Scope, env: NodeJS.ProcessEnv = process.env, opts: ConnectOptions = {}): Promise<Systemd> {
    // The reply to AddMatch proves the JobRemoved rule is in place before any job is started.
    const bus = await SystemdBus.open(scope, env, opts.connectTimeoutMs ?? 5_000, [JOB_REMOVED_MATCH]);
    const jobs = new JobTracker(opts.jobTimeoutMs ?? 10 * 60_000);
    bus.onSignal((msg) => jobs.onSignal(msg));
    bus.whenClosed((err) => jobs.failAll(err));
    return new Systemd(bus, jobs);
  }

  get scope(): Scope {
    return this.bus.scope;
  }

  startUnit(name: string, mode = 'replace'): Promise<JobResult> {
    return this.job('StartUnit', 'start', name, mode);
  }

  stopUnit(name: string, mode = 'replace'): Promise<JobResult> {
    return this.job('StopUnit', 'stop', name, mode);
  }

  /** Queues a stop job and returns once systemd accepted it, without waiting for the unit to go down. */
  async queueStop(name: string, mode = 'replace'): Promise<void> {
    await this.bus.call({ member: 'StopUnit', signature: 'ss', body: [name, mode], unit: name });
  }

  restartUnit(name: string, mode = 'replace'): Promise<JobResult> {
    return this.job('RestartUnit', 'restart', name, mode);
  }

  async killUnit(name: string, who: KillWho, signal: number): Promise<void> {
    await this.bus.call({ member: 'KillUnit', signature: 'ssi', body: [name, who, signal], unit: name });
  }

  /** Manager.Reload(): daemon-reload, so new or changed unit files take effect. */
  async reload(): Promise<void> {
    await this.bus.call({ member: 'Reload' });
  }

  /**
   * Creates the [Install] symlinks (e.g. default.target.wants/) for `files` (unit names or
   * absolute paths), replacing conflicting ones. The wants only matter at the next boot, but
   * systemd 257 marks every unit "changed on disk" after it: see reloadIfUnitsChanged.
   */
  async enableUnitFiles(files: string[]): Promise<void> {
    await this.bus.call({ member: 'EnableUnitFiles', signature: 'asbb', body: [files, false, true], unit: files.join(' ') });
    await this.reloadIfUnitsChanged(files);
  }

  async systemState(): Promise<string> {
    return String(await this.bus.getProperty('/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager', 'SystemState'));
  }

  async disableUnitFiles(files: string[]): Promise<void> {
    await this.bus.call({ member: 'DisableUnitFiles', signature: 'asb', body: [files, false], unit: files.join(' ') });
    await this.reloadIfUnitsChanged(files);
  }

  /**
   * systemd 257 reports every unit (caddy.service too) NeedDaemonReload after Enable/DisableUnitFiles
   * until a daemon-reload, so `systemctl` warns "changed on disk" on each; earlier versions do not.
   * systemctl itself reloads after every enable; bg reloads only when the manager says it is needed.
   */
  private async reloadIfUnitsChanged(files: string[]): Promise<void> {
    const name = files[0]?.split('/').at(-1);
    if (!name) return;
    const stale = await this.bus
      .getProperty(unitObjectPath(name), 'org.freedesktop.systemd1.Unit', 'NeedDaemonReload', name)
      .catch(() => false);
    if (stale === true) await this.reload();
  }

  /** State of `name`, loaded or not (a unit that does not exist has loadState 'not-found'). */
  async unitState(name: string): Promise<UnitState> {
    const [path] = (await this.bus.call({ member: 'LoadUnit', signature: 's', body: [name], unit: name })) as [string];
    const queries = stateQueries(name);
    const values = await Promise.all(queries.map((q) => this.bus.getProperty(path, q.iface, q.name, name)));
    return toUnitState(name, Object.fromEntries(queries.map((q, i) => [q.name, values[i]])));
  }

  /** A service's load state and, when loaded, the argv of its first ExecStart and its WorkingDirectory ("" → undefined). */
  async execStart(name: string): Promise<{ loadState: string; argv?: string[]; workingDirectory?: string }> {
    const [path] = (await this.bus.call({ member: 'LoadUnit', signature: 's', body: [name], unit: name })) as [string];
    const loadState = String(await this.bus.getProperty(path, 'org.freedesktop.systemd1.Unit', 'LoadState', name));
    if (loadState !== 'loaded') return { loadState };
    const service = 'org.freedesktop.systemd1.Service';
    // a(sasbttttuii): path, argv, ignore-failure, then timestamps and status of its last run
    const [exec, dir] = await Promise.all([
      this.bus.getProperty(path, service, 'ExecStart', name),
      this.bus.getProperty(path, service, 'WorkingDirectory', name),
    ]);
    const first = Array.isArray(exec) ? (exec[0] as unknown[] | undefined) : undefined;
    const argv = Array.isArray(first?.[1]) ? (first[1] as unknown[]).map(String) : undefined;
    return { loadState, argv, workingDirectory: typeof dir === 'string' && dir ? dir : undefined };
  }

  /** Load, active and sub state of many units in one call (Manager.ListUnitsByNames). */
  async listUnits(names: string[]): Promise<ListedUnit[]> {
    const [rows] = (await this.bus.call({ member: 'ListUnitsByNames', signature: 'as', body: [names] })) as [ListUnitsRow[]];
    return rows.map(toListedUnit);
  }

  /**
   * Load/active/sub state, main PID and since of many units, in one round trip: ListUnitsByNames
   * and each unit's few property Gets go out together (object paths are derived from the names).
   * unitState()'s eleven sequential-ish calls per unit made `bg status` slow (docs/measurements.md).
   */
  async unitSummaries(names: string[]): Promise<UnitSummary[]> {
    const props = (name: string) => {
      const queries = summaryQueries(name);
      const path = unitObjectPath(name);
      // a property a unit lacks is just not shown; the row from ListUnitsByNames is what counts
      return Promise.all(queries.map((q) => this.bus.getProperty(path, q.iface, q.name, name).catch(() => undefined))).then((values) =>
        Object.fromEntries(queries.map((q, i) => [q.name, values[i]])),
      );
    };
    // Manager.GetUnitFileState reads the disk each time; a unit's UnitFileState property is cached
    // until the next daemon-reload, so reading it would leave `systemctl show` stale after a disable.
    const fileState = (name: string) =>
      this.bus
        .call({ member: 'GetUnitFileState', signature: 's', body: [name], unit: name })
        .then(([state]) => (typeof state === 'string' && state ? state : undefined))
        .catch(() => undefined);
    const [rows, values, fileStates] = await Promise.all([
      this.listUnits(names),
      Promise.all(names.map(props)),
      Promise.all(names.map(fileState)),
    ]);
    const byName = new Map(names.map((n, i) => [n, values[i]]));
    const files = new Map(names.map((n, i) => [n, fileStates[i]]));
    return rows.map((row) => {
      const s = toUnitSummary(row, byName.get(row.name) ?? {});
      const f = files.get(row.name);
      return f ? { ...s, fileState: f } : s;
    });
  }

  /**
   * Manager.StartTransientUnit for a oneshot service running `argv`, and its job's result: the job
   * ends when the command exits ('done' or 'failed'). `props` are extra unit properties, as D-Bus
   * wants them: [name, Variant].
   */
  async startTransient(name: string, argv: string[], props: [string, Variant][]): Promise<JobResult> {
    const all: [string, Variant][] = [
      ['Type', new Variant('s', 'oneshot')],
      ['ExecStart', new Variant('a(sasb)', [[argv[0], argv, false]])],
      // a build takes what it takes (pip on a small host): no start timeout
      ['TimeoutStartUSec', new Variant('t', 2n ** 64n - 1n)],
      ...props,
    ];
    const [path] = (await this.bus.call({
      member: 'StartTransientUnit',
      signature: 'ssa(sv)a(sa(sv))',
      body: [name, 'fail', all, []],
      unit: name,
    })) as [string];
    return this.jobs.wait(path, name, 'start', Number.POSITIVE_INFINITY);
  }

  /** systemd's MemoryCurrent of a service (its cgroup's usage); undefined when systemd does not account memory. */
  async memoryCurrent(name: string): Promise<number | undefined> {
    const v = await this.bus
      .getProperty(unitObjectPath(name), 'org.freedesktop.systemd1.Service', 'MemoryCurrent', name)
      .catch(() => undefined);
    // UINT64_MAX: not accounted (no memory controller for this manager)
    return typeof v === 'bigint' && v < 2n ** 63n ? Number(v) : undefined;
  }

  /** The PIDs in a unit's cgroup (Manager.GetUnitProcesses); [] when it has none or is not loaded. */
  async unitProcesses(name: string): Promise<number[]> {
    const [rows] = (await this.bus.call({ member: 'GetUnitProcesses', signature: 's', body: [name], unit: name }).catch(() => [[]])) as [
      [string, number, string][],
    ];
    return rows.map((r) => r[1]);
  }

  /** Clears a failed state; a unit that is not loaded has none, which is fine. */
  async resetFailed(name: string): Promise<void> {
    try {
      await this.bus.call({ member: 'ResetFailedUnit', signature: 's', body: [name], unit: name });
    } catch (err) {
      if (err instanceof SystemdError && err.detail?.startsWith('org.freedesktop.systemd1.NoSuchUnit')) return;
      throw err;
    }
  }

  /** Closes the connection (Node does not exit while it is open). Pending job waiters reject. */
  close(): void {
    this.bus.close();
  }

  private async job(method: string, verb: string, name: string, mode: string): Promise<JobResult> {
    const [path] = (await this.bus.call({ member: method, signature: 'ss', body: [name, mode], unit: name })) as [string];
    return this.jobs.wait(path, name, verb);
  }
}
