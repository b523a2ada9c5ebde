// What `install` would write, rendered now and compared with what is on disk: read by a run's
// install step, by --dry-run's diffs and by `status` (files that drifted). Reads through the files port only.
import type { Color, Config } from '../config/types.js';
import type { FilesPort } from '../execute/host.js';
import { renderAll } from '../render/all.js';
import { unifiedDiff } from '../render/diff.js';
import { mainCaddyfile } from '../render/main-caddyfile.js';

export interface FileChange {
  path: string;
  before?: string; // undefined: the file does not exist yet
  after: string;
}

export async function pendingChanges(
  cfg: Config,
  files: Pick<FilesPort, 'read' | 'exists'>,
  colors: Color[],
  caddyfile: boolean,
): Promise<FileChange[]> {
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

export const diffOf = (c: FileChange) => unifiedDiff(c.path, c.before, c.after);
