// Names of Django migrations, and what they say about the database: pure helpers shared by the
// migration guard (src/django/schema-guard.ts) and the way back (src/steps/django-rollback.ts).

const appOf = (name: string) => name.split('.')[0];

/**
 * Apps whose first migration (0001_…, squashed or not) the plan applies: new to this database, so no
 * code that serves reads one of their tables, and what their migrations do is not judged (a stock
 * project's contrib apps, contenttypes 0002 and auth 0011, on an empty database or when first installed).
 */
export function appsFirstMigrated(plan: { name: string }[]): Set<string> {
  return new Set(plan.filter((m) => /^[^.]+\.0001_/.test(m.name)).map((m) => appOf(m.name)));
}

/** `app.NNNN_name` for a migration file in a project's `<app>/migrations/` dir. */
export function migrationName(app: string, file: string): string | undefined {
  const m = /^(\d{4}_\w+)\.py$/.exec(file);
  return m ? `${app}.${m[1]}` : undefined;
}

/** An undo of one of these puts back what the older code reads: without it the older code breaks. */
export const breaksOlderCode = (undoOperation: string) =>
  /Undo (Remove field|Delete model|Rename field|Rename model|Rename table)\b/.test(undoOperation);
