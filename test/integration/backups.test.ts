import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Postgres } from '../harness/postgres.js';
import { type DjangoScene, makeDjangoScene } from '../support/django-scene.js';
import type { Scene } from '../support/scene.js';

// The copy of the database before each migration, on the stock Django project
// (test/fixtures/django-stock): taken before the release commands, listed by `bluegreen backups`,
// restored the README's way, pruned to keep_backups; a copy that fails stops the deploy.
const PG_BIN = '/usr/lib/postgresql/15/bin';

interface Row {
  file: string;
  size: number;
  kind: string;
  release: string | null;
  before: string | null;
  migrations: string[];
}

for (const db of ['sqlite', 'postgresql'] as const) {
  describe(`database copies before migrations, stock Django on ${db}`, () => {
    const sb = inject('sandbox');
    let s: Scene;
    let pg: Postgres | undefined;
    let d: DjangoScene;
    const ext = db === 'sqlite' ? 'sqlite3' : 'dump';
    const backups = () => `${s.dir}/srv/backups`;
    const dbFile = () => d.dbFile;

    beforeAll(async () => {
      d = await makeDjangoScene(sb, db, { versions: ['v2'], extraYaml: 'keep_backups: 2\n' });
      ({ scene: s, pg } = d);
    });
    afterAll(async () => {
      await d?.close();
    });

    const sql = (q: string) => d.sql(q);
    const columns = () => d.columns();
    const questions = async () => (await sql('select question_text from polls_question order by id')).split('\n').filter(Boolean);
    const listed = async (): Promise<Row[]> => {
      const r = await s.bg(['backups', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const ev = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((e) => e.event === 'backups');
      return ev.backups;
    };
    const lastRelease = () => (s.journal().at(-1) as { release: string }).release;

    it('setup: a copy of the empty database before the first migrations (SQLite: the file the migration plan opened)', async () => {
      const r = await s.bg(['setup']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const rows = await listed();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ file: `${lastRelease()}.${ext}`, kind: db, before: 'release' });
      expect(rows[0].migrations).toEqual(expect.arrayContaining(['polls.0001_initial', 'auth.0011_update_proxy_permissions']));
      expect(statSync(backups()).mode & 0o777).toBe(0o700);
    });

    it('deploy v2: the copy taken before its migration is listed with it, 0600, and restored holds the old schema and rows', async () => {
      await sql("insert into polls_question (question_text, pub_date) values ('kept', '2026-01-01 00:00:00')");
      const r = await s.bg(['deploy', 'v2']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const release = lastRelease();
      const copy = `${backups()}/${release}.${ext}`;
      expect(statSync(copy).mode & 0o777).toBe(0o600);
      const row = (await listed()).at(-1);
      expect(row).toMatchObject({
        file: `${release}.${ext}`,
        kind: db,
        release,
        before: 'release',
        migrations: ['polls.0002_question_note'],
      });
      expect(row?.size).toBe(statSync(copy).size);
      const text = await s.bg(['backups']);
      expect(text.stdout).toContain(`${release}.${ext}`);
      expect(text.stdout).toContain('polls.0002_question_note');

      expect(await columns()).toEqual(['id', 'note', 'pub_date', 'question_text']);
      await sql("insert into polls_question (question_text, pub_date, note) values ('after', '2026-01-02 00:00:00', 'n')");
      // the README's restore: the web units stopped, the copy put back, then started again
      const live = `${s.app}-web-${(s.journal().at(-1) as { to: string }).to}.service`;
      s.systemctl('stop', live);
      if (pg) {
        execFileSync(`${PG_BIN}/pg_restore`, [
          '--clean',
          '--if-exists',
          '-h',
          pg.socketDir,
          '-p',
          String(pg.port),
          '-U',
          'mysite',
          '-d',
          'mysite',
          copy,
        ]);
      } else {
        execFileSync('sh', ['-c', `cat "$1" > "$2" && rm -f "$2-wal" "$2-shm"`, 'sh', copy, dbFile()]);
      }
      expect(await columns()).toEqual(['id', 'pub_date', 'question_text']);
      expect(await questions()).toEqual(['kept']);
      s.systemctl('start', live);
      expect((await s.get('/')).status).toBe(200);
    });

    it('two more deploys: the first takes its copy (it applies the migration again), the second migrates nothing and takes none; only keep_backups (2) stay', async () => {
      const r1 = await s.bg(['deploy', 'v2']);
      expect(r1.code, r1.stdout + r1.stderr).toBe(0);
      const first = lastRelease();
      const kept = (await listed()).map((r) => r.file);
      expect(kept.at(-1)).toBe(`${first}.${ext}`);
      const r2 = await s.bg(['deploy', 'v2']);
      expect(r2.code, r2.stdout + r2.stderr).toBe(0);
      expect(r2.stderr).toContain('no copy: the plan step found nothing to migrate');
      const rows = await listed();
      expect(rows.map((r) => r.file)).toEqual(kept);
      expect(rows).toHaveLength(2);
      expect(rows.map((r) => r.migrations)).toEqual([['polls.0002_question_note'], ['polls.0002_question_note']]);
      expect(readdirSync(backups()).sort()).toEqual(kept.flatMap((f) => [f, f.replace(/\.[^.]+$/, '.json')]).sort());
    });

    // PostgreSQL: a table the app's role may not read, which pg_dump must dump and the app never
    // touches (SQLite's failing copy, a database the app's user cannot read, is in test/system/backups.test.ts)
    if (db === 'postgresql')
      it('a copy that fails stops the deploy before the migration: the old version still serves, no copy is added', async () => {
        const before = await listed();
        const serving = (await s.get('/')).body;
        await pg!.query('mysite', 'create table bg_test_secret (x int); revoke all on bg_test_secret from public');
        // a deploy that changes the schema (here: reverses v2's migration), so that it takes a copy first
        const r = await s.bg(['deploy', 'main', '--migrate-back']);
        await pg!.query('mysite', 'drop table bg_test_secret');
        expect(r.code, r.stdout + r.stderr).toBe(1);
        expect(r.stderr).toMatch(/database copy before the release commands failed: pg_dump exited 1/);
        expect(r.stderr).toMatch(/permission denied for table bg_test_secret/);
        expect(r.stderr).toMatch(/old version still serving/);
        expect(s.journal().at(-1)).toMatchObject({
          command: 'deploy',
          result: 'rolled-back',
          failedStep: expect.stringMatching(/^backup-db-/),
        });
        expect((await s.get('/')).body).toBe(serving);
        expect(await listed()).toEqual(before);
        expect(readdirSync(backups()).filter((n) => n.startsWith('.'))).toEqual([]);
      });
  });
}
