import { describe, expect, it } from 'vitest';
import type { PathStat } from '../../src/execute/host.js';
import { outsideVenvs, pathChain, trustFor, whyUntrusted } from '../../src/host/venv-trust.js';

const dir = (uid: number, mode: number): PathStat => ({ kind: 'dir', uid, gid: uid, mode });
const root = trustFor('system', 0);

describe('what root may run a venv through', () => {
  it('a root-owned directory or file that only root can write is trusted', () => {
    expect(whyUntrusted('/srv/shop/venvs', dir(0, 0o755), 'dir', root)).toBeUndefined();
    expect(whyUntrusted('/srv/shop/venvs/a/.bg-complete', { kind: 'file', uid: 0, gid: 0, mode: 0o644 }, 'file', root)).toBeUndefined();
  });

  it("the app user's directory, a symlink, a group- or world-writable one, or the wrong kind is not, and says why", () => {
    expect(whyUntrusted('/srv/shop/venvs', dir(990, 0o755), 'dir', root)).toBe('/srv/shop/venvs is owned by uid 990, not root');
    expect(whyUntrusted('/srv/shop/venvs', { kind: 'link', uid: 0, gid: 0, mode: 0o777 }, 'dir', root)).toBe(
      '/srv/shop/venvs is a symbolic link',
    );
    expect(whyUntrusted('/srv/shop/venvs', dir(0, 0o775), 'dir', root)).toBe('/srv/shop/venvs is writable by its group (mode 0775)');
    expect(whyUntrusted('/srv/shop/venvs', dir(0, 0o757), 'dir', root)).toBe('/srv/shop/venvs is writable by others (mode 0757)');
    expect(whyUntrusted('/srv/shop/venvs/a/.bg-complete', dir(0, 0o755), 'file', root)).toBe(
      '/srv/shop/venvs/a/.bg-complete is not a regular file',
    );
    expect(whyUntrusted('/srv/shop/venvs', undefined, 'dir', root)).toBe('/srv/shop/venvs does not exist');
  });

  it("a root-owned sticky directory (/tmp) is trusted on the way, not as the venvs dir; another user's sticky one never", () => {
    expect(whyUntrusted('/tmp', dir(0, 0o1777), 'dir', root, true)).toBeUndefined();
    expect(whyUntrusted('/tmp', dir(0, 0o1777), 'dir', root)).toMatch(/writable by its group/);
    expect(whyUntrusted('/tmp/x', dir(990, 0o1777), 'dir', root, true)).toMatch(/owned by uid 990/);
  });

  it('system scope trusts root only; user scope also the user bg runs as, whatever its group bits', () => {
    expect(trustFor('system', 1000)).toEqual({ owners: [0], modes: true });
    expect(trustFor('user', 1000)).toEqual({ owners: [0, 1000], modes: false });
    expect(trustFor('user', 0)).toEqual({ owners: [0], modes: false });
    expect(whyUntrusted('/home/me/app/venvs', dir(1000, 0o775), 'dir', trustFor('user', 1000))).toBeUndefined();
    expect(whyUntrusted('/home/me/app/venvs', dir(1001, 0o755), 'dir', trustFor('user', 1000))).toBe(
      '/home/me/app/venvs is owned by uid 1001, not root or uid 1000',
    );
    expect(whyUntrusted('/home/me/app/venvs', { kind: 'link', uid: 1000, gid: 1000, mode: 0o777 }, 'dir', trustFor('user', 1000))).toMatch(
      /symbolic link/,
    );
  });

  it('every directory from / down to the venvs dir is checked', () => {
    expect(pathChain('/srv/shop/venvs')).toEqual(['/', '/srv', '/srv/shop', '/srv/shop/venvs']);
  });

  it("a .venv link is bg's only when it names <root>/venvs/<16 hex digits>", () => {
    const cfg = { root: '/srv/shop' };
    expect(outsideVenvs(cfg, '/srv/shop/venvs/0123456789abcdef')).toBeUndefined();
    expect(outsideVenvs(cfg, '/srv/shop/shared/venvs/0123456789abcdef')).toBe(
      'points at /srv/shop/shared/venvs/0123456789abcdef, outside /srv/shop/venvs',
    );
    expect(outsideVenvs(cfg, '/srv/shop/venvs/0123456789abcdef/../../releases/x')).toMatch(/outside/);
    expect(outsideVenvs(cfg, '/srv/shop/venvs/0123456789abcdef.tmp-12')).toMatch(/outside/);
    expect(outsideVenvs(cfg, undefined)).toBe("is not a symbolic link to one of bg's venvs");
  });
});
