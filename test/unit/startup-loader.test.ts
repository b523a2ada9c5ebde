import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPrivateDir } from '../../src/startup/cache-dir.js';
import { loaderFor } from '../../src/startup/loader-choice.js';
import { enableNodeCompileCache, loadBundleWithNode } from '../../src/startup/node-compile-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'bg-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loaderFor: which loader runs the bundles', () => {
  it.each([
    ['v20.19.2', 'vm-code-cache'],
    ['v20.20.2', 'vm-code-cache'],
    ['v22.7.0', 'vm-code-cache'],
    ['v22.8.0', 'node-compile-cache'],
    ['v22.12.0', 'node-compile-cache'],
    ['v23.0.0', 'node-compile-cache'],
    ['v24.11.1', 'node-compile-cache'],
    ['not a version', 'vm-code-cache'],
  ])('%s → %s', (version, loader) => {
    expect(loaderFor(version)).toBe(loader);
  });

  it("is bg's own code cache on this Node 20, the path the other tests run", () => {
    expect(process.versions.node.split('.')[0]).toBe('20');
    expect(loaderFor(process.version)).toBe('vm-code-cache');
    expect(enableNodeCompileCache(join(dir, 'node'))).toBe(false);
  });
});

describe("loadBundleWithNode (Node's CommonJS loader, under its compile cache on Node 22.8+)", () => {
  it('runs a bundle and hands bg:bundle/<name> to the boot loader, anything else to require', () => {
    const file = join(dir, 'b.cjs');
    const source =
      'const other = require("bg:bundle/other"); const { join } = require("node:path"); module.exports = { got: other.v, joined: join("a", "b"), file: __filename };';
    const asked: string[] = [];
    const b = loadBundleWithNode(file, source, (name) => {
      asked.push(name);
      return { v: 42 };
    });
    expect(b.exports).toEqual({ got: 42, joined: 'a/b', file });
    expect(asked).toEqual(['other']);
    expect(b.cache).toBe('node');
  });
});

describe("isPrivateDir: where Node's compile cache may live", () => {
  it('accepts a 0700 directory of this user under the sticky /tmp', () => {
    const own = join(dir, 'own');
    mkdirSync(own, { mode: 0o700 });
    expect(isPrivateDir(own)).toBe(true);
  });

  it('refuses a directory others can write, one under such a directory, and a symbolic link', () => {
    const open = join(dir, 'open');
    mkdirSync(join(open, 'inner'), { recursive: true, mode: 0o700 });
    chmodSync(open, 0o777);
    expect(isPrivateDir(open)).toBe(false);
    expect(isPrivateDir(join(open, 'inner'))).toBe(false);
    const own = join(dir, 'own2');
    mkdirSync(own, { mode: 0o700 });
    symlinkSync(own, join(dir, 'link'));
    expect(isPrivateDir(join(dir, 'link'))).toBe(false);
  });

  it("refuses another user's directory and a missing one", () => {
    const own = join(dir, 'own3');
    mkdirSync(own, { mode: 0o700 });
    chownSync(own, 12345, 12345); // the tests run as root
    expect(isPrivateDir(own)).toBe(false);
    expect(isPrivateDir(join(dir, 'missing'))).toBe(false);
    writeFileSync(join(dir, 'file'), '');
    expect(isPrivateDir(join(dir, 'file'))).toBe(false);
  });
});
