import { unitNames } from '../config/names.js';
import type { Color, Config } from '../config/types.js';
import type { Step } from './step.js';

// Celery's gate. Stopping goes beat first, then the worker, so the worker's stop is the last thing
// before the new worker starts (the time no worker consumes is the old one's stop plus the new
// one's boot); starting goes worker then beat. Each stop's undo starts the unit again and each
// start's undo stops it, so an undo run in reverse never has two workers or two beats up: the new
// color's are stopped before the old color's start again.
/** Before any Celery unit is touched: a broker that is down stops the run while the old worker still runs. */
export const brokerCheck = (cfg: Config): Step[] => (cfg.celery ? [{ name: 'check-broker', action: { kind: 'check-broker' } }] : []);

export function celerySteps(cfg: Config, color: Color): { stop: Step[]; start: Step[] } {
  if (!cfg.celery) return { stop: [], start: [] };
  const u = unitNames(cfg, color);
  const units = [u.worker, u.beat].filter((x): x is string => !!x);
  return {
    stop: [...units].reverse().map((unit) => ({
      name: `stop-${kindOf(unit)}-${color}`,
      action: { kind: 'stop', unit },
      undo: { kind: 'start', unit },
    })),
    start: units.map((unit) => ({
      name: `start-${kindOf(unit)}-${color}`,
      action: { kind: 'start', unit },
      undo: { kind: 'stop', unit },
    })),
  };
}

const kindOf = (unit: string) => (unit.includes('-beat-') ? 'beat' : 'worker');
