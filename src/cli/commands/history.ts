import { loadConfig } from '../../config/load.js';
import { lockPath } from '../../config/names.js';
import { EXIT } from '../../errors.js';
import { jsonOut } from '../../protocol/writer.js';
import { readJournal } from '../../state/journal.js';
import { isAlive, readLockInfo } from '../../state/lock.js';
import { fleetHistory } from '../fleet-read.js';
import { formatHistory, historyEntries } from '../history-format.js';
import { type GlobalOptions, scopeOf } from '../options.js';

// `limit`: a whole number, 1 or more (commander checked it)
export async function history(o: GlobalOptions & { limit: number }): Promise<number> {
  const limit = o.limit;
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  if (cfg.hosts) return fleetHistory(cfg, o, limit);
  const [lines, lock] = await Promise.all([readJournal(cfg.stateDir, 2 * limit), readLockInfo(lockPath(cfg.stateDir))]);
  // a run cut off still has its lock, naming the step it had reached
  const entries = historyEntries(lines, lock, isAlive, limit);
  if (o.json) {
    jsonOut({ event: 'history', entries });
    return EXIT.ok;
  }
  process.stdout.write(formatHistory(entries));
  return EXIT.ok;
}
