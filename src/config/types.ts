// The resolved configuration: every default filled in, every path absolute.
// Produced by loadConfig(); everything downstream reads only this shape.

export type Color = 'blue' | 'green';
export const COLORS: readonly Color[] = ['blue', 'green'];
export const otherColor = (c: Color): Color => (c === 'blue' ? 'green' : 'blue');

export type Scope = 'system' | 'user';

export interface HealthConfig {
  path: string; // starts with '/'
  host?: string; // Host header sent with each check
  intervalMs: number; // pause between tries
  timeoutMs: number; // per-try timeout
  retries: number; // max tries before the gate fails
  expect: number; // expected HTTP status
  failAfter: number; // consecutive answers other than `expect` that end the gate
}

export interface WebConfig {
  wsgi: string; // module:callable
  ports: Record<Color, number>;
  workers: number;
  timeout: number; // gunicorn --timeout, seconds; also bounds the drain
  gunicorn?: string[]; // command words; undefined = release's .venv/bin/gunicorn, else gunicorn on PATH
  health: HealthConfig;
  memoryMax?: number; // bytes: the web units' MemoryMax=
}

export interface CaddyConfig {
  site: string;
  caddyfile: string; // absolute path
  upstreamFile: string; // absolute path
  switch: 'port' | 'socket'; // socket: each color on a unix socket, Caddy's upstream a symlink the switch flips
  unit: string; // unit that runs Caddy
  admin: string; // host:port of the admin API
  staticPath?: string; // URL prefix served from the active release, e.g. /static/
  staticDir?: string; // dir inside the release, e.g. staticfiles
}

export interface CeleryConfig {
  app: string;
  beat: boolean;
  concurrency: number;
  command?: string[]; // undefined = release's .venv/bin/celery, else celery on PATH, else python3 -m celery
  stopTimeout: number; // seconds, TimeoutStopSec of worker units: longer than the longest task
  loglevel: string;
  queues?: string[]; // -Q for the worker, and what its stop quiesces; undefined: Celery's default queue, `celery`
  broker?: string; // checked before a deploy touches Celery; undefined: read from the env file
  memoryMax?: number; // bytes: the worker units' MemoryMax=
}

/** One host of a fleet: bg runs there over ssh with its own bg.yml. */
export interface FleetHost {
  name: string;
  ssh: string; // user@host
  port?: number;
  config: string; // the bg.yml path on that host
}

export interface VenvConfig {
  requirements: string[]; // relative to the project dir; their contents (with python and the flag) name the venv
  python: string; // absolute: the Python that has what the app needs (Debian's /usr/bin/python3)
  systemSitePackages: boolean;
}

export interface Config {
  app: string;
  repo: string;
  ref?: string;
  root: string; // absolute
  appDir: string; // the project's directory inside the repo, relative ('' = the repo itself)
  scope: Scope;
  user: string; // system scope: the unprivileged user the units, build and release run as
  envFile: string; // absolute
  envFileSet?: boolean; // bg.yml names env_file (else envFile is the default)
  unitDir: string; // absolute
  stateDir: string; // absolute
  logDir?: string; // when set, units append stdout/stderr here instead of the journal
  legacyUnit?: string;
  keepReleases: number; // built releases kept on disk for `rollback --to`
  keepBackups: number; // database copies kept in <root>/backups
  build: string[];
  release: string[]; // once per deploy after build, before the new color starts (migrations)
  sharedDirs: string[]; // relative to appDir: each release links them into <root>/shared/
  sharedFiles: string[];
  web: WebConfig;
  caddy: CaddyConfig;
  celery?: CeleryConfig;
  alembic?: { command: string[] }; // how Alembic runs: bg reads pending revisions before each deploy
  django?: { manage: string }; // manage.py inside the project: bg reads the migration plan before each deploy
  venv?: VenvConfig;
  hooks: { postSwitch: string[]; postDeploy: string[]; onFailure: string[]; timeout: number }; // operator commands around a run
  hosts?: FleetHost[]; // with them, deploy/rollback/restart/status/history run bg on each host over ssh
  celeryHost?: string; // the one host whose bg.yml has Celery: it goes last
  configPath: string; // where it was read from
}
