import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startLoop } from '../support/load-loop.js';
import { useScene } from '../support/scene.js';

// `bluegreen restart`: the live release again, into the idle color, through the gate, switch and
// drain: the zero-downtime way to pick up an edited env file.
describe('restart', () => {
  const s = useScene({ setUp: true });

  it('picks up an edited env file with no failed request; both colors hold the same release', async () => {
    const envFile = `${s.dir}/srv/shared/.env`;
    writeFileSync(envFile, readFileSync(envFile, 'utf8').replace('BG_FIXTURE_GREETING=hello', 'BG_FIXTURE_GREETING=howdy'));
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
    const loop = startLoop(s.url('/'), { concurrency: 4, maxMs: 60_000 });
    const r = await s.bg(['restart']);
    const res = await loop.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 howdy' });
    expect(readlinkSync(`${s.dir}/srv/green`)).toBe(readlinkSync(`${s.dir}/srv/blue`));
    const [setup, restart] = s.journal().filter((e) => e.result === 'ok');
    // the journal names what runs now: the live release's commit, not what the idle color held
    expect(restart).toMatchObject({
      command: 'restart',
      result: 'ok',
      from: 'blue',
      to: 'green',
      commit: setup.commit,
      release: setup.release,
    });
  });
});
