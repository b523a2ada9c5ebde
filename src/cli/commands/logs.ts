import { runAttached } from '../../adapters/process.js';
import { loadConfig } from '../../config/load.js';
import { unitLogFile, unitNames } from '../../config/names.js';
import { type Color, otherColor } from '../../config/types.js';
import { UsageError } from '../../errors.js';
import { connectReader, readAppPaths } from '../../execute/connect-host.js';
import { checkAppPaths } from '../../host/app-paths.js';
import { observe } from '../../host/observe.js';
import { journalctlArgs, tailArgs } from '../../render/argv/journalctl.js';
import { hostNamed, onHost } from '../on-host.js';
import { type GlobalOptions, scopeOf } from '../options.js';

// commander checked kind (web, worker, beat), color (blue, green) and lines (a whole number)
export interface LogsOptions extends GlobalOptions {
  color?: string;
  lines: number;
  follow?: boolean;
  host?: string; // with hosts: in bg.yml, the host whose logs (over ssh, with its own config)
}

// The app's logs: journald filtered to the unit (or log_dir's files), the live color by default.
// With -f and no --color, both colors are followed, so a deploy does not end the stream.
export async function logs(kind: string | undefined, o: LogsOptions): Promise<number> {
  const k = (kind ?? 'web') as 'web' | 'worker' | 'beat';
  const n = o.lines;
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  const target = hostNamed(cfg, o.host, 'logs');
  if (target) {
    const args = [
      ...(o.json ? ['--json'] : []),
      'logs',
      ...(kind ? [kind] : []),
      ...(o.color ? ['--color', o.color] : []),
      ...['-n', String(n)],
      ...(o.follow ? ['-f'] : []),
    ];
    // a terminal there when following on one here, so Ctrl-C ends the remote journalctl too
    const ssh = onHost(process.env, target, args, !!o.follow && !!process.stdin.isTTY);
    return runAttached(ssh.cmd, ssh.args);
  }
  let color = o.color as Color | undefined;
  if (!color) {
    const host = await connectReader(cfg);
    try {
      color = (await observe(cfg, host)).active;
    } finally {
      host.close();
    }
  }
  if (!color)
    throw new UsageError(`${cfg.app} is not set up: no color is live.`, {
      next: 'Pass --color blue|green, or run `bluegreen setup` first.',
    });
  const colors = o.follow && !o.color ? [color, otherColor(color)] : [color];
  const units = colors.map((c) => unitNames(cfg, c)[k]);
  if (units.some((u) => !u))
    throw new UsageError(`${cfg.app} has no ${k} unit (no ${k === 'beat' ? 'celery.beat' : 'celery block'} in ${cfg.configPath}).`);
  const files = units.map((u) => unitLogFile(cfg, u!));
  // tail runs as root and opens what it is given: the same check as every command that opens log_dir
  if (files.every((f) => f) && cfg.scope === 'system') checkAppPaths(cfg, await readAppPaths(cfg));
  if (files.every((f) => f)) return runAttached('tail', tailArgs(files as string[], n, !!o.follow));
  return runAttached(
    'journalctl',
    journalctlArgs({ scope: cfg.scope, units: units as string[], lines: n, output: o.json ? 'json' : 'short-iso', follow: o.follow }),
  );
}
