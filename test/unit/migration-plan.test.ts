import { describe, expect, it } from 'vitest';
import { backTargets, breaksOlderCode, destructiveOperations, migrationName, parseMigratePlan, undoPlan } from '../../src/django/migration-plan.js';

const PLAN = `Planned operations:
polls.0002_question_note
    Add field note to question
polls.0003_remove_question_note
    Remove field note from question
shop.0007_auto
    Rename field title on product to name
    Raw SQL operation
`;

describe("Django's migration plan", () => {
  it('reads each migration and its operations', () => {
    expect(parseMigratePlan(PLAN)).toEqual([
      { name: 'polls.0002_question_note', operations: ['Add field note to question'] },
      { name: 'polls.0003_remove_question_note', operations: ['Remove field note from question'] },
      { name: 'shop.0007_auto', operations: ['Rename field title on product to name', 'Raw SQL operation'] },
    ]);
    expect(parseMigratePlan('Planned operations:\n  No planned migration operations.\n')).toEqual([]);
  });

  it('names what the serving version cannot live with; adding a nullable field is fine', () => {
    expect(destructiveOperations(parseMigratePlan(PLAN))).toEqual([
      'polls.0003_remove_question_note: Remove field note from question',
      'shop.0007_auto: Rename field title on product to name',
      'shop.0007_auto: Raw SQL operation',
    ]);
  });

  it('for a rollback: where each app goes back to, what undoing does, and what the older code needs undone', () => {
    expect(migrationName('polls', '0003_remove_question_note.py')).toBe('polls.0003_remove_question_note');
    expect(migrationName('polls', '__init__.py')).toBeUndefined();
    expect(backTargets(['polls.0003_x', 'shop.0001_initial'], ['polls.0001_initial', 'polls.0002_y'])).toEqual({ polls: '0002_y', shop: 'zero' });
    const undo = undoPlan('Planned operations:\npolls.0003_remove_question_note\n    Undo Remove field note from question\nshop.0002_data\n    Raw Python operation -> IRREVERSIBLE\n');
    expect(undo).toEqual({
      operations: ['polls.0003_remove_question_note: Undo Remove field note from question', 'shop.0002_data: Raw Python operation -> IRREVERSIBLE'],
      irreversible: true,
    });
    expect(undo.operations.filter(breaksOlderCode)).toEqual(['polls.0003_remove_question_note: Undo Remove field note from question']);
    expect(breaksOlderCode('polls.0002_question_note: Undo Add field note to question')).toBe(false);
  });
});
