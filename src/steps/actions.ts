import type { UnitState } from '../adapters/systemd.js';
import { currentLink, releasePath, releasesDir, unitNames } from '../config/names.js';
import { activeSocket, colorSocket } from '../config/socket-paths.js';
import { COLORS, type Config } from '../config/types.js';
import { isBgError, SystemdError } from '../errors.js';
import type { ActionContext, Receipt, Replaced } from '../execute/context.js';
import type { Host } from '../execute/host.js';
import { type ExitStatus, exitStatus, exitStatusLine } from '../host/exit-status.js';
import { diffOf, pendingChanges } from '../host/pending-files.js';
import type { Action } from '../plan/step.js';
import { colorOfPort, renderUpstream } from '../render/upstream.js';
import { checkAlembicPlan } from './alembic.js';
import { alembicForward, alembicMigrateBack, checkAlembicRollback } from './alembic-rollback.js';
import { pruneBackups, takeBackup } from './backup.js';
import { brokerLost, checkBroker } from './broker.js';
import { runBuild } from './build.js';
import { checkMigrationPlan } from './django.js';
import { checkBack, migrateBack, migrateForward } from './django-rollback.js';
import { missingEnvWarning } from './env-check.js';
import { gateFailure } from './gate-failure.js';
import { installFiles, restoreFiles } from './install.js';
import { setMaintenance } from './maintenance.js';
import { readOnlyPath } from './read-only-advice.js';
import { checkoutRelease, markRelease, pointColor, removeReleases } from './releases.js';
import { purgeRoot, removeUnitFiles, unrouteSite } from './remove.js';
import { linkSharedPaths } from './shared-paths.js';
import { forgetSockets } from './socket-switch.js';
import { checkStaticDir } from './static-dir.js';
import { switchBack, switchTo } from './switch.js';
import { checkVenvLink, ensureVenv } from './venv.js';

// Carries out one Action through the Host (what a step may keep for its undo: ../execute/context.ts).
/** What a step reports: a short detail for progress, and the commit a checkout produced. */
export interface Outcome {
  detail?: string;
  commit?: string;
  migrations?: string[]; // what a migration plan says this deploy applies
  unchecked?: string[]; // its migrations bg cannot check (RunPython, RunSQL)
  reversal?: boolean; // a way-back check: whether the --migrate-back steps after it have anything to reverse
}

// A way-back check that finds nothing to reverse: with --migrate-back, the executor then skips the
// window's steps (onlyIf: 'reversal'), and the check's detail says so.
const wayBackChecked = (o: { detail: string; reversal: boolean }, migrateBack: boolean): Outcome =>
  migrateBack && !o.reversal ? { ...o, detail: `${o.detail}; nothing to migrate back: no maintenance window` } : o;

export async function perform(action: Action, ctx: ActionContext): Promise<Outcome> {
  const { cfg, host } = ctx;
  switch (action.kind) {
    case 'sysctl':
      await host.setSysctl(action.name, action.value, action.dropIn);
      return {};
    case 'ensure-user': {
      const ids = await host.ensureSystemUser(action.user, action.home, cfg.app);
      return { detail: ids.created ? `created (uid ${ids.uid})` : `exists (uid ${ids.uid})` };
    }
    case 'ensure-dirs': {
      const envDir = dirOf(action.envFile);
      const newEnvDir = !!action.owner && !host.files.exists(envDir);
      await host.files.makeDirs([...action.dirs, envDir]);
      // system scope: the env file's directory is root's (e.g. /etc/bg), whatever root's umask
      if (newEnvDir) await host.setOwner(envDir, 0, 0, 0o755);
      // Secrets live here, never in unit files; created empty so units can start. systemd reads it
      // as root; the app's group may read it too (for commands run as the app).
      const created = await host.files.createIfMissing(action.envFile, 0o600);
      if (action.owner) {
        for (const fixed of await repairModes(host, [cfg.root, releasesDir(cfg)])) ctx.note(fixed);
        const ids = await host.ensureSystemUser(action.owner, action.shared ?? '/', cfg.app);
        if (action.shared) await host.setOwner(action.shared, ids.uid, ids.gid, 0o750);
        if (created) await host.setOwner(action.envFile, 0, ids.gid, 0o640);
      }
      return {};
    }
    case 'install': {
      const changes = await pendingChanges(cfg, host.files, action.colors, action.caddyfile);
      const replaced: Replaced[] = [];
      ctx.keep({ kind: 'files', replaced });
      await installFiles(host, cfg, changes, replaced);
      for (const c of changes) ctx.note(c.before === undefined ? `new ${c.path}` : `changed:\n${diffOf(c).trimEnd()}`);
      return { detail: changes.length ? `${changes.length} file(s) written` : 'unchanged' };
    }
    case 'checkout': {
      const r = await checkoutRelease(host, cfg, action.release, action.ref, action.built);
      // before the build: an env file that lacks what the settings read is the likeliest cause of what fails next
      const warning = await missingEnvWarning(host, cfg, action.release);
      if (warning) ctx.note(warning);
      return { detail: `${r.commit.slice(0, 12)} in releases/${action.release}`, commit: r.commit };
    }
    case 'build':
      await runBuild(host, cfg, { ...action, phase: 'build', signal: ctx.signal });
      if (action.user && cfg.venv) await checkVenvLink(host, cfg, action.release);
      await checkStaticDir(host, cfg, action.release);
      await markRelease(host, cfg, action.release, 'built');
      return {};
    case 'release-commands':
      if (action.unread) ctx.note(`release: ${action.unread}.`);
      await runBuild(host, cfg, { ...action, phase: 'release', signal: ctx.signal });
      if (action.user && cfg.venv) await checkVenvLink(host, cfg, action.release);
      return {};
    case 'migration-plan': {
      const { plan, verdict } = await checkMigrationPlan(host, cfg, action.release, action.guard, action.user, action.ref);
      const names = plan.plan.map((m) => m.name);
      for (const m of verdict.unchecked) ctx.note(`bg cannot check this: ${m} (RunPython or RunSQL)`);
      const unguarded = action.guard.serving === 'nothing' && names.length ? ' (nothing serves yet: none refused)' : '';
      return {
        detail: names.length ? `${names.length} to apply${unguarded}: ${names.join(', ')}` : 'nothing to migrate',
        migrations: names,
        ...(verdict.unchecked.length && { unchecked: verdict.unchecked }),
      };
    }
    case 'back-check':
      return wayBackChecked(await checkBack(host, cfg, action), action.migrateBack);
    case 'alembic-plan': {
      const p = await checkAlembicPlan(host, cfg, action.release, action.guard, action.user, action);
      const unguarded = action.guard.serving === 'nothing' && p.pending.length ? ' (nothing serves yet: none refused)' : '';
      const applied = p.downgradedFirst
        ? `nothing to upgrade once the migrate-back step has downgraded ${p.downgradedFirst.join(', ')} to releases/${action.release}'s head`
        : p.pending.length
          ? `${p.pending.length} to apply${unguarded}: ${p.pending.join(', ')}`
          : 'nothing to upgrade';
      return {
        detail: [`${applied} (database at ${p.current.join(', ') || 'no revision'})`, ...p.unchecked].join('; '),
        migrations: p.pending,
      };
    }
    case 'alembic-rollback':
      return wayBackChecked(
        await checkAlembicRollback(host, cfg, action.newer, action.older, action.migrateBack, action.user, !!action.allowDestructive),
        action.migrateBack,
      );
    case 'alembic-migrate-back':
      return { detail: await alembicMigrateBack(host, cfg, action.newer, action.older, action.user) };
    case 'alembic-upgrade':
      return { detail: await alembicForward(host, cfg, action.release, action.user) };
    case 'migrate-back':
      return { detail: await migrateBack(host, cfg, { ...action, migrateBack: true }) };
    case 'migrate-forward':
      return { detail: await migrateForward(host, cfg, action.release, action.user) };
    case 'backup-db':
      // a copy of a schema nothing will change would only push an older, useful one out of keep_backups
      if (action.onlyMigrates && ctx.planned?.length === 0 && !ctx.reversal)
        return { detail: 'no copy: the plan step found nothing to migrate' };
      return { detail: await takeBackup(host, cfg, action, ctx.signal, ctx.planned) };
    case 'prune-backups':
      return { detail: await pruneBackups(host, cfg, action.files) };
    case 'venv': {
      const v = await ensureVenv(host, cfg, action.release, { memoryHigh: action.memoryHigh, signal: ctx.signal });
      return { detail: `venvs/${v.id} ${v.built ? 'built' : 'reused: requirements unchanged, no pip'}` };
    }
    case 'link-shared':
      return { detail: await linkSharedPaths(host, cfg, action.release) };
    case 'point':
      await pointColor(host, cfg, action.color, action.release);
      return {};
    case 'mark-release':
      await markRelease(host, cfg, action.release, action.status);
      return {};
    case 'remove-releases':
      await removeReleases(host, cfg, action.releases);
      return { detail: `${action.releases.length} removed` };
    case 'start': {
      // A health gate usually follows, and this job's wait is idle time: load its HTTP client now.
      setImmediate(() => host.warmHttpClient());
      // systemd refuses a start beyond its start limit (`StartLimitBurst=5` in `StartLimitIntervalSec=10s`
      // by default), e.g. deploy, rollback, deploy in quick succession. That limit is for crash loops; a
      // start bg asks for is deliberate.
      await host.systemd.resetFailed(action.unit);
      const started = host.systemd.startUnit(action.unit).catch(async (err: unknown) => {
        throw (await unitRefused(host, action.unit)) ?? err;
      });
      const result = isWorker(cfg, action.unit) ? await unlessBrokerLost(host, cfg, action.unit, started) : await started;
      if (result !== 'done') {
        const st = await host.systemd.unitState(action.unit).catch(() => undefined);
        const status = st && (await unitExit(host, cfg, st));
        const lines = await host.unitLog(action.unit, LOOK_BACK, st?.invocationId);
        const readOnly = readOnlyPath(cfg, lines);
        throw new SystemdError(
          `Starting ${action.unit} failed (job ${result}${st ? `, unit ${st.activeState}, result ${st.result}` : ''}).${status ? ` ${exitStatusLine(status)}.` : whyStartFailed(st?.result, isWorker(cfg, action.unit))}`,
          {
            code: 'start-failed',
            detail: lastLines(lines, 10),
            ...((readOnly || status) && { next: [readOnly?.advice, status?.next].filter(Boolean).join(' ') }),
          },
        );
      }
      return {};
    }
    case 'stop': {
      if (action.drainPort !== undefined)
        await host.waitDrained(await drainTarget(host, cfg, action.drainPort), { maxMs: cfg.web.timeout * 1000, signal: ctx.signal });
      if (action.wait === false) {
        await host.systemd.queueStop(action.unit);
        return { detail: 'stopping' };
      }
      // A unit that is already down (never loaded, refused by systemd, failed) is stopped: nothing to undo.
      const result = await host.systemd
        .stopUnit(action.unit)
        .catch(async (err: unknown) => ((await isDown(host, action.unit)) ? 'done' : Promise.reject(err)));
      if (result !== 'done' && !(await isDown(host, action.unit)))
        throw new SystemdError(`Stopping ${action.unit} failed (job result: ${result}).`, { code: 'stop-failed' });
      return {};
    }
    case 'health-gate': {
      const h = cfg.web.health;
      const r = await host
        .waitHealthy({
          port: cfg.web.ports[action.color],
          ...(cfg.caddy.switch === 'socket' && { socketPath: colorSocket(cfg, action.color) }),
          path: h.path,
          host: h.host,
          intervalMs: h.intervalMs,
          timeoutMs: h.timeoutMs,
          retries: h.retries,
          expect: h.expect,
          failAfter: h.failAfter,
          signal: ctx.signal,
          alive: () => diedWhileGated(host, cfg, action.unit),
        })
        .catch(async (err: unknown) => {
          if (!isBgError(err) || ctx.signal?.aborted) throw err;
          throw await gateFailure(host, cfg, action.color, action.unit, err);
        });
      return { detail: `${r.status} after ${r.tries} tries` };
    }
    case 'check-broker':
      return { detail: await checkBroker(host, cfg) };
    case 'maintenance':
      return { detail: await setMaintenance(ctx, action.on) };
    case 'repair-upstream':
      await host.files.write(cfg.caddy.upstreamFile, renderUpstream(cfg, action.color));
      if (cfg.caddy.switch === 'socket') await host.files.pointLink(activeSocket(cfg), colorSocket(cfg, action.color));
      // a run cut off mid-switch may have pointed `current` (static files) at the release that never went live
      if (action.release) await host.files.pointLink(currentLink(cfg), releasePath(cfg, action.release));
      return {};
    case 'switch':
      return { detail: await switchTo(ctx, action.to, action.release, action.windowCloses) };
    case 'drain': {
      const parts: string[] = [];
      for (const port of action.ports) {
        const target = await drainTarget(host, cfg, port);
        const r = await host.waitDrained(target, { maxMs: cfg.web.timeout * 1000, signal: ctx.signal });
        const name = typeof target === 'number' ? `:${port}` : target;
        parts.push(r.drained ? `${name} drained` : `${name} still had ${r.left} connection(s) after ${cfg.web.timeout}s`);
      }
      const gone = action.forgetSockets ? await forgetSockets(ctx, action.forgetSockets) : '';
      return { detail: parts.join(', ') + gone };
    }
    case 'enable':
      await host.systemd.enableUnitFiles(action.units);
      return {};
    case 'disable':
      await host.systemd.disableUnitFiles(action.units);
      return {};
    case 'unroute-site':
      return { detail: await unrouteSite(host, cfg, action.offline) };
    case 'remove-unit-files':
      await removeUnitFiles(host, cfg, action.units);
      return { detail: `${action.units.length} removed` };
    case 'purge-root':
      await purgeRoot(host, action.root);
      return { detail: `${action.root} removed` };
    case 'restore-files':
    case 'switch-back':
      throw new Error(`${action.kind} is an undo: it runs with its step's receipt (performUndo)`);
  }
}

/** Runs an undo with the receipt its step kept (undefined when the step changed nothing yet). */
export async function performUndo(action: Action, ctx: ActionContext, receipt: Receipt | undefined): Promise<Outcome> {
  switch (action.kind) {
    case 'restore-files':
      if (receipt?.kind === 'files') await restoreFiles(ctx.host, receipt.replaced);
      return {};
    case 'switch-back':
      if (receipt?.kind === 'switch') await switchBack(ctx, receipt);
      return {};
    default:
      return perform(action, ctx);
  }
}

// A color drains where it listens, which the deploy that changes caddy.switch must ask rather than
// take from the setting (the old color was started under the other one): with `socket`, its port if
// something listens there, else its socket; with `port`, its socket if there is one (a stat, never
// opened), else its port. A port no color has (a legacy app) stays a port. The color's dir is the
// app user's, so the socket is looked at with lstat: a link planted there is never followed.
async function drainTarget(host: Host, cfg: Config, port: number): Promise<number | string> {
  const color = colorOfPort(cfg, port);
  if (!color) return port;
  const socket = colorSocket(cfg, color);
  if (cfg.caddy.switch === 'socket') return (await host.listening([port])).includes(port) ? port : socket;
  const seen = await host.files.lstat(socket);
  return seen && seen.kind !== 'link' && seen.kind !== 'dir' ? socket : port;
}

const isWorker = (cfg: Config, unit: string) => COLORS.some((c) => unitNames(cfg, c).worker === unit);

// A worker's start job ends when the worker answers a ping through the broker: with the broker down
// that wait lasts the unit's whole TimeoutStartSec. bg watches the broker meanwhile; once it is lost,
// the start job is cancelled (the worker stopped) and the broker's own error is the step's.
async function unlessBrokerLost(host: Host, cfg: Config, unit: string, started: Promise<string>): Promise<string> {
  const stop = new AbortController();
  const lost = brokerLost(host, cfg, stop.signal);
  try {
    const first = await Promise.race([started, lost]);
    if (typeof first === 'string') return first;
    await host.systemd.queueStop(unit).catch(() => {});
    await started.catch(() => {}); // the start job ends as cancelled
    throw first;
  } finally {
    stop.abort();
  }
}

/** systemd's own reason when it cannot load the unit file, as an error; undefined when it loaded. */
async function unitRefused(host: Host, unit: string): Promise<SystemdError | undefined> {
  const st = await host.systemd.unitState(unit).catch(() => undefined);
  if (!st || st.loadState === 'loaded') return undefined;
  return new SystemdError(`systemd refused ${unit} (${st.loadState}): ${st.loadError ?? 'no reason given'}.`, {
    code: 'unit-refused',
    next: `Fix the value in bg.yml that ended up in ${st.fragmentPath ?? unit} (see \`systemd-analyze verify\`), run \`bluegreen setup\`, then deploy again.`,
  });
}

async function isDown(host: Host, unit: string): Promise<boolean> {
  const st = await host.systemd.unitState(unit).catch(() => undefined);
  return !!st && (st.activeState === 'inactive' || st.activeState === 'failed');
}

// A failed start's last lines are shown; the read-only path it hit may be further up (the traceback, then the server's own lines).
const LOOK_BACK = 60;
const lastLines = (text: string, n: number) => text.split('\n').slice(-n).join('\n');

// One cheap call before each try; the full state only once the unit looks dead. Its log is added by gateFailure.
async function diedWhileGated(host: Host, cfg: Config, unit: string): Promise<string | undefined> {
  const [u] = await host.systemd.listUnits([unit]);
  if (u?.activeState !== 'failed' && u?.activeState !== 'inactive') return undefined;
  const s = await host.systemd.unitState(unit);
  if (s.activeState !== 'failed' && s.activeState !== 'inactive') return undefined;
  const status = await unitExit(host, cfg, s);
  return `${unit} died while its health was checked (${s.activeState}/${s.subState}, result ${s.result}${status ? `, ${exitStatusLine(status)}` : ''})`;
}

/** A unit's exit status in words, when systemd itself failed to start its process (200 and above: the program's own codes mean what it says). */
async function unitExit(host: Host, cfg: Config, st: UnitState): Promise<ExitStatus | undefined> {
  if (st.result !== 'exit-code' || !st.execMainStatus || st.execMainStatus < 200) return undefined;
  const cwd = await host.systemd
    .execStart(st.name)
    .then((e) => e.workingDirectory)
    .catch(() => undefined);
  return exitStatus(st.execMainStatus, { unit: st.name, ...(cwd && { cwd }), ...(cfg.scope === 'system' && { user: cfg.user }) });
}

// systemd's unit Result, said for people.
function whyStartFailed(result: string | undefined, worker: boolean): string {
  switch (result) {
    case 'timeout':
      return worker
        ? ' It did not finish booting within its start timeout: the worker never answered a ping through its broker (is the broker up? hanging at import?).'
        : ' It did not finish booting within its start timeout: the app never bound its port (hanging at import?).';
    case 'exit-code':
      return ' The process exited with an error: see its last lines below.';
    case 'signal':
    case 'core-dump':
      return ' The process was killed by a signal.';
    case 'start-limit-hit':
      return ' systemd refused: it was started too often in a short time (StartLimitBurst). `systemctl reset-failed <unit>` clears it.';
    default:
      return '';
  }
}

const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';

// bg's own directories on the app's way to its code, made 0700 by an earlier run under a strict
// umask (or by hand): root-owned, so the app's user and Caddy need their group and other r+x bits.
async function repairModes(host: Host, dirs: string[]): Promise<string[]> {
  const fixed: string[] = [];
  for (const dir of dirs) {
    const st = await host.files.lstat(dir);
    if (st?.kind !== 'dir' || st.uid !== 0 || (st.mode & 0o055) === 0o055) continue;
    const mode = st.mode | 0o755;
    await host.setOwner(dir, st.uid, st.gid, mode);
    fixed.push(
      `${dir}: mode ${st.mode.toString(8).padStart(4, '0')} → ${mode.toString(8).padStart(4, '0')} (the app's user must enter it)`,
    );
  }
  return fixed;
}
