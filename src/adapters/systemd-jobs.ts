// Matches systemd's JobRemoved signals to the jobs we queued. A job can finish before the
// StartUnit reply reaches us (an already-active unit: the signal wins 6 times in 10), so
// every result is kept by job path. Concurrent requests for the same unit can be merged by
// systemd into one job (same path in both replies), so a result is kept after it is claimed
// and one path can have several waiters. Job ids only grow, so a path is never reused.
import type { Message } from 'dbus-next';
import { SystemdError } from '../errors.js';
import { MANAGER, MANAGER_PATH, SYSTEMD } from './systemd-bus.js';

export type JobResult = 'done' | 'canceled' | 'timeout' | 'failed' | 'dependency' | 'skipped';

export const JOB_REMOVED_MATCH = `type='signal',sender='${SYSTEMD}',path='${MANAGER_PATH}',interface='${MANAGER}',member='JobRemoved'`;

// Recent results. Ours are claimed within one reply's time; the rest are other clients'
// jobs (seen when someone has called Subscribe()), so a small cap is enough.
const MAX_KEPT = 512;

interface Waiter {
  unit: string;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class JobTracker {
  private readonly results = new Map<string, JobResult>();
  private readonly waiters = new Map<string, Waiter[]>();
  private closedBy?: Error;

  constructor(private readonly timeoutMs: number) {}

  /** Feed every signal here; JobRemoved(u id, o job, s unit, s result) settles a job. */
  onSignal(msg: Message): void {
    if (msg.member !== 'JobRemoved' || msg.interface !== MANAGER || msg.path !== MANAGER_PATH) return;
    const [, job, , result] = msg.body as [number, string, string, JobResult];
    this.results.set(job, result);
    if (this.results.size > MAX_KEPT) this.results.delete(this.results.keys().next().value as string);
    for (const w of this.waiters.get(job) ?? []) {
      clearTimeout(w.timer);
      w.resolve(result);
    }
    this.waiters.delete(job);
  }

  /** The result of job `path`, from the buffer or from the signal still to come. */
  wait(path: string, unit: string, verb: string, timeoutMs = this.timeoutMs): Promise<JobResult> {
    const known = this.results.get(path);
    if (known !== undefined) return Promise.resolve(known);
    if (this.closedBy) return Promise.reject(this.closedBy);
    return new Promise<JobResult>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          if (!Number.isFinite(timeoutMs)) return;
          const rest = (this.waiters.get(path) ?? []).filter((w) => w !== waiter);
          if (rest.length) this.waiters.set(path, rest);
          else this.waiters.delete(path);
          reject(
            new SystemdError(`The ${verb} job for ${unit} did not finish within ${duration(timeoutMs)}`, {
              code: 'job-timeout',
              state: `${unit} may still be changing state (job ${path}).`,
              next: `Look at \`systemctl status ${unit}\` (with --user for a user unit) and its log, then run \`bg status\`.`,
            }),
          );
        },
        Math.min(timeoutMs, 2 ** 31 - 1),
      );
      const waiter: Waiter = { unit, resolve, reject, timer };
      this.waiters.set(path, [...(this.waiters.get(path) ?? []), waiter]);
    });
  }

  /** The bus went away: nobody will ever see these jobs finish. */
  failAll(cause: Error): void {
    for (const [path, ws] of this.waiters) {
      for (const w of ws) {
        clearTimeout(w.timer);
        w.reject(lostJob(w.unit, path, cause));
      }
    }
    this.waiters.clear();
    this.closedBy = new SystemdError(`The connection to systemd is closed`, { code: 'bus-lost', detail: cause.message });
  }
}

function lostJob(unit: string, path: string, cause: Error): SystemdError {
  return new SystemdError(`Lost the connection to systemd while waiting for the job on ${unit}`, {
    state: `Unknown: ${unit} may still be changing state (job ${path}).`,
    next: 'Run `bg status` to see where things are, then retry the command.',
    detail: cause.message,
    code: 'bus-lost',
  });
}

const duration = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);
