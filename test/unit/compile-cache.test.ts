import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheDir, cacheFileName, loadBundle } from '../../src/boot/compile-cache.js';

let dir: string;
let bundle: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bg-cc-'));
  bundle = join(dir, 'b.cjs');
  writeFileSync(bundle, 'exports.answer = () => 6 * 7; exports.file = __filename; exports.req = typeof require("node:path").join;');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadBundle', () => {
  it('runs the bundle as CommonJS, writes a cache on a miss and uses it next time', () => {
    const cache = join(dir, 'cache', cacheFileName('b', 'id1'));
    const first = loadBundle(bundle, cache);
    expect(first.cache).toBe('miss');
    expect((first.exports.answer as () => number)()).toBe(42);
    expect(first.exports.file).toBe(bundle);
    expect(first.exports.req).toBe('function');
    first.save();
    expect(readdirSync(join(dir, 'cache'))).toEqual([cacheFileName('b', 'id1')]);

    const second = loadBundle(bundle, cache);
    expect(second.cache).toBe('hit');
    expect((second.exports.answer as () => number)()).toBe(42);
  });

  it('a cache V8 rejects is replaced; the bundle still runs', () => {
    const cache = join(dir, cacheFileName('b', 'id1'));
    writeFileSync(cache, 'not a V8 code cache');
    const b = loadBundle(bundle, cache);
    expect(b.cache).toBe('rejected');
    expect((b.exports.answer as () => number)()).toBe(42);
    b.save();
    expect(loadBundle(bundle, cache).cache).toBe('hit');
  });

  it('saving drops caches of the same bundle from other builds, keeps other bundles', () => {
    const old = join(dir, cacheFileName('b', 'old'));
    const other = join(dir, cacheFileName('main', 'old'));
    writeFileSync(old, 'x');
    writeFileSync(other, 'x');
    loadBundle(bundle, join(dir, cacheFileName('b', 'new'))).save();
    expect(readdirSync(dir).filter((f) => f.endsWith('.cache')).sort()).toEqual([cacheFileName('b', 'new'), cacheFileName('main', 'old')].sort());
  });

  it('a cache dir it cannot write costs nothing but speed', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    writeFileSync(join(ro, 'blocker'), ''); // a file where the cache dir would be
    const b = loadBundle(bundle, join(ro, 'blocker', cacheFileName('b', 'id')));
    expect(() => b.save()).not.toThrow();
  });

  it('without a cache file it just runs', () => {
    const b = loadBundle(bundle, undefined);
    expect(b.cache).toBe('off');
    expect(() => b.save()).not.toThrow();
  });
});

describe('cacheDir', () => {
  it('BG_COMPILE_CACHE wins, `off` disables, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheDir({ BG_COMPILE_CACHE: '/x', XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe('/x');
    expect(cacheDir({ BG_COMPILE_CACHE: 'off', HOME: '/h' })).toBeUndefined();
    expect(cacheDir({ XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe('/c/bg/v8');
    expect(cacheDir({ HOME: '/h' })).toBe('/h/.cache/bg/v8');
    expect(cacheDir({})).toBeUndefined();
  });
});
