// Defaults for every optional key. Scope-dependent paths take env and homedir as arguments so the
// resolution stays pure (tests pass their own).
import path from 'node:path';
import type { ConfigFile } from './schema.js';
import type { Config, Scope } from './types.js';

export const DEFAULTS = {
  build: [] as string[],
  keepReleases: 5,
  web: {
    workers: 2,
    timeout: 30, // seconds
    health: { path: '/health/', intervalMs: 100, timeoutMs: 2000, retries: 300, expect: 200 },
  },
  caddy: {
    unit: 'caddy.service',
    admin: 'localhost:2019',
    staticPath: '/static/',
    staticDir: 'staticfiles',
  },
  celery: { beat: false, concurrency: 2, stopTimeout: 600, loglevel: 'info' },
} as const;

export interface ScopePaths {
  unitDir: string;
  stateDir: string;
  caddyfile: string;
  upstreamFile: string;
}

// XDG base dirs must be absolute; a relative value is ignored, as the spec says.
const xdg = (env: NodeJS.ProcessEnv, name: string, fallback: string): string => {
  const v = env[name];
  return v && path.isAbsolute(v) ? path.normalize(v) : fallback;
};

/** Where units, state and Caddy files go when bg.yml does not say. */
export function scopePaths(scope: Scope, app: string, env: NodeJS.ProcessEnv, homedir: string): ScopePaths {
  if (scope === 'system') {
    return {
      unitDir: '/etc/systemd/system',
      stateDir: `/var/lib/bg/${app}`,
      caddyfile: '/etc/caddy/Caddyfile',
      upstreamFile: `/etc/caddy/${app}-upstream.txt`,
    };
  }
  const configHome = xdg(env, 'XDG_CONFIG_HOME', path.join(homedir, '.config'));
  const stateHome = xdg(env, 'XDG_STATE_HOME', path.join(homedir, '.local/state'));
  return {
    unitDir: path.join(configHome, 'systemd/user'),
    stateDir: path.join(stateHome, 'bg', app),
    caddyfile: path.join(configHome, 'bg', app, 'Caddyfile'),
    upstreamFile: path.join(configHome, 'bg', app, 'upstream.txt'),
  };
}

/** Where only root can write in system scope (0640 root:<user>, made by setup); the app's own tree in user scope. */
export const defaultEnvFile = (scope: Scope, app: string, root: string): string => (scope === 'system' ? `${SYSTEM_ENV_DIR}/${app}.env` : `${root}/shared/.env`);

/** The root-owned directory of system scope's env files. */
export const SYSTEM_ENV_DIR = '/etc/bg';

/** The env file's default before it moved out of `shared/`: a host set up then still has it there. */
export const oldEnvFile = (root: string): string => `${root}/shared/.env`;

export interface ResolveContext {
  configPath: string; // absolute
  scope: Scope;
  env: NodeJS.ProcessEnv;
  homedir: string;
}

/** A validated bg.yml (snake_case) → the resolved Config (camelCase, every default filled). */
export function applyDefaults(f: ConfigFile, ctx: ResolveContext): Config {
  const paths = scopePaths(ctx.scope, f.app, ctx.env, ctx.homedir);
  const h = f.web.health ?? {};
  const dh = DEFAULTS.web.health;
  const staticBlock = f.caddy.static;
  return {
    app: f.app,
    repo: f.repo,
    ...(f.ref !== undefined && { ref: f.ref }),
    root: f.root,
    appDir: (f.app_dir ?? '').replace(/^\.\/?$|^\.\//, '').replace(/\/+$/, ''),
    scope: ctx.scope,
    user: f.user ?? f.app.slice(0, 32),
    envFile: f.env_file ?? defaultEnvFile(ctx.scope, f.app, f.root),
    envFileSet: f.env_file !== undefined,
    unitDir: f.unit_dir ?? paths.unitDir,
    stateDir: f.state_dir ?? paths.stateDir,
    ...(f.log_dir !== undefined && { logDir: f.log_dir }),
    ...(f.legacy_unit !== undefined && { legacyUnit: f.legacy_unit }),
    keepReleases: f.keep_releases ?? DEFAULTS.keepReleases,
    build: f.build ?? [...DEFAULTS.build],
    release: f.release ?? [],
    web: {
      wsgi: f.web.wsgi,
      ports: { blue: f.web.ports.blue, green: f.web.ports.green },
      workers: f.web.workers ?? DEFAULTS.web.workers,
      timeout: f.web.timeout ?? DEFAULTS.web.timeout,
      ...(f.web.gunicorn !== undefined && { gunicorn: f.web.gunicorn }),
      ...(f.web.memory_max !== undefined && { memoryMax: f.web.memory_max }),
      health: {
        path: h.path ?? dh.path,
        ...(h.host !== undefined && { host: h.host }),
        intervalMs: h.interval ?? dh.intervalMs,
        timeoutMs: h.timeout ?? dh.timeoutMs,
        retries: h.retries ?? dh.retries,
        expect: h.expect ?? dh.expect,
      },
    },
    caddy: {
      site: f.caddy.site,
      caddyfile: f.caddy.caddyfile ?? paths.caddyfile,
      upstreamFile: f.caddy.upstream_file ?? paths.upstreamFile,
      unit: f.caddy.unit ?? DEFAULTS.caddy.unit,
      admin: f.caddy.admin ?? DEFAULTS.caddy.admin,
      ...(staticBlock && {
        staticPath: staticBlock.path ?? DEFAULTS.caddy.staticPath,
        staticDir: staticBlock.dir ?? DEFAULTS.caddy.staticDir,
      }),
    },
    ...(f.celery && {
      celery: {
        app: f.celery.app,
        beat: f.celery.beat ?? DEFAULTS.celery.beat,
        concurrency: f.celery.concurrency ?? DEFAULTS.celery.concurrency,
        ...(f.celery.command !== undefined && { command: f.celery.command }),
        stopTimeout: f.celery.stop_timeout ?? DEFAULTS.celery.stopTimeout,
        loglevel: f.celery.loglevel ?? DEFAULTS.celery.loglevel,
        ...(f.celery.queues !== undefined && { queues: f.celery.queues }),
        ...(f.celery.broker !== undefined && { broker: f.celery.broker }),
        ...(f.celery.memory_max !== undefined && { memoryMax: f.celery.memory_max }),
      },
    }),
    hooks: { postSwitch: f.hooks?.post_switch ?? [], postDeploy: f.hooks?.post_deploy ?? [], onFailure: f.hooks?.on_failure ?? [], timeout: f.hooks?.timeout ?? 60 },
    ...(f.hosts && { hosts: f.hosts.map((h) => ({ name: h.name, ssh: h.ssh, config: h.config, ...(h.port !== undefined && { port: h.port }) })) }),
    ...(f.celery_host !== undefined && { celeryHost: f.celery_host }),
    ...(f.django && { django: { manage: f.django.manage ?? 'manage.py' } }),
    ...(f.venv && {
      venv: {
        requirements: f.venv.requirements ?? ['requirements.txt'],
        python: f.venv.python ?? '/usr/bin/python3',
        systemSitePackages: f.venv.system_site_packages ?? false,
      },
    }),
    configPath: ctx.configPath,
  };
}
