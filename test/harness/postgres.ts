// A private PostgreSQL cluster for one test file, made with Debian's own binaries (initdb, pg_ctl):
// its data dir, unix socket and log under the run's sandbox, its own free port, run as the
// `postgres` system user (the server refuses root). Stopped by the postmaster's PID, never through
// the system's service. If it cannot start, the caller's hook throws: the tests fail, none skips.
// A cluster left behind by a killed run stops by itself once teardown removes its data dir
// (the postmaster rechecks its lock file every minute).
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { freePort, type Sandbox } from './sandbox.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const SERVER_USER = 'postgres';

export interface Postgres {
  socketDir: string; // PGHOST for a unix-socket connection
  port: number;
  pid: number; // the postmaster
  dataDir: string;
  /** A new database owned by a new login role of the same name (trust auth: no password). */
  createDatabase(name: string): Promise<void>;
  /** psql -At as the superuser on `db`: rows, one a line, columns split by |. */
  query(db: string, sql: string): Promise<string>;
  stop(): Promise<void>;
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`No ${name} user: install Debian's postgresql (scripts/install-deps.sh) to run the PostgreSQL tests.`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(sb: Sandbox): Promise<Postgres> {
  const ids = await userIds(SERVER_USER);
  // the server's user must reach its dirs inside the sandbox: the sandbox root becomes traversable (not listable)
  await chmod(sb.tmpRoot, 0o711);
  const root = await mkdtemp(`${sb.tmpRoot}/pg-`);
  const dataDir = `${root}/data`;
  const socketDir = `${root}/socket`;
  const log = `${root}/server.log`;
  for (const d of [dataDir, socketDir]) await mkdir(d, { mode: 0o700 });
  for (const p of [root, dataDir, socketDir]) await chown(p, ids.uid, ids.gid);
  await chmod(root, 0o711);
  await chmod(socketDir, 0o755);
  const asServer = { uid: ids.uid, gid: ids.gid, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: root }, cwd: root };

  const port = await freePort();
  try {
    await run(`${BIN}/initdb`, ['-D', dataDir, '-U', SERVER_USER, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'], {
      ...asServer,
      timeout: 60_000,
    });
    const opts = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await run(`${BIN}/pg_ctl`, ['start', '-w', '-t', '60', '-D', dataDir, '-l', log, '-o', opts], { ...asServer, timeout: 90_000 });
  } catch (e) {
    const serverLog = await readFile(log, 'utf8').catch(() => '(no server log)');
    throw new Error(`PostgreSQL did not start in ${root}: ${(e as Error).message}\n${serverLog}`);
  }
  const pid = Number((await readFile(`${dataDir}/postmaster.pid`, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`PostgreSQL in ${dataDir}: no postmaster PID in postmaster.pid`);

  const psql = (db: string, sql: string) =>
    run(
      `${BIN}/psql`,
      ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(port), '-U', SERVER_USER, '-d', db, '-c', sql],
      { timeout: 30_000 },
    ).then((r) => r.stdout.trim());

  return {
    socketDir,
    port,
    pid,
    dataDir,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      await psql('postgres', `CREATE ROLE ${name} LOGIN`);
      await psql('postgres', `CREATE DATABASE ${name} OWNER ${name}`);
    },
    query: psql,
    async stop() {
      await stopByPid(pid, dataDir);
    },
  };
}

// SIGINT is PostgreSQL's fast shutdown (ends sessions, checkpoints, removes postmaster.pid); the
// postmaster is not our child, so the wait is for its PID file and for the process to be gone
// or a zombie nobody reaped yet.
async function stopByPid(pid: number, dataDir: string): Promise<void> {
  if (!(await alive(pid, dataDir))) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (!(await alive(pid, dataDir))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, 'SIGKILL');
  throw new Error(`PostgreSQL (PID ${pid}, ${dataDir}) did not stop within 30 s of SIGINT: killed`);
}

async function alive(pid: number, dataDir: string): Promise<boolean> {
  const state = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // "<pid> (postgres) <state> ...": gone, a zombie, or a PID reused by something else
  if (!state.includes('(postgres)') || / Z /.test(state.slice(state.lastIndexOf(')')))) return false;
  // the PID still names a postmaster of this cluster only while its PID file exists
  return stat(`${dataDir}/postmaster.pid`).then(
    () => true,
    () => false,
  );
}
