// The error vocabulary. Every error a user can meet says what happened, the state the host is
// in now, and what to do next; the CLI prints those three and exits with `exitCode`.

export const EXIT = {
  ok: 0,
  deployFailed: 1, // failed and rolled back: old version still serving
  usage: 2, // bad usage or config
  locked: 3, // another bg holds the lock
  attention: 4, // needs the operator: rollback itself failed, or the host is in an unknown state
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorDetails {
  state?: string; // the state the host is in now
  next?: string; // what to do
  detail?: string; // evidence: health response, journal lines, job result
}

// Names are spelled out: a minified bundle renames classes, and `--json` prints the name.
export class BgError extends Error {
  override readonly name: string = 'BgError';
  readonly isBgError = true;
  readonly exitCode: ExitCode;
  readonly state?: string;
  readonly next?: string;
  readonly detail?: string;
  constructor(message: string, exitCode: ExitCode, details: ErrorDetails = {}) {
    super(message);
    this.exitCode = exitCode;
    this.state = details.state;
    this.next = details.next;
    this.detail = details.detail;
  }
}

/** True for a BgError from any bundle: each command is bundled on its own, with its own copy of these classes. */
export const isBgError = (e: unknown): e is BgError => typeof e === 'object' && e !== null && (e as { isBgError?: unknown }).isBgError === true;

/** bg.yml missing, unreadable or invalid; nothing was changed. */
export class ConfigError extends BgError {
  override readonly name = 'ConfigError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, EXIT.usage, { state: 'Nothing was changed.', ...details });
  }
}

/** Bad command-line input (e.g. a ref that is not a ref); nothing was changed. */
export class UsageError extends BgError {
  override readonly name = 'UsageError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, EXIT.usage, { state: 'Nothing was changed.', ...details });
  }
}

/** A systemd call or job failed. */
export class SystemdError extends BgError {
  override readonly name = 'SystemdError';
  constructor(message: string, details: ErrorDetails = {}, exitCode: ExitCode = EXIT.deployFailed) {
    super(message, exitCode, details);
  }
}

/** The D-Bus bus could not be reached. */
export class BusError extends BgError {
  override readonly name = 'BusError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, EXIT.attention, details);
  }
}

export class CaddyError extends BgError {
  override readonly name = 'CaddyError';
  constructor(message: string, details: ErrorDetails = {}, exitCode: ExitCode = EXIT.deployFailed) {
    super(message, exitCode, details);
  }
}

export class HealthError extends BgError {
  override readonly name = 'HealthError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, EXIT.deployFailed, details);
  }
}

export class GitError extends BgError {
  override readonly name = 'GitError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, EXIT.deployFailed, details);
  }
}

export class LockError extends BgError {
  override readonly name = 'LockError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, EXIT.locked, details);
  }
}

/** A file could not be written (unit dir not writable, ...). */
export class FsError extends BgError {
  override readonly name = 'FsError';
  constructor(message: string, details: ErrorDetails = {}, exitCode: ExitCode = EXIT.attention) {
    super(message, exitCode, details);
  }
}
