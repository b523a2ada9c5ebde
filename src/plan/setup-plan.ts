import { presentUnits, releaseDir, releasesDir, sharedDir, unitNames, unitStem } from '../config/names.js';
import type { Config } from '../config/types.js';
import { type HostState, isRunning } from '../host/host-state.js';
import { preflight } from '../host/preflight.js';
import { celerySteps } from './celery-steps.js';
import { kernelSteps } from './kernel.js';
import type { Plan, Step } from './step.js';

// First-time setup: blue comes up, passes its health gate, takes the traffic; a legacy unit named in
// the config keeps serving until then and is drained, stopped and disabled after. Run again, it only
// re-installs files that changed.
export function planSetup(cfg: Config, host: HostState): Plan {
  const dirs = [releasesDir(cfg), sharedDir(cfg), cfg.stateDir, ...(cfg.logDir ? [cfg.logDir] : [])];
  const ensure: Step = { name: 'ensure-dirs', action: { kind: 'ensure-dirs', dirs, envFile: cfg.envFile } };
  const install: Step = {
    name: 'install-files',
    action: { kind: 'install', colors: ['blue', 'green'], caddyfile: true },
    undo: { kind: 'restore-files' },
  };

  if (!host.changedFiles) throw new Error('planSetup needs the rendered files compared with disk (observe with files: true)');
  const kernel = kernelSteps(cfg, host);
  if (host.active) {
    // Recovery: a deployer killed between stopping the active color's Celery and starting the new
    // color's (or a unit stopped by hand) leaves the active color short; setup starts what is missing.
    const missing = presentUnits(cfg, host.active).filter((u) => !isRunning(host.units[u]));
    const restart: Step[] = missing.map((unit) => ({ name: `start-${unitStem(unit)}`, action: { kind: 'start', unit }, undo: { kind: 'stop', unit } }));
    const steps = [...kernel.steps, ...(host.changedFiles.length > 0 ? [ensure, install] : []), ...restart];
    const notes = [`Already set up: ${host.active} is serving.`, ...kernel.notes];
    if (missing.length) notes.push(`${missing.join(', ')} of the active color ${missing.length > 1 ? 'are' : 'is'} not running: starting.`);
    if (steps.length === 0) notes.push('Every file is up to date. Nothing to do.');
    else notes.push('Changed unit files take effect when the color next starts (bg deploy).');
    return { command: 'setup', from: host.active, to: host.active, steps, notes };
  }

  preflight(cfg, host, 'setup', 'blue');
  const blue = unitNames(cfg, 'blue');
  const steps: Step[] = [...kernel.steps, ensure, { name: 'checkout-blue', action: { kind: 'checkout', color: 'blue', ref: cfg.ref } }];
  if (cfg.build.length > 0) steps.push({ name: 'build-blue', action: { kind: 'build', color: 'blue', commands: cfg.build } });
  steps.push(
    install,
    { name: 'start-web-blue', action: { kind: 'start', unit: blue.web }, undo: { kind: 'stop', unit: blue.web } },
    { name: 'health-gate-blue', action: { kind: 'health-gate', color: 'blue', unit: blue.web } },
  );

  const legacy = cfg.legacyUnit;
  const legacyRunning = legacy && isRunning(host.units[legacy]);
  // A legacy app's Celery would double up with blue's: it is stopped with the legacy unit, after the switch.
  steps.push({ name: 'switch-to-blue', action: { kind: 'switch', to: 'blue' }, undo: { kind: 'switch-back' } });
  if (legacy && legacyRunning) {
    const ports = legacyPorts(host);
    if (ports.length > 0) steps.push({ name: 'drain-legacy', action: { kind: 'drain', ports } });
    steps.push(
      { name: 'stop-legacy', action: { kind: 'stop', unit: legacy }, undo: { kind: 'start', unit: legacy } },
      { name: 'disable-legacy', action: { kind: 'disable', units: [legacy] } },
    );
  }
  steps.push(...celerySteps(cfg, 'blue').start);
  steps.push({ name: 'enable-blue', action: { kind: 'enable', units: presentUnits(cfg, 'blue') } });

  const notes = [`Blue checks out into ${releaseDir(cfg, 'blue')}.`, ...kernel.notes];
  if (legacy && !legacyRunning) notes.push(`${legacy} is not running: nothing to migrate from.`);
  return { command: 'setup', to: 'blue', steps, notes };
}

// The ports Caddy routed to before the switch: what the legacy unit serves.
function legacyPorts(host: HostState): number[] {
  const ports = (host.caddyUpstreams ?? []).map((d) => Number(d.split(':').pop())).filter((p) => Number.isInteger(p) && p > 0);
  return [...new Set(ports)];
}
