// Where the socket switch (`caddy.switch: socket`) keeps its sockets. The app dir under the
// runtime root is root's (system scope): the app's user cannot replace `active.sock` in it. Each
// color's dir is the app user's (group Caddy's), where its Gunicorn binds.
import type { Color, Config } from './types.js';

type SocketNaming = Pick<Config, 'app' | 'root' | 'scope'>;

export const socketRoot = (cfg: SocketNaming) => (cfg.scope === 'system' ? `/run/bg/${cfg.app}` : `${cfg.root}/run`);
export const colorSocketDir = (cfg: SocketNaming, color: Color) => `${socketRoot(cfg)}/${color}`;
export const colorSocket = (cfg: SocketNaming, color: Color) => `${colorSocketDir(cfg, color)}/gunicorn.sock`;
export const activeSocket = (cfg: SocketNaming) => `${socketRoot(cfg)}/active.sock`;

/** Which color a symlink target names; undefined for anything bg did not write. */
export const colorOfSocket = (cfg: SocketNaming, target: string | undefined): Color | undefined =>
  target === colorSocket(cfg, 'blue') ? 'blue' : target === colorSocket(cfg, 'green') ? 'green' : undefined;
