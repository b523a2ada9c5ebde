import type { HostState, ObservedUnit } from '../../src/host/host-state.js';

// The one HostState builder of the unit tests: a host where sampleConfig()'s app (shop, Celery with
// beat) is set up and blue serves, healthy; a test overrides what it is about.

/** One unit as observe reads it. */
export const observedUnit = (name: string, activeState: string, more: Partial<ObservedUnit> = {}): ObservedUnit => ({
  name,
  loadState: 'loaded',
  activeState,
  subState: '',
  mainPid: 0,
  ...more,
});

/** Units by name, each in the given ActiveState. */
export const units = (states: Record<string, string>): Record<string, ObservedUnit> =>
  Object.fromEntries(Object.entries(states).map(([n, s]) => [n, observedUnit(n, s)]));

/** Blue's units run, green's are stopped. */
export const BLUE_SERVES: Record<string, string> = {
  'shop-web-blue.service': 'active',
  'shop-worker-blue.service': 'active',
  'shop-beat-blue.service': 'active',
  'shop-web-green.service': 'inactive',
  'shop-worker-green.service': 'inactive',
  'shop-beat-green.service': 'inactive',
};

/** What a host looks like before its first setup: no upstream file, nothing of ours, Caddy routes nowhere. */
export const NOT_SET_UP: Partial<HostState> = {
  active: undefined,
  upstreamFile: 'missing',
  upstreamPort: undefined,
  caddyUpstreams: [],
  units: {},
};

export function hostState(over: Partial<HostState> = {}): HostState {
  return {
    active: 'blue',
    upstreamFile: 'ok',
    upstreamPort: 8000,
    caddyUpstreams: ['127.0.0.1:8000'],
    units: units(BLUE_SERVES),
    colors: { blue: { linked: true }, green: { linked: true } },
    ...over,
  };
}
