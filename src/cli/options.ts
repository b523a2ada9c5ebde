import { parseDurationMs } from '../config/duration.js';
import type { Scope } from '../config/types.js';
import { UsageError } from '../errors.js';

// Global options every command receives.
export interface GlobalOptions {
  config?: string;
  user?: boolean;
  dryRun?: boolean;
  json?: boolean;
  logLevel?: string;
  yes?: boolean;
  lockWait?: string; // wait this long for another bg's lock instead of exit 3
}

export const scopeOf = (o: GlobalOptions): Scope => (o.user ? 'user' : 'system');

export const progressMode = (o: GlobalOptions) => (o.json ? 'json' : process.stderr.isTTY ? 'tty' : 'plain') as 'json' | 'tty' | 'plain';

export function lockWaitMs(o: GlobalOptions): number | undefined {
  if (o.lockWait === undefined) return undefined;
  const ms = parseDurationMs(o.lockWait);
  if (ms === undefined)
    throw new UsageError(`--lock-wait must be a duration like 30s, 2m or 500ms (got ${JSON.stringify(o.lockWait)}).`, { code: 'usage' });
  return ms;
}
