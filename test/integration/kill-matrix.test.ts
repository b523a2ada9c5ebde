import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonEvent } from '../support/json-events.js';
import { startLoop } from '../support/load-loop.js';
import { useScene } from '../support/scene.js';

const BG = fileURLToPath(new URL('../../bin/bg.cjs', import.meta.url));

/** The plan event among the complete `--json` lines seen so far, if it has come. */
function planOf(seen: string): { steps: string[] } | undefined {
  const lines = seen.split('\n').slice(0, -1); // the last piece may be a line still being written
  const events = lines.filter(Boolean).map((l) => JSON.parse(l) as { event: string; steps?: string[] });
  const plan = events.find((e) => e.event === 'plan');
  return plan?.steps ? { steps: plan.steps } : undefined;
}

// A deployer stopped at every step of a deploy, by SIGTERM (it puts things back) and by SIGKILL (it
// cannot): under a loop of quick and slow requests through Caddy, no request fails, `status` tells
// what happened, and the next command recovers.
describe('a deployer stopped at each step', () => {
  const s = useScene({ setUp: true });
  let steps: string[] = [];
  let next = 0;
  const refs = ['v2', 'v3'];
  const matrix: string[] = [];

  beforeAll(async () => {
    const plan = jsonEvent((await s.bg(['--json', '--dry-run', 'deploy', 'v2'])).stdout, 'plan') as { steps: { name: string }[] };
    steps = plan.steps.map((x) => x.name);
  });
  afterAll(async () => {
    if (matrix.length) process.stdout.write(`kill matrix (step × signal → failed requests; what status said):\n${matrix.join('\n')}\n`);
    await s?.close();
  });

  const status = async () =>
    jsonEvent((await s.bg(['status', '--json'])).stdout, 'status') as {
      active: string;
      problems: { code: string; message: string }[];
      lastDeploy: { result: string; failedStep?: string };
    };

  // Stops the deploy when its `index`th step starts (the colors alternate, so names do too).
  async function deployStoppedAt(index: number, signal: NodeJS.Signals) {
    const ref = refs[next++ % refs.length];
    // forceKillAfterDelay off: execa would SIGKILL a SIGTERMed bg 5 s later, cutting a slow undo short
    const child = execa(process.execPath, [BG, '--user', '--config', s.configPath, '--json', 'deploy', ref], {
      env: s.env,
      reject: false,
      stdin: 'ignore',
      forceKillAfterDelay: false,
    });
    let seen = '';
    let step: string | undefined;
    let sent = false;
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      // the plan event, found by its type: a note (a stale lock taken over) may come before it
      step ??= planOf(seen)?.steps[index];
      if (step !== undefined && !sent && seen.includes(`"step":"${step}","status":"start"`)) {
        sent = true;
        child.kill(signal);
      }
    });
    const r = await child;
    return { r, sent, seen, step };
  }

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal} at every step: no failed request; status says what happened; the next deploy recovers`, async () => {
      for (const [index, name] of steps.entries()) {
        const fast = startLoop(s.url('/'), { concurrency: 3, maxMs: 120_000 });
        const slow = startLoop(s.url('/slow?s=0.4'), { concurrency: 2, maxMs: 120_000 });
        const { r, sent, seen, step } = await deployStoppedAt(index, signal);
        expect(sent, `${step}: never reached\n${seen}`).toBe(true);
        const st = await status();
        const codes = st.problems.map((p) => p.code);
        if (signal === 'SIGTERM') {
          // a step that ends the run anyway (the last ones) may finish before the signal lands, or
          // the signal may land after the run has journaled its result, while the process exits
          if (r.signal === 'SIGTERM') expect(seen, step).toContain('"event":"result","result":"ok"');
          else expect([0, 1], `${step}\n${r.stdout}\n${r.stderr}`).toContain(r.exitCode);
          // put back completely: no half-done run, nothing of the idle color running or enabled
          for (const c of ['interrupted-run', 'idle-web-running', 'idle-enabled', 'upstream-mismatch'])
            expect(codes, step).not.toContain(c);
        } else if (index === steps.length - 1 && st.lastDeploy.result === 'ok') {
          // the last step can end the run, journaled as done, before the kill lands
          expect(seen, step).toContain(`"step":"${step}","status":"done"`);
          expect(codes, step).not.toContain('interrupted-run');
        } else {
          expect(r.signal).toBe('SIGKILL');
          expect(codes, `${step}: ${JSON.stringify(st.problems)}`).toContain('interrupted-run');
          expect(st.lastDeploy.result).toBe('interrupted');
        }
        // recover: setup first when the run was cut off between the upstream file and Caddy
        if (codes.includes('upstream-mismatch')) expect((await s.bg(['setup'])).code).toBe(0);
        const rec = await s.bg(['deploy', refs[next++ % refs.length]]);
        expect(rec.code, `${step}: recovery\n${rec.stdout}\n${rec.stderr}`).toBe(0);
        const after = await status();
        const errors = after.problems.filter((p) => p.code !== 'tcp-migrate-req-off' && p.code !== 'idle-enabled');
        const [f, w] = [await fast.stop(), await slow.stop()];
        matrix.push(
          `  ${name.replace(/blue|green/g, (c) => (c === 'blue' ? 'old' : 'new')).padEnd(22)} ${signal.padEnd(8)} → failed ${f.failed + w.failed} of ${f.sent + w.sent}; status: ${codes.filter((c) => c !== 'tcp-migrate-req-off').join(', ') || 'no problem'}`,
        );
        expect(f.failed + w.failed, `${step} ${signal}: ${[...f.failures, ...w.failures].join('\n')}`).toBe(0);
        expect(errors, `${step}: after recovery`).toEqual([]);
      }
    }, 600_000);
  }
});
