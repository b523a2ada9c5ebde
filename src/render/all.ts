// Every file bg renders whole from config: absolute path -> content. The upstream file is not here
// (the switch writes it), nor the main Caddyfile (bg only adds an import to it: main-caddyfile.ts).
import { colorAppDir, maintenanceFlag, maintenancePageCopy, siteFile, unitNames } from '../config/names.js';
import { COLORS, type Color, type Config, otherColor } from '../config/types.js';
import { renderSiteFile } from './caddyfile.js';
import { celeryCommand, gunicornCommand } from './command.js';
import { renderBeatUnit, renderWebUnit, renderWorkerUnit } from './units.js';

export function renderAll(cfg: Config, existsOnHost: (p: string) => boolean): Map<string, string> {
  const files = new Map<string, string>();
  const at = (name: string) => `${cfg.unitDir}/${name}`;
  for (const color of COLORS) {
    const names = unitNames(cfg, color);
    const exists = asIfReleased(cfg, color, existsOnHost);
    files.set(at(names.web), renderWebUnit(cfg, color, gunicornCommand(cfg, color, exists)));
    if (names.worker) files.set(at(names.worker), renderWorkerUnit(cfg, color, celeryCommand(cfg, color, exists)));
    if (names.beat) files.set(at(names.beat), renderBeatUnit(cfg, color, celeryCommand(cfg, color, exists)));
  }
  // the page is bg's copy (steps/maintenance.ts): Caddy cannot enter shared/, and must not read what the app's user can swap
  const maintenance = existsOnHost(maintenanceFlag(cfg)) ? { page: existsOnHost(maintenancePageCopy(cfg)) } : undefined;
  files.set(siteFile(cfg), renderSiteFile(cfg, maintenance));
  return files;
}

// A color that holds no release yet (green, at setup) gets its command as the other color's release
// has it (`.venv/bin/...` in its own dir): otherwise its unit names the system gunicorn until its first
// deploy rewrites it, and that deploy shows an ExecStart diff for a unit nobody changed.
function asIfReleased(cfg: Config, color: Color, exists: (p: string) => boolean): (p: string) => boolean {
  const mine = colorAppDir(cfg, color);
  if (exists(mine)) return exists;
  const theirs = colorAppDir(cfg, otherColor(color));
  return (p) => exists(p.startsWith(`${mine}/`) ? `${theirs}${p.slice(mine.length)}` : p);
}
