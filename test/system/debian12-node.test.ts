import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT, type Container, startContainer } from '../harness/container.js';
import { buildDeb } from '../support/deb-package.js';

// Debian 12 with Debian's own nodejs (18, below bg's engines): apt refuses the .deb and names the
// Node it needs, and the bundle run by that node says which Node it needs in one line, exit 2.
// The container has no network: Debian 12's nodejs and the packages it needs beyond what this
// host has are fetched here with `apt-get download` into a directory the container sees, and apt
// installs them there from the files.
const NODE18_WITH = ['libc-ares2', 'node-acorn', 'node-cjs-module-lexer', 'node-undici', 'node-xtend', 'node-busboy'];

function debianNode(): { dir: string; version: string } {
  const madison = execFileSync('apt-cache', ['madison', 'nodejs'], { encoding: 'utf8' });
  const version = madison
    .split('\n')
    .map((l) => l.split('|')[1]?.trim())
    .find((v) => v?.startsWith('18.'));
  if (!version) throw new Error(`apt lists no Debian nodejs 18:\n${madison}`);
  const dir = join(CHECKOUT, 'dist', `node18-test-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  execFileSync('apt-get', ['download', `nodejs=${version}`, `libnode108=${version}`, ...NODE18_WITH], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 300_000,
  });
  return { dir, version };
}

describe("Debian 12's own nodejs (18)", () => {
  let c: Container;
  let deb: string;
  let node: { dir: string; version: string };

  beforeAll(async () => {
    deb = buildDeb();
    node = debianNode();
    c = await startContainer();
    const r = await c.sh(`apt-get install -y --no-install-recommends --allow-downgrades ${node.dir}/*.deb`);
    if (r.code !== 0) throw new Error(`Debian's nodejs did not install:\n${r.stdout}${r.stderr}`);
  }, 600_000);
  afterAll(async () => {
    await c?.stop();
    if (deb) rmSync(dirname(deb), { recursive: true, force: true });
    if (node) rmSync(node.dir, { recursive: true, force: true });
  });

  it('apt refuses the .deb and names the nodejs it depends on', async () => {
    expect(await c.ok('/usr/bin/node --version')).toBe(`v${node.version.split('+')[0]}\n`);
    const r = await c.sh(`apt-get install -y ${deb}`);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/bluegreen : Depends: nodejs \(>= 20\.18\) but 18\.20\.\S+ is (to be )?installed/);
    expect((await c.sh('test -e /usr/bin/bluegreen')).code).toBe(1);
  });

  it('the bundle run by that node prints one line: the Node it runs on, the one it needs, where to get it; exit 2', async () => {
    await c.ok(`dpkg-deb -x ${deb} /tmp/unpacked`);
    for (const args of ['--version', 'status']) {
      const r = await c.sh(`/usr/bin/node /tmp/unpacked/usr/lib/bluegreen/bin/bg.cjs ${args}`);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^bluegreen needs Node\.js 20\.18\.1 or newer, but \/usr\/bin\/node is Node\.js 18\.20\.\d+\. /);
      expect(lines[0]).toContain("Debian 13's nodejs package is new enough");
      expect(lines[0]).toContain('NodeSource');
      expect(lines[0]).toContain('nvm');
    }
  });
});
