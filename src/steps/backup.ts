// A copy of the app's database before anything migrates it (the release commands, a --migrate-back).
// The copy is made by the app's user (a transient unit like manage.py's): root never opens the
// database, which lives where that user can write. The unit's stdout goes to a 0600 file root
// created in its own 0700 backups directory; the file is renamed into place only once it begins
// like a copy should.
import { backupsDir, buildLogPath, inAppDir, releasePath } from '../config/names.js';
import type { Config } from '../config/types.js';
import { BgError, BuildError } from '../errors.js';
import type { BackupFile, Host } from '../execute/host.js';
import { backupsBeyond } from '../host/backups-kept.js';
import { BACKUP_EXT, BACKUP_INFO, BACKUP_MAGIC, backupLine } from '../render/argv/backup.js';

export interface BackupInfo {
  kind: 'sqlite' | 'postgresql' | 'none' | 'error';
  database?: string;
  migrations?: string[];
  reason?: string;
  error?: string;
}

/** What the sidecar `<name>.json` says of a copy. */
export interface BackupNote {
  release: string;
  before: 'release' | 'migrate-back';
  taken: string; // ISO time
  kind: 'sqlite' | 'postgresql';
  database: string;
  migrations: string[];
}

export interface BackupRequest {
  release: string; // the release whose code (its settings, its python) finds the database
  name: string; // the copy's file name without extension
  before: BackupNote['before'];
  user?: string;
}

let runs = 0;

/** The last `bg-backup:` line of the unit's stderr, when it is one the script wrote. */
export function backupInfo(output: string): BackupInfo | undefined {
  const line = output
    .split('\n')
    .filter((l) => l.startsWith(BACKUP_INFO))
    .at(-1);
  if (!line) return undefined;
  try {
    const v = JSON.parse(line.slice(BACKUP_INFO.length)) as BackupInfo;
    if (!['sqlite', 'postgresql', 'none', 'error'].includes(v.kind)) return undefined;
    const migrations = Array.isArray(v.migrations) ? v.migrations.filter((m) => typeof m === 'string') : [];
    return { ...v, migrations };
  } catch {
    return undefined;
  }
}

const STATE = 'Stopped before any migration: the old version is still serving and the database is untouched.';

export async function takeBackup(
  host: Host,
  cfg: Config,
  b: BackupRequest,
  signal?: AbortSignal,
  planned?: readonly string[], // the plan step's list: the copy script reads Django's plan only
): Promise<string> {
  const project = inAppDir(cfg, releasePath(cfg, b.release));
  if (b.user) await host.ensureSystemUser(b.user, cfg.root, cfg.app);
  const python = host.files.exists(`${project}/.venv/bin/python`)
    ? `${project}/.venv/bin/python`
    : (cfg.venv?.python ?? '/usr/bin/python3');
  const dir = backupsDir(cfg);
  const tmp = `${dir}/.${b.name}.bg-${process.pid}.tmp`;
  await host.files.makeDirs([cfg.stateDir]);
  await host.backups.createTemp(tmp);
  const n = ++runs;
  const logFile = `${buildLogPath(cfg, b.release, 'backup')}.${n}`;
  const r = await host.runTransient({
    unit: `${cfg.app}-backup-${b.release}-${n}.service`,
    command: backupLine(python, cfg.django ? { django: true, plan: b.before === 'release' } : { django: false }, cfg.django?.manage),
    cwd: project,
    envFile: cfg.envFile,
    env: b.user ? { HOME: project } : {},
    ...(b.user && { user: b.user }),
    cpuWeight: 20,
    logFile,
    stdoutFile: tmp,
    signal,
  });
  await host.files.remove(logFile).catch(() => undefined);
  const info = backupInfo(r.output);
  const failed = r.exitCode !== 0 || !info || info.kind === 'error';
  if (failed || info.kind === 'none') await host.backups.remove(tmp).catch(() => undefined);
  if (failed) {
    const why = info?.error ?? `the copy ended with ${r.exitCode !== undefined ? `exit ${r.exitCode}` : (r.signal ?? 'no result')}`;
    throw new BuildError(`The database copy before ${b.before === 'release' ? 'the release commands' : '--migrate-back'} failed: ${why}.`, {
      code: 'backup-failed',
      state: STATE,
      detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
      next: `Fix what it says (as the app's user ${cfg.user}, the copy must read the database; pg_dump must be installed for PostgreSQL), then run the command again.`,
    });
  }
  if (info.kind === 'none') return `no database to copy: ${info.reason ?? 'none found'}`;
  const kind = info.kind as 'sqlite' | 'postgresql';
  const file = `${b.name}.${BACKUP_EXT[kind]}`;
  const sealed = await host.backups.seal(tmp, `${dir}/${file}`, BACKUP_MAGIC[kind]);
  if (!sealed.ok) {
    await host.backups.remove(tmp).catch(() => undefined);
    throw new BuildError(`The database copy before ${b.before} is not a ${kind} copy: it begins ${JSON.stringify(sealed.head)}.`, {
      code: 'backup-failed',
      state: STATE,
      next: 'Something the settings import prints to stdout: make it print to stderr, then run the command again.',
    });
  }
  const note: BackupNote = {
    release: b.release,
    before: b.before,
    taken: new Date().toISOString(),
    kind,
    database: info.database ?? '',
    migrations: info.migrations?.length ? info.migrations : [...(planned ?? [])],
  };
  await host.backups.writeNote(`${dir}/${b.name}.json`, `${JSON.stringify(note)}\n`);
  return `backups/${file} (${sealed.size} bytes, ${kind}${note.migrations.length ? `, before ${note.migrations.length} migration(s)` : ''})`;
}

/**
 * Removes copies beyond keep_backups, oldest first, with their notes (or `planned`, the copies a
 * cleanup's plan named); never fails a deploy.
 */
export async function pruneBackups(host: Host, cfg: Config, planned?: string[]): Promise<string> {
  const dir = backupsDir(cfg);
  try {
    const files = await host.backups.list(dir);
    const old = planned ? files.filter((f) => planned.includes(f.name)) : backupsBeyond(files, cfg.keepBackups);
    for (const f of old) {
      await host.backups.remove(`${dir}/${f.name}`);
      await host.backups.remove(`${dir}/${baseName(f)}.json`);
    }
    return old.length ? `removed ${old.map((f) => f.name).join(', ')}` : `${files.length} kept (keep_backups: ${cfg.keepBackups})`;
  } catch (e) {
    return `not pruned: ${e instanceof BgError || e instanceof Error ? e.message : String(e)}`;
  }
}

export const baseName = (f: Pick<BackupFile, 'name'>) => f.name.replace(/\.[^.]+$/, '');
