import { inAppDir, releasePath } from '../config/names.js';
import type { Config } from '../config/types.js';
import { backTargets, breaksOlderCode, migrationName, undoPlan } from '../django/migration-plan.js';
import { BgError, BuildError, EXIT } from '../errors.js';
import type { Host } from '../execute/host.js';
import { manage } from './django.js';

// A rollback puts older code back on the schema the newer release migrated. The migrations the
// older release does not know stay applied, which is fine while they only added things; one that
// removed or renamed what the older code uses breaks it, so the rollback is refused unless it
// migrates them back (after the switch, with the newer release's files: reversing first would
// break the newer code while it still serves).

async function knownMigrations(host: Host, project: string): Promise<string[]> {
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

export interface RollbackSchema {
  unknown: string[]; // applied by the newer release, unknown to the target
  targets: Record<string, string>; // per app, where migrating back goes
  undo: string[]; // what migrating back does
  breaking: string[]; // the undos the older code needs
  irreversible: boolean;
}

export async function rollbackSchema(host: Host, cfg: Config, newer: string, older: string, user?: string): Promise<RollbackSchema> {
  const newerDir = inAppDir(cfg, releasePath(cfg, newer));
  const [have, know] = await Promise.all([knownMigrations(host, newerDir), knownMigrations(host, inAppDir(cfg, releasePath(cfg, older)))]);
  const unknown = have.filter((n) => !know.includes(n));
  const targets = backTargets(unknown, know);
  const undo: string[] = [];
  let irreversible = false;
  for (const [app, target] of Object.entries(targets)) {
    const r = await manage(host, cfg, newer, `migrate ${app} ${target} --plan`, user);
    if (r.exitCode !== 0)
      throw new BuildError(`Could not read how to migrate ${app} back to ${target} (exit ${r.exitCode}).`, {
        code: 'migrate-plan',
        detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
      });
    const plan = undoPlan(r.output);
    undo.push(...plan.operations);
    irreversible ||= plan.irreversible;
  }
  return { unknown, targets, undo, breaking: undo.filter(breaksOlderCode), irreversible };
}

/** Before a rollback starts anything: says what stays applied, refuses what would break the older code. */
export async function checkRollbackSchema(
  host: Host,
  cfg: Config,
  newer: string,
  older: string,
  migrateBack: boolean,
  user?: string,
): Promise<string> {
  const s = await rollbackSchema(host, cfg, newer, older, user);
  if (s.unknown.length === 0) return `releases/${older} knows every applied migration`;
  if (migrateBack) {
    if (s.irreversible) {
      throw new BgError(`Cannot migrate back ${s.unknown.join(', ')}: Django says some of it is irreversible.`, {
        code: 'irreversible-migration',
        exitCode: EXIT.usage,
        state: 'Refused before anything changed: the newer release still serves.',
        next: 'Deploy a fix forward instead, or restore the database from a backup before rolling back.',
      });
    }
    return `${s.unknown.join(', ')} will be migrated back after the switch: ${s.undo.join('; ')}`;
  }
  if (s.breaking.length > 0) {
    throw new BgError(
      `releases/${older} would run on a schema it cannot use: ${s.unknown.join(', ')} applied; migrating back would ${s.breaking.map((u) => u.replace(': Undo ', ': undo ')).join('; ')}.`,
      {
        code: 'rollback-schema',
        exitCode: EXIT.usage,
        state: 'Refused before anything changed: the newer release still serves.',
        next: s.irreversible
          ? 'It cannot be migrated back (irreversible): deploy a fix forward, or restore the database from a backup.'
          : 'Run the rollback with --migrate-back: after the switch bg reverses them with the newer release’s migration files.',
      },
    );
  }
  return `${s.unknown.join(', ')} stay applied (they only add what releases/${older} ignores)`;
}

/** After the switch: the newer release's migrations the older code does not know, reversed. */
export async function migrateBack(host: Host, cfg: Config, newer: string, older: string, user?: string): Promise<string> {
  const s = await rollbackSchema(host, cfg, newer, older, user);
  const newerDir = inAppDir(cfg, releasePath(cfg, newer));
  for (const [app, target] of Object.entries(s.targets)) {
    const r = await manage(host, cfg, newer, `migrate ${app} ${target} --noinput`, user);
    if (r.exitCode !== 0) {
      throw new BuildError(`Migrating ${app} back to ${target} failed (exit ${r.exitCode}).`, {
        code: 'migrate-back',
        detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
        next: `The older code serves. Finish by hand in ${newerDir}: python ${cfg.django!.manage} migrate ${app} ${target}.`,
      });
    }
  }
  return s.unknown.length ? `migrated back: ${s.unknown.join(', ')}` : 'nothing to migrate back';
}
