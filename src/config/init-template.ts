// `bg init`: a commented bg.yml for the project in a directory. Pure: the caller passes how to
// look at files, so tests describe a layout in memory. Every key is shown, optional ones
// commented out at their default; the result always parses.
import path from 'node:path';
import { DEFAULTS } from './defaults.js';
import { formatMs } from './duration.js';
import { APP_RE, HOST_PORT_RE } from './rules.js';

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
  envKeys?: string[]; // what the settings read from the environment: the env file must set them
  notes: string[]; // what the operator should check
}

const PY_IDENT = /^[A-Za-z_]\w*$/;

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
  return {
    kind: 'django',
    pkg,
    wsgi: `${pkg}.wsgi:application`,
    healthPath: route ? `/${route}` : DEFAULTS.web.health.path,
    healthHost: allowedHost(o.readFile(at(pkg, 'settings.py')) ?? ''),
    celeryApp: o.exists(at(pkg, 'celery.py')) ? pkg : undefined,
    envKeys: envKeys(o.readFile(at(pkg, 'settings.py')) ?? ''),
    notes,
  };
}

/** The environment variables the settings read (os.environ[...], os.environ.get, os.getenv, env(...)). */
export function envKeys(settings: string): string[] {
  const found = [...settings.matchAll(/(?:os\.environ(?:\.get)?\s*[[(]|os\.getenv\s*\(|\benv(?:\.\w+)?\s*\()\s*["']([A-Z][A-Z0-9_]*)["']/g)].map((m) => m[1]);
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

function wsgiModule(o: InitOptions, file: string): DetectedProject | undefined {
  if (!o.exists(path.join(o.cwd, file))) return undefined;
  const mod = file.replace(/\.py$/, '');
  const src = o.readFile(path.join(o.cwd, file)) ?? '';
  const callable = /^application\s*[:=]/m.test(src) ? 'application' : /^app\s*[:=]/m.test(src) || !/^def create_app\b/m.test(src) ? 'app' : 'create_app()';
  const route = HEALTH_ROUTE.exec(src)?.[1];
  return {
    kind: 'flask',
    wsgi: `${mod}:${callable}`,
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

// The origin remote of the checkout in cwd, without credentials; else cwd itself if it is a repo.
function detectRepo(o: InitOptions): string | undefined {
  const gitConfig = o.readFile(path.join(o.cwd, '.git', 'config'));
  const origin = gitConfig && /\[remote "origin"\][^[]*?^\s*url\s*=\s*(\S+)\s*$/m.exec(gitConfig)?.[1];
  if (origin && !origin.startsWith('-')) return origin.replace(/^(https?:\/\/)[^@/]*@/, '$1');
  return o.exists(path.join(o.cwd, '.git')) ? o.cwd : undefined;
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

export function renderInitConfig(o: InitOptions): string {
  const app = appNameFrom(o.cwd);
  const { project: p, appDir } = findProject(o);
  const appDirLine = appDir
    ? line(`app_dir: ${appDir}`, `the project inside the repo (${p.kind === 'django' ? 'manage.py' : 'the wsgi module'} is there)`)
    : line('app_dir: .', "the project's directory inside the repo, when manage.py is one level down", true);
  const repo = detectRepo(o);
  const h = DEFAULTS.web.health;
  const c = DEFAULTS.celery;
  const django = p.kind === 'django';
  const kind = { django: 'Django', flask: 'Flask/WSGI', unknown: 'WSGI' }[p.kind];
  const host = p.healthHost
    ? line(`    host: ${p.healthHost}`, 'Host header for checks (from ALLOWED_HOSTS: 127.0.0.1 would get 400)')
    : django
      ? line(`    host: ${app}.example.com`, "Host header for checks: Django's ALLOWED_HOSTS rejects 127.0.0.1 with 400", true)
      : line(`    host: ${app}.example.com`, 'Host header for checks (default: 127.0.0.1:<port>)', true);
  const celery = [
    line('celery:', "Celery worker (+ beat) per color; only one color's runs at a time"),
    line(`  app: ${p.celeryApp ?? p.pkg ?? app.replace(/-/g, '_')}`, 'Python module passed to celery -A'),
    line(`  beat: ${c.beat}`, 'also run celery beat (one schedule file under <root>/shared/)', true),
    line(`  concurrency: ${c.concurrency}`, 'worker processes (1-64)', true),
    line('  command: /usr/bin/python3 -m celery', "default: .venv/bin/celery in the release, else celery, else Debian's python3 -m celery", true),
    line(`  stop_timeout: ${c.stopTimeout}`, 'seconds to finish running tasks on stop: more than your longest task', true),
    line(`  loglevel: ${c.loglevel}`, 'debug, info, warning, error or critical', true),
    line('  queues: [celery]', "queues the worker consumes (-Q); a stop quiesces each; default: Celery's own", true),
    line('  broker: redis://127.0.0.1:6379/0', 'no password here (units are world-readable): default CELERY_BROKER_URL, BROKER_URL or REDIS_URL in the env file', true),
    line('  memory_max: 512M', 'MemoryMax= of the worker and beat units', true),
  ].map((l) => (p.celeryApp ? l : `# ${l}`));
  // Debian's Python (the one with python3-django), not whatever `python3` is first on the deployer's PATH
  const venv = '/usr/bin/python3 -m venv --system-site-packages .venv && .venv/bin/pip install -r requirements.txt';
  const builds = django ? [venv, '.venv/bin/python manage.py collectstatic --noinput'] : [venv];
  const releases = django ? ['.venv/bin/python manage.py migrate --noinput'] : ['.venv/bin/flask db upgrade'];

  return [
    `# bg.yml: blue/green deploys of ${app} (${kind}) with bg, also installed as \`bluegreen\`.`,
    '# Written by `bluegreen init`. Optional keys are commented out at their default.',
    '# Paths must be absolute. With --user, default paths move under ~/.config and ~/.local/state.',
    ...p.notes.map((n) => `# CHECK: ${n}`),
    ...(p.envKeys?.length
      ? [`# The settings read ${p.envKeys.join(', ')} from the environment: set them in the env file (env_file, default /etc/bg/${app}.env; with --user <root>/shared/.env).`]
      : []),
    '',
    line(`app: ${app}`, `lowercase letters, digits, -; prefixes unit names (${app}-web-blue.service)`),
    repo ? line(`repo: ${q(repo)}`, 'anything `git clone` accepts') : line(`repo: /srv/git/${app}.git`, 'anything `git clone` accepts (no git remote found here)'),
    line(`root: /srv/${app}`, 'releases/, shared/ and the blue, green and current links live under here'),
    line('ref: main', "what `bg setup` checks out (default: the repo's default branch)", true),
    appDirLine,
    line(`user: ${app}`, 'the unprivileged user the app runs as (system scope; setup creates it)', true),
    line(`env_file: /etc/bg/${app}.env`, "secrets for the units; new: 0640 root:<user>; never where the app's user can write (--user: <root>/shared/.env)", true),
    line('unit_dir: /etc/systemd/system', 'where unit files go', true),
    line(`state_dir: /var/lib/bg/${app}`, 'lock and deploy journal', true),
    line(`log_dir: /var/log/${app}`, "units append output to files here instead of the journal; root's, never in shared/", true),
    line(`legacy_unit: ${app}.service`, 'a single-instance unit to take over from without downtime', true),
    line('keep_releases: 5', 'built releases kept for `bluegreen rollback --to` (cleanup prunes the rest)', true),
    line('build:', 'commands run in the new release before it starts, in order', true),
    ...builds.map((b) => `#   - ${b}`),
    line('release:', 'once per deploy after build, before the new color starts: migrations', true),
    ...releases.map((b) => `#   - ${b}`),
    '',
    'web:',
    line(`  wsgi: ${p.wsgi}`, 'module:callable that Gunicorn serves'),
    line('  ports: { blue: 8000, green: 8100 }', 'one loopback port per color; must differ'),
    line(`  workers: ${DEFAULTS.web.workers}`, 'Gunicorn workers per color (1-64)', true),
    line(`  timeout: ${DEFAULTS.web.timeout}`, 'Gunicorn --timeout in seconds; also bounds draining the old color', true),
    line('  gunicorn: /usr/bin/gunicorn', "default: .venv/bin/gunicorn in the release, else Debian's /usr/bin/gunicorn", true),
    line('  memory_max: 512M', 'MemoryMax= of each web unit; without it bg measures what the live color uses', true),
    line('  health:', 'the gate: a new color takes traffic only after this passes'),
    line(`    path: ${p.healthPath}`, 'must answer the expected status'),
    host,
    line(`    interval: ${formatMs(h.intervalMs)}`, 'pause between tries ("100ms", "2s" or seconds)', true),
    line(`    timeout: ${formatMs(h.timeoutMs)}`, 'per try', true),
    line(`    retries: ${h.retries}`, 'tries before the deploy fails and rolls back', true),
    line(`    expect: ${h.expect}`, 'HTTP status that means healthy', true),
    '',
    'caddy:',
    line('  site: ":8080"', 'site address(es) of the Caddyfile, e.g. shop.example.com for HTTPS'),
    line('  caddyfile: /etc/caddy/Caddyfile', "the main Caddyfile: bg adds one import of this app's site file, keeps the rest", true),
    line(`  upstream_file: /etc/caddy/${app}-upstream.txt`, 'holds "to 127.0.0.1:<active port>"', true),
    line(`  unit: ${DEFAULTS.caddy.unit}`, 'the unit that runs Caddy', true),
    line(`  admin: ${DEFAULTS.caddy.admin}`, 'Caddy admin API, to confirm where it routes', true),
    line(`  static: { path: ${DEFAULTS.caddy.staticPath}, dir: ${DEFAULTS.caddy.staticDir} }`, `serve static files from the active release's dir${django ? ' (STATIC_ROOT)' : ''}`, true),
    '',
    ...celery,
    '',
    line(django ? 'django:' : '# django:', "bg reads each deploy's migration plan and refuses destructive ones (--allow-destructive)"),
    line(django ? '  manage: manage.py' : '#   manage: manage.py', 'inside the project (app_dir)'),
    line('# hooks:', 'commands run with BG_APP, BG_COMMIT, BG_FROM, BG_TO, BG_RESULT... set; a failing one never undoes a deploy'),
    line('#   post_switch: []', 'right after Caddy routes to the new color'),
    line('#   post_deploy: []', 'after a run that succeeded, e.g. a webhook with curl'),
    line('#   on_failure: []', 'after a failed run was put back'),
    line('#   timeout: 60', 'seconds per command'),
    line('# venv:', 'bg builds .venv, shared by releases with the same requirements (no pip when none changed)'),
    line('#   requirements: [requirements.txt]', 'files inside the project'),
    line('#   python: /usr/bin/python3', "the Python that has your packages (Debian's)"),
    line('#   system_site_packages: false', "true: see Debian's python3-* packages"),
    line('# hosts:', 'more than one host: deploy, rollback, restart, status and history run bg on each over ssh'),
    line(`#   - { name: web1, ssh: deploy@web1.example.com, port: 22, config: /etc/bg/${app}.yml }`, "config: this file's path on that host"),
    line('# celery_host: web1', 'the one host whose bg.yml has the celery block; it goes last'),
    '',
  ].join('\n');
}
