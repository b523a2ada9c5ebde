import { loadConfig } from '../../config/load.js';
import { EXIT } from '../../errors.js';
import { readJournal } from '../../run/journal.js';
import { transition } from '../../run/progress.js';
import { type GlobalOptions, scopeOf } from '../options.js';

export async function history(o: GlobalOptions & { limit?: string }): Promise<number> {
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  const entries = await readJournal(cfg.stateDir, Number(o.limit ?? 20));
  if (o.json) {
    process.stdout.write(`${JSON.stringify(entries)}\n`);
    return EXIT.ok;
  }
  if (entries.length === 0) process.stdout.write('no deploys recorded\n');
  for (const e of entries) {
    const slow = e.steps.length ? e.steps.reduce((a, s) => (s.ms > a.ms ? s : a)) : undefined;
    process.stdout.write(
      `${e.time}  ${e.user.padEnd(8)} ${e.command.padEnd(8)} ${(e.ref ?? '').padEnd(12)} ${(e.commit ?? '').slice(0, 12).padEnd(12)} ${transition(e.from, e.to, '→').trim().padEnd(14)} ${e.result}${e.failedStep ? ` at ${e.failedStep}` : ''}  ${e.ms} ms${slow ? ` (slowest: ${slow.name} ${slow.ms} ms)` : ''}\n`,
    );
  }
  return EXIT.ok;
}
