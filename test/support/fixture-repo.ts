import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURE_APP = fileURLToPath(new URL('../fixtures/app/', import.meta.url));

export type Mode = 'ok' | 'unhealthy' | 'crash' | 'hang' | 'celery-crash';

// A real git repository of the fixture app: main answers v1, and one branch per behaviour a test
// deploys (v2, v3 healthy; unhealthy, crash, hang broken in the named way; celery-crash: the web is
// fine, the Celery worker cannot boot).
export function makeFixtureRepo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=bg test', '-c', 'user.email=test@bg.invalid', ...args], { stdio: 'pipe' });
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

const DJANGO_APP = fileURLToPath(new URL('../fixtures/django/', import.meta.url));

const NOTE_FIELD = '    note = models.CharField(max_length=200, null=True)\n';
const MIGRATION_0002 = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [migrations.AddField(model_name="question", name="note", field=models.CharField(max_length=200, null=True))]
`;
const MIGRATION_0003 = `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("polls", "0002_question_note")]
    operations = [migrations.RemoveField(model_name="question", name="note")]
`;

// A real git repository of the Django fixture (Debian's python3-django, SQLite): main is v1; v2 adds
// a nullable field (safe while v1 serves); v3 removes it again (v2, still serving, would break).
export function makeDjangoRepo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=bg test', '-c', 'user.email=test@bg.invalid', ...args], { stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  cpSync(DJANGO_APP, dir, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  const models = `${dir}/polls/models.py`;
  const base = readFileSync(models, 'utf8');
  const version = (v: string) => writeFileSync(`${dir}/VERSION`, `${v}\n`);
  version('v1');
  git('add', '-A');
  git('commit', '-q', '-m', 'v1');
  git('checkout', '-q', '-b', 'v2');
  version('v2');
  writeFileSync(models, base + NOTE_FIELD);
  writeFileSync(`${dir}/polls/migrations/0002_question_note.py`, MIGRATION_0002);
  git('add', '-A');
  git('commit', '-q', '-m', 'v2: question.note (nullable)');
  git('checkout', '-q', '-b', 'v3');
  version('v3');
  writeFileSync(models, base);
  writeFileSync(`${dir}/polls/migrations/0003_remove_question_note.py`, MIGRATION_0003);
  git('add', '-A');
  git('commit', '-q', '-m', 'v3: question.note removed');
  git('checkout', '-q', 'main');
  return dir;
}

// A real project fixture as a git repository: main is test/fixtures/<name> with VERSION v1; each
// later version is a branch off the one before, <name>-<version>/ copied over it (the files that
// version changes, e.g. a model and the migration makemigrations wrote for it) and VERSION set.
export function makeProjectRepo(dir: string, name: string, versions: string[] = []): string {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=bg test', '-c', 'user.email=test@bg.invalid', ...args], { stdio: 'pipe' });
  const fixture = (v?: string) => fileURLToPath(new URL(`../fixtures/${name}${v ? `-${v}` : ''}/`, import.meta.url));
  const noCache = (src: string) => !src.includes('__pycache__');
  git('init', '-q', '-b', 'main');
  cpSync(fixture(), dir, { recursive: true, filter: noCache });
  writeFileSync(`${dir}/VERSION`, 'v1\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'v1');
  for (const v of versions) {
    git('checkout', '-q', '-b', v);
    cpSync(fixture(v), dir, { recursive: true, filter: noCache });
    writeFileSync(`${dir}/VERSION`, `${v}\n`);
    git('add', '-A');
    git('commit', '-q', '-m', v);
  }
  git('checkout', '-q', 'main');
  return dir;
}
