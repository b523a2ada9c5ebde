import { inAppDir, modelsRecordPath, releasePath } from '../config/names.js';
import type { Config } from '../config/types.js';
import {
  asSchemaPlan,
  asServingModels,
  describeBreak,
  judgePlan,
  readProbeOutput,
  type SchemaPlan,
  type ServingModels,
  type Verdict,
  waysOn,
} from '../django/schema-guard.js';
import { PROBE_MARK, probeArgs } from '../django/schema-probe.js';
import { BgError, BuildError, EXIT } from '../errors.js';
import type { Host, ShellResult } from '../execute/host.js';
import { type ExitStatus, exitStatusLine } from '../host/exit-status.js';
import type { MigrationGuard } from '../plan/step.js';
import { manageLine } from '../render/argv/python.js';
import { type BuildStep, runBuildStep, setupFailure } from './build.js';

let runs = 0;

/**
 * `manage.py <args>` in a release's project dir: on its .venv's Python (else venv.python, else
 * Debian's), as the app's user when given. A transient unit like the build's: systemd reads the env
 * file and gives it no terminal and none of bg's environment, and what it leaves running ends with it.
 */
export async function manage(
  host: Host,
  cfg: Config,
  release: string,
  args: string,
  user?: string,
): Promise<ShellResult & { setup?: ExitStatus }> {
  const project = inAppDir(cfg, releasePath(cfg, release));
  if (user) await host.ensureSystemUser(user, cfg.root, cfg.app);
  const python = host.files.exists(`${project}/.venv/bin/python`)
    ? `${project}/.venv/bin/python`
    : (cfg.venv?.python ?? '/usr/bin/python3');
  const step: BuildStep = {
    phase: 'manage',
    release,
    n: ++runs,
    command: manageLine(python, cfg.django!.manage, args),
    cwd: project,
    envFile: cfg.envFile,
    env: user ? { HOME: project } : {},
    ...(user && { user }),
  };
  const r = await runBuildStep(host, cfg, step);
  const setup = setupFailure(cfg, step, r);
  return { ...r, ...(setup && { setup }) };
}

// Before the new release migrates (release commands): its pending migrations, read as data in the
// new release, judged against the tables and columns the serving release's models map (read in its
// own release dir): refused when the code serving meanwhile cannot live with them, unless the
// operator allowed it. Nothing is refused when nothing serves yet (a first setup).
export interface CheckedPlan {
  plan: SchemaPlan;
  verdict: Verdict;
}

export async function checkMigrationPlan(
  host: Host,
  cfg: Config,
  release: string,
  guard: MigrationGuard,
  user?: string,
  ref?: string, // the ref being deployed, for the command to run next
): Promise<CheckedPlan> {
  const { plan, raw } = await readSchema(host, cfg, release, 'plan', user, (v) => {
    const p = asSchemaPlan(v);
    return p && { plan: p, raw: v };
  });
  await keepModels(host, cfg, release, raw);
  const unguarded = guard.serving === 'nothing' || (guard.serving === 'live' && guard.allowDestructive);
  // the serving models are read only when an operation needs them: most deploys start one Python
  if (unguarded || !plan.plan.some((m) => m.operations.some((o) => NEEDS_SERVING.has(o.kind)))) {
    return { plan, verdict: judgePlan(plan.plan, {}) };
  }
  const models = guard.serving === 'live' && guard.release ? await servingModels(host, cfg, guard.release, vendorOf(raw), user) : undefined;
  const verdict = judgePlan(plan.plan, models?.tables ?? 'everything', models?.unique);
  if (verdict.breaks.length === 0) return { plan, verdict };
  const what = verdict.breaks.map(describeBreak).join('; ');
  if (guard.serving === 'legacy') {
    throw new BgError(`The new release's migrations would break ${guard.unit}, which serves until the switch: ${what}.`, {
      code: 'destructive-migration',
      exitCode: EXIT.usage,
      state: `Refused before anything changed what serves: ${guard.unit} still serves and the database is untouched.`,
      next:
        `Set up from a ref whose migrations ${guard.unit}'s code can live with, and deploy the rest after. ` +
        `Or stop ${guard.unit} first: with nothing serving, setup applies them without this check (the site is down until setup's switch).`,
    });
  }
  throw new BgError(`The new release's migrations would break the version still serving (releases/${guard.release}): ${what}.`, {
    code: 'destructive-migration',
    exitCode: EXIT.usage,
    state: 'Refused before anything changed what serves: the old version is still serving and the database is untouched.',
    next: waysOn(verdict.breaks, ref).join(' '),
  });
}

// The operations whose judgement needs the serving models (the rest: new tables, indexes, RunPython)
const NEEDS_SERVING = new Set([
  'delete-model',
  'rename-model',
  'alter-model-table',
  'remove-field',
  'rename-field',
  'add-field',
  'alter-field',
  'add-unique',
]);

// What a release's models map is read with its plan (the same Python start) and kept beside its
// record, under releases/ (root's), with the database vendor it was read on: when that release
// serves, the next deploy's guard reads it from there instead of starting Python in it. Without
// the file (a release bg deployed before it kept one, a setup beside a legacy unit) or on another
// vendor, the serving release is read as before.
const vendorOf = (v: unknown) =>
  typeof v === 'object' && v !== null && typeof (v as { vendor?: unknown }).vendor === 'string'
    ? (v as { vendor: string }).vendor
    : undefined;

async function keepModels(host: Host, cfg: Config, release: string, v: unknown): Promise<void> {
  const models = asServingModels(v);
  const vendor = vendorOf(v);
  if (!models || !vendor) return;
  // a record that cannot be written costs the next deploy a Python start, nothing else
  await host.files.write(modelsRecordPath(cfg, release), `${JSON.stringify({ vendor, ...models })}\n`, 0o644).catch(() => undefined);
}

async function servingModels(host: Host, cfg: Config, release: string, vendor: string | undefined, user?: string): Promise<ServingModels> {
  const text = vendor ? await host.files.read(modelsRecordPath(cfg, release)).catch(() => undefined) : undefined;
  if (text !== undefined) {
    try {
      const v: unknown = JSON.parse(text);
      const models = vendorOf(v) === vendor ? asServingModels(v) : undefined;
      if (models) return models;
    } catch {
      // a torn record: read the release instead
    }
  }
  return readSchema(host, cfg, release, 'models', user, asServingModels);
}

/** One probe run in a release: its JSON line, checked for shape; a failure says what manage.py printed. */
async function readSchema<T>(
  host: Host,
  cfg: Config,
  release: string,
  mode: 'plan' | 'models',
  user: string | undefined,
  shape: (v: unknown) => T | undefined,
): Promise<T> {
  const r = await manage(host, cfg, release, probeArgs(mode), user);
  const read = r.exitCode === 0 ? shape(readProbeOutput(r.output, PROBE_MARK)) : undefined;
  if (read !== undefined) return read;
  const what = mode === 'plan' ? 'its pending migrations' : 'the tables its models map';
  throw new BuildError(
    `Reading ${what} with ${cfg.django!.manage} shell failed in releases/${release} (${r.exitCode === 0 ? 'no readable answer' : `exit ${r.setup ? exitStatusLine(r.setup) : (r.exitCode ?? r.signal ?? 'unknown')}`}).`,
    {
      code: 'migrate-plan',
      detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
      next: r.setup?.next ?? `Fix what it says (settings, the env file ${cfg.envFile}), then run the command again.`,
    },
  );
}
