import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onSqliteCopyRehearsalLine, REHEARSE_REFUSED_MARK, REHEARSED_MARK, rehearseLine } from '../../src/render/argv/alembic.js';

// The rehearsal of an Alembic downgrade must change nothing real, on Debian's Flask-Migrate and a
// real SQLite file (no systemd needed). The release holds the app and a link to the database in
// the app's data dir, as shared_files makes it.
// - "In a transaction rolled back" is for PostgreSQL (the flask-migrate integration tests run it
//   there). On SQLite the driver commits DDL outside any transaction, so it would change the real
//   database (a batch downgrade left its `_alembic_tmp_note` table behind): refused before the
//   first statement.
// - "On a copy": the copy goes beside the file the link points to, and is gone afterwards; a
//   downgrade that opens anything but the copy is refused before its first statement.
const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const python = '/usr/bin/python3';
const DOWNGRADE = 'downgrade 97d29cc10ceb';

describe('Alembic rehearsals on SQLite: nothing real changes', () => {
  let dir: string;
  let data: string; // the app's data dir
  let release: string;
  let env: NodeJS.ProcessEnv;
  const state = (db = join(data, 'app.sqlite3')) =>
    execFileSync(
      python,
      [
        '-c',
        'import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); print(d.execute("select version_num from alembic_version").fetchone()[0], sorted(r[0] for r in d.execute("select name from sqlite_master where type=\'table\'")), [r[1] for r in d.execute("pragma table_info(note)")])',
        db,
      ],
      { encoding: 'utf8' },
    ).trim();
  const UPGRADED = "48f7e8d113b3 ['alembic_version', 'note'] ['id', 'text', 'tag']";
  const run = (line: string) => spawnSync('sh', ['-c', line], { cwd: release, env, encoding: 'utf8' });
  const onCopy = (db: { variable?: string; path: string; instancePath?: string }) =>
    onSqliteCopyRehearsalLine(python, { variable: 'DATABASE_URL', scheme: 'sqlite', query: '', ...db }, ['flask', 'db'], DOWNGRADE);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bg-rehearsal-'));
    data = join(dir, "shared data's");
    release = join(dir, 'release');
    mkdirSync(data);
    cpSync(join(FIXTURES, 'flask-migrate'), release, { recursive: true });
    cpSync(join(FIXTURES, 'flask-migrate-v2'), release, { recursive: true });
    symlinkSync(join(data, 'app.sqlite3'), join(release, 'app.sqlite3'));
    // Debian's flask first on PATH, as in a release's unit; the env file's URL names the release's link
    env = { PATH: '/usr/bin:/bin', FLASK_APP: 'app', DATABASE_URL: `sqlite:///${release}/app.sqlite3`, LANG: 'C.UTF-8' };
    execFileSync(python, ['-m', 'flask', 'db', 'upgrade'], { cwd: release, env, stdio: 'pipe' });
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('in a transaction rolled back: refused on SQLite before the first statement (exit 3, the dialect named), nothing changed', () => {
    expect(state()).toBe(UPGRADED);
    const r = run(rehearseLine(python, ['flask', 'db'], DOWNGRADE));
    expect(r.status, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain(`${REHEARSE_REFUSED_MARK}dialect\tsqlite`);
    expect(r.stdout).not.toContain(REHEARSED_MARK);
    expect(state()).toBe(UPGRADED);
  });

  it('on a copy: the downgrade runs on a copy beside the linked file, which is gone afterwards; the database and the release unchanged', () => {
    const r = run(onCopy({ path: join(release, 'app.sqlite3') }));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('Running downgrade 48f7e8d113b3 -> 97d29cc10ceb');
    expect(state()).toBe(UPGRADED);
    expect(readdirSync(data)).toEqual(['app.sqlite3']);
    expect(readdirSync(release).filter((f) => f.includes('rehears'))).toEqual([]);
  });

  it('on a copy the app does not read (it reads another variable): refused before the first statement, nothing changed', () => {
    const r = run(onCopy({ variable: 'OTHER_URL', path: join(release, 'app.sqlite3') }));
    expect(r.status, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain(`${REHEARSE_REFUSED_MARK}not-copy\tsqlite\t${release}/app.sqlite3`);
    expect(state()).toBe(UPGRADED);
    expect(readdirSync(data)).toEqual(['app.sqlite3']);
  });

  it("a relative URL's file in instance/ only (Flask-SQLAlchemy 3): found there; in both places as different files, or in neither: refused", () => {
    mkdirSync(join(release, 'instance'));
    symlinkSync(join(data, 'app.sqlite3'), join(release, 'instance', 'flask.sqlite3'));
    const flask = { path: join(release, 'flask.sqlite3'), instancePath: join(release, 'instance', 'flask.sqlite3') };
    const found = run(onCopy(flask));
    expect(found.status, found.stdout + found.stderr).toBe(0);
    expect(state()).toBe(UPGRADED);

    execFileSync(python, [
      '-c',
      'import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute("create table other(n)")',
      join(release, 'flask.sqlite3'),
    ]);
    const two = run(onCopy(flask));
    expect(two.status, two.stdout + two.stderr).toBe(3);
    expect(two.stdout).toContain(`${REHEARSE_REFUSED_MARK}two-files\t${flask.path}\t${flask.instancePath}`);

    const none = run(onCopy({ path: join(release, 'none.sqlite3'), instancePath: join(release, 'instance', 'none.sqlite3') }));
    expect(none.status, none.stdout + none.stderr).toBe(3);
    expect(none.stdout).toContain(`${REHEARSE_REFUSED_MARK}no-file\t${release}/none.sqlite3`);
    expect(readdirSync(release).filter((f) => f.includes('none') || f.includes('rehears'))).toEqual([]);
    expect(state()).toBe(UPGRADED);
  });
});
