import { inAppDir, releasePath } from '../config/names.js';
import type { Config } from '../config/types.js';
import { destructiveOperations, type PlannedMigration, parseMigratePlan } from '../django/migration-plan.js';
import { BgError, BuildError, EXIT } from '../errors.js';
import { parseEnvFile } from './env-file.js';
import type { Host } from './host.js';

/**
 * `manage.py <args>` in a release's project dir: on its .venv's Python (else venv.python, else
 * Debian's), with the env file, as the app's user when given.
 */
export async function manage(host: Host, cfg: Config, project: string, args: string, user?: string) {
  const env = parseEnvFile((await host.files.read(cfg.envFile).catch(() => undefined)) ?? '');
  const ids = user ? await host.ensureSystemUser(user, cfg.root, cfg.app) : undefined;
  const python = host.files.exists(`${project}/.venv/bin/python`) ? `${project}/.venv/bin/python` : (cfg.venv?.python ?? '/usr/bin/python3');
  return host.shell(`'${python}' '${cfg.django!.manage}' ${args}`, { cwd: project, env, ...(ids && { uid: ids.uid, gid: ids.gid }) });
}

// Before the new release migrates (release commands) while the old color serves: its migration
// plan, refused when the old code cannot live with it, unless the operator allowed it.
export async function checkMigrationPlan(host: Host, cfg: Config, release: string, allowDestructive: boolean, user?: string): Promise<PlannedMigration[]> {
  const project = inAppDir(cfg, releasePath(cfg, release));
  const r = await manage(host, cfg, project, 'migrate --plan', user);
  if (r.exitCode !== 0) {
    throw new BuildError(`${cfg.django!.manage} migrate --plan failed in releases/${release} (exit ${r.exitCode ?? r.signal ?? 'unknown'}).`, {
      code: 'migrate-plan',
      detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
      next: `Fix what it says (settings, the env file ${cfg.envFile}), then deploy again.`,
    });
  }
  const plan = parseMigratePlan(r.output);
  const destructive = destructiveOperations(plan);
  if (destructive.length > 0 && !allowDestructive) {
    throw new BgError(`The new release's migrations would break the version still serving: ${destructive.join('; ')}.`, {
      code: 'destructive-migration',
      exitCode: EXIT.usage,
      state: 'Refused before anything changed what serves: the old version is still serving and the database is untouched.',
      next:
        'Split it: deploy code that no longer uses the field or model (expand), then the migration that removes it (contract). ' +
        'Or accept the break: bluegreen maintenance on, bluegreen deploy <ref> --allow-destructive, bluegreen maintenance off.',
    });
  }
  return plan;
}
