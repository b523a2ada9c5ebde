import { describe, expect, it } from 'vitest';
import { endResult, runsOf } from '../../src/state/journal.js';
import { bootId, isAlive } from '../../src/state/lock.js';

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
    const end = {
      time: 't',
      run: 'r',
      user: 'root',
      command: 'deploy',
      result: endResult({ ok: false, undoFailed }, true),
      failedStep: 'switch-to-green',
      ms: 1,
      steps: [],
    };
    expect(runsOf([{ ...end, result: 'started', failedStep: undefined }, end], () => false)).toEqual([end]);
  });
});

describe('a run started before a reboot', () => {
  it('is interrupted, not running, even when its pid now names a live process (another boot)', () => {
    const started = {
      time: 't',
      run: 'r',
      pid: process.pid,
      user: 'root',
      command: 'deploy',
      result: 'started' as const,
      ms: 0,
      steps: [],
    };
    expect(runsOf([{ ...started, boot: 'an-earlier-boot' }], isAlive)[0].result).toBe('interrupted');
    expect(runsOf([{ ...started, boot: bootId() }], isAlive)[0].result).toBe('running');
    // journals written before bg recorded the boot: the pid alone decides, as before
    expect(runsOf([started], isAlive)[0].result).toBe('running');
  });
  it('a lock of an earlier boot is not held, whatever its pid names now', () => {
    expect(bootId()).toMatch(/^[0-9a-f-]{36}$/);
    expect(isAlive(process.pid, bootId())).toBe(true);
    expect(isAlive(process.pid, 'an-earlier-boot')).toBe(false);
  });
});
