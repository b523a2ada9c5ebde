import { presentUnits, unitNames } from '../config/names.js';
import type { Color, Config } from '../config/types.js';
import type { HostState } from '../host/host-state.js';
import type { Step } from './step.js';

// What starts at boot, moved with what serves, so that a run killed at any instant and then a
// reboot brings up the color the upstream file names (Caddy reads that file at boot), and never
// two colors' Celery:
// - the new web is enabled before the switch writes the upstream file, the old web disabled only
//   after its drain and stop: both webs are enabled between the two, and the file names one of them;
// - Celery is enabled where it runs: the old color's is disabled once stopped (before the switch),
//   the new color's enabled once started. Between the two no Celery is enabled, so a reboot there
//   starts none (`bluegreen setup` starts and enables the live color's), and never the idle color's.
// Each carries its undo, so a run put back leaves the old color enabled and the new one not.
export function bootSteps(cfg: Config, from: Color, to: Color): { beforeSwitch: Step[]; afterCeleryStart: Step[]; afterStop: Step[] } {
  const celeryOf = (c: Color) => celeryUnits(cfg, c);
  const oldCelery = celeryOf(from);
  const newCelery = celeryOf(to);
  const oldWeb = unitNames(cfg, from).web;
  const newWeb = unitNames(cfg, to).web;
  return {
    beforeSwitch: [
      ...(oldCelery.length
        ? [
            {
              name: `disable-celery-${from}`,
              action: { kind: 'disable', units: oldCelery },
              undo: { kind: 'enable', units: oldCelery },
            } satisfies Step,
          ]
        : []),
      { name: `enable-web-${to}`, action: { kind: 'enable', units: [newWeb] }, undo: { kind: 'disable', units: [newWeb] } },
    ],
    afterCeleryStart: newCelery.length
      ? [{ name: `enable-celery-${to}`, action: { kind: 'enable', units: newCelery }, undo: { kind: 'disable', units: newCelery } }]
      : [],
    afterStop: [{ name: `disable-web-${from}`, action: { kind: 'disable', units: [oldWeb] }, undo: { kind: 'enable', units: [oldWeb] } }],
  };
}

/** The color's worker and beat units, when there is a celery block. */
export function celeryUnits(cfg: Config, color: Color): string[] {
  const u = unitNames(cfg, color);
  return [u.worker, u.beat].filter((x): x is string => !!x);
}

// Left by a run cut off under an older order, or by hand: the live color's units not enabled (a
// reboot would bring up nothing Caddy routes to), the idle color's enabled (a reboot would start
// them too). Put right before anything else, so every instant of this run is reboot-safe.
export function bootRepairSteps(cfg: Config, host: HostState, from: Color, to: Color): Step[] {
  const live = presentUnits(cfg, from).filter((u) => host.units[u]?.fileState === 'disabled');
  const idle = presentUnits(cfg, to).filter((u) => host.units[u]?.fileState === 'enabled');
  return [
    ...(live.length ? [{ name: `enable-live-${from}`, action: { kind: 'enable', units: live } } satisfies Step] : []),
    ...(idle.length ? [{ name: `disable-idle-${to}`, action: { kind: 'disable', units: idle } } satisfies Step] : []),
  ];
}
