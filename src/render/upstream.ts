// upstream.txt: the one line Caddy imports into reverse_proxy, naming the active color's port.
import { COLORS, type Color, type Config } from '../config/types.js';

export function renderUpstream(cfg: Pick<Config, 'web'>, color: Color): string {
  return `to 127.0.0.1:${cfg.web.ports[color]}\n`;
}

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
