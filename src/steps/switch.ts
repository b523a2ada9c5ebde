import { colorDir, currentLink, maintenanceFlag, previousLink, releasePath } from '../config/names.js';
import { activeSocket } from '../config/socket-paths.js';
import type { Color } from '../config/types.js';
import { BgError, CaddyError } from '../errors.js';
import type { ActionContext, SwitchReceipt } from '../execute/context.js';
import { describeSite, droppedSites } from '../host/caddy-sites.js';
import { renderUpstream } from '../render/upstream.js';
import { loadMainCaddyfile } from './caddy-guard.js';
import { markServed } from './releases.js';
import { socketBack, switchSocketTo } from './socket-switch.js';
import { until } from './switch-note.js';

// The switch: upstream file, then `current`, then Caddy loads the Caddyfile (which imports the
// upstream file), and Caddy itself must confirm it routes to the new port.
export async function switchTo(ctx: ActionContext, to: Color, release: string | undefined, windowCloses?: boolean): Promise<string> {
  if (ctx.cfg.caddy.switch === 'socket') return switchSocketTo(ctx, to, release, windowCloses);
  const { cfg, host } = ctx;
  const current = currentLink(cfg);
  ctx.keep({
    kind: 'switch',
    upstream: await host.files.read(cfg.caddy.upstreamFile),
    current: await host.files.readLink(current),
    previous: await host.files.readLink(previousLink(cfg)),
    caddyConfig: await host.caddy.config().catch(() => undefined),
    activeSocket: await host.files.readLink(activeSocket(cfg)),
  });
  const live = await host.files.readLink(current);
  await host.files.write(cfg.caddy.upstreamFile, renderUpstream(cfg, to));
  const next = release ? releasePath(cfg, release) : colorDir(cfg, to);
  if (live && live !== next) await host.files.pointLink(previousLink(cfg), live);
  await host.files.pointLink(current, next);
  await loadMainCaddyfile(host, cfg);
  const want = `127.0.0.1:${cfg.web.ports[to]}`;
  // maintenance on: Caddy answers 503 and routes nowhere until `maintenance off` (which confirms the route)
  if (host.files.exists(maintenanceFlag(cfg))) {
    if (release) await markServed(host, cfg, release);
    return `upstream is ${want}; ${until(windowCloses)}`;
  }
  const routed = await host.caddy.upstreams();
  if (!routed.includes(want)) {
    throw new CaddyError(`Caddy did not take the new upstream: it routes to ${routed.join(', ') || 'nothing'}, expected ${want}.`, {
      code: 'switch-not-confirmed',
      next: `Check that ${cfg.caddy.caddyfile} is the Caddyfile Caddy runs and that it imports ${cfg.caddy.upstreamFile}.`,
    });
  }
  if (release) await markServed(host, cfg, release);
  return `Caddy routes to ${want}`;
}

// Puts the upstream file back and has Caddy load the main Caddyfile from disk again: that also
// keeps any other app's switch made meanwhile (its own upstream file), which restoring Caddy's whole
// config as it was would undo. The saved config is the fallback when the Caddyfile will not load.
// Only what differs is written back: a switch that failed because the upstream file could not be
// written (a full disk) left it as it was, and writing it again would fail the same way.
export async function switchBack(ctx: ActionContext, before: SwitchReceipt): Promise<void> {
  const { cfg, host } = ctx;
  // either switch: after a move to the port, the drain that follows removes `active.sock`
  await socketBack(ctx, before);
  const upstream = await host.files.read(cfg.caddy.upstreamFile).catch(() => null);
  // the socket switch reloads nothing unless its upstream file changed (a move from `port`)
  if (cfg.caddy.switch === 'socket' && upstream === before.upstream) {
    await restoreLinks(ctx, before);
    return;
  }
  if (upstream !== before.upstream) {
    if (before.upstream === undefined) await host.files.remove(cfg.caddy.upstreamFile);
    else await host.files.write(cfg.caddy.upstreamFile, before.upstream);
  }
  await restoreLinks(ctx, before);
  const loaded = await loadMainCaddyfile(host, cfg).then(
    () => true,
    () => false,
  );
  if (loaded) return;
  if (before.caddyConfig === undefined) {
    throw new BgError('Could not put back the previous Caddy config: it was not readable before the switch.', {
      code: 'caddy-config-unknown',
    });
  }
  // the config from before the switch, unless another app changed its sites since (a first setup)
  const dropped = droppedSites(await host.caddy.config(), before.caddyConfig, cfg.app);
  if (dropped.length) {
    throw new BgError(
      `Could not put back the previous Caddy config: ${cfg.caddy.caddyfile} does not load, and the saved config would drop ${dropped.map(describeSite).join(', ')}.`,
      {
        code: 'caddy-config-unknown',
      },
    );
  }
  await host.caddy.loadJson(before.caddyConfig);
}

async function restoreLinks({ cfg, host }: ActionContext, before: SwitchReceipt): Promise<void> {
  if (before.current && (await host.files.readLink(currentLink(cfg))) !== before.current)
    await host.files.pointLink(currentLink(cfg), before.current);
  const previous = await host.files.readLink(previousLink(cfg));
  if (before.previous && previous !== before.previous) await host.files.pointLink(previousLink(cfg), before.previous);
  else if (!before.previous && previous !== undefined) await host.files.remove(previousLink(cfg));
}

// kept here for its callers; it lives with the other Caddyfile readers
export { absoluteImports } from '../host/caddy-sites.js';
