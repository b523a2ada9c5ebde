// How a running plan reports itself: a TTY line per step with its duration, plain lines without a
// TTY, or one JSON event per line with --json. Errors and results are printed by the CLI.

import { fmtMs } from '../format/duration.js';
import { transition } from '../format/transition.js';
import type { ProgressEvent } from '../protocol/events.js';
import { jsonOut } from '../protocol/writer.js';

export type { ProgressEvent };

export type Reporter = (e: ProgressEvent) => void;

export function makeReporter(mode: 'tty' | 'plain' | 'json', out: NodeJS.WritableStream = process.stderr): Reporter {
  if (mode === 'json') return jsonOut;
  const tty = mode === 'tty';
  return (e) => {
    const line = formatEvent(e, tty);
    if (line !== undefined) out.write(line);
  };
}

export function formatEvent(e: ProgressEvent, tty: boolean): string | undefined {
  switch (e.event) {
    case 'plan':
      return `${planTitle(e.command, e.steps, e.from, e.to)}: ${e.steps.length} steps\n`;
    case 'note':
      return `${e.message
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\n`;
    case 'step':
      if (e.status === 'failed') return `${tty ? '\r\x1b[K' : ''}  ✗ ${e.step} (${fmtMs(e.ms)}): ${e.error}\n`;
      if (e.status === 'start') return tty ? `  … ${e.step}` : undefined;
      return `${tty ? '\r\x1b[K' : ''}  ✓ ${e.step} (${fmtMs(e.ms)})${e.detail ? `  ${e.detail}` : ''}\n`;
    case 'undo':
      if (e.status === 'start') return undefined;
      return `  ↶ undo ${e.step}${e.status === 'failed' ? ` FAILED: ${e.error}` : ` (${fmtMs(e.ms)})`}\n`;
  }
}

// `deploy blue → green`; maintenance moves no traffic between colors: `maintenance off (blue serves)`.
function planTitle(command: string, steps: string[], from?: string, to?: string): string {
  if (command !== 'maintenance') return `${command}${transition(from, to)}`;
  const state = steps.includes('maintenance-off') ? ' off' : steps.includes('maintenance-on') ? ' on' : '';
  return `maintenance${state}${from ? ` (${from} serves)` : ''}`;
}
