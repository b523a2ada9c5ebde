import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { exactlyOnce, runBgTimed, seen, startEnqueuer, startSampler, tail, waitForTasks } from '../support/celery-probe.js';
import { makeSetUpScene, type Scene } from '../support/scene.js';

// `npm run soak`: many deploys while tasks arrive faster than the worker runs them, so the old
// worker always has a prefetched task and a busy pool when it is stopped. Counts what the Celery
// tests check once: tasks lost or run twice, and instants with two workers or beats.
//   SOAK_DEPLOYS (8) deploys, SOAK_EVERY_MS (30) between tasks (the fixture's 2-process worker runs
//   ~28/s at 0.05 s a task, so 30 ms keeps it saturated), SOAK_MAX_S (600) for the whole run.
const DEPLOYS = Number(process.env.SOAK_DEPLOYS ?? 8);
const EVERY_MS = Number(process.env.SOAK_EVERY_MS ?? 30);
const MAX_MS = Number(process.env.SOAK_MAX_S ?? 600) * 1000;

describe('Celery under saturation across many deploys', () => {
  const sb = inject('sandbox');
  let s: Scene;

  beforeAll(async () => {
    s = await makeSetUpScene(sb, { celery: true, env: ['BG_FIXTURE_TASK_SECONDS=0.05'] });
  });
  afterAll(async () => s?.close());

  it(`${DEPLOYS} deploys: every task exactly once, never two workers or beats`, async () => {
    const started = Date.now();
    const sampler = startSampler(s, { everyMs: 25, maxMs: MAX_MS, maxSamples: 40_000 });
    const enq = startEnqueuer(s, { first: 0, everyMs: EVERY_MS, maxCount: 100_000, maxMs: MAX_MS });
    const walls: number[] = [];
    const stepMs = new Map<string, number[]>();
    for (let i = 0; i < DEPLOYS && Date.now() - started < MAX_MS / 2; i++) {
      const t = Date.now();
      const r = await runBgTimed(s, ['deploy', i % 2 === 0 ? 'v2' : 'v3']);
      walls.push(Date.now() - t);
      for (const [name, st] of r.steps)
        if (st.ms !== undefined)
          stepMs.set(name.replace(/-(blue|green)/g, ''), [...(stepMs.get(name.replace(/-(blue|green)/g, '')) ?? []), st.ms]);
      expect(r.code, `deploy ${i + 1}: ${r.stderr.slice(-2000)}`).toBe(0);
    }
    const sent = await enq.stop();
    const lines = await waitForTasks(s, sent.queued, { maxMs: Math.max(30_000, sent.queued.length * 60), settleMs: 2_000 });
    const samples = sampler.stop();
    const once = exactlyOnce(lines, sent.queued);
    console.log(
      `[soak] ${walls.length} deploys (${walls.map((w) => (w / 1000).toFixed(1)).join(', ')} s), ${once.counts}; ` +
        `${samples.samples.length} samples, ${samples.violations.length} with two workers or beats; ${sent.failures.length} enqueue failures\n` +
        `[soak] step medians (ms): ${[...stepMs].map(([k, v]) => `${k} ${Math.round(v.sort((a, b) => a - b)[v.length >> 1]!)}`).join(', ')}`,
    );
    expect(walls).toHaveLength(DEPLOYS);
    expect(sent.failures).toEqual([]);
    expect(once, tail(s.taskLog, 1500)).toMatchObject({ missing: [], twice: [] });
    expect(samples.violations).toEqual([]);
    for (const c of ['blue', 'green'] as const) expect(seen(samples, 'worker', c)).toBe(true);
  });
});
