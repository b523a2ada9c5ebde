import { planSetup } from '../../plan/setup-plan.js';
import type { GlobalOptions } from '../options.js';
import { runPlanned } from '../run-planned.js';
import { fmtMs } from '../../run/progress.js';

export const setup = (o: GlobalOptions) =>
  runPlanned(
    {
      name: 'setup',
      observeFiles: true,
      plan: planSetup,
      summary: (cfg, plan, result) => {
        const total = result.steps.reduce((a, s) => a + s.ms, 0);
        if (plan.from) return `setup: files updated; ${plan.from} keeps serving (${fmtMs(total)}).`;
        const commit = result.memory.commits.blue?.slice(0, 12) ?? '?';
        return `setup: ${cfg.app} is serving from blue (${commit}) on 127.0.0.1:${cfg.web.ports.blue} through Caddy ${cfg.caddy.site} (${fmtMs(total)}).`;
      },
    },
    o,
  );
