import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lstatPath, pointSymlink, readText } from '../../src/adapters/files.js';
import { makeDirs } from '../../src/adapters/make-dirs.js';
import { runShell } from '../../src/adapters/shell.js';
import { renderInitConfig } from '../../src/config/init-template.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { isBgError } from '../../src/errors.js';
import type { Host } from '../../src/execute/host.js';
import { makeSharedLine } from '../../src/render/argv/shared.js';
import { missingEnvWarning } from '../../src/steps/env-check.js';
import { readOnlyPath } from '../../src/steps/read-only-advice.js';
import { databaseFiles, refuseNewDatabases } from '../../src/steps/release-data.js';
import { linkSharedPaths } from '../../src/steps/shared-paths.js';
import { layout } from '../support/init-project.js';
import { MINIMAL_YAML, sampleConfig } from '../support/sample-config.js';

const parse = (extra: string) =>
  parseConfig(`${MINIMAL_YAML}${extra}`, { configPath: '/etc/bg/shop.yml', scope: 'system', env: {}, homedir: '/root' });
const problemsOf = (extra: string): string => {
  try {
    parse(extra);
    return 'accepted';
  } catch (e) {
    return isBgError(e) ? `${e.message}\n${e.detail ?? ''}` : String(e);
  }
};

describe('shared_dirs and shared_files in bg.yml', () => {
  it('takes relative paths inside the project, normalized, and defaults to none', () => {
    const cfg = parse('shared_dirs: [logs, ./media/uploads/]\nshared_files: [db.sqlite3]\n');
    expect(cfg.sharedDirs).toEqual(['logs', 'media/uploads']);
    expect(cfg.sharedFiles).toEqual(['db.sqlite3']);
    expect(parse('').sharedDirs).toEqual([]);
  });

  it.each([
    ['an absolute path', 'shared_dirs: [/var/log/shop]', /shared_dirs\[0\]: must be a relative path/],
    ['a way out of the project', 'shared_dirs: [../logs]', /shared_dirs\[0\]: must be a relative path/],
    ['a path in .git', 'shared_files: [.git/config]', /shared_files\[0\]: must be a relative path/],
    ['the venv link', 'shared_dirs: [.venv]', /shared_dirs\[0\]: must be a relative path/],
    ["bg's own backups", 'shared_dirs: [backups]', /bg keeps its own backups in shared/],
    ['a path listed twice', 'shared_dirs: [logs, logs/]', /shared_dirs: logs is listed twice/],
    [
      'the same path as a dir and a file',
      'shared_dirs: [data]\nshared_files: [data]',
      /shared_files: data is listed twice \(also in shared_dirs\)/,
    ],
    [
      'a path inside another',
      'shared_dirs: [media]\nshared_files: [media/db.sqlite3]',
      /shared_files: media\/db.sqlite3 is inside shared_dirs's media/,
    ],
  ])('refuses %s', (_what, extra, problem) => {
    expect(problemsOf(`${extra}\n`)).toMatch(problem);
  });
});

describe('the line that makes the shared paths as the app user', () => {
  it('makes directories and the parents of files, and an empty file only when nothing is there', () => {
    expect(makeSharedLine(['logs'], ['data/db.sqlite3'])).toBe(
      'umask 022 && mkdir -p -- logs data && { [ -e data/db.sqlite3 ] || [ -L data/db.sqlite3 ] || (umask 027 && : > data/db.sqlite3); }',
    );
  });
});

describe('a failed start that hit a read-only path in its release', () => {
  const cfg = sampleConfig({ sharedDirs: ['media'] });
  it("names the directory and the shared_dirs line (Python's os.mkdir in the cwd)", () => {
    const log = [
      '  File "/srv/shop/blue/app.py", line 4, in <module>',
      "    os.mkdir('logs')",
      "OSError: [Errno 30] Read-only file system: 'logs'",
      '[2026-12-03 10:00:00 +0000] [12] [INFO] Worker exiting (pid: 12)',
    ].join('\n');
    const r = readOnlyPath(cfg, log);
    expect(r).toMatchObject({ path: 'logs', key: 'shared_dirs' });
    expect(r?.advice).toContain('add `shared_dirs: [media, logs]` to /srv/shop/bg.yml');
  });

  it('maps an absolute path under a color, a release or current to the project, and a file name to shared_files', () => {
    expect(
      readOnlyPath(cfg, "PermissionError: [Errno 13] Permission denied: '/srv/shop/releases/20261203-100000/logs/app.log'")?.path,
    ).toBe('logs');
    expect(
      readOnlyPath({ ...cfg, appDir: 'mysite' }, "OSError: [Errno 30] Read-only file system: '/srv/shop/green/mysite/app.db'"),
    ).toMatchObject({
      path: 'app.db',
      key: 'shared_files',
    });
    expect(readOnlyPath(cfg, "mkdir: cannot create directory 'cache': Read-only file system")?.path).toBe('cache');
  });

  it('says nothing for a path outside the release, or no such line', () => {
    expect(readOnlyPath(cfg, "PermissionError: [Errno 13] Permission denied: '/var/log/shop.log'")).toBeUndefined();
    expect(readOnlyPath(cfg, 'ModuleNotFoundError: No module named flask')).toBeUndefined();
  });
});

describe('bg init finds what the code writes next to itself', () => {
  const parseInit = (text: string) => parseConfig(text, { configPath: '/x/bg.yml', scope: 'system', env: {}, homedir: '/home/op' });
  it("Django's default database and MEDIA_ROOT, and a logs dir its LOGGING writes", () => {
    const text = renderInitConfig(
      layout('/home/op/blog', {
        'manage.py': "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'blog.settings')\n",
        'blog/wsgi.py': 'application = get_wsgi_application()\n',
        'blog/settings.py': [
          'BASE_DIR = Path(__file__).resolve().parent.parent',
          "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': BASE_DIR / 'db.sqlite3'}}",
          "MEDIA_ROOT = os.path.join(BASE_DIR, 'media')",
          "LOGGING = {'handlers': {'file': {'class': 'logging.FileHandler', 'filename': BASE_DIR / 'logs' / 'debug.log'}}}",
        ].join('\n'),
      }),
    );
    const cfg = parseInit(text);
    expect(cfg.sharedDirs).toEqual(['media', 'logs']);
    expect(cfg.sharedFiles).toEqual(['db.sqlite3']);
    expect(text).toContain(
      '# Written next to the code (kept in shared/ instead): blog/settings.py: the SQLite database db.sqlite3 in the project',
    );
  });

  it("a Flask app's sqlite:///app.db and os.mkdir('logs'); Flask-SQLAlchemy's instance folder", () => {
    const plain = parseInit(
      renderInitConfig(
        layout('/home/op/notes', {
          'app.py': "import os\nos.mkdir('logs')\nengine = create_engine('sqlite:///app.db')\napp = Flask(__name__)\n",
        }),
      ),
    );
    expect(plain.sharedDirs).toEqual(['logs']);
    expect(plain.sharedFiles).toEqual(['app.db']);
    const fsa = parseInit(
      renderInitConfig(
        layout('/home/op/notes', {
          'app.py':
            "from flask_sqlalchemy import SQLAlchemy\napp = Flask(__name__)\napp.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///app.db'\nos.makedirs(\"logs\", exist_ok=True)\n",
        }),
      ),
    );
    expect(fsa.sharedDirs).toEqual(['instance', 'logs']);
    expect(fsa.sharedFiles).toEqual([]);
  });

  it('leaves both keys commented out at their default when nothing is seen (an absolute SQLite path is outside the release)', () => {
    const text = renderInitConfig(
      layout('/home/op/api', { 'app.py': "engine = create_engine('sqlite:////var/lib/api/app.db')\napp = Flask(__name__)\n" }),
    );
    expect(text).toMatch(/^# shared_dirs: \[\]/m);
    expect(text).toMatch(/^# shared_files: \[\]/m);
  });
});

// On a real tree, in user scope (the bg user makes shared/ itself).
describe('the release steps on disk', () => {
  let root: string;
  let cfg: Config;
  const host = {
    files: {
      exists: (p: string) => existsSync(p),
      list: (d: string) => readdir(d).catch(() => []),
      lstat: lstatPath,
      read: readText,
      pointLink: pointSymlink,
      makeDirs: async (dirs: string[]) => {
        for (const d of dirs) await makeDirs(d);
      },
    },
    shell: runShell,
  } as unknown as Host;
  const release = () => join(root, 'releases', 'r1');

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bg-shared-'));
    cfg = sampleConfig({
      root,
      scope: 'user',
      sharedDirs: ['logs', 'media/uploads'],
      sharedFiles: ['db.sqlite3'],
      envFile: join(root, 'app.env'),
    });
    await mkdir(join(release(), 'media'), { recursive: true });
    await writeFile(join(release(), 'app.py'), "import os\nSECRET = os.environ['SECRET_KEY']\nDEBUG = os.getenv('DEBUG')\n");
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('links each path into shared/, makes what is missing there and keeps what is', async () => {
    await mkdir(join(root, 'shared'), { recursive: true });
    await writeFile(join(root, 'shared', 'db.sqlite3'), 'rows');
    await linkSharedPaths(host, cfg, 'r1');
    expect(await readlink(join(release(), 'logs'))).toBe(join(root, 'shared', 'logs'));
    expect(await readlink(join(release(), 'media', 'uploads'))).toBe(join(root, 'shared', 'media', 'uploads'));
    expect((await lstat(join(root, 'shared', 'media', 'uploads'))).isDirectory()).toBe(true);
    expect(((await lstat(join(root, 'shared', 'logs'))).mode & 0o777).toString(8)).toBe('755');
    expect(await readFile(join(release(), 'db.sqlite3'), 'utf8')).toBe('rows');
  });

  it('refuses a path the repository holds, before anything is made', async () => {
    await writeFile(join(release(), 'db.sqlite3'), '');
    const err = await linkSharedPaths(host, cfg, 'r1').catch((e) => e);
    expect(err.code).toBe('shared-path-in-repo');
    expect(err.message).toContain('shared_files lists db.sqlite3, but the repository holds db.sqlite3');
    expect(err.next).toContain('git rm -r --cached db.sqlite3');
    expect(existsSync(join(root, 'shared', 'logs'))).toBe(false);
    expect(existsSync(join(release(), 'logs'))).toBe(false);
  });

  it('refuses a link in the repository on the way to a shared path', async () => {
    await rm(join(release(), 'media'), { recursive: true });
    await import('node:fs/promises').then((fs) => fs.symlink('/etc', join(release(), 'media')));
    const err = await linkSharedPaths(host, cfg, 'r1').catch((e) => e);
    expect(err.message).toContain('media, on the way to media/uploads, is a symbolic link in the repository');
  });

  it('finds a database a command made inside the release, not one the checkout held nor one behind a link', async () => {
    await writeFile(join(release(), 'media', 'geo.db'), '');
    const before = await databaseFiles(host, release());
    await linkSharedPaths(host, { ...cfg, sharedDirs: [], sharedFiles: ['shared.db'] }, 'r1');
    await writeFile(join(release(), 'shared.db'), 'x'); // through the link, into shared/
    await writeFile(join(release(), 'db.sqlite3'), '');
    expect(await databaseFiles(host, release())).toEqual(['db.sqlite3', 'media/geo.db']);
    const err = await refuseNewDatabases(
      host,
      { ...cfg, sharedFiles: [] },
      { release: 'r1', phase: 'release', commands: ['python manage.py migrate'] },
      before,
    ).catch((e) => e);
    expect(err.code).toBe('database-in-release');
    expect(err.message).toContain('The release commands (`python manage.py migrate`) created');
    expect(err.next).toContain('add `shared_files: [db.sqlite3]` to /srv/shop/bg.yml');
  });

  it('warns when the env file is empty, or lacks what the settings read without a default', async () => {
    const c = { ...cfg, web: { ...cfg.web, wsgi: 'app:app' } };
    await writeFile(c.envFile, '');
    expect(await missingEnvWarning(host, c, 'r1')).toContain(
      `warning: ${c.envFile} is empty, but app.py reads SECRET_KEY, DEBUG from the environment (without a default: SECRET_KEY;`,
    );
    await writeFile(c.envFile, 'DEBUG=0\n');
    expect(await missingEnvWarning(host, c, 'r1')).toContain(`warning: ${c.envFile} does not set SECRET_KEY, but app.py reads SECRET_KEY`);
    // what has a default in the code may stay unset once the file holds settings
    await writeFile(c.envFile, 'SECRET_KEY=x\n');
    expect(await missingEnvWarning(host, c, 'r1')).toBeUndefined();
  });
});
