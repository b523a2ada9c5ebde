import { inAppDir, releasePath } from '../config/names.js';
import type { Config } from '../config/types.js';
import { breaksOlderCode, migrationName } from '../django/migration-plan.js';
import { BgError, BuildError, EXIT } from '../errors.js';
import type { Host } from '../execute/host.js';
import { manage } from './django.js';
import { type BackMode, type BackReport, backScriptArgs, parseBackReport } from './django-back-script.js';

// Every way back (a rollback, a deploy of an older ref) puts older code on the schema the serving
// release migrated. What the database has applied and the older release does not know stays
// applied while it only added things; one that removed or renamed what the older code uses breaks
// it, so the way back is refused unless it migrates them back (--migrate-back). That reversal is
// rehearsed before anything changes (src/steps/django-back-script.ts), then run with maintenance on
// and the old Celery stopped (src/plan/migrate-back-steps.ts), with the serving release's files.

export interface BackCheck {
  serving: string; // the release that serves now: its files can reverse what it applied
  older: string; // the release going back into service
  command: 'rollback' | 'deploy';
  migrateBack: boolean;
  allowDestructive?: true; // what the older code cannot run on stays applied, as told
  user?: string;
}

const DATA_LOST = 'Data in dropped columns and tables does not come back: migrating back re-creates them empty (or with their default).';

async function migrationFiles(host: Host, project: string): Promise<string[]> {
  const names: string[] = [];
  for (const app of await host.files.list(project)) {
    if (app.startsWith('.')) continue;
    for (const file of await host.files.list(`${project}/${app}/migrations`)) {
      const n = migrationName(app, file);
      if (n) names.push(n);
    }
  }
  return names.sort();
}

/** What the database has applied that `older` does not know, from one Python start in the serving release (none when its files are all in `older`). */
async function readBack(host: Host, cfg: Config, c: BackCheck, mode: BackMode): Promise<BackReport | undefined> {
  const dir = (id: string) => inAppDir(cfg, releasePath(cfg, id));
  const [have, known] = await Promise.all([migrationFiles(host, dir(c.serving)), migrationFiles(host, dir(c.older))]);
  if (mode !== 'apply' && have.every((n) => known.includes(n))) return undefined;
  const apps = [...new Set([...have, ...known].map((n) => n.split('.')[0]))];
  const r = await manage(host, cfg, c.serving, backScriptArgs({ mode, known, apps }), c.user);
  const report = parseBackReport(r.output);
  if (r.exitCode !== 0 || !report) {
    throw new BuildError(`Could not read what the database has applied (manage.py shell in releases/${c.serving}, exit ${r.exitCode}).`, {
      code: 'migrate-plan',
      detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
      next: `Fix what it says (settings, the env file ${cfg.envFile}), then run the ${c.command} again.`,
    });
  }
  return report;
}

const refusedState = (c: BackCheck) =>
  `Refused before anything changed what serves: releases/${c.serving} still serves and the database is untouched.`;

/** Before anything changes: says what stays applied, refuses what the older code cannot run on, rehearses a migrate-back. */
export async function checkBack(host: Host, cfg: Config, c: BackCheck): Promise<{ detail: string; reversal: boolean }> {
  const s = await readBack(host, cfg, c, c.migrateBack ? 'rehearse' : 'check');
  const none = (detail: string) => ({ detail, reversal: false });
  if (!s || s.unknown.length === 0) return none(`releases/${c.older} knows every applied migration`);
  const orphans = s.orphans.length ? `; applied but in neither release, bg cannot check them: ${s.orphans.join(', ')}` : '';
  const reversible = s.unknown.filter((n) => !s.orphans.includes(n));
  if (c.migrateBack) {
    if (s.irreversible.length > 0) {
      throw new BgError(`Cannot migrate back ${reversible.join(', ')}: Django says ${s.irreversible.join('; ')} is irreversible.`, {
        code: 'irreversible-migration',
        exitCode: EXIT.usage,
        state: refusedState(c),
        next: `Deploy a fix forward instead, or restore the database from a backup before the ${c.command}.`,
      });
    }
    if (s.error) {
      throw new BgError(`Migrating back ${reversible.join(', ')} fails when rehearsed (${rehearsal(s.vendor)}): ${s.error}`, {
        code: 'migrate-back-fails',
        exitCode: EXIT.usage,
        detail: s.undo.join('\n'),
        state: refusedState(c),
        next: `Deploy a fix forward instead (a migration that makes the reversal possible, e.g. the field nullable or with a default), or restore the database from a backup before the ${c.command}.`,
      });
    }
    if (reversible.length === 0) return none(`nothing bg can migrate back${orphans}`);
    return {
      detail: `${reversible.join(', ')} will be migrated back with maintenance on (rehearsed ${rehearsal(s.vendor)}): ${s.undo.join('; ')}. ${DATA_LOST}${orphans}`,
      reversal: true,
    };
  }
  const breaking = s.undo.filter(breaksOlderCode);
  const wouldUndo = breaking.map((u) => u.replace(': Undo ', ': undo ')).join('; ');
  if (breaking.length > 0 && c.allowDestructive)
    return none(
      `${s.unknown.join(', ')} stay applied as told (--allow-destructive); releases/${c.older} may fail where it uses what they changed: migrating back would ${wouldUndo}${orphans}`,
    );
  if (breaking.length > 0) {
    const keepIt =
      c.command === 'rollback'
        ? [
            `Or, if you know releases/${c.older} no longer uses what they changed, \`bluegreen rollback --to ${c.older} --allow-destructive\` keeps them applied.`,
          ]
        : [];
    throw new BgError(
      `releases/${c.older} would run on a schema it cannot use: ${s.unknown.join(', ')} applied; migrating back would ${wouldUndo}.`,
      {
        code: 'rollback-schema',
        exitCode: EXIT.usage,
        state: refusedState(c),
        next: [
          s.irreversible.length > 0
            ? 'It cannot be migrated back (irreversible): deploy a fix forward, or restore the database from a backup.'
            : `Run the ${c.command} with --migrate-back: bg rehearses the reversal first, then, with maintenance on (503) and the old Celery stopped, reverses them with releases/${c.serving}'s files before the older code starts. ${DATA_LOST}`,
          ...keepIt,
        ].join(' '),
      },
    );
  }
  return none(`${s.unknown.join(', ')} stay applied (they only add what releases/${c.older} ignores)${orphans}`);
}

const rehearsal = (vendor: string) => (vendor === 'sqlite' ? 'on a copy of the database' : 'in a transaction rolled back');

/** With maintenance on and the old Celery stopped: the migrations `older` does not know, reversed with the serving release's files. */
export async function migrateBack(host: Host, cfg: Config, c: BackCheck): Promise<string> {
  const s = await readBack(host, cfg, c, 'apply');
  if (s?.error) {
    throw new BuildError(`Migrating back ${s.unknown.join(', ')} failed: ${s.error}`, {
      code: 'migrate-back',
      detail: s.undo.join('\n'),
      next: `bg applies releases/${c.serving}'s migrations again (the way out from here is forward); see the state below.`,
    });
  }
  const done = s?.unknown.filter((n) => !s.orphans.includes(n)) ?? [];
  return done.length ? `migrated back: ${done.join(', ')}. ${DATA_LOST}` : 'nothing to migrate back';
}

/** The undo of a migrate-back: the serving release's migrations applied again, so the code that served runs on its own schema. */
export async function migrateForward(host: Host, cfg: Config, release: string, user?: string): Promise<string> {
  const r = await manage(host, cfg, release, 'migrate --noinput', user);
  if (r.exitCode !== 0) {
    throw new BuildError(`Applying releases/${release}'s migrations again after a failed way back failed (exit ${r.exitCode}).`, {
      code: 'migrate-forward',
      detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
      state: `The database is partly migrated back: releases/${release} serves on a schema it was not written for, and may answer errors.`,
      next: `Fix what it says, then run \`bluegreen run -- python ${cfg.django!.manage} migrate\`, or deploy a fix forward.`,
    });
  }
  return `releases/${release}'s migrations applied again`;
}
