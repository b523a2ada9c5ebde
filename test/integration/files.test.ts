import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointSymlink, readLastLines, readText, removeFile, writeAtomic } from '../../src/adapters/files.js';
import { FsError } from '../../src/errors.js';
import { unifiedDiff } from '../../src/render/diff.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bg-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fsErrorOf(p: Promise<unknown>): Promise<FsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FsError);
  return err as FsError;
}

describe('writeAtomic', () => {
  it('creates parents, replaces the file by rename and leaves no temp files', async () => {
    const path = join(dir, 'a/b/c/upstream.txt');
    await writeAtomic(path, 'to 127.0.0.1:8000\n');
    const before = await stat(path);
    await writeAtomic(path, 'to 127.0.0.1:8100\n');
    const after = await stat(path);
    expect(await readFile(path, 'utf8')).toBe('to 127.0.0.1:8100\n');
    expect(after.ino).not.toBe(before.ino); // a new inode renamed over the old one, not an in-place write
    expect(await readdir(join(dir, 'a/b/c'))).toEqual(['upstream.txt']);
  });

  it('a concurrent reader only ever sees a whole old or whole new file', async () => {
    const path = join(dir, 'big.txt');
    const versions = ['A', 'B'].map((c) => c.repeat(512 * 1024));
    await writeAtomic(path, versions[0]!);
    let writing = true;
    const seen = new Set<string>();
    const reader = (async () => {
      for (let i = 0; writing && i < 2000; i++) {
        const text = await readFile(path, 'utf8');
        seen.add(text.length === versions[0]!.length && (text === versions[0] || text === versions[1]) ? text[0]! : `torn:${text.length}`);
      }
    })();
    for (let i = 0; i < 40; i++) await writeAtomic(path, versions[i % 2]!);
    writing = false;
    await reader;
    expect([...seen].filter((s) => s.startsWith('torn'))).toEqual([]);
  });

  it('honours the mode despite the umask, and keeps the existing mode when none is given', async () => {
    const path = join(dir, 'env');
    const oldUmask = process.umask(0o077);
    try {
      await writeAtomic(path, 'SECRET=1\n', { mode: 0o640 });
    } finally {
      process.umask(oldUmask);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    await writeAtomic(path, 'SECRET=2\n');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    await writeAtomic(join(dir, 'fresh'), 'x');
    expect((await stat(join(dir, 'fresh'))).mode & 0o777).toBe(0o644);
  });

  it('refuses a path below a regular file with FsError', async () => {
    const file = join(dir, 'plain');
    await writeFile(file, 'x');
    const err = await fsErrorOf(writeAtomic(join(file, 'sub/unit.service'), 'x'));
    expect(err.message).toBe(`Cannot write ${join(file, 'sub/unit.service')}: a parent path is not a directory (ENOTDIR)`);
    expect(err.next).toBe("Run as root, or pass --user to install into your user's systemd");
    expect(err.code).toBe('fs');
  });

  it('refuses a path where even root cannot create files (/sys, /proc) without hanging', async () => {
    const sys = await fsErrorOf(writeAtomic('/sys/bg-test.conf', 'x'));
    expect(sys.message).toMatch(/^Cannot write \/sys\/bg-test\.conf: permission denied \(EACCES\)$/);
    const proc = await fsErrorOf(writeAtomic('/proc/bg-nope/x/unit.service', 'x'));
    expect(proc.message).toMatch(/^Cannot write \/proc\/bg-nope\/x\/unit\.service: /);
  });
});

describe('readText', () => {
  it('returns the text, or undefined when the file is missing', async () => {
    await writeAtomic(join(dir, 'r.txt'), 'hello\n');
    expect(await readText(join(dir, 'r.txt'))).toBe('hello\n');
    expect(await readText(join(dir, 'missing.txt'))).toBeUndefined();
  });
  it('throws FsError for a directory', async () => {
    const err = await fsErrorOf(readText(dir));
    expect(err.message).toContain(`Cannot read ${dir}`);
  });
});

describe('readLastLines', () => {
  const file = (name: string, text: string) => writeFile(join(dir, name), text).then(() => join(dir, name));

  it('gives the last n lines whether or not the file ends with a newline, across read chunks', async () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    for (const [name, t] of [
      ['nl', `${text}\n`],
      ['no-nl', text],
    ] as const) {
      const f = await file(name, t);
      for (const chunk of [3, 7, 64, 64 * 1024]) {
        expect(await readLastLines(f, 3, chunk)).toEqual(['line 47', 'line 48', 'line 49']);
        expect(await readLastLines(f, 1, chunk)).toEqual(['line 49']);
        expect(await readLastLines(f, 60, chunk)).toHaveLength(50);
      }
    }
  });

  it('keeps characters that a chunk boundary splits, and reads at most about maxBytes', async () => {
    const f = await file('utf8', `${'é'.repeat(40)}\nßß→→\n`);
    for (const chunk of [1, 2, 3, 5]) expect(await readLastLines(f, 2, chunk)).toEqual(['é'.repeat(40), 'ßß→→']);
    const long = await file('long', `first\n${'x'.repeat(5000)}\n`);
    expect(await readLastLines(long, 2, 100, 1000)).toEqual([]); // gave up: not even one whole line in 1000 bytes
  });

  it('a missing or empty file has no lines', async () => {
    expect(await readLastLines(join(dir, 'nope'), 5)).toEqual([]);
    expect(await readLastLines(await file('empty', ''), 5)).toEqual([]);
    expect(await readLastLines(await file('blank', '\n\n'), 5)).toEqual([]);
  });
});

describe('unifiedDiff', () => {
  it('is empty when nothing changes', () => {
    expect(unifiedDiff('/etc/x', 'a\n', 'a\n')).toBe('');
  });
  it('shows a change as a unified diff with file headers', () => {
    expect(unifiedDiff('/etc/caddy/upstream.txt', 'to 127.0.0.1:8000\n', 'to 127.0.0.1:8100\n')).toBe(
      [
        '--- /etc/caddy/upstream.txt',
        '+++ /etc/caddy/upstream.txt',
        '@@ -1,1 +1,1 @@',
        '-to 127.0.0.1:8000',
        '+to 127.0.0.1:8100',
        '',
      ].join('\n'),
    );
  });
  it('shows a new file against /dev/null', () => {
    expect(unifiedDiff('/etc/x.service', undefined, '[Unit]\n')).toBe(
      ['--- /dev/null', '+++ /etc/x.service', '@@ -0,0 +1,1 @@', '+[Unit]', ''].join('\n'),
    );
  });
});

describe('pointSymlink', () => {
  it('creates and then flips a symlink atomically', async () => {
    const link = join(dir, 'links/current');
    await pointSymlink(link, '/srv/shop/releases/blue');
    expect(await readlink(link)).toBe('/srv/shop/releases/blue');
    await pointSymlink(link, '/srv/shop/releases/green');
    expect(await readlink(link)).toBe('/srv/shop/releases/green');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readdir(join(dir, 'links'))).toEqual(['current']);
  });
  it('refuses to replace a real directory and leaves no temp link', async () => {
    const link = join(dir, 'realdir');
    await writeAtomic(join(link, 'keep'), 'x');
    const err = await fsErrorOf(pointSymlink(link, '/elsewhere'));
    expect(err.message).toContain(`Cannot write ${link}`);
    expect((await readdir(dir)).filter((n) => n.includes('.bg-'))).toEqual([]);
  });
});

describe('removeFile', () => {
  it('removes a file and accepts one that is already gone', async () => {
    const path = join(dir, 'gone.txt');
    await writeAtomic(path, 'x');
    await removeFile(path);
    expect(await readText(path)).toBeUndefined();
    await removeFile(path);
  });
  it('throws FsError when it cannot remove', async () => {
    const err = await fsErrorOf(removeFile(dir)); // a directory: EISDIR/EPERM from unlink
    expect(err.message).toContain(`Cannot write ${dir}`);
  });
});
