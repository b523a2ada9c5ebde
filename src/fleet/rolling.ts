// A deploy (rollback, restart, maintenance) across the hosts of a fleet, one batch at a time, the Celery host
// last. At the first failure the hosts already done are rolled back through their own
// `bluegreen rollback`, newest first. Every host runs the same bg; this only orders the runs.
import type { Config, FleetHost } from '../config/types.js';
import { type BgError, EXIT, FailedError, HalfDoneError } from '../errors.js';
import type { FleetHostReport, FleetHostResult } from '../protocol/events.js';
import { rollingBatches } from './order.js';
import { type RemoteBg, type RemoteEvent, whyFailed } from './remote.js';

export interface RollingRequest {
  command: 'deploy' | 'rollback' | 'restart' | 'maintenance';
  args: string[]; // what each host runs after `--json`, e.g. ['deploy', 'v2']
  undoArgs: string[]; // what puts a done host back: ['rollback']
  parallel: number; // web hosts at once, when no batches are given
  batches?: FleetHost[][]; // another order (order.ts: maintenance's)
}

export type HostResult = FleetHostResult;
export type HostReport = FleetHostReport;

export interface RollingOutcome {
  hosts: HostReport[]; // in the listed order
  error?: BgError; // undefined: every host done
}

/** `say(host, event)`: each host's progress, as it comes. */
export async function runRolling(
  cfg: Config,
  req: RollingRequest,
  remote: RemoteBg,
  say: (host: string, e: RemoteEvent) => void,
): Promise<RollingOutcome> {
  const hosts = cfg.hosts ?? [];
  const reports = new Map<string, HostReport>(hosts.map((h) => [h.name, { name: h.name, result: 'not-run', ms: 0 }]));
  const done: FleetHost[] = [];
  for (const batch of req.batches ?? rollingBatches(hosts, cfg.celeryHost, req.parallel)) {
    const runs = await Promise.all(
      batch.map(async (h) => {
        const t = Date.now();
        const r = await remote.run(h, ['--json', ...req.args], (e) => say(h.name, e));
        return { h, r, ms: Date.now() - t };
      }),
    );
    for (const { h, r, ms } of runs) {
      if (r.exitCode === 0) {
        done.push(h);
        reports.set(h.name, { name: h.name, result: 'done', ms });
      } else {
        const why = whyFailed(r);
        reports.set(h.name, { name: h.name, result: 'failed', ms, step: why.step, message: why.message });
      }
    }
    const failed = runs.filter((x) => x.r.exitCode !== 0);
    if (failed.length === 0) continue;

    // put the hosts already done back, newest first
    const notBack: FleetHost[] = [];
    for (const h of [...done].reverse()) {
      say(h.name, { event: 'note', message: `rolling back: ${remote.commandFor(h, req.undoArgs)}` });
      const t = Date.now();
      const r = await remote.run(h, ['--json', ...req.undoArgs], (e) => say(h.name, e));
      const report = reports.get(h.name)!;
      if (r.exitCode === 0) reports.set(h.name, { ...report, result: 'rolled-back', ms: report.ms + Date.now() - t });
      else {
        notBack.push(h);
        reports.set(h.name, { ...report, result: 'rollback-failed', message: whyFailed(r).message });
      }
    }
    return { hosts: [...reports.values()], error: failure(req, remote, failed, notBack, reports) };
  }
  return { hosts: [...reports.values()] };
}

function failure(
  req: RollingRequest,
  remote: RemoteBg,
  failed: { h: FleetHost; r: Awaited<ReturnType<RemoteBg['run']>> }[],
  notBack: FleetHost[],
  reports: Map<string, HostReport>,
): BgError {
  const first = failed[0];
  const why = whyFailed(first.r);
  const where = `${first.h.name}${why.step ? ` at ${why.step}` : ''}`;
  const list = (result: HostResult) => [...reports.values()].filter((r) => r.result === result).map((r) => r.name);
  const back = list('rolled-back');
  const untouched = list('not-run');
  // a host whose own run could not put itself back says so with exit 4
  const halfSwitched = failed.filter((x) => x.r.exitCode === EXIT.attention).map((x) => x.h);
  const needsHand = [...notBack, ...halfSwitched];
  const state = [
    ...failed.map(
      (x) =>
        `${x.h.name}: ${x.r.exitCode === EXIT.attention ? 'half switched (its own undo failed)' : (whyFailed(x.r).state ?? 'its own run put it back')}`,
    ),
    ...(back.length ? [`rolled back: ${back.join(', ')}`] : []),
    ...(notBack.length ? [`rollback FAILED on: ${notBack.map((h) => h.name).join(', ')}`] : []),
    ...(untouched.length ? [`not touched: ${untouched.join(', ')}`] : []),
  ].join('; ');
  if (needsHand.length) {
    return new HalfDoneError(`${req.command} failed on ${where}: ${why.message}; putting every host back did not work.`, {
      code: 'fleet-half-done',
      state,
      next: `On each host named, look at \`bluegreen status\`, then: ${needsHand.map((h) => remote.commandFor(h, notBack.includes(h) ? req.undoArgs : ['status'])).join(' ; ')}`,
      step: why.step,
    });
  }
  return new FailedError(`${req.command} failed on ${where}: ${why.message}`, {
    code: why.code === 'ssh-failed' ? 'fleet-host-unreachable' : 'fleet-host-failed',
    state: `Every host serves what it served before (${state}).`,
    next:
      why.next ?? `Fix what ${first.h.name} reports (\`${remote.commandFor(first.h, ['status'])}\`), then run the ${req.command} again.`,
    step: why.step,
  });
}
