// git command lines: no shell, refs validated before they get here, and every user value after `--`
// or `--end-of-options`, so a ref or repo can never become a git option. Pure.

// Only the transports a repository URL needs: `ext::` (runs a command) and the like never reach git.
export const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_ALLOW_PROTOCOL: 'file:git:http:https:ssh' };

const git = (...args: string[]) => ['-c', 'advice.detachedHead=false', ...args];

/** The argv after `git`, one builder per command bg runs. */
export const gitArgs = {
  clone: (repo: string, dir: string) => git('clone', '--no-checkout', '--quiet', '--', repo, dir),
  originUrl: (dir: string) => git('-C', dir, 'config', '--get', 'remote.origin.url'),
  setOrigin: (dir: string, repo: string) => git('-C', dir, 'remote', 'set-url', 'origin', '--', repo),
  fetch: (dir: string) =>
    git('-C', dir, 'fetch', '--quiet', '--prune', '--tags', '--force', 'origin', '--', '+refs/heads/*:refs/remotes/origin/*'),
  followDefaultBranch: (dir: string) => git('-C', dir, 'remote', 'set-head', 'origin', '--auto'),
  defaultBranch: (dir: string) => git('-C', dir, 'symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'),
  /** The commit and subject `rev` names, NUL-separated. */
  commitOf: (dir: string, rev: string) => git('-C', dir, 'log', '-1', '--format=%H%x00%s', '--end-of-options', `${rev}^{commit}`, '--'),
  /** The commit and subject of what is checked out. */
  head: (dir: string) => git('-C', dir, 'log', '-1', '--format=%H%x00%s', 'HEAD'),
  checkoutDetached: (dir: string, commit: string) => git('-C', dir, 'checkout', '--quiet', '--force', '--detach', commit),
  // untracked leftovers go; ignored files (a .venv built by a previous build step) stay
  clean: (dir: string) => git('-C', dir, 'clean', '-ffd', '--quiet'),
};
