import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { giveTree, type TreeOps, takeBackTree } from '../../src/adapters/chown-tree.js';

const base = mkdtempSync(join(tmpdir(), 'bg-chown-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const me = { uid: process.getuid!(), gid: process.getgid!() };

// a release as a build leaves it: nested directories, a .git, a link out of the tree
function release(name: string): string {
  const r = join(base, name);
  mkdirSync(join(r, 'app/static/css'), { recursive: true });
  mkdirSync(join(r, '.git/objects'), { recursive: true });
  writeFileSync(join(r, 'app/views.py'), 'x');
  writeFileSync(join(r, 'app/static/css/site.css'), 'x');
  writeFileSync(join(r, '.git/HEAD'), 'x');
  return r;
}

/** The real fs calls, recorded in order. */
function recorder(): { ops: TreeOps; log: string[] } {
  const log: string[] = [];
  const ops: TreeOps = {
    lchown: async (p, u, g) => {
      log.push(`lchown ${p}`);
      await lchown(p, u, g);
    },
    chmod: async (p, m) => {
      log.push(`chmod ${p}`);
      await chmod(p, m);
    },
    lstat: (p) => lstat(p),
    readdir: (p) => {
      log.push(`readdir ${p}`);
      return readdir(p);
    },
  };
  return { ops, log };
}

const ancestors = (p: string, top: string) => {
  const out: string[] = [];
  for (let d = dirname(p); d.length >= top.length; d = dirname(d)) out.push(d);
  return out;
};

describe('handing a release to the app user and back', () => {
  it('gives a directory only after everything in it, so nothing above a path it changes is the user’s yet; never .git', async () => {
    const r = release('give');
    const { ops, log } = recorder();
    await giveTree(r, me.uid, me.gid, ops);
    const chowned = log.filter((l) => l.startsWith('lchown ')).map((l) => l.slice(7));
    expect(chowned).toContain(join(r, 'app/static/css/site.css'));
    expect(chowned.at(-1)).toBe(r);
    chowned.forEach((p, i) => {
      for (const a of ancestors(p, r)) expect(chowned.indexOf(a), `${a} before ${p}`).toBeGreaterThan(i);
    });
    expect(chowned.some((p) => p.includes('.git'))).toBe(false);
  });

  it('takes a directory back (owner, then no write for group and others) before it reads what is in it', async () => {
    const r = release('take-order');
    chmodSync(join(r, 'app'), 0o777);
    const { ops, log } = recorder();
    await takeBackTree(r, me.uid, me.gid, ops);
    const at = (l: string) => log.indexOf(l);
    expect(at(`chmod ${join(r, 'app')}`)).toBeGreaterThan(at(`lchown ${join(r, 'app')}`));
    expect(at(`readdir ${join(r, 'app')}`)).toBeGreaterThan(at(`chmod ${join(r, 'app')}`));
    for (const l of log.filter((x) => x.startsWith('lchown '))) {
      const p = l.slice(7);
      for (const a of ancestors(p, r)) expect(at(`readdir ${a}`), `${a} read before ${p} changed`).toBeLessThan(at(l));
    }
  });

  it('takes back write for group and others and set-id bits, follows no link, and walks a .git the build replaced', async () => {
    const r = release('take-modes');
    const outside = join(base, 'outside.txt');
    writeFileSync(outside, 'secret');
    chmodSync(outside, 0o666);
    symlinkSync(outside, join(r, 'app/static/leak.txt'));
    chmodSync(join(r, 'app/static'), 0o777);
    chmodSync(join(r, 'app/views.py'), 0o4775);
    chmodSync(join(r, '.git'), 0o777); // not root's own .git any more
    chmodSync(join(r, '.git/HEAD'), 0o666);
    await takeBackTree(r, me.uid, me.gid);
    expect(statSync(join(r, 'app/static')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(r, 'app/views.py')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(r, '.git')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(r, '.git/HEAD')).mode & 0o7777).toBe(0o644);
    expect(lstatSync(join(r, 'app/static/leak.txt')).isSymbolicLink()).toBe(true);
    expect(statSync(outside).mode & 0o7777).toBe(0o666);
  });
});
