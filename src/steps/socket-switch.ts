// The socket switch (`caddy.switch: socket`): Caddy's upstream is the symlink `active.sock`, and
// the switch renames a new symlink over it (pointLink: a temp name, then rename(2)). Caddy dials
// per request, so the next request goes to the new color with no Caddy load, and the client
// connections Caddy holds stay open. Caddy loads its config only when the upstream file itself
// changes: the first switch after moving from `port` to `socket` (or back).
import { colorDir, currentLink, maintenanceFlag, previousLink, releasePath } from '../config/names.js';
import { activeSocket, colorOfSocket, colorSocket } from '../config/socket-paths.js';
import type { Color } from '../config/types.js';
import { CaddyError } from '../errors.js';
import type { ActionContext, SwitchReceipt } from '../execute/context.js';
import { renderUpstream, socketDial } from '../render/upstream.js';
import { loadMainCaddyfile } from './caddy-guard.js';
import { markServed } from './releases.js';

export async function switchSocketTo(ctx: ActionContext, to: Color, release: string | undefined): Promise<string> {
  const { cfg, host } = ctx;
  const current = currentLink(cfg);
  const upstream = await host.files.read(cfg.caddy.upstreamFile);
  ctx.keep({
    kind: 'switch',
    upstream,
    current: await host.files.readLink(current),
    previous: await host.files.readLink(previousLink(cfg)),
    caddyConfig: await host.caddy.config().catch(() => undefined),
    activeSocket: await host.files.readLink(activeSocket(cfg)),
  });
  const live = await host.files.readLink(current);
  await host.files.pointLink(activeSocket(cfg), colorSocket(cfg, to));
  const line = renderUpstream(cfg, to);
  const modeChange = upstream !== line;
  if (modeChange) await host.files.write(cfg.caddy.upstreamFile, line);
  const next = release ? releasePath(cfg, release) : colorDir(cfg, to);
  if (live && live !== next) await host.files.pointLink(previousLink(cfg), live);
  await host.files.pointLink(current, next);
  if (modeChange) await loadMainCaddyfile(host, cfg);
  const want = socketDial(cfg);
  if (host.files.exists(maintenanceFlag(cfg))) {
    if (release) await markServed(host, cfg, release);
    return `${activeSocket(cfg)} → ${to}; maintenance is on, so Caddy answers 503 until \`bluegreen maintenance off\``;
  }
  // reading Caddy's config is no load: it confirms Caddy dials the symlink
  const routed = await host.caddy.upstreams();
  if (!routed.includes(want)) {
    throw new CaddyError(`Caddy does not route to ${want}: it routes to ${routed.join(', ') || 'nothing'}.`, {
      code: 'switch-not-confirmed',
      next: `Check that ${cfg.caddy.caddyfile} is the Caddyfile Caddy runs and that it imports ${cfg.caddy.upstreamFile}.`,
    });
  }
  if (release) await markServed(host, cfg, release);
  return `${activeSocket(cfg)} → ${to}${modeChange ? ' (Caddy loaded the socket upstream once)' : ', no Caddy reload'}`;
}

/** Points `active.sock` back; the rest (upstream file, links, a Caddy load if the file changed) is switchBack's. */
export async function socketBack(ctx: ActionContext, before: SwitchReceipt): Promise<void> {
  const { cfg, host } = ctx;
  const link = activeSocket(cfg);
  const now = await host.files.readLink(link);
  if (now === before.activeSocket) return;
  if (before.activeSocket !== undefined && colorOfSocket(cfg, before.activeSocket)) await host.files.pointLink(link, before.activeSocket);
  else await host.files.remove(link);
}
