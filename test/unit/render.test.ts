import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  celeryCommand,
  colorOfPort,
  gunicornCommand,
  mainCaddyfile,
  parseUpstream,
  renderAll,
  renderBeatUnit,
  renderSiteFile,
  renderUpstream,
  renderWebUnit,
  renderWorkerUnit,
  resolveCommand,
} from '../../src/render/index.js';
import { absoluteImports } from '../../src/steps/switch.js';
import { sampleConfig } from '../support/sample-config.js';

const config = sampleConfig;

const line = (text: string, key: string) => text.split('\n').filter((l) => l.startsWith(`${key}=`));

describe('web unit', () => {
  const unit = renderWebUnit(config(), 'green', ['/usr/bin/gunicorn']);

  it('runs gunicorn on the color port with the exact command line', () => {
    expect(line(unit, 'ExecStart')).toEqual([
      'ExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8100 --workers 2 --timeout 30 --graceful-timeout 30 --preload ' +
        '--worker-tmp-dir /dev/shm --access-logfile - --error-logfile - --name shop-green shop.wsgi:application',
    ]);
  });

  it('is Type=notify with SIGQUIT, the release dir and the env file', () => {
    expect(line(unit, 'Type')).toEqual(['Type=notify']);
    expect(line(unit, 'NotifyAccess')).toEqual(['NotifyAccess=main']);
    expect(line(unit, 'KillSignal')).toEqual(['KillSignal=SIGQUIT']);
    expect(line(unit, 'TimeoutStopSec')).toEqual(['TimeoutStopSec=35']);
    expect(line(unit, 'WorkingDirectory')).toEqual(['WorkingDirectory=/srv/shop/green']);
    expect(line(unit, 'EnvironmentFile')).toEqual(['EnvironmentFile=/etc/bg/shop.env']);
    expect(line(unit, 'Description')).toEqual(['Description=shop web (green, port 8100)']);
    expect(line(unit, 'WantedBy')).toEqual(['WantedBy=multi-user.target']);
    // system scope: the app's own user, a read-only file system but for shared/, the sandbox
    expect(line(unit, 'User')).toEqual(['User=shop']);
    expect(line(unit, 'NoNewPrivileges')).toEqual(['NoNewPrivileges=yes']);
    expect(line(unit, 'ProtectSystem')).toEqual(['ProtectSystem=strict']);
    expect(line(unit, 'ReadWritePaths')).toEqual(['ReadWritePaths=/srv/shop/shared']);
    expect(line(unit, 'ProtectHome')).toEqual(['ProtectHome=yes']);
    expect(line(unit, 'SystemCallFilter')).toEqual(['SystemCallFilter=@system-service']);
    expect(line(unit, 'StandardOutput')).toEqual([]);
  });

  it('user scope keeps what a user manager can set up: no User=, no mount namespaces', () => {
    const unit = renderWebUnit(config({ scope: 'user' }), 'green', ['gunicorn']);
    expect(line(unit, 'User')).toEqual([]);
    expect(line(unit, 'NoNewPrivileges')).toEqual(['NoNewPrivileges=yes']);
    expect(line(unit, 'ProtectSystem')).toEqual(['ProtectSystem=full']);
    expect(unit).not.toMatch(/^(PrivateTmp|ProtectHome|ProtectKernelTunables|ProtectKernelLogs)=/m);
  });

  it('app_dir: units run in the project inside the release, and find its venv there', () => {
    const cfg = config({ appDir: 'mysite' });
    const unit = renderWebUnit(
      cfg,
      'green',
      gunicornCommand(cfg, 'green', (p) => p === '/srv/shop/green/mysite/.venv/bin/gunicorn'),
    );
    expect(line(unit, 'WorkingDirectory')).toEqual(['WorkingDirectory=/srv/shop/green/mysite']);
    expect(line(unit, 'ExecStart')[0]).toMatch(/^ExecStart=\/srv\/shop\/green\/mysite\/\.venv\/bin\/gunicorn /);
    cfg.caddy = { ...cfg.caddy, staticPath: '/static/', staticDir: 'staticfiles' };
    expect(renderSiteFile(cfg)).toContain('root * /srv/shop/current/mysite/staticfiles');
    expect(renderSiteFile(cfg)).toContain('root * /srv/shop/previous/mysite/staticfiles');
  });

  it('an app kept under /home keeps its files visible: ProtectHome=read-only', () => {
    const unit = renderWebUnit(config({ root: '/home/deploy/shop', envFile: '/home/deploy/shop/shared/.env' }), 'green', ['gunicorn']);
    expect(line(unit, 'ProtectHome')).toEqual(['ProtectHome=read-only']);
  });

  it('appends output to the log dir when one is set, and wants default.target in user scope', () => {
    const u = renderWebUnit(config({ logDir: '/var/log/shop', scope: 'user' }), 'blue', ['gunicorn']);
    expect(line(u, 'StandardOutput')).toEqual(['StandardOutput=append:/var/log/shop/shop-web-blue.log']);
    expect(line(u, 'StandardError')).toEqual(['StandardError=append:/var/log/shop/shop-web-blue.log']);
    expect(line(u, 'WantedBy')).toEqual(['WantedBy=default.target']);
  });

  it('escapes % and $ everywhere, and quotes words systemd would split', () => {
    const cfg = config({ root: '/srv/100%', envFile: '/srv/100%/shared/.env' });
    const u = renderWebUnit(cfg, 'blue', ['/opt/my app/gunicorn', '--env', 'A=$HOME', '--x', 'a"b\\c', ';']);
    expect(line(u, 'WorkingDirectory')).toEqual(['WorkingDirectory=/srv/100%%/blue']);
    expect(line(u, 'EnvironmentFile')).toEqual(['EnvironmentFile=/srv/100%%/shared/.env']);
    const want = String.raw`ExecStart="/opt/my app/gunicorn" --env "A=$$HOME" --x "a\"b\\c" ";" --bind 127.0.0.1:8000 `;
    expect(line(u, 'ExecStart')[0].slice(0, want.length)).toBe(want);
  });

  it('refuses a value with a line break, and a command systemd would read as prefixed', () => {
    expect(() => renderWebUnit(config({ envFile: '/srv/x\nExecStartPre=/bin/rm' }), 'blue', ['gunicorn'])).toThrow(ConfigError);
    expect(() => renderWebUnit(config(), 'blue', ['gunicorn', 'x\rUser=root'])).toThrow(/line break/);
    const cfg = config();
    cfg.web = { ...cfg.web, wsgi: 'a:b\n[Service]' };
    expect(() => renderWebUnit(cfg, 'blue', ['gunicorn'])).toThrow(/web\.wsgi contains a line break/);
    expect(() => renderWebUnit(config(), 'blue', ['-/usr/bin/gunicorn'])).toThrow(ConfigError);
    expect(() => renderWebUnit(config(), 'blue', [])).toThrow(ConfigError);
  });
});

describe('celery units', () => {
  const celery = ['/usr/bin/python3', '-m', 'celery'];

  it('worker: warm shutdown with KillMode=mixed, %h escaped, conflicts with the other color', () => {
    const u = renderWorkerUnit(config(), 'blue', celery);
    expect(line(u, 'ExecStart')).toEqual([
      'ExecStart=/usr/bin/python3 -m celery -A shop worker --concurrency 2 --loglevel info --hostname shop-blue@%%h --without-mingle',
    ]);
    // what the ExecStartPost ping and the ExecStop quiesce run: test/unit/celery-control.test.ts
    expect(line(u, 'ExecStartPost')).toHaveLength(1);
    expect(line(u, 'TimeoutStartSec')).toEqual(['TimeoutStartSec=150']);
    expect(line(u, 'ExecStop')).toEqual([
      expect.stringMatching(/^ExecStop=-\/bin\/sh -c .* control cancel_consumer .* sleep 1\.2; wait"$/),
    ]);
    expect(line(u, 'Type')).toEqual(['Type=simple']);
    expect(line(u, 'KillMode')).toEqual(['KillMode=mixed']);
    const q = renderWorkerUnit(config({ celery: { ...config().celery!, queues: ['celery', 'mail.high'] } }), 'blue', celery);
    expect(line(q, 'ExecStart')).toEqual([
      'ExecStart=/usr/bin/python3 -m celery -A shop worker --concurrency 2 --loglevel info --hostname shop-blue@%%h -Q celery,mail.high --without-mingle',
    ]);
    expect(line(u, 'KillSignal')).toEqual(['KillSignal=SIGTERM']);
    expect(line(u, 'TimeoutStopSec')).toEqual(['TimeoutStopSec=600']);
    expect(line(u, 'WorkingDirectory')).toEqual(['WorkingDirectory=/srv/shop/blue']);
    expect(line(u, 'EnvironmentFile')).toEqual(['EnvironmentFile=/etc/bg/shop.env']);
    expect(line(u, 'Conflicts')).toEqual(['Conflicts=shop-worker-green.service']);
    expect(line(u, 'After')).toEqual(['After=network.target', 'After=redis-server.service rabbitmq-server.service']);
    expect(line(renderWorkerUnit(config(), 'green', celery), 'After')).toEqual([
      'After=network.target',
      'After=redis-server.service rabbitmq-server.service',
      'After=shop-worker-blue.service',
    ]);
  });

  it('beat: both colors use one schedule file under shared/', () => {
    const blue = renderBeatUnit(config(), 'blue', celery);
    const green = renderBeatUnit(config(), 'green', celery);
    const schedule = (u: string) => /--schedule (\S+)/.exec(line(u, 'ExecStart')[0])?.[1];
    expect(schedule(blue)).toBe('/srv/shop/shared/celerybeat-schedule');
    expect(schedule(green)).toBe(schedule(blue));
    expect(line(blue, 'ExecStart')).toEqual([
      'ExecStart=/usr/bin/python3 -m celery -A shop beat --loglevel info --schedule /srv/shop/shared/celerybeat-schedule',
    ]);
    expect(line(blue, 'KillMode')).toEqual(['KillMode=mixed']);
    expect(line(blue, 'TimeoutStopSec')).toEqual(['TimeoutStopSec=30']);
    expect(line(green, 'Conflicts')).toEqual(['Conflicts=shop-beat-blue.service']);
    expect(line(green, 'WorkingDirectory')).toEqual(['WorkingDirectory=/srv/shop/green']);
  });

  it('refuses to render celery units without the celery config', () => {
    expect(() => renderWorkerUnit(config({ celery: undefined }), 'blue', celery)).toThrow(ConfigError);
    const noBeat = config();
    noBeat.celery = { ...noBeat.celery!, beat: false };
    expect(() => renderBeatUnit(noBeat, 'blue', celery)).toThrow(ConfigError);
  });
});

describe('Caddyfile text sent to the admin API', () => {
  it("relative file imports are made absolute against the Caddyfile's own directory; snippets and absolute paths stay", () => {
    const text = 'import Caddyfile.d/*.caddyfile\nimport common\nimport /etc/caddy/shop.caddy\n:80 {\n\timport ./snippets/tls.caddy\n}\n';
    expect(absoluteImports(text, '/etc/caddy/Caddyfile')).toBe(
      'import /etc/caddy/Caddyfile.d/*.caddyfile\nimport common\nimport /etc/caddy/shop.caddy\n:80 {\n\timport /etc/caddy/./snippets/tls.caddy\n}\n',
    );
  });
});

describe('Caddy site file and main Caddyfile', () => {
  it('the site imports the absolute upstream file, marks its route with the app, and names no color or port of a color', () => {
    const text = renderSiteFile(config());
    expect(text).toContain('\t\t\timport /etc/caddy/upstream.txt\n');
    expect(text).toContain('\t\tvars bg_app shop\n');
    expect(text).toContain('\n:8080 {\n');
    expect(text).not.toContain('admin');
    expect(text).not.toMatch(/blue|green|8000|8100/);
    expect(text).not.toContain('handle_path');
  });

  it('Caddy opens one connection per request to the app with either switch (no connection to the old color outlives a switch)', () => {
    for (const sw of ['port', 'socket'] as const) {
      const site = renderSiteFile(config({ caddy: { ...config().caddy, switch: sw } }));
      expect(site).toMatch(
        /\t\t\timport \/etc\/caddy\/upstream.txt\n(\t\t\t#.*\n)*\t\t\ttransport http \{\n\t\t\t\tkeepalive off\n\t\t\t\}\n\t\t\}/,
      );
    }
  });

  it("maintenance: the marked route answers 503 with Retry-After, from bg's copy of the page in shared/ when there is one", () => {
    const page = renderSiteFile(config(), { page: true });
    expect(page).toContain('\t\tvars bg_app shop\n\t\t# bluegreen maintenance on');
    // the root-owned copy beside the site file: Caddy cannot enter shared/ (the app's user's, 0750)
    expect(page).toContain(
      '\t\theader Retry-After 120\n\t\troot * /etc/caddy\n\t\trewrite * /shop.maintenance.html\n\t\tfile_server {\n\t\t\tstatus 503\n\t\t}\n',
    );
    expect(page).not.toContain('/srv/shop/shared');
    expect(page).not.toContain('reverse_proxy');
    expect(renderSiteFile(config(), { page: false })).toContain(
      '\t\trespond "shop is down for maintenance. Please try again in a few minutes." 503\n',
    );
  });

  it('serves static files from the current symlink when static_path is set', () => {
    const cfg = config();
    cfg.caddy = { ...cfg.caddy, staticPath: '/static/', staticDir: 'staticfiles' };
    const text = renderSiteFile(cfg);
    expect(text).toContain('\t\t@live file {\n\t\t\troot /srv/shop/current/staticfiles\n\t\t}\n');
    expect(text).toContain('\t\thandle @live {\n\t\t\troot * /srv/shop/current/staticfiles\n\t\t\tfile_server\n\t\t}\n');
    // what only the release before has (a hashed asset of a page it rendered) comes from it
    expect(text).toContain('\t\thandle {\n\t\t\troot * /srv/shop/previous/staticfiles\n\t\t\tfile_server\n\t\t}\n');
    expect(text).not.toMatch(/blue|green/);
  });

  it('quotes or refuses odd values', () => {
    const cfg = config();
    cfg.caddy = { ...cfg.caddy, site: 'shop.example.com', upstreamFile: '/etc/my caddy/upstream.txt' };
    expect(renderSiteFile(cfg)).toContain('import "/etc/my caddy/upstream.txt"');
    cfg.caddy = { ...cfg.caddy, site: ':8080 {\n}\n:9 {' };
    expect(() => renderSiteFile(cfg)).toThrow(ConfigError);
    cfg.caddy = { ...cfg.caddy, site: ':8080', upstreamFile: '/etc/{$HOME}/u.txt' };
    expect(() => renderSiteFile(cfg)).toThrow(ConfigError);
  });

  const debianStock =
    '# The Caddyfile is an easy way to configure your Caddy web server.\n\n:80 {\n\troot * /usr/share/caddy\n\tfile_server\n}\n';

  it("the main Caddyfile keeps the operator's text and gains one import, once", () => {
    const cfg = config();
    const once = mainCaddyfile(cfg, debianStock);
    expect(once.startsWith(debianStock)).toBe(true);
    expect(once).toContain('\nimport /etc/caddy/shop.caddy\n');
    expect(mainCaddyfile(cfg, once)).toBe(once);
    const other = mainCaddyfile({ ...cfg, app: 'blog' }, once);
    expect(other).toContain('import /etc/caddy/shop.caddy\n');
    expect(other).toContain('import /etc/caddy/blog.caddy\n');
  });

  it('a block for the same site in the main Caddyfile (a placeholder, the app before bg) is replaced by the import', () => {
    const cfg = config();
    const before = `{\n\tadmin 127.0.0.1:2999\n}\n\n:8080 {\n\t# the app before bg\n\thandle {\n\t\treverse_proxy 127.0.0.1:9000\n\t}\n}\n\n:80 {\n\tfile_server\n}\n`;
    const after = mainCaddyfile(cfg, before);
    expect(after).toBe(
      `{\n\tadmin 127.0.0.1:2999\n}\n\n# bg: the :8080 site now lives in /etc/caddy/shop.caddy (shop).\nimport /etc/caddy/shop.caddy\n\n:80 {\n\tfile_server\n}\n`,
    );
  });

  it('made anew when missing (with the admin address when it is not the default), or when bg rendered it whole before', () => {
    const cfg = config();
    expect(mainCaddyfile(cfg, undefined)).toMatch(/^# Caddy's main config, created by bg.*\nimport \/etc\/caddy\/shop\.caddy\n$/s);
    cfg.caddy = { ...cfg.caddy, admin: '127.0.0.1:2999' };
    expect(mainCaddyfile(cfg, '# Rendered by bg from templates/Caddyfile.ejs; bg overwrites it.\n:8080 {\n}\n')).toContain(
      '{\n\tadmin 127.0.0.1:2999\n}\n\nimport /etc/caddy/shop.caddy\n',
    );
  });
});

describe('upstream', () => {
  it('is exactly one line naming the color port, and parses back', () => {
    const cfg = config();
    expect(renderUpstream(cfg, 'blue')).toBe('to 127.0.0.1:8000\n');
    expect(renderUpstream(cfg, 'green')).toBe('to 127.0.0.1:8100\n');
    for (const c of ['blue', 'green'] as const) {
      const port = parseUpstream(renderUpstream(cfg, c));
      expect(port).toBe(cfg.web.ports[c]);
      expect(colorOfPort(cfg, port!)).toBe(c);
    }
  });

  it('tolerates whitespace and rejects anything else', () => {
    expect(parseUpstream('  to   127.0.0.1:8100  \n\n')).toBe(8100);
    expect(parseUpstream('to\t127.0.0.1:8000')).toBe(8000);
    expect(parseUpstream('')).toBeUndefined();
    expect(parseUpstream('to 10.0.0.1:8000')).toBeUndefined();
    expect(parseUpstream('to 127.0.0.1:8000 127.0.0.1:8100')).toBeUndefined();
    expect(parseUpstream('to 127.0.0.1:99999')).toBeUndefined();
    expect(parseUpstream('to 127.0.0.1:8000\nto 127.0.0.1:8100\n')).toBeUndefined();
    expect(colorOfPort(config(), 9000)).toBeUndefined();
  });
});

describe('resolveCommand', () => {
  const only =
    (...paths: string[]) =>
    (p: string) =>
      paths.includes(p);
  const fallbacks = [['/usr/bin/celery'], ['/usr/local/bin/celery'], ['/usr/bin/python3', '-m', 'celery']];
  const venv = '/srv/shop/blue/.venv/bin/celery';

  it('prefers configured words, then the venv, then the first existing fallback, then the bare name', () => {
    const all = () => true;
    expect(resolveCommand(['celery', '--foo'], venv, fallbacks, all)).toEqual(['celery', '--foo']);
    expect(resolveCommand(undefined, venv, fallbacks, all)).toEqual([venv]);
    expect(resolveCommand(undefined, venv, fallbacks, only('/usr/local/bin/celery', '/usr/bin/python3'))).toEqual([
      '/usr/local/bin/celery',
    ]);
    expect(resolveCommand(undefined, venv, fallbacks, only('/usr/bin/python3'))).toEqual(['/usr/bin/python3', '-m', 'celery']);
    expect(resolveCommand(undefined, venv, fallbacks, only())).toEqual(['celery']);
    expect(resolveCommand([], venv, fallbacks, only())).toEqual(['celery']);
  });

  it('looks in the color release for gunicorn and celery', () => {
    const cfg = config();
    expect(gunicornCommand(cfg, 'green', only('/srv/shop/green/.venv/bin/gunicorn'))).toEqual(['/srv/shop/green/.venv/bin/gunicorn']);
    expect(gunicornCommand(cfg, 'blue', only('/srv/shop/green/.venv/bin/gunicorn', '/usr/bin/gunicorn'))).toEqual(['/usr/bin/gunicorn']);
    expect(celeryCommand(cfg, 'blue', only('/usr/bin/python3'))).toEqual(['/usr/bin/python3', '-m', 'celery']);
    cfg.web = { ...cfg.web, gunicorn: ['/opt/g', '-c', 'conf.py'] };
    expect(gunicornCommand(cfg, 'blue', only())).toEqual(['/opt/g', '-c', 'conf.py']);
  });
});

describe('renderAll', () => {
  it('renders both colors of every unit under unitDir plus the Caddy site file', () => {
    const files = renderAll(config(), () => false);
    expect([...files.keys()].sort()).toEqual([
      '/etc/caddy/shop.caddy',
      '/etc/systemd/system/shop-beat-blue.service',
      '/etc/systemd/system/shop-beat-green.service',
      '/etc/systemd/system/shop-web-blue.service',
      '/etc/systemd/system/shop-web-green.service',
      '/etc/systemd/system/shop-worker-blue.service',
      '/etc/systemd/system/shop-worker-green.service',
    ]);
    expect(line(files.get('/etc/systemd/system/shop-web-blue.service')!, 'ExecStart')[0]).toMatch(
      /^ExecStart=gunicorn --bind 127\.0\.0\.1:8000 /,
    );
    expect(renderAll(config({ celery: undefined }), () => false).size).toBe(3);
  });

  it("a color that holds no release yet gets the command the other color's release has, in its own dir (no ExecStart diff at its first deploy)", () => {
    const cfg = config({ celery: undefined });
    const blue = `${cfg.root}/blue`;
    const onHost = new Set([blue, `${blue}/.venv/bin/gunicorn`]);
    const files = renderAll(cfg, (p) => onHost.has(p));
    const exec = (color: string) => line(files.get(`/etc/systemd/system/shop-web-${color}.service`)!, 'ExecStart')[0];
    expect(exec('blue')).toMatch(new RegExp(`^ExecStart=${blue}/\\.venv/bin/gunicorn `));
    expect(exec('green')).toMatch(new RegExp(`^ExecStart=${cfg.root}/green/\\.venv/bin/gunicorn `));
    // once green holds a release, its own dir decides
    onHost.add(`${cfg.root}/green`);
    expect(line(renderAll(cfg, (p) => onHost.has(p)).get('/etc/systemd/system/shop-web-green.service')!, 'ExecStart')[0]).toMatch(
      /^ExecStart=gunicorn /,
    );
  });
});
