import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Postgres, startPostgres } from '../harness/postgres.js';

// The harness the PostgreSQL tests stand on: a private cluster of this run, not the system's.
describe('PostgreSQL harness', () => {
  const sb = inject('sandbox');
  let pg: Postgres;
  beforeAll(async () => {
    pg = await startPostgres(sb);
  });
  afterAll(async () => pg?.stop());

  it('runs its own cluster as the postgres user, with its data dir and socket in the sandbox and its own port', async () => {
    expect(pg.dataDir.startsWith(sb.tmpRoot)).toBe(true);
    expect(existsSync(`${pg.socketDir}/.s.PGSQL.${pg.port}`)).toBe(true);
    const uid = readFileSync(`/proc/${pg.pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1];
    expect(Number(uid)).not.toBe(0);
    expect(await pg.query('postgres', 'show data_directory')).toBe(pg.dataDir);
    expect(await pg.query('postgres', 'show port')).toBe(String(pg.port));
  });

  it('makes a database its own role owns, and the role can create tables in it', async () => {
    await pg.createDatabase('harness_check');
    expect(await pg.query('harness_check', 'set role harness_check; create table t (id int); select current_user')).toBe('harness_check');
  });

  it('stops by its PID: the process is gone', async () => {
    const pid = pg.pid;
    await pg.stop();
    expect(readFileSync(`/proc/${pid}/stat`, 'utf8').includes('(postgres)') && !/ Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))).toBe(
      false,
    );
  });
});
