// The web unit's lines for the socket switch: Gunicorn binds its color's unix socket, in a dir
// made before each start (the runtime dir is empty after a boot). In system scope the dir is the
// app user's with group `caddy` and mode 0750, so Caddy can connect and other users cannot; its
// parent stays root's, so the app's user cannot replace `active.sock` beside it.
import { activeSocket, colorSocket, colorSocketDir } from '../config/socket-paths.js';
import type { Color, Config } from '../config/types.js';
import { execLine, unitValue } from './escape.js';

export const CADDY_GROUP = 'caddy';

export const gunicornBind = (cfg: Config, color: Color): string =>
  cfg.caddy.switch === 'socket' ? `unix:${colorSocket(cfg, color)}` : `127.0.0.1:${cfg.web.ports[color]}`;

// After a boot /run is empty and `active.sock` gone: the live color's web (the only one enabled)
// makes it again as it starts. `ln -s` without -f never replaces a link the switch made, and its
// failure then is expected (the `-` prefix).
export function socketUnitLines(cfg: Config, color: Color): string[] {
  if (cfg.caddy.switch !== 'socket') return [];
  const dir = colorSocketDir(cfg, color);
  const relink = execLine(['/usr/bin/ln', '-s', colorSocket(cfg, color), activeSocket(cfg)], 'root');
  if (cfg.scope === 'user')
    return [`ExecStartPre=${execLine(['/usr/bin/mkdir', '-p', '-m', '0750', dir], 'root')}`, `ExecStartPre=-${relink}`];
  return [
    // `+`: as root, outside the sandbox; the dir's parent is root's, so nothing here is the app's to swap
    `ExecStartPre=+${execLine(['/usr/bin/install', '-d', '-o', cfg.user, '-g', CADDY_GROUP, '-m', '0750', dir], 'root')}`,
    `ExecStartPre=-+${relink}`,
    // `-`: the dir is missing when the ExecStartPre above runs (systemd sets up each process's namespace)
    `ReadWritePaths=-${unitValue(dir, 'root')}`,
  ];
}
