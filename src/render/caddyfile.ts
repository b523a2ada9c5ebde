// config -> this app's Caddy site file. Pure, and the same for both colors: the live one is only in
// the upstream file. The main Caddyfile imports it (main-caddyfile.ts).

import { basename, dirname } from 'node:path';
import { currentLink, inAppDir, maintenancePageCopy, previousLink } from '../config/names.js';
import type { Config } from '../config/types.js';
import { caddySite, caddyToken } from './escape.js';
import { renderTemplate } from './template.js';

/** Default static dir inside a release when only caddy.static_path is configured. */
export const DEFAULT_STATIC_DIR = 'staticfiles';

/** `maintenance`: Caddy answers 503 (with bg's copy of shared/maintenance.html when `page` is set) instead of proxying. */
export function renderSiteFile(cfg: Config, maintenance?: { page: boolean }): string {
  const { caddy } = cfg;
  const staticDir = (caddy.staticDir ?? DEFAULT_STATIC_DIR).replace(/^\/+|\/+$/g, '');
  return renderTemplate('site.caddy.ejs', {
    app: cfg.app,
    site: caddySite(caddy.site, 'caddy.site'),
    staticMatcher: caddy.staticPath ? caddyToken(`${caddy.staticPath}*`, 'caddy.static_path') : undefined,
    staticRoot: caddyToken(`${inAppDir(cfg, currentLink(cfg))}/${staticDir}`, 'caddy.static_dir'),
    previousRoot: caddyToken(`${inAppDir(cfg, previousLink(cfg))}/${staticDir}`, 'caddy.static_dir'),
    upstreamFile: caddyToken(caddy.upstreamFile, 'caddy.upstream_file'),
    maintenance: maintenance && {
      page: maintenance.page ? caddyToken(basename(maintenancePageCopy(cfg)), 'app') : undefined,
      root: caddyToken(dirname(maintenancePageCopy(cfg)), 'caddy.upstream_file'),
    },
  });
}
