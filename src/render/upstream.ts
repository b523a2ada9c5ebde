// upstream.txt: the one line Caddy imports into reverse_proxy: the active color's port, or with
// the socket switch the stable symlink the switch flips (the same line for either color).
import { activeSocket } from '../config/socket-paths.js';
import { COLORS, type Color, type Config } from '../config/types.js';

export function renderUpstream(cfg: Pick<Config, 'web' | 'caddy' | 'app' | 'root' | 'scope'>, color: Color): string {
  if (cfg.caddy.switch === 'socket') return `to ${socketDial(cfg)}\n`;
  return `to 127.0.0.1:${cfg.web.ports[color]}\n`;
}

/** Caddy's dial address for the socket switch's symlink, as its admin API reports it. */
export const socketDial = (cfg: Pick<Config, 'app' | 'root' | 'scope'>) => `unix/${activeSocket(cfg)}`;

/** Whether an upstream file names the socket switch's symlink (written by bg in socket mode). */
export const isSocketUpstream = (cfg: Pick<Config, 'app' | 'root' | 'scope'>, text: string): boolean =>
  text.trim() === `to ${socketDial(cfg)}`;

/** The port in an upstream file bg wrote; undefined for anything else (hand-edited, empty, foreign). */
export function parseUpstream(text: string): number | undefined {
  const m = /^\s*to\s+127\.0\.0\.1:(\d{1,5})\s*$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[1]);
  return port >= 1 && port <= 65535 ? port : undefined;
}

export function colorOfPort(cfg: Pick<Config, 'web'>, port: number): Color | undefined {
  return COLORS.find((c) => cfg.web.ports[c] === port);
}
