// What the fleet runner needs from a host: bg run there, its output as it comes.
import type { FleetHost } from '../config/types.js';

/** One line bg printed with --json: a progress event, the result, or an error. */
export interface RemoteEvent {
  event: string;
  step?: string;
  status?: string;
  ms?: number;
  detail?: string;
  error?: string;
  message?: string;
  state?: string;
  next?: string;
  code?: string;
  exitCode?: number;
  [key: string]: unknown;
}

export interface RemoteResult {
  exitCode: number;
  events: RemoteEvent[]; // stdout's JSON lines
  stdout: string;
  stderr: string; // ssh's own complaints (unreachable, host key changed) and anything else bg wrote there
}

export interface RemoteBg {
  /** Runs `bluegreen --config <host.config> <args>` on `host`; `onEvent` sees each JSON line of stdout as it arrives. */
  run(host: FleetHost, args: string[], onEvent?: (e: RemoteEvent) => void): Promise<RemoteResult>;
  /** The command an operator types to do the same by hand. */
  commandFor(host: FleetHost, args: string[]): string;
}

/** ssh's exit status when it could not connect (or the connection broke): the command's own is never 255 here. */
export const SSH_FAILED = 255;

/** Why a run did not get to bg's own answer: ssh's last words, or bg's error event. */
export function whyFailed(r: RemoteResult): { message: string; step?: string; state?: string; next?: string; code?: string } {
  const error = r.events.find((e) => e.event === 'error');
  if (error) return { message: String(error.message ?? 'failed'), step: error.step, state: error.state, next: error.next, code: error.code };
  const failedStep = r.events.filter((e) => e.event === 'step' && e.status === 'failed').at(-1);
  const last = r.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${r.exitCode}`;
  return { message: r.exitCode === SSH_FAILED ? `ssh: ${last.replace(/^ssh: /, '')}` : last, step: failedStep?.step, code: r.exitCode === SSH_FAILED ? 'ssh-failed' : undefined };
}
