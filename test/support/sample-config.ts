import type { Config } from '../../src/config/types.js';

/** A resolved Config of the README's example app (with Celery + beat), for renderer tests. */
export function sampleConfig(over: Partial<Config> = {}): Config {
  return {
    app: 'shop',
    repo: '/srv/git/shop.git',
    root: '/srv/shop',
    appDir: '',
    scope: 'system',
    user: 'shop',
    envFile: '/etc/bg/shop.env',
    unitDir: '/etc/systemd/system',
    stateDir: '/var/lib/bg/shop',
    build: [],
    release: [],
    sharedDirs: [],
    sharedFiles: [],
    hooks: { postSwitch: [], postDeploy: [], onFailure: [], timeout: 60 },
    keepReleases: 5,
    keepBackups: 5,
    web: {
      wsgi: 'shop.wsgi:application',
      ports: { blue: 8000, green: 8100 },
      workers: 2,
      timeout: 30,
      health: { path: '/health/', intervalMs: 200, timeoutMs: 2000, retries: 50, expect: 200, failAfter: 10 },
    },
    caddy: {
      site: ':8080',
      caddyfile: '/etc/caddy/Caddyfile',
      upstreamFile: '/etc/caddy/upstream.txt',
      switch: 'port',
      unit: 'caddy.service',
      admin: 'localhost:2019',
    },
    celery: { app: 'shop', beat: true, concurrency: 2, stopTimeout: 600, loglevel: 'info' },
    configPath: '/srv/shop/bg.yml',
    ...over,
  };
}

/** The smallest bg.yml the schema accepts (the README's example app, no Celery): tests append to it. */
export const MINIMAL_YAML = `app: shop
repo: /srv/git/shop.git
root: /srv/shop
web:
  wsgi: shop.wsgi:application
  ports: { blue: 8000, green: 8100 }
caddy:
  site: ":8080"
`;
