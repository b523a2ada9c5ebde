import { describe, expect, it } from 'vitest';
import { endResult, runsOf } from '../../src/run/journal.js';

describe('journal: how a run that ended is recorded', () => {
  const undoFailed = [{ step: 'stop-worker-blue', error: new Error('Transaction is destructive') }];
  it('ok, rolled back, or a rollback that failed on its own', () => {
    expect(endResult({ ok: true }, false)).toBe('ok');
    expect(endResult({ ok: false, undoFailed: [] }, false)).toBe('rolled-back');
    expect(endResult({ ok: false, undoFailed }, false)).toBe('rollback-failed');
  });
  it('stopped by a signal (a reboot mid-run) whose undo could not finish: interrupted, like a killed run', () => {
    expect(endResult({ ok: false, undoFailed }, true)).toBe('interrupted');
    // put back completely despite the signal: that is a rollback
    expect(endResult({ ok: false, undoFailed: [] }, true)).toBe('rolled-back');
    const end = { time: 't', run: 'r', user: 'root', command: 'deploy', result: endResult({ ok: false, undoFailed }, true), failedStep: 'switch-to-green', ms: 1, steps: [] };
    expect(runsOf([{ ...end, result: 'started', failedStep: undefined }, end], () => false)).toEqual([end]);
  });
});
