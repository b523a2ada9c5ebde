import { constants, openSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { bgLogPath } from '../config/names.js';

// pino JSON logs go to <state_dir>/bg.log (opened once a plan has steps, in the state dir the lock
// made); the terminal gets progress lines instead. The log is a record, not part of the run: a state
// dir that fills up or turns read-only silences it, never the run.
export function makeLogger(stateDir: string | undefined, level = 'info'): Logger {
  if (!stateDir) return pino({ level: 'silent' });
  try {
    // opened here, not by pino: a symlink planted at bg.log is refused instead of followed
    const fd = openSync(bgLogPath(stateDir), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    const dest = pino.destination({ fd, sync: true });
    const logger = pino({ level, base: { pid: process.pid } }, dest);
    dest.on('error', () => {
      logger.level = 'silent';
    });
    return logger;
  } catch {
    return pino({ level: 'silent' });
  }
}
