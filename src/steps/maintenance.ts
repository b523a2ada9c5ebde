import { MAINTENANCE_PAGE, maintenanceFlag, maintenancePageCopy, sharedDir } from '../config/names.js';
import { CaddyError } from '../errors.js';
import type { ActionContext } from '../execute/context.js';
import { pendingChanges } from '../host/pending-files.js';
import { isSocketUpstream, parseUpstream, socketDial } from '../render/upstream.js';
import { loadMainCaddyfile } from './caddy-guard.js';
import { installFiles } from './install.js';

const MAX_PAGE_BYTES = 1024 * 1024;

// `bluegreen maintenance on|off`: the flag in the state dir decides how the site file renders (503
// and a page, or the proxy); Caddy then loads the main Caddyfile again. The app keeps running.
export async function setMaintenance(ctx: ActionContext, on: boolean): Promise<string> {
  const { cfg, host } = ctx;
  if (on) {
    // shared/ is the app's user's (0750): Caddy cannot read the page there, and root must not follow
    // whatever the app put there. A root-owned copy beside the site file is what Caddy serves.
    const page = await host.files.readUntrusted(`${sharedDir(cfg)}/${MAINTENANCE_PAGE}`, MAX_PAGE_BYTES);
    if (page === undefined) await host.files.remove(maintenancePageCopy(cfg));
    else await host.files.write(maintenancePageCopy(cfg), page, 0o644);
    await host.files.write(maintenanceFlag(cfg), `${new Date().toISOString()}\n`, 0o600);
  } else {
    await host.files.remove(maintenanceFlag(cfg));
  }
  await installFiles(host, cfg, await pendingChanges(cfg, host.files, [], true), []);
  await loadMainCaddyfile(host, cfg);
  if (on) return 'Caddy answers 503';
  // The page's copy stays until the next `on` replaces or removes it: a request that began under the
  // 503 config may still be reading it after Caddy's load returns (removing it here answered 404).
  const text = (await host.files.read(cfg.caddy.upstreamFile)) ?? '';
  const want = isSocketUpstream(cfg, text) ? socketDial(cfg) : `127.0.0.1:${parseUpstream(text)}`;
  const routed = await host.caddy.upstreams();
  if (want.endsWith(':undefined') || !routed.includes(want)) {
    throw new CaddyError(`Caddy did not take the app's route back: it routes to ${routed.join(', ') || 'nothing'}.`, {
      code: 'switch-not-confirmed',
      next: `Check that ${cfg.caddy.caddyfile} imports this app's site file, then run \`bluegreen maintenance off\` again.`,
    });
  }
  return `Caddy routes to ${want} again`;
}
