import { transition } from '../format/transition.js';
import { type JournalEntry, runsOf } from '../state/journal.js';
import type { LockInfo } from '../state/lock.js';

/**
 * The last `limit` runs of the journal's lines: a start without its end is `running` while its
 * process is `alive`, else `interrupted`, at the step its lock (left behind when it was cut off) names.
 */
export function historyEntries(
  lines: JournalEntry[],
  lock: LockInfo | null | undefined,
  alive: (pid: number, boot?: string) => boolean,
  limit: number,
): JournalEntry[] {
  return runsOf(lines, alive, (e) => (lock && lock.pid === e.pid ? lock.step : undefined)).slice(-limit);
}

export function formatHistory(entries: JournalEntry[]): string {
  if (entries.length === 0) return 'no deploys recorded\n';
  return entries
    .map((e) => {
      const slow = e.steps.length ? e.steps.reduce((a, s) => (s.ms > a.ms ? s : a)) : undefined;
      const pid = e.result === 'interrupted' || e.result === 'running' ? ` (pid ${e.pid})` : '';
      return `${e.time}  ${e.user.padEnd(8)} ${e.command.padEnd(8)} ${(e.ref ?? '').padEnd(12)} ${(e.commit ?? '').slice(0, 12).padEnd(12)} ${transition(e.from, e.to, '→').trim().padEnd(14)} ${e.result}${e.failedStep ? ` at ${e.failedStep}` : ''}${pid}  ${e.result === 'nothing-to-do' ? (e.notes ?? []).join(' ') : `${e.ms} ms`}${slow ? ` (slowest: ${slow.name} ${slow.ms} ms)` : ''}${e.notUndone?.length ? `  release commands ran and were not undone: ${e.notUndone.join('; ')}` : ''}\n`;
    })
    .join('');
}
