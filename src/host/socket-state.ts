// Which color the socket switch's `active.sock` names: readlink on the link itself, in the
// root-owned runtime dir; never followed.
import { activeSocket, colorOfSocket } from '../config/socket-paths.js';
import type { Color, Config } from '../config/types.js';
import type { HostReader } from '../execute/host.js';

export async function socketLinkColor(cfg: Config, host: HostReader): Promise<Color | undefined> {
  const target = await host.files.readLink(activeSocket(cfg)).catch(() => undefined);
  return colorOfSocket(cfg, target);
}
