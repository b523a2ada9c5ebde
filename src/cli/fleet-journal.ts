// The deploying machine's journal of a fleet run: a `started` line before the first host runs, the
// end line with the order and each host's result and duration. Pure: run-fleet.ts appends them.
import type { BgError } from '../errors.js';
import type { HostReport } from '../fleet/rolling.js';
import type { JournalEntry } from '../state/journal.js';

export type FleetJournalBase = Pick<JournalEntry, 'run' | 'pid' | 'boot' | 'user' | 'command' | 'ref'> & { order: string[][] };

export function fleetJournalStart(base: FleetJournalBase, now: Date): JournalEntry {
  const { order, ...rest } = base;
  return { ...rest, time: now.toISOString(), result: 'started', fleet: { order, hosts: [] }, ms: 0, steps: [] };
}

/** ok: every host done; rolled-back: a host failed and every host is back; rollback-failed: a host needs a hand. */
export function fleetJournalEnd(
  base: FleetJournalBase,
  hosts: HostReport[],
  error: BgError | undefined,
  ms: number,
  now: Date,
): JournalEntry {
  const { order, ...rest } = base;
  const failed = hosts.find((h) => h.result === 'failed');
  const result = !error ? 'ok' : error.code === 'fleet-half-done' ? 'rollback-failed' : 'rolled-back';
  return {
    ...rest,
    time: now.toISOString(),
    result,
    ...(error && { error: error.message }),
    ...(failed && { failedStep: failed.step ? `${failed.name}: ${failed.step}` : failed.name }),
    fleet: { order, hosts: hosts.map((h) => ({ ...h, ms: Math.round(h.ms) })) },
    ms: Math.round(ms),
    steps: [],
  };
}
