// Which color the socket switch's `active.sock` names: readlink on the link itself, in the
// root-owned runtime dir; never followed.
import { activeSocket, colorOfSocket } from '../config/socket-paths.js';
import type { Color, Config } from '../config/types.js';
import type { HostReader } from '../execute/host.js';
import type { HostState } from './host-state.js';

export async function socketLinkColor(cfg: Config, host: HostReader): Promise<Color | undefined> {
  const target = await host.files.readLink(activeSocket(cfg)).catch(() => undefined);
  return colorOfSocket(cfg, target);
}

/** What the upstream file says, for messages: the port it names, or the socket switch's link and the color it points at. */
export function upstreamSays(cfg: Config, host: Pick<HostState, 'upstreamSocket' | 'socketColor' | 'upstreamPort'>): string {
  if (host.upstreamSocket)
    return `names ${activeSocket(cfg)} (→ ${host.socketColor ? `${host.socketColor}'s socket` : 'no socket of ours'})`;
  return `says 127.0.0.1:${host.upstreamPort}`;
}
