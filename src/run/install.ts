import type { Color, Config } from '../config/types.js';
import { readText, writeAtomic, removeFile } from '../adapters/files.js';
import { unifiedDiff } from '../adapters/diff.js';
import { renderAll } from '../render/all.js';
import type { Adapters } from './adapters.js';

export interface FileChange {
  path: string;
  before?: string; // undefined: the file does not exist yet
  after: string;
}
export interface Replaced {
  path: string;
  before?: string;
}

// The files `install` would write: rendered now, compared with what is on disk.
export async function pendingChanges(
  cfg: Config,
  exists: (p: string) => boolean,
  colors: Color[],
  caddyfile: boolean,
): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const [path, after] of renderAll(cfg, exists)) {
    const isUnit = path.startsWith(`${cfg.unitDir}/`);
    const wanted = isUnit ? colors.some((c) => path.endsWith(`-${c}.service`)) : caddyfile && path === cfg.caddy.caddyfile;
    if (!wanted) continue;
    const before = await readText(path);
    if (before !== after) changes.push({ path, before, after });
  }
  return changes;
}

export const diffOf = (c: FileChange) => unifiedDiff(c.path, c.before, c.after);

// Writes what changed (atomically), leaves the rest alone, and tells systemd when a unit changed.
export async function installFiles(cfg: Config, ad: Adapters, colors: Color[], caddyfile: boolean) {
  const changes = await pendingChanges(cfg, ad.exists, colors, caddyfile);
  const replaced: Replaced[] = [];
  for (const c of changes) {
    await writeAtomic(c.path, c.after, { mode: 0o644 });
    replaced.push({ path: c.path, before: c.before });
  }
  if (changes.some((c) => c.path.startsWith(`${cfg.unitDir}/`))) await ad.systemd.reload();
  return { replaced, changes };
}

export async function restoreFiles(ad: Adapters, replaced: Replaced[]): Promise<void> {
  for (const r of replaced.reverse()) {
    if (r.before === undefined) await removeFile(r.path);
    else await writeAtomic(r.path, r.before, { mode: 0o644 });
  }
  if (replaced.length) await ad.systemd.reload();
}
