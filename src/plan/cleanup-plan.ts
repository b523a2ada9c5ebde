import { presentUnits, unitStem } from '../config/names.js';
import { type Config, otherColor } from '../config/types.js';
import { type HostState, isRunning } from '../host/host-state.js';
import { preflight } from '../host/preflight.js';
import type { Plan, Step } from './step.js';

// The operator's last step after a deploy: whatever the idle color still holds is stopped and
// disabled. Its release stays on disk so `bg rollback` keeps working.
export function planCleanup(cfg: Config, host: HostState): Plan {
  preflight(cfg, host, 'cleanup');
  const active = host.active!;
  const idle = otherColor(active);
  const units = presentUnits(cfg, idle);
  const steps: Step[] = units
    .filter((u) => isRunning(host.units[u]) || host.units[u]?.activeState === 'failed')
    .map((unit) => ({ name: `stop-${unitStem(unit)}`, action: { kind: 'stop', unit } }));
  steps.push({ name: `disable-${idle}`, action: { kind: 'disable', units } });
  return {
    command: 'cleanup',
    from: active,
    to: active,
    steps,
    notes: [`releases/${idle} stays on disk for \`bluegreen rollback\`.`],
  };
}
