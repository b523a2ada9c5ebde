import type { Color, Config } from '../config/types.js';
import { renderAll } from '../render/all.js';
import { unifiedDiff } from '../render/diff.js';
import { mainCaddyfile } from '../render/main-caddyfile.js';
import type { FilesPort, SystemdPort } from './host.js';

export interface FileChange {
  path: string;
  before?: string; // undefined: the file does not exist yet
  after: string;
}
/** What an install replaced: the receipt its undo (restore-files) puts back. */
export interface Replaced {
  path: string;
  before?: string;
}

// The files `install` would write: rendered now, compared with what is on disk.
export async function pendingChanges(cfg: Config, files: Pick<FilesPort, 'read' | 'exists'>, colors: Color[], caddyfile: boolean): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const [path, after] of renderAll(cfg, files.exists)) {
    const isUnit = path.startsWith(`${cfg.unitDir}/`);
    const wanted = isUnit ? colors.some((c) => path.endsWith(`-${c}.service`)) : caddyfile;
    if (!wanted) continue;
    const before = await files.read(path);
    if (before !== after) changes.push({ path, before, after });
  }
  if (caddyfile) {
    const before = await files.read(cfg.caddy.caddyfile);
    const after = mainCaddyfile(cfg, before);
    if (before !== after) changes.push({ path: cfg.caddy.caddyfile, before, after });
  }
  return changes;
}

// Writes what changed (atomically), leaves the rest alone, and tells systemd when a unit changed.
// `replaced` grows as each file is written, so a failure halfway is undone too.
export async function installFiles(host: { files: FilesPort; systemd: SystemdPort }, cfg: Config, changes: FileChange[], replaced: Replaced[]): Promise<void> {
  for (const c of changes) {
    // the main Caddyfile is the operator's: it keeps its mode; what bg renders whole is 0644
    await host.files.write(c.path, c.after, c.path === cfg.caddy.caddyfile ? undefined : 0o644);
    replaced.push({ path: c.path, before: c.before });
  }
  if (changes.some((c) => c.path.startsWith(`${cfg.unitDir}/`))) await host.systemd.reload();
}

export async function restoreFiles(host: { files: FilesPort; systemd: SystemdPort }, replaced: Replaced[]): Promise<void> {
  for (const r of [...replaced].reverse()) {
    if (r.before === undefined) await host.files.remove(r.path);
    else await host.files.write(r.path, r.before);
  }
  if (replaced.length) await host.systemd.reload();
}

export const diffOf = (c: FileChange) => unifiedDiff(c.path, c.before, c.after);
