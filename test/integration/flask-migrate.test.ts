import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Postgres, startPostgres } from '../harness/postgres.js';
import { jsonEvent } from '../support/json-events.js';
import { startLoop } from '../support/load-loop.js';
import { startPostLoop } from '../support/post-loop.js';
import { makeScene, type Scene } from '../support/scene.js';

// A Flask + Flask-SQLAlchemy + Flask-Migrate app (test/fixtures/flask-migrate, Debian's packages)
// whose release command is `flask db upgrade`: set up on an empty SQLite database in the app's data
// dir, then a revision adding a nullable column deployed under reads and inserts. Without an
// `alembic:` block bg reads nothing of Alembic: the release command just runs.
describe('Flask-Migrate app on SQLite: setup on an empty database, deploy a nullable column', () => {
  const sb = inject('sandbox');
  let s: Scene;
  let db: string;
  beforeAll(async () => {
    s = await makeScene(sb, {
      project: { name: 'flask-migrate', versions: ['v2'], wsgi: 'app:app' },
      release: ['flask db upgrade'],
      env: ({ shared }) => [`DATABASE_URL=sqlite:///${shared}/app.sqlite3`],
    });
    db = `${s.dir}/srv/shared/app.sqlite3`;
  });
  afterAll(async () => s?.close());

  const sqlite = (sql: string) =>
    execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sqlite3,sys; print("\\n".join("|".join(map(str, r)) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))',
        db,
        sql,
      ],
      {
        encoding: 'utf8',
      },
    ).trim();

  it('setup runs `flask db upgrade` on the empty database and serves v1', async () => {
    const loop = startLoop(s.url('/'), { concurrency: 2, maxMs: 120_000 });
    const r = await s.bg(['setup']);
    const res = await loop.stop();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(res.failed, res.failures.join('\n')).toBe(0);
    console.log(`[flask-migrate sqlite] setup: ${res.sent} requests, ${res.failed} failed`);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 notes=0' });
    expect(sqlite('select version_num from alembic_version')).toBe('97d29cc10ceb');
  });

  it('deploy v2 (a nullable column) under reads and inserts: no failed request, the database at the new head', async () => {
    const reads = startLoop(s.url('/'), { concurrency: 2, maxMs: 120_000 });
    const posts = startPostLoop(s.url('/notes/'));
    const r = await s.bg(['deploy', 'v2']);
    const [read, posted] = [await reads.stop(), await posts.stop()];
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(read.failed, read.failures.join('\n')).toBe(0);
    expect(posted.failed, posted.failures.join('\n')).toBe(0);
    expect(posted.ok).toBeGreaterThan(5);
    console.log(`[flask-migrate sqlite] deploy v2: ${read.sent} reads, ${posted.sent} posts, ${read.failed + posted.failed} failed`);
    expect((await s.get('/')).body).toMatch(/^v2 notes=\d+$/);
    expect(sqlite('select version_num from alembic_version')).toBe('48f7e8d113b3');
    expect(sqlite('select name from pragma_table_info("note")').split('\n').sort()).toEqual(['id', 'tag', 'text']);
  });
});

// The same app with `alembic: { command: flask db }`: bg reads each deploy's pending revisions and
// the database's revision, and checks every way back. The path, under reads and inserts through
// Caddy: a nullable column (passes), the code step that stops mapping it, the revision that drops it
// (refused, then --allow-destructive), a plain rollback (refused), rollback --migrate-back
// (downgraded before the older code starts), a NOT NULL column without a server default
// (refused), and the drop again, then the way back as a deploy of the older ref: plain (refused),
// with --migrate-back whose downgrade fails (refused up front), with --migrate-back (downgraded in
// the window). Every run ends in exit 0 or 2 and answers no request with a 500.
for (const kind of ['sqlite', 'postgresql'] as const) {
  describe(`Flask-Migrate app on ${kind} with alembic: the revisions checked before release, every way back checked`, () => {
    const sb = inject('sandbox');
    let s: Scene;
    let pg: Postgres | undefined;
    let db: string;
    beforeAll(async () => {
      if (kind === 'postgresql') {
        pg = await startPostgres(sb);
        await pg.createDatabase('notes');
      }
      s = await makeScene(sb, {
        project: { name: 'flask-migrate', versions: ['v2', 'v3', 'v4', 'v5'], wsgi: 'app:app' },
        release: ['flask db upgrade'],
        extraYaml: 'alembic:\n  command: flask db\n',
        env: ({ shared }) => [
          pg
            ? `DATABASE_URL=postgresql://notes@/notes?host=${pg.socketDir}&port=${pg.port}`
            : `DATABASE_URL=sqlite:///${shared}/app.sqlite3`,
        ],
      });
      db = `${s.dir}/srv/shared/app.sqlite3`;
    });
    afterAll(async () => {
      await s?.close();
      await pg?.stop();
    });

    const query = async (sql: string): Promise<string> =>
      pg
        ? pg.query('notes', sql)
        : execFileSync(
            '/usr/bin/python3',
            [
              '-c',
              'import sqlite3,sys; print("\\n".join("|".join(map(str, r)) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))',
              db,
              sql,
            ],
            { encoding: 'utf8' },
          ).trim();
    const revision = () => query('select version_num from alembic_version');
    const columns = async () =>
      (
        await query(
          pg
            ? "select column_name from information_schema.columns where table_name = 'note'"
            : 'select name from pragma_table_info("note")',
        )
      )
        .split('\n')
        .sort();

    // bg under reads of / (every mapped column) and inserts: no request may fail
    // window: the command opens the schema window, in which Caddy's maintenance 503 (with Retry-After) is expected
    async function underLoad(args: string[], label: string, window = false) {
      const reads = startLoop(s.url('/'), { concurrency: 2, maxMs: 120_000, maintenanceOk: window });
      const posts = startPostLoop(s.url('/notes/'), { maintenanceOk: window });
      const r = await s.bg(args);
      const [read, posted] = [await reads.stop(), await posts.stop()];
      console.log(
        `[alembic ${kind}] ${label}: exit ${r.code}, ${read.sent} reads, ${posted.sent} posts, ${read.failed + posted.failed} failed, ${read.maintenance + posted.maintenance} maintenance 503`,
      );
      expect(read.failed, read.failures.join('\n')).toBe(0);
      expect(posted.failed, posted.failures.join('\n')).toBe(0);
      return r;
    }

    it('setup on the empty database applies the first revision, none refused', async () => {
      const r = await underLoad(['setup'], 'setup');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(await revision()).toBe('97d29cc10ceb');
    });

    it('deploy v2, a nullable column: passes, and the plan step names the revision', async () => {
      const r = await underLoad(['deploy', 'v2'], 'deploy v2 (nullable add)');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toContain('1 to apply: 48f7e8d113b3 (database at 97d29cc10ceb)');
      expect(await columns()).toEqual(['id', 'tag', 'text']);
      // the copy taken before it names the revision it precedes
      const listed = await s.bg(['backups', '--json']);
      const rows = listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((e) => e.event === 'backups').backups;
      expect(rows.at(-1)).toMatchObject({ before: 'release', migrations: ['48f7e8d113b3'] });
      expect((await s.bg(['backups'])).stdout).toMatch(/ {2}48f7e8d113b3\n?$/);
    });

    it('deploy v3, the code step (no revision): nothing to upgrade', async () => {
      const r = await underLoad(['deploy', 'v3'], 'deploy v3 (code step)');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toContain('nothing to upgrade (database at 48f7e8d113b3)');
      expect((await s.get('/')).body).toMatch(/^v3 notes=\d+$/);
    });

    it('deploy v4, a drop_column: refused (exit 2) naming the revision and the column, nothing changed', async () => {
      const r = await underLoad(['deploy', 'v4'], 'deploy v4 (drop_column) refused');
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('c41f0a9e2b7d: drop_column note.tag');
      // after the code step (v3), the flag alone is the way on, and the refusal says so with the ref
      expect(r.stderr).toContain('you deployed the code step), `bluegreen deploy v4 --allow-destructive` is the way on');
      expect(await revision()).toBe('48f7e8d113b3');
      expect((await s.get('/')).body).toMatch(/^v3 notes=\d+$/);
    });

    it('deploy v4 --allow-destructive: the column is dropped (the serving v3 no longer maps it)', async () => {
      const r = await underLoad(['deploy', 'v4', '--allow-destructive'], 'deploy v4 --allow-destructive');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(await revision()).toBe('c41f0a9e2b7d');
      expect(await columns()).toEqual(['id', 'text']);
    });

    it('plain rollback after the drop: refused (exit 2) with --migrate-back as the way on', async () => {
      const r = await underLoad(['rollback'], 'rollback refused');
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('c41f0a9e2b7d: drop_column note.tag');
      expect(r.stderr).toContain('--migrate-back');
      expect(r.stderr).toMatch(/`bluegreen rollback --to [\w-]+ --allow-destructive` keeps them applied/);
      expect(await revision()).toBe('c41f0a9e2b7d');
      expect((await s.get('/')).body).toMatch(/^v4 notes=\d+$/);
    });

    it('rollback --allow-destructive to the code step (v3 maps no tag): the revision stays applied, v3 serves, no failed request; deploy v4 again has nothing to upgrade', async () => {
      const r = await underLoad(['rollback', '--allow-destructive'], 'rollback --allow-destructive');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toContain('c41f0a9e2b7d stay applied as told (--allow-destructive)');
      expect(await revision()).toBe('c41f0a9e2b7d');
      expect(await columns()).toEqual(['id', 'text']);
      expect((await s.get('/')).body).toMatch(/^v3 notes=\d+$/);
      const again = await underLoad(['deploy', 'v4'], 'deploy v4 after the rollback');
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(again.stdout + again.stderr).toContain('nothing to upgrade (database at c41f0a9e2b7d)');
      expect((await s.get('/')).body).toMatch(/^v4 notes=\d+$/);
    });

    it('rollback --migrate-back whose downgrade fails on this database: refused up front (exit 2) with its error, nothing changed', async () => {
      await query('alter table note add column tag varchar(50)'); // what the downgrade re-adds, already there
      const r = await underLoad(['rollback', '--migrate-back'], 'rollback --migrate-back, failing downgrade, refused');
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('The downgrade to 48f7e8d113b3 fails');
      expect(r.stderr).toMatch(pg ? /column "tag" of relation "note" already exists/ : /duplicate column name: tag/);
      expect(await revision()).toBe('c41f0a9e2b7d');
      expect((await s.get('/')).body).toMatch(/^v4 notes=\d+$/);
      await query('alter table note drop column tag');
    });

    it('rollback --migrate-back: rehearsed, downgraded in the maintenance window before the older code starts, no failed request', async () => {
      const r = await underLoad(['rollback', '--migrate-back'], 'rollback --migrate-back', true);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toContain(pg ? 'rehearsed in a transaction rolled back' : 'rehearsed on a copy of the SQLite database');
      expect(r.stdout + r.stderr).toContain('downgraded c41f0a9e2b7d to 48f7e8d113b3');
      expect(await revision()).toBe('48f7e8d113b3');
      expect(await columns()).toEqual(['id', 'tag', 'text']);
      expect((await s.get('/')).body).toMatch(/^v3 notes=\d+$/);
      if (!pg) expect(readdirSync(`${s.dir}/srv/shared`).filter((f) => f.startsWith('.bg-rehearsal'))).toEqual([]);
    });

    it('deploy v5, a NOT NULL column without a server default: refused (exit 2), nothing changed', async () => {
      const r = await underLoad(['deploy', 'v5'], 'deploy v5 (NOT NULL add) refused');
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('add_column note.priority NOT NULL without a server_default');
      expect(r.stderr).toContain('nullable or with a server_default first');
      expect(await revision()).toBe('48f7e8d113b3');
    });

    it('deploy of an older ref whose files lack the database revision: refused (exit 2), nothing changed', async () => {
      const r = await underLoad(['deploy', 'main'], 'deploy main (v1, older) refused');
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('The database is at revision 48f7e8d113b3, which releases/');
      expect(r.stderr).toContain('--migrate-back');
      expect(await revision()).toBe('48f7e8d113b3');
      expect((await s.get('/')).body).toMatch(/^v3 notes=\d+$/);
    });

    // the way back as a deploy of the older ref (v3), after the drop went out again
    const active = async () => jsonEvent((await s.bg(['status', '--json'])).stdout, 'status').active;

    it('deploy v4 --allow-destructive again: the column is dropped', async () => {
      const r = await underLoad(['deploy', 'v4', '--allow-destructive'], 'deploy v4 --allow-destructive (again)');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(await revision()).toBe('c41f0a9e2b7d');
      expect(await columns()).toEqual(['id', 'text']);
    });

    it('plain deploy v3 (older, lacks the revision): refused (exit 2) naming both ways on, nothing changed', async () => {
      const color = await active();
      const r = await underLoad(['deploy', 'v3'], 'deploy v3 (older) refused');
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('The database is at revision c41f0a9e2b7d, which releases/');
      expect(r.stderr).toContain('bluegreen deploy v3 --migrate-back');
      expect(r.stderr).toContain('bluegreen rollback --to <id> --migrate-back');
      expect(await revision()).toBe('c41f0a9e2b7d');
      expect(await columns()).toEqual(['id', 'text']);
      expect(await active()).toBe(color);
      expect((await s.get('/')).body).toMatch(/^v4 notes=\d+$/);
    });

    it('deploy v3 --migrate-back whose downgrade fails on this database: refused up front (exit 2) with its error, nothing changed', async () => {
      await query('alter table note add column tag varchar(50)'); // what the downgrade re-adds, already there
      const color = await active();
      const r = await underLoad(['deploy', 'v3', '--migrate-back'], 'deploy v3 --migrate-back, failing downgrade, refused');
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('The downgrade to 48f7e8d113b3 fails');
      expect(r.stderr).toMatch(pg ? /column "tag" of relation "note" already exists/ : /duplicate column name: tag/);
      expect(await revision()).toBe('c41f0a9e2b7d');
      expect(await columns()).toEqual(['id', 'tag', 'text']);
      expect(await active()).toBe(color);
      expect((await s.get('/')).body).toMatch(/^v4 notes=\d+$/);
      await query('alter table note drop column tag');
    });

    it('deploy v3 --migrate-back whose release commands fail after the downgrade: undone forward (upgraded with the serving release’s files), v4 serves as before, no failed request', async () => {
      const yml = readFileSync(s.configPath, 'utf8');
      // a release command after the upgrade that fails (a seed step, say): it runs after the downgrade
      writeFileSync(s.configPath, yml.replace('  - "flask db upgrade"\n', '  - "flask db upgrade"\n  - "false"\n'));
      const color = await active();
      try {
        const r = await underLoad(['deploy', 'v3', '--migrate-back'], 'deploy v3 --migrate-back, release fails, undone', true);
        const out = r.stdout + r.stderr;
        expect(r.code, out).toBe(1);
        expect(out).toContain('downgraded c41f0a9e2b7d to 48f7e8d113b3');
        expect(out).toContain('↶ undo alembic-migrate-back-');
        expect(await revision()).toBe('c41f0a9e2b7d');
        expect(await columns()).toEqual(['id', 'text']);
        expect(await active()).toBe(color);
        expect((await s.get('/')).status).toBe(200); // maintenance is off again
        expect((await s.get('/')).body).toMatch(/^v4 notes=\d+$/);
      } finally {
        writeFileSync(s.configPath, yml);
      }
    });

    it('deploy v3 --migrate-back: checked and rehearsed after the build, downgraded in the maintenance window, the older code serves, no failed request', async () => {
      const color = await active();
      const r = await underLoad(['deploy', 'v3', '--migrate-back'], 'deploy v3 --migrate-back', true);
      const out = r.stdout + r.stderr;
      expect(r.code, out).toBe(0);
      expect(out).toContain(pg ? 'rehearsed in a transaction rolled back' : 'rehearsed on a copy of the SQLite database');
      expect(out).toContain('nothing to upgrade once the migrate-back step has downgraded c41f0a9e2b7d');
      expect(out).toContain('downgraded c41f0a9e2b7d to 48f7e8d113b3');
      expect(out).toContain('✓ alembic-rollback-');
      expect(out).toContain('✓ maintenance-on');
      expect(await revision()).toBe('48f7e8d113b3');
      expect(await columns()).toEqual(['id', 'tag', 'text']);
      expect(await active()).not.toBe(color);
      expect((await s.get('/')).body).toMatch(/^v3 notes=\d+$/);
      if (!pg) expect(readdirSync(`${s.dir}/srv/shared`).filter((f) => f.startsWith('.bg-rehearsal'))).toEqual([]);
    });

    it('deploy v3 again (the serving ref, the same head): a plain deploy, no way-back check, no window', async () => {
      const r = await underLoad(['deploy', 'v3'], 'deploy v3 (serving ref)');
      const out = r.stdout + r.stderr;
      expect(r.code, out).toBe(0);
      expect(out).toContain('nothing to upgrade (database at 48f7e8d113b3)');
      expect(out).toContain('✓ alembic-plan-');
      expect(out).not.toContain('alembic-rollback-');
      expect(out).not.toContain('maintenance-on');
      expect(await revision()).toBe('48f7e8d113b3');
      expect((await s.get('/')).body).toMatch(/^v3 notes=\d+$/);
    });

    it('rollback --migrate-back to a release that knows the database revision (the v3 before): no window, not one 503', async () => {
      const color = await active();
      const r = await underLoad(['rollback', '--migrate-back'], 'rollback --migrate-back, nothing to reverse');
      const out = r.stdout + r.stderr;
      expect(r.code, out).toBe(0);
      expect(out).toContain("knows the database's revision (48f7e8d113b3); nothing to migrate back: no maintenance window");
      expect(out).toMatch(/maintenance-on .*not needed: nothing to migrate back/);
      expect(await revision()).toBe('48f7e8d113b3');
      expect(await active()).not.toBe(color);
      expect((await s.get('/')).body).toMatch(/^v3 notes=\d+$/);
    });
  });
}
