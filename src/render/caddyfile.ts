// config -> Caddyfile. Pure, and the same for both colors: the active one is only in the upstream file.

import { currentLink } from '../config/names.js';
import type { Config } from '../config/types.js';
import { caddySite, caddyToken } from './escape.js';
import { renderTemplate } from './template.js';

/** Where the active release is reachable under a fixed path; bg re-points this symlink at the switch. */

/** Default static dir inside a release when only caddy.static_path is configured. */
export const DEFAULT_STATIC_DIR = 'staticfiles';

// A bare ":port" or an http:// address never needs certificates; turning automatic HTTPS off keeps
// Caddy from trying ACME or installing a local CA for such sites (and on loopback test hosts).
const plainHttp = (site: string) =>
  site
    .split(/[\s,]+/)
    .filter(Boolean)
    .every((a) => /^:\d+$/.test(a) || a.toLowerCase().startsWith('http://'));

export function renderCaddyfile(cfg: Config): string {
  const { caddy } = cfg;
  const site = caddySite(caddy.site, 'caddy.site');
  const staticDir = (caddy.staticDir ?? DEFAULT_STATIC_DIR).replace(/^\/+|\/+$/g, '');
  return renderTemplate('Caddyfile.ejs', {
    admin: caddyToken(caddy.admin, 'caddy.admin'),
    autoHttpsOff: plainHttp(site),
    site,
    staticMatcher: caddy.staticPath ? caddyToken(`${caddy.staticPath}*`, 'caddy.static_path') : undefined,
    staticRoot: caddyToken(`${currentLink(cfg)}/${staticDir}`, 'caddy.static_dir'),
    upstreamFile: caddyToken(caddy.upstreamFile, 'caddy.upstream_file'),
  });
}
