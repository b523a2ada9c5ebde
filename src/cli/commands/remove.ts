import { createInterface } from 'node:readline/promises';
import { loadConfig } from '../../config/load.js';
import { UsageError } from '../../errors.js';
import { planRemove, REMOVE_OBSERVES } from '../../plan/remove-plan.js';
import { type GlobalOptions, scopeOf } from '../options.js';
import { runPlanned } from '../run-planned.js';

export interface RemoveOptions extends GlobalOptions {
  purge?: boolean;
}

// Takes the app off this host. It cannot be undone, so it asks first: on a terminal, a typed "yes";
// anywhere else only --yes goes ahead (a script must say so).
export async function remove(o: RemoveOptions): Promise<number> {
  const purge = !!o.purge;
  if (!o.dryRun && !o.yes) await confirm(o, purge);
  return runPlanned(
    {
      name: 'remove',
      observes: REMOVE_OBSERVES,
      plan: (cfg, host) => planRemove(cfg, host, { purge }),
      summary: (cfg, plan, result) =>
        [
          `remove: ${cfg.app} is off this host: no unit, no Caddy site${purge ? `, no ${cfg.root}` : ''}.`,
          ...result.steps.map((s) => `  ${s.name}${s.detail ? ` (${s.detail})` : ''}`),
          ...plan.notes.map((n) => `  ${n}`),
        ].join('\n'),
    },
    o,
  );
}

async function confirm(o: RemoveOptions, purge: boolean): Promise<void> {
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  const what = `${cfg.app}: stop and disable its units, remove them and its Caddy site${purge ? `, and delete ${cfg.root} (releases, shared/, backups)` : ` (${cfg.root} is kept)`}`;
  if (!process.stdin.isTTY || o.json)
    throw new UsageError(`remove asks before it takes ${cfg.app} off this host, and there is no terminal to ask on.`, {
      next: `Run it on a terminal, or pass --yes to remove ${what}. \`bluegreen remove --dry-run\` shows the plan.`,
    });
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`Remove ${what}? Type yes to go ahead: `).finally(() => rl.close());
  if (answer.trim().toLowerCase() !== 'yes')
    throw new UsageError('remove was not confirmed.', { next: 'Nothing to do: nothing was changed.' });
}
