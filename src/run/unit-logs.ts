import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/types.js';
import type { Adapters } from './adapters.js';

// The last lines a unit wrote: from <log_dir>/<unit>.log when bg.yml sets log_dir, else the journal.
// Hosts without journald (containers, our test sandbox) get a note instead of an error.
export async function lastLogLines(cfg: Config, _ad: Adapters | undefined, unit: string, n = 10): Promise<string> {
  if (cfg.logDir) {
    const text = await readFile(`${cfg.logDir}/${unit.replace(/\.service$/, "")}.log`, 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-n).join('\n') || `(no output in ${cfg.logDir}/${unit.replace(/\.service$/, "")}.log)`;
  }
  const args = [...(cfg.scope === 'user' ? ['--user'] : []), '-u', unit, '-n', String(n), '--no-pager', '-o', 'short-iso', '-q'];
  const r = await execa('journalctl', args, { reject: false, timeout: 3000, stdin: 'ignore' }).catch(() => undefined);
  const out = r?.stdout?.trim();
  return out || `(no journal entries for ${unit}; is journald running?)`;
}
