import { describe, expect, it } from 'vitest';
import { unitLogFile, unitNames } from '../../src/config/names.js';
import {
  exactlyOnce,
  interleavedBeats,
  pushTask,
  readBeatLog,
  runBgTimed,
  seen,
  startEnqueuer,
  startSampler,
  type TaskLine,
  type TimedRun,
  tail,
  waitForTasks,
} from '../support/celery-probe.js';
import { jsonEvent } from '../support/json-events.js';
import { startLoop } from '../support/load-loop.js';
import { useScene } from '../support/scene.js';

// bg's invariants for Celery, against the real user manager, Redis and Celery (prefork):
// never two beats, never both colors' workers, a task queued during a deploy runs exactly once, and
// the old worker's stop is a warm shutdown that lets a running task finish.
describe('Celery worker and beat through setup, deploy and a failed deploy', () => {
  // fail_after past retries: the unhealthy deploy's gate lasts its retries, long enough to queue tasks throughout it
  const s = useScene({ celery: true, env: ['BG_FIXTURE_TASK_SECONDS=0.05'], setUp: true, failAfter: 100 });
  const unit = (kind: 'web' | 'worker' | 'beat', c: 'blue' | 'green') => unitNames({ app: s.app, celery: { beat: true } }, c)[kind]!;
  const states = () =>
    Object.fromEntries(
      (['worker', 'beat'] as const).flatMap((k) => (['blue', 'green'] as const).map((c) => [`${k}-${c}`, s.activeState(unit(k, c))])),
    );
  const unitLog = (u: string) => tail(unitLogFile({ logDir: `${s.dir}/logs` }, u)!, 2500);
  const evidence = (r?: TimedRun) =>
    [
      `units: ${JSON.stringify(states())}`,
      r ? `bg exit ${r.code}\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}` : '',
      ...(['blue', 'green'] as const).map((c) => `--- worker-${c} log ---\n${unitLog(unit('worker', c))}`),
    ].join('\n');

  it('setup runs blue’s worker and beat, not green’s; queued tasks are processed by blue', async () => {
    expect(states(), evidence()).toEqual({
      'worker-blue': 'active',
      'worker-green': 'inactive',
      'beat-blue': 'active',
      'beat-green': 'inactive',
    });
    const want = Array.from({ length: 10 }, (_, i) => i);
    const enq = startEnqueuer(s, { first: 0, maxCount: want.length, maxMs: 10_000 });
    const sent = await enq.done; // maxCount ends it
    expect(sent.failures).toEqual([]);
    expect(sent.queued).toEqual(want);
    const lines = await waitForTasks(s, want, { maxMs: 15_000, settleMs: 300 });
    expect(exactlyOnce(lines, want), evidence()).toMatchObject({ missing: [], twice: [] });
    expect(new Set(lines.map((l) => l.color))).toEqual(new Set(['blue']));
    const deadline = Date.now() + 5_000;
    while (!readBeatLog(s).some((k) => k.beatColor === 'blue') && Date.now() < deadline) await sleep(100);
    const ticks = readBeatLog(s);
    expect(
      ticks.some((k) => k.beatColor === 'blue'),
      `beat log:\n${tail(s.beatLog)}\n${unitLog(unit('beat', 'blue'))}`,
    ).toBe(true);
  });

  it('deploy under continuous enqueueing: every task exactly once, the new color runs what comes after the switch, never two workers or beats', async () => {
    const sampler = startSampler(s, { everyMs: 25, maxMs: 80_000 });
    // 20 tasks/s, below the 2-process worker's ~28/s throughput.
    const enq = startEnqueuer(s, { first: 1000, everyMs: 50, maxCount: 1000, maxMs: 120_000 });
    await sleep(300); // blue is working when the deploy starts
    const r = await runBgTimed(s, ['deploy', 'v2']);
    await sleep(1_000); // tasks keep coming after the deploy: the new color must take them
    const sent = await enq.stop();
    const lines = await waitForTasks(s, sent.queued, { maxMs: 30_000, settleMs: 1_000 });
    const samples = sampler.stop();

    expect(r.code, evidence(r)).toBe(0);
    expect(sent.failures).toEqual([]);
    expect(sent.queued.length).toBeGreaterThan(50);
    const mine = lines.filter((l) => l.n >= 1000);
    expect(exactlyOnce(mine, sent.queued), evidence(r)).toMatchObject({ missing: [], twice: [] });
    expect(blockOrder(mine, 'blue', 'green'), `task log colors:\n${mine.map((l) => `${l.n} ${l.color}`).join(', ')}`).toEqual([]);
    expect(mine.some((l) => l.color === 'blue')).toBe(true);
    expect(mine.some((l) => l.color === 'green')).toBe(true);
    // The old worker is stopped (step 3) before the switch: whatever is queued from then on is the new color's.
    const cut = r.steps.get('stop-worker-blue')?.done;
    expect(cut, `no stop-worker-blue step in ${[...r.steps.keys()]}`).toBeDefined();
    const late = mine.filter((l) => (sent.sentAt.get(l.n) ?? 0) > cut!);
    expect(late.length).toBeGreaterThan(10);
    expect(late.filter((l) => l.color !== 'green')).toEqual([]);

    expect(samples.violations, evidence(r)).toEqual([]);
    expect(samples.samples.length).toBeGreaterThan(40);
    for (const k of ['worker', 'beat'] as const)
      for (const c of ['blue', 'green'] as const) expect(seen(samples, k, c), `${k} ${c} never sampled`).toBe(true);
    expect(states(), evidence(r)).toEqual({
      'worker-blue': 'inactive',
      'worker-green': 'active',
      'beat-blue': 'inactive',
      'beat-green': 'active',
    });

    const deadline = Date.now() + 5_000;
    while (!readBeatLog(s).some((k) => k.beatColor === 'green') && Date.now() < deadline) await sleep(100);
    const ticks = readBeatLog(s);
    expect(
      ticks.some((k) => k.beatColor === 'green'),
      `beat log:\n${tail(s.beatLog)}`,
    ).toBe(true);
    expect(interleavedBeats(ticks), `beat log:\n${tail(s.beatLog)}`).toEqual([]);
  });

  it('a failed deploy (unhealthy) exits 1 and never touches Celery: the old worker and beat run throughout; tasks queued meanwhile run exactly once', async () => {
    const sampler = startSampler(s, { everyMs: 25, maxMs: 80_000 });
    const enq = startEnqueuer(s, { first: 5000, everyMs: 50, maxCount: 1000, maxMs: 120_000 });
    await sleep(300);
    const r = await runBgTimed(s, ['deploy', 'unhealthy']);
    await sleep(200);
    const sent = await enq.stop();
    const lines = await waitForTasks(s, sent.queued, { maxMs: 30_000, settleMs: 1_000 });
    const samples = sampler.stop();

    expect(r.code, evidence(r)).toBe(1);
    expect(r.steps.get('health-gate-blue')?.status).toBe('failed');
    expect(sent.failures).toEqual([]);
    expect(sent.queued.length).toBeGreaterThan(50);
    const mine = lines.filter((l) => l.n >= 5000);
    expect(exactlyOnce(mine, sent.queued), evidence(r)).toMatchObject({ missing: [], twice: [] });
    expect(mine.filter((l) => l.color !== 'green')).toEqual([]); // blue's worker never ran

    expect(samples.violations, evidence(r)).toEqual([]);
    expect(seen(samples, 'worker', 'blue'), 'the failed color’s worker was started').toBe(false);
    expect(seen(samples, 'beat', 'blue'), 'the failed color’s beat was started').toBe(false);
    // Celery is gated after the health gate: a color that never gets healthy never stops the old worker.
    expect(r.steps.has('stop-worker-green'), evidence(r)).toBe(false);
    expect(samples.samples.every((x) => x.workerMain.green.length === 1)).toBe(true);
    expect(samples.samples.at(-1)!.beat.green.length).toBe(1);
    expect(states(), evidence(r)).toEqual({
      'worker-blue': 'inactive',
      'worker-green': 'active',
      'beat-blue': 'inactive',
      'beat-green': 'active',
    });
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });

    const restarted = Date.now() / 1000;
    const deadline = Date.now() + 5_000;
    while (!readBeatLog(s).some((k) => k.t > restarted) && Date.now() < deadline) await sleep(100);
    const ticks = readBeatLog(s);
    expect(
      ticks.some((k) => k.t > restarted && k.beatColor === 'green'),
      `beat log:\n${tail(s.beatLog)}`,
    ).toBe(true);
    expect(interleavedBeats(ticks), `beat log:\n${tail(s.beatLog)}`).toEqual([]);
  });

  it('a new worker that cannot boot fails its start (ExecStartPost ping): exit 1, everything back on the old color, tasks exactly once', async () => {
    const from = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status').active as 'blue' | 'green';
    const to = from === 'blue' ? 'green' : 'blue';
    const served = (await s.get('/')).body;
    const loop = startLoop(s.url('/'), { concurrency: 2, maxMs: 60_000 });
    const slow = startLoop(s.url('/slow?s=0.5'), { concurrency: 2, maxMs: 60_000 });
    const sampler = startSampler(s, { everyMs: 25, maxMs: 80_000 });
    const enq = startEnqueuer(s, { first: 7000, everyMs: 50, maxCount: 1000, maxMs: 120_000 });
    await sleep(300);
    const r = await runBgTimed(s, ['deploy', 'celery-crash']);
    await sleep(200);
    const sent = await enq.stop();
    const res = await loop.stop();
    const slowRes = await slow.stop();
    // the worker fails after the switch: the new web is drained before it stops, so nothing is cut
    expect(slowRes.failed, slowRes.failures.join('\n')).toBe(0);
    const lines = await waitForTasks(s, sent.queued, { maxMs: 30_000, settleMs: 1_000 });
    const samples = sampler.stop();

    expect(r.code, evidence(r)).toBe(1);
    expect(r.steps.get(`start-worker-${to}`)?.status, evidence(r)).toBe('failed');
    expect(r.stderr + r.stdout).toContain('celery-crash');
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(sent.failures).toEqual([]);
    const mine = lines.filter((l) => l.n >= 7000);
    expect(exactlyOnce(mine, sent.queued), evidence(r)).toMatchObject({ missing: [], twice: [] });
    expect(mine.filter((l) => l.color !== from)).toEqual([]);
    expect(samples.violations, evidence(r)).toEqual([]);
    expect(states(), evidence(r)).toEqual({
      [`worker-${from}`]: 'active',
      [`worker-${to}`]: 'inactive',
      [`beat-${from}`]: 'active',
      [`beat-${to}`]: 'inactive',
    });
    expect(await s.settledState(unit('web', to))).toBe('inactive');
    expect(await s.get('/')).toEqual({ status: 200, body: served });
  });

  it('warm shutdown: a 3 s task running when the deploy stops the old worker completes, once, on the old worker', async () => {
    const workerLog = `${s.dir}/logs/${s.app}-worker-green.log`;
    const received = () => (tail(workerLog, 1e9).match(/Task tasks\.record\[[^\]]+\] received/g) ?? []).length;
    const before = received();
    await pushTask(s, 'green', 9000, 3);
    const deadline = Date.now() + 10_000;
    while (received() === before && Date.now() < deadline) await sleep(50);
    expect(received(), `green's worker never received task 9000:\n${unitLog(unit('worker', 'green'))}`).toBeGreaterThan(before);

    const sampler = startSampler(s, { everyMs: 25, maxMs: 60_000 });
    const r = await runBgTimed(s, ['deploy', 'v3']);
    const samples = sampler.stop();
    expect(r.code, evidence(r)).toBe(0);
    const stop = r.steps.get('stop-worker-green');
    expect(stop?.ms, 'the worker stop returned before the running task could finish').toBeGreaterThan(1_500);
    const lines = await waitForTasks(s, [9000], { maxMs: 10_000, settleMs: 500 });
    expect(
      lines.filter((l) => l.n === 9000).map((l) => l.color),
      evidence(r),
    ).toEqual(['green']);
    expect(tail(workerLog, 1e9)).not.toMatch(/WorkerLostError|SIGKILL/);
    expect(samples.violations, evidence(r)).toEqual([]);
    expect(states(), evidence(r)).toEqual({
      'worker-blue': 'active',
      'worker-green': 'inactive',
      'beat-blue': 'active',
      'beat-green': 'inactive',
    });
  });

  it('an active color left without its Celery (interrupted deploy) is flagged by status and started by setup', async () => {
    const active = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status').active as 'blue' | 'green';
    s.systemctl('stop', unit('worker', active), unit('beat', active));
    const st = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status');
    expect(st.problem).toContain(unit('worker', active));
    expect(st.problem).toContain('bluegreen setup');
    const r = await s.bg(['setup']);
    expect(r.code, r.stderr).toBe(0);
    expect(s.activeState(unit('worker', active))).toBe('active');
    expect(s.activeState(unit('beat', active))).toBe('active');
    expect(jsonEvent((await s.bg(['status', '--json'])).stdout, 'status').problem).toBeUndefined();
  });

  it('a broker that is down stops the deploy before Celery is touched, and the message names it', async () => {
    const active = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status').active as 'blue' | 'green';
    const served = (await s.get('/')).body;
    s.systemctl('stop', s.redisUnit!);
    try {
      const r = await s.bg(['deploy', 'v3']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('failed at step check-broker');
      expect(r.stderr).toContain(`redis://127.0.0.1:${s.ports.redis}`);
      expect(r.stderr).toContain('REDIS_URL in');
      expect(r.stderr).toContain('old version still serving');
      expect(states()).toMatchObject({ [`worker-${active}`]: 'active', [`beat-${active}`]: 'active' });
      expect(await s.get('/')).toEqual({ status: 200, body: served });
    } finally {
      s.systemctl('start', s.redisUnit!);
    }
  });

  it('deploy --allow-destructive --maintenance: the old worker and beat stop before the new release is pointed at (where `release` runs), the new ones start after the switch, maintenance comes off; tasks exactly once', async () => {
    const active = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status').active as 'blue' | 'green';
    const to = active === 'blue' ? 'green' : 'blue';
    // the broker came back at the end of the test before: the old worker consumes again first
    const probe = await startEnqueuer(s, { first: 11000, maxCount: 1, maxMs: 10_000 }).done;
    expect(exactlyOnce(await waitForTasks(s, probe.queued, { maxMs: 30_000, settleMs: 1_000 }), probe.queued).missing).toEqual([]);
    const enq = startEnqueuer(s, { first: 11010, everyMs: 50, maxCount: 1000, maxMs: 120_000 });
    const r = await runBgTimed(s, ['deploy', 'v3', '--allow-destructive', '--maintenance']);
    const sent = await enq.stop();
    const lines = await waitForTasks(s, sent.queued, { maxMs: 30_000, settleMs: 1_000 });
    expect(r.code, evidence(r)).toBe(0);
    expect(exactlyOnce(lines, sent.queued), evidence(r)).toMatchObject({ missing: [], twice: [] });
    const steps = (s.journal().at(-1) as { steps: { name: string }[] }).steps.map((x) => x.name);
    const at = (name: string) => steps.indexOf(name);
    expect(at(`stop-beat-${active}`)).toBeGreaterThan(at('maintenance-on'));
    expect(at(`stop-worker-${active}`)).toBeLessThan(at(`point-${to}`));
    expect(at(`start-worker-${to}`)).toBeGreaterThan(at(`switch-to-${to}`));
    expect(at('maintenance-off')).toBe(at(`switch-to-${to}`) + 1);
    expect(states()).toMatchObject({ [`worker-${to}`]: 'active', [`beat-${to}`]: 'active', [`worker-${active}`]: 'inactive' });
    expect((await s.get('/')).status).toBe(200);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lines of color `first` that come after the first line of color `then` in the log (should be none). */
function blockOrder(lines: TaskLine[], first: string, then: string): string[] {
  const i = lines.findIndex((l) => l.color === then);
  return i < 0
    ? []
    : lines
        .slice(i)
        .filter((l) => l.color === first)
        .map((l) => `${l.n} ${l.color} after the first ${then} task`);
}
