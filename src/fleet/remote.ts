// What the fleet runner needs from a host: bg run there, its output as it comes.
import type { FleetHost } from '../config/types.js';
import type { BgEvent, ProtocolHeader, StepEvent } from '../protocol/events.js';
import { eventOf } from '../protocol/wire.js';

/** One line the host's bg printed with --json (docs/json-protocol.md). */
export type RemoteEvent = BgEvent;

export interface RemoteResult {
  exitCode: number;
  header?: ProtocolHeader; // the first line; undefined: no bg answered, or one from before the versioned protocol
  events: RemoteEvent[]; // stdout's events, after the header
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
  const error = eventOf(r.events, 'error');
  if (error) return { message: error.message, step: error.step, state: error.state, next: error.next, code: error.code };
  const failedStep = r.events.filter((e) => e.event === 'step' && e.status === 'failed').at(-1) as StepEvent | undefined;
  const last = r.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${r.exitCode}`;
  return {
    message: r.exitCode === SSH_FAILED ? `ssh: ${last.replace(/^ssh: /, '')}` : last,
    step: failedStep?.step,
    code: r.exitCode === SSH_FAILED ? 'ssh-failed' : undefined,
  };
}
