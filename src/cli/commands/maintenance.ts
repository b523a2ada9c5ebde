import { fmtMs } from '../../format/duration.js';
import { MAINTENANCE_OBSERVES, planMaintenance } from '../../plan/maintenance-plan.js';
import type { GlobalOptions } from '../options.js';
import { runPlanned } from '../run-planned.js';

// `state`: on or off (commander checked it)
export function maintenance(state: string, o: GlobalOptions) {
  const on = state === 'on';
  return runPlanned(
    {
      name: 'maintenance',
      ref: state, // on or off, in the journal and the lock
      // with hosts: every host, the web hosts at once and the Celery host last (fleet/order.ts); a
      // host that fails puts the hosts already done back the other way
      fleet: { name: 'maintenance', args: ['maintenance', state], undo: ['maintenance', on ? 'off' : 'on'], ref: state },
      observes: MAINTENANCE_OBSERVES,
      plan: (cfg, host) => planMaintenance(cfg, host, on),
      summary: (cfg, plan, result) =>
        on
          ? `maintenance on: Caddy answers 503 for ${cfg.app} (${cfg.caddy.site}); ${plan.from} keeps running. Off again: bluegreen maintenance off (${fmtMs(result.ms)}).`
          : `maintenance off: ${cfg.app} is served from ${plan.from} again (${fmtMs(result.ms)}).`,
    },
    o,
  );
}
