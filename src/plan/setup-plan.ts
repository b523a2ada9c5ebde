import { presentUnits, releasePath, releasesDir, sharedDir, unitNames, unitStem } from '../config/names.js';
import { colorAddress } from '../config/socket-paths.js';
import { type Config, otherColor } from '../config/types.js';
import { liveColorWithoutFile } from '../host/diagnose.js';
import { type HostState, isRunning } from '../host/host-state.js';
import { refuseNames } from '../host/names-check.js';
import { preflight } from '../host/preflight.js';
import { upstreamSays } from '../host/socket-state.js';
import { celeryUnits } from './boot-steps.js';
import { brokerCheck, celerySteps } from './celery-steps.js';
import { kernelSteps } from './kernel.js';
import { adoptSteps, newReleaseSteps, nextReleaseId } from './release-steps.js';
import type { MigrationGuard, Observes, Plan, Step } from './step.js';

// First-time setup: blue comes up, passes its health gate, takes the traffic; a legacy unit named in
// the config keeps serving until then and is drained, stopped and disabled after. Run again, it only
// re-installs files that changed.
/** Every rendered file against disk (a setup that only re-installs what changed), and the releases on disk. */
export const SETUP_OBSERVES: Observes = { files: true, releases: true };

export function planSetup(cfg: Config, host: HostState, now: Date = new Date()): Plan {
  refuseNames(cfg, host, 'setup');
  const dirs = [releasesDir(cfg), sharedDir(cfg), cfg.stateDir, ...(cfg.logDir ? [cfg.logDir] : [])];
  const system = cfg.scope === 'system';
  const ensureUser: Step[] = system
    ? [{ name: `ensure-user-${cfg.user}`, action: { kind: 'ensure-user', user: cfg.user, home: cfg.root } }]
    : [];
  const ensure: Step = {
    name: 'ensure-dirs',
    action: { kind: 'ensure-dirs', dirs, envFile: cfg.envFile, ...(system && { shared: sharedDir(cfg), owner: cfg.user }) },
  };
  const install: Step = {
    name: 'install-files',
    action: { kind: 'install', colors: ['blue', 'green'], caddyfile: true },
    undo: { kind: 'restore-files' },
  };

  if (!host.changedFiles) throw new Error('planSetup needs the rendered files compared with disk (observe with files: true)');
  const kernel = kernelSteps(cfg, host);
  // the file lost, or naming a color Caddy does not route to (a run cut off mid-switch): the color
  // Caddy routes to and that runs is live, and the file is written to say so
  const found = liveColorWithoutFile(cfg, host);
  const active = found ?? host.active;
  if (active) {
    // Recovery: a deployer killed between stopping the active color's Celery and starting the new
    // color's (or a unit stopped by hand) leaves the active color short; setup starts what is missing.
    const missing = presentUnits(cfg, active).filter((u) => !isRunning(host.units[u]));
    const restart: Step[] = missing.map((unit) => ({
      name: `start-${unitStem(unit)}`,
      action: { kind: 'start', unit },
      undo: { kind: 'stop', unit },
    }));
    const repair: Step[] = found
      ? [{ name: 'repair-upstream-file', action: { kind: 'repair-upstream', color: found, release: host.colors[found].release } }]
      : [];
    const files = host.changedFiles.length > 0 ? [...ensureUser, ensure, ...adoptSteps(host), install] : adoptSteps(host);
    // what setup starts (Celery added to a running install) or finds disabled comes back after a reboot too
    const toEnable = presentUnits(cfg, active).filter((u) => missing.includes(u) || host.units[u]?.fileState === 'disabled');
    const enable: Step[] = toEnable.length ? [{ name: `enable-${active}`, action: { kind: 'enable', units: toEnable } }] : [];
    const celeryMissing = missing.some((u) => u !== unitNames(cfg, active).web);
    // the idle color enabled would start at boot too (its Celery beside the live one's): disabled first
    const idleEnabled = presentUnits(cfg, otherColor(active)).filter((u) => host.units[u]?.fileState === 'enabled');
    const disableIdle: Step[] = idleEnabled.length
      ? [{ name: `disable-idle-${otherColor(active)}`, action: { kind: 'disable', units: idleEnabled } }]
      : [];
    const steps = [...kernel.steps, ...repair, ...files, ...disableIdle, ...(celeryMissing ? brokerCheck(cfg) : []), ...restart, ...enable];
    const said =
      host.upstreamFile === 'missing' ? 'is missing' : host.upstreamFile === 'unreadable' ? "is not bg's" : upstreamSays(cfg, host);
    const notes = found
      ? [
          `${cfg.caddy.upstreamFile} ${said}, but Caddy routes to ${found} (${colorAddress(cfg, found)}) and its web unit runs: ${found} is live. Writing the file again; nothing else changes what serves.`,
        ]
      : [`Already set up: ${active} is serving.`];
    notes.push(...kernel.notes);
    if (missing.length) notes.push(`${missing.join(', ')} of the active color ${missing.length > 1 ? 'are' : 'is'} not running: starting.`);
    if (steps.length === 0) notes.push('Every file is up to date. Nothing to do.');
    else if (host.changedFiles.length > 0) notes.push('Changed unit files take effect when the color next starts (bg deploy).');
    return { command: 'setup', from: active, to: active, steps, notes };
  }

  preflight(cfg, host, 'setup', 'blue');
  const blue = unitNames(cfg, 'blue');
  const release = nextReleaseId(
    now,
    (host.releases ?? []).map((r) => r.id),
  );
  const legacy = cfg.legacyUnit;
  const legacyRunning = legacy && isRunning(host.units[legacy]);
  // no color serves yet: only a running legacy unit can be broken by what the release commands migrate
  const guard: MigrationGuard = legacy && legacyRunning ? { serving: 'legacy', unit: legacy } : { serving: 'nothing' };
  const steps: Step[] = [...kernel.steps, ...ensureUser, ensure, ...newReleaseSteps(cfg, host, 'blue', release, cfg.ref, guard)];
  steps.push(
    install,
    ...brokerCheck(cfg),
    {
      name: 'start-web-blue',
      action: { kind: 'start', unit: blue.web },
      undo: { kind: 'stop', unit: blue.web, drainPort: cfg.web.ports.blue },
    },
    { name: 'health-gate-blue', action: { kind: 'health-gate', color: 'blue', unit: blue.web } },
    // before the switch writes the upstream file: a reboot from then on brings blue up (src/plan/boot-steps.ts)
    { name: 'enable-web-blue', action: { kind: 'enable', units: [blue.web] }, undo: { kind: 'disable', units: [blue.web] } },
  );

  // A legacy app's Celery would double up with blue's: it is stopped with the legacy unit, after the switch.
  steps.push({ name: 'switch-to-blue', action: { kind: 'switch', to: 'blue', release }, undo: { kind: 'switch-back' } });
  if (legacy && legacyRunning) {
    const ports = legacyPorts(host);
    if (ports.length > 0) steps.push({ name: 'drain-legacy', action: { kind: 'drain', ports } });
    steps.push(
      { name: 'stop-legacy', action: { kind: 'stop', unit: legacy }, undo: { kind: 'start', unit: legacy } },
      {
        name: 'disable-legacy',
        action: { kind: 'disable', units: [legacy] },
        ...(host.units[legacy]?.fileState === 'enabled' && { undo: { kind: 'enable' as const, units: [legacy] } }),
      },
    );
  }
  steps.push(...celerySteps(cfg, 'blue').start);
  const celery = celeryUnits(cfg, 'blue');
  if (celery.length)
    steps.push({ name: 'enable-celery-blue', action: { kind: 'enable', units: celery }, undo: { kind: 'disable', units: celery } });

  const notes = [`Blue checks out into ${releasePath(cfg, release)}.`, ...kernel.notes];
  if (legacy && !legacyRunning) notes.push(`${legacy} is not running: nothing to migrate from.`);
  return { command: 'setup', to: 'blue', release, steps, notes };
}

// The ports Caddy routed to before the switch: what the legacy unit serves.
function legacyPorts(host: HostState): number[] {
  const ports = (host.caddyUpstreams ?? []).map((d) => Number(d.split(':').pop())).filter((p) => Number.isInteger(p) && p > 0);
  return [...new Set(ports)];
}
