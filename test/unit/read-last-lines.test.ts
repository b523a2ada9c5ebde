import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLastLines } from '../../src/adapters/files.js';

const dir = mkdtempSync(join(tmpdir(), 'bg-last-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readLastLines as root reads a log', () => {
  it('reads a regular file, but never through a link, and never waits on a FIFO', async () => {
    const secret = join(dir, 'other-app.env');
    writeFileSync(secret, 'DB_PASSWORD=hunter2\n');
    const log = join(dir, 'shop-web-blue.log');
    writeFileSync(log, 'booted\nserving\n');
    expect(await readLastLines(log, 1)).toEqual(['serving']);
    const planted = join(dir, 'shop-web-green.log');
    symlinkSync(secret, planted);
    expect(await readLastLines(planted, 5)).toEqual([]);
    const fifo = join(dir, 'shop-worker-blue.log');
    execFileSync('mkfifo', [fifo]);
    expect(await readLastLines(fifo, 5)).toEqual([]);
  });
});
