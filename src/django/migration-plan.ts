// What `manage.py migrate --plan` says a deploy will do to the database, and which of it the old
// color, still serving while the new release migrates, cannot live with. Pure: text in, data out.

export interface PlannedMigration {
  name: string; // app.0002_name
  operations: string[]; // "Add field note to question"
}

/** Parses `migrate --plan` (Django 3.2+): a migration name, then its operations indented. */
export function parseMigratePlan(text: string): PlannedMigration[] {
  const out: PlannedMigration[] = [];
  for (const line of text.split('\n')) {
    if (/^\S+\.\S+$/.test(line.trim()) && !/^\s/.test(line)) out.push({ name: line.trim(), operations: [] });
    else if (/^\s+\S/.test(line) && out.length > 0) out.at(-1)!.operations.push(line.trim());
  }
  return out;
}

// Operations that break the code still serving (it reads or writes what they remove or rename),
// and code Django cannot describe.
const DESTRUCTIVE =
  /^(Remove field|Delete model|Rename field|Rename model|Rename table|Remove index|Raw SQL operation|Raw Python operation)\b/;

/**
 * `app.migration: operation` for every operation the old code cannot survive (or bg cannot judge).
 * An app whose first migration is in the plan has no table in this database yet, so no code that
 * serves reads one of its tables: what its migrations do is left out (a stock project's contrib apps,
 * contenttypes 0002 and auth 0011, on an empty database or when first installed).
 */
export function destructiveOperations(plan: PlannedMigration[]): string[] {
  const fresh = appsFirstMigrated(plan);
  return plan
    .filter((m) => !fresh.has(appOf(m.name)))
    .flatMap((m) => m.operations.filter((op) => DESTRUCTIVE.test(op)).map((op) => `${m.name}: ${op}`));
}

const appOf = (name: string) => name.split('.')[0];

/** Apps whose first migration (0001_…, squashed or not) the plan applies: new to this database. */
export function appsFirstMigrated(plan: { name: string }[]): Set<string> {
  return new Set(plan.filter((m) => /^[^.]+\.0001_/.test(m.name)).map((m) => appOf(m.name)));
}

/** `app.NNNN_name` for every migration file in a project's `<app>/migrations/` dirs. */
export function migrationName(app: string, file: string): string | undefined {
  const m = /^(\d{4}_\w+)\.py$/.exec(file);
  return m ? `${app}.${m[1]}` : undefined;
}

/** Per app, the migration to migrate back to so that only what `known` has stays applied ('zero': none). */
export function backTargets(unknown: string[], known: string[]): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const app of new Set(unknown.map((n) => n.split('.')[0]))) {
    const mine = known.filter((n) => n.startsWith(`${app}.`)).sort();
    targets[app] = mine.at(-1)?.split('.')[1] ?? 'zero';
  }
  return targets;
}

/** Reading `migrate <app> <target> --plan` in the newer release: what undoing does, and whether it can. */
export function undoPlan(text: string): { operations: string[]; irreversible: boolean } {
  const operations = parseMigratePlan(text).flatMap((m) => m.operations.map((op) => `${m.name}: ${op}`));
  return { operations, irreversible: /IRREVERSIBLE/.test(text) };
}

/** An undo of one of these puts back what the older code needs: the older code breaks without it. */
export const breaksOlderCode = (undoOperation: string) =>
  /Undo (Remove field|Delete model|Rename field|Rename model|Rename table)\b/.test(undoOperation);
