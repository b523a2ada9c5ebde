// Where the socket switch (`caddy.switch: socket`) keeps its sockets. The app dir under the
// runtime root is root's (system scope): the app's user cannot replace `active.sock` in it. Each
// color's dir is the app user's (group Caddy's), where its Gunicorn binds.
import { COLORS, type Color, type Config } from './types.js';

type SocketNaming = Pick<Config, 'app' | 'root' | 'scope'>;

export const socketRoot = (cfg: SocketNaming) => (cfg.scope === 'system' ? `/run/bg/${cfg.app}` : `${cfg.root}/run`);
export const colorSocketDir = (cfg: SocketNaming, color: Color) => `${socketRoot(cfg)}/${color}`;
export const colorSocket = (cfg: SocketNaming, color: Color) => `${colorSocketDir(cfg, color)}/gunicorn.sock`;
export const activeSocket = (cfg: SocketNaming) => `${socketRoot(cfg)}/active.sock`;

type Addressing = SocketNaming & Pick<Config, 'caddy' | 'web'>;

/** Where a color's Gunicorn listens, as messages name it: its socket with the socket switch, else 127.0.0.1:<port>. */
export const colorAddress = (cfg: Addressing, color: Color): string =>
  cfg.caddy.switch === 'socket' ? colorSocket(cfg, color) : `127.0.0.1:${cfg.web.ports[color]}`;

/** A web port as plans and step details name it: with the socket switch, its color's socket (a port no color has stays a port). */
export const portPlace =
  (cfg: Addressing) =>
  (port: number): string => {
    const color = cfg.caddy.switch === 'socket' ? COLORS.find((c) => cfg.web.ports[c] === port) : undefined;
    return color ? colorSocket(cfg, color) : `port ${port}`;
  };

/** Which color a symlink target names; undefined for anything bg did not write. */
export const colorOfSocket = (cfg: SocketNaming, target: string | undefined): Color | undefined =>
  target === colorSocket(cfg, 'blue') ? 'blue' : target === colorSocket(cfg, 'green') ? 'green' : undefined;
