import { describe, expect, it } from 'vitest';
import { appUserComment } from '../../src/config/names.js';
import { parseConfig } from '../../src/config/parse.js';
import { EXIT, isBgError } from '../../src/errors.js';
import { diagnose } from '../../src/host/diagnose.js';
import type { HostState, ObservedUnit, PasswdEntry } from '../../src/host/host-state.js';
import { appUserProblem, legacyUnitProblem, refuseNames } from '../../src/host/names-check.js';
import { planDeploy } from '../../src/plan/deploy-plan.js';
import { planSetup } from '../../src/plan/setup-plan.js';
import { sampleConfig } from '../support/sample-config.js';

// Names in bg.yml that would hand the app someone else's privileges (issue 17, finding 6).
const cfg = sampleConfig();
const account = (over: Partial<PasswdEntry> = {}): PasswdEntry => ({
  uid: 990,
  comment: appUserComment('shop'),
  home: '/srv/shop',
  shell: '/usr/sbin/nologin',
  ...over,
});
const loaded = (name: string): ObservedUnit => ({ name, loadState: 'loaded', activeState: 'active', subState: 'running', mainPid: 42 });
const fresh = (over: Partial<HostState> = {}): HostState => ({
  upstreamFile: 'missing',
  units: {},
  colors: { blue: { linked: false }, green: { linked: false } },
  changedFiles: [],
  ...over,
});

describe('the app user', () => {
  it('is accepted when missing (bg creates it, marked), when marked for this app, or made by an earlier bg for this root', () => {
    expect(appUserProblem(cfg, undefined)).toBeUndefined();
    expect(appUserProblem(cfg, account())).toBeUndefined();
    expect(appUserProblem(cfg, account({ comment: '' }))).toBeUndefined();
  });

  it.each([
    ['root', account({ uid: 0, comment: 'root', home: '/root', shell: '/bin/bash' }), /uid 0 \(root\)/],
    ['a uid-0 alias with our mark', account({ uid: 0 }), /uid 0/],
    ['caddy', account({ uid: 998, comment: 'Caddy web server', home: '/var/lib/caddy' }), /existing account .* bg did not create for shop/],
    ['www-data', account({ uid: 33, comment: 'www-data', home: '/var/www' }), /did not create/],
    ['nobody', account({ uid: 65534, comment: 'nobody', home: '/nonexistent' }), /did not create/],
    ['another app', account({ comment: appUserComment('blog'), home: '/srv/blog' }), /created for the app blog/],
    ['an unmarked account for another root', account({ comment: '', home: '/srv/blog' }), /did not create/],
    ['an unmarked account with a login shell', account({ comment: '', shell: '/bin/bash' }), /did not create/],
  ])('is refused when it is %s', (_, entry, why) => {
    expect(appUserProblem(cfg, entry)).toMatch(why);
  });

  it('refuses setup and deploy with exit 2, saying what to set; status lists it', () => {
    const host = fresh({ appUser: account({ uid: 0, comment: 'root', home: '/root' }) });
    for (const plan of [() => planSetup(cfg, host), () => planDeploy(cfg, { ...host, active: 'blue' }, {})]) {
      const err = (() => {
        try {
          plan();
        } catch (e) {
          return e;
        }
      })();
      expect(isBgError(err) && err.exitCode).toBe(EXIT.usage);
      expect((err as Error).message).toMatch(/^user: shop is uid 0/);
      expect(isBgError(err) && err.next).toMatch(/Set user in .* to a name no account has yet \(bg creates it/);
    }
    expect(diagnose(cfg, host).map((p) => p.code)).toContain('user-not-the-apps');
  });

  it('is not judged in user scope (the units run as you)', () => {
    expect(() => refuseNames({ ...cfg, scope: 'user' }, fresh({ appUser: account({ uid: 0 }) }), 'setup')).not.toThrow();
  });
});

describe('legacy_unit', () => {
  const withLegacy = (unit: string) => ({ ...cfg, legacyUnit: unit });
  const seen = (unit: string, exec?: string[][]) => ({ units: { [unit]: loaded(unit) }, legacyExecStart: exec });

  it.each([
    ['caddy.service', /runs part of the host/],
    ['redis-server.service', /runs part of the host/],
    ['postgresql@15-main.service', /runs part of the host/],
    ['dbus.service', /runs part of the host/],
    ['ssh.service', /runs part of the host/],
    ['systemd-journald.service', /runs part of the host/],
    ['shop-web-blue.service', /this app's own bg units/],
    ['blog-worker-green.service', /another app's/],
  ])('%s is refused by its name', (unit, why) => {
    expect(legacyUnitProblem(withLegacy(unit), seen(unit, [['/usr/bin/gunicorn', 'x:app']]))).toMatch(why);
  });

  it('a unit whose ExecStart runs no app server is refused; gunicorn, uwsgi, python -m, manage.py are accepted', () => {
    const u = 'oldshop.service';
    expect(legacyUnitProblem(withLegacy(u), seen(u, [['/usr/sbin/cron', '-f']]))).toMatch(
      /does not look like an app's unit: its ExecStart runs \/usr\/sbin\/cron -f/,
    );
    expect(legacyUnitProblem(withLegacy(u), seen(u, []))).toMatch(/runs nothing bg could read/);
    for (const exec of [
      ['/usr/bin/gunicorn', 'app:app'],
      ['/opt/venv/bin/uwsgi', '--ini', 'x'],
      ['/usr/bin/python3', '-m', 'gunicorn'],
      ['/srv/old/manage.py', 'runserver'],
      ['/usr/bin/waitress-serve', 'app:app'],
    ]) {
      expect(legacyUnitProblem(withLegacy(u), seen(u, [exec])), exec.join(' ')).toBeUndefined();
    }
  });

  it('a unit that is not there is left to setup (nothing to stop); one not looked at is not judged', () => {
    expect(legacyUnitProblem(withLegacy('gone.service'), { units: {}, legacyExecStart: [] })).toBeUndefined();
    expect(legacyUnitProblem(withLegacy('old.service'), { units: { 'old.service': loaded('old.service') } })).toBeUndefined();
  });

  it('refuses setup with exit 2 and nothing planned', () => {
    const host = fresh({ ...seen('caddy.service', [['/usr/bin/caddy', 'run']]) });
    expect(() => planSetup(withLegacy('caddy.service'), host)).toThrow(/legacy_unit: caddy.service runs part of the host/);
  });
});

describe('caddy.static.dir', () => {
  const base = `app: shop\nrepo: /srv/git/shop.git\nroot: /srv/shop\nweb:\n  wsgi: shop.wsgi:application\n  ports: { blue: 8000, green: 8100 }\ncaddy:\n  site: ":8080"\n`;
  const parse = (dir: string) =>
    parseConfig(`${base}  static: { path: /static/, dir: ${JSON.stringify(dir)} }\n`, {
      configPath: '/etc/bg/bg.yml',
      scope: 'system',
      env: {},
    });
  it.each(['.', './', '..', '../x', 'a/../..', '/etc', '.git', 'static/.git', 'a/./.git/objects'])('%j is refused', (dir) => {
    expect(() => parse(dir)).toThrow(/caddy\.static\.dir: must be a relative directory inside the release/);
  });
  it('a directory inside the release is accepted, normalized', () => {
    expect(parse('./staticfiles/').caddy.staticDir).toBe('staticfiles');
    expect(parse('assets/.well-known').caddy.staticDir).toBe('assets/.well-known');
  });
});
