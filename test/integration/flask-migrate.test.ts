import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLoop } from '../support/load-loop.js';
import { startPostLoop } from '../support/post-loop.js';
import { makeScene, type Scene } from '../support/scene.js';

// A Flask + Flask-SQLAlchemy + Flask-Migrate app (test/fixtures/flask-migrate, Debian's packages)
// whose release command is `flask db upgrade`: set up on an empty SQLite database in the app's data
// dir, then a revision adding a nullable column deployed under reads and inserts. bg reads nothing
// of Alembic yet: this is the path such an app takes today.
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
