import { inAppDir, releasePath } from '../config/names.js';
import type { Config } from '../config/types.js';
import { destructiveOperations, type PlannedMigration, parseMigratePlan } from '../django/migration-plan.js';
import { BgError, BuildError, EXIT } from '../errors.js';
import type { Host, ShellResult } from '../execute/host.js';
import { runBuildStep } from './build.js';

let runs = 0;

/**
 * `manage.py <args>` in a release's project dir: on its .venv's Python (else venv.python, else
 * Debian's), as the app's user when given. A transient unit like the build's: systemd reads the env
 * file and gives it no terminal and none of bg's environment, and what it leaves running ends with it.
 */
export async function manage(host: Host, cfg: Config, release: string, args: string, user?: string): Promise<ShellResult> {
  const project = inAppDir(cfg, releasePath(cfg, release));
  if (user) await host.ensureSystemUser(user, cfg.root, cfg.app);
  const python = host.files.exists(`${project}/.venv/bin/python`) ? `${project}/.venv/bin/python` : (cfg.venv?.python ?? '/usr/bin/python3');
  return runBuildStep(host, cfg, {
    phase: 'manage',
    release,
    n: ++runs,
    command: `'${python}' '${cfg.django!.manage}' ${args}`,
    cwd: project,
    envFile: cfg.envFile,
    env: user ? { HOME: project } : {},
    ...(user && { user }),
  });
}

// Before the new release migrates (release commands) while the old color serves: its migration
// plan, refused when the old code cannot live with it, unless the operator allowed it.
export async function checkMigrationPlan(host: Host, cfg: Config, release: string, allowDestructive: boolean, user?: string): Promise<PlannedMigration[]> {
  const r = await manage(host, cfg, release, 'migrate --plan', user);
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
