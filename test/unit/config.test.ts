import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/config/duration.js';
import { loadConfig } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';

// A minimal accepted bg.yml, the same keys as the README's example ("Configuration").
const MINIMAL = `
app: shop                       # [a-z][a-z0-9-]*; prefixes unit names
repo: /srv/git/shop.git         # anything \`git clone\` accepts
root: /srv/shop                 # releases/<color>/ live under here
web:
  wsgi: shop.wsgi:application
  ports: { blue: 8000, green: 8100 }
  workers: 2
  health: { path: /health/ }    # also: interval, timeout, retries, expect status
caddy:
  site: ":8080"                 # site address for the generated Caddyfile
celery:                         # optional block
  app: shop
  beat: true
`;

const HOME = '/home/op';
const parse = (text: string, scope: 'system' | 'user' = 'system', env: NodeJS.ProcessEnv = {}) =>
  parseConfig(text, { configPath: '/etc/bg/bg.yml', scope, env, homedir: HOME });

/** The ConfigError message for `text`; fails the test if it parses. */
function problems(text: string): string {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError, but the config parsed');
}

// Minimal config with one top-level section replaced or extended, as YAML text.
const BASE = {
  top: 'app: shop\nrepo: /srv/git/shop.git\nroot: /srv/shop\n',
  web: 'web:\n  wsgi: shop.wsgi:application\n  ports: { blue: 8000, green: 8100 }\n',
  caddy: 'caddy:\n  site: ":8080"\n',
};
const yml = (over: Partial<typeof BASE> & { extra?: string } = {}) =>
  `${over.top ?? BASE.top}${over.web ?? BASE.web}${over.caddy ?? BASE.caddy}${over.extra ?? ''}`;
const withTop = (line: string) => yml({ top: `${BASE.top + line}\n` });
const withWeb = (lines: string) => yml({ web: BASE.web + lines });
const withCaddy = (lines: string) => yml({ caddy: BASE.caddy + lines });

describe('the minimal example', () => {
  it('parses in system scope with every default filled', () => {
    expect(parse(MINIMAL, 'system')).toEqual({
      app: 'shop',
      repo: '/srv/git/shop.git',
      root: '/srv/shop',
      appDir: '',
      scope: 'system',
      user: 'shop',
      envFile: '/etc/bg/shop.env',
      envFileSet: false,
      unitDir: '/etc/systemd/system',
      stateDir: '/var/lib/bg/shop',
      keepReleases: 5,
      keepBackups: 5,
      build: [],
      release: [],
      sharedDirs: [],
      sharedFiles: [],
      hooks: { postSwitch: [], postDeploy: [], onFailure: [], timeout: 60 },
      web: {
        wsgi: 'shop.wsgi:application',
        ports: { blue: 8000, green: 8100 },
        workers: 2,
        timeout: 30,
        health: { path: '/health/', intervalMs: 100, timeoutMs: 2000, retries: 300, expect: 200, failAfter: 10 },
      },
      caddy: {
        site: ':8080',
        caddyfile: '/etc/caddy/Caddyfile',
        upstreamFile: '/etc/caddy/shop-upstream.txt',
        switch: 'port',
        unit: 'caddy.service',
        admin: 'localhost:2019',
      },
      celery: { app: 'shop', beat: true, concurrency: 2, stopTimeout: 600, loglevel: 'info' },
      configPath: '/etc/bg/bg.yml',
    });
  });

  it('moves every default path under the home dir in user scope', () => {
    const cfg = parse(MINIMAL, 'user');
    expect(cfg.scope).toBe('user');
    expect(cfg.unitDir).toBe('/home/op/.config/systemd/user');
    expect(cfg.stateDir).toBe('/home/op/.local/state/bg/shop');
    expect(cfg.caddy.caddyfile).toBe('/home/op/.config/bg/shop/Caddyfile');
    expect(cfg.caddy.upstreamFile).toBe('/home/op/.config/bg/shop/upstream.txt');
    expect(cfg.envFile).toBe('/srv/shop/shared/.env');
  });

  it('follows XDG_CONFIG_HOME and XDG_STATE_HOME in user scope, ignoring relative values', () => {
    const cfg = parse(MINIMAL, 'user', { XDG_CONFIG_HOME: '/tmp/xc', XDG_STATE_HOME: '/tmp/xs' });
    expect(cfg.unitDir).toBe('/tmp/xc/systemd/user');
    expect(cfg.stateDir).toBe('/tmp/xs/bg/shop');
    expect(cfg.caddy.caddyfile).toBe('/tmp/xc/bg/shop/Caddyfile');
    expect(parse(MINIMAL, 'user', { XDG_CONFIG_HOME: 'rel' }).unitDir).toBe('/home/op/.config/systemd/user');
  });

  it('has no celery block when none is given, or when its keys are all commented out', () => {
    expect(parse(yml()).celery).toBeUndefined();
    expect(parse(yml({ extra: 'celery:\n  # app: shop\n' })).celery).toBeUndefined();
  });
});

describe('explicit keys', () => {
  const full = `
app: shop
repo: https://git.example.com/shop.git
root: /srv/shop/
ref: release/v1.2
env_file: /etc/shop/env
unit_dir: /run/systemd/system
state_dir: /srv/state
log_dir: /var/log/shop
legacy_unit: shop.service
build:
  - python3 -m venv --system-site-packages .venv
  - .venv/bin/python manage.py collectstatic --noinput
web:
  wsgi: app:create_app()
  ports: { blue: 9000, green: 9001 }
  workers: 4
  timeout: 60
  gunicorn: /usr/bin/python3  -m gunicorn
  health: { path: /up, host: "shop.example.com:443", interval: 250ms, timeout: 1.5, retries: 10, expect: 204 }
caddy:
  site: "shop.example.com, www.shop.example.com"
  caddyfile: /etc/caddy/sites/shop
  upstream_file: /etc/caddy/sites/shop.upstream
  unit: caddy-api.service
  admin: 127.0.0.1:2020
  static: { path: /assets/, dir: build/static }
celery:
  app: shop.celery:app
  concurrency: 3
  command: /usr/bin/python3 -m celery
  stop_timeout: 1200
  loglevel: warning
  queues: [celery, mail.high]
`;

  it('win over defaults, in both scopes', () => {
    for (const scope of ['system', 'user'] as const) {
      const cfg = parse(full, scope);
      expect(cfg).toMatchObject({
        root: '/srv/shop',
        ref: 'release/v1.2',
        envFile: '/etc/shop/env',
        unitDir: '/run/systemd/system',
        stateDir: '/srv/state',
        logDir: '/var/log/shop',
        legacyUnit: 'shop.service',
        build: ['python3 -m venv --system-site-packages .venv', '.venv/bin/python manage.py collectstatic --noinput'],
        web: {
          wsgi: 'app:create_app()',
          ports: { blue: 9000, green: 9001 },
          workers: 4,
          timeout: 60,
          gunicorn: ['/usr/bin/python3', '-m', 'gunicorn'],
          health: { path: '/up', host: 'shop.example.com:443', intervalMs: 250, timeoutMs: 1500, retries: 10, expect: 204 },
        },
        caddy: {
          site: 'shop.example.com, www.shop.example.com',
          caddyfile: '/etc/caddy/sites/shop',
          upstreamFile: '/etc/caddy/sites/shop.upstream',
          unit: 'caddy-api.service',
          admin: '127.0.0.1:2020',
          staticPath: '/assets/',
          staticDir: 'build/static',
        },
        celery: {
          app: 'shop.celery:app',
          beat: false,
          concurrency: 3,
          command: ['/usr/bin/python3', '-m', 'celery'],
          stopTimeout: 1200,
          loglevel: 'warning',
          queues: ['celery', 'mail.high'],
        },
      });
    }
  });

  it('reads alembic.command as words', () => {
    expect(parse(yml({ extra: 'alembic:\n  command: alembic -c alembic.ini\n' }), 'system').alembic).toEqual({
      command: ['alembic', '-c', 'alembic.ini'],
    });
  });

  it('fills the static block defaults only when the block is present', () => {
    expect(parse(withCaddy('  static: {}\n')).caddy).toMatchObject({ staticPath: '/static/', staticDir: 'staticfiles' });
    expect(parse(yml()).caddy).not.toHaveProperty('staticPath');
  });
});

describe('durations', () => {
  it.each([
    [0.1, 100],
    [2, 2000],
    ['100ms', 100],
    ['2s', 2000],
    ['1.5s', 1500],
    ['1m', 60000],
    ['0.25', 250],
  ])('%j is %i ms', (input, ms) => {
    expect(parseDurationMs(input)).toBe(ms);
  });

  it.each(['fast', '1h', '-1s', '', true, null])('%j is not a duration', (input) => {
    expect(parseDurationMs(input)).toBeUndefined();
  });

  it('are stored as ms in health', () => {
    const h = parse(withWeb('  health: { interval: 50ms, timeout: 3s }\n')).web.health;
    expect([h.intervalMs, h.timeoutMs]).toEqual([50, 3000]);
  });
});

describe('validation: every problem names its key and what is allowed', () => {
  const cases: [string, string, string][] = [
    // [what, yaml, expected fragment of the message]
    ['app charset', yml({ top: 'app: Shop_1\nrepo: /r\nroot: /srv/shop\n' }), 'app: must be lowercase letters, digits and -'],
    ['app length', yml({ top: `app: ${'a'.repeat(41)}\nrepo: /r\nroot: /srv/shop\n` }), 'app: must be'],
    ['app missing', yml({ top: 'repo: /r\nroot: /srv/shop\n' }), 'app: is required; allowed:'],
    ['repo missing', yml({ top: 'app: shop\nroot: /srv/shop\n' }), 'repo: is required'],
    ['repo empty', yml({ top: 'app: shop\nrepo: ""\nroot: /srv/shop\n' }), 'repo: must be a git URL or path'],
    [
      'repo as an option',
      yml({ top: 'app: shop\nrepo: --upload-pack=x\nroot: /srv/shop\n' }),
      'repo: must be a git URL or path (not starting with -)',
    ],
    ['root relative', yml({ top: 'app: shop\nrepo: /r\nroot: srv/shop\n' }), 'root: must be an absolute path'],
    ['root is /', yml({ top: 'app: shop\nrepo: /r\nroot: /\n' }), 'root: must be a directory below /'],
    ['root with a space', yml({ top: 'app: shop\nrepo: /r\nroot: /srv/my shop\n' }), 'root: must be an absolute path without whitespace'],
    ['ref as an option', withTop('ref: --upload-pack=x'), 'ref: must be a branch, tag or commit'],
    ['ref with ;', withTop('ref: "a;b"'), 'ref: must be a branch, tag or commit'],
    ['ref with ..', withTop('ref: a..b'), 'ref: must be'],
    ['ref with a space', withTop('ref: "a b"'), 'ref: must be'],
    ['ref as a number', withTop('ref: 2024'), 'ref: must be a branch, tag or commit sha'],
    ['env_file relative', withTop('env_file: shared/.env'), 'env_file: must be an absolute path'],
    ['env_file with %', withTop('env_file: /srv/%i/.env'), 'env_file: must be an absolute path without whitespace, quotes, %, $ or \\'],
    ['unit_dir with $', withTop('unit_dir: /srv/$HOME'), 'unit_dir: must be an absolute path'],
    ['state_dir with a quote', withTop('state_dir: "/srv/a\\"b"'), 'state_dir: must be an absolute path'],
    ['log_dir with a backslash', withTop('log_dir: /var/log/a\\b'), 'log_dir: must be an absolute path'],
    ['legacy_unit suffix', withTop('legacy_unit: shop.socket'), 'legacy_unit: must be a unit name ending in .service'],
    ['legacy_unit charset', withTop('legacy_unit: "shop web.service"'), 'legacy_unit: must be a unit name'],
    [
      'legacy_unit is our own',
      withTop('legacy_unit: shop-web-blue.service'),
      "legacy_unit: shop-web-blue.service is one of bg's own units",
    ],
    ['build not a list', withTop('build: make'), 'build: must be a list of shell commands'],
    ['build item not a string', withTop('build: [make, 3]'), 'build[1]: must be a shell command on one line (got 3)'],
    ['web missing', `app: shop\nrepo: /r\nroot: /srv/shop\n${BASE.caddy}`, 'web: is required; allowed: a mapping with keys wsgi, ports'],
    [
      'web not a mapping',
      yml({ web: 'web: 5\n' }),
      'web: must be a mapping with keys wsgi, ports, workers, timeout, gunicorn, health, memory_max (got 5)',
    ],
    ['wsgi missing', yml({ web: 'web:\n  ports: { blue: 8000, green: 8100 }\n' }), 'web.wsgi: is required; allowed: module:callable'],
    [
      'wsgi without callable',
      yml({ web: 'web:\n  wsgi: shop.wsgi\n  ports: { blue: 8000, green: 8100 }\n' }),
      'web.wsgi: must be module:callable',
    ],
    [
      'wsgi with args',
      yml({ web: 'web:\n  wsgi: app:make("x")\n  ports: { blue: 8000, green: 8100 }\n' }),
      'web.wsgi: must be module:callable',
    ],
    ['ports missing', yml({ web: 'web:\n  wsgi: a:b\n' }), 'web.ports: is required; allowed: a mapping with keys blue, green'],
    [
      'port not a number',
      yml({ web: 'web:\n  wsgi: a:b\n  ports: { blue: 8000, green: abc }\n' }),
      'web.ports.green: must be an integer 1-65535 (got "abc")',
    ],
    [
      'port out of range',
      yml({ web: 'web:\n  wsgi: a:b\n  ports: { blue: 0, green: 70000 }\n' }),
      'web.ports.blue: must be an integer 1-65535 (got 0)',
    ],
    [
      'port missing',
      yml({ web: 'web:\n  wsgi: a:b\n  ports: { blue: 8000 }\n' }),
      'web.ports.green: is required; allowed: an integer 1-65535',
    ],
    [
      'ports equal',
      yml({ web: 'web:\n  wsgi: a:b\n  ports: { blue: 8000, green: 8000 }\n' }),
      'web.ports: blue and green must differ (both 8000)',
    ],
    ['workers', withWeb('  workers: 0\n'), 'web.workers: must be an integer 1-64 (got 0)'],
    ['workers fraction', withWeb('  workers: 2.5\n'), 'web.workers: must be an integer 1-64 (got 2.5)'],
    ['timeout', withWeb('  timeout: 4000\n'), 'web.timeout: must be a number of seconds 1-3600 (got 4000)'],
    ['gunicorn quotes', withWeb('  gunicorn: gunicorn "--bind x"\n'), 'web.gunicorn: must be a command line of plain words'],
    ['gunicorn not a string', withWeb('  gunicorn: [gunicorn]\n'), 'web.gunicorn: must be a command line of plain words'],
    ['health path', withWeb('  health: { path: health }\n'), 'web.health.path: must be a URL path starting with /'],
    ['health host', withWeb('  health: { host: "bad host" }\n'), 'web.health.host: must be a Host header'],
    ['health interval', withWeb('  health: { interval: soon }\n'), 'web.health.interval: must be a duration from 1ms to 60s'],
    ['health timeout', withWeb('  health: { timeout: 0 }\n'), 'web.health.timeout: must be a duration'],
    ['health retries', withWeb('  health: { retries: -1 }\n'), 'web.health.retries: must be an integer 1-100000 (got -1)'],
    ['health expect', withWeb('  health: { expect: 700 }\n'), 'web.health.expect: must be an HTTP status 100-599 (got 700)'],
    ['caddy missing', BASE.top + BASE.web, 'caddy: is required; allowed: a mapping with keys site'],
    ['site missing', yml({ caddy: 'caddy:\n  unit: caddy.service\n' }), 'caddy.site: is required'],
    ['site brace', yml({ caddy: 'caddy:\n  site: ":8080 {"\n' }), 'caddy.site: must not contain { } quotes'],
    ['site quote', yml({ caddy: `caddy:\n  site: "a'b"\n` }), 'caddy.site: must not contain { } quotes'],
    ['site on a web port', yml({ caddy: 'caddy:\n  site: ":8100"\n' }), 'caddy.site: port 8100 is also web.ports.green'],
    [
      'site with a directive word',
      yml({ caddy: 'caddy:\n  site: ":41003, import /etc/passwd"\n' }),
      'caddy.site: must be Caddy site addresses like ":8080", "example.com" or "http://localhost:8080", separated by commas; "import" is not an address',
    ],
    ['site that is a path', yml({ caddy: 'caddy:\n  site: /etc/passwd\n' }), '"/etc/passwd" is not an address'],
    [
      'gunicorn relative path',
      withWeb('  gunicorn: .venv/bin/python -m gunicorn\n'),
      'web.gunicorn: starts with the relative path ".venv/bin/python", which systemd refuses',
    ],
    ['admin on a web port', withCaddy('  admin: localhost:8000\n'), 'caddy.admin: port 8000 is also web.ports.blue'],
    ['caddyfile relative', withCaddy('  caddyfile: Caddyfile\n'), 'caddy.caddyfile: must be an absolute path'],
    ['upstream_file with space', withCaddy('  upstream_file: "/etc/caddy/a b"\n'), 'caddy.upstream_file: must be an absolute path'],
    ['caddy unit', withCaddy('  unit: caddy\n'), 'caddy.unit: must be a unit name ending in .service'],
    ['caddy admin', withCaddy('  admin: localhost\n'), 'caddy.admin: must be host:port'],
    ['static path', withCaddy('  static: { path: /static }\n'), 'caddy.static.path: must be a URL path starting and ending with /'],
    [
      'static dir escapes',
      withCaddy('  static: { dir: ../secrets }\n'),
      'caddy.static.dir: must be a relative directory inside the release',
    ],
    ['celery app missing', yml({ extra: 'celery:\n  beat: true\n' }), 'celery.app: is required; allowed: a Python module'],
    ['alembic command missing', yml({ extra: 'alembic: {}\n' }), 'alembic.command: is required; allowed: a command line of plain words'],
    [
      'alembic command',
      yml({ extra: 'alembic:\n  command: "flask db; rm -rf /"\n' }),
      'alembic.command: must be a command line of plain words',
    ],
    [
      'alembic with django',
      yml({ extra: 'django: { manage: manage.py }\nalembic: { command: flask db }\n' }),
      'alembic: cannot go with django: (bg reads one kind of migration)',
    ],
    ['celery app', yml({ extra: 'celery:\n  app: my-app\n' }), 'celery.app: must be a Python module'],
    ['celery beat', yml({ extra: 'celery:\n  app: shop\n  beat: yes\n' }), 'celery.beat: must be true or false (got "yes")'],
    ['celery concurrency', yml({ extra: 'celery:\n  app: shop\n  concurrency: 100\n' }), 'celery.concurrency: must be an integer 1-64'],
    [
      'celery command',
      yml({ extra: 'celery:\n  app: shop\n  command: "celery; rm -rf /"\n' }),
      'celery.command: must be a command line of plain words',
    ],
    [
      'celery stop_timeout',
      yml({ extra: 'celery:\n  app: shop\n  stop_timeout: 0\n' }),
      'celery.stop_timeout: must be a number of seconds 1-86400',
    ],
    [
      'celery loglevel',
      yml({ extra: 'celery:\n  app: shop\n  loglevel: loud\n' }),
      'celery.loglevel: must be one of debug, info, warning, error, critical (got "loud")',
    ],
    ['celery queues empty', yml({ extra: 'celery:\n  app: shop\n  queues: []\n' }), 'celery.queues: must be a list of Celery queue names'],
    [
      'celery queues string',
      yml({ extra: 'celery:\n  app: shop\n  queues: celery,mail\n' }),
      'celery.queues: must be a list of Celery queue names',
    ],
    [
      'celery queue name',
      yml({ extra: 'celery:\n  app: shop\n  queues: [celery, "a b"]\n' }),
      'celery.queues: must be a list of Celery queue names (letters, digits, _ . : -), e.g. [celery, mail] (got "a b")',
    ],
    [
      'celery queue option',
      yml({ extra: 'celery:\n  app: shop\n  queues: [-Q]\n' }),
      'celery.queues: must be a list of Celery queue names',
    ],
    [
      'celery broker scheme',
      yml({ extra: 'celery:\n  app: shop\n  broker: http://127.0.0.1:6379\n' }),
      'celery.broker: must be a broker URL',
    ],
    [
      'celery broker password',
      yml({ extra: 'celery:\n  app: shop\n  broker: "redis://:hunter2@127.0.0.1:6379/0"\n' }),
      'celery.broker: holds a password, and bg writes celery.broker into the worker units, which every user can read: put the URL in the env file as CELERY_BROKER_URL instead',
    ],
    [
      'celery broker password in the query',
      yml({ extra: 'celery:\n  app: shop\n  broker: "rediss://127.0.0.1:6380/0?ssl_cert_reqs=none&password=hunter2"\n' }),
      'celery.broker: holds a password',
    ],
    ['celery queue twice', yml({ extra: 'celery:\n  app: shop\n  queues: [mail, mail]\n' }), 'celery.queues: names a queue twice'],
  ];

  it.each(cases)('%s', (_what, text, fragment) => {
    const message = problems(text);
    expect(message).toContain(fragment);
    expect(message).toContain('/etc/bg/bg.yml');
  });

  it('lists every problem in one error', () => {
    const message = problems('app: Shop\nrepo: /r\nroot: rel\nweb:\n  wsgi: x\n  ports: { blue: 1, green: abc }\ncaddy:\n  site: "{"\n');
    expect(message).toMatch(/5 problems/);
    for (const key of ['app:', 'root:', 'web.wsgi:', 'web.ports.green:', 'caddy.site:']) expect(message).toContain(`\n  ${key}`);
  });

  it('names an unknown key, suggests the near one and lists the allowed keys at that level', () => {
    const message = problems(withWeb('  wokers: 4\n'));
    expect(message).toContain('web.wokers: unknown key (did you mean workers?); allowed: wsgi, ports, workers, timeout, gunicorn, health');
  });

  it('names unknown keys at the top level and deep down', () => {
    const message = problems(yml({ extra: 'colour: blue\n' }).replace('green: 8100', 'green: 8100, red: 8200'));
    expect(message).toContain('colour: unknown key; allowed: app, repo, root, ref, app_dir, user, env_file');
    expect(message).toContain('web.ports.red: unknown key; allowed: blue, green');
  });
});

describe('newlines and control characters are refused before they reach a unit file or the Caddyfile', () => {
  const SINGLE = 'must be a single line (newlines would inject unit directives)';
  it.each([
    ['web.wsgi', yml({ web: 'web:\n  wsgi: "a:b\\nExecStartPre=/bin/evil"\n  ports: { blue: 8000, green: 8100 }\n' })],
    ['caddy.site', yml({ caddy: 'caddy:\n  site: ":8080\\nimport /etc/passwd"\n' })],
    ['env_file', withTop('env_file: "/srv/shop/.env\\nExecStartPre=/bin/evil"')],
    ['build[0]', withTop('build:\n  - "make\\rExecStart=/bin/evil"')],
    ['repo', yml({ top: 'app: shop\nrepo: "/r\\u0000"\nroot: /srv/shop\n' })],
    ['ref', withTop('ref: "main\\tx"')],
    ['web.gunicorn', withWeb('  gunicorn: "gunicorn\\nUser=root"\n')],
    ['web.health.host', withWeb('  health: { host: "a\\u2028b" }\n')],
    ['web.health.interval', withWeb('  health: { interval: "1s\\n" }\n')],
    ['celery.command', yml({ extra: 'celery:\n  app: shop\n  command: "celery\\nUser=root"\n' })],
  ])('%s', (key, text) => {
    expect(problems(text)).toContain(`${key}: ${SINGLE}`);
  });

  it('refuses a literal block scalar that spans lines', () => {
    expect(problems(yml({ caddy: 'caddy:\n  site: |\n    :8080\n    import x\n' }))).toContain(`caddy.site: ${SINGLE}`);
  });
});

describe('YAML syntax errors', () => {
  it('name the file, line and column', () => {
    let err: unknown;
    try {
      parse('app: shop\nweb:\n  ports: { blue: 8000\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^YAML syntax error at \/etc\/bg\/bg\.yml:\d+:\d+: /);
    expect((err as ConfigError).exitCode).toBe(2);
  });

  it('refuse aliases that expand without bound (exit 2, not a crash)', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`),
    ].join('\n');
    let err: unknown;
    try {
      parse(`${bomb}\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as ConfigError).message).toMatch(/alias/i);
  });

  it('refuse duplicate keys', () => {
    expect(() => parse('app: shop\napp: other\n')).toThrow(/bg\.yml:2:1: Map keys must be unique/);
  });

  it('refuse an empty file and a document that is not a mapping', () => {
    expect(() => parse('# nothing\n')).toThrow(/is empty/);
    expect(() => parse('- app: shop\n')).toThrow(/must be a YAML mapping/);
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bg-config-'));
  const file = path.join(dir, 'custom.yml');
  writeFileSync(file, MINIMAL);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads --config FILE', async () => {
    const cfg = await loadConfig({ path: file, scope: 'system', env: {} });
    expect(cfg.app).toBe('shop');
    expect(cfg.configPath).toBe(file);
  });

  it('honours BG_CONFIG when no path is given', async () => {
    const cfg = await loadConfig({ scope: 'user', env: { BG_CONFIG: file }, homedir: HOME });
    expect(cfg.configPath).toBe(file);
    expect(cfg.unitDir).toBe('/home/op/.config/systemd/user');
  });

  it('prefers --config over BG_CONFIG', async () => {
    await expect(loadConfig({ path: file, scope: 'system', env: { BG_CONFIG: '/nope.yml' } })).resolves.toMatchObject({
      configPath: file,
    });
  });

  it('defaults to ./bg.yml and says how to get one when it is missing', async () => {
    const err = await loadConfig({ scope: 'system', env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.message).toBe(`No config at ${path.resolve('bg.yml')}`);
    expect(e.next).toBe('Write one with `bluegreen init`, or pass --config FILE / set BG_CONFIG.');
    expect(e.exitCode).toBe(2);
  });

  it('resolves a relative path against the working directory', async () => {
    const err = await loadConfig({ path: 'nowhere/bg.yml', scope: 'system', env: {} }).catch((e: unknown) => e);
    expect((err as ConfigError).message).toBe(`No config at ${path.join(process.cwd(), 'nowhere/bg.yml')}`);
  });

  it('says when the path is a directory', async () => {
    await expect(loadConfig({ path: dir, scope: 'system', env: {} })).rejects.toThrow(/Cannot read config .*EISDIR/);
  });
});

describe('what the README documents for a plain-HTTP site and a venv of Debian packages', () => {
  it('accepts an http:// site address and venv.requirements: []', () => {
    const cfg = parse(
      `${MINIMAL.replace(/site: .*/, 'site: http://shop.example.com')}venv: { requirements: [], system_site_packages: true }\n`,
    );
    expect(cfg.caddy.site).toBe('http://shop.example.com');
    expect(cfg.venv).toMatchObject({ requirements: [], systemSitePackages: true });
  });
});
