import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureStateDir, openAppendNoFollow, stateDirProblem } from '../../src/state/state-dir.js';

const base = mkdtempSync(join(tmpdir(), 'bg-state-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const stat = (o: { link?: boolean; dir?: boolean; uid?: number; mode?: number }) => ({
  isSymbolicLink: () => !!o.link,
  isDirectory: () => o.dir ?? true,
  uid: o.uid ?? 1000,
  mode: o.mode ?? 0o40700,
});

describe('the state dir', () => {
  it("is refused when it is a link, not a directory, someone else's, or writable by others", () => {
    expect(stateDirProblem(stat({}), 1000)).toBeUndefined();
    expect(stateDirProblem(stat({ link: true }), 1000)).toMatch(/symbolic link/);
    expect(stateDirProblem(stat({ dir: false }), 1000)).toMatch(/not a directory/);
    expect(stateDirProblem(stat({ uid: 0 }), 1000)).toMatch(/belongs to uid 0/);
    expect(stateDirProblem(stat({ mode: 0o40777 }), 1000)).toMatch(/others can write to it \(mode 777\)/);
    expect(stateDirProblem(stat({ mode: 0o40770 }), 1000)).toMatch(/mode 770/);
  });

  it('is made 0700 when missing; a world-writable one is refused with what to do', async () => {
    const fresh = join(base, 'fresh/state');
    await ensureStateDir(fresh);
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(ensureStateDir(open)).rejects.toThrow(/others can write to it/);
  });

  it('what bg appends there never follows a planted symlink', async () => {
    const target = join(base, 'precious');
    writeFileSync(target, 'keep me\n');
    const link = join(base, 'bg.log');
    symlinkSync(target, link);
    await expect(openAppendNoFollow(link)).rejects.toMatchObject({ code: 'ELOOP' });
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
  });
});
