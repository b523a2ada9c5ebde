// Defaults for every optional key, read from the key table (keys.ts) and resolved by each key's own
// check (durations in ms). The scope-dependent paths are in scope-paths.ts.
import { isScoped, type Key, type List } from './key-types.js';
import { KEYS } from './keys.js';
import type { ConfigFile } from './schema.js';
import { defaultEnvFile, scopePaths } from './scope-paths.js';
import type { Config, Scope } from './types.js';

/** A key's default as bg uses it: the table's value run through the key's check. */
function defaultOf<T>(node: Key<T>): T {
  const r = node.default === undefined || isScoped(node.default) ? undefined : node.check(node.default);
  if (!r || !('ok' in r)) throw new Error(`the key table's default ${JSON.stringify(node.default)} is not a value of its key`);
  return r.ok;
}
const listDefault = (node: List): string[] => [...(node.default as string[])];

const { web, caddy, celery, hooks, venv, django } = KEYS;
export const DEFAULTS = {
  appDir: defaultOf(KEYS.app_dir),
  keepReleases: defaultOf(KEYS.keep_releases),
  keepBackups: defaultOf(KEYS.keep_backups),
  build: listDefault(KEYS.build),
  release: listDefault(KEYS.release),
  web: {
    workers: defaultOf(web.keys.workers),
    timeout: defaultOf(web.keys.timeout), // seconds
    health: {
      path: defaultOf(web.keys.health.keys.path),
      intervalMs: defaultOf(web.keys.health.keys.interval),
      timeoutMs: defaultOf(web.keys.health.keys.timeout),
      retries: defaultOf(web.keys.health.keys.retries),
      expect: defaultOf(web.keys.health.keys.expect),
      failAfter: defaultOf(web.keys.health.keys.fail_after),
    },
  },
  caddy: {
    switch: defaultOf(caddy.keys.switch),
    unit: defaultOf(caddy.keys.unit),
    admin: defaultOf(caddy.keys.admin),
    staticPath: defaultOf(caddy.keys.static.keys.path),
    staticDir: defaultOf(caddy.keys.static.keys.dir),
  },
  celery: {
    beat: defaultOf(celery.keys.beat),
    concurrency: defaultOf(celery.keys.concurrency),
    stopTimeout: defaultOf(celery.keys.stop_timeout),
    loglevel: defaultOf(celery.keys.loglevel),
  },
  hooks: {
    commands: listDefault(hooks.keys.post_switch),
    timeout: defaultOf(hooks.keys.timeout),
  },
  venv: {
    requirements: listDefault(venv.keys.requirements),
    python: defaultOf(venv.keys.python),
    systemSitePackages: defaultOf(venv.keys.system_site_packages),
  },
  django: { manage: defaultOf(django.keys.manage) },
} as const;

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
  const dv = DEFAULTS.venv;
  const staticBlock = f.caddy.static;
  return {
    app: f.app,
    repo: f.repo,
    ...(f.ref !== undefined && { ref: f.ref }),
    root: f.root,
    appDir: (f.app_dir ?? DEFAULTS.appDir).replace(/^\.\/?$|^\.\//, '').replace(/\/+$/, ''),
    scope: ctx.scope,
    user: f.user ?? f.app.slice(0, 32),
    envFile: f.env_file ?? defaultEnvFile(ctx.scope, f.app, f.root),
    envFileSet: f.env_file !== undefined,
    unitDir: f.unit_dir ?? paths.unitDir,
    stateDir: f.state_dir ?? paths.stateDir,
    ...(f.log_dir !== undefined && { logDir: f.log_dir }),
    ...(f.legacy_unit !== undefined && { legacyUnit: f.legacy_unit }),
    keepReleases: f.keep_releases ?? DEFAULTS.keepReleases,
    keepBackups: f.keep_backups ?? DEFAULTS.keepBackups,
    build: f.build ?? [...DEFAULTS.build],
    release: f.release ?? [...DEFAULTS.release],
    sharedDirs: f.shared_dirs ?? [],
    sharedFiles: f.shared_files ?? [],
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
        failAfter: h.fail_after ?? dh.failAfter,
      },
    },
    caddy: {
      site: f.caddy.site,
      caddyfile: f.caddy.caddyfile ?? paths.caddyfile,
      upstreamFile: f.caddy.upstream_file ?? paths.upstreamFile,
      switch: f.caddy.switch ?? DEFAULTS.caddy.switch,
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
    hooks: {
      postSwitch: f.hooks?.post_switch ?? [...DEFAULTS.hooks.commands],
      postDeploy: f.hooks?.post_deploy ?? [...DEFAULTS.hooks.commands],
      onFailure: f.hooks?.on_failure ?? [...DEFAULTS.hooks.commands],
      timeout: f.hooks?.timeout ?? DEFAULTS.hooks.timeout,
    },
    ...(f.hosts && {
      hosts: f.hosts.map((h) => ({ name: h.name, ssh: h.ssh, config: h.config, ...(h.port !== undefined && { port: h.port }) })),
    }),
    ...(f.celery_host !== undefined && { celeryHost: f.celery_host }),
    ...(f.alembic && { alembic: { command: f.alembic.command } }),
    ...(f.django && { django: { manage: f.django.manage ?? DEFAULTS.django.manage } }),
    ...(f.venv && {
      venv: {
        requirements: f.venv.requirements ?? [...dv.requirements],
        python: f.venv.python ?? dv.python,
        systemSitePackages: f.venv.system_site_packages ?? dv.systemSitePackages,
      },
    }),
    configPath: ctx.configPath,
  };
}
