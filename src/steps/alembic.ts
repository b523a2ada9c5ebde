import { judge } from '../alembic/judge.js';
import { parseCurrent, parseRevisions, pending, type Revision } from '../alembic/revisions.js';
import { inAppDir, releasePath } from '../config/names.js';
import type { Config } from '../config/types.js';
import { BgError, BuildError, EXIT } from '../errors.js';
import type { Host, ShellResult } from '../execute/host.js';
import type { MigrationGuard } from '../plan/step.js';
import { alembicIni, alembicLine, REVISIONS_MARK, revisionsLine } from '../render/argv/alembic.js';
import { runBuildStep } from './build.js';

// An Alembic app (`alembic.command`): before `release` upgrades the database, what the pending
// revisions' upgrade() do, read from the new release's files; refused when the code serving
// meanwhile cannot live with it. The revision files are the app's: they are read (never run) by a
// Python as the app's user, and root parses what it prints.

let runs = 0;

export const projectOf = (cfg: Config, release: string) => inAppDir(cfg, releasePath(cfg, release));

/** The release's .venv Python, else venv.python, else Debian's (as `manage` in django.ts). */
export function pythonOf(host: Host, cfg: Config, project: string): string {
  return host.files.exists(`${project}/.venv/bin/python`) ? `${project}/.venv/bin/python` : (cfg.venv?.python ?? '/usr/bin/python3');
}

/** `line` (`sh -c`) in a release's project dir as a transient unit, as the app's user when given; the release's .venv/bin first on PATH. */
export async function inRelease(host: Host, cfg: Config, release: string, line: string, user?: string): Promise<ShellResult> {
  const project = projectOf(cfg, release);
  if (user) await host.ensureSystemUser(user, cfg.root, cfg.app);
  return runBuildStep(host, cfg, {
    phase: 'alembic',
    release,
    n: ++runs,
    command: line,
    cwd: project,
    envFile: cfg.envFile,
    env: { PATH: `${project}/.venv/bin:/usr/local/bin:/usr/bin:/bin`, ...(user && { HOME: project }) },
    ...(user && { user }),
  });
}

const tail = (r: ShellResult) => r.output.trimEnd().split('\n').slice(-20).join('\n');

export interface SchemaRead {
  current: string[]; // the database's revisions (none: empty)
  revisions: Record<string, Revision[]>; // per release id
}

/** `<command> current` in `release`, and the revision files of `releases` (read in one transient unit). */
// `current` exits 1 when the database's revision is not in these files ("Can't locate revision
// identified by '<id>'"): that id is the answer, not a failure.
const CURRENT_EXIT = 'BG-ALEMBIC-CURRENT-EXIT ';
const UNKNOWN_CURRENT = /Can't locate revision identified by '([0-9A-Za-z_]+)'/;

/** `<command> current` in `release`, and the revision files of `releases` (read in one transient unit). */
export async function readSchema(host: Host, cfg: Config, release: string, releases: string[], user?: string): Promise<SchemaRead> {
  const command = cfg.alembic!.command;
  const project = projectOf(cfg, release);
  const projects = releases.map((id) => projectOf(cfg, id));
  const r = await inRelease(
    host,
    cfg,
    release,
    `${alembicLine(command, 'current')}; echo "${CURRENT_EXIT}$?" && ${revisionsLine(pythonOf(host, cfg, project), alembicIni(command), projects)}`,
    user,
  );
  const exitAt = r.output.indexOf(CURRENT_EXIT);
  const currentOutput = exitAt < 0 ? r.output : r.output.slice(0, exitAt);
  const currentExit = exitAt < 0 ? undefined : Number.parseInt(r.output.slice(exitAt + CURRENT_EXIT.length), 10);
  const unknown = UNKNOWN_CURRENT.exec(currentOutput)?.[1];
  if (r.exitCode !== 0 || (currentExit !== 0 && !unknown)) {
    const what = currentExit === 0 ? 'reading the revision files' : `${command.join(' ')} current`;
    throw new BuildError(`${what} failed in releases/${release} (exit ${r.exitCode ?? r.signal ?? 'unknown'}).`, {
      code: 'alembic-read',
      detail: tail(r),
      next: `Fix what it says (the app's settings, the env file ${cfg.envFile}, alembic.command), then run the command again.`,
    });
  }
  let byDir: Record<string, Revision[]>;
  try {
    byDir = parseRevisions(r.output, REVISIONS_MARK);
  } catch (e) {
    throw new BuildError(`Could not read the revision files of releases/${release}: ${(e as Error).message}.`, {
      code: 'alembic-read',
      detail: tail(r),
    });
  }
  const revisions: Record<string, Revision[]> = {};
  for (const [i, id] of releases.entries()) revisions[id] = byDir[projects[i]!] ?? [];
  return { current: unknown ? [unknown] : parseCurrent(currentOutput), revisions };
}

export interface AlembicPlan {
  current: string[];
  pending: string[];
  unchecked: string[];
  downgradedFirst?: string[]; // deploy --migrate-back: the revisions its downgrade takes back before `release`
}

const STATE_SERVING = 'Refused before anything changed what serves: the old version is still serving and the database is untouched.';

// Before the new release upgrades (release commands): the revisions it applies, refused when the
// code serving meanwhile cannot live with them, unless the operator allowed it. Nothing is refused
// when nothing serves yet (a first setup). A database revision the release does not have (a newer
// release applied it) is refused, unless this deploy migrates back: its alembic-migrate-back step
// (checked and rehearsed before this one) downgrades to the release's head first, so nothing is
// left to upgrade.
export async function checkAlembicPlan(
  host: Host,
  cfg: Config,
  release: string,
  guard: MigrationGuard,
  user?: string,
  way: { ref?: string; migrateBack?: boolean } = {},
): Promise<AlembicPlan> {
  const s = await readSchema(host, cfg, release, [release], user);
  const revs = s.revisions[release]!;
  const missing = s.current.filter((c) => !revs.some((r) => r.revision === c));
  if (missing.length > 0 && way.migrateBack && guard.serving === 'live')
    return { current: s.current, pending: [], unchecked: [], downgradedFirst: missing };
  if (missing.length > 0) {
    const ref = way.ref ?? '<ref>';
    throw new BgError(
      `The database is at revision ${missing.join(', ')}, which releases/${release} does not have: a newer release applied it.`,
      {
        code: 'alembic-unknown-revision',
        exitCode: EXIT.usage,
        state: guard.serving === 'nothing' ? 'Refused before anything changed: the database is untouched.' : STATE_SERVING,
        next:
          guard.serving === 'live'
            ? `Go back with a downgrade: \`bluegreen deploy ${ref} --migrate-back\`, or \`bluegreen rollback --to <id> --migrate-back\` for a kept release (bluegreen releases). ` +
              `Either checks and rehearses \`${cfg.alembic!.command.join(' ')} downgrade\` with the serving release's files, then runs it in the maintenance window before the older code starts. ` +
              `Or deploy a ref whose revision files include ${missing.join(', ')}.`
            : `Check out a ref whose revision files include ${missing.join(', ')}, or downgrade the database by hand with the release that has them.`,
      },
    );
  }
  const todo = pending(revs, s.current);
  const j = judge(todo);
  const result = { current: s.current, pending: todo.map((r) => r.revision), unchecked: j.unchecked };
  if (j.refused.length === 0 || guard.serving === 'nothing' || (guard.serving === 'live' && guard.allowDestructive)) return result;
  const who = guard.serving === 'legacy' ? guard.unit : 'the version still serving';
  throw new BgError(`The pending Alembic revisions would break ${who}: ${j.refused.join('; ')}.`, {
    code: 'destructive-migration',
    exitCode: EXIT.usage,
    state:
      guard.serving === 'legacy'
        ? `Refused before anything changed what serves: ${guard.unit} still serves and the database is untouched.`
        : STATE_SERVING,
    next: [
      ...wayOn(j.refused),
      guard.serving === 'legacy'
        ? `Or stop ${guard.unit} first: with nothing serving, setup applies them without this check (the site is down until setup's switch).`
        : `bg reads the revision files, not what the serving code maps: if the serving release no longer uses what they change (you deployed the code step), \`bluegreen deploy ${way.ref ?? '<ref>'} --allow-destructive\` is the way on. ` +
          `If it still does, \`bluegreen deploy ${way.ref ?? '<ref>'} --allow-destructive --maintenance\` goes ahead behind a 503 from right before the release commands until the switch (the old Celery worker and beat stop first).`,
    ].join(' '),
  });
}

function wayOn(refused: string[]): string[] {
  const has = (re: RegExp) => refused.some((r) => re.test(r));
  const out: string[] = [];
  if (has(/drop_|rename_|renamed/))
    out.push(
      'Split it: deploy code that no longer uses the column or table first (the code step), then the revision that drops or renames it.',
    );
  if (has(/NOT NULL/))
    out.push('Add the column nullable or with a server_default first; make it NOT NULL in a later deploy, once every writer fills it.');
  if (has(/type changed/)) out.push('Change a type in steps: a new column, code that writes both, then the contract.');
  return out;
}
