// An app that writes next to its code (os.mkdir('logs'), a log file, an SQLite database) fails in
// its release, which is read-only for it. From the lines a failed start wrote, the path it tried and
// the shared_dirs / shared_files line that gives it a writable home. Pure.
import type { Config } from '../config/types.js';

// Python: "[Errno 30] Read-only file system: 'logs'", PermissionError "[Errno 13] Permission denied: '/srv/shop/blue/logs'";
// coreutils and others: "cannot create directory 'logs': Read-only file system"
const PY = /(?:\[Errno (?:30|13)\] (?:Read-only file system|Permission denied)|EROFS[^:]*): '([^']+)'/;
const SH = /'([^']+)': (?:Read-only file system|Permission denied)/;

export interface ReadOnlyPath {
  path: string; // relative to app_dir
  key: 'shared_dirs' | 'shared_files';
  advice: string;
}

type Cfg = Pick<Config, 'root' | 'appDir' | 'configPath' | 'sharedDirs' | 'sharedFiles'>;

/** The first path inside a release the app could not write, with the key to add it to (undefined: none). */
export function readOnlyPath(cfg: Cfg, lines: string): ReadOnlyPath | undefined {
  for (const line of lines.split('\n')) {
    const raw = (PY.exec(line) ?? SH.exec(line))?.[1];
    if (!raw) continue;
    const rel = relativeToApp(cfg, raw);
    if (!rel) continue;
    const top = rel.split('/')[0];
    // a name with an extension is taken for a file (app.db, debug.log), else for a directory
    const file = rel === top && /\.\w+$/.test(top);
    const key = file ? 'shared_files' : 'shared_dirs';
    const list = [...(file ? cfg.sharedFiles : cfg.sharedDirs), top];
    return {
      path: top,
      key,
      advice: `The app could not write ${rel} inside its release (read-only for it). Give it a home that outlives releases: add \`${key}: [${list.join(', ')}]\` to ${cfg.configPath} (linked to shared/${top}), then run the command again (setup or deploy).`,
    };
  }
  return undefined;
}

// relative: to the unit's working directory, app_dir; absolute: under a color's link, `current` or a release
function relativeToApp(cfg: Cfg, raw: string): string | undefined {
  const clean = (p: string) => p.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (!raw.startsWith('/')) return raw.split('/').includes('..') ? undefined : clean(raw) || undefined;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const app = cfg.appDir ? `${esc(cfg.appDir)}/` : '';
  const m = new RegExp(`^${esc(cfg.root)}/(?:blue|green|current|releases/[^/]+)/${app}(.+)$`).exec(raw);
  return m ? clean(m[1]) || undefined : undefined;
}
