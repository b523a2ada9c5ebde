// `bluegreen remove`'s step bodies. Caddy is given a config without this app only after it adapts
// and keeps every other site (loadMainCaddyfile); the site and upstream files go after the reload.
// When Caddy is gone (the plan says why), bg's files for the app go without a reload.
import { maintenanceFlag, maintenancePageCopy, siteFile } from '../config/names.js';
import type { Config } from '../config/types.js';
import { BgError } from '../errors.js';
import type { Host } from '../execute/host.js';
import { purgeLine } from '../render/argv/system.js';
import { importsSite, withoutSiteImport } from '../render/main-caddyfile.js';
import { loadMainCaddyfile } from './caddy-guard.js';

/** `offline`: why Caddy cannot be reloaded; the import goes unchecked and nothing is loaded. */
export async function unrouteSite(host: Host, cfg: Config, offline?: string): Promise<string> {
  const main = await host.files.read(cfg.caddy.caddyfile);
  const done: string[] = [];
  if (main !== undefined && importsSite(cfg, main) && offline) {
    await host.files.write(cfg.caddy.caddyfile, withoutSiteImport(cfg, main));
    done.push(`import removed from ${cfg.caddy.caddyfile}, not checked by Caddy`);
  } else if (main !== undefined && importsSite(cfg, main)) {
    await host.files.write(cfg.caddy.caddyfile, withoutSiteImport(cfg, main));
    try {
      await loadMainCaddyfile(host, cfg);
    } catch (err) {
      await host.files.write(cfg.caddy.caddyfile, main);
      throw err instanceof BgError
        ? new BgError(err.message, {
            code: err.code,
            detail: err.detail,
            state: `Nothing was changed: ${cfg.caddy.caddyfile} is as it was and Caddy serves its previous config, ${cfg.app} included.`,
            next: err.next,
          })
        : err;
    }
    done.push(`import removed from ${cfg.caddy.caddyfile}, Caddy reloaded`);
  }
  // the maintenance flag too: a later setup would otherwise render the site answering 503
  for (const file of [siteFile(cfg), cfg.caddy.upstreamFile, maintenancePageCopy(cfg), maintenanceFlag(cfg)]) {
    if (!host.files.exists(file)) continue;
    await host.files.remove(file);
    done.push(`${file} removed`);
  }
  if (offline) done.push(`Caddy not reloaded: ${offline}`);
  return done.join('; ') || 'nothing left in Caddy';
}

export async function removeUnitFiles(host: Host, cfg: Config, units: string[]): Promise<void> {
  for (const unit of units) await host.files.remove(`${cfg.unitDir}/${unit}`);
  await host.systemd.reload();
  for (const unit of units) await host.systemd.resetFailed(unit).catch(() => undefined);
}

/** <root> and all in it, never following a link the app's user made there (purgeLine). */
export async function purgeRoot(host: Host, root: string): Promise<void> {
  const r = await host.shell(purgeLine(root), { cwd: '/', env: { PATH: '/usr/bin:/bin' } });
  if (r.exitCode !== 0 || host.files.exists(root))
    throw new BgError(`Could not remove ${root}.`, {
      code: 'purge-failed',
      detail: r.output.trim() || undefined,
      state: `The app is off this host (its units and Caddy site are gone); part of ${root} is left.`,
      next: `Look at what is left (ls -la ${root}), then run \`bluegreen remove --purge\` again.`,
    });
}
