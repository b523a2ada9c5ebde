import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupStore } from '../../src/adapters/backup-files.js';
import { backupRows } from '../../src/cli/commands/backups.js';
import { BACKUP_MAGIC, backupLine } from '../../src/render/argv/backup.js';
import { backupInfo, pruneBackups } from '../../src/steps/backup.js';
import { FakeHost } from '../support/fake-host.js';
import { sampleConfig } from '../support/sample-config.js';

// The copy script run for real on Debian's Python (the DATABASE_URL path; Django's is in
// test/integration/backups.test.ts), the line it reports, the store's checks, and the prune.
const run = (cwd: string, url: string) =>
  spawnSync('sh', ['-c', backupLine('/usr/bin/python3', { django: false })], { cwd, env: { PATH: '/usr/bin:/bin', DATABASE_URL: url } });

describe('the database copy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bg-backup-'));
  execFileSync(
    '/usr/bin/python3',
    [
      '-c',
      'import sqlite3; c = sqlite3.connect("app.db"); c.execute("create table t (x)"); c.execute("insert into t values (7)"); c.commit()',
    ],
    { cwd: dir },
  );

  it('SQLite from DATABASE_URL (relative to the project dir): a real SQLite file on stdout, what it copied on stderr, whatever else goes to stderr', () => {
    const r = run(dir, 'sqlite:///app.db');
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(r.stdout.subarray(0, 16).toString('latin1')).toBe(BACKUP_MAGIC.sqlite);
    writeFileSync(join(dir, 'copy.db'), r.stdout);
    expect(
      execFileSync(
        '/usr/bin/python3',
        ['-c', 'import sqlite3; print(sqlite3.connect("copy.db").execute("select x from t").fetchone()[0])'],
        { cwd: dir, encoding: 'utf8' },
      ),
    ).toBe('7\n');
    expect(backupInfo(r.stderr.toString())).toEqual({ kind: 'sqlite', database: join(dir, 'app.db'), migrations: [] });
  });

  it('no file yet, no DATABASE_URL, another engine: "none", nothing on stdout, no file created', () => {
    for (const url of ['sqlite:///missing.db', '', 'mysql://u@h/db']) {
      const r = run(dir, url);
      expect(r.status).toBe(0);
      expect(r.stdout.length).toBe(0);
      expect(backupInfo(r.stderr.toString())?.kind, url).toBe('none');
    }
    expect(() => readFileSync(join(dir, 'missing.db'))).toThrow();
  });

  it('a path it cannot open as a database: exit 3, "error", nothing on stdout', () => {
    mkdirSync(join(dir, 'adir'));
    symlinkSync(join(dir, 'adir'), join(dir, 'link.db'));
    const r = run(dir, 'sqlite:///link.db');
    expect(r.status).toBe(3);
    expect(r.stdout.length).toBe(0);
    expect(backupInfo(r.stderr.toString())).toMatchObject({
      kind: 'error',
      error: expect.stringMatching(/^SQLite link\.db: (unable to open database file|disk I\/O error)$/),
    });
  });

  it('reads only its own last line, of a known kind, with string migrations', () => {
    expect(backupInfo('noise\nbg-backup: {"kind":"none"}\nbg-backup: {"kind":"sqlite","migrations":["a.0001",3]}\n')).toEqual({
      kind: 'sqlite',
      migrations: ['a.0001'],
    });
    expect(backupInfo('bg-backup: {"kind":"shell"}')).toBeUndefined();
    expect(backupInfo('bg-backup: not json')).toBeUndefined();
    expect(backupInfo('')).toBeUndefined();
  });
});

describe('the backups directory', () => {
  it("makes it 0700, creates copies 0600 (a stale temp file removed first), seals only what begins like a copy, and refuses a link in the directory's place", async () => {
    const root = mkdtempSync(join(tmpdir(), 'bg-store-'));
    const dir = join(root, 'backups');
    await backupStore.createTemp(`${dir}/.a.tmp`);
    expect(execFileSync('stat', ['-c', '%a', dir, `${dir}/.a.tmp`], { encoding: 'utf8' })).toBe('700\n600\n');
    // a temp file left by a run cut off goes with the next copy
    await backupStore.createTemp(`${dir}/.b.tmp`);
    expect(readdirSync(dir)).toEqual(['.b.tmp']);
    await backupStore.remove(`${dir}/.b.tmp`);
    await backupStore.createTemp(`${dir}/.a.tmp`);
    writeFileSync(`${dir}/.a.tmp`, 'not a copy');
    expect(await backupStore.seal(`${dir}/.a.tmp`, `${dir}/a.sqlite3`, BACKUP_MAGIC.sqlite)).toMatchObject({
      ok: false,
      head: 'not a copy',
    });
    writeFileSync(`${dir}/.a.tmp`, 'PGDMP...');
    expect(await backupStore.seal(`${dir}/.a.tmp`, `${dir}/a.dump`, BACKUP_MAGIC.postgresql)).toMatchObject({ ok: true, size: 8 });
    expect((await backupStore.list(dir)).map((f) => [f.name, f.size, f.mode])).toEqual([['a.dump', 8, 0o600]]);
    const other = join(root, 'elsewhere');
    mkdirSync(other);
    symlinkSync(other, join(root, 'linked'));
    await expect(backupStore.createTemp(`${join(root, 'linked')}/.b.tmp`)).rejects.toThrow(/is a symbolic link/);
    await expect(backupStore.list(join(root, 'linked'))).rejects.toThrow(/not bg's backups directory/);
  });

  it('prunes the oldest beyond keep_backups with their notes, and a listing shows the note', async () => {
    const cfg = sampleConfig({ keepBackups: 2 });
    const host = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile });
    for (const n of ['1', '2', '3']) host.backupFiles.set(`/srv/shop/backups/2026120${n}-000000.sqlite3`, 10);
    expect(await pruneBackups(host, cfg)).toBe('removed 20261201-000000.sqlite3');
    expect([...host.backupFiles.keys()]).toEqual([
      '/srv/shop/backups/20261202-000000.sqlite3',
      '/srv/shop/backups/20261203-000000.sqlite3',
    ]);
    const rows = backupRows([
      {
        name: 'x.dump',
        size: 5,
        mtimeMs: 0,
        mode: 0o600,
        note: '{"release":"x","before":"release","migrations":["polls.0002"],"kind":"postgresql"}',
      },
    ]);
    expect(rows).toEqual([
      {
        file: 'x.dump',
        size: 5,
        taken: '1970-01-01T00:00:00.000Z',
        kind: 'postgresql',
        release: 'x',
        before: 'release',
        migrations: ['polls.0002'],
      },
    ]);
  });
});
