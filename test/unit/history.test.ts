import { describe, expect, it } from 'vitest';
import { formatHistory, historyEntries } from '../../src/cli/history-format.js';
import type { JournalEntry } from '../../src/state/journal.js';
import type { LockInfo } from '../../src/state/lock.js';

// `bg history` without a host: which runs the journal's lines show, a run cut off among them.
const line = (run: string, result: JournalEntry['result'], over: Partial<JournalEntry> = {}): JournalEntry => ({
  time: `2026-12-01T10:00:0${run}.000Z`,
  run,
  pid: 100 + Number(run),
  user: 'root',
  command: 'deploy',
  ref: 'main',
  from: 'blue',
  to: 'green',
  result,
  ms: result === 'started' ? 0 : 5000,
  steps: [],
  ...over,
});
const lockOf = (pid: number, step?: string): LockInfo => ({
  pid,
  user: 'root',
  host: 'h',
  command: 'bg deploy main',
  since: '2026-12-01T10:00:00Z',
  step,
});
const nobodyAlive = () => false;

describe('historyEntries', () => {
  it('a run that ended is its end line; its start line is not listed', () => {
    const entries = historyEntries([line('1', 'started'), line('1', 'ok')], undefined, nobodyAlive, 20);
    expect(entries).toEqual([line('1', 'ok')]);
  });

  it('a start without its end whose process is gone is interrupted, at the step its lock names', () => {
    const [e] = historyEntries([line('1', 'started')], lockOf(101, 'switch-to-green'), nobodyAlive, 20);
    expect(e).toMatchObject({ run: '1', result: 'interrupted', failedStep: 'switch-to-green' });
  });

  it("another run's lock says nothing about this one's step", () => {
    const [e] = historyEntries([line('1', 'started')], lockOf(999, 'switch-to-green'), nobodyAlive, 20);
    expect(e.result).toBe('interrupted');
    expect(e.failedStep).toBeUndefined();
  });

  it('a start whose process is alive is running; the boot id goes to the check', () => {
    const asked: [number, string | undefined][] = [];
    const alive = (pid: number, boot?: string) => {
      asked.push([pid, boot]);
      return true;
    };
    const [e] = historyEntries([line('1', 'started', { boot: 'b-1' })], lockOf(101, 'health-gate-green'), alive, 20);
    expect(e).toMatchObject({ result: 'running', failedStep: 'health-gate-green' });
    expect(asked).toEqual([[101, 'b-1']]);
  });

  it('the last `limit` runs, oldest first', () => {
    const lines = [line('1', 'started'), line('1', 'ok'), line('2', 'started'), line('2', 'rolled-back'), line('3', 'started')];
    expect(historyEntries(lines, undefined, nobodyAlive, 2).map((e) => [e.run, e.result])).toEqual([
      ['2', 'rolled-back'],
      ['3', 'interrupted'],
    ]);
  });
});

describe('formatHistory', () => {
  it('nothing recorded', () => {
    expect(formatHistory([])).toBe('no deploys recorded\n');
  });

  it('a failed run keeps the release commands that ran and were not undone', () => {
    const e = line('1', 'rolled-back', { failedStep: 'health-gate-green', notUndone: ['python3 manage.py migrate --noinput'] });
    expect(formatHistory([e])).toContain('rolled-back at health-gate-green');
    expect(formatHistory([e])).toContain('release commands ran and were not undone: python3 manage.py migrate --noinput');
    expect(formatHistory([line('2', 'ok')])).not.toContain('not undone');
  });

  it('one line per run: when, who, what, the colors, the result, and the slowest step', () => {
    const e = line('1', 'ok', {
      commit: 'c'.repeat(40),
      steps: [
        { name: 'build-green', ms: 3000, ok: true },
        { name: 'switch-to-green', ms: 40, ok: true },
      ],
    });
    expect(formatHistory([e])).toBe(
      `2026-12-01T10:00:01.000Z  root     deploy   main         ${'c'.repeat(12)} blue→green     ok  5000 ms (slowest: build-green 3000 ms)\n`,
    );
  });

  it('an interrupted or running run shows its pid and where it stopped', () => {
    const [cut] = historyEntries([line('1', 'started')], lockOf(101, 'switch-to-green'), nobodyAlive, 20);
    expect(formatHistory([cut])).toContain(' interrupted at switch-to-green (pid 101)  0 ms\n');
    expect(formatHistory([line('2', 'rolled-back', { failedStep: 'health-gate-green' })])).toContain(
      ' rolled-back at health-gate-green  5000 ms\n',
    );
  });
});
