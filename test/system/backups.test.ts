import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { jsonEvent } from '../support/json-events.js';
import { type App, makeApp } from './app-host.js';

// The database copies in system scope, as root on a real systemd: the app's SQLite database (its
// DATABASE_URL in the env file) lives in shared/, which the app's user owns; the copy is made as that
// user, and root only writes what it streamed into its own 0700 directory.
describe('database copies in system scope', () => {
  let c: Container;
  let app: App;
  const db = '/srv/kept/shared/db.sqlite3';
  const asApp = (cmd: string) => c.ok(`runuser -u kept -- sh -c ${JSON.stringify(cmd)}`);

  beforeAll(async () => {
    c = await startContainer();
    app = await makeApp(c, 'kept', { blue: 8041, green: 8042, site: 8140 }, 'release:\n  - "true"\n');
  });
  afterAll(async () => c?.stop());

  it("a deploy copies the app's SQLite database into a root-owned 0700 directory, as a 0600 file", async () => {
    expect((await app.bg('setup')).code).toBe(0);
    await c.ok(`echo 'DATABASE_URL=sqlite:///${db}' >> /etc/bg/kept.env`);
    await asApp(
      `/usr/bin/python3 -c "import sqlite3; c = sqlite3.connect('${db}'); c.execute('create table t (x)'); c.execute('insert into t values (42)'); c.commit()"`,
    );
    const r = await app.bg('deploy v2');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await app.get()).toBe('v2');
    const rows = jsonEvent((await app.bg('backups --json')).stdout, 'backups').backups;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'sqlite', before: 'release', migrations: [] });
    const copy = `/srv/kept/backups/${rows[0].file}`;
    expect(await c.ok(`stat -c '%U:%G %a' /srv/kept/backups ${copy}`)).toBe('root:root 700\nroot:root 600\n');
    expect(
      await c.ok(
        `/usr/bin/python3 -c "import sqlite3; print(sqlite3.connect('file:${copy}?mode=ro', uri=True).execute('select x from t').fetchone()[0])"`,
      ),
    ).toBe('42\n');
  });

  it('a database the app turned into a link to /etc/shadow is not copied: the copy, as the app user, cannot read it, and the deploy stops with v2 serving', async () => {
    const before = await c.ok('ls -A /srv/kept/backups');
    await asApp(`rm ${db} && ln -s /etc/shadow ${db}`);
    const r = await app.bg('deploy v3');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/database copy before the release commands failed: SQLite .*unable to open database file/);
    expect(r.stderr).toMatch(/old version still serving/);
    expect(await app.get()).toBe('v2');
    expect(await c.ok('ls -A /srv/kept/backups')).toBe(before);
    // nothing of /etc/shadow anywhere under backups/
    const shadowHead = (await c.ok('head -c 12 /etc/shadow')).trim();
    expect((await c.sh(`grep -rlF '${shadowHead}' /srv/kept/backups`)).stdout).toBe('');
  });
});
