// One app never takes a shared Caddy down: a site file (or main Caddyfile) is installed only when
// the whole config Caddy would load with it adapts, and Caddy is only ever given a config that keeps
// every other app's sites. Both through Caddy's admin API.
import { siteFile } from '../config/names.js';
import type { Config } from '../config/types.js';
import { BgError, CaddyError, EXIT } from '../errors.js';
import type { CaddyPort, FilesPort } from '../execute/host.js';
import { adaptCaddyfile } from '../host/caddy-config.js';
import { absoluteImports, type Blamed, describeBlamed, describeSite, droppedSites } from '../host/caddy-sites.js';
import type { FileChange } from '../host/pending-files.js';

type Io = { caddy: CaddyPort; files: FilesPort };

/**
 * Before `changes` touching the site file or the main Caddyfile are installed: the main Caddyfile
 * (as it would be) with the candidate site file imported in place of the installed one must adapt.
 * Nothing is written but the candidate, next to the site file, removed again.
 */
export async function checkCaddyChanges(io: Io, cfg: Config, changes: FileChange[]): Promise<void> {
  const site = siteFile(cfg);
  const siteChange = changes.find((c) => c.path === site);
  const mainChange = changes.find((c) => c.path === cfg.caddy.caddyfile);
  if (!siteChange && !mainChange) return;
  const main = mainChange?.after ?? (await io.files.read(cfg.caddy.caddyfile));
  if (main === undefined) throw missingCaddyfile(cfg);
  const candidate = `${site.slice(0, site.lastIndexOf('/'))}/.${cfg.app}.caddy.bg-candidate`;
  const siteText = siteChange?.after ?? (await io.files.read(site)) ?? '';
  // Caddy (its own user) reads the candidate: 0644, like the site file
  await io.files.write(candidate, siteText, 0o644);
  try {
    const text = main.replace(new RegExp(`^(\\s*import\\s+)${escapeRe(site)}\\s*$`, 'm'), `$1${candidate}`);
    const r = await adaptCaddyfile(io, cfg.caddy.caddyfile, text, new Map([[candidate, site]]));
    if (r.ok) return;
    const others = r.blamed.filter((b) => b.app !== cfg.app && b.path !== site);
    const clash = /ambiguous site definition/.test(r.error);
    throw new BgError(`Caddy would not load ${cfg.app}'s site file ${site} with the rest of its config${blamedText(r.blamed)}.`, {
      code: 'caddy-site-invalid',
      exitCode: EXIT.usage,
      detail: `Caddy: ${r.error}`,
      state: `Nothing was installed: ${site}, ${cfg.caddy.caddyfile} and Caddy's running config are as they were.`,
      next: clash
        ? `caddy.site "${cfg.caddy.site}" is already served by ${others.map(describeBlamed).join(', ') || 'another site'}: pick another address in ${cfg.configPath}.`
        : others.length
          ? `Fix or remove ${others.map(describeBlamed).join(', ')} first: until then Caddy cannot reload or restart with it.`
          : `Fix the value in ${cfg.configPath} that ended up in the site file, then run the command again.`,
    });
  } finally {
    await io.files.remove(candidate).catch(() => undefined);
  }
}

/**
 * Has Caddy load the main Caddyfile from disk, after checking that it adapts and that it keeps
 * every site Caddy runs now but this app's own; otherwise nothing is loaded.
 */
export async function loadMainCaddyfile(io: Io, cfg: Config): Promise<void> {
  const text = await io.files.read(cfg.caddy.caddyfile);
  if (text === undefined) throw missingCaddyfile(cfg);
  const r = await adaptCaddyfile(io, cfg.caddy.caddyfile, text);
  if (!r.ok) {
    const others = r.blamed.filter((b) => b.app !== cfg.app);
    throw new CaddyError(`Caddy refused the new config${blamedText(r.blamed)}`, {
      code: others.some((b) => b.app) ? 'caddy-other-app-broken' : 'caddy-refused',
      state: 'Caddy keeps serving its previous config',
      detail: `Caddy: ${r.error}`,
      next: others.length
        ? `Fix ${others.map(describeBlamed).join(', ')} (\`bluegreen status\` shows it), then run the command again.`
        : "Fix the Caddyfile (the detail is Caddy's own message) and run the command again",
    });
  }
  const dropped = droppedSites(await io.caddy.config(), r.json, cfg.app);
  if (dropped.length) {
    throw new CaddyError(
      `bg did not load ${cfg.caddy.caddyfile} into Caddy: it would drop ${dropped.map(describeSite).join(', ')}, which Caddy serves now.`,
      {
        code: 'caddy-would-drop-sites',
        state: 'Caddy keeps serving its previous config',
        detail: `Caddy runs: ${dropped.map((d) => d.key).join(', ')}`,
        next: `Check that ${cfg.caddy.caddyfile} is the file Caddy's unit ${cfg.caddy.unit} runs and that it imports every app's site file. If those sites were removed on purpose, reload Caddy once (systemctl reload ${cfg.caddy.unit}), then run the command again.`,
      },
    );
  }
  await io.caddy.load(absoluteImports(text, cfg.caddy.caddyfile));
}

const blamedText = (blamed: Blamed[]) =>
  blamed.length ? `: ${blamed.map(describeBlamed).join(' and ')} ${blamed.length > 1 ? 'clash' : 'breaks it'}` : '';

function missingCaddyfile(cfg: Config): CaddyError {
  return new CaddyError(`The Caddyfile ${cfg.caddy.caddyfile} is missing.`, {
    code: 'caddyfile-missing',
    next: `Restore the main Caddyfile that ${cfg.caddy.unit} runs (Debian's: apt-get install --reinstall caddy), then run \`bluegreen setup\`.`,
  });
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
