import type { Scope } from '../config/types.js';

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
