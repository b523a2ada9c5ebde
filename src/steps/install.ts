import { siteFile } from '../config/names.js';
import type { Config } from '../config/types.js';
import type { Replaced } from '../execute/context.js';
import type { CaddyPort, FilesPort, SystemdPort } from '../execute/host.js';
import type { FileChange } from '../host/pending-files.js';
import { checkCaddyChanges } from './caddy-guard.js';

// Writes what changed (atomically), leaves the rest alone, and tells systemd when a unit changed.
// `replaced` grows as each file is written, so a failure halfway is undone too. A change to Caddy's
// files is checked first against everything else Caddy loads (caddy-guard.ts); the upstream file
// the site file imports is written before it, so no reload ever finds the import missing.
export async function installFiles(
  host: { files: FilesPort; systemd: SystemdPort; caddy: CaddyPort },
  cfg: Config,
  changes: FileChange[],
  replaced: Replaced[],
): Promise<void> {
  if (changes.some((c) => c.path === siteFile(cfg) || c.path === cfg.caddy.caddyfile)) {
    if ((await host.files.read(cfg.caddy.upstreamFile)) === undefined) {
      await host.files.write(cfg.caddy.upstreamFile, await placeholderUpstream(host.caddy, cfg), 0o644);
      replaced.push({ path: cfg.caddy.upstreamFile });
    }
    await checkCaddyChanges(host, cfg, changes);
  }
  for (const c of changes) {
    // the main Caddyfile is the operator's: it keeps its mode; what bg renders whole is 0644
    await host.files.write(c.path, c.after, c.path === cfg.caddy.caddyfile ? undefined : 0o644);
    replaced.push({ path: c.path, before: c.before });
  }
  if (changes.some((c) => c.path.startsWith(`${cfg.unitDir}/`))) await host.systemd.reload();
}

/**
 * The upstream file before the first switch writes it: blue's port (blue is what a first setup
 * starts); a legacy app keeps the one port Caddy sends its site to now. Not in bg's one-line format,
 * so nothing reads it as a live color.
 */
async function placeholderUpstream(caddy: CaddyPort, cfg: Config): Promise<string> {
  const now = cfg.legacyUnit ? await caddy.upstreams().catch(() => []) : [];
  const to = now.length === 1 ? now[0] : `127.0.0.1:${cfg.web.ports.blue}`;
  return `# ${cfg.app} is not live yet: its first switch writes the live color's port here.\nto ${to}\n`;
}

export async function restoreFiles(host: { files: FilesPort; systemd: SystemdPort }, replaced: Replaced[]): Promise<void> {
  for (const r of [...replaced].reverse()) {
    if (r.before === undefined) await host.files.remove(r.path);
    else await host.files.write(r.path, r.before);
  }
  if (replaced.length) await host.systemd.reload();
}
