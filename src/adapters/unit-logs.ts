import { unitLogFile } from '../config/names.js';
import type { Config } from '../config/types.js';
import { journalctlArgs } from '../render/argv/journalctl.js';
import { readLastLines } from './files.js';
import { readProcess } from './process.js';

// The last lines a unit wrote: from <log_dir>/<unit>.log when bg.yml sets log_dir, else the journal,
// filtered to the unit's current run when its invocation is known (`journalctl -u` alone mixes in
// lines from earlier runs). Hosts without journald, and users who may not read it, get a note saying
// which, instead of an error.
export async function lastLogLines(cfg: Pick<Config, 'logDir' | 'scope'>, unit: string, n = 10, invocationId?: string): Promise<string> {
  const file = unitLogFile(cfg, unit);
  if (file) return (await readLastLines(file, n)).join('\n') || `(no output in ${file})`;
  const r = await readProcess(
    'journalctl',
    journalctlArgs({ scope: cfg.scope, units: [unit], invocationId, lines: n, output: 'short-iso', quiet: true }),
    { timeoutMs: 3000 },
  );
  const stdout = r.stdout.trim();
  const missing = r.error?.code === 'ENOENT';
  const stderr = r.stderr;
  if (stdout) return stdout;
  if (missing) return `(no journalctl on this host: set log_dir in bg.yml to keep ${unit}'s output in files)`;
  if (/insufficient permissions|not seeing messages from other users/i.test(stderr)) {
    return `(this user may not read ${unit}'s journal: run as root, or add the user to the systemd-journal group)`;
  }
  return `(no journal entries for ${unit}${invocationId ? ' in its current run' : ''}; is journald running?)`;
}
