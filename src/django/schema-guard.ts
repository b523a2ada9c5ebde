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
  unique?: boolean; // unique=True (or the primary key)
  check?: string | null; // the column's own CHECK (PositiveIntegerField: "votes" >= 0)
  max_digits?: number | null; // DecimalField
  decimal_places?: number | null;
}

/** table → the columns the serving models map in it (managed, non-proxy models, auto-created m2m tables). */
export type ServingTables = Record<string, ColumnInfo[]>;

/** What a model declares unique beyond one field: unique_together, UniqueConstraint (columns empty when it has a condition or expressions). */
export interface UniqueSet {
  name: string | null;
  columns: string[];
}

/** table → what the serving models declare unique there (their forms and full_clean() check it). */
export type ServingUniques = Record<string, UniqueSet[]>;

export interface PlanOperation {
  op: string; // Django's class name: AddField
  text: string; // its describe(): "Add field note to question"
  kind: string; // add-field, remove-field, alter-field, rename-field, delete-model, rename-model, alter-model-table, create-model, add-unique, add-check, unchecked, other
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
  unique?: boolean;
  check?: string | null;
  max_digits?: number | null;
  decimal_places?: number | null;
  old?: PlanOperation; // alter-field: the field before
  constraint?: string; // add-unique, add-check: the constraint's name (none for unique_together)
  unique_sets?: string[][]; // add-unique: the column lists made unique (empty: a condition or expressions)
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

export type WayOn = 'code-step' | 'nullable-first' | 'unique-after-code';

export interface SchemaBreak {
  migration: string;
  operation: string; // as Django describes it
  field: string; // table.column, or the table
  why: string; // how the serving code breaks
  way: WayOn;
}

export interface Verdict {
  breaks: SchemaBreak[];
  unchecked: string[]; // migrations with RunPython / RunSQL / a CheckConstraint on an existing table: bg cannot check them
}

// 'everything': what serves is not a release bg can read (a legacy unit): every table and column
// the plan touches counts as mapped.
export type Serving = ServingTables | 'everything';

const appOf = (name: string) => name.split('.')[0];

/**
 * What in `plan` the serving code cannot live with (`serving`: the tables and columns its models
 * map; `unique`: what they declare unique), and which migrations bg cannot check.
 */
export function judgePlan(plan: PlannedMigration[], serving: Serving, unique: ServingUniques = {}): Verdict {
  const fresh = appsFirstMigrated(plan);
  const breaks: SchemaBreak[] = [];
  const unchecked: string[] = [];
  const created = new Set<string>(); // tables this plan creates: no code serving reads them yet
  const maps = (table?: string | null) => !!table && (serving === 'everything' || table in serving);
  const column = (table?: string | null, col?: string | null): ColumnInfo | undefined => {
    if (!table || !col || !maps(table)) return undefined;
    if (serving === 'everything') return { column: col, null: true, type: null, max_length: null };
    return serving[table].find((c) => c.column === col);
  };
  // the serving models already keep these columns unique: a constraint on them, or on a superset, or one of the same name
  const declaredUnique = (table: string, columns: string[], name?: string) =>
    (unique[table] ?? []).some((u) => (name && u.name === name) || (u.columns.length > 0 && u.columns.every((c) => columns.includes(c)))) ||
    (columns.length > 0 && columns.some((c) => column(table, c)?.unique === true));
  for (const m of plan) {
    if (m.backwards || fresh.has(appOf(m.name))) continue;
    const list = () => {
      if (!unchecked.includes(m.name)) unchecked.push(m.name);
    };
    for (const op of m.operations) {
      const add = (field: string, why: string, way: WayOn = 'code-step') =>
        breaks.push({ migration: m.name, operation: op.text, field, why, way });
      switch (op.kind) {
        case 'unchecked':
          list();
          break;
        case 'create-model':
          if (op.table) created.add(op.table);
          break;
        case 'add-check':
          if (op.table && !created.has(op.table)) list();
          break;
        case 'add-unique': {
          if (!maps(op.table)) break;
          const sets = op.unique_sets?.length ? op.unique_sets : [[]];
          for (const cols of sets) {
            if (declaredUnique(op.table!, cols, op.constraint)) continue;
            const on = cols.length ? `(${cols.join(', ')})` : `${op.constraint ?? 'an expression'}`;
            add(
              cols.length === 1 ? `${op.table}.${cols[0]}` : op.table!,
              `it makes ${on} unique in ${op.table}; the serving code does not declare that and can insert duplicates, which then fail`,
              'unique-after-code',
            );
          }
          break;
        }
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
          else if (op.column && op.null === false && op.db_default && op.unique && maps(op.table))
            add(
              `${op.table}.${op.column}`,
              `it adds ${op.column} unique with one database default, so the second insert by the serving code into ${op.table}, which does not set ${op.column}, fails`,
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
          if (op.unique && !s.unique && !declaredUnique(op.table!, [op.column!]))
            add(
              `${op.table}.${op.column}`,
              `it makes ${op.column} unique; the serving code does not declare it unique and can insert duplicates, which then fail`,
              'unique-after-code',
            );
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

// Type changes that take every value the narrower type held (the serving code's writes still fit).
const WIDER: Record<string, string[]> = {
  smallint: ['integer', 'bigint'],
  integer: ['bigint'],
  smallserial: ['serial', 'bigserial'],
  serial: ['bigserial'],
  varchar: ['text'],
};

/** Why the new column takes less than the serving code may write, if it does. */
function narrowing(serving: ColumnInfo, to: PlanOperation): string | undefined {
  if (serving.null && to.null === false) return `it makes ${to.column} NOT NULL`;
  if (serving.db_default && to.db_default === false && to.null === false)
    return `it drops the database default of ${to.column}, which the serving code's inserts leave to the database`;
  if (serving.max_length && to.max_length && to.max_length < serving.max_length)
    return `it shortens ${to.column} from ${serving.max_length} to ${to.max_length}`;
  const [sd, sp, td, tp] = [serving.max_digits, serving.decimal_places, to.max_digits, to.decimal_places];
  if (sd != null && sp != null && td != null && tp != null && (td < sd || tp < sp || td - tp < sd - sp))
    return `it narrows ${to.column} from ${sd} digits (${sp} decimal places) to ${td} (${tp})`;
  if (serving.type && to.type) {
    const [from, into] = [baseType(serving.type), baseType(to.type)];
    if (from !== into && !WIDER[from]?.includes(into)) return `it changes ${to.column} from ${serving.type} to ${to.type}`;
  }
  if (to.check && serving.check === null && serving.type !== null)
    return `it adds the check ${to.check}, which values the serving code writes may fail`;
  return undefined;
}

/** The way on for each kind of break: said once per kind in the refusal. */
export function waysOn(breaks: SchemaBreak[], ref = '<ref>'): string[] {
  const ways: string[] = [];
  if (breaks.some((b) => b.way === 'code-step'))
    ways.push(
      'The code step first: deploy code whose models no longer map what the migration drops or renames (or already declare the narrower column), without that migration; then deploy the migration (the contract step; expand before contract): bg lets it through once no serving code maps it.',
    );
  if (breaks.some((b) => b.way === 'unique-after-code'))
    ways.push(
      'Make it unique after code that keeps it unique serves: deploy code whose models already declare it (unique=True, unique_together or the UniqueConstraint, so its forms and full_clean() check it) and that does not insert duplicates (it looks for the value before it inserts), without that migration; remove the duplicates already stored (a RunSQL or RunPython before it); then deploy the migration: bg lets it through once the serving models declare it.',
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

export interface ServingModels {
  tables: ServingTables;
  unique: ServingUniques;
}

const isUniqueSet = (u: unknown) => isObj(u) && (u.name === null || typeof u.name === 'string') && isStrArr(u.columns);

/** The serving release's models read, checked for shape: tables and columns, and what they declare unique. */
export function asServingModels(v: unknown): ServingModels | undefined {
  const tables = asServingTables(v);
  if (!tables || !isObj(v)) return undefined;
  const unique: ServingUniques = {};
  if (v.unique !== undefined) {
    if (!isObj(v.unique)) return undefined;
    for (const [table, sets] of Object.entries(v.unique)) {
      if (!Array.isArray(sets) || !sets.every(isUniqueSet)) return undefined;
      unique[table] = sets as UniqueSet[];
    }
  }
  return { tables, unique };
}
