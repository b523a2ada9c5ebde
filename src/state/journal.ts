import { readLastLines } from '../adapters/files.js';
import { makeDirs } from '../adapters/make-dirs.js';
import { journalPath } from '../config/names.js';
import { EXIT, FsError, isBgError } from '../errors.js';
import { openAppendNoFollow } from './state-dir.js';

// The deploy journal, <state_dir>/journal.jsonl: a line when a setup/deploy/rollback/cleanup starts
// (result `started`) and another when it ends, both with the same `run`. A run killed before its
// end line shows as `interrupted`. A command that found nothing to do writes one line, `nothing-to-do`.
export interface JournalEntry {
  time: string;
  run?: string; // pairs a run's start and end lines
  pid?: number;
  boot?: string; // the kernel's boot id: a `started` line of an earlier boot never ran on
  user: string;
  command: string;
  ref?: string;
  commit?: string;
  release?: string; // the release the target color runs
  from?: string;
  to?: string;
  result: 'started' | 'ok' | 'refused' | 'rolled-back' | 'rollback-failed' | 'nothing-to-do' | 'interrupted' | 'running';
  error?: string;
  failedStep?: string;
  undoFailed?: string[]; // the steps whose undo did not complete
  migrations?: string[]; // the migrations this run applied (django)
  unchecked?: string[]; // of those, the ones bg cannot check (RunPython, RunSQL)
  notUndone?: string[]; // a failed run: the release commands that ran and were not undone
  hooks?: { name: string; ok: boolean }[]; // the operator's hooks that ran, and whether they succeeded
  notes?: string[]; // nothing-to-do: why (the planner's notes)
  fleet?: FleetRun; // a run across the hosts of bg.yml, journaled on the deploying machine
  ms: number;
  steps: { name: string; ms: number; ok: boolean }[];
}

/** A fleet run: the order the hosts ran in (batches) and what each host did, in the listed order. */
export interface FleetRun {
  order: string[][];
  hosts: { name: string; result: string; ms: number; step?: string; message?: string }[];
}

export async function appendJournal(stateDir: string, entry: JournalEntry): Promise<void> {
  try {
    await makeDirs(stateDir, 0o700);
    const fh = await openAppendNoFollow(journalPath(stateDir), 0o600);
    try {
      await fh.appendFile(`${JSON.stringify(entry)}\n`);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new FsError(`Cannot write the deploy journal in ${stateDir}: ${(e as Error).message}`, {
      code: 'journal-unwritable',
      next: `Free space or fix ${stateDir} (or set state_dir in bg.yml), then run the command again.`,
    });
  }
}

export async function readJournal(stateDir: string, limit = 20): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  for (const line of await readLastLines(journalPath(stateDir), limit)) {
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // a torn last line from a killed deployer: skip it
    }
  }
  return entries;
}

/**
 * One entry per run: the end line where there is one; a start line without its end becomes
 * `running` (its process is alive) or `interrupted`, with the step it had reached when known.
 */
export function runsOf(
  entries: JournalEntry[],
  alive: (pid: number, boot?: string) => boolean,
  stepOf?: (e: JournalEntry) => string | undefined,
): JournalEntry[] {
  const ended = new Set(entries.filter((e) => e.result !== 'started' && e.run).map((e) => e.run));
  return entries
    .filter((e) => e.result !== 'started' || !ended.has(e.run))
    .map((e) =>
      e.result === 'started'
        ? { ...e, result: e.pid && alive(e.pid, e.boot) ? 'running' : 'interrupted', failedStep: stepOf?.(e) ?? e.failedStep }
        : e,
    );
}

/** A run that did something (or began to): status's last deploy skips the nothing-to-do lines. */
export const didSomething = (e: JournalEntry): boolean => e.result !== 'nothing-to-do';

/**
 * How a run that ended is journaled. A run stopped by a signal or a shutdown whose undo could not
 * finish (systemd refuses new start jobs while it goes down) was interrupted, not a rollback that
 * failed on its own: the next command finds and recovers it like a killed run.
 */
export function endResult(
  r: { ok: boolean; undoFailed?: unknown[]; failed?: { error: unknown } },
  interrupted: boolean,
): JournalEntry['result'] {
  if (r.ok) return 'ok';
  // a step's check said no (a destructive migration, bad input: exit 2) and what it began was put back
  if (!r.undoFailed?.length && isBgError(r.failed?.error) && r.failed.error.exitCode === EXIT.usage) return 'refused';
  if (!r.undoFailed?.length) return 'rolled-back';
  return interrupted ? 'interrupted' : 'rollback-failed';
}
