// The paths root opens for the app, checked against what the app's user can write: the pure check
// on directories described by hand, and the walk that reads them (lstat and readlink only) on a
// real tree with links.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { walkPath } from '../../src/adapters/path-walk.js';
import type { Config } from '../../src/config/types.js';
import { isBgError } from '../../src/errors.js';
import { type AppPathsSeen, checkAppPaths, pathsToRead } from '../../src/host/app-paths.js';
import { sampleConfig } from '../support/sample-config.js';

const APP = { uid: 990, gid: 990, groups: [990, 44] };
const root = { uid: 0, gid: 0, mode: 0o755 };
/** Every directory on the way to `path` (its parents; the path too when `isDir`), root's 0755 unless `over` says otherwise. */
function walk(path: string, isDir: boolean, over: Record<string, Partial<typeof root>> = {}, present = true) {
  const parts = path.split('/').filter(Boolean);
  const upto = isDir ? parts.length : parts.length - 1;
  const dirs = [{ path: '/', ...root, ...over['/'] }];
  for (let i = 1; i <= upto; i++) {
    const p = `/${parts.slice(0, i).join('/')}`;
    dirs.push({ path: p, ...root, ...over[p] });
  }
  return { present, dirs };
}

const cfg = (over: Partial<Config> = {}) =>
  sampleConfig({ envFile: '/etc/bg/shop.env', caddy: { ...sampleConfig().caddy, upstreamFile: '/etc/caddy/shop-upstream.txt' }, ...over });

function seenFor(c: Config, over: Record<string, Record<string, Partial<typeof root>>> = {}, missing: string[] = []): AppPathsSeen {
  const dirKeys = new Set([c.root, c.stateDir, c.unitDir, c.logDir]);
  return { user: APP, paths: Object.fromEntries(pathsToRead(c).map((p) => [p, walk(p, dirKeys.has(p), over[p], !missing.includes(p))])) };
}

function refusal(c: Config, seen: AppPathsSeen) {
  try {
    checkAppPaths(c, seen);
  } catch (e) {
    if (isBgError(e)) return e;
    throw e;
  }
  return undefined;
}

describe('checkAppPaths', () => {
  it('lets the defaults of system scope through: every directory is root-owned and writable only by root', () => {
    const c = cfg();
    expect(refusal(c, seenFor(c, {}, ['/srv/shop/shared/.env']))).toBeUndefined();
  });

  it('refuses env_file and log_dir inside shared/ (exit 2), naming the key, the path, the directory and what to set instead', () => {
    for (const [over, key, path] of [
      [{ envFile: '/srv/shop/shared/.env', envFileSet: true }, 'env_file', '/srv/shop/shared/.env'],
      [{ logDir: '/srv/shop/shared/log' }, 'log_dir', '/srv/shop/shared/log'],
    ] as const) {
      const c = cfg(over);
      const e = refusal(c, seenFor(c));
      expect(e?.exitCode, key).toBe(2);
      expect(e?.code).toBe('path-app-writable');
      expect(e?.message).toBe(
        `${key} ${path} lies where the app's user can write: it is inside /srv/shop/shared, which belongs to the app's user shop. It could put a link there, and root (bg, systemd, Caddy) would follow it.`,
      );
      expect(e?.state).toBe('Nothing was changed.');
      expect(e?.next).toContain(
        key === 'env_file' ? 'env_file: remove env_file (the default, /etc/bg/shop.env)' : 'log_dir: remove log_dir (the journal)',
      );
    }
  });

  it('refuses every guarded key under a directory the app owns, its group can write, or anyone can, found by lstat on the way', () => {
    const cases: [Partial<Config>, string, string, Record<string, Partial<typeof root>>, RegExp][] = [
      [
        { stateDir: '/var/lib/shopstate' },
        'state_dir',
        '/var/lib/shopstate',
        { '/var/lib/shopstate': { uid: APP.uid } },
        /\/var\/lib\/shopstate belongs to the app's user shop/,
      ],
      [
        { unitDir: '/opt/units' },
        'unit_dir',
        '/opt/units',
        { '/opt': { gid: 44, mode: 0o775 } },
        /\/opt is writable by its group \(gid 44\), which the app's user shop is in/,
      ],
      [
        { logDir: '/tmp/shoplogs' },
        'log_dir',
        '/tmp/shoplogs',
        { '/tmp': { mode: 0o1777 } },
        /\/tmp is writable by every user \(mode 1777\)/,
      ],
      [
        {},
        'caddy.upstream_file',
        '/etc/caddy/shop-upstream.txt',
        { '/etc/caddy': { uid: APP.uid } },
        /\/etc\/caddy belongs to the app's user/,
      ],
      [{}, 'caddy.caddyfile', '/etc/caddy/Caddyfile', { '/etc/caddy': { gid: 990, mode: 0o770 } }, /writable by its group \(gid 990\)/],
      [
        { envFile: '/etc/secrets/shop.env', envFileSet: true },
        'env_file',
        '/etc/secrets/shop.env',
        { '/etc/secrets': { mode: 0o777 } },
        /writable by every user/,
      ],
    ];
    for (const [over, key, path, dirs, why] of cases) {
      const c = cfg(over);
      const e = refusal(c, seenFor(c, { [path]: dirs }));
      expect(e?.exitCode, key).toBe(2);
      expect(e?.message.startsWith(`${key} ${path} lies where the app's user can write: `), e?.message).toBe(true);
      expect(e?.message).toMatch(why);
    }
  });

  it("refuses a root the app's user owns: it could swap releases/, venvs/ or the current link, which root and Caddy follow", () => {
    const c = cfg();
    const e = refusal(c, seenFor(c, { [c.root]: { [c.root]: { uid: APP.uid } } }));
    expect(e?.code).toBe('path-app-writable');
    expect(
      e?.message.startsWith(`root ${c.root} lies where the app's user can write: ${c.root} belongs to the app's user shop`),
      e?.message,
    ).toBe(true);
    expect(e?.next).toContain(`root: keep root but make it and every directory above it root's (chown root:root ${c.root}`);
  });

  it("a group's write bit matters only when the app's user is in that group; root's own ownership is never the app's", () => {
    const c = cfg({ unitDir: '/opt/units' });
    expect(refusal(c, seenFor(c, { '/opt/units': { '/opt': { gid: 50, mode: 0o775 } } }))).toBeUndefined();
    // a user that does not exist yet owns nothing; a world-writable directory is still refused
    expect(refusal(c, { ...seenFor(c, { '/opt/units': { '/opt': { uid: APP.uid } } }), user: undefined })).toBeUndefined();
    expect(refusal(c, { ...seenFor(c, { '/opt/units': { '/opt': { mode: 0o1777 } } }), user: undefined })?.code).toBe('path-app-writable');
  });

  it('lists every offending key when there are several', () => {
    const c = cfg({ envFile: '/srv/shop/shared/.env', envFileSet: true, logDir: '/srv/shop/shared/logs' });
    const e = refusal(c, seenFor(c));
    expect(e?.detail).toBe(
      "env_file /srv/shop/shared/.env: it is inside /srv/shop/shared, which belongs to the app's user shop\nlog_dir /srv/shop/shared/logs: it is inside /srv/shop/shared, which belongs to the app's user shop",
    );
    expect(e?.next).toMatch(/env_file: .*; log_dir: /);
  });

  it('a walk that could not finish is refused, not trusted', () => {
    const c = cfg();
    const seen = seenFor(c);
    seen.paths[c.envFile] = { ...seen.paths[c.envFile], stopped: 'more than 40 symbolic links on the way' };
    expect(refusal(c, seen)?.message).toMatch(/could not look at every directory on the way \(more than 40 symbolic links/);
  });

  it('refuses a host set up with the old default (shared/.env there, the new file missing, no env_file key), with the commands to move it', () => {
    const c = cfg({ envFileSet: false });
    const e = refusal(c, seenFor(c, {}, ['/etc/bg/shop.env']));
    expect(e?.exitCode).toBe(2);
    expect(e?.code).toBe('env-file-moved');
    expect(e?.message).toMatch(/^\/srv\/shop\/shared\/\.env exists but the env file is now \/etc\/bg\/shop\.env, which does not/);
    expect(e?.next).toContain(
      'install -d -m 0755 /etc/bg && (umask 077 && runuser -u shop -- cat /srv/shop/shared/.env > /etc/bg/shop.env) && chown root:shop /etc/bg/shop.env && chmod 0640 /etc/bg/shop.env; ' +
        "check what it holds; then bluegreen --config /srv/shop/bg.yml setup, which points both colors' units at it; then rm /srv/shop/shared/.env.",
    );
    // moved: both there, or the key names the file: no refusal
    expect(refusal(c, seenFor(c))).toBeUndefined();
    expect(refusal({ ...c, envFileSet: true }, seenFor(c, {}, ['/etc/bg/shop.env']))).toBeUndefined();
  });

  it('checks nothing in user scope: the app runs as the operator there', () => {
    const c = cfg({ scope: 'user', envFile: '/srv/shop/shared/.env', logDir: '/tmp/x' });
    expect(refusal(c, seenFor(c, { '/tmp/x': { '/tmp': { mode: 0o1777 } } }))).toBeUndefined();
  });
});

describe('walkPath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bg-walk-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every directory on the way, the target of a link on the way too, without following anything', () => {
    mkdirSync(join(dir, 'real/logs'), { recursive: true });
    mkdirSync(join(dir, 'owned'));
    chownSync(join(dir, 'owned'), 990, 990);
    chmodSync(join(dir, 'real'), 0o750);
    // dir/via -> owned/../real : the kernel passes through `owned` to get to real/logs
    symlinkSync('owned/../real', join(dir, 'via'));
    return walkPath(join(dir, 'via/logs')).then((w) => {
      expect(w.present).toBe(true);
      const paths = w.dirs.map((d) => d.path);
      expect(paths[0]).toBe('/');
      expect(paths.slice(-3)).toEqual([join(dir, 'owned'), join(dir, 'real'), join(dir, 'real/logs')]);
      expect(w.dirs.find((d) => d.path === join(dir, 'owned'))).toMatchObject({ uid: 990, gid: 990 });
      expect(w.dirs.find((d) => d.path === join(dir, 'real'))?.mode).toBe(0o750);
    });
  });

  it('stops at the first missing component, and says a link loop is a loop', async () => {
    writeFileSync(join(dir, 'file'), '');
    const missing = await walkPath(join(dir, 'nope/deeper/x.env'));
    expect(missing.present).toBe(false);
    expect(missing.dirs.at(-1)?.path).toBe(dir);
    symlinkSync('loop-b', join(dir, 'loop-a'));
    symlinkSync('loop-a', join(dir, 'loop-b'));
    const loop = await walkPath(join(dir, 'loop-a/x'));
    expect(loop.stopped).toMatch(/more than 40 symbolic links/);
    const link = await walkPath(join(dir, 'loop-a'));
    expect(link.present).toBe(true);
  });
});
