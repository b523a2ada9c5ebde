// Every file bg renders whole from config: absolute path -> content. The upstream file is not here
// (the switch writes it), nor the main Caddyfile (bg only adds an import to it: main-caddyfile.ts).
import { maintenanceFlag, maintenancePageCopy, siteFile, unitNames } from '../config/names.js';
import { COLORS, type Config } from '../config/types.js';
import { renderSiteFile } from './caddyfile.js';
import { celeryCommand, gunicornCommand } from './command.js';
import { renderBeatUnit, renderWebUnit, renderWorkerUnit } from './units.js';

export function renderAll(cfg: Config, exists: (p: string) => boolean): Map<string, string> {
  const files = new Map<string, string>();
  const at = (name: string) => `${cfg.unitDir}/${name}`;
  for (const color of COLORS) {
    const names = unitNames(cfg, color);
    files.set(at(names.web), renderWebUnit(cfg, color, gunicornCommand(cfg, color, exists)));
    if (names.worker) files.set(at(names.worker), renderWorkerUnit(cfg, color, celeryCommand(cfg, color, exists)));
    if (names.beat) files.set(at(names.beat), renderBeatUnit(cfg, color, celeryCommand(cfg, color, exists)));
  }
  // the page is bg's copy (steps/maintenance.ts): Caddy cannot enter shared/, and must not read what the app's user can swap
  const maintenance = exists(maintenanceFlag(cfg)) ? { page: exists(maintenancePageCopy(cfg)) } : undefined;
  files.set(siteFile(cfg), renderSiteFile(cfg, maintenance));
  return files;
}
