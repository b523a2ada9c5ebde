import { UsageError } from '../../errors.js';
import { fmtMs } from '../../format/duration.js';
import { planMaintenance } from '../../plan/maintenance-plan.js';
import type { GlobalOptions } from '../options.js';
import { runPlanned } from '../run-planned.js';

export function maintenance(state: string, o: GlobalOptions) {
  if (state !== 'on' && state !== 'off') throw new UsageError(`bluegreen maintenance takes on or off (got ${JSON.stringify(state)}).`, { code: 'usage' });
  const on = state === 'on';
  return runPlanned(
    {
      name: 'maintenance',
      ref: state, // on or off, in the journal and the lock
      plan: (cfg, host) => planMaintenance(cfg, host, on),
      summary: (cfg, plan, result) =>
        on
          ? `maintenance on: Caddy answers 503 for ${cfg.app} (${cfg.caddy.site}); ${plan.from} keeps running. Off again: bluegreen maintenance off (${fmtMs(result.ms)}).`
          : `maintenance off: ${cfg.app} is served from ${plan.from} again (${fmtMs(result.ms)}).`,
    },
    o,
  );
}
