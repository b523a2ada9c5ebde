import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT, type Container, startContainer } from '../harness/container.js';
import { jsonEvent } from '../support/json-events.js';
import { type App, makeApp, settled } from './app-host.js';

// A deployer SIGKILLed at each step of a deploy, then the host rebooted (a power cut mid-deploy, as
// near as a test gets): Caddy reads the upstream file at boot, so whatever instant the kill hit, the
// site must serve after the boot, never with two colors' Celery, and `status` must name what is left
// and `setup` (then `cleanup`) must leave nothing wrong. Two containers take every other step each,
// side by side: most of a step is waiting for a boot.
describe('a deploy killed at each step, then a reboot', () => {
  const scenes: Scene[] = [];
  const lines = new Map<number, string>();

  beforeAll(async () => {
    scenes.push(...(await Promise.all([startScene(), startScene()])));
  }, 180_000);
  afterAll(async () => {
    if (lines.size) {
      const ordered = [...lines.entries()].sort(([a], [b]) => a - b).map(([, line]) => line);
      process.stdout.write(`kill + reboot (step → what came up):\n${ordered.join('\n')}\n`);
    }
    await Promise.all(scenes.map((scene) => scene.c.stop()));
  });

  it('every step: the site serves after the boot, one Celery color at most, and setup + cleanup leave no error', async () => {
    const steps = await planned(scenes[0].shop, 'v2');
    expect(steps.length).toBeGreaterThan(10);
    const indexes = steps.map((_, i) => i);
    await Promise.all(
      scenes.map(async (scene, n) => {
        for (const i of indexes.filter((i) => i % scenes.length === n)) lines.set(i, await killAndReboot(scene, i, steps.length));
      }),
    );
  }, 1_200_000);
});

interface Scene {
  c: Container;
  shop: App;
  deploys: number;
}

const refs = ['v2', 'v3'];

async function startScene(): Promise<Scene> {
  const c = await startContainer();
  const shop = await makeApp(
    c,
    'shop',
    { blue: 8001, green: 8002, site: 8080 },
    'build:\n  - echo built > BUILT\ncelery:\n  app: tasks\n  beat: true\n',
  );
  const r = await shop.bg('setup');
  if (r.code !== 0) throw new Error(`setup failed:\n${r.stdout}${r.stderr}`);
  return { c, shop, deploys: 0 };
}

type Problem = { code: string; severity: string; message: string; next: string };
const status = async (shop: App) =>
  jsonEvent((await shop.bg('status --json')).stdout, 'status') as {
    active: string;
    problems: Problem[];
    lastDeploy: { result: string; failedStep?: string };
  };
const errors = (ps: Problem[]) => ps.filter((p) => p.severity === 'error');

async function planned(shop: App, ref: string): Promise<string[]> {
  const r = await shop.bg(`--json --dry-run deploy ${ref}`);
  return (jsonEvent(r.stdout, 'plan') as unknown as { steps: { name: string }[] }).steps.map((s) => s.name);
}

/** Polls through Caddy until it answers 200 (bounded): the code and body of the last answer. */
async function serves(c: Container): Promise<{ code: string; body: string }> {
  const out = await c.ok(`for i in $(seq 150); do
      code=$(curl -s -o /tmp/body --max-time 2 -w '%{http_code}' http://127.0.0.1:8080/ || true)
      [ "$code" = 200 ] && break; sleep 0.2
    done; echo "$code $(cat /tmp/body 2>/dev/null)"`);
  const [code, ...body] = out.trim().split(' ');
  return { code, body: body.join(' ') };
}

/** Which colors' worker and beat run, sampled a few times once the boot is done. */
async function celerySamples(c: Container): Promise<string[]> {
  const out = await c.ok(`for i in 1 2 3 4 5; do
      echo "$(systemctl is-active shop-worker-blue shop-worker-green shop-beat-blue shop-beat-green | tr '\\n' ' ')"; sleep 0.3
    done`);
  return out.trim().split('\n');
}

/** Kills a deploy as its lock names step `i`, reboots, checks what came up, then repairs: the line for the summary. */
async function killAndReboot(scene: Scene, i: number, stepCount: number): Promise<string> {
  const { c, shop } = scene;
  // A step of a few milliseconds can pass unseen on a loaded machine; the deploy then just completes,
  // and the next one (the other ref) tries again.
  let names: string[] = [];
  let step = '';
  let landed = '';
  for (let attempt = 1; ; attempt++) {
    const ref = refs[scene.deploys++ % refs.length];
    // a deploy that ran through left the old Gunicorn draining; a plan made now would wait for it first
    expect(await settled(c, 'shop-*'), 'units still moving before the plan').toBe('');
    names = await planned(shop, ref);
    expect(names.length, `plan for ${ref}: ${names.join(', ')}`).toBe(stepCount);
    step = names[i];
    const run = JSON.parse(
      await c.ok(
        `/usr/bin/node ${CHECKOUT}/test/support/kill-at-step.mjs /var/lib/bg/shop/lock ${step} /usr/bin/node ${CHECKOUT}/bin/bg.cjs --config ${shop.config} deploy ${ref}`,
      ),
    ) as { killed: boolean; landed?: string; seen: string[]; output: string; code: number | null; signal: string | null };
    if (run.killed) {
      expect(run.signal).toBe('SIGKILL');
      // a step over in microseconds (a stop job queued) may have given way to the next one: the
      // checks below are for where the kill landed, and the summary line says so
      landed = run.landed ?? step;
      break;
    }
    expect(run.code, `${step} unseen, and the deploy failed:\n${run.output}`).toBe(0);
    expect(attempt, `${step} never named by the lock in ${attempt} deploys (saw ${run.seen.join(', ')})`).toBeLessThan(3);
  }

  await c.reboot();
  const up = await serves(c);
  expect(up.code, `${step}: after the reboot`).toBe('200');
  for (const sample of await celerySamples(c)) {
    const [wb, wg, bb, bg] = sample.split(' ');
    expect(wb === 'active' && wg === 'active', `${step}: two workers after the boot: ${sample}`).toBe(false);
    expect(bb === 'active' && bg === 'active', `${step}: two beats after the boot: ${sample}`).toBe(false);
  }
  const seen = await status(shop);
  // the lock named the step being run when the kill landed: the interrupted run is reported there
  expect(seen.lastDeploy.result).toBe('interrupted');
  expect(seen.lastDeploy.failedStep).toBe(landed);
  for (const p of errors(seen.problems)) expect(p.next, `${step}: ${p.code}`).toMatch(/bluegreen (setup|cleanup)|systemctl/);

  const setup = await shop.bg('setup');
  expect(setup.code, `${step}: setup\n${setup.stdout}${setup.stderr}`).toBe(0);
  const afterSetup = errors((await status(shop)).problems);
  // an idle web a reboot started (both webs are enabled between enable-web and disable-web) is cleanup's
  expect(
    afterSetup.map((p) => p.code).filter((code) => code !== 'idle-web-running'),
    `${step}: after setup ${JSON.stringify(afterSetup)}`,
  ).toEqual([]);
  const cleanup = await shop.bg('cleanup');
  expect(cleanup.code, `${step}: cleanup\n${cleanup.stdout}${cleanup.stderr}`).toBe(0);
  const clean = await status(shop);
  expect(errors(clean.problems), `${step}: after cleanup`).toEqual([]);
  const live = clean.active;
  expect(await c.ok(`systemctl is-active shop-web-${live} shop-worker-${live} shop-beat-${live}`)).toBe('active\nactive\nactive\n');
  expect(await c.ok(`systemctl is-enabled shop-web-${live} shop-worker-${live} shop-beat-${live}`)).toBe('enabled\nenabled\nenabled\n');
  const problems =
    errors(seen.problems)
      .map((p) => p.code)
      .join(', ') || 'no error';
  const generic = step.replace(/blue|green/g, (x) => (x === names.at(-1)?.replace(/^.*-/, '') ? 'old' : 'new'));
  const at = landed === step ? '' : ` (the kill landed at ${landed}: ${step} was over)`;
  return `  ${generic.padEnd(22)} → ${up.code} ${up.body}; ${seen.active} live; status: ${problems}${at}`;
}
