import { type Config, otherColor, unitNames } from '../config/types.js';
import { UsageError } from '../errors.js';
import { type HostState, isRunning } from './host-state.js';
import type { Plan, Step } from './step.js';
import { present } from './deploy-plan.js';

// The operator's last step after a deploy: whatever the idle color still holds is stopped and
// disabled. Its release stays on disk so `bg rollback` keeps working.
export function planCleanup(cfg: Config, host: HostState): Plan {
  const active = host.active;
  if (!active) throw new UsageError(`${cfg.app} is not set up.`, { next: 'Run `bluegreen setup` first.' });
  const idle = otherColor(active);
  const units = present(unitNames(cfg, idle));
  const steps: Step[] = units
    .filter((u) => isRunning(host.units[u]) || host.units[u]?.activeState === 'failed')
    .map((unit) => ({ name: `stop-${unit.replace(/\.service$/, '')}`, action: { kind: 'stop', unit } }));
  steps.push({ name: `disable-${idle}`, action: { kind: 'disable', units } });
  return {
    command: 'cleanup',
    from: active,
    to: active,
    steps,
    notes: [`releases/${idle} stays on disk for \`bluegreen rollback\`.`],
  };
}
