import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs, removeEmptyDirs } from '../../src/adapters/make-dirs.js';
import { loadConfig } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/parse.js';
import { validateRef } from '../../src/config/ref.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { ensureStateDir } from '../../src/state/state-dir.js';
import { MINIMAL_YAML } from '../support/sample-config.js';

// Issue 17's input findings: what bg refuses before it reads or writes anything.
const base = mkdtempSync(path.join(tmpdir(), 'bg-input-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const MINIMAL = MINIMAL_YAML;
const parse = (text: string) => parseConfig(text, { configPath: '/etc/bg/bg.yml', scope: 'system', env: {}, homedir: '/root' });
const problemsOf = (text: string) => {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).exitCode).toBe(2);
    return (e as Error).message;
  }
  throw new Error('accepted');
};
const modeOf = (p: string) => (statSync(p).mode & 0o777).toString(8);
const withUmask = async <T>(mask: number, fn: () => Promise<T>) => {
  const old = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(old);
  }
};

describe('refs', () => {
  it('are at most 255 bytes (exit 2), counted in bytes', () => {
    expect(() => validateRef('a'.repeat(255))).not.toThrow();
    expect(() => validateRef('a'.repeat(256))).toThrow(UsageError);
    expect(() => validateRef('a'.repeat(256))).toThrow(/longer than 255 bytes/);
    expect(() => validateRef('é'.repeat(128))).toThrow(/longer than 255 bytes/);
    expect(problemsOf(`${MINIMAL}ref: ${'b'.repeat(300)}\n`)).toMatch(/^ {2}ref: must be .*at most 255 bytes/m);
  });
});

describe('--config', () => {
  it.each([
    ['/dev/zero', /it is a device/],
    ['/dev/null', /it is a device/],
    [base, /\(EISDIR\): it is a directory/],
  ])('of %s is refused (exit 2) without being read', async (p, why) => {
    const err = (await loadConfig({ path: p, scope: 'system', env: {} }).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(why);
    expect(err.next).toMatch(/--config FILE/);
  });

  it('of a FIFO with no writer is refused at once, not waited on', async () => {
    const fifo = path.join(base, 'bg.fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(loadConfig({ path: fifo, scope: 'system', env: {} })).rejects.toThrow(/it is a named pipe/);
  });

  it('of a file over 1 MiB is refused', async () => {
    const big = path.join(base, 'big.yml');
    writeFileSync(big, `# ${'x'.repeat(1024 * 1024)}\n${MINIMAL}`);
    await expect(loadConfig({ path: big, scope: 'system', env: {} })).rejects.toThrow(/bytes: not read/);
  });
});

describe('paths under /proc or /sys', () => {
  it.each([
    'root: /proc/x',
    'root: /sys/fs/x',
    'state_dir: /proc/self/x',
    'log_dir: /sys',
    'env_file: /proc/1/environ',
    'unit_dir: /sys/x',
  ])('%s is refused (exit 2)', (line) => {
    const [key] = line.split(':');
    const text = key === 'root' ? MINIMAL.replace('root: /srv/shop', line) : `${MINIMAL}${line}\n`;
    expect(problemsOf(text)).toMatch(new RegExp(`^ {2}${key}: must be .*not under /proc or /sys`, 'm'));
  });

  it('a look-alike such as /process or /system is fine', () => {
    expect(parse(MINIMAL.replace('root: /srv/shop', 'root: /process/shop')).root).toBe('/process/shop');
    expect(parse(`${MINIMAL}state_dir: /system/bg\n`).stateDir).toBe('/system/bg');
  });

  it('making a directory under /proc fails at once instead of spinning (the cause of the unkillable run)', async () => {
    await expect(makeDirs('/proc/bg-test-x/releases')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('directories bg makes', () => {
  it.each([0o027, 0o077, 0o000])('have explicit modes whatever the umask (%o): parents 0755, the state dir 0700', async (mask) => {
    const root = path.join(base, `new-root-${mask.toString(8)}`);
    const state = path.join(root, 'var/state');
    const created = await withUmask(mask, () => ensureStateDir(state));
    expect(created).toEqual([root, path.join(root, 'var'), state]);
    expect([modeOf(root), modeOf(path.join(root, 'var')), modeOf(state)]).toEqual(['755', '755', '700']);
    const dirs = await withUmask(mask, () => makeDirs(path.join(root, 'releases/x')));
    expect(dirs.map(modeOf)).toEqual(['755', '755']);
  });

  it('removeEmptyDirs takes back what makeDirs made while it is empty, and stops at anything written', async () => {
    const top = path.join(base, 'tidy');
    const created = await makeDirs(path.join(top, 'a/b'));
    await removeEmptyDirs(created);
    expect(() => statSync(top)).toThrow();
    const again = await makeDirs(path.join(top, 'a/b'));
    writeFileSync(path.join(top, 'a/b/journal.jsonl'), '{}\n');
    await removeEmptyDirs(again);
    expect(statSync(path.join(top, 'a/b/journal.jsonl')).isFile()).toBe(true);
  });
});

describe('YAML merge keys', () => {
  it('<<: *anchor merges a mapping in; keys written beside it win', () => {
    const cfg = parse(`app: shop
repo: /srv/git/shop.git
root: /srv/shop
web:
  wsgi: shop.wsgi:application
  ports: { blue: 8000, green: 8100 }
  health: &health { path: /health/, retries: 7 }
caddy:
  site: ":8080"
hosts:
  - &host { name: a, ssh: deploy@a.example, config: /etc/bg/shop.yml }
  - <<: *host
    name: b
    ssh: deploy@b.example
`);
    expect(cfg.hosts).toEqual([
      { name: 'a', ssh: 'deploy@a.example', config: '/etc/bg/shop.yml' },
      { name: 'b', ssh: 'deploy@b.example', config: '/etc/bg/shop.yml' },
    ]);
    expect(cfg.web.health.retries).toBe(7);
  });

  it('a merged mapping fills required keys', () => {
    const cfg = parse(`app: shop
repo: /srv/git/shop.git
root: /srv/shop
web:
  <<: { wsgi: shop.wsgi:application, ports: { blue: 8000, green: 8100 } }
  workers: 3
caddy:
  site: ":8080"
`);
    expect(cfg.web.wsgi).toBe('shop.wsgi:application');
    expect(cfg.web.workers).toBe(3);
  });
});
