import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { type App, makeProjectApp } from './app-host.js';

// Root's shell with umask 027 (as many hardened hosts have it) on real-shaped projects: the
// repository, bg.yml and the env file are made under it, and bg runs under it. What bg creates
// (the release, the venv, shared/, backups/, the static files Caddy serves) must not depend on it.
const UMASK = 'umask 027;';

describe('system scope under umask 027: a stock Django project and a Flask-Migrate app, there and back', () => {
  let c: Container;
  beforeAll(async () => {
    c = await startContainer();
  });
  afterAll(async () => c?.stop());

  const modes = (paths: string) => c.ok(`stat -c "%n %U %a" ${paths}`);
  const shellWord = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  /** The first column of the first row `sql` gives from the SQLite database `db`, read with Debian's Python. */
  const sqliteValue = async (db: string, sql: string) =>
    (
      await c.ok(
        `/usr/bin/python3 -c ${shellWord('import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])')} ${db} ${shellWord(sql)}`,
      )
    ).trim();
  /** `rollback --migrate-back` under load: exit 0, no failed request, the maintenance window seen. */
  async function migrateBackUnderLoad(app: App, label: string) {
    const loop = app.loop('/', 3, { maintenanceOk: true });
    const back = await app.bg('rollback --migrate-back', UMASK);
    const counts = await loop.stop();
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(counts.failed, counts.failures.join('\n')).toBe(0);
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.maintenance).toBeGreaterThan(0);
    console.log(
      `[umask 027 ${label}] rollback --migrate-back: ${counts.sent} requests, ${counts.maintenance} maintenance 503s, ${counts.failed} failed`,
    );
  }
  /** How many SQLite copies `<root>/backups` holds. */
  const sqliteCopies = async (root: string) => Number(await c.ok(`ls ${root}/backups | grep -c "\\.sqlite3$" || true`));

  it('stock Django (every contrib app, collectstatic, SQLite in shared_files): setup, a deploy with a migration, then rollback --migrate-back, under load, no failed request', async () => {
    const app: App = await makeProjectApp(c, 'stock', 'django-stock', {
      versions: ['v2'],
      ports: { blue: 8011, green: 8012, site: 8090 },
      shell: UMASK,
      yaml: `app: stock
repo: /srv/git/stock
root: /srv/stock
shared_files: [db.sqlite3]
build:
  - /usr/bin/python3 manage.py collectstatic --noinput
release:
  - /usr/bin/python3 manage.py migrate --noinput
django:
  manage: manage.py
web:
  wsgi: mysite.wsgi:application
  ports: { blue: 8011, green: 8012 }
  health: { path: /health/, retries: 50 }
caddy:
  site: ":8090"
  static: { path: /static/, dir: staticfiles }`,
    });
    // SQLITE_PATH relative to the release: its db.sqlite3 is the link into shared/
    await c.ok(`${UMASK} printf 'DJANGO_SECRET_KEY=not-secret-in-tests\\nSQLITE_PATH=db.sqlite3\\n' > /etc/bg/stock.env`);

    const setup = await app.bg('setup', UMASK);
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    expect(await app.get()).toBe('v1 questions=0');
    // a contrib app's static file, collected into the release and served by Caddy
    expect(await c.ok('curl -sS -o /dev/null -w "%{http_code}" http://127.0.0.1:8090/static/admin/css/base.css')).toBe('200');

    const loop = app.loop('/', 3);
    const deploy = await app.bg('deploy v2', UMASK);
    const counts = await loop.stop();
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(counts.failed, counts.failures.join('\n')).toBe(0);
    expect(counts.ok).toBeGreaterThan(0);
    console.log(`[umask 027 django] deploy v2: ${counts.sent} requests, ${counts.failed} failed`);
    expect(await app.get()).toBe('v2 questions=0');
    const stockDb = '/srv/stock/shared/db.sqlite3';
    const pollsApplied = () => sqliteValue(stockDb, "select count(*) from django_migrations where app='polls'");
    expect(await pollsApplied()).toBe('2');
    // one copy before setup's migrate, one before the deploy's
    expect(await sqliteCopies('/srv/stock')).toBe(2);
    expect(await modes('/srv/stock /srv/stock/releases /srv/stock/shared /srv/stock/shared/db.sqlite3 /srv/stock/backups')).toBe(
      '/srv/stock root 755\n/srv/stock/releases root 755\n/srv/stock/shared stock 750\n/srv/stock/shared/db.sqlite3 stock 640\n/srv/stock/backups root 700\n',
    );

    // the way back: rehearsed on a copy of the database, then reversed inside the maintenance window
    await migrateBackUnderLoad(app, 'django');
    expect(await app.get()).toBe('v1 questions=0');
    expect(await pollsApplied()).toBe('1');
    expect(await sqliteValue(stockDb, "select count(*) from pragma_table_info('polls_question') where name='note'")).toBe('0');
    expect(await sqliteCopies('/srv/stock')).toBe(3);
    expect(await modes('/srv/stock/shared/db.sqlite3 /srv/stock/backups')).toBe(
      '/srv/stock/shared/db.sqlite3 stock 640\n/srv/stock/backups root 700\n',
    );
  });

  it('Flask-Migrate (a venv of Debian packages, a relative SQLite URL in instance/ as a shared dir, `flask db upgrade`): setup, a deploy with an upgrade, then rollback --migrate-back, under load, no failed request', async () => {
    const app: App = await makeProjectApp(c, 'notes', 'flask-migrate', {
      versions: ['v2'],
      ports: { blue: 8021, green: 8022, site: 8091 },
      shell: UMASK,
      yaml: `app: notes
repo: /srv/git/notes
root: /srv/notes
shared_dirs: [instance]
venv: { requirements: [], system_site_packages: true }
release:
  - .venv/bin/python -m flask db upgrade
alembic: { command: flask db }
web:
  wsgi: app:app
  ports: { blue: 8021, green: 8022 }
  health: { path: /health/, retries: 50 }
caddy:
  site: ":8091"`,
    });
    await c.ok(`${UMASK} printf 'FLASK_APP=app\\nDATABASE_URL=sqlite:///app.sqlite3\\n' > /etc/bg/notes.env`);

    const setup = await app.bg('setup', UMASK);
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    expect(await app.get()).toBe('v1 notes=0');

    const loop = app.loop('/', 3);
    const deploy = await app.bg('deploy v2', UMASK);
    const counts = await loop.stop();
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(counts.failed, counts.failures.join('\n')).toBe(0);
    expect(counts.ok).toBeGreaterThan(0);
    console.log(`[umask 027 flask-migrate] deploy v2: ${counts.sent} requests, ${counts.failed} failed`);
    expect(await app.get()).toBe('v2 notes=0');
    const version = () => sqliteValue('/srv/notes/shared/instance/app.sqlite3', 'select version_num from alembic_version');
    expect(await version()).toBe('48f7e8d113b3');
    // the relative URL is found where Flask-SQLAlchemy 3 puts it (instance/): copied before the
    // deploy's upgrade, and again before the migrate-back
    const copiesAfterDeploy = await sqliteCopies('/srv/notes');
    expect(copiesAfterDeploy).toBeGreaterThan(0);
    // the database is made by SQLite in the app's upgrade, under its unit's umask; shared/ (0750) keeps others out
    expect(
      await modes(
        '/srv/notes /srv/notes/venvs /srv/notes/venvs/* /srv/notes/shared /srv/notes/shared/instance/app.sqlite3 /srv/notes/backups',
      ),
    ).toMatch(
      /^\/srv\/notes root 755\n\/srv\/notes\/venvs root 755\n\/srv\/notes\/venvs\/\w+ root 755\n\/srv\/notes\/shared notes 750\n\/srv\/notes\/shared\/instance\/app.sqlite3 notes 644\n\/srv\/notes\/backups root 700\n$/,
    );
    // the units run the venv's Python
    expect(await c.ok('systemctl show -p ExecStart --value notes-web-green.service')).toContain('/srv/notes/green/.venv/bin/python');

    // v1 can live with the added column, so a plain rollback would keep it; --migrate-back downgrades
    await migrateBackUnderLoad(app, 'flask-migrate');
    expect(await app.get()).toBe('v1 notes=0');
    expect(await version()).toBe('97d29cc10ceb');
    expect(await sqliteCopies('/srv/notes')).toBe(copiesAfterDeploy + 1);
    expect(await modes('/srv/notes/shared/instance/app.sqlite3 /srv/notes/backups')).toBe(
      '/srv/notes/shared/instance/app.sqlite3 notes 644\n/srv/notes/backups root 700\n',
    );
  });
});
