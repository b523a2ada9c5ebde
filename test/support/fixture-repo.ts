import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURE_APP = fileURLToPath(new URL('../fixtures/app/', import.meta.url));

export type Mode = 'ok' | 'unhealthy' | 'crash' | 'hang' | 'celery-crash';

// A real git repository of the fixture app: main answers v1, and one branch per behaviour a test
// deploys (v2, v3 healthy; unhealthy, crash, hang broken in the named way; celery-crash: the web is
// fine, the Celery worker cannot boot).
export function makeFixtureRepo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=bg test', '-c', 'user.email=test@bg.invalid', ...args], { stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  cpSync(FIXTURE_APP, dir, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  commitVersion(dir, git, 'v1', 'ok');
  for (const [branch, version, mode] of [
    ['v2', 'v2', 'ok'],
    ['v3', 'v3', 'ok'],
    ['unhealthy', 'v-unhealthy', 'unhealthy'],
    ['crash', 'v-crash', 'crash'],
    ['hang', 'v-hang', 'hang'],
    ['celery-crash', 'v-celery-crash', 'celery-crash'],
  ] as const) {
    git('checkout', '-q', '-b', branch, 'main');
    commitVersion(dir, git, version, mode);
  }
  git('checkout', '-q', 'main');
  return dir;
}

function commitVersion(dir: string, git: (...a: string[]) => Buffer, version: string, mode: Mode) {
  writeFileSync(`${dir}/VERSION`, `${version}\n`);
  writeFileSync(`${dir}/MODE`, `${mode}\n`);
  mkdirSync(`${dir}/staticfiles`, { recursive: true });
  writeFileSync(`${dir}/staticfiles/version.txt`, `${version}\n`);
  // a hashed asset: each version has its own name, as ManifestStaticFilesStorage writes them
  for (const f of readdirSync(`${dir}/staticfiles`)) if (f.startsWith('app.')) rmSync(`${dir}/staticfiles/${f}`);
  writeFileSync(`${dir}/staticfiles/app.${version}.css`, `/* ${version} */\n`);
  git('add', '-A');
  git('commit', '-q', '-m', `${version} (${mode})`);
}
