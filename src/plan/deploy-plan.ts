import { presentUnits, unitNames, unitStem } from '../config/names.js';
import { type Color, type Config, otherColor } from '../config/types.js';
import { UsageError } from '../errors.js';
import { mib } from '../format/size.js';
import { migrateWarning } from '../host/diagnose.js';
import { type HostState, isRunning } from '../host/host-state.js';
import { buildMemoryHigh, memoryFit } from '../host/memory-fit.js';
import { refuseNames } from '../host/names-check.js';
import { preflight } from '../host/preflight.js';
import { bootRepairSteps, bootSteps } from './boot-steps.js';
import { brokerCheck, celerySteps } from './celery-steps.js';
import { type Window, windowClose, windowOpen } from './migrate-back-steps.js';
import { adoptSteps, newReleaseSteps, nextReleaseId, pointStep } from './release-steps.js';
import type { Action, Observes, Plan, Step } from './step.js';

export interface DeployRequest {
  ref?: string; // deploy: what to check out into a new release
  rollback?: boolean; // rollback: the idle color's release (or `toRelease`) back in service
  toRelease?: string; // rollback --to <id>
  now?: Date; // names the new release
  allowDestructive?: boolean; // apply migrations the serving version cannot live with; the old Celery stops before them
  maintenance?: boolean; // deploy --maintenance: 503 from right before `release` until right after the switch
  migrateBack?: boolean; // a way back (rollback, deploy of an older ref): reverse the applied migrations the target does not know
  restart?: boolean; // the live release again, into the idle color (picks up an edited env file)
  noMemoryCheck?: boolean; // go ahead even when a second web color would not fit in memory
}

// The order of a deploy (README, "What a deploy does"): a new release built and the idle color
// pointed at it, start the idle web, health-gate it, stop the old Celery, switch, start the new
// Celery, drain and stop the old web. Every step that changes what runs carries its undo; what
// starts at boot moves with what serves (src/plan/boot-steps.ts).
// Celery's stop comes after the health gate and its start right after the switch: the old worker
// consumes until the new code is proven, no task the new code enqueues reaches the old worker,
// and no worker consumes only for the old stop plus the new boot.
/** deploy, rollback and restart: the releases on disk (a new id, `--to`), and memory (a second web color must fit). */
export const DEPLOY_OBSERVES: Observes = { releases: true, memory: true };

export function planDeploy(cfg: Config, host: HostState, req: DeployRequest): Plan {
  const command = req.restart ? 'restart' : req.rollback ? 'rollback' : 'deploy';
  refuseNames(cfg, host, command);
  if (!host.active) preflight(cfg, host, command); // says why: not set up
  const from = host.active!;
  const to: Color = otherColor(from);
  const target = req.restart
    ? liveRelease(host, from)
    : req.rollback
      ? rollbackTarget(cfg, host, from, to, req.toRelease)
      : nextReleaseId(
          req.now ?? new Date(),
          (host.releases ?? []).map((r) => r.id),
        );
  preflight(cfg, host, command, to, req.noMemoryCheck ? ['memory-short'] : []);
  const oldU = unitNames(cfg, from);
  const newU = unitNames(cfg, to);
  const steps: Step[] = [];
  // Left running by hand or by an interrupted run: the idle color must boot the new code, and its
  // Celery must never run beside the active one's.
  // A web left running may still finish requests Caddy sent it before a switch: drained first.
  for (const unit of presentUnits(cfg, to).filter((u) => isRunning(host.units[u]))) {
    const drainPort = unit === newU.web ? cfg.web.ports[to] : undefined;
    steps.push({ name: `stop-stale-${unitStem(unit)}`, action: { kind: 'stop', unit, ...(drainPort && { drainPort }) } });
  }
  // Still going down from the previous deploy (bg does not wait for a drained Gunicorn's exit):
  // let that stop finish, so the start below runs once instead of being retried by systemd.
  for (const unit of presentUnits(cfg, to).filter((u) => host.units[u]?.activeState === 'deactivating')) {
    steps.push({ name: `finish-stop-${unitStem(unit)}`, action: { kind: 'stop', unit } });
  }
  steps.push(...bootRepairSteps(cfg, host, from, to));
  steps.push(...adoptSteps(host));
  const { checks, window } = wayBack(cfg, host, req, from, to, target, command);
  const opened = windowOpen(cfg, host, from, window);
  if (command === 'deploy')
    steps.push(
      ...newReleaseSteps(
        cfg,
        host,
        to,
        target,
        req.ref,
        { serving: 'live', allowDestructive: !!req.allowDestructive, release: host.colors[from].release },
        buildMemoryHigh(cfg, host),
        { checks, beforeRelease: opened, migrateBack: !!window.reverse },
      ),
    );
  else {
    if (host.colors[to].release !== target) steps.push(pointStep(host, to, target));
    steps.push(...checks);
  }

  steps.push({ name: `install-${to}-units`, action: { kind: 'install', colors: [to], caddyfile: false }, undo: { kind: 'restore-files' } });
  if (command !== 'deploy') steps.push(...opened);
  if (!window.stopCelery) steps.push(...brokerCheck(cfg));
  const newPort = cfg.web.ports[to];
  const boot = bootSteps(cfg, from, to);
  const closing = windowClose(host, window);
  steps.push(
    // the undo drains first: when it runs after the switch, Caddy's previous config may still be
    // sending requests to the new color
    { name: `start-web-${to}`, action: { kind: 'start', unit: newU.web }, undo: { kind: 'stop', unit: newU.web, drainPort: newPort } },
    { name: `health-gate-${to}`, action: { kind: 'health-gate', color: to, unit: newU.web } },
    ...(window.stopCelery ? [] : celerySteps(cfg, from).stop),
    ...boot.beforeSwitch,
    {
      name: `switch-to-${to}`,
      action: { kind: 'switch', to, release: target, ...(closing.length > 0 && { windowCloses: true }) },
      undo: { kind: 'switch-back' },
    },
    ...closing,
    ...celerySteps(cfg, to).start,
    ...boot.afterCeleryStart,
    {
      name: `drain-${from}`,
      action: { kind: 'drain', ports: [cfg.web.ports[from]], ...(cfg.caddy.switch === 'port' && { forgetSockets: to }) },
    },
    // Drained, so no request depends on the old Gunicorn any more. Its own exit after SIGQUIT takes
    // a moment (its arbiter and workers each sleep briefly): systemd sees it through, bg does not wait.
    { name: `stop-web-${from}`, action: { kind: 'stop', unit: oldU.web, wait: false }, undo: { kind: 'start', unit: oldU.web } },
    ...boot.afterStop,
  );
  if (steps.some((s) => s.action.kind === 'backup-db')) steps.push({ name: 'prune-backups', action: { kind: 'prune-backups' } });
  const notes = req.restart
    ? [`Restarting releases/${target} (live on ${from}) in ${to}: it reads the env file anew.`]
    : req.rollback
      ? [
          `Rolling back to releases/${target} on ${to}${host.colors[to].release === target && host.colors[to].commit ? ` (${host.colors[to].commit?.slice(0, 12)})` : ''}.`,
        ]
      : [`New release: releases/${target}.`];
  const fit = memoryFit(cfg, host);
  if (fit)
    notes.push(
      `Memory: ${to} needs about ${mib(fit.need.bytes)}, ${mib(fit.headroom.bytes)} is free (${fit.headroom.by})${fit.fits ? '' : ': does not fit, going ahead as told (--no-memory-check)'}.`,
    );
  notes.push(...windowNotes(host, window, opened));
  if (host.tcpMigrateReq === false) notes.push(migrateWarning);
  const before = host.colors[to].release;
  const previous = req.restart && before && before !== target && host.releases?.some((r) => r.id === before) ? before : undefined;
  return { command, from, to, release: target, steps, notes, ...(previous && { previous }) };
}

// The copy before a --migrate-back, named after the release going back in service and the time.
const migrateBackCopy = (newer: string, older: string, now: Date, user: { user?: string }): Action => ({
  kind: 'backup-db',
  release: newer,
  name: `${older}-back-${nextReleaseId(now, [])}`,
  before: 'migrate-back',
  ...user,
});

// Every way back is checked (a rollback, a deploy of whatever ref): what the database applied that
// the target does not know. --migrate-back reverses it in the window; --allow-destructive and
// --maintenance open the window without a reversal.
function wayBack(
  cfg: Config,
  host: HostState,
  req: DeployRequest,
  from: Color,
  to: Color,
  target: string,
  command: Plan['command'],
): { checks: Step[]; window: Window } {
  const serving = host.colors[from].release;
  const user = cfg.scope === 'system' ? { user: cfg.user } : {};
  const way = command === 'rollback' || command === 'deploy' ? command : undefined;
  // Alembic: a rollback is always checked; a deploy only with --migrate-back: without it, the built
  // release's alembic-plan step refuses a database revision its files do not have (Alembic has no
  // models to compare, so an older ref's code cannot be judged against the newer schema)
  const framework = cfg.django ? 'django' : cfg.alembic ? 'alembic' : undefined;
  const checked = !!(
    way &&
    framework &&
    serving &&
    serving !== target &&
    (framework === 'django' || way === 'rollback' || req.migrateBack)
  );
  if (req.migrateBack && !checked && way)
    throw new UsageError(
      `--migrate-back has nothing to reverse: ${framework ? `${from} holds no release bg knows` : 'no django: or alembic: in bg.yml'}.`,
      {
        code: 'migrate-back-unused',
        state: `${from} is serving; nothing was changed.`,
        next: `Run the ${way} without --migrate-back.`,
      },
    );
  const migrateBack = !!(checked && req.migrateBack);
  const checks: Step[] = [];
  if (req.rollback && req.migrateBack && req.allowDestructive)
    throw new UsageError('rollback takes --migrate-back or --allow-destructive, not both.', {
      code: 'way-back-flags',
      state: `${from} is serving; nothing was changed.`,
      next: 'Use --migrate-back to reverse what the older release does not know, or --allow-destructive to keep it applied (the older release no longer uses it).',
    });
  // a rollback's --allow-destructive: what the older release may not run on stays applied, as told
  const keep = req.rollback && req.allowDestructive ? ({ allowDestructive: true } as const) : {};
  if (checked && way && serving)
    checks.push(
      framework === 'alembic'
        ? {
            name: `alembic-rollback-${to}`,
            action: { kind: 'alembic-rollback', newer: serving, older: target, migrateBack, ...keep, ...user },
          }
        : { name: `back-check-${to}`, action: { kind: 'back-check', serving, older: target, command: way, migrateBack, ...keep, ...user } },
    );
  const reverse: Window['reverse'] =
    migrateBack && way && serving
      ? framework === 'alembic'
        ? {
            name: `alembic-migrate-back-${to}`,
            action: { kind: 'alembic-migrate-back', newer: serving, older: target, ...user },
            undo: { kind: 'alembic-upgrade', release: serving, ...user },
          }
        : {
            name: `migrate-back-${to}`,
            action: { kind: 'migrate-back', serving, older: target, command: way, ...user },
            undo: { kind: 'migrate-forward', release: serving, ...user },
          }
      : undefined;
  const window: Window = {
    maintenance: migrateBack || !!req.maintenance,
    // a rollback changes no schema: its --allow-destructive stops nothing early
    stopCelery: migrateBack || (!!req.allowDestructive && !req.rollback),
    ...(reverse && {
      reverse,
      onlyForReversal: !req.maintenance,
      // a deploy copies the database before its release commands anyway, which is before the window
      ...((way === 'rollback' || cfg.release.length === 0) && {
        backup: { name: `backup-db-${to}`, action: migrateBackCopy(serving!, target, req.now ?? new Date(), user) },
      }),
    }),
  };
  return { checks, window };
}

function windowNotes(host: HostState, w: Window, opened: Step[]): string[] {
  const notes: string[] = [];
  if (w.maintenance)
    notes.push(
      host.maintenance
        ? 'Maintenance is already on: it stays on (bluegreen maintenance off when you are done).'
        : `Caddy answers 503 (Retry-After) from maintenance-on until maintenance-off, right after the switch${
            w.reverse && w.onlyForReversal ? ', if the check finds migrations to migrate back (otherwise no 503 at all)' : ''
          }.`,
    );
  if (w.reverse)
    notes.push(
      `From ${w.reverse.name} on, the way out is forward: a failure after it applies the serving release's migrations again, and it serves as before. Data in dropped columns does not come back.`,
    );
  if (w.stopCelery && opened.some((s) => s.name.startsWith('stop-worker-') || s.name.startsWith('stop-beat-')))
    notes.push('The old Celery worker and beat stop before the schema changes; the new ones start after the switch.');
  return notes;
}

// What a restart runs again: the release the live color holds.
function liveRelease(host: HostState, from: Color): string {
  const id = host.colors[from].release;
  if (!id)
    throw new UsageError(`${from} is live but holds no release bg knows.`, {
      code: 'no-live-release',
      next: 'Run `bluegreen setup`, then restart again.',
    });
  return id;
}

// What a rollback brings back: the idle color's release, or a named kept one.
function rollbackTarget(cfg: Config, host: HostState, from: Color, to: Color, wanted: string | undefined): string {
  const serving = `${from} is serving; nothing was changed.`;
  if (wanted === undefined) {
    const id = host.colors[to].release;
    if (!id || !host.colors[to].commit) {
      throw new UsageError(`Nothing to roll back to: ${to} holds no release.`, {
        code: 'nothing-to-roll-back',
        state: serving,
        next: 'Deploy a ref instead (bluegreen deploy <ref>).',
      });
    }
    // a deploy cut off between pointing the idle color and its switch leaves a release that never served
    const record = host.releases?.find((x) => x.id === id);
    if (record && record.status !== 'adopted' && !record.servedAt) {
      throw new UsageError(`${to} holds releases/${id}, which never served (a deploy was cut off before its switch).`, {
        code: 'never-served',
        state: serving,
        next: 'Name a release that served: bluegreen releases, then bluegreen rollback --to <id>.',
      });
    }
    return id;
  }
  const r = host.releases?.find((x) => x.id === wanted);
  const kept = (host.releases ?? []).filter((x) => x.status === 'built' || x.status === 'adopted').map((x) => x.id);
  const list = `kept releases: ${kept.join(', ') || 'none'} (bluegreen releases)`;
  if (!r)
    throw new UsageError(`No release ${wanted} in ${cfg.root}/releases.`, {
      code: 'no-such-release',
      state: serving,
      next: `Pick one of the ${list}.`,
    });
  if (r.status !== 'built' && r.status !== 'adopted') {
    throw new UsageError(`Release ${wanted} never passed its build (${r.status}).`, {
      code: 'release-not-built',
      state: serving,
      next: `Pick one of the ${list}.`,
    });
  }
  if (host.colors[from].release === wanted)
    throw new UsageError(`Release ${wanted} is already live on ${from}.`, { code: 'release-is-live', state: serving });
  return wanted;
}
