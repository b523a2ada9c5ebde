import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/host/diagnose.js';
import type { HostState } from '../../src/host/host-state.js';
import { BLUE_SERVES, hostState, observedUnit } from '../support/host-state.js';
import { sampleConfig } from '../support/sample-config.js';

// What a reboot would bring up, as status sees it: Caddy reads the upstream file at boot, so the live
// color must be enabled and the idle one not.
const cfg = sampleConfig();
// blue serves; each unit enabled or disabled as `files` says ('web-blue': 'disabled'), else blue's enabled and green's disabled
function host(files: Record<string, string>): HostState {
  const enablement = (name: string) => {
    const [, kind, color] = /^shop-(\w+)-(\w+)\.service$/.exec(name)!;
    return files[`${kind}-${color}`] ?? (color === 'blue' ? 'enabled' : 'disabled');
  };
  return hostState({
    units: Object.fromEntries(
      Object.entries(BLUE_SERVES).map(([name, state]) => [name, observedUnit(name, state, { fileState: enablement(name) })]),
    ),
  });
}
const problem = (h: HostState, code: string) => diagnose(cfg, h).find((p) => p.code === code);

describe('diagnose: what a reboot would start', () => {
  it('nothing to say when the live color is enabled and the idle one is not', () => {
    expect(diagnose(cfg, host({})).map((p) => p.code)).toEqual([]);
  });

  it("the live color's web disabled is an error: after a reboot nothing serves; setup enables it", () => {
    const p = problem(host({ 'web-blue': 'disabled' }), 'live-not-enabled');
    expect(p).toMatchObject({ severity: 'error', blocks: [] });
    expect(p?.message).toContain('the live color is not enabled: shop-web-blue.service is disabled');
    expect(p?.message).toContain('nothing serves shop');
    expect(p?.next).toContain('bluegreen setup');
  });

  it("the live color's Celery disabled: it would come up without it", () => {
    const p = problem(host({ 'worker-blue': 'disabled', 'beat-blue': 'disabled' }), 'live-not-enabled');
    expect(p?.message).toContain(
      'shop-worker-blue.service, shop-beat-blue.service are disabled, so after a reboot blue comes up without them',
    );
  });

  it('the idle color enabled is an error too: it would start at boot, its Celery racing the live one', () => {
    const p = problem(host({ 'worker-green': 'enabled' }), 'idle-enabled');
    expect(p).toMatchObject({ severity: 'error', blocks: [] });
    expect(p?.message).toContain('Celery would race');
    expect(p?.next).toContain('bluegreen cleanup');
    expect(problem(host({ 'web-green': 'enabled' }), 'idle-enabled')?.message).not.toContain('Celery');
  });

  it('a unit whose enablement was not read says nothing', () => {
    const h = host({});
    for (const u of Object.values(h.units)) delete u.fileState;
    expect(diagnose(cfg, h)).toEqual([]);
  });
});
