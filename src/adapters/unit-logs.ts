import { execFile } from 'node:child_process';
import { unitLogFile } from '../config/names.js';
import type { Config } from '../config/types.js';
import { readLastLines } from './files.js';

// The last lines a unit wrote: from <log_dir>/<unit>.log when bg.yml sets log_dir, else the journal.
// Hosts without journald (containers, our test sandbox) get a note instead of an error.
export async function lastLogLines(cfg: Pick<Config, 'logDir' | 'scope'>, unit: string, n = 10): Promise<string> {
  const file = unitLogFile(cfg, unit);
  if (file) return (await readLastLines(file, n)).join('\n') || `(no output in ${file})`;
  const args = [...(cfg.scope === 'user' ? ['--user'] : []), '-u', unit, '-n', String(n), '--no-pager', '-o', 'short-iso', '-q'];
  const out = await new Promise<string>((resolve) => execFile('journalctl', args, { timeout: 3000 }, (_err, stdout) => resolve(String(stdout ?? '').trim())));
  return out || `(no journal entries for ${unit}; is journald running?)`;
}
