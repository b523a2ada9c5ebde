import { describe, expect, it } from 'vitest';
import { startLoop } from '../support/load-loop.js';
import { useScene } from '../support/scene.js';

describe('bg setup migrating from a legacy single-instance unit', () => {
  const s = useScene({ legacy: true });

  it('keeps the legacy unit serving until blue takes over: no request fails', async () => {
    expect((await s.get('/')).body).toBe('v1');
    const loop = startLoop(s.url('/'), { concurrency: 4, maxMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    const r = await s.bg(['setup']);
    await new Promise((r) => setTimeout(r, 300));
    const res = await loop.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(res.failures).toEqual([]);
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(res.sent).toBeGreaterThan(20);
    // both the legacy answer and blue's were seen, in that order of time
    expect(res.bodies.get('v1')).toBeGreaterThan(0);
    expect(res.bodies.get('v1 hello')).toBeGreaterThan(0);
    expect(s.activeState(s.legacyUnit!)).not.toBe('active');
  });

  it('leaves the legacy unit stopped and disabled', () => {
    expect(s.activeState(s.legacyUnit!)).toBe('inactive');
    expect(s.enabledState(s.legacyUnit!)).toBe('disabled');
  });
});
