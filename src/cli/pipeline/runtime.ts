// What the command pipeline needs from the world, injected: built for real in one place
// (real-runtime.ts) and as fakes in test/unit/pipeline.test.ts. The stages reach config, the host,
// the lock, the journal, the clock, signals and the terminal only through it.
import type { Config } from '../../config/types.js';
import type { Host } from '../../execute/host.js';
import type { AppPathsSeen } from '../../host/app-paths.js';
import type { DryRunEvent, ResultEvent } from '../../protocol/events.js';
import type { JournalEntry } from '../../state/journal.js';
import type { Lock } from '../../state/lock.js';
import type { Reporter } from '../progress.js';
import type { FleetCommand } from '../run-fleet.js';

export interface Output {
  progress: Reporter; // progress lines on stderr, or one JSON event per line
  /** The command's last word on stdout: the text, or the event with --json. */
  result(text: string, event: ResultEvent | DryRunEvent): void;
  /** A line for the operator that is neither progress nor a result (a second signal). */
  warn(text: string): void;
}

export interface Signals {
  /** Calls `handler` on SIGINT or SIGTERM until the returned function is called. */
  onInterrupt(handler: (sig: NodeJS.Signals) => void): () => void;
}

export interface Clock {
  now(): Date;
}

export interface Journal {
  append(stateDir: string, entry: JournalEntry): Promise<void>;
}

/** The run's own bg.log: a record, never part of the outcome. */
export interface RunLog {
  info(obj: object, msg: string): void;
}

/** Who runs this bg: journaled with each run. */
export interface Me {
  pid: number;
  boot?: string; // the kernel's boot id
  user: string;
}

export interface Runtime {
  loadConfig(): Promise<Config>;
  /** The fleet hand-off: bg.yml lists hosts. */
  runFleet(cfg: Config, cmd: FleetCommand): Promise<number>;
  /** System scope: what root would open on its way to the app's paths (checked before the lock). */
  readAppPaths(cfg: Config): Promise<AppPathsSeen>;
  lock(cfg: Config, label: string, opts: { waitMs?: number; onWait?: (holder: string) => void }): Promise<Lock>;
  connectHost(cfg: Config): Promise<Host>;
  journal: Journal;
  clock: Clock;
  signals: Signals;
  output: Output;
  /** Opened only once a plan has steps: a refused or empty run writes no bg.log. */
  log(cfg: Config): RunLog;
  me: Me;
  /** A second signal: leave now, with this exit code. */
  exit(code: number): never;
}
