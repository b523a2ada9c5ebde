// What a reboot would start. Caddy reads the upstream file at boot: a reboot must bring up the color
// it names, and only that one. Pure.
import { unitNames } from '../../config/names.js';
import { type Config, otherColor } from '../../config/types.js';
import type { HostState } from '../host-state.js';
import type { Found } from '../problem.js';

export function liveNotEnabled(cfg: Config, host: HostState): Found | undefined {
  if (!host.active) return undefined;
  const live = unitNames(cfg, host.active);
  const liveOff = Object.values(live).filter((u): u is string => !!u && host.units[u]?.fileState === 'disabled');
  if (!liveOff.length) return undefined;
  return {
    code: 'live-not-enabled',
    message: `the live color is not enabled: ${liveOff.join(', ')} ${liveOff.length > 1 ? 'are' : 'is'} disabled, so after a reboot ${liveOff.includes(live.web) ? `nothing serves ${cfg.app} (Caddy routes to ${host.active}, which would not start)` : `${host.active} comes up without ${liveOff.length > 1 ? 'them' : 'it'}`}.`,
    next: 'Run `bluegreen setup`, which enables the live color (and starts what it is missing).',
  };
}

export function idleEnabled(cfg: Config, host: HostState): Found | undefined {
  if (!host.active) return undefined;
  const idle = unitNames(cfg, otherColor(host.active));
  const enabled = Object.values(idle).filter((u): u is string => !!u && host.units[u]?.fileState === 'enabled');
  if (!enabled.length) return undefined;
  return {
    code: 'idle-enabled',
    message: `${enabled.join(', ')} of the idle color ${enabled.length > 1 ? 'are' : 'is'} enabled: after a reboot ${enabled.length > 1 ? 'they' : 'it'} would start too${enabled.some((u) => u !== idle.web) ? ", and the two colors' Celery would race for which one runs" : ''}.`,
    next: 'Run `bluegreen cleanup`, which stops and disables them (or `bluegreen setup`, which disables them).',
  };
}
