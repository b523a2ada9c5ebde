import { describe, expect, it } from 'vitest';
import {
  appsFirstMigrated,
  backTargets,
  breaksOlderCode,
  destructiveOperations,
  migrationName,
  parseMigratePlan,
  undoPlan,
} from '../../src/django/migration-plan.js';

const PLAN = `Planned operations:
polls.0002_question_note
    Add field note to question
polls.0003_remove_question_note
    Remove field note from question
shop.0007_auto
    Rename field title on product to name
    Raw SQL operation
`;

// What Debian's Django 3.2 prints for `migrate --plan` of a startproject project (admin, auth,
// contenttypes, sessions, messages, staticfiles) plus one app, on an empty database (abridged: every
// migration with an operation the guard knows, and a few around them).
const STOCK_EMPTY_DB = `Planned operations:
contenttypes.0001_initial
    Create model ContentType
    Alter unique_together for contenttype (1 constraint(s))
auth.0001_initial
    Create model Permission
    Create model Group
    Create model User
admin.0001_initial
    Create model LogEntry
contenttypes.0002_remove_content_type_name
    Change Meta options on contenttype
    Alter field name on contenttype
    Raw Python operation
    Remove field name from contenttype
auth.0006_require_contenttypes_0002
auth.0011_update_proxy_permissions
    Raw Python operation ->     Update the content_type of prox…
auth.0012_alter_user_first_name_max_length
    Alter field first_name on user
polls.0001_initial
    Create model Question
sessions.0001_initial
    Create model Session
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

  it("an app first migrated by this plan has no table anyone reads yet: a stock project's contrib migrations on an empty database are not destructive", () => {
    const plan = parseMigratePlan(STOCK_EMPTY_DB);
    expect([...appsFirstMigrated(plan)].sort()).toEqual(['admin', 'auth', 'contenttypes', 'polls', 'sessions']);
    expect(destructiveOperations(plan)).toEqual([]);
    // the same operations on an app already in the database are still named
    expect(destructiveOperations(plan.filter((m) => !m.name.startsWith('contenttypes.0001')))).toEqual([
      'contenttypes.0002_remove_content_type_name: Raw Python operation',
      'contenttypes.0002_remove_content_type_name: Remove field name from contenttype',
    ]);
  });

  it('for a rollback: where each app goes back to, what undoing does, and what the older code needs undone', () => {
    expect(migrationName('polls', '0003_remove_question_note.py')).toBe('polls.0003_remove_question_note');
    expect(migrationName('polls', '__init__.py')).toBeUndefined();
    expect(backTargets(['polls.0003_x', 'shop.0001_initial'], ['polls.0001_initial', 'polls.0002_y'])).toEqual({
      polls: '0002_y',
      shop: 'zero',
    });
    const undo = undoPlan(
      'Planned operations:\npolls.0003_remove_question_note\n    Undo Remove field note from question\nshop.0002_data\n    Raw Python operation -> IRREVERSIBLE\n',
    );
    expect(undo).toEqual({
      operations: [
        'polls.0003_remove_question_note: Undo Remove field note from question',
        'shop.0002_data: Raw Python operation -> IRREVERSIBLE',
      ],
      irreversible: true,
    });
    expect(undo.operations.filter(breaksOlderCode)).toEqual(['polls.0003_remove_question_note: Undo Remove field note from question']);
    expect(breaksOlderCode('polls.0002_question_note: Undo Add field note to question')).toBe(false);
  });
});
