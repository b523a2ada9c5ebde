import { execFileSync } from 'node:child_process';
import { type Postgres, startPostgres } from '../harness/postgres.js';
import type { Sandbox } from '../harness/sandbox.js';
import { makeScene, type Scene } from './scene.js';

export type DjangoDb = 'sqlite' | 'postgresql';

// The stock `startproject` project (test/fixtures/django-stock and its versions) as bg deploys it:
// collectstatic in the build, `migrate` as the release command, `django: { manage }` set; its
// database SQLite in the app's shared dir, or a PostgreSQL cluster started for this scene. The
// readers see the database as it is, not as bg says it is.
export interface DjangoScene {
  scene: Scene;
  pg?: Postgres;
  dbFile: string; // SQLite: the database file
  /** One statement (committed); the rows, one a line, columns split by |. */
  sql(query: string): Promise<string>;
  /** The rows of `query`, sorted. */
  rows(query: string): Promise<string[]>;
  /** The columns of polls_question, sorted. */
  columns(): Promise<string[]>;
  /** The polls migrations django_migrations records, sorted. */
  applied(): Promise<string[]>;
  close(): Promise<void>;
}

const SQLITE =
  'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute(sys.argv[2]).fetchall(); c.commit(); print("\\n".join("|".join(str(v) for v in x) for x in r))';

export async function makeDjangoScene(sb: Sandbox, db: DjangoDb, opts: { versions: string[]; extraYaml?: string }): Promise<DjangoScene> {
  let pg: Postgres | undefined;
  if (db === 'postgresql') {
    pg = await startPostgres(sb);
    await pg.createDatabase('mysite');
  }
  const scene = await makeScene(sb, {
    project: { name: 'django-stock', versions: opts.versions, wsgi: 'mysite.wsgi:application' },
    build: ['/usr/bin/python3 manage.py collectstatic --noinput'],
    release: ['/usr/bin/python3 manage.py migrate --noinput'],
    extraYaml: `django:\n  manage: manage.py\n${opts.extraYaml ?? ''}`,
    env: ({ shared }) =>
      pg
        ? ['DATABASE_ENGINE=postgresql', `PGHOST=${pg.socketDir}`, `PGPORT=${pg.port}`, 'PGDATABASE=mysite', 'PGUSER=mysite']
        : [`SQLITE_PATH=${shared}/db.sqlite3`],
  }).catch(async (e) => {
    await pg?.stop();
    throw e;
  });
  const dbFile = `${scene.dir}/srv/shared/db.sqlite3`;
  const sql = async (query: string) =>
    pg ? pg.query('mysite', query) : execFileSync('/usr/bin/python3', ['-c', SQLITE, dbFile, query], { encoding: 'utf8' }).trim();
  const rows = async (query: string) => (await sql(query)).split('\n').filter(Boolean).sort();
  return {
    scene,
    pg,
    dbFile,
    sql,
    rows,
    columns: () =>
      rows(
        pg
          ? "select column_name from information_schema.columns where table_name = 'polls_question'"
          : "select name from pragma_table_info('polls_question')",
      ),
    applied: () => rows("select name from django_migrations where app = 'polls'"),
    async close() {
      await scene.close();
      await pg?.stop();
    },
  };
}
