import { colorAddress } from '../../config/socket-paths.js';
import { fmtMs } from '../../format/duration.js';
import { refuseCaddyProblems } from '../../host/caddy-problems.js';
import { planSetup, SETUP_OBSERVES } from '../../plan/setup-plan.js';
import type { GlobalOptions } from '../options.js';
import { runPlanned } from '../run-planned.js';

export const setup = (o: GlobalOptions) =>
  runPlanned(
    {
      name: 'setup',
      observes: SETUP_OBSERVES,
      // a setup that only re-installs files plans no preflight: Caddy's file must be checked anyway
      plan: (cfg, host) => {
        refuseCaddyProblems(cfg, host, 'setup');
        return planSetup(cfg, host);
      },
      summary: (cfg, plan, result) => {
        if (plan.from) return `setup: files updated; ${plan.from} keeps serving (${fmtMs(result.ms)}).`;
        const commit = result.commit?.slice(0, 12) ?? '?';
        return `setup: ${cfg.app} is serving from blue (${commit}) on ${colorAddress(cfg, 'blue')} through Caddy ${cfg.caddy.site} (${fmtMs(result.ms)}).`;
      },
    },
    o,
  );
