import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REHEARSE_REFUSED_MARK, REHEARSED_MARK, rehearseLine } from '../../src/render/argv/alembic.js';

// The rehearsal "in a transaction rolled back" is for databases whose schema changes a rollback
// undoes (PostgreSQL: the flask-migrate integration tests run it there). On SQLite, the driver
// commits DDL outside any transaction, so the same rehearsal would change the real database (a
// batch downgrade left its `_alembic_tmp_note` table behind). It must refuse before the first
// statement. Debian's Flask-Migrate on a real SQLite file, no systemd needed.
const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const python = '/usr/bin/python3';

describe('Alembic rehearsal in a rolled-back transaction, on an SQLite database bg was not told about', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const state = () =>
    execFileSync(
      python,
      [
        '-c',
        'import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); print(d.execute("select version_num from alembic_version").fetchone()[0], sorted(r[0] for r in d.execute("select name from sqlite_master where type=\'table\'")), [r[1] for r in d.execute("pragma table_info(note)")])',
        join(dir, 'app.sqlite3'),
      ],
      { encoding: 'utf8' },
    ).trim();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bg-rehearsal-'));
    cpSync(join(FIXTURES, 'flask-migrate'), dir, { recursive: true });
    cpSync(join(FIXTURES, 'flask-migrate-v2'), dir, { recursive: true });
    // Debian's flask first on PATH, as in a release's unit
    env = { PATH: '/usr/bin:/bin', FLASK_APP: 'app', DATABASE_URL: `sqlite:///${dir}/app.sqlite3`, LANG: 'C.UTF-8' };
    execFileSync(python, ['-m', 'flask', 'db', 'upgrade'], { cwd: dir, env, stdio: 'pipe' });
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('refuses before the first statement (exit 3, the dialect named) and leaves the database as it was', () => {
    const before = state();
    expect(before).toBe("48f7e8d113b3 ['alembic_version', 'note'] ['id', 'text', 'tag']");
    const r = spawnSync('sh', ['-c', rehearseLine(python, ['flask', 'db'], 'downgrade 97d29cc10ceb')], { cwd: dir, env, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain(`${REHEARSE_REFUSED_MARK}sqlite`);
    expect(r.stdout).not.toContain(REHEARSED_MARK);
    expect(state()).toBe(before);
  });
});
