import type { Color, Config } from '../config/types.js';
import type { ExitCode } from '../errors.js';
import type { HostState } from './host-state.js';

// What `diagnose` reports: one problem of the host, with the commands it blocks. Each problem has
// its own check (src/host/problems/), listed with its code in diagnose.ts.

export type Blockable = 'setup' | 'deploy' | 'rollback' | 'restart' | 'cleanup' | 'maintenance' | 'remove';

export interface Problem {
  code: string; // stable, kebab-case
  severity: 'error' | 'warning';
  message: string;
  next: string;
  blocks: Blockable[]; // the commands that must not run while it stands
  color?: Color; // for a problem of one color (port-taken): it blocks only a command that starts that color
  state?: string; // the state line when it blocks a command (default: nothing was changed)
  exitCode?: ExitCode; // when it blocks (default: 1, nothing changed)
}

/** What a check finds: severity defaults to error, blocks to nothing. */
export type Found = Omit<Problem, 'severity' | 'blocks'> & Partial<Pick<Problem, 'severity' | 'blocks'>>;

/** One problem's check, pure: what it finds in one observation, or undefined when the host is free of it. */
export type Check = (cfg: Config, host: HostState) => Found | Found[] | undefined;

/** The defaults filled in; a restart starts a color and switches like a rollback: what blocks a rollback blocks it too. */
export function completeProblem(p: Found): Problem {
  const blocks = p.blocks ?? [];
  return { severity: 'error', ...p, blocks: blocks.includes('rollback') && !blocks.includes('restart') ? [...blocks, 'restart'] : blocks };
}
