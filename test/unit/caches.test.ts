import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { cacheDir, readOwnFile, writeOwnFile } from '../../src/startup/cache-dir.js';
import { cacheFileName, loadBundle } from '../../src/startup/compile-cache.js';
import { type ConfigInputs, readCachedConfig, writeCachedConfig } from '../../src/startup/config-cache.js';

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
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.cache'))
        .sort(),
    ).toEqual([cacheFileName('b', 'new'), cacheFileName('main', 'old')].sort());
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
  it('BG_CACHE_DIR wins, `off` disables, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheDir({ BG_CACHE_DIR: '/x', XDG_CACHE_HOME: '/c', HOME: '/h' }, 'v8')).toBe('/x/v8');
    expect(cacheDir({ BG_CACHE_DIR: 'off', HOME: '/h' }, 'v8')).toBeUndefined();
    expect(cacheDir({ XDG_CACHE_HOME: '/c', HOME: '/h' }, 'config')).toBe('/c/bg/config');
    expect(cacheDir({ HOME: '/h' }, 'v8')).toBe('/h/.cache/bg/v8');
    expect(cacheDir({}, 'v8')).toBeUndefined();
  });
});

describe('config cache', () => {
  const text = `
app: shop
repo: /srv/git/shop.git
root: /srv/shop
build: [ "pip install -r requirements.txt" ]
web: { wsgi: "shop.wsgi:application", ports: { blue: 8000, green: 8001 }, health: { path: /up, interval: 250ms } }
caddy: { site: ":80", static: { path: /static/, dir: static } }
celery: { app: shop, beat: true }
`;
  const inputs = (over: Partial<ConfigInputs> = {}): ConfigInputs => ({
    text,
    configPath: '/srv/shop/bg.yml',
    scope: 'user',
    env: { BG_CACHE_DIR: dir, XDG_STATE_HOME: '/state' },
    homedir: '/home/op',
    ...over,
  });
  const parsed = (i: ConfigInputs) => parseConfig(i.text, i);

  it('gives back exactly what validation produced, for the same text, paths and build', async () => {
    const i = inputs();
    const cfg = parsed(i);
    expect(await readCachedConfig(i, 'b1')).toBeUndefined();
    await writeCachedConfig(i, cfg, 'b1');
    expect(await readCachedConfig(i, 'b1')).toEqual(cfg);
  });

  it('misses when the text, an env path the defaults read, the scope or the build changed', async () => {
    const i = inputs();
    await writeCachedConfig(i, parsed(i), 'b1');
    expect(await readCachedConfig(inputs({ text: `${text}# edited\n` }), 'b1')).toBeUndefined();
    expect(await readCachedConfig(inputs({ env: { BG_CACHE_DIR: dir, XDG_STATE_HOME: '/elsewhere' } }), 'b1')).toBeUndefined();
    expect(await readCachedConfig(inputs({ homedir: '/home/other' }), 'b1')).toBeUndefined();
    expect(await readCachedConfig(inputs({ scope: 'system' }), 'b1')).toBeUndefined();
    expect(await readCachedConfig(i, 'b2')).toBeUndefined();
    expect(await readCachedConfig(i, 'b1')).toBeDefined();
  });

  it('keeps nothing without a build id (running from source) or with BG_CACHE_DIR=off; a corrupt file is a miss', async () => {
    const i = inputs();
    await writeCachedConfig(i, parsed(i), undefined);
    await writeCachedConfig(inputs({ env: { BG_CACHE_DIR: 'off' } }), parsed(i), 'b1');
    expect(readdirSync(dir).filter((f) => f !== 'b.cjs')).toEqual([]);
    await writeCachedConfig(i, parsed(i), 'b1');
    const [file] = readdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', file!), '{"key":');
    expect(await readCachedConfig(i, 'b1')).toBeUndefined();
  });
});

describe('cache files are trusted only when they are our own', () => {
  // bg runs as root, often with a user's HOME (sudo -E): a cache another user can write must not
  // decide what root runs.
  it('ignores a cache owned by another user, writable by others, or reached through a symlink', () => {
    const cache = join(dir, cacheFileName('b', 'id'));
    loadBundle(bundle, cache).save();
    expect(loadBundle(bundle, cache).cache).toBe('hit');

    chmodSync(cache, 0o620);
    expect(loadBundle(bundle, cache).cache).toBe('miss');
    chmodSync(cache, 0o600);
    chownSync(cache, 65534, 65534);
    expect(loadBundle(bundle, cache).cache).toBe('miss');
    chownSync(cache, process.geteuid!(), process.getegid!());
    expect(loadBundle(bundle, cache).cache).toBe('hit');

    const link = join(dir, cacheFileName('b', 'linked'));
    symlinkSync(cache, link);
    expect(loadBundle(bundle, link).cache).toBe('miss');
  });

  it('never writes through a file planted at its temp name', () => {
    const target = join(dir, 'victim');
    writeFileSync(target, 'precious');
    const cache = join(dir, 'c.cache');
    symlinkSync(target, `${cache}.${process.pid}.tmp`);
    expect(writeOwnFile(cache, 'data')).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(existsSync(cache)).toBe(false);
    expect(writeOwnFile(cache, 'data')).toBe(true); // the planted link is gone; a retry works
    expect(readOwnFile(cache)?.toString()).toBe('data');
  });

  it('a config cache file someone else owns is a miss', async () => {
    const i: ConfigInputs = { text: 'app: x\n', configPath: '/x/bg.yml', scope: 'system', env: { BG_CACHE_DIR: dir }, homedir: '/root' };
    await writeCachedConfig(i, { app: 'x' } as Config, 'b1');
    expect(await readCachedConfig(i, 'b1')).toEqual({ app: 'x' });
    const [file] = readdirSync(join(dir, 'config'));
    chownSync(join(dir, 'config', file!), 65534, 65534);
    expect(await readCachedConfig(i, 'b1')).toBeUndefined();
  });
});
