// The operator's hooks as wrappers around the executor: post_switch after the switch step,
// post_deploy or on_failure once the run ended. A hook never changes the run's outcome.

import { messageOf } from '../../errors.js';
import { type HookEnv, type HookName, runHooks } from '../../steps/hooks.js';
import type { Execute, RunContext } from './execute.js';
import type { Prepared } from './prepare.js';

export const withPostSwitch =
  (next: Execute): Execute =>
  (run) =>
    next({
      ...run,
      afterStep: async (step, commit) => {
        await run.afterStep?.(step, commit);
        if (step.action.kind === 'switch') await hook(run, 'post_switch', env(run, 'switched', commit));
      },
    });

export const withEndHooks =
  (next: Execute): Execute =>
  async (run) => {
    const done = await next(run);
    const { result, resultName } = done;
    if (result.ok) await hook(run, 'post_deploy', env(run, 'ok', result.commit));
    else await hook(run, 'on_failure', env(run, resultName, result.commit, messageOf(result.failed?.error)));
    return done;
  };

async function hook(run: RunContext, name: HookName, vars: HookEnv) {
  run.hooks.push(...(await runHooks(run.p.host, run.p.cfg, name, vars, run.report)));
}

function env(run: RunContext, result: string, commit?: string, error?: string): HookEnv {
  const { cfg, plan } = run.p;
  return {
    BG_APP: cfg.app,
    BG_COMMAND: run.cmd.name,
    BG_REF: run.cmd.ref,
    BG_COMMIT: commit ?? targetCommit(run.p),
    BG_RELEASE: plan.release,
    BG_FROM: plan.from,
    BG_TO: plan.to,
    BG_RESULT: result,
    BG_ERROR: error,
  };
}

/** What the target color runs after the run: a deploy's checkout (known once it ran), else the target release's. */
export function targetCommit({ plan, state }: Pick<Prepared, 'plan' | 'state'>): string | undefined {
  if (plan.command === 'deploy') return undefined;
  return state.releases?.find((r) => r.id === plan.release)?.commit ?? (plan.to ? state.colors[plan.to]?.commit : undefined);
}
