import { execFile } from 'node:child_process';
import { unitLogFile } from '../config/names.js';
import type { Config } from '../config/types.js';
import { readLastLines } from './files.js';

// The last lines a unit wrote: from <log_dir>/<unit>.log when bg.yml sets log_dir, else the journal,
// filtered to the unit's current run when its invocation is known (`journalctl -u` alone mixes in
// lines from earlier runs). Hosts without journald, and users who may not read it, get a note saying
// which, instead of an error.
export async function lastLogLines(cfg: Pick<Config, 'logDir' | 'scope'>, unit: string, n = 10, invocationId?: string): Promise<string> {
  const file = unitLogFile(cfg, unit);
  if (file) return (await readLastLines(file, n)).join('\n') || `(no output in ${file})`;
  const match = invocationId ? [`_SYSTEMD_INVOCATION_ID=${invocationId}`] : [];
  const args = [...(cfg.scope === 'user' ? ['--user'] : []), '-u', unit, ...match, '-n', String(n), '--no-pager', '-o', 'short-iso', '-q'];
  const { stdout, stderr, missing } = await new Promise<{ stdout: string; stderr: string; missing: boolean }>((resolve) =>
    execFile('journalctl', args, { timeout: 3000 }, (err, out, errOut) =>
      resolve({ stdout: String(out ?? '').trim(), stderr: String(errOut ?? ''), missing: (err as NodeJS.ErrnoException | null)?.code === 'ENOENT' }),
    ),
  );
  if (stdout) return stdout;
  if (missing) return `(no journalctl on this host: set log_dir in bg.yml to keep ${unit}'s output in files)`;
  if (/insufficient permissions|not seeing messages from other users/i.test(stderr)) {
    return `(this user may not read ${unit}'s journal: run as root, or add the user to the systemd-journal group)`;
  }
  return `(no journal entries for ${unit}${invocationId ? ' in its current run' : ''}; is journald running?)`;
}
