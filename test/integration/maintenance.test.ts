import { writeFileSync } from 'node:fs';
import { request } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonEvent } from '../support/json-events.js';
import { useScene } from '../support/scene.js';

// `bluegreen maintenance on|off`: Caddy answers 503 for the app while it keeps running, and then
// proxies again; under a request loop every answer is a 200 or a 503, never a failed connection.
describe('maintenance', () => {
  const s = useScene({ setUp: true });
  beforeAll(async () => {
    writeFileSync(`${s.dir}/srv/shared/maintenance.html`, '<h1>Back soon</h1>\n');
  });

  async function loopStatuses(run: () => Promise<void>) {
    const seen = new Map<string, number>();
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const r = await request(s.url('/'), { reset: true, headersTimeout: 5000, bodyTimeout: 5000 });
          await r.body.text();
          seen.set(String(r.statusCode), (seen.get(String(r.statusCode)) ?? 0) + 1);
        } catch (e) {
          seen.set(`error: ${(e as Error).message}`, (seen.get(`error: ${(e as Error).message}`) ?? 0) + 1);
        }
      }
    };
    const workers = [worker(), worker(), worker()];
    await run();
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await Promise.all(workers);
    return seen;
  }

  it('on: 503 with Retry-After and the page, the app still running; status says so; a deploy meanwhile keeps the 503', async () => {
    const seen = await loopStatuses(async () => {
      const r = await s.bg(['maintenance', 'on']);
      expect(r.code, r.stderr).toBe(0);
    });
    expect([...seen.keys()].filter((k) => k !== '200' && k !== '503')).toEqual([]);
    const res = await request(s.url('/'), { reset: true });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('120');
    expect(await res.body.text()).toBe('<h1>Back soon</h1>\n');
    expect(s.activeState(`${s.app}-web-blue.service`)).toBe('active');
    const st = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status');
    expect(st.maintenance).toBe(true);
    expect(st.problems.map((p: { code: string }) => p.code)).toContain('maintenance-on');
    expect(st.problem).toBeUndefined();
    const d = await s.bg(['deploy', 'v2']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr + d.stdout).toContain('maintenance is on');
    expect((await request(s.url('/'), { reset: true })).statusCode).toBe(503);
  });

  it('off: the app answers again, confirmed; no failed connection on the way', async () => {
    const seen = await loopStatuses(async () => {
      const r = await s.bg(['maintenance', 'off']);
      expect(r.code, r.stderr).toBe(0);
    });
    expect([...seen.keys()].filter((k) => k !== '200' && k !== '503')).toEqual([]);
    // the deploy made during maintenance is what serves now
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
    expect((await s.bg(['maintenance', 'off'])).stdout).toContain('already off');
    expect(s.journal().map((e) => `${e.command} ${e.result}`)).toEqual(expect.arrayContaining(['maintenance ok']));
  });
});
