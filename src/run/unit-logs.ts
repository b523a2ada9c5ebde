import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { Config } from '../config/types.js';
import type { Adapters } from './adapters.js';

// The last lines a unit wrote: from <log_dir>/<unit>.log when bg.yml sets log_dir, else the journal.
// Hosts without journald (containers, our test sandbox) get a note instead of an error.
export async function lastLogLines(cfg: Config, _ad: Adapters | undefined, unit: string, n = 10): Promise<string> {
  if (cfg.logDir) {
    const text = await readTail(`${cfg.logDir}/${unit.replace(/\.service$/, '')}.log`, 64 * 1024);
    return text.trimEnd().split('\n').slice(-n).join('\n') || `(no output in ${cfg.logDir}/${unit.replace(/\.service$/, "")}.log)`;
  }
  const args = [...(cfg.scope === 'user' ? ['--user'] : []), '-u', unit, '-n', String(n), '--no-pager', '-o', 'short-iso', '-q'];
  const out = await new Promise<string>((resolve) => execFile('journalctl', args, { timeout: 3000 }, (_err, stdout) => resolve(String(stdout ?? '').trim())));
  return out || `(no journal entries for ${unit}; is journald running?)`;
}

// The last `bytes` of a file: access logs grow to gigabytes, status needs one line.
async function readTail(path: string, bytes: number): Promise<string> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return '';
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await fh.close();
  }
}
