// The web unit's lines for the socket switch: Gunicorn binds its color's unix socket, in a dir
// made before each start (the runtime dir is empty after a boot). In system scope the dir is the
// app user's with group `caddy` and mode 0750, so Caddy can connect and other users cannot; its
// parent stays root's, so the app's user cannot replace `active.sock` beside it.
import { colorSocket, colorSocketDir } from '../config/socket-paths.js';
import type { Color, Config } from '../config/types.js';
import { execLine, unitValue } from './escape.js';

export const CADDY_GROUP = 'caddy';

export const gunicornBind = (cfg: Config, color: Color): string =>
  cfg.caddy.switch === 'socket' ? `unix:${colorSocket(cfg, color)}` : `127.0.0.1:${cfg.web.ports[color]}`;

export function socketUnitLines(cfg: Config, color: Color): string[] {
  if (cfg.caddy.switch !== 'socket') return [];
  const dir = colorSocketDir(cfg, color);
  if (cfg.scope === 'user') return [`ExecStartPre=${execLine(['/usr/bin/mkdir', '-p', '-m', '0750', dir], 'root')}`];
  return [
    // `+`: as root, outside the sandbox; the dir's parent is root's, so nothing here is the app's to swap
    `ExecStartPre=+${execLine(['/usr/bin/install', '-d', '-o', cfg.user, '-g', CADDY_GROUP, '-m', '0750', dir], 'root')}`,
    `ReadWritePaths=${unitValue(dir, 'root')}`,
  ];
}
