import { judge } from '../alembic/judge.js';
import { heads, type Revision, unknownApplied } from '../alembic/revisions.js';
import { sqliteDatabase } from '../alembic/sqlite-url.js';
import type { Config } from '../config/types.js';
import { BgError, BuildError, EXIT } from '../errors.js';
import type { Host } from '../execute/host.js';
import { alembicLine, onSqliteCopyRehearsalLine, REHEARSE_REFUSED_MARK, REHEARSED_MARK, rehearseLine } from '../render/argv/alembic.js';
import { inRelease, projectOf, pythonOf, readSchema } from './alembic.js';

// A way back (a rollback, a deploy --migrate-back of an older ref) puts older code back on the
// schema a newer release upgraded. When the database is at a revision the older release's files do
// not have, the revisions it does not know stay applied if the older code can live with them (they
// only add what it ignores); anything else is refused unless the way back migrates back:
// `<command> downgrade <the older release's head>`, run with the newer release's files (only they
// know how), rehearsed first so a downgrade that cannot work is refused before anything changes.

const STATE = 'Refused before anything changed: the newer release still serves.';

interface Back {
  unknown: Revision[]; // applied, unknown to the older release, newest first
  target: string; // where downgrade goes: the older release's head, or base
  current: string[];
}

async function readBack(host: Host, cfg: Config, newer: string, older: string, user?: string): Promise<Back> {
  const s = await readSchema(host, cfg, newer, [newer, older], user);
  const [mine, theirs] = [s.revisions[newer]!, s.revisions[older]!];
  const lost = s.current.filter((c) => !mine.some((r) => r.revision === c) && !theirs.some((r) => r.revision === c));
  if (lost.length)
    throw new BgError(`The database is at revision ${lost.join(', ')}, which neither releases/${newer} nor releases/${older} has.`, {
      code: 'alembic-unknown-revision',
      exitCode: EXIT.usage,
      state: STATE,
      next: `Find the release that applied ${lost.join(', ')}; bg cannot tell what the older code can live with.`,
    });
  const tops = heads(theirs);
  if (tops.length > 1)
    throw new BgError(`releases/${older} has more than one Alembic head (${tops.join(', ')}): bg cannot tell which one to go back to.`, {
      code: 'alembic-heads',
      exitCode: EXIT.usage,
      state: STATE,
      next: `Downgrade by hand in releases/${newer} (${cfg.alembic!.command.join(' ')} downgrade <revision>), then roll back.`,
    });
  return { unknown: unknownApplied(mine, theirs, s.current), target: tops[0] ?? 'base', current: s.current };
}

/** Before a way back starts anything (a deploy's: after its build): what stays applied, what is refused, and (with --migrate-back) a rehearsed downgrade. */
export async function checkAlembicRollback(
  host: Host,
  cfg: Config,
  newer: string,
  older: string,
  migrateBack: boolean,
  user?: string,
  allowDestructive = false,
): Promise<{ detail: string; reversal: boolean }> {
  const b = await readBack(host, cfg, newer, older, user);
  const names = b.unknown.map((r) => r.revision).join(', ');
  if (b.unknown.length === 0)
    return {
      detail: `releases/${older} knows the database's revision (${b.current.join(', ') || 'none'})`,
      reversal: false,
    };
  if (migrateBack) {
    const how = await rehearse(host, cfg, newer, b, user);
    return {
      detail: `${names} will be downgraded to ${b.target} with releases/${newer}'s files before ${older} starts (rehearsed ${how}); data in dropped columns does not come back`,
      reversal: true,
    };
  }
  const j = judge(b.unknown);
  const breaks = [...j.refused, ...j.unchecked];
  if (breaks.length && allowDestructive)
    return {
      detail: `${names} stay applied as told (--allow-destructive), though bg cannot tell that releases/${older} runs on them: ${breaks.join('; ')}`,
      reversal: false,
    };
  if (breaks.length)
    throw new BgError(`releases/${older} would run on a schema it cannot use: ${names} applied, unknown to it: ${breaks.join('; ')}.`, {
      code: 'rollback-schema',
      exitCode: EXIT.usage,
      state: STATE,
      next:
        `Run the rollback with --migrate-back: bg downgrades to ${b.target} with releases/${newer}'s revision files (rehearsed first), then starts the older code. ` +
        `Or, when releases/${older} no longer uses what they drop or change (it is the code step before them), \`bluegreen rollback --to ${older} --allow-destructive\` keeps them applied: bg reads the revision files, not the older code, so it cannot tell.`,
    });
  return { detail: `${names} stay applied (they only add what releases/${older} ignores)`, reversal: false };
}

// The downgrade tried where it changes nothing: on a SQLite database named in the env file, on a
// copy made by SQLite's backup API (as the app's user, beside the database file); on PostgreSQL, for
// real inside a transaction that is rolled back instead of committed (its DDL is transactional).
// The script refuses before its first statement anything else (src/render/argv/alembic.ts).
async function rehearse(host: Host, cfg: Config, newer: string, b: Back, user?: string): Promise<string> {
  const command = cfg.alembic!.command;
  const python = pythonOf(host, cfg, projectOf(cfg, newer));
  const db = sqliteDatabase((await host.files.read(cfg.envFile)) ?? '', projectOf(cfg, newer));
  const args = `downgrade ${b.target}`;
  const line = db ? onSqliteCopyRehearsalLine(python, db, command, args) : rehearseLine(python, command, args);
  let how = db ? 'on a copy of the SQLite database' : 'in a transaction rolled back';
  const r = await inRelease(host, cfg, newer, line, user);
  const refused = new RegExp(`${REHEARSE_REFUSED_MARK}(.*)`).exec(r.output);
  if (refused) throw cannotRehearse(cfg, b, refused[1]!.split('\t'));
  if (!db && r.exitCode === 0 && !r.output.includes(`${REHEARSED_MARK}`)) how = 'but its rollback was not confirmed';
  if (r.exitCode !== 0)
    throw new BgError(`The downgrade to ${b.target} fails: rehearsed ${how}, it exited ${r.exitCode ?? r.signal ?? 'unknown'}.`, {
      code: 'migrate-back-rehearsal',
      exitCode: EXIT.usage,
      state: STATE,
      detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
      next: `Fix the downgrade() of ${b.unknown.map((x) => x.revision).join(', ')} and deploy it, or deploy a fix forward instead.`,
    });
  return how;
}

/** The rehearsal script's refusal (`<kind>\t<field>…`), before it ran anything on a database. */
function cannotRehearse(cfg: Config, b: Back, [kind, ...words]: string[]): BgError {
  const nameIt = `Put the database's URL in ${cfg.envFile} (e.g. DATABASE_URL=sqlite:////srv/app/shared/app.db, absolute; a relative sqlite:///app.db is looked for in the release and its instance/) and have the app and its Alembic env read it from there, then run the way back again; or deploy a fix forward instead.`;
  const why: Record<string, string> = {
    dialect: `the database is ${words[0]}, which does not undo schema changes with a rolled-back transaction, and ${cfg.envFile} names no SQLite file (KEY=sqlite:///…) to rehearse on a copy of`,
    'not-copy': `the downgrade opened ${words[1] || 'a database'} (${words[0]}), not the copy bg made and named in the env file's variable: the app reads its database from somewhere else`,
    'two-files': `two SQLite files could be the database, ${words[0]} and ${words[1]} (Flask-SQLAlchemy 3 resolves a relative path in instance/), and bg cannot tell which one the app uses`,
    'no-file': `no SQLite file at ${words[0]}, where ${cfg.envFile} says the database is`,
  };
  return new BgError(
    `bg cannot rehearse the downgrade to ${b.target}: ${why[kind ?? ''] ?? `the rehearsal refused (${[kind, ...words].join(', ')})`}. Nothing was run on the database.`,
    {
      code: 'migrate-back-rehearsal',
      exitCode: EXIT.usage,
      state: STATE,
      next: nameIt,
    },
  );
}

/** Before the older code starts: `<command> downgrade <older head>` with the newer release's files. */
export async function alembicMigrateBack(host: Host, cfg: Config, newer: string, older: string, user?: string): Promise<string> {
  const b = await readBack(host, cfg, newer, older, user);
  if (b.unknown.length === 0) return 'nothing to migrate back';
  const command = cfg.alembic!.command;
  const r = await inRelease(host, cfg, newer, alembicLine(command, `downgrade ${b.target}`), user);
  if (r.exitCode !== 0)
    throw new BuildError(`${command.join(' ')} downgrade ${b.target} failed (exit ${r.exitCode ?? r.signal ?? 'unknown'}).`, {
      code: 'migrate-back',
      detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
      next: `releases/${newer} still serves. Check the database's revision (${command.join(' ')} current in releases/${newer}) and finish the downgrade by hand before going back.`,
    });
  return `downgraded ${b.unknown.map((x) => x.revision).join(', ')} to ${b.target}; data in dropped columns does not come back`;
}

/** The undo of a downgrade: `<command> upgrade head` with the serving release's files, so it serves as before. */
export async function alembicForward(host: Host, cfg: Config, release: string, user?: string): Promise<string> {
  const command = cfg.alembic!.command;
  const r = await inRelease(host, cfg, release, alembicLine(command, 'upgrade head'), user);
  if (r.exitCode !== 0)
    throw new BuildError(`${command.join(' ')} upgrade head failed in releases/${release} (exit ${r.exitCode ?? r.signal ?? 'unknown'}).`, {
      code: 'migrate-forward',
      detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
      next: `Run it by hand in releases/${release}: ${command.join(' ')} upgrade head; then check bluegreen status.`,
    });
  return `upgraded to releases/${release}'s head again`;
}
