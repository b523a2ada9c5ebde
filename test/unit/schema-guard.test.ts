import { describe, expect, it } from 'vitest';
import {
  asSchemaPlan,
  asServingModels,
  asServingTables,
  type ColumnInfo,
  judgePlan,
  type PlannedMigration,
  type PlanOperation,
  readProbeOutput,
  type ServingTables,
  waysOn,
} from '../../src/django/schema-guard.js';
import { PROBE_MARK, probeArgs } from '../../src/django/schema-probe.js';

// The serving release maps polls_question (id, question_text varchar(200), note nullable varchar(200))
const SERVING: ServingTables = {
  polls_question: [
    { column: 'id', null: false, type: 'integer', max_length: null },
    { column: 'question_text', null: false, type: 'varchar(200)', max_length: 200 },
    { column: 'note', null: true, type: 'varchar(200)', max_length: 200 },
    { column: 'author_id', null: true, type: null, max_length: null },
  ],
  polls_question_tags: [{ column: 'id', null: false, type: 'integer', max_length: null }],
};
// ... and the code step: the same without note
const CODE_STEP: ServingTables = { polls_question: SERVING.polls_question.filter((c) => c.column !== 'note') };

const T = 'polls_question';
const op = (kind: string, o: Partial<PlanOperation> = {}): PlanOperation => ({ op: kind, text: `${kind} op`, kind, table: T, ...o });
const mig = (operations: PlanOperation[], name = 'polls.0003_change'): PlannedMigration[] => [{ name, operations }];
const col = (column: string, o: Partial<PlanOperation> = {}) => ({
  column,
  field: column,
  null: true,
  type: 'varchar(200)',
  max_length: 200,
  ...o,
});

describe('the migration guard judges a plan against what the serving models map', () => {
  it('refuses dropping a column the serving code maps, and allows it once the code step stopped mapping it', () => {
    const plan = mig([op('remove-field', { ...col('note'), text: 'Remove field note from question' })], 'polls.0003_remove_question_note');
    const v = judgePlan(plan, SERVING);
    expect(v.breaks).toEqual([
      {
        migration: 'polls.0003_remove_question_note',
        operation: 'Remove field note from question',
        field: 'polls_question.note',
        why: 'it drops column note, which the serving code reads and writes',
        way: 'code-step',
      },
    ]);
    expect(judgePlan(plan, CODE_STEP).breaks).toEqual([]);
  });

  it('refuses dropping or renaming a table the serving code maps; allows it for a table it does not', () => {
    expect(judgePlan(mig([op('delete-model')]), SERVING).breaks.map((b) => b.why)).toEqual([
      'it drops table polls_question, which the serving code reads and writes',
    ]);
    expect(judgePlan(mig([op('rename-model', { new_table: 'polls_poll' })]), SERVING).breaks.map((b) => b.field)).toEqual([T]);
    expect(judgePlan(mig([op('alter-model-table', { new_table: 'questions' })]), SERVING).breaks).toHaveLength(1);
    // a rename that keeps the table (db_table set) changes nothing in the database
    expect(judgePlan(mig([op('rename-model', { new_table: T })]), SERVING).breaks).toEqual([]);
    expect(judgePlan(mig([op('delete-model', { table: 'polls_old' })]), SERVING).breaks).toEqual([]);
  });

  it('refuses dropping a many-to-many table the serving code maps', () => {
    const rm = op('remove-field', { field: 'tags', column: null, m2m_table: 'polls_question_tags' });
    expect(judgePlan(mig([rm]), SERVING).breaks.map((b) => b.field)).toEqual(['polls_question_tags']);
    expect(judgePlan(mig([rm]), CODE_STEP).breaks).toEqual([]);
  });

  it('refuses renaming a column the serving code maps (RenameField, or AlterField changing db_column)', () => {
    expect(judgePlan(mig([op('rename-field', { ...col('note'), new_field: 'memo', new_column: 'memo' })]), SERVING).breaks[0].why).toBe(
      'it renames column note to memo; the serving code still uses note',
    );
    // db_column kept: no database change
    expect(judgePlan(mig([op('rename-field', { ...col('note'), new_field: 'memo', new_column: 'note' })]), SERVING).breaks).toEqual([]);
    const alter = op('alter-field', { ...col('memo'), old: op('alter-field', col('note')) });
    expect(judgePlan(mig([alter]), SERVING).breaks.map((b) => b.field)).toEqual(['polls_question.note']);
    expect(judgePlan(mig([alter]), CODE_STEP).breaks).toEqual([]);
  });

  it('refuses a NOT NULL column with no database default on a table the serving code inserts into (IntegerField(default=1))', () => {
    const add = op('add-field', { ...col('votes'), null: false, type: 'integer', max_length: null, db_default: false });
    const [b] = judgePlan(mig([add]), SERVING).breaks;
    expect(b).toMatchObject({ field: 'polls_question.votes', way: 'nullable-first' });
    expect(b.why).toMatch(/NOT NULL with no database default.*every insert by the serving code into polls_question/);
    // nullable, a database default (db_default, Django 5), or a table the serving code does not map: allowed
    expect(judgePlan(mig([{ ...add, null: true }]), SERVING).breaks).toEqual([]);
    expect(judgePlan(mig([{ ...add, db_default: true }]), SERVING).breaks).toEqual([]);
    expect(judgePlan(mig([{ ...add, table: 'polls_choice' }]), SERVING).breaks).toEqual([]);
    // a many-to-many field is a new table
    expect(judgePlan(mig([op('add-field', { field: 'tags', column: null, m2m_table: 'polls_question_tags2' })]), SERVING).breaks).toEqual(
      [],
    );
  });

  it('refuses narrowing a column the serving code writes: to NOT NULL, shorter, another type; allows widening', () => {
    const alter = (o: Partial<PlanOperation>) =>
      judgePlan(mig([op('alter-field', { ...col('note'), old: op('alter-field', col('note')), ...o })]), SERVING);
    expect(alter({ null: false }).breaks[0].why).toBe('it makes note NOT NULL, and the serving code writes note as it is now');
    expect(alter({ max_length: 100, type: 'varchar(100)' }).breaks[0].why).toMatch(/shortens note from 200 to 100/);
    expect(alter({ type: 'integer', max_length: null }).breaks[0].why).toMatch(/changes note from varchar\(200\) to integer/);
    expect(alter({ max_length: 300, type: 'varchar(300)' }).breaks).toEqual([]);
    expect(alter({}).breaks).toEqual([]);
    // the serving code already declares the narrower column (the code step): allowed
    const narrowServing: ServingTables = { polls_question: [{ column: 'note', null: false, type: 'varchar(100)', max_length: 100 }] };
    expect(
      judgePlan(mig([op('alter-field', { ...col('note'), null: false, max_length: 100, type: 'varchar(100)' })]), narrowServing).breaks,
    ).toEqual([]);
  });

  it('refuses making a written column unique (AlterField unique=True) unless the serving models already declare it', () => {
    const alter = op('alter-field', { ...col('question_text'), unique: true, old: op('alter-field', col('question_text')) });
    const [b] = judgePlan(mig([alter], 'polls.0009_alter_question_text'), SERVING).breaks;
    expect(b).toMatchObject({
      migration: 'polls.0009_alter_question_text',
      field: 'polls_question.question_text',
      way: 'unique-after-code',
    });
    expect(b.why).toBe(
      'it makes question_text unique; the serving code does not declare it unique and can insert duplicates, which then fail',
    );
    // the code step: the serving models declare unique=True (their forms check it), or unique_together on it alone
    const declared: ServingTables = {
      polls_question: SERVING.polls_question.map((c) => (c.column === 'question_text' ? { ...c, unique: true } : c)),
    };
    expect(judgePlan(mig([alter]), declared).breaks).toEqual([]);
    expect(judgePlan(mig([alter]), SERVING, { polls_question: [{ name: null, columns: ['question_text'] }] }).breaks).toEqual([]);
    // already unique, or a table the serving code does not map: allowed; a legacy unit: refused
    expect(judgePlan(mig([{ ...alter, old: op('alter-field', { ...col('question_text'), unique: true }) }]), declared).breaks).toEqual([]);
    expect(judgePlan(mig([{ ...alter, table: 'polls_choice' }]), SERVING).breaks).toEqual([]);
    expect(judgePlan(mig([alter]), 'everything').breaks).toHaveLength(1);
  });

  it('refuses a UniqueConstraint or unique_together added on a written table; allowed once the serving models declare it (by columns, a subset, or name)', () => {
    const constraint = op('add-unique', {
      text: 'Create constraint unique_text_date on model question',
      constraint: 'unique_text_date',
      unique_sets: [['question_text', 'pub_date']],
    });
    const [b] = judgePlan(mig([constraint]), SERVING).breaks;
    expect(b).toMatchObject({ field: T, way: 'unique-after-code' });
    expect(b.why).toBe(
      'it makes (question_text, pub_date) unique in polls_question; the serving code does not declare that and can insert duplicates, which then fail',
    );
    const declares = (u: { name: string | null; columns: string[] }) => judgePlan(mig([constraint]), SERVING, { [T]: [u] }).breaks;
    expect(declares({ name: null, columns: ['pub_date', 'question_text'] })).toEqual([]);
    expect(declares({ name: null, columns: ['question_text'] })).toEqual([]); // a narrower unique keeps the pair unique
    expect(declares({ name: 'unique_text_date', columns: [] })).toEqual([]);
    expect(declares({ name: null, columns: ['question_text', 'pub_date', 'note'] })).toHaveLength(1); // a wider one does not
    // unique_together: one break per pair added; one with a condition or expressions is matched by name only
    const together = op('add-unique', {
      text: 'Alter unique_together for question (2 constraint(s))',
      unique_sets: [['note'], ['author_id', 'note']],
    });
    expect(judgePlan(mig([together]), SERVING).breaks.map((x) => x.field)).toEqual(['polls_question.note', T]);
    const partial = op('add-unique', { constraint: 'one_open', unique_sets: [] });
    expect(judgePlan(mig([partial]), SERVING).breaks[0].why).toMatch(/^it makes one_open unique in polls_question/);
    expect(judgePlan(mig([partial]), SERVING, { [T]: [{ name: 'one_open', columns: [] }] }).breaks).toEqual([]);
    expect(judgePlan(mig([{ ...constraint, table: 'polls_choice' }]), SERVING).breaks).toEqual([]);
  });

  it('refuses a unique NOT NULL column added with a database default to a written table (every insert gets the same value)', () => {
    const add = op('add-field', { ...col('slug'), null: false, db_default: true, unique: true });
    expect(judgePlan(mig([add]), SERVING).breaks.map((b) => b.way)).toEqual(['nullable-first']);
    expect(judgePlan(mig([{ ...add, unique: false }]), SERVING).breaks).toEqual([]);
  });

  it('refuses narrowing a DecimalField (fewer digits, fewer decimal places, or fewer before the point); allows widening it', () => {
    const price = { column: 'price', null: true, type: 'numeric(6, 2)', max_length: null, max_digits: 6, decimal_places: 2 };
    const serving: ServingTables = { [T]: [price] };
    const alter = (max_digits: number, decimal_places: number) =>
      judgePlan(
        mig([
          op('alter-field', { ...price, field: 'price', type: `numeric(${max_digits}, ${decimal_places})`, max_digits, decimal_places }),
        ]),
        serving,
      ).breaks;
    expect(alter(4, 1)[0].why).toBe(
      'it narrows price from 6 digits (2 decimal places) to 4 (1), and the serving code writes price as it is now',
    );
    expect(alter(6, 1)).toHaveLength(1); // rounds what the serving code writes
    expect(alter(6, 3)).toHaveLength(1); // 4 digits before the point become 3
    expect(alter(8, 2)).toEqual([]);
    expect(alter(8, 3)).toEqual([]);
    // SQLite's type is a bare `decimal`: the digits still tell
    const lite: ServingTables = { [T]: [{ ...price, type: 'decimal' }] };
    expect(judgePlan(mig([op('alter-field', { ...price, field: 'price', type: 'decimal', max_digits: 5 })]), lite).breaks).toHaveLength(1);
  });

  it('refuses a narrower integer type (IntegerField to SmallIntegerField) or an added check (to PositiveIntegerField); allows widening types', () => {
    const votes: ColumnInfo = { column: 'votes', null: true, type: 'integer', max_length: null, check: null };
    const alter = (o: Partial<PlanOperation>, serving: ColumnInfo = votes) =>
      judgePlan(mig([op('alter-field', { ...votes, field: 'votes', ...o })]), { [T]: [serving] }).breaks;
    expect(alter({ type: 'smallint' })[0].why).toMatch(/^it changes votes from integer to smallint/);
    expect(alter({ check: '"votes" >= 0' })[0].why).toBe(
      'it adds the check "votes" >= 0, which values the serving code writes may fail, and the serving code writes votes as it is now',
    );
    expect(alter({ check: '"votes" >= 0' }, { ...votes, check: '"votes" >= 0' })).toEqual([]);
    expect(alter({ type: 'bigint' })).toEqual([]);
    expect(alter({ type: 'bigserial' }, { ...votes, type: 'serial' })).toEqual([]); // AutoField to BigAutoField
    expect(alter({ type: 'text', max_length: null }, { ...votes, type: 'varchar(200)', max_length: 200 })).toEqual([]); // CharField to TextField
    expect(alter({ type: 'integer' }, { ...votes, type: 'bigint' })).toHaveLength(1);
  });

  it('refuses dropping the database default of a NOT NULL column the serving code leaves to it (db_default, Django 5)', () => {
    const code = { column: 'code', null: false, type: 'integer', max_length: null, db_default: true };
    const breaks = judgePlan(mig([op('alter-field', { ...code, field: 'code', db_default: false })]), { [T]: [code] }).breaks;
    expect(breaks.map((b) => b.why)).toEqual([
      "it drops the database default of code, which the serving code's inserts leave to the database, and the serving code writes code as it is now",
    ]);
  });

  it('lists a CheckConstraint added to an existing table as unchecked (not refused); one on a table the plan creates is not listed', () => {
    const check = op('add-check', { text: 'Create constraint votes_positive on model question', constraint: 'votes_positive' });
    expect(judgePlan(mig([check], 'polls.0007_votes_positive'), SERVING)).toEqual({ breaks: [], unchecked: ['polls.0007_votes_positive'] });
    expect(judgePlan(mig([check], 'polls.0007_votes_positive'), {})).toEqual({ breaks: [], unchecked: ['polls.0007_votes_positive'] });
    const created = mig([op('create-model', { table: 'polls_choice' }), op('add-check', { table: 'polls_choice' })]);
    expect(judgePlan(created, SERVING)).toEqual({ breaks: [], unchecked: [] });
  });

  it('the way on for a unique constraint: the code step that declares it, duplicates removed, then the migration', () => {
    const [u] = judgePlan(mig([op('add-unique', { unique_sets: [['note']] })]), SERVING).breaks;
    const ways = waysOn([u]).join(' ');
    expect(ways).toMatch(/unique after code that keeps it unique serves.*already declare it.*duplicates.*--allow-destructive/);
    expect(ways).not.toMatch(/nullable first|code step first/);
  });

  it('allows new tables, indexes and other operations; lists RunPython / RunSQL as unchecked, once per migration', () => {
    const plan: PlannedMigration[] = [
      { name: 'polls.0004_choice', operations: [op('create-model', { table: 'polls_choice' }), op('other', { text: 'Create index' })] },
      {
        name: 'polls.0005_data',
        operations: [op('unchecked', { text: 'Raw Python operation' }), op('unchecked', { text: 'Raw SQL operation' })],
      },
    ];
    expect(judgePlan(plan, SERVING)).toEqual({ breaks: [], unchecked: ['polls.0005_data'] });
  });

  it('an app whose first migration is in the plan is new to the database: nothing of it is judged or listed', () => {
    const plan: PlannedMigration[] = [
      { name: 'contenttypes.0001_initial', operations: [op('create-model', { table: 'django_content_type' })] },
      {
        name: 'contenttypes.0002_remove_content_type_name',
        operations: [op('unchecked'), op('remove-field', { table: 'django_content_type', ...col('name') })],
      },
    ];
    const serving: ServingTables = { django_content_type: [{ column: 'name', null: true, type: 'varchar(100)', max_length: 100 }] };
    expect(judgePlan(plan, serving)).toEqual({ breaks: [], unchecked: [] });
    expect(judgePlan(plan.slice(1), serving).breaks).toHaveLength(1);
  });

  it("a legacy unit's code cannot be read: everything the plan touches counts as mapped", () => {
    expect(judgePlan(mig([op('remove-field', col('note'))]), 'everything').breaks).toHaveLength(1);
    expect(judgePlan(mig([op('add-field', col('memo'))]), 'everything').breaks).toEqual([]);
  });

  it('the ways on: one per kind of break, and always --allow-destructive with the window it opens', () => {
    const [code] = judgePlan(mig([op('remove-field', col('note'))]), SERVING).breaks;
    const [nn] = judgePlan(mig([op('add-field', { ...col('votes'), null: false })]), SERVING).breaks;
    expect(waysOn([code]).join(' ')).toMatch(/code step first.*contract step.*--allow-destructive/);
    expect(waysOn([nn]).join(' ')).toMatch(/nullable first.*--allow-destructive/);
    expect(waysOn([nn]).join(' ')).not.toMatch(/code step/);
    expect(waysOn([code]).join(' ')).toMatch(/until the switch/);
  });
});

describe("the probe's output: data, checked for shape", () => {
  it('reads the JSON line after the mark, whatever comes before it', () => {
    const out = `some warning\n${PROBE_MARK}{"tables": {"t": [{"column": "c", "null": true, "type": null, "max_length": null}]}}\n`;
    expect(asServingTables(readProbeOutput(out, PROBE_MARK))).toEqual({ t: [{ column: 'c', null: true, type: null, max_length: null }] });
    expect(readProbeOutput('no mark here', PROBE_MARK)).toBeUndefined();
    expect(readProbeOutput(`${PROBE_MARK}{not json`, PROBE_MARK)).toBeUndefined();
  });

  it('refuses a plan of the wrong shape', () => {
    expect(asSchemaPlan({ plan: [], applied: [], known: [] })).toEqual({ plan: [], applied: [], known: [] });
    expect(asSchemaPlan({ plan: [{ name: 'a.0001', operations: [{ kind: 1 }] }], applied: [], known: [] })).toBeUndefined();
    expect(asSchemaPlan({ plan: 'x', applied: [], known: [] })).toBeUndefined();
    expect(asServingTables({ tables: { t: [{ nope: 1 }] } })).toBeUndefined();
    expect(asServingModels({ tables: {}, unique: { t: [{ name: null, columns: ['a', 'b'] }] } })).toEqual({
      tables: {},
      unique: { t: [{ name: null, columns: ['a', 'b'] }] },
    });
    expect(asServingModels({ tables: {} })).toEqual({ tables: {}, unique: {} });
    expect(asServingModels({ tables: {}, unique: { t: [{ name: 1, columns: [] }] } })).toBeUndefined();
  });

  it('the program goes to manage.py shell as one single-quoted argument', () => {
    const args = probeArgs('plan');
    expect(args.startsWith("shell -c '")).toBe(true);
    expect(args.endsWith("'")).toBe(true);
    expect(args).toContain('bg_main("plan")');
  });
});
