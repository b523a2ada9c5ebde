import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/state/lock.js';

// The lock names the step being run: `status` reports a killed run at that step, so the name must be
// on disk before the step begins, not some time later.
describe('lock: the current step', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('names each step synchronously, before progress returns', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bg-lock-'));
    const state = join(dir, 'state');
    const lock = await acquireLock(state, 'bg deploy main');
    const names: (string | undefined)[] = [];
    for (const step of ['checkout-green', 'start-web-green', 'switch-to-green']) {
      expect(lock.progress(step)).toBeUndefined();
      // no await between: what a SIGKILL right now would leave on disk
      names.push((JSON.parse(readFileSync(lock.path, 'utf8')) as { step?: string }).step);
    }
    expect(names).toEqual(['checkout-green', 'start-web-green', 'switch-to-green']);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, command: 'bg deploy main' });
    await lock.release();
    expect(() => readFileSync(lock.path)).toThrow(/ENOENT/);
  });
});
