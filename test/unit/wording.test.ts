import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/cli/commands/deploy.js';
import { formatHistory } from '../../src/cli/history-format.js';
import { formatEvent } from '../../src/cli/progress.js';
import { parseConfig } from '../../src/config/parse.js';
import { BgError, EXIT } from '../../src/errors.js';
import type { RunResult } from '../../src/execute/executor.js';
import type { HostState, ObservedUnit } from '../../src/host/host-state.js';
import { planDeploy } from '../../src/plan/deploy-plan.js';
import { endResult, type JournalEntry } from '../../src/state/journal.js';
import { MINIMAL_YAML } from '../support/sample-config.js';

// What bg says after a run: the plan's header, history's result, the next command, the way back.
const cfg = parseConfig(`${MINIMAL_YAML}django:\n  manage: manage.py\n`, {
  configPath: '/srv/shop/bg.yml',
  scope: 'system',
  env: {},
  homedir: '/root',
});
const active = (name: string): ObservedUnit => ({ name, loadState: 'loaded', activeState: 'active', subState: 'running', mainPid: 42 });
const blueServes = (green: string | undefined): HostState => ({
  upstreamFile: 'ok',
  active: 'blue',
  units: { 'shop-web-blue.service': active('shop-web-blue.service') },
  colors: {
    blue: { linked: true, release: 'r2', commit: 'b'.repeat(40) },
    green: { linked: true, ...(green && { release: green, commit: 'a'.repeat(40) }) },
  },
  releases: [
    { id: 'r2', status: 'built', servedAt: '2026-12-02T10:00:00Z' },
    { id: 'r1', status: 'built', servedAt: '2026-12-01T10:00:00Z' },
  ],
  changedFiles: [],
  listening: [],
  caddyUpstreams: ['127.0.0.1:8000'],
});
const ok: RunResult = { ok: true, ms: 1234, steps: [] } as unknown as RunResult;

describe('wording', () => {
  it("maintenance off's header says off, and which color serves", () => {
    expect(formatEvent({ event: 'plan', command: 'maintenance', from: 'blue', to: 'blue', steps: ['maintenance-off'] }, false)).toBe(
      'maintenance off (blue serves): 1 steps\n',
    );
    expect(formatEvent({ event: 'plan', command: 'maintenance', from: 'blue', to: 'blue', steps: ['maintenance-on'] }, false)).toBe(
      'maintenance on (blue serves): 1 steps\n',
    );
    expect(formatEvent({ event: 'plan', command: 'deploy', from: 'blue', to: 'green', steps: ['a'] }, false)).toBe(
      'deploy blue → green: 1 steps\n',
    );
  });

  it('a run a step refused (exit 2) is journaled and listed as refused, not rolled-back', () => {
    const refusal = new BgError('The new release would break the version still serving', { exitCode: EXIT.usage });
    expect(endResult({ ok: false, undoFailed: [], failed: { error: refusal } }, false)).toBe('refused');
    expect(endResult({ ok: false, undoFailed: [], failed: { error: new BgError('health') } }, false)).toBe('rolled-back');
    const e: JournalEntry = {
      time: 't',
      run: '1',
      user: 'root',
      command: 'deploy',
      ref: 'main',
      from: 'blue',
      to: 'green',
      result: 'refused',
      failedStep: 'migration-plan-green',
      ms: 5,
      steps: [],
    };
    expect(formatHistory([e])).toContain(' refused at migration-plan-green ');
  });

  it("the destructive migration's next line names the ref being deployed", () => {
    const p = planDeploy(cfg, blueServes('r1'), { ref: 'v2.1' });
    expect(p.steps.find((s) => s.action.kind === 'migration-plan')?.action).toMatchObject({ ref: 'v2.1' });
  });

  it('after a restart, the way back is the release the idle color held before, not the same release', () => {
    const p = planDeploy(cfg, blueServes('r1'), { restart: true });
    expect(p.previous).toBe('r1');
    expect(summarize(undefined)(cfg, p, ok, {})).toContain(
      'to go back:           bluegreen rollback --to r1 (the release green held before the restart)',
    );
    const same = planDeploy(cfg, blueServes('r2'), { restart: true });
    expect(same.previous).toBeUndefined();
    expect(summarize(undefined)(cfg, same, ok, {})).toContain('to go back:           nothing different: both colors hold releases/r2');
    // a deploy's way back stays plain rollback
    expect(summarize('main')(cfg, planDeploy(cfg, blueServes('r1'), { ref: 'main' }), ok, {})).toContain(
      'to go back:           bluegreen rollback\n'.trimEnd(),
    );
  });
});
