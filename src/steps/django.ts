import { inAppDir, releasePath } from '../config/names.js';
import type { Config } from '../config/types.js';
import { destructiveOperations, type PlannedMigration, parseMigratePlan } from '../django/migration-plan.js';
import { BgError, BuildError, EXIT } from '../errors.js';
import type { Host, ShellResult } from '../execute/host.js';
import type { MigrationGuard } from '../plan/step.js';
import { manageLine } from '../render/argv/python.js';
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
  const python = host.files.exists(`${project}/.venv/bin/python`)
    ? `${project}/.venv/bin/python`
    : (cfg.venv?.python ?? '/usr/bin/python3');
  return runBuildStep(host, cfg, {
    phase: 'manage',
    release,
    n: ++runs,
    command: manageLine(python, cfg.django!.manage, args),
    cwd: project,
    envFile: cfg.envFile,
    env: user ? { HOME: project } : {},
    ...(user && { user }),
  });
}

// Before the new release migrates (release commands): its migration plan, refused when the code
// serving meanwhile cannot live with it, unless the operator allowed it. Nothing is refused when
// nothing serves yet (a first setup).
export async function checkMigrationPlan(
  host: Host,
  cfg: Config,
  release: string,
  guard: MigrationGuard,
  user?: string,
  ref?: string, // the ref being deployed, for the command to run next
): Promise<PlannedMigration[]> {
  const r = await manage(host, cfg, release, 'migrate --plan', user);
  if (r.exitCode !== 0) {
    throw new BuildError(
      `${cfg.django!.manage} migrate --plan failed in releases/${release} (exit ${r.exitCode ?? r.signal ?? 'unknown'}).`,
      {
        code: 'migrate-plan',
        detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
        next: `Fix what it says (settings, the env file ${cfg.envFile}), then run the command again.`,
      },
    );
  }
  const plan = parseMigratePlan(r.output);
  const destructive = destructiveOperations(plan);
  if (destructive.length === 0 || guard.serving === 'nothing' || (guard.serving === 'live' && guard.allowDestructive)) return plan;
  if (guard.serving === 'legacy') {
    throw new BgError(`The new release's migrations would break ${guard.unit}, which serves until the switch: ${destructive.join('; ')}.`, {
      code: 'destructive-migration',
      exitCode: EXIT.usage,
      state: `Refused before anything changed what serves: ${guard.unit} still serves and the database is untouched.`,
      next:
        `Set up from a ref whose migrations ${guard.unit}'s code can live with, and deploy the rest after. ` +
        `Or stop ${guard.unit} first: with nothing serving, setup applies them without this check (the site is down until setup's switch).`,
    });
  }
  throw new BgError(`The new release's migrations would break the version still serving: ${destructive.join('; ')}.`, {
    code: 'destructive-migration',
    exitCode: EXIT.usage,
    state: 'Refused before anything changed what serves: the old version is still serving and the database is untouched.',
    next:
      'Split it: deploy code that no longer uses the field or model (expand), then the migration that removes it (contract). ' +
      `Or accept the break: bluegreen maintenance on, bluegreen deploy ${ref ?? '<ref>'} --allow-destructive, bluegreen maintenance off.`,
  });
}
