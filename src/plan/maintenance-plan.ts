import type { Config } from '../config/types.js';
import type { HostState } from '../host/host-state.js';
import { preflight } from '../host/preflight.js';
import type { Observes, Plan } from './step.js';

// Maintenance on: Caddy answers 503 for this app (the app keeps running); off: the proxy comes back.
/** Nothing beyond what observe always reads. */
export const MAINTENANCE_OBSERVES: Observes = {};

export function planMaintenance(cfg: Config, host: HostState, on: boolean): Plan {
  preflight(cfg, host, 'maintenance');
  const from = host.active;
  if (!!host.maintenance === on) {
    return { command: 'maintenance', from, to: from, steps: [], notes: [`Maintenance is already ${on ? 'on' : 'off'}. Nothing to do.`] };
  }
  return {
    command: 'maintenance',
    from,
    to: from,
    steps: [{ name: `maintenance-${on ? 'on' : 'off'}`, action: { kind: 'maintenance', on }, undo: { kind: 'maintenance', on: !on } }],
    notes: on ? [`Caddy will answer 503 for ${cfg.app}; ${from} keeps running.`] : [],
  };
}
