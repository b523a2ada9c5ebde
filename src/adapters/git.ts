// Checks out releases: a local cache clone of the repo is fetched, and each release is a new clone
// of it moved to a detached commit. git runs without a shell, refs are validated first, and the
// command lines are src/render/argv/git.ts's.

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateRef } from '../config/ref.js';
import { GitError } from '../errors.js';
import { GIT_ENV, gitArgs } from '../render/argv/git.js';
import { readProcess, runProcess } from './process.js';

interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

// the git command in a command line: the first word that is neither an option nor -c's or -C's value
const verb = (args: string[]) => args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c' && args[i - 1] !== '-C');

/** `args`: one of gitArgs' command lines. */
async function git(args: string[], timeoutMs = 300_000): Promise<GitResult> {
  try {
    const r = await runProcess('git', args, { env: GIT_ENV, timeoutMs });
    if (r.timedOut) return { ok: false, stdout: '', stderr: `git ${verb(args)} timed out after ${timeoutMs / 1000} s` };
    return { ok: r.exitCode === 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    throw new GitError('Could not run git', { detail: (err as Error).message, next: 'Install git (apt install git).' });
  }
}

const tail = (text: string, lines = 8) => text.trim().split('\n').slice(-lines).join('\n');

function failed(message: string, r: GitResult, next: string): GitError {
  const detail = tail(r.stderr) || undefined;
  const dubious = /dubious ownership/.test(r.stderr);
  return new GitError(message, {
    detail,
    next: dubious ? 'git refuses a repository owned by another user: see the `safe.directory` hint above, then retry.' : next,
  });
}

/** A usable checkout: a clone with a populated index (a clone interrupted before checkout has none). */
const hasCheckout = (dir: string) => existsSync(join(dir, '.git', 'index'));

async function ensureClone(repo: string, dir: string): Promise<void> {
  if (!existsSync(join(dir, '.git'))) {
    const r = await git(gitArgs.clone(repo, dir));
    if (!r.ok) throw failed(`Could not clone ${repo} into ${dir}`, r, 'Check `repo` in bg.yml and that this user can read it.');
    return;
  }
  const url = await git(gitArgs.originUrl(dir));
  if (url.stdout.trim() !== repo) {
    const r = await git(gitArgs.setOrigin(dir, repo));
    if (!r.ok) throw failed(`Could not point ${dir} at ${repo}`, r, `Remove ${dir} and run the command again.`);
  }
}

export interface Head {
  commit: string;
  subject: string;
}

const parseHead = (out: string): Head => {
  const [commit = '', subject = ''] = out.trim().split('\0');
  return { commit, subject };
};

async function resolve(dir: string, candidates: string[]): Promise<Head | undefined> {
  for (const c of candidates) {
    const r = await git(gitArgs.commitOf(dir, c));
    if (r.ok) return parseHead(r.stdout);
  }
  return undefined;
}

// What the last checkout put in HEAD, with its subject: `bg status` reads it instead of running git
// (a process per color, see docs/measurements.md). Trusted only while HEAD still names that commit.
const RECORD = 'bg-head';
const recordHead = (dir: string, head: Head) => writeFile(join(dir, '.git', RECORD), `${head.commit}\0${head.subject}\n`);

async function recordedHead(dir: string): Promise<Head | undefined> {
  try {
    const [head, record] = await Promise.all([readFile(join(dir, '.git', 'HEAD'), 'utf8'), readFile(join(dir, '.git', RECORD), 'utf8')]);
    const r = parseHead(record);
    return /^[0-9a-f]{40,64}$/.test(r.commit) && head.trim() === r.commit ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Clones or fetches `repo` into `dir` and resolves `ref` (default: the repo's default branch) there. */
async function fetchRef(repo: string, dir: string, ref: string | undefined): Promise<{ head: Head; name: string }> {
  if (ref !== undefined) validateRef(ref);
  await ensureClone(repo, dir);

  const fetch = await git(gitArgs.fetch(dir));
  if (!fetch.ok) throw failed(`Could not fetch from ${repo}`, fetch, 'Check `repo` in bg.yml and that this user can reach it.');

  let name = ref;
  if (name === undefined) {
    await git(gitArgs.followDefaultBranch(dir)); // follow a renamed default branch
    const head = await git(gitArgs.defaultBranch(dir));
    if (!head.ok) throw failed(`Could not tell the default branch of ${repo}`, head, 'Set `ref` in bg.yml to the branch to deploy.');
    name = head.stdout.trim().replace(/^origin\//, '');
  }
  const head = await resolve(dir, [`refs/remotes/origin/${name}`, `refs/tags/${name}`, name]);
  if (!head) {
    throw new GitError(`Could not find ${name} in ${repo}`, {
      code: 'ref-not-found',
      next: 'Pass a branch or tag that exists in the repository (pushed), or a commit sha it contains.',
    });
  }
  return { head, name };
}

async function checkoutDetached(dir: string, name: string, head: Head): Promise<void> {
  const co = await git(gitArgs.checkoutDetached(dir, head.commit));
  if (!co.ok)
    throw failed(`Could not check out ${name} (${head.commit.slice(0, 12)}) in ${dir}`, co, `Remove ${dir} and run the command again.`);
  await recordHead(dir, head).catch(() => {}); // only a shortcut for status: git answers without it
}

/** Clones or fetches `repo` into `dir` and checks out `ref` (branch, tag or sha; default: the repo's default branch) detached. */
export async function checkoutRelease(repo: string, dir: string, ref: string | undefined): Promise<{ commit: string; ref: string }> {
  const { head, name } = await fetchRef(repo, dir, ref);
  await checkoutDetached(dir, name, head);
  const clean = await git(gitArgs.clean(dir));
  if (!clean.ok) throw failed(`Could not clean ${dir}`, clean, `Remove ${dir} and run the command again.`);
  return { commit: head.commit, ref: name };
}

/**
 * A new release: `repo` is fetched into the local `cache` clone, and `ref` checked out into `dir`, a
 * new directory cloned from the cache (objects hardlinked, so it costs little). Never reuses `dir`.
 */
export async function checkoutNewRelease(
  repo: string,
  cache: string,
  dir: string,
  ref: string | undefined,
): Promise<{ commit: string; ref: string; subject: string }> {
  const { head, name } = await fetchRef(repo, cache, ref);
  if (existsSync(dir))
    throw new GitError(`${dir} already exists: a release directory is never reused.`, {
      code: 'release-exists',
      next: `Remove ${dir} if no color uses it, then retry.`,
    });
  const clone = await git(gitArgs.clone(cache, dir));
  if (!clone.ok) throw failed(`Could not make the release directory ${dir}`, clone, `Check that ${dir} can be written, then retry.`);
  await checkoutDetached(dir, name, head);
  return { commit: head.commit, ref: name, subject: head.subject };
}

/** The commit checked out in `dir`, or undefined when there is no checkout. */
export async function headCommit(dir: string): Promise<Head | undefined> {
  if (!hasCheckout(dir)) return undefined;
  const recorded = await recordedHead(dir);
  if (recorded) return recorded;
  const r = await readProcess('git', gitArgs.head(dir), { env: GIT_ENV, timeoutMs: 30_000 }); // every `bg status` may run it
  return r.ok ? parseHead(r.stdout) : undefined;
}
