import { presentUnits, unitNames, unitStem } from '../config/names.js';
import { type Color, type Config, otherColor } from '../config/types.js';
import { UsageError } from '../errors.js';
import { migrateWarning } from '../host/diagnose.js';
import { type HostState, isRunning } from '../host/host-state.js';
import { preflight } from '../host/preflight.js';
import { celerySteps } from './celery-steps.js';
import type { Plan, Step } from './step.js';

export interface DeployRequest {
  ref?: string; // undefined for a rollback: the idle color's release is put back as it is on disk
  rollback?: boolean;
}

// The order of a deploy (README, "What a deploy does"): checkout + build the idle color, gate Celery, start the idle
// web, health-gate it, switch, drain and stop the old web, start the new Celery. Every step that
// changes what runs carries its undo.
export function planDeploy(cfg: Config, host: HostState, req: DeployRequest): Plan {
  const command = req.rollback ? 'rollback' : 'deploy';
  if (!host.active) preflight(cfg, host, command); // says why: not set up
  const from = host.active!;
  const to: Color = otherColor(from);
  if (req.rollback && !host.releases[to].commit) {
    throw new UsageError(`Nothing to roll back to: releases/${to} has no checkout.`, {
      code: 'nothing-to-roll-back',
      state: `${from} is serving; nothing was changed.`,
    });
  }
  preflight(cfg, host, command, to);
  const oldU = unitNames(cfg, from);
  const newU = unitNames(cfg, to);
  const steps: Step[] = [];
  // Left running by hand or by an interrupted run: the idle color must boot the new code, and its
  // Celery must never run beside the active one's.
  for (const unit of presentUnits(cfg, to).filter((u) => isRunning(host.units[u]))) {
    steps.push({ name: `stop-stale-${unitStem(unit)}`, action: { kind: 'stop', unit } });
  }
  // Still going down from the previous deploy (bg does not wait for a drained Gunicorn's exit):
  // let that stop finish, so the start below runs once instead of being retried by systemd.
  for (const unit of presentUnits(cfg, to).filter((u) => host.units[u]?.activeState === 'deactivating')) {
    steps.push({ name: `finish-stop-${unitStem(unit)}`, action: { kind: 'stop', unit } });
  }

  if (!req.rollback) {
    steps.push({ name: `checkout-${to}`, action: { kind: 'checkout', color: to, ref: req.ref } });
    if (cfg.build.length > 0) steps.push({ name: `build-${to}`, action: { kind: 'build', color: to, commands: cfg.build } });
  }
  steps.push({ name: `install-${to}-units`, action: { kind: 'install', colors: [to], caddyfile: false }, undo: { kind: 'restore-files' } });
  steps.push(...celerySteps(cfg, from).stop);
  steps.push(
    { name: `start-web-${to}`, action: { kind: 'start', unit: newU.web }, undo: { kind: 'stop', unit: newU.web } },
    { name: `health-gate-${to}`, action: { kind: 'health-gate', color: to, unit: newU.web } },
    { name: `switch-to-${to}`, action: { kind: 'switch', to }, undo: { kind: 'switch-back' } },
    { name: `drain-${from}`, action: { kind: 'drain', ports: [cfg.web.ports[from]] } },
    // Drained, so no request depends on the old Gunicorn any more. Its own exit after SIGQUIT takes
    // ~0.3 s (two 0.1 s sleeps in its arbiter and workers): systemd sees it through, bg does not wait.
    { name: `stop-web-${from}`, action: { kind: 'stop', unit: oldU.web, wait: false }, undo: { kind: 'start', unit: oldU.web } },
  );
  steps.push(...celerySteps(cfg, to).start);
  steps.push({ name: `enable-${to}`, action: { kind: 'enable', units: presentUnits(cfg, to) } }, { name: `disable-${from}`, action: { kind: 'disable', units: presentUnits(cfg, from) } });
  const notes = req.rollback ? [`Rolling back to ${to} at ${host.releases[to].commit?.slice(0, 12)}.`] : [];
  if (host.tcpMigrateReq === false) notes.push(migrateWarning);
  return { command, from, to, steps, notes };
}
