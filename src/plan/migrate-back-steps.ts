import type { Color, Config } from '../config/types.js';
import { brokerCheck, celerySteps } from './celery-steps.js';
import type { Action, Step } from './step.js';

// The window in which what serves cannot keep serving: a schema change the old code cannot live
// with (deploy --allow-destructive, deploy --maintenance) or a way back that migrates back. It opens
// right before the schema changes and closes right after the switch, so the build, the checks and
// the rehearsal run while the old version still serves:
//   maintenance on (503 with Retry-After), the old Celery stopped (it would run old code on the new
//   schema), the reversal (a way back); ... start the new color, health gate, switch; maintenance off.
// Framework-neutral: the reversal is an Action pair (Django's migrate-back / migrate-forward, or
// another framework's downgrade / upgrade).

export interface Window {
  maintenance: boolean; // Caddy answers 503 from the window's start until right after the switch
  stopCelery: boolean; // the old worker and beat stop at the window's start, not after the health gate
  // the way back: the reverse action and its undo. From here on the way out is forward: a failure
  // after it applies the serving release's migrations again, so that release serves as before.
  reverse?: { name: string; action: Action; undo: Action };
  backup?: Step; // a copy of the database before the reversal, taken before the window opens
  // opened only for the reversal (no --maintenance): when the check finds nothing to reverse, the
  // copy, maintenance and the reversal are skipped at run time. The old Celery still stops here
  // (its usual place later in the plan is left out).
  onlyForReversal?: boolean;
}

/** What opens the window: the steps right before the schema changes. */
export function windowOpen(cfg: Config, host: { maintenance?: boolean }, from: Color, w: Window): Step[] {
  const when = conditional(w);
  // the copy before the 503 starts: the window lasts only as long as the schema change needs
  const steps: Step[] = w.reverse && w.backup ? [{ ...w.backup, ...when }] : [];
  if (w.stopCelery) steps.push(...brokerCheck(cfg));
  // maintenance the operator turned on stays theirs: neither turned on nor off here
  if (w.maintenance && !host.maintenance)
    steps.push(
      { name: 'maintenance-on', action: { kind: 'maintenance', on: true }, undo: { kind: 'maintenance', on: false }, ...when },
      // a request the old code began before the 503 finishes before the schema changes under it
      { name: `drain-${from}-before-schema`, action: { kind: 'drain', ports: [cfg.web.ports[from]] }, ...when },
    );
  if (w.stopCelery) steps.push(...celerySteps(cfg, from).stop);
  if (w.reverse) steps.push({ name: w.reverse.name, action: w.reverse.action, undo: w.reverse.undo, ...when });
  return steps;
}

/** What closes it: right after the switch. */
export function windowClose(host: { maintenance?: boolean }, w: Window): Step[] {
  if (!w.maintenance || host.maintenance) return [];
  return [
    { name: 'maintenance-off', action: { kind: 'maintenance', on: false }, undo: { kind: 'maintenance', on: true }, ...conditional(w) },
  ];
}

const conditional = (w: Window): Pick<Step, 'onlyIf'> => (w.reverse && w.onlyForReversal ? { onlyIf: 'reversal' } : {});
