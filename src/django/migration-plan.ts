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
const DESTRUCTIVE = /^(Remove field|Delete model|Rename field|Rename model|Rename table|Remove index|Raw SQL operation|Raw Python operation)\b/;

/** `app.migration: operation` for every operation the old code cannot survive (or bg cannot judge). */
export function destructiveOperations(plan: PlannedMigration[]): string[] {
  return plan.flatMap((m) => m.operations.filter((op) => DESTRUCTIVE.test(op)).map((op) => `${m.name}: ${op}`));
}
