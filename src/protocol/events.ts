// Every line bg prints with --json, as types: the header, the progress of a run, its result or
// error, and the reports of the read commands. docs/json-protocol.md describes each with an example.
// The fleet reads other hosts' output with these same types. Pure: types only.
import type { Color } from '../config/types.js';
import type { Step } from '../plan/step.js';
import type { JournalEntry } from '../state/journal.js';

/** Bumped when a line changes in a way an older reader would misread; bg versions are compared separately. */
export const PROTOCOL_VERSION = 1;

/** The first line of every --json output, a line of its own. */
export interface ProtocolHeader {
  v: number;
  bg: string; // bg's version (package.json)
}

// --- a run's progress (setup, deploy, rollback, restart, cleanup, maintenance)

export interface PlanEvent {
  event: 'plan';
  dryRun?: false;
  command: string;
  from?: string;
  to?: string;
  steps: string[];
}
export type StepEvent =
  | { event: 'step'; step: string; status: 'start' | 'done'; ms?: number; detail?: string }
  | { event: 'step'; step: string; status: 'failed'; ms: number; error: string };
export interface UndoEvent {
  event: 'undo';
  step: string;
  status: 'start' | 'done' | 'failed';
  ms?: number;
  error?: string;
}
export interface NoteEvent {
  event: 'note';
  message: string;
}
export type ProgressEvent = PlanEvent | StepEvent | UndoEvent | NoteEvent;

/** --dry-run: the plan with each step's action and undo, the notes, and the diffs of the files it would write. */
export interface DryRunEvent {
  event: 'plan';
  dryRun: true;
  command: string;
  from?: string;
  to?: string;
  steps: Step[];
  notes: string[];
  diffs: string[];
}

// --- how a command ended

export type ResultEvent =
  | { event: 'result'; result: 'ok'; command: string; from?: string; to?: string; ms: number; commit?: string }
  // the host already is as asked: one line, the planner's notes in it (message: the notes joined)
  | { event: 'result'; result: 'nothing-to-do'; command: string; from?: string; to?: string; notes: string[]; message: string }
  | { event: 'result'; result: 'ok'; command: string; order?: string[][]; hosts: FleetHostReport[]; ms: number }; // a fleet run (order: its batches)

/** Any expected error: what happened, the state the host is in, what to do. The last line; its exitCode is bg's. */
export interface ErrorEvent {
  event: 'error';
  error: string; // the error class: UsageError, ConfigError, BgError, ...
  code: string;
  step?: string;
  message: string;
  state: string;
  next?: string;
  detail?: string;
  exitCode: number;
}

// --- the read commands' reports

export interface StatusReport {
  app: string;
  scope: string;
  active: string | null;
  maintenance: boolean;
  // socket: upstream.txt names the socket switch's link (set by the deploy that moves to caddy.switch socket), the link Caddy dials and the color it names (port is that color's)
  upstream: {
    file: string;
    port: number | null;
    caddy: string[] | null;
    mismatch: boolean;
    socket?: { link: string; color: Color | null };
  };
  problem?: string; // the first error below, for scripts that want one line
  problems: { code: string; severity: 'error' | 'warning'; message: string; next: string }[];
  units: { name: string; load: string; active: string; sub: string; pid: number | null; since: string | null; memory: number | null }[]; // memory: bytes in use
  memory: MemoryReport;
  releases: Record<string, { id: string | null; commit: string | null; subject: string | null }>; // per color
  lastDeploy: JournalEntry | null;
  lastLog: { unit: string; lines: string } | null;
  warnings: string[]; // the messages of the warnings in `problems`
}

/** Each color's memory (its units together), the headroom, and whether a second web color fits. */
export interface MemoryReport {
  colors: Record<'blue' | 'green', number | null>; // bytes; null: nothing of that color runs
  headroom: { bytes: number; by: string } | null;
  need: { bytes: number; from: string } | null; // what the next deploy's new web color needs
  fits: boolean | null;
}

export type StatusEvent = { event: 'status' } & StatusReport;

export interface HistoryEvent {
  event: 'history';
  entries: JournalEntry[];
}

export interface ReleaseRow {
  id: string;
  commit: string | null;
  ref: string | null;
  builtAt: string | null; // when its checkout started
  status: string; // built | failed | building (cut off) | adopted (from before releases)
  colors: string[]; // which colors point at it
  live: boolean;
}

export interface ReleasesEvent {
  event: 'releases';
  releases: ReleaseRow[];
}

export interface BackupRow {
  file: string; // in <root>/backups
  size: number; // bytes
  taken: string; // ISO time
  kind: string; // sqlite | postgresql
  release: string | null; // whose code found the database
  before: string | null; // release (the release commands) | migrate-back
  migrations: string[]; // what ran after it (Django: the migrations the release applied)
}

export interface BackupsEvent {
  event: 'backups';
  dir: string;
  backups: BackupRow[];
}

// --- a fleet (hosts: in bg.yml)

export type FleetHostResult = 'done' | 'failed' | 'rolled-back' | 'rollback-failed' | 'not-run';

export interface FleetHostReport {
  name: string;
  result: FleetHostResult;
  ms: number;
  step?: string; // where it failed
  message?: string;
}

export interface FleetStatusRow {
  name: string;
  ssh: string;
  celery: boolean;
  reachable: boolean;
  bg: string | null; // the host's bg version, from its header; null: no header (not answering, or a bg from before the protocol)
  active: string | null;
  release: string | null;
  commit: string | null;
  problems: { code: string; severity: string; message: string }[];
  error?: string;
  status: StatusReport | null;
}

export interface FleetStatusEvent {
  event: 'fleet-status';
  hosts: FleetStatusRow[];
}

export interface FleetHistoryEvent {
  event: 'fleet-history';
  runs?: JournalEntry[]; // the fleet runs, from the deploying machine's journal (each with its `fleet`)
  hosts: { name: string; entries: JournalEntry[] | null; error?: string }[];
}

export interface FleetReleasesEvent {
  event: 'fleet-releases';
  agree: boolean; // every host answered and the live release on each holds the same commit
  summary: string;
  hosts: {
    name: string;
    live: { id: string | null; commit: string | null; ref: string | null } | null;
    releases: ReleaseRow[] | null;
    error?: string;
  }[];
}

/** A host's own event as the deploying machine passes it on: the host's name, ms since the fleet run began. */
export type HostEvent = (ProgressEvent | ErrorEvent | ResultEvent) & { host: string; at: number };

/** Every line after the header. */
export type BgEvent =
  | ProgressEvent
  | DryRunEvent
  | ResultEvent
  | ErrorEvent
  | StatusEvent
  | HistoryEvent
  | ReleasesEvent
  | BackupsEvent
  | FleetStatusEvent
  | FleetHistoryEvent
  | FleetReleasesEvent
  | HostEvent;

export type EventName = BgEvent['event'];

export const EVENT_NAMES = [
  'plan',
  'step',
  'undo',
  'note',
  'result',
  'error',
  'status',
  'history',
  'releases',
  'backups',
  'fleet-status',
  'fleet-history',
  'fleet-releases',
] as const satisfies readonly EventName[];

/** never while EVENT_NAMES lists every event; test/unit/json-protocol.test.ts checks it at compile time. */
export type UnlistedEventName = Exclude<EventName, (typeof EVENT_NAMES)[number]>;
