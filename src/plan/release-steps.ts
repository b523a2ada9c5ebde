import { COLORS, type Color, type Config } from '../config/types.js';
import type { HostState } from '../host/host-state.js';
import type { MigrationGuard, Step } from './step.js';

/** A new release id from the time (UTC, to the second), with a suffix when that id is taken. */
export function nextReleaseId(now: Date, taken: readonly string[]): string {
  const base = now
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
  if (!taken.includes(base)) return base;
  let n = 2;
  while (taken.includes(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

// A new release for `color`: checked out into its own directory, built, and only then does the
// color point at it. A failure before that leaves the color (and so `rollback`) where it was; the
// release is marked failed.
// guard: what serves while the release commands migrate (src/plan/step.ts)
export function newReleaseSteps(
  cfg: Config,
  host: HostState,
  color: Color,
  id: string,
  ref: string | undefined,
  guard: MigrationGuard,
  memoryHigh?: number,
  around: { checks?: Step[]; beforeRelease?: Step[]; migrateBack?: boolean } = {},
): Step[] {
  const steps: Step[] = [
    {
      name: `checkout-${color}`,
      action: { kind: 'checkout', color, release: id, ref, built: cfg.build.length === 0 },
      undo: { kind: 'mark-release', release: id, status: 'failed' },
    },
  ];
  // before the build: root reads the requirements and runs pip while the release is still root's
  // (the build hands it to the app's user), so the app could not have changed what root reads
  if (cfg.venv) steps.push({ name: `venv-${color}`, action: { kind: 'venv', release: id, ...(memoryHigh && { memoryHigh }) } });
  // after the venv (root reads the release for it, and must not follow a link there into shared/)
  if (cfg.sharedDirs.length + cfg.sharedFiles.length > 0)
    steps.push({
      name: `link-shared-${color}`,
      action: { kind: 'link-shared', release: id, dirs: cfg.sharedDirs, files: cfg.sharedFiles },
    });
  if (cfg.build.length > 0) {
    steps.push({
      name: `build-${color}`,
      action: {
        kind: 'build',
        color,
        release: id,
        commands: cfg.build,
        ...(cfg.scope === 'system' && { user: cfg.user }),
        ...(memoryHigh && { memoryHigh }),
      },
    });
  }
  const user = cfg.scope === 'system' ? { user: cfg.user } : {};
  // checks that only read (a way back's), then the migration plan, then what opens the window
  // (src/plan/migrate-back-steps.ts): all after the build, so the old version serves through it
  steps.push(...(around.checks ?? []));
  if (cfg.django)
    steps.push({ name: `migration-plan-${color}`, action: { kind: 'migration-plan', release: id, guard, ...user, ...(ref && { ref }) } });
  if (cfg.alembic)
    steps.push({
      name: `alembic-plan-${color}`,
      action: { kind: 'alembic-plan', release: id, guard, ...user, ...(ref && { ref }), ...(around.migrateBack && { migrateBack: true }) },
    });
  // the copy before the window opens (maintenance, Celery stopped): the 503 lasts only as long as the schema change
  if (cfg.release.length > 0)
    steps.push({
      name: `backup-db-${color}`,
      action: { kind: 'backup-db', release: id, name: id, before: 'release', ...(onlyMigrates(cfg) && { onlyMigrates: true }), ...user },
    });
  steps.push(...(around.beforeRelease ?? []));
  if (cfg.release.length > 0) {
    steps.push({
      name: `release-${color}`,
      action: {
        kind: 'release-commands',
        color,
        release: id,
        commands: cfg.release,
        ...(!schemaReadable(cfg) && { unread: UNREAD }),
        ...(cfg.scope === 'system' && { user: cfg.user }),
        ...(memoryHigh && { memoryHigh }),
      },
    });
  }
  steps.push(pointStep(host, color, id));
  return steps;
}

// Release commands that only migrate (Django's migrate, Alembic's upgrade): with a plan step that
// finds nothing pending, they change nothing, and the copy before them is skipped. Anything else
// (loaddata, a seed script) may change data, and gets its copy.
const MIGRATE_LINE = /\bmanage\.py\s+migrate\b|\b(?:flask\s+db|alembic\b.*)\s+upgrade\b/;
const onlyMigrates = (cfg: Config): boolean => schemaReadable(cfg) && cfg.release.every((c) => MIGRATE_LINE.test(c) && !/[;&|`$]/.test(c));

// Whether bg can read what the release commands do to the schema (a framework it knows, whose
// pending migrations it checks before they run). The one place a new framework's key goes.
export const schemaReadable = (cfg: Config): boolean => !!cfg.django || !!cfg.alembic;
const UNREAD =
  'bg cannot check what these do to the database (no django: or alembic: block): they run as written, and no undo takes them back';

/** Points `color` at release `id`; the undo points it back at what it held. */
export const pointStep = (host: HostState, color: Color, id: string): Step => ({
  name: `point-${color}`,
  action: { kind: 'point', color, release: id },
  undo: { kind: 'point', color, release: host.colors[color].release },
});

// An install from before releases runs from releases/<color> directly; units now run from the
// color's link, so the link is made (to that same directory) before any unit is rendered anew.
export function adoptSteps(host: HostState): Step[] {
  return COLORS.filter((c) => !host.colors[c].linked && host.colors[c].release).map((c) => ({
    name: `adopt-${c}-release`,
    action: { kind: 'point', color: c, release: host.colors[c].release },
  }));
}
