// bg's own state on the host: a run cut off, maintenance left on. Pure.
import type { Config } from '../../config/types.js';
import type { HostState } from '../host-state.js';
import type { Found } from '../problem.js';

export function interruptedRun(_cfg: Config, host: HostState): Found | undefined {
  if (!host.lock || host.lock.alive) return undefined;
  const l = host.lock.info;
  const who = l
    ? `${l.command} (pid ${l.pid}, started ${l.since})${l.step ? ` was cut off at step ${l.step}` : ' was cut off'}`
    : 'a bg run left an unreadable lock file';
  return {
    code: 'interrupted-run',
    message: `${who}; its lock is stale.`,
    next: 'Check the units above: the next bg command takes the lock over, and `bluegreen deploy` or `rollback` recovers (it stops what the idle color left running); `bluegreen cleanup` stops it now.',
  };
}

export function maintenanceOn(cfg: Config, host: HostState): Found | undefined {
  if (!host.maintenance) return undefined;
  return {
    code: 'maintenance-on',
    severity: 'warning',
    message: `maintenance is on: Caddy answers 503 for ${cfg.app}; the app keeps running.`,
    next: 'Run `bluegreen maintenance off` when you are done.',
  };
}
