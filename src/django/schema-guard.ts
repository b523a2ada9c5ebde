// The migration guard: what the pending migrations do to the database, judged against what the
// serving release's models map (the code that keeps serving while the new release migrates). Pure.
// The inputs are the two reads of src/django/schema-probe.ts.

import { appsFirstMigrated } from './migration-plan.js';

export interface ColumnInfo {
  column: string;
  null: boolean;
  type: string | null; // the database type (varchar(200)); null for relations
  max_length: number | null;
  db_default?: boolean;
}

/** table → the columns the serving models map in it (managed, non-proxy models, auto-created m2m tables). */
export type ServingTables = Record<string, ColumnInfo[]>;

export interface PlanOperation {
  op: string; // Django's class name: AddField
  text: string; // its describe(): "Add field note to question"
  kind: string; // add-field, remove-field, alter-field, rename-field, delete-model, rename-model, alter-model-table, create-model, unchecked, other
  table?: string;
  column?: string | null; // null: a many-to-many field (its own table)
  m2m_table?: string | null;
  field?: string;
  new_field?: string;
  new_column?: string | null;
  new_table?: string;
  null?: boolean;
  type?: string | null;
  max_length?: number | null;
  db_default?: boolean;
  old?: PlanOperation; // alter-field: the field before
}

export interface PlannedMigration {
  name: string; // app.0002_name
  backwards?: boolean;
  operations: PlanOperation[];
}

export interface SchemaPlan {
  plan: PlannedMigration[];
  applied: string[];
  known: string[];
}

export type WayOn = 'code-step' | 'nullable-first';

export interface SchemaBreak {
  migration: string;
  operation: string; // as Django describes it
  field: string; // table.column, or the table
  why: string; // how the serving code breaks
  way: WayOn;
}

export interface Verdict {
  breaks: SchemaBreak[];
  unchecked: string[]; // migrations with RunPython / RunSQL: bg cannot check them
}

// 'everything': what serves is not a release bg can read (a legacy unit): every table and column
// the plan touches counts as mapped.
export type Serving = ServingTables | 'everything';

const appOf = (name: string) => name.split('.')[0];

export function judgePlan(plan: PlannedMigration[], serving: Serving): Verdict {
  const fresh = appsFirstMigrated(plan);
  const breaks: SchemaBreak[] = [];
  const unchecked: string[] = [];
  const maps = (table?: string | null) => !!table && (serving === 'everything' || table in serving);
  const column = (table?: string | null, col?: string | null): ColumnInfo | undefined => {
    if (!table || !col || !maps(table)) return undefined;
    if (serving === 'everything') return { column: col, null: true, type: null, max_length: null };
    return serving[table].find((c) => c.column === col);
  };
  for (const m of plan) {
    if (m.backwards || fresh.has(appOf(m.name))) continue;
    for (const op of m.operations) {
      const add = (field: string, why: string, way: WayOn = 'code-step') =>
        breaks.push({ migration: m.name, operation: op.text, field, why, way });
      switch (op.kind) {
        case 'unchecked':
          if (!unchecked.includes(m.name)) unchecked.push(m.name);
          break;
        case 'delete-model':
          if (maps(op.table)) add(op.table!, `it drops table ${op.table}, which the serving code reads and writes`);
          break;
        case 'rename-model':
        case 'alter-model-table':
          if (op.new_table !== op.table && maps(op.table))
            add(op.table!, `it renames table ${op.table} to ${op.new_table}; the serving code still uses ${op.table}`);
          break;
        case 'remove-field':
          if (op.column === null || op.column === undefined) {
            if (maps(op.m2m_table)) add(op.m2m_table!, `it drops table ${op.m2m_table}, which the serving code reads and writes`);
          } else if (column(op.table, op.column))
            add(`${op.table}.${op.column}`, `it drops column ${op.column}, which the serving code reads and writes`);
          break;
        case 'rename-field':
          if (op.column && op.new_column !== op.column && column(op.table, op.column))
            add(`${op.table}.${op.column}`, `it renames column ${op.column} to ${op.new_column}; the serving code still uses ${op.column}`);
          break;
        case 'add-field':
          if (op.column && op.null === false && !op.db_default && maps(op.table))
            add(
              `${op.table}.${op.column}`,
              `it adds ${op.column} NOT NULL with no database default (Django keeps \`default=\` in Python), so every insert by the serving code into ${op.table}, which does not set ${op.column}, fails`,
              'nullable-first',
            );
          break;
        case 'alter-field': {
          const before = op.old?.column;
          if (before && op.column && before !== op.column) {
            if (column(op.table, before))
              add(`${op.table}.${before}`, `it renames column ${before} to ${op.column}; the serving code still uses ${before}`);
            break;
          }
          const s = column(op.table, op.column);
          if (!s) break;
          const why = narrowing(s, op);
          if (why) add(`${op.table}.${op.column}`, `${why}, and the serving code writes ${op.column} as it is now`);
          break;
        }
      }
    }
  }
  return { breaks, unchecked };
}

const baseType = (t: string) => t.replace(/\(.*\)/, '').trim();

/** Why the new column takes less than the serving code may write, if it does. */
function narrowing(serving: ColumnInfo, to: PlanOperation): string | undefined {
  if (serving.null && to.null === false) return `it makes ${to.column} NOT NULL`;
  if (serving.max_length && to.max_length && to.max_length < serving.max_length)
    return `it shortens ${to.column} from ${serving.max_length} to ${to.max_length}`;
  if (serving.type && to.type && baseType(serving.type) !== baseType(to.type))
    return `it changes ${to.column} from ${serving.type} to ${to.type}`;
  return undefined;
}

/** The way on for each kind of break: said once per kind in the refusal. */
export function waysOn(breaks: SchemaBreak[], ref = '<ref>'): string[] {
  const ways: string[] = [];
  if (breaks.some((b) => b.way === 'code-step'))
    ways.push(
      'The code step first: deploy code whose models no longer map what the migration drops or renames (or already declare the narrower column), without that migration; then deploy the migration (the contract step; expand before contract): bg lets it through once no serving code maps it.',
    );
  if (breaks.some((b) => b.way === 'nullable-first'))
    ways.push(
      'Add the field nullable first (null=True, or a database default: db_default= on Django 5), deploy code that sets it, then make it NOT NULL in a later deploy.',
    );
  ways.push(
    `Or accept the break: \`bluegreen deploy ${ref} --allow-destructive --maintenance\`: the old Celery worker and beat stop and Caddy answers 503 from right before the migration until the switch (without --maintenance, the old version serves on the new schema meanwhile and its requests that touch it fail).`,
  );
  return ways;
}

export const describeBreak = (b: SchemaBreak) => `${b.migration}: ${b.operation} (${b.field}): ${b.why}`;

const MAX_JSON = 4 * 1024 * 1024;

/** The JSON line after `mark` in a probe's output: data only, size-limited. */
export function readProbeOutput(output: string, mark: string): unknown {
  const at = output.lastIndexOf(mark);
  if (at < 0) return undefined;
  const line = output.slice(at + mark.length).split('\n')[0];
  if (line.length > MAX_JSON) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrArr = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The plan read, checked for shape (the app's user wrote it). */
export function asSchemaPlan(v: unknown): SchemaPlan | undefined {
  if (!isObj(v) || !Array.isArray(v.plan) || !isStrArr(v.applied) || !isStrArr(v.known)) return undefined;
  const plan: PlannedMigration[] = [];
  for (const m of v.plan) {
    if (!isObj(m) || typeof m.name !== 'string' || !Array.isArray(m.operations)) return undefined;
    if (!m.operations.every((o) => isObj(o) && typeof o.kind === 'string' && typeof o.text === 'string')) return undefined;
    plan.push({ name: m.name, backwards: m.backwards === true, operations: m.operations as PlanOperation[] });
  }
  return { plan, applied: v.applied, known: v.known };
}

export function asServingTables(v: unknown): ServingTables | undefined {
  if (!isObj(v) || !isObj(v.tables)) return undefined;
  const out: ServingTables = {};
  for (const [table, cols] of Object.entries(v.tables)) {
    if (!Array.isArray(cols) || !cols.every((c) => isObj(c) && typeof c.column === 'string')) return undefined;
    out[table] = cols as ColumnInfo[];
  }
  return out;
}
