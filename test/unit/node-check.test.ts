import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

// bin/node-check.cjs: which Node bg runs on, checked by bin/bg.cjs before it loads the bundle.
const require = createRequire(import.meta.url);
const check = require('../../bin/node-check.cjs') as {
  NEEDED: string;
  olderThan(version: string, needed: string): boolean;
  tooOldMessage(version: string, execPath: string, needed?: string): string | undefined;
};
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('the Node version check in bin/', () => {
  it("needs what package.json's engines say", () => {
    expect(pkg.engines.node).toBe(`>=${check.NEEDED}`);
  });

  it('compares versions part by part, numerically', () => {
    expect(check.olderThan('18.20.4', '20.18.1')).toBe(true);
    expect(check.olderThan('v20.18.0', '20.18.1')).toBe(true);
    expect(check.olderThan('20.9.0', '20.18.1')).toBe(true); // 9 < 18, not "9" > "1"
    expect(check.olderThan('20.18.1', '20.18.1')).toBe(false);
    expect(check.olderThan('20.19.2', '20.18.1')).toBe(false);
    expect(check.olderThan('22.0.0', '20.18.1')).toBe(false);
    expect(check.olderThan('100.0.0', '20.18.1')).toBe(false);
  });

  it("on Debian 12's nodejs: one line naming the Node it runs on, the one it needs, and where to get it", () => {
    const line = check.tooOldMessage('18.20.4', '/usr/bin/node');
    expect(line).toBe(
      "bluegreen needs Node.js 20.18.1 or newer, but /usr/bin/node is Node.js 18.20.4. Debian 13's nodejs package is new enough (apt install nodejs); on Debian 12, whose own nodejs is 18, install Node.js 20 or newer from NodeSource (https://github.com/nodesource/distributions) or with nvm (https://github.com/nvm-sh/nvm), then run bluegreen again.",
    );
    expect(line).not.toContain('\n');
    expect(check.tooOldMessage('20.19.2', '/usr/bin/node')).toBeUndefined();
    expect(check.tooOldMessage(process.versions.node, process.execPath)).toBeUndefined();
  });

  it('bin/bg.cjs and bin/node-check.cjs use no syntax newer than ES2018, so an old Node parses them', () => {
    for (const file of ['bg.cjs', 'node-check.cjs']) {
      const code = readFileSync(new URL(`../../bin/${file}`, import.meta.url), 'utf8');
      // esbuild rewrites any newer syntax for an ES2018 target: the output then differs from esnext's
      const as = (target: string) => transformSync(code, { loader: 'js', format: 'cjs', target }).code;
      expect(as('es2018'), file).toBe(as('esnext'));
    }
  });
});
