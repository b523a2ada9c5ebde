import { describe, expect, it } from 'vitest';
import { readProcess, runProcess, streamProcess } from '../../src/adapters/process.js';

// Both engines answer in the same shape: an exit code, a signal, a timeout or why it did not start.
describe('the process module', () => {
  it('runProcess (execa): exit code, output, the environment given, a missing command', async () => {
    const r = await runProcess('sh', ['-c', 'echo "out $GIVEN"; echo err >&2; exit 3'], { env: { GIVEN: 'yes' }, all: true });
    expect(r).toMatchObject({ ok: false, exitCode: 3, stdout: 'out yes', stderr: 'err', timedOut: false });
    expect(r.all).toContain('out yes');
    expect(r.error).toBeUndefined();
    expect((await runProcess('sh', ['-c', 'true'])).ok).toBe(true);
    const missing = await runProcess('/nonexistent/bg-no-such-command', []);
    expect(missing).toMatchObject({ ok: false, exitCode: undefined, error: { code: 'ENOENT' } });
  });

  it('readProcess (child_process): the same answers, and a timeout', async () => {
    expect(await readProcess('sh', ['-c', 'echo "out $GIVEN"; exit 3'], { env: { GIVEN: 'yes' }, timeoutMs: 10_000 })).toMatchObject({
      ok: false,
      exitCode: 3,
      stdout: 'out yes\n',
    });
    expect(await readProcess('/nonexistent/bg-no-such-command', [], { timeoutMs: 10_000 })).toMatchObject({
      ok: false,
      exitCode: undefined,
      error: { code: 'ENOENT' },
    });
    const slow = await readProcess('sleep', ['30'], { timeoutMs: 100 });
    expect(slow).toMatchObject({ ok: false, timedOut: true, signal: 'SIGTERM' });
    expect(slow.error).toBeUndefined();
  });

  it('runProcess times out with SIGTERM too', async () => {
    expect(await runProcess('sleep', ['30'], { timeoutMs: 100 })).toMatchObject({ ok: false, timedOut: true, signal: 'SIGTERM' });
  });

  it('streamProcess hands stdout over as it comes and keeps it all', async () => {
    const chunks: string[] = [];
    const r = await streamProcess('sh', ['-c', 'echo a; echo b >&2; echo c'], (t) => chunks.push(t));
    expect(r).toMatchObject({ ok: true, exitCode: 0, stdout: 'a\nc\n', stderr: 'b\n' });
    expect(chunks.join('')).toBe('a\nc\n');
    expect((await streamProcess('/nonexistent/bg-no-such-command', [], () => {})).error?.code).toBe('ENOENT');
  });
});
