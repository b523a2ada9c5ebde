import { type Color, type Config, unitNames } from '../config/types.js';
import { BgError, CaddyError, EXIT } from '../errors.js';
import { type HostState, isRunning } from './host-state.js';

// Checks made before a plan changes anything: Caddy must answer, and the color about to start must
// find its port free (or already be ours).
export function preflight(cfg: Config, host: HostState, target: Color): void {
  if (host.caddyUpstreams === undefined) {
    throw new CaddyError(`Caddy's admin API at ${cfg.caddy.admin} is not answering.`, {
      state: 'Nothing was changed.',
      next: `Start Caddy (${cfg.caddy.unit}) and make sure caddy.admin in ${cfg.configPath} is its admin address.`,
    });
  }
  const filePort = host.upstreamPort;
  if (filePort !== undefined && !host.caddyUpstreams.includes(`127.0.0.1:${filePort}`)) {
    const routed = host.caddyUpstreams.join(', ') || 'nothing';
    throw new BgError(`${cfg.caddy.upstreamFile} says 127.0.0.1:${filePort} but Caddy routes to ${routed}.`, EXIT.attention, {
      state: `Caddy serves ${routed}; an earlier bg run was likely cut off between writing the file and reloading Caddy. Nothing was changed now.`,
      next: `Make the file name what Caddy routes to (check \`bluegreen status\`), e.g. echo 'to ${host.caddyUpstreams[0] ?? '127.0.0.1:<port>'}' > ${cfg.caddy.upstreamFile}, then run this again.`,
    });
  }
  const port = cfg.web.ports[target];
  const web = host.units[unitNames(cfg, target).web];
  // deactivating: our own Gunicorn from the previous deploy, still exiting; the plan waits for it
  if (host.listening.includes(port) && !isRunning(web) && web?.activeState !== 'deactivating') {
    throw new BgError(`Port ${port} (web.ports.${target}) is already in use by another process.`, EXIT.deployFailed, {
      state: 'Nothing was changed.',
      next: `Free port ${port} (ss -ltnp 'sport = :${port}' shows who holds it) or pick another web.ports.${target}.`,
    });
  }
}
