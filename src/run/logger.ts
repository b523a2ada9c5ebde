import { mkdirSync } from 'node:fs';
import pino, { type Logger } from 'pino';

// pino JSON logs go to <state_dir>/bg.log; the terminal gets progress lines instead.
export function makeLogger(stateDir: string | undefined, level = 'info'): Logger {
  if (!stateDir) return pino({ level: 'silent' });
  try {
    mkdirSync(stateDir, { recursive: true });
    return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: `${stateDir}/bg.log`, sync: true }));
  } catch {
    return pino({ level: 'silent' });
  }
}
