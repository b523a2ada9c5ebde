import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { useScene } from '../support/scene.js';

const BG = fileURLToPath(new URL('../../bin/bg.cjs', import.meta.url));

// Day two: the app's logs, and a command run in the live release with its env file.
describe('logs and run', () => {
  const s = useScene({ setUp: true });

  it('logs shows the request just made, from the live web', async () => {
    await s.get('/?from=logs-test');
    const r = await s.bg(['logs', '-n', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('GET /?from=logs-test');
    expect((await s.bg(['logs', 'nonsense'])).code).toBe(2);
  });

  it('run: in the live release, with the env file; its exit code is bg’s', async () => {
    const r = await s.bg(['run', '--', 'sh', '-c', 'echo "$BG_FIXTURE_GREETING from $(cat VERSION) on $BG_COLOR"; exit 7']);
    expect(r.code).toBe(7);
    expect(r.stdout.trim()).toBe('hello from v1 on blue');
  });

  it('run passes the terminal through (a pty stays a tty)', async () => {
    const cmd = `${process.execPath} ${BG} --user --config ${s.configPath} run -- sh -c 'test -t 0 && test -t 1 && echo on-a-tty'`;
    const r = await execa('script', ['-qec', cmd, '/dev/null'], { env: s.env, reject: false, stdin: 'ignore' });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('on-a-tty');
  });

  it('history --limit must be a number (exit 2); every command help shows the global options', async () => {
    const bad = await s.bg(['history', '--limit', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--limit must be a whole number');
    const help = await s.bg(['deploy', '--help']);
    expect(help.stdout).toContain('Global Options:');
    expect(help.stdout).toContain('--lock-wait <duration>');
  });
});
