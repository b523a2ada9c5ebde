// The fleet runs of the deploying machine's journal, one line each: when, who, what, the result,
// then each host's result and duration in the order they ran (+ joins a batch, → the next batch).

import { orderText } from '../fleet/order.js';
import { fmtMs } from '../format/duration.js';
import type { JournalEntry } from '../state/journal.js';

export function formatFleetRuns(entries: JournalEntry[]): string {
  const runs = entries.filter((e) => e.fleet);
  if (runs.length === 0) return 'no fleet runs recorded on this machine\n';
  return runs
    .map((e) => {
      const hosts = new Map(e.fleet!.hosts.map((h) => [h.name, h]));
      const each = e.fleet!.order.map((batch) =>
        batch.map((n) => {
          const h = hosts.get(n);
          return h ? `${n} ${h.result}${h.ms ? ` ${fmtMs(h.ms)}` : ''}` : n;
        }),
      );
      const why = e.failedStep ? ` at ${e.failedStep}` : '';
      return `${e.time}  ${e.user.padEnd(8)} ${e.command.padEnd(11)} ${(e.ref ?? '').padEnd(12)} ${e.result}${why}  ${fmtMs(e.ms)}  ${orderText(each)}\n`;
    })
    .join('');
}
