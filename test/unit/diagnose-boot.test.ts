import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/host/diagnose.js';
import type { HostState, ObservedUnit } from '../../src/host/host-state.js';
import { sampleConfig } from '../support/sample-config.js';

// What a reboot would bring up, as status sees it: Caddy reads the upstream file at boot, so the live
// color must be enabled and the idle one not.
const cfg = sampleConfig();
const unit = (name: string, activeState: string, fileState: string): ObservedUnit => ({ name, loadState: 'loaded', activeState, subState: '', mainPid: 0, fileState });
function host(files: Record<string, string>): HostState {
  const units = Object.fromEntries(
    ['web', 'worker', 'beat'].flatMap((k) => [
      [`shop-${k}-blue.service`, unit(`shop-${k}-blue.service`, 'active', files[`${k}-blue`] ?? 'enabled')],
      [`shop-${k}-green.service`, unit(`shop-${k}-green.service`, 'inactive', files[`${k}-green`] ?? 'disabled')],
    ]),
  );
  return { active: 'blue', upstreamFile: 'ok', upstreamPort: 8000, caddyUpstreams: ['127.0.0.1:8000'], units, colors: { blue: { linked: true }, green: { linked: true } } };
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
    expect(p?.message).toContain('shop-worker-blue.service, shop-beat-blue.service are disabled, so after a reboot blue comes up without them');
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
