import { describe, expect, it } from 'vitest';
import { destructiveOperations, parseMigratePlan } from '../../src/django/migration-plan.js';

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
});
