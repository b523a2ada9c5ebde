// The socket switch (`caddy.switch: socket`): Caddy's upstream is the symlink `active.sock`, and
// the switch renames a new symlink over it (pointLink: a temp name, then rename(2)). Caddy dials
// per request, so the next request goes to the new color with no Caddy load, and the client
// connections Caddy holds stay open. Caddy loads its config only when the upstream file itself
// changes: the first switch after moving from `port` to `socket` (or back).
import { colorDir, currentLink, maintenanceFlag, previousLink, releasePath } from '../config/names.js';
import { activeSocket, colorOfSocket, colorSocket, colorSocketDir, socketRoot } from '../config/socket-paths.js';
import type { Color } from '../config/types.js';
import { CaddyError } from '../errors.js';
import type { ActionContext, SwitchReceipt } from '../execute/context.js';
import { renderUpstream, socketDial } from '../render/upstream.js';
import { loadMainCaddyfile } from './caddy-guard.js';
import { markServed } from './releases.js';
import { until } from './switch-note.js';

export async function switchSocketTo(ctx: ActionContext, to: Color, release: string | undefined, windowCloses?: boolean): Promise<string> {
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
    return `${activeSocket(cfg)} → ${to}; ${until(windowCloses)}`;
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

/**
 * After a switch to the port (caddy.switch moved back to `port`) and the old color's drain: Caddy
 * dials the port now, and no request its previous config accepted is still on its way to
 * `active.sock`, so the link goes (removing it at the switch itself sent those requests to a missing
 * file: 502). The switch's undo, socketBack, puts it back. So does the new color's socket dir: its
 * Gunicorn binds the port now, and a socket in the dir is one a killed run left (unlink never
 * follows; rmdir only removes an empty dir). The old color's Gunicorn listens on its socket until it
 * exits, which unlinks it: its dir goes at the next deploy, the runtime dir with it.
 * Returns what it removed, for the step's detail.
 */
export async function forgetSockets(ctx: ActionContext, to: Color): Promise<string> {
  const { cfg, host } = ctx;
  const gone: string[] = [];
  // leftovers only: a failure to remove one is said in the step's detail, and the switch stands
  try {
    const link = activeSocket(cfg);
    if ((await host.files.readLink(link)) !== undefined) {
      await host.files.remove(link);
      gone.push(link);
    }
    const stale = await host.files.lstat(colorSocket(cfg, to));
    if (stale && stale.kind !== 'dir') await host.files.remove(colorSocket(cfg, to));
    for (const dir of [colorSocketDir(cfg, to), socketRoot(cfg)]) if (await host.files.removeEmptyDir(dir)) gone.push(dir);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return `; removed ${gone.join(', ') || 'nothing'} of the socket switch's leftovers under ${socketRoot(cfg)}: ${why}`;
  }
  return gone.length ? `; removed ${gone.join(', ')}` : '';
}
