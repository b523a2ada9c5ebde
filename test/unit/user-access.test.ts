import { describe, expect, it } from 'vitest';
import type { PathStat } from '../../src/execute/host.js';
import { accessDenied, pathPrefixes } from '../../src/host/user-access.js';

const dir = (uid: number, gid: number, mode: number): PathStat => ({ kind: 'dir', uid, gid, mode });
const app = { uid: 990, gid: 990 };

describe("whether the app's user reaches its release", () => {
  const way = (root: PathStat, release = dir(990, 990, 0o755)) => [
    { path: '/', stat: dir(0, 0, 0o755) },
    { path: '/srv', stat: dir(0, 0, 0o755) },
    { path: '/srv/shop', stat: root },
    { path: '/srv/shop/releases', stat: dir(0, 0, 0o755) },
    { path: '/srv/shop/releases/r1', stat: release },
  ];
  const read = ['/srv/shop/releases/r1'];

  it('names the first directory it cannot enter, with its mode and owner', () => {
    expect(accessDenied(way(dir(0, 0, 0o700)), app, read)).toEqual({ path: '/srv/shop', need: 'enter', why: 'mode 0700, owner 0:0' });
    expect(accessDenied(way(dir(0, 0, 0o755)), app, read)).toBeUndefined();
  });

  it('reads the owner bits for the owner, the group bits for its group, the other bits for the rest', () => {
    expect(accessDenied(way(dir(990, 0, 0o700)), app, read)).toBeUndefined();
    expect(accessDenied(way(dir(0, 990, 0o750)), app, read)).toBeUndefined();
    expect(accessDenied(way(dir(0, 990, 0o705)), app, read)?.path).toBe('/srv/shop'); // its group's bits say no
  });

  it('the release itself must be readable too', () => {
    expect(accessDenied(way(dir(0, 0, 0o755), dir(0, 0, 0o711)), app, read)).toEqual({
      path: '/srv/shop/releases/r1',
      need: 'read',
      why: 'mode 0711, owner 0:0',
    });
  });

  it('lists every directory from / down', () => {
    expect(pathPrefixes('/srv/shop/releases')).toEqual(['/', '/srv', '/srv/shop', '/srv/shop/releases']);
  });
});
