import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutNewRelease, checkoutRelease, headCommit } from '../../src/adapters/git.js';
import { GitError, UsageError } from '../../src/errors.js';

let tmp: string;
let origin: string;
const sha: Record<string, string> = {};

const g = async (cwd: string, ...args: string[]) =>
  (await execa('git', ['-c', 'user.name=Test', '-c', 'user.email=t@example.com', ...args], { cwd })).stdout.trim();

async function commit(file: string, content: string, message: string): Promise<string> {
  await writeFile(join(origin, file), content);
  await g(origin, 'add', '.');
  await g(origin, 'commit', '-q', '-m', message);
  return g(origin, 'rev-parse', 'HEAD');
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'bg-git-'));
  origin = join(tmp, 'origin');
  await mkdir(origin);
  await g(origin, 'init', '-q', '-b', 'trunk'); // not "main": the default branch must be discovered
  await writeFile(join(origin, '.gitignore'), '.venv/\n');
  sha.first = await commit('app.py', 'v = 1\n', 'first');
  await g(origin, 'tag', 'v1.0.0');
  sha.second = await commit('app.py', 'v = 2\n', 'second on trunk');
  await g(origin, 'checkout', '-q', '-b', 'feature/x');
  sha.feature = await commit('app.py', 'v = "feature"\n', 'feature work');
  await g(origin, 'checkout', '-q', 'trunk');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const appPy = (dir: string) => readFile(join(dir, 'app.py'), 'utf8');

describe('checkoutRelease', () => {
  it('checks out the default branch when no ref is given', async () => {
    const dir = join(tmp, 'releases/blue');
    expect(await headCommit(dir)).toBeUndefined();
    const r = await checkoutRelease(origin, dir, undefined);
    expect(r).toEqual({ commit: sha.second, ref: 'trunk' });
    expect(await appPy(dir)).toBe('v = 2\n');
    expect(await headCommit(dir)).toEqual({ commit: sha.second, subject: 'second on trunk' });
  });

  it('headCommit reads what the checkout recorded, and asks git once HEAD was moved by hand', async () => {
    const dir = join(tmp, 'releases/moved');
    await checkoutRelease(origin, dir, 'v1.0.0');
    expect(await readFile(join(dir, '.git/bg-head'), 'utf8')).toBe(`${sha.first}\0first\n`);
    expect(await headCommit(dir)).toEqual({ commit: sha.first, subject: 'first' });
    await execa('git', ['-C', dir, 'checkout', '--quiet', '--detach', sha.second!]);
    expect(await headCommit(dir)).toEqual({ commit: sha.second, subject: 'second on trunk' });
    await writeFile(join(dir, '.git/bg-head'), 'garbage');
    expect(await headCommit(dir)).toEqual({ commit: sha.second, subject: 'second on trunk' });
  });

  it('checks out a branch, a tag and a sha into the same dir, updating it each time', async () => {
    const dir = join(tmp, 'releases/green');
    expect(await checkoutRelease(origin, dir, 'feature/x')).toEqual({ commit: sha.feature, ref: 'feature/x' });
    expect(await appPy(dir)).toBe('v = "feature"\n');
    expect(await checkoutRelease(origin, dir, 'v1.0.0')).toEqual({ commit: sha.first, ref: 'v1.0.0' });
    expect(await appPy(dir)).toBe('v = 1\n');
    expect((await checkoutRelease(origin, dir, sha.second!)).commit).toBe(sha.second);
    expect((await checkoutRelease(origin, dir, sha.feature!.slice(0, 10))).commit).toBe(sha.feature);
  });

  it('a new commit pushed to the branch is picked up by the next checkout; untracked files go, ignored .venv stays', async () => {
    const dir = join(tmp, 'releases/update');
    await checkoutRelease(origin, dir, 'trunk');
    await mkdir(join(dir, '.venv'));
    await writeFile(join(dir, '.venv/marker'), 'built');
    await writeFile(join(dir, 'stray.txt'), 'left behind');
    await writeFile(join(dir, 'app.py'), 'local edit\n');
    const third = await commit('app.py', 'v = 3\n', 'third');
    const r = await checkoutRelease(origin, dir, 'trunk');
    expect(r.commit).toBe(third);
    expect(await appPy(dir)).toBe('v = 3\n');
    expect(existsSync(join(dir, 'stray.txt'))).toBe(false);
    expect(await readFile(join(dir, '.venv/marker'), 'utf8')).toBe('built');
    expect((await headCommit(dir))?.subject).toBe('third');
  });

  it('a new release is its own directory, cloned from the local cache; an existing directory is never reused', async () => {
    const cache = join(tmp, 'rel/.repo');
    const r = await checkoutNewRelease(origin, cache, join(tmp, 'rel/r1'), 'feature/x');
    expect(r).toMatchObject({ commit: sha.feature, ref: 'feature/x', subject: 'feature work' });
    expect(await readFile(join(tmp, 'rel/r1/app.py'), 'utf8')).toBe('v = "feature"\n');
    expect((await headCommit(join(tmp, 'rel/r1')))?.commit).toBe(sha.feature);
    const again = await checkoutNewRelease(origin, cache, join(tmp, 'rel/r1'), 'trunk').catch((e: unknown) => e);
    expect((again as GitError).code).toBe('release-exists');
  });

  it('a repo URL with a transport that runs commands (ext::) never reaches a command, even where git config allows it', async () => {
    const marker = join(tmp, 'ext-ran');
    // a host whose git config allows ext: only bg's own transport list stands in the way
    const allow = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'protocol.ext.allow', GIT_CONFIG_VALUE_0: 'always' };
    Object.assign(process.env, allow);
    try {
      const err = await checkoutNewRelease(`ext::sh -c touch% ${marker}`, join(tmp, 'ext/.repo'), join(tmp, 'ext/r1'), undefined).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GitError);
      expect((err as GitError).detail).toContain("transport 'ext' not allowed");
      expect(existsSync(marker)).toBe(false);
    } finally {
      for (const k of Object.keys(allow)) delete process.env[k];
    }
  });

  it('a missing ref is a GitError naming the ref and the repo', async () => {
    const dir = join(tmp, 'releases/missing');
    const err = await checkoutRelease(origin, dir, 'no-such-branch').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).message).toBe(`Could not find no-such-branch in ${origin}`);
    expect((err as GitError).code).toBe('ref-not-found');
  });

  it("a repo that does not exist is a GitError with git's stderr in detail", async () => {
    const err = await checkoutRelease(join(tmp, 'nope.git'), join(tmp, 'releases/nope'), 'trunk').then(
      () => undefined,
      (e: unknown) => e as GitError,
    );
    expect(err).toBeInstanceOf(GitError);
    expect(err!.message).toBe(`Could not clone ${join(tmp, 'nope.git')} into ${join(tmp, 'releases/nope')}`);
    expect(err!.detail).toMatch(/does not exist|not a git repository|Could not read/);
  });

  it.each(['--upload-pack=touch /tmp/pwned', 'a;b', 'x\nExecStart=/bin/sh'])('refuses %j before running git', async (ref) => {
    const dir = join(tmp, 'releases/evil');
    await expect(checkoutRelease(origin, dir, ref)).rejects.toBeInstanceOf(UsageError);
    expect(existsSync(dir)).toBe(false); // git never ran: no clone was made
  });

  it('headCommit is undefined for a clone that was never checked out (interrupted first checkout)', async () => {
    const dir = join(tmp, 'releases/interrupted');
    await execa('git', ['clone', '-q', '--no-checkout', '--', origin, dir]);
    expect(await headCommit(dir)).toBeUndefined();
    expect((await checkoutRelease(origin, dir, 'v1.0.0')).commit).toBe(sha.first);
    expect((await headCommit(dir))?.commit).toBe(sha.first);
  });

  it('follows the repo when bg.yml points at a new URL', async () => {
    const moved = join(tmp, 'moved.git');
    await execa('git', ['clone', '-q', '--bare', origin, moved]);
    const dir = join(tmp, 'releases/blue');
    const r = await checkoutRelease(moved, dir, 'v1.0.0');
    expect(r.commit).toBe(sha.first);
    expect(await g(dir, 'config', '--get', 'remote.origin.url')).toBe(moved);
  });
});
