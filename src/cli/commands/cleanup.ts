import { CLEANUP_OBSERVES, planCleanup } from '../../plan/cleanup-plan.js';
import type { GlobalOptions } from '../options.js';
import { runPlanned } from '../run-planned.js';

export const cleanup = (o: GlobalOptions) =>
  runPlanned(
    {
      name: 'cleanup',
      observes: CLEANUP_OBSERVES,
      plan: planCleanup,
      summary: (_cfg, plan, result) => {
        const did = result.steps.map((s) => `  ${s.name}${s.detail ? ` (${s.detail})` : ''}`);
        return [
          `cleanup: ${plan.to} serving; the idle color holds nothing running or enabled now:`,
          ...did,
          ...plan.notes.map((n) => `  ${n}`),
        ].join('\n');
      },
    },
    o,
  );
