import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { startLoop } from '../support/load-loop.js';
import { useScene } from '../support/scene.js';

const BG = fileURLToPath(new URL('../../bin/bg.cjs', import.meta.url));

// A deployer stopped mid-deploy (Ctrl-C, or SIGKILL) leaves the old version serving; the next bg
// command sees what was left and recovers.
describe('a deployer interrupted mid-deploy', () => {
  // the unhealthy release's gate must last until the signal: no early end after fail_after 500s
  const s = useScene({ setUp: true, failAfter: 100 });

  async function deployUntilHealthGate(branch: string) {
    // forceKillAfterDelay off: no SIGKILL from execa behind a signal the test expects bg to handle
    const child = execa(process.execPath, [BG, '--user', '--config', s.configPath, '--json', 'deploy', branch], {
      env: s.env,
      reject: false,
      stdin: 'ignore',
      forceKillAfterDelay: false,
    });
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`never reached the health gate: ${seen}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('"step":"health-gate-green","status":"start"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return { child }; // wrapped: the subprocess is a thenable, returning it bare would await it
  }

  it('Ctrl-C during the health gate: undoes at once, exit 1, old version served throughout', async () => {
    const loop = startLoop(s.url('/'), { concurrency: 3, maxMs: 60_000 });
    const { child } = await deployUntilHealthGate('unhealthy');
    const t0 = Date.now();
    child.kill('SIGINT');
    const r = await child;
    const res = await loop.stop();
    expect(r.exitCode).toBe(1);
    // the gate stopped because of the signal, not because its 5 s budget ran out
    const gate = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.step === 'health-gate-green' && e.status === 'failed');
    expect(gate?.error, r.stdout).toContain('Interrupted by SIGINT');
    expect(Date.now() - t0, r.stdout).toBeLessThan(30_000);
    const error = JSON.parse(r.stdout.trim().split('\n').at(-1)!); // --json: the error is the last event
    expect(error).toMatchObject({ event: 'error', exitCode: 1 });
    expect(error.message).toContain('Interrupted by SIGINT');
    expect(error.state).toContain('old version still serving');
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(s.activeState(`${s.app}-web-green.service`)).not.toBe('active');
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
    expect(existsSync(`${s.dir}/state-home/bg/${s.app}/lock`)).toBe(false);
  });

  it('SIGKILL during the health gate: old version keeps serving; the next deploy recovers', async () => {
    const loop = startLoop(s.url('/'), { concurrency: 3, maxMs: 60_000 });
    const { child } = await deployUntilHealthGate('unhealthy');
    child.kill('SIGKILL');
    await child;
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
    // green was left running (unhealthy) and the lock names a dead process
    expect(existsSync(`${s.dir}/state-home/bg/${s.app}/lock`)).toBe(true);
    const r = await s.bg(['deploy', 'v2']);
    const res = await loop.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('stale lock');
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
  });
});
