import { everyUnit, unitNames, unitStem } from '../config/names.js';
import { COLORS, type Config } from '../config/types.js';
import { refuseCaddyProblems } from '../host/caddy-problems.js';
import { type HostState, isRunning } from '../host/host-state.js';
import { refuseNames } from '../host/names-check.js';
import { preflight } from '../host/preflight.js';
import type { Observes, Plan, Step } from './step.js';

// `bluegreen remove` takes the app off the host, in the order that never leaves Caddy routing to a
// stopped app: Caddy first (the import gone, checked to keep every other site), then the units
// (stopped, disabled, their files removed), then, with --purge, <root>. Each step finds what is
// still there, so a remove stopped halfway is finished by running it again; nothing is put back.
/** Which of the app's files are on disk. */
export const REMOVE_OBSERVES: Observes = { appFiles: true };

export interface RemoveOptions {
  purge: boolean;
}

export function planRemove(cfg: Config, host: HostState, o: RemoveOptions): Plan {
  preflight(cfg, host, 'remove');
  refuseNames(cfg, host, 'remove'); // never stop a unit that is not the app's
  const files = host.appFiles!;
  const steps: Step[] = [];
  const inCaddy = files.siteFile || files.imported || files.upstreamFile;
  if (inCaddy) refuseCaddyProblems(cfg, host, 'remove'); // the Caddyfile bg edits must be the one Caddy runs
  if (inCaddy) steps.push({ name: 'unroute-caddy', action: { kind: 'unroute-site' } });
  for (const unit of everyUnit(cfg.app).filter((u) => isRunning(host.units[u]) || files.unitFiles.includes(u))) {
    const color = COLORS.find((c) => unitNames(cfg, c).web === unit);
    steps.push({
      name: `stop-${unitStem(unit)}`,
      action: { kind: 'stop', unit, ...(color && isRunning(host.units[unit]) && { drainPort: cfg.web.ports[color] }) },
    });
  }
  if (files.unitFiles.length) {
    steps.push({ name: 'disable-units', action: { kind: 'disable', units: files.unitFiles } });
    steps.push({ name: 'remove-unit-files', action: { kind: 'remove-unit-files', units: files.unitFiles } });
  }
  if (o.purge && files.root) steps.push({ name: 'purge-root', action: { kind: 'purge-root', root: cfg.root } });
  const notes = o.purge
    ? [`Kept: ${cfg.stateDir} (the journal, for \`bluegreen history\`) and the env file ${cfg.envFile}.`]
    : files.root
      ? [
          `Kept: ${cfg.root} (releases, shared/, backups), ${cfg.stateDir} and ${cfg.envFile}. \`bluegreen remove --purge\` removes ${cfg.root} too.`,
        ]
      : [];
  if (!steps.length)
    notes.unshift(`${cfg.app} has no units, Caddy site or import on this host${o.purge ? `, and ${cfg.root} is gone` : ''}.`);
  return { command: 'remove', steps, notes };
}
