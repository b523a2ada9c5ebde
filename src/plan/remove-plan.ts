import { everyUnit, siteFile, unitNames, unitStem } from '../config/names.js';
import { COLORS, type Config } from '../config/types.js';
import { caddyfileNotRun, refuseCaddyProblems } from '../host/caddy-problems.js';
import { type HostState, isRunning } from '../host/host-state.js';
import { refuseNames } from '../host/names-check.js';
import { preflight } from '../host/preflight.js';
import type { Observes, Plan, Step } from './step.js';

// `bluegreen remove` takes the app off the host, in the order that never leaves Caddy routing to a
// stopped app: Caddy first (the import gone, checked to keep every other site), then the units
// (stopped, disabled, their files removed), then, with --purge, <root>. Each step finds what is
// still there, so a remove stopped halfway is finished by running it again; nothing is put back.
// When Caddy is gone (uninstalled, its Caddyfile missing, or not answering), the app still comes off:
// its units are what an operator removing it needs gone, and no other site can lose a request
// through a Caddy that cannot be reloaded. bg's own files for the app go without a reload, and the
// summary's warning says what Caddy was not asked to do, and what is left to the operator.
/** Which of the app's files are on disk. */
export const REMOVE_OBSERVES: Observes = { appFiles: true };

export interface RemoveOptions {
  purge: boolean;
}

export function planRemove(cfg: Config, host: HostState, o: RemoveOptions): Plan {
  // a Caddy gone is no refusal for remove: its units come off, and the plan says what Caddy was not asked
  preflight(cfg, host, 'remove', undefined, ['caddy-unit-unknown', 'caddyfile-missing']);
  refuseNames(cfg, host, 'remove'); // never stop a unit that is not the app's
  const files = host.appFiles!;
  const steps: Step[] = [];
  const inCaddy = files.siteFile || files.imported || files.upstreamFile;
  const offline = inCaddy ? caddyOffline(cfg, host) : undefined;
  if (inCaddy && !offline) refuseCaddyProblems(cfg, host, 'remove'); // the Caddyfile bg edits must be the one Caddy runs
  if (inCaddy) steps.push({ name: 'unroute-caddy', action: { kind: 'unroute-site', ...(offline && { offline }) } });
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
  if (offline) notes.unshift(offlineWarning(cfg, host, offline));
  if (!steps.length)
    notes.unshift(`${cfg.app} has no units, Caddy site or import on this host${o.purge ? `, and ${cfg.root} is gone` : ''}.`);
  return { command: 'remove', steps, notes };
}

/** Why Caddy cannot check and load a config without this app now (observed); undefined: it can. */
function caddyOffline(cfg: Config, host: HostState): string | undefined {
  const { unit, caddyfile, admin } = cfg.caddy;
  const u = host.caddyUnit;
  if (u && u.loadState !== 'loaded') return `${unit} is not a unit systemd has (${u.loadState})`;
  if (caddyfileNotRun(cfg, host)) return undefined; // Caddy runs another file: refused, bg would edit the wrong one
  if (host.caddyfileExists === false) return `${caddyfile} does not exist`;
  if (host.caddyUpstreams === undefined) return `Caddy's admin API at ${admin} did not answer`;
  return undefined;
}

function offlineWarning(cfg: Config, host: HostState, why: string): string {
  const { caddyfile, unit } = cfg.caddy;
  const site = siteFile(cfg);
  const left =
    host.caddyfileExists === false
      ? host.caddyUpstreams !== undefined
        ? `Caddy still serves ${cfg.app}'s site from its running config until it is restarted; a Caddyfile you restore must not import ${site}, which is gone, or Caddy will not start.`
        : `A Caddyfile you restore must not import ${site}, which is gone, or Caddy will not start.`
      : host.appFiles?.imported
        ? `${caddyfile} without ${cfg.app}'s import is not checked by Caddy: run \`caddy validate --adapter caddyfile --config ${caddyfile}\` before you start ${unit}.`
        : '';
  return `warning: Caddy was not reloaded: ${why}. ${left}`.trimEnd();
}
