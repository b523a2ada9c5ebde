// The error vocabulary. Every error a user can meet says what happened, the state the host is
// in now, and what to do next. Adapters and planners report facts (message, detail, next and a
// stable machine `code`); the outcome of a command (the state line and the exit code) is decided in
// one place, src/cli/outcome.ts.

export const EXIT = {
  ok: 0,
  deployFailed: 1, // failed; nothing changed, or put back: the old version is still serving
  usage: 2, // bad usage or config
  locked: 3, // another bg holds the lock
  attention: 4, // needs the operator: the host really is half switched (putting things back failed)
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorDetails {
  code?: string; // stable, kebab-case, for machines (`--json`): what kind of thing went wrong
  state?: string; // the state the host is in now, when the thrower knows it for certain
  next?: string; // what to do
  detail?: string; // evidence: health response, journal lines, job result
  exitCode?: ExitCode; // only where the outcome is known: usage, lock, a checked half-switched host
  step?: string; // the plan step that failed
}

// Names are spelled out: a minified bundle renames classes, and `--json` prints the name.
export class BgError extends Error {
  override readonly name: string = 'BgError';
  readonly isBgError = true;
  readonly code: string;
  readonly exitCode?: ExitCode;
  readonly state?: string;
  readonly next?: string;
  readonly detail?: string;
  readonly step?: string;
  constructor(message: string, details: ErrorDetails = {}, defaultCode = 'error') {
    super(message);
    this.code = details.code ?? defaultCode;
    this.exitCode = details.exitCode;
    this.state = details.state;
    this.next = details.next;
    this.detail = details.detail;
    this.step = details.step;
  }
}

/** True for a BgError from any bundle: each command is bundled on its own, with its own copy of these classes. */
export const isBgError = (e: unknown): e is BgError =>
  typeof e === 'object' && e !== null && (e as { isBgError?: unknown }).isBgError === true;

/** bg.yml missing, unreadable or invalid; nothing was changed. */
export class ConfigError extends BgError {
  override readonly name = 'ConfigError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { state: 'Nothing was changed.', exitCode: EXIT.usage, ...details }, 'config');
  }
}

/** Bad command-line input (e.g. a ref that is not a ref), or a command that does not apply to this host; nothing was changed. */
export class UsageError extends BgError {
  override readonly name = 'UsageError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { state: 'Nothing was changed.', exitCode: EXIT.usage, ...details }, 'usage');
  }
}

/** A run failed and everything is as it was before (nothing changed, or all of it put back). */
export class FailedError extends BgError {
  override readonly name = 'FailedError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { exitCode: EXIT.deployFailed, ...details }, 'failed');
  }
}

/** Putting things back did not work: a host may be half switched, and needs the operator. */
export class HalfDoneError extends BgError {
  override readonly name = 'HalfDoneError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { exitCode: EXIT.attention, ...details }, 'half-done');
  }
}

export class LockError extends BgError {
  override readonly name = 'LockError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { exitCode: EXIT.locked, ...details }, 'locked');
  }
}

/** A systemd call or job failed. */
export class SystemdError extends BgError {
  override readonly name = 'SystemdError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'systemd');
  }
}

/** The D-Bus bus could not be reached, or the connection was lost. */
export class BusError extends BgError {
  override readonly name = 'BusError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'bus');
  }
}

export class CaddyError extends BgError {
  override readonly name = 'CaddyError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'caddy');
  }
}

export class HealthError extends BgError {
  override readonly name = 'HealthError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'health-gate');
  }
}

export class GitError extends BgError {
  override readonly name = 'GitError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'git');
  }
}

/** A file could not be read or written (unit dir not writable, ...). */
export class FsError extends BgError {
  override readonly name = 'FsError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'fs');
  }
}

/** One of the operator's build commands failed. */
export class BuildError extends BgError {
  override readonly name = 'BuildError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'build');
  }
}

/** The message of anything thrown (an Error's message, else its text). */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
