import { describe, expect, it } from 'vitest';
import { isBgError } from '../../src/errors.js';
import { planMaintenance } from '../../src/plan/maintenance-plan.js';
import { hostState, NOT_SET_UP } from '../support/host-state.js';
import { sampleConfig } from '../support/sample-config.js';

const cfg = sampleConfig();
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (isBgError(e)) return { code: e.code, exitCode: e.exitCode };
    throw e;
  }
  return undefined;
};

describe('planMaintenance', () => {
  it('on: one step, undone by turning it off again; the active color keeps running', () => {
    const p = planMaintenance(cfg, hostState(), true);
    expect(p).toEqual({
      command: 'maintenance',
      from: 'blue',
      to: 'blue',
      steps: [{ name: 'maintenance-on', action: { kind: 'maintenance', on: true }, undo: { kind: 'maintenance', on: false } }],
      notes: ['Caddy will answer 503 for shop; blue keeps running.'],
    });
  });

  it('off: one step, undone by turning it on again', () => {
    const p = planMaintenance(cfg, hostState({ maintenance: true }), false);
    expect(p.steps).toEqual([
      { name: 'maintenance-off', action: { kind: 'maintenance', on: false }, undo: { kind: 'maintenance', on: true } },
    ]);
    expect(p.notes).toEqual([]);
  });

  it('already as asked: nothing to do', () => {
    expect(planMaintenance(cfg, hostState({ maintenance: true }), true)).toMatchObject({
      steps: [],
      notes: ['Maintenance is already on. Nothing to do.'],
    });
    expect(planMaintenance(cfg, hostState(), false)).toMatchObject({ steps: [], notes: ['Maintenance is already off. Nothing to do.'] });
  });

  it('refused before setup (exit 2) and while Caddy does not answer', () => {
    expect(codeOf(() => planMaintenance(cfg, hostState(NOT_SET_UP), true))).toEqual({ code: 'not-set-up', exitCode: 2 });
    expect(codeOf(() => planMaintenance(cfg, hostState({ caddyUpstreams: undefined }), true))).toMatchObject({ code: 'caddy-unreachable' });
  });

  it('not refused by what blocks only a command that starts a color: a taken idle port', () => {
    expect(codeOf(() => planMaintenance(cfg, hostState({ listening: [8000, 8100] }), true))).toBeUndefined();
  });
});
