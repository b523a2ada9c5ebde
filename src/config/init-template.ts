// `bg init`: a commented bg.yml for the project in a directory. Pure: the caller passes how to
// look at files, so tests describe a layout in memory. Every key is shown, optional ones
// commented out at their default; the result always parses.
import path from 'node:path';
import { DEFAULTS } from './defaults.js';
import { alembicCommand } from './init-alembic.js';
import { gitTopLevel, type StaticSettings, settingsSources, staticSettings, usesBeat, usesFlaskMigrate } from './init-detect.js';
import { flaskSources } from './init-flask-sources.js';
import { detectSharedPaths, type SharedFound } from './init-shared.js';
import { type Block, isScoped, type List, nodeAt, type Shape, type YamlValue } from './key-types.js';
import { KEYS } from './keys.js';
import { APP_RE, HOST_PORT_RE } from './rules.js';
import { fillDefault, SCOPE_DEFAULTS, type ScopedDefault } from './scope-paths.js';

export interface InitOptions {
  cwd: string;
  exists: (p: string) => boolean;
  readFile: (p: string) => string | undefined;
  dirs?: string[]; // the directories in cwd, to look one level down for the project
}

export interface DetectedProject {
  kind: 'django' | 'flask' | 'unknown';
  wsgi: string;
  healthPath: string;
  healthHost?: string; // a name from Django's ALLOWED_HOSTS
  pkg?: string; // Django project package
  celeryApp?: string;
  beat?: boolean; // the settings define a beat schedule or use django_celery_beat
  static?: StaticSettings; // Django's STATIC_URL and STATIC_ROOT
  flaskMigrate?: boolean;
  envKeys?: string[]; // what the settings read from the environment: the env file must set them
  sqlite?: { key?: string; file?: string }; // a Flask app's SQLite database: the variable it reads its URL from, the file's name
  notes: string[]; // what the operator should check
}

const PY_IDENT = /^[A-Za-z_]\w*$/;
// The top-level blocks, each laid out in renderInitConfig.
const TOP_BLOCKS = Object.entries(KEYS as Shape)
  .filter(([, node]) => node.kind === 'block')
  .map(([name]) => name);

/** The directory name made into a valid app name: lowercase, [a-z0-9-], starts with a letter, ≤ 40. */
export function appNameFrom(dir: string): string {
  const name = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+/g, '-')
    .slice(0, 40)
    .replace(/-+$/, '');
  return APP_RE.test(name) ? name : 'app';
}

const HEALTH_ROUTE = /["']\/?(health[\w/-]*)["']/;
// the environment variable a Flask app takes its database URL from
const DATABASE_KEY = /DATABASE|SQLALCHEMY|^DB_/;
// the file of a relative default (sqlite:///app.db), or the last part of a joined one ('sqlite:///' + os.path.join(basedir, 'app.db'))
const SQLITE_FILE = /sqlite:\/\/\/(?:([\w.-]+\.(?:db|sqlite3?))["']|["'][^\n]*?["']([\w.-]+\.(?:db|sqlite3?))["'])/;

function djangoProject(o: InitOptions): DetectedProject {
  const at = (...p: string[]) => path.join(o.cwd, ...p);
  const settingsModule = /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']/.exec(o.readFile(at('manage.py')) ?? '')?.[1];
  const base = path.basename(o.cwd).replace(/\W/g, '_');
  const candidates = [settingsModule?.split('.')[0], base, 'config', 'core', 'project', 'mysite', 'app'];
  const found = candidates.find((p) => p && PY_IDENT.test(p) && o.exists(at(p, 'wsgi.py')));
  const pkg = found ?? (candidates.find((p) => p && PY_IDENT.test(p)) as string);
  const notes = found ? [] : [`No ${pkg}/wsgi.py found next to manage.py: check web.wsgi.`];
  const route = HEALTH_ROUTE.exec(o.readFile(at(pkg, 'urls.py')) ?? '')?.[1];
  if (!route) notes.push('Add a view that answers 200 at web.health.path (e.g. /health/) or change the path.');
  const settings = settingsSources(o, o.cwd, pkg, settingsModule);
  const statics = staticSettings(settings);
  if (!statics.dir)
    notes.push(
      "The settings set no STATIC_ROOT bg can read (e.g. STATIC_ROOT = BASE_DIR / 'staticfiles'): collectstatic needs one. Set it, then uncomment build and caddy.static.",
    );
  return {
    kind: 'django',
    pkg,
    wsgi: `${pkg}.wsgi:application`,
    healthPath: route ? `/${route}` : DEFAULTS.web.health.path,
    healthHost: allowedHost(settings),
    celeryApp: o.exists(at(pkg, 'celery.py')) ? pkg : undefined,
    beat: usesBeat(settings),
    static: statics,
    envKeys: envKeys(settings),
    notes,
  };
}

/** The environment variables the settings read (os.environ[...], os.environ.get, os.getenv, env(...)). */
export function envKeys(settings: string): string[] {
  const found = [
    ...settings.matchAll(/(?:os\.environ(?:\.get)?\s*[[(]|os\.getenv\s*\(|\benv(?:\.\w+)?\s*\()\s*["']([A-Z][A-Z0-9_]*)["']/g),
  ].map((m) => m[1]);
  return [...new Set(found)];
}

// The first concrete name in ALLOWED_HOSTS; none when it allows '*' (any Host passes).
function allowedHost(settings: string): string | undefined {
  const list = /ALLOWED_HOSTS\s*=\s*[[(]([^\])]*)[\])]/.exec(settings)?.[1];
  if (!list) return undefined;
  const names = [...list.matchAll(/["']([^"']*)["']/g)].map((m) => m[1]);
  if (names.includes('*')) return undefined;
  return names.map((n) => n.replace(/^\./, '')).find((n) => HOST_PORT_RE.test(n));
}

// The variable the database URL comes from: the one read on the SQLALCHEMY_DATABASE_URI line, else
// a DATABASE...URL/URI one (never DB_HOST or SQLALCHEMY_ECHO)
function databaseKey(code: string, keys: string[]): string | undefined {
  const line = /^.*SQLALCHEMY_DATABASE_URI.*$/m.exec(code)?.[0] ?? '';
  return envKeys(line)[0] ?? keys.find((k) => DATABASE_KEY.test(k) && /UR[LI]$/.test(k) && !/TEST/.test(k));
}

const sqliteFile = (code: string) => {
  const m = SQLITE_FILE.exec(code);
  return m?.[1] ?? m?.[2];
};

function wsgiModule(o: InitOptions, file: string): DetectedProject | undefined {
  if (!o.exists(path.join(o.cwd, file))) return undefined;
  const mod = file.replace(/\.py$/, '');
  const src = o.readFile(path.join(o.cwd, file)) ?? '';
  // an app factory keeps its routes in blueprints and its settings in config.py: read what it imports
  const code = flaskSources(o, o.cwd, file)
    .map((s) => s.text)
    .join('\n');
  const callable = /^application\s*[:=]/m.test(src)
    ? 'application'
    : /^app\s*[:=]/m.test(src) || !/^def create_app\b/m.test(src)
      ? 'app'
      : 'create_app()';
  const route = HEALTH_ROUTE.exec(code)?.[1];
  const keys = envKeys(code);
  return {
    kind: 'flask',
    wsgi: `${mod}:${callable}`,
    flaskMigrate: usesFlaskMigrate(o, o.cwd, code),
    envKeys: keys,
    ...(/["']sqlite:\/\//.test(code) && { sqlite: { key: databaseKey(code, keys), file: sqliteFile(code) } }),
    healthPath: route ? `/${route}` : DEFAULTS.web.health.path,
    notes: route ? [] : ['Add a route that answers 200 at web.health.path (e.g. /health/) or change the path.'],
  };
}

/** What kind of WSGI project lives in `cwd`, and how to run it. */
export function detectProject(o: InitOptions): DetectedProject {
  if (o.exists(path.join(o.cwd, 'manage.py'))) return djangoProject(o);
  return (
    wsgiModule(o, 'wsgi.py') ??
    wsgiModule(o, 'app.py') ?? {
      kind: 'unknown',
      wsgi: 'app:app',
      healthPath: DEFAULTS.web.health.path,
      notes: ['No manage.py, wsgi.py or app.py found: set web.wsgi to your module:callable.'],
    }
  );
}

// The origin remote of the checkout at `top`, without credentials; else the checkout itself.
function detectRepo(o: InitOptions, top: string | undefined): string | undefined {
  if (!top) return undefined;
  const gitConfig = o.readFile(path.join(top, '.git', 'config'));
  const origin = gitConfig && /\[remote "origin"\][^[]*?^\s*url\s*=\s*(\S+)\s*$/m.exec(gitConfig)?.[1];
  if (origin && !origin.startsWith('-')) return origin.replace(/^(https?:\/\/)[^@/]*@/, '$1');
  return top;
}

const q = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar
// A line with its comment aligned; `off` comments the line out (an optional key at its default).
const line = (code: string, comment: string, off = false): string => {
  const indent = /^\s*/.exec(code)![0];
  const text = off ? `${indent}# ${code.trimStart()}` : code;
  return `${text.padEnd(38)} # ${comment}`;
};

/** The project here, or one level down (manage.py or a wsgi module in a subdirectory): with its app_dir. */
export function findProject(o: InitOptions): { project: DetectedProject; appDir?: string } {
  const here = detectProject(o);
  if (here.kind !== 'unknown') return { project: here };
  for (const dir of [...(o.dirs ?? [])].sort()) {
    if (dir.startsWith('.') || !/^[A-Za-z0-9._-]+$/.test(dir)) continue;
    const sub = detectProject({ ...o, cwd: path.join(o.cwd, dir) });
    if (sub.kind !== 'unknown') return { project: sub, appDir: dir };
  }
  return { project: here };
}

/** A value from the key table as bg.yml writes it (`<app>` filled in). */
function yamlOf(v: YamlValue | ScopedDefault, app: string): string {
  if (isScoped(v)) return fillDefault(v.system, { app });
  return Array.isArray(v) ? `[${v.join(', ')}]` : String(v).replaceAll('<app>', app);
}

interface LineOptions {
  value?: string; // else the key's default, else its example
  hint?: string; // else the key's hint
  off?: boolean; // commented out; by default an optional key shown at its default or example
  commented?: boolean; // in a block left commented out as a whole
}

/** The lines of bg.yml for the keys in the table, each with the table's comment. */
function keyLines(app: string) {
  const nodeOf = (keyPath: string) => {
    const node = nodeAt(KEYS, keyPath);
    if (!node) throw new Error(`no key ${keyPath} in the key table`);
    return node;
  };
  const code = (keyPath: string, value: string, commented = false) => {
    const depth = keyPath.split('.').length - 1;
    const text = `${'  '.repeat(depth)}${keyPath.split('.').at(-1)}:${value ? ` ${value}` : ''}`;
    return commented ? `# ${text}` : text;
  };
  const hintOf = (hint: string | undefined) => hint?.replaceAll('<app>', app);
  function key(keyPath: string, o: LineOptions = {}): string {
    const node = nodeOf(keyPath);
    if (node.kind === 'block') throw new Error(`${keyPath} is a block`);
    const shown = node.default !== undefined ? yamlOf(node.default, app) : (node.example?.replaceAll('<app>', app) ?? '');
    const off = o.off ?? (o.value === undefined && !(node.kind === 'key' && node.required));
    return line(code(keyPath, o.value ?? shown, o.commented), hintOf(o.hint ?? node.hint) ?? '', off);
  }
  /** A block's first line; `inline` writes its keys in it, at their defaults or examples. */
  function block(keyPath: string, o: LineOptions & { inline?: boolean } = {}): string {
    const node = nodeOf(keyPath);
    if (node.kind !== 'block') throw new Error(`${keyPath} is not a block`);
    const inline = Object.entries(node.keys as Shape).map(
      ([name, k]) =>
        `${name}: ${k.kind !== 'block' && k.default !== undefined ? yamlOf(k.default, app) : k.kind !== 'block' ? k.example : ''}`,
    );
    const text = code(keyPath, o.inline ? `{ ${inline.join(', ')} }` : '', o.commented);
    const hint = hintOf(o.hint ?? node.hint);
    return hint === undefined ? text : line(text, hint, o.off ?? false);
  }
  /**
   * The lines of a block's keys in the table's order ('' is the top level): a key or an inline block
   * as one line (`set` changes it, or gives its lines), then the other blocks, each from `set`.
   * A key added to the table shows up here without a change to the template.
   */
  function keys(
    blockPath: string,
    o: { set?: Record<string, LineOptions | (LineOptions & { inline: true }) | string[]>; skip?: string[]; commented?: boolean } = {},
  ): string[] {
    const shape = blockPath ? (nodeOf(blockPath) as Block).keys : (KEYS as Shape);
    const first: string[] = [];
    const after: string[] = [];
    for (const [name, node] of Object.entries(shape)) {
      if (o.skip?.includes(name)) continue;
      const path = blockPath ? `${blockPath}.${name}` : name;
      const set = o.set?.[name];
      const lineOptions = { ...(o.commented && { off: false, commented: true }), ...(Array.isArray(set) ? {} : set) };
      if (node.kind !== 'block') first.push(...(Array.isArray(set) ? set : [key(path, lineOptions)]));
      else if (set && 'inline' in set) first.push(block(path, lineOptions));
      else after.push(...(Array.isArray(set) ? set : [block(path, lineOptions), ...keys(path, { commented: o.commented })]));
    }
    return [...first, ...after];
  }
  return {
    key,
    block,
    keys,
    hintOf: (keyPath: string) => hintOf((nodeOf(keyPath) as { hint?: string }).hint) ?? '',
    node: nodeOf,
  };
}

export function renderInitConfig(o: InitOptions): string {
  // run in a subdirectory of a checkout: the app is named after the checkout, app_dir is the way down
  const top = gitTopLevel(o, o.cwd);
  const app = appNameFrom(top ?? o.cwd);
  const { project: p, appDir: below } = findProject(o);
  const appDir = [top ? path.relative(top, o.cwd) : '', below ?? ''].filter(Boolean).join('/') || undefined;
  const k = keyLines(app);
  const repo = detectRepo(o, top);
  const django = p.kind === 'django';
  const kind = { django: 'Django', flask: 'Flask/WSGI', unknown: 'WSGI' }[p.kind];
  const host: LineOptions = p.healthHost
    ? { value: p.healthHost, hint: 'Host header for checks (from ALLOWED_HOSTS: 127.0.0.1 would get 400)' }
    : django
      ? { hint: "Host header for checks: Django's ALLOWED_HOSTS rejects 127.0.0.1 with 400" }
      : {};
  const beat: LineOptions = p.beat ? { value: 'true', hint: 'the settings define CELERY_BEAT_SCHEDULE or use django_celery_beat' } : {};
  const celery = [
    k.block('celery'),
    ...k.keys('celery', { set: { app: { value: p.celeryApp ?? p.pkg ?? app.replace(/-/g, '_') }, ...(p.celeryApp && { beat }) } }),
  ].map((l) => (p.celeryApp ? l : `# ${l}`));
  const projectDir = appDir ? path.join(top ?? o.cwd, appDir) : o.cwd;
  const requirements = o.exists(path.join(projectDir, 'requirements.txt'));
  const collectstatic = '.venv/bin/python manage.py collectstatic --noinput';
  // flask finds app.py or wsgi.py itself, the only modules detectProject picks
  const alembic = p.kind !== 'flask' ? undefined : alembicCommand(o, projectDir, p.wsgi);
  const flaskDb = alembic?.startsWith('alembic')
    ? '.venv/bin/python -m alembic -c alembic.ini upgrade head'
    : '.venv/bin/python -m flask db upgrade';
  const build = django && p.static?.dir ? { active: [collectstatic] } : { examples: [collectstatic] };
  const release = django
    ? { active: ['.venv/bin/python manage.py migrate --noinput'] }
    : p.flaskMigrate || alembic
      ? { active: [flaskDb] }
      : { examples: [flaskDb] };
  const commandLines = (keyPath: 'build' | 'release', c: { active?: string[]; examples?: string[] }, why: string) =>
    c.active
      ? [k.key(keyPath, { value: '', off: false, hint: why }), ...c.active.map((b) => `  - ${b}`)]
      : [k.key(keyPath, { value: '', off: true }), ...(c.examples ?? []).map((b) => `#   - ${b}`)];
  const staticPath = django ? p.static?.path : undefined;
  const staticDir = django ? p.static?.dir : undefined;
  const staticLine = staticDir
    ? line(
        `  static: { path: ${staticPath ?? DEFAULTS.caddy.staticPath}, dir: ${staticDir} }`,
        `${k.hintOf('caddy.static')} (STATIC_URL, STATIC_ROOT)`,
      )
    : undefined;
  const hosts = k.node('hosts') as List<Block>;
  const shared = detectSharedPaths(projectDir !== o.cwd ? { ...o, cwd: projectDir, dirs: undefined } : o, p.pkg);
  const envFile = SCOPE_DEFAULTS.envFile;

  return [
    `# bg.yml: blue/green deploys of ${app} (${kind}) with bg, also installed as \`bluegreen\`.`,
    '# Written by `bluegreen init`. Optional keys are commented out at their default.',
    '# Paths must be absolute. With --user, default paths move under ~/.config and ~/.local/state.',
    ...p.notes.map((n) => `# CHECK: ${n}`),
    ...shared.why.map((w) => `# Written next to the code (kept in shared/ instead): ${w}`),
    ...sqliteNote(p, app, shared),
    ...(p.envKeys?.length
      ? [
          `# ${django ? 'The settings read' : 'The app reads'} ${p.envKeys.join(', ')} from the environment: set them in the env file (env_file, default ${fillDefault(envFile.system, { app })}; with --user ${envFile.user}).`,
        ]
      : []),
    '',
    ...k.keys('', {
      skip: [...TOP_BLOCKS, 'hosts', 'celery_host'],
      set: {
        app: { value: app },
        repo: repo ? { value: q(repo) } : { hint: `${k.hintOf('repo')} (no git remote found here)` },
        app_dir: appDir
          ? { value: appDir, hint: `the project inside the repo (${p.kind === 'django' ? 'manage.py' : 'the wsgi module'} is there)` }
          : {},
        build: commandLines('build', build, 'in the new release, after bg built .venv (venv:)'),
        release: commandLines('release', release, 'once per deploy, before the new color starts: migrations'),
        ...sharedLines(shared),
      },
    }),
    '',
    // bg builds .venv itself (README: The venv): from Debian's Python, which has python3-django and
    // friends, once per set of requirements; build commands leave .venv alone
    line(
      `venv: { requirements: [${requirements ? 'requirements.txt' : ''}], python: ${DEFAULTS.venv.python}, system_site_packages: true }`,
      requirements
        ? `${k.hintOf('venv')}; sees Debian's python3-* packages`
        : "no requirements.txt here: Debian's python3-* packages only (list requirement files to pip install)",
    ),
    '',
    k.block('web'),
    ...k.keys('web', {
      set: {
        wsgi: { value: p.wsgi },
        ports: { inline: true },
        health: [k.block('web.health'), ...k.keys('web.health', { set: { path: { value: p.healthPath }, host } })],
      },
    }),
    '',
    k.block('caddy'),
    ...k.keys('caddy', {
      set: {
        static: staticLine
          ? [staticLine]
          : { inline: true, off: true, ...(django && { hint: `${k.hintOf('caddy.static')} (STATIC_ROOT)` }) },
      },
    }),
    '',
    ...celery,
    '',
    // django: and alembic: exclude each other: a Flask project is shown alembic:, any other django:
    ...(p.kind !== 'flask'
      ? [
          k.block('django', { commented: !django }),
          ...k.keys('django', { commented: !django, ...(django && { set: { manage: { off: false } } }) }),
        ]
      : [
          k.block('alembic', { commented: !alembic }),
          ...k.keys('alembic', { commented: !alembic, ...(alembic && { set: { command: { value: alembic } } }) }),
        ]),
    k.block('hooks', { commented: true }),
    ...k.keys('hooks', { commented: true }),
    k.key('hosts', { value: '', off: false, commented: true }),
    line(`#   - ${hosts.example?.replaceAll('<app>', app)}`, hosts.items.hint ?? ''),
    k.key('celery_host', { off: false, commented: true }),
    '',
  ].join('\n');
}

// shared_dirs / shared_files set to what the code writes next to itself; at their default when nothing was seen
function sharedLines(found: SharedFound): Record<string, LineOptions> {
  const set = (paths: string[]): LineOptions => (paths.length ? { value: `[${paths.join(', ')}]`, off: false } : {});
  return { shared_dirs: set(found.dirs), shared_files: set(found.files) };
}

// bg copies a SQLite database before each upgrade, and rehearses a downgrade on a copy, only when the
// env file names the file: a URL written in the code is one bg cannot see.
function sqliteNote(p: DetectedProject, app: string, shared: SharedFound): string[] {
  if (p.kind !== 'flask' || !p.sqlite) return [];
  // the root init writes (the key's example), whose shared/ the app's user may write
  const root = KEYS.root.example!.replaceAll('<app>', app);
  const where = `${root}/shared/${shared.dirs.includes('instance') ? 'instance/' : ''}${p.sqlite.file ?? 'app.db'}`;
  const why = 'bg copies the database before each upgrade, and rehearses a downgrade on a copy, only when the env file names it';
  return p.sqlite.key
    ? [
        `# CHECK: set ${p.sqlite.key}=sqlite:///${where} in the env file (absolute: four slashes; the file in shared/), or the PostgreSQL URL you use: ${why}.`,
      ]
    : [
        `# CHECK: the app uses SQLite and reads its URL from no environment variable: ${why}. Read it from one (e.g. DATABASE_URL) and set DATABASE_URL=sqlite:///${where} in the env file.`,
      ];
}
