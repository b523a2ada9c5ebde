import { loadConfig } from '../../config/load.js';
import { lockPath } from '../../config/names.js';
import { EXIT } from '../../errors.js';
import { transition } from '../../format/transition.js';
import { jsonOut } from '../../protocol/writer.js';
import { readJournal, runsOf } from '../../state/journal.js';
import { isAlive, readLockInfo } from '../../state/lock.js';
import { fleetHistory } from '../fleet-read.js';
import { type GlobalOptions, scopeOf } from '../options.js';

// `limit`: a whole number, 1 or more (commander checked it)
export async function history(o: GlobalOptions & { limit: number }): Promise<number> {
  const limit = o.limit;
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  if (cfg.hosts) return fleetHistory(cfg, o, limit);
  const [lines, lock] = await Promise.all([readJournal(cfg.stateDir, 2 * limit), readLockInfo(lockPath(cfg.stateDir))]);
  // a run cut off still has its lock, naming the step it had reached
  const entries = runsOf(lines, isAlive, (e) => (lock && lock.pid === e.pid ? lock.step : undefined)).slice(-limit);
  if (o.json) {
    jsonOut({ event: 'history', entries });
    return EXIT.ok;
  }
  if (entries.length === 0) process.stdout.write('no deploys recorded\n');
  for (const e of entries) {
    const slow = e.steps.length ? e.steps.reduce((a, s) => (s.ms > a.ms ? s : a)) : undefined;
    const pid = e.result === 'interrupted' || e.result === 'running' ? ` (pid ${e.pid})` : '';
    process.stdout.write(
      `${e.time}  ${e.user.padEnd(8)} ${e.command.padEnd(8)} ${(e.ref ?? '').padEnd(12)} ${(e.commit ?? '').slice(0, 12).padEnd(12)} ${transition(e.from, e.to, '→').trim().padEnd(14)} ${e.result}${e.failedStep ? ` at ${e.failedStep}` : ''}${pid}  ${e.ms} ms${slow ? ` (slowest: ${slow.name} ${slow.ms} ms)` : ''}\n`,
    );
  }
  return EXIT.ok;
}
