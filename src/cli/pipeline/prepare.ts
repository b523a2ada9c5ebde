import type { Config } from '../../config/types.js';
import { BgError, UsageError } from '../../errors.js';
import type { Host } from '../../execute/host.js';
import { checkAppPaths } from '../../host/app-paths.js';
import type { HostState } from '../../host/host-state.js';
import { observe } from '../../host/observe.js';
import type { Plan } from '../../plan/step.js';
import type { Lock } from '../../state/lock.js';
import { type GlobalOptions, lockWaitMs } from '../options.js';
import { signalExitCode } from '../outcome.js';
import type { PlannedCommand } from './command.js';
import type { Runtime } from './runtime.js';

/** What the later stages work on: the config, the host as observed, the plan. */
export interface Prepared {
  cfg: Config;
  host: Host;
  state: HostState;
  plan: Plan;
  lock?: Lock; // none in a dry run
  signal: AbortSignal; // aborted by the first SIGINT or SIGTERM, with the interruption as its reason
  /** Stops listening for signals, closes the host, releases the lock. */
  release(): Promise<void>;
}

/** bg.yml lists hosts: the fleet ran the command, with this exit code. */
export interface HandedOff {
  handedOff: number;
}

// The prepare stage, the same for a run and a dry run: config → the fleet hand-off → the app's
// paths (system scope) → lock (not in a dry run) → connect → observe what the planner declared →
// plan. What it throws, it throws before anything changed.
export async function prepare(cmd: PlannedCommand, o: GlobalOptions, rt: Runtime): Promise<Prepared | HandedOff> {
  const cfg = await rt.loadConfig();
  if (cfg.hosts && cmd.fleet) return { handedOff: await rt.runFleet(cfg, cmd.fleet) };
  if (cfg.hosts) {
    throw new UsageError(`${cmd.name} runs on one host at a time: this bg.yml lists hosts (${cfg.hosts.map((h) => h.name).join(', ')}).`, {
      code: 'fleet-command',
      next: `Run it on each host with that host's own config, e.g. ssh ${cfg.hosts[0].ssh} bluegreen --config ${cfg.hosts[0].config} ${cmd.name}`,
    });
  }
  // before the lock: a refused config leaves no state dir behind
  if (cfg.scope === 'system') checkAppPaths(cfg, await rt.readAppPaths(cfg));
  const lock = o.dryRun ? undefined : await takeLock(cmd, o, cfg, rt);
  const abort = new AbortController();
  // the first signal stops the run between steps and undoes what it did; a second one (a step that
  // never ends) exits at once: the journal shows the run as interrupted at its step
  const stopListening = lock
    ? rt.signals.onInterrupt((sig) => {
        if (abort.signal.aborted) {
          rt.output.warn(
            `bg: ${sig} again: exiting now, without waiting for the step or its undo. Run \`bluegreen status\` to see what the host runs.`,
          );
          rt.exit(signalExitCode(sig));
        }
        abort.abort(new BgError(`Interrupted by ${sig}.`, { code: 'interrupted' }));
      })
    : () => {};
  let host: Host | undefined;
  const release = async () => {
    stopListening();
    host?.close();
    await lock?.release();
  };
  try {
    host = await rt.connectHost(cfg);
    const state = await observe(cfg, host, { ...cmd.observes, ports: true });
    const plan = cmd.plan(cfg, state);
    return { cfg, host, state, plan, lock, signal: abort.signal, release };
  } catch (e) {
    await release();
    throw e;
  }
}

async function takeLock(cmd: PlannedCommand, o: GlobalOptions, cfg: Config, rt: Runtime): Promise<Lock> {
  const note = (message: string) => rt.output.progress({ event: 'note', message });
  const lock = await rt.lock(cfg, `bg ${cmd.name}${cmd.ref ? ` ${cmd.ref}` : ''}`, {
    waitMs: lockWaitMs(o),
    onWait: (holder) => note(`Waiting for the other bg: ${holder}`),
  });
  const was = lock.tookOverFrom;
  if (was) note(`Took over a stale lock from pid ${was.pid} (${was.command}, since ${was.since}).`);
  return lock;
}
