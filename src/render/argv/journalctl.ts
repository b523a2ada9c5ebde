// journalctl and tail command lines: a unit's last lines for status and errors, and `bluegreen logs`. Pure.
import type { Scope } from '../../config/types.js';

export interface JournalQuery {
  scope: Scope;
  units: string[];
  lines: number;
  output: 'short-iso' | 'json';
  invocationId?: string; // only the unit's current run (`-u` alone mixes in earlier runs)
  quiet?: boolean; // no "-- No entries --" and no permission hints on stdout
  follow?: boolean;
}

/** The argv after `journalctl`. */
export function journalctlArgs(q: JournalQuery): string[] {
  return [
    ...(q.scope === 'user' ? ['--user'] : []),
    ...q.units.flatMap((u) => ['-u', u]),
    ...(q.invocationId ? [`_SYSTEMD_INVOCATION_ID=${q.invocationId}`] : []),
    '-n',
    String(q.lines),
    '--no-pager',
    '-o',
    q.output,
    ...(q.quiet ? ['-q'] : []),
    ...(q.follow ? ['-f'] : []),
  ];
}

/** The argv after `tail` for log_dir's files: -F follows a file across its rotation. */
export const tailArgs = (files: string[], lines: number, follow: boolean): string[] => [
  '-n',
  String(lines),
  ...(follow ? ['-F'] : []),
  ...files,
];
