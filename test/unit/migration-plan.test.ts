import { describe, expect, it } from 'vitest';
import { appsFirstMigrated, breaksOlderCode, migrationName } from '../../src/django/migration-plan.js';

// The migrations `migrate --plan` lists for a startproject project (admin, auth, contenttypes,
// sessions, messages, staticfiles) plus one app on an empty database (Debian's Django 3.2, abridged).
const STOCK_EMPTY_DB = [
  'contenttypes.0001_initial',
  'auth.0001_initial',
  'admin.0001_initial',
  'contenttypes.0002_remove_content_type_name',
  'auth.0006_require_contenttypes_0002',
  'auth.0011_update_proxy_permissions',
  'auth.0012_alter_user_first_name_max_length',
  'polls.0001_initial',
  'sessions.0001_initial',
].map((name) => ({ name }));

describe("Django's migration names", () => {
  it('the apps a plan migrates first are new to the database (a stock project on an empty database: all of them)', () => {
    expect([...appsFirstMigrated(STOCK_EMPTY_DB)].sort()).toEqual(['admin', 'auth', 'contenttypes', 'polls', 'sessions']);
    expect([...appsFirstMigrated(STOCK_EMPTY_DB.filter((m) => !m.name.startsWith('contenttypes.0001')))]).not.toContain('contenttypes');
  });

  it('for a way back: the migration a file holds, and what the older code needs undone', () => {
    expect(migrationName('polls', '0003_remove_question_note.py')).toBe('polls.0003_remove_question_note');
    expect(migrationName('polls', '__init__.py')).toBeUndefined();
    expect(breaksOlderCode('polls.0003_remove_question_note: Undo Remove field note from question')).toBe(true);
    expect(breaksOlderCode('polls.0002_question_note: Undo Add field note to question')).toBe(false);
  });
});
