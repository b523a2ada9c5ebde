import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { AppFiles } from '../../src/host/host-state.js';
import { planRemove } from '../../src/plan/remove-plan.js';
import { importsSite, withoutSiteImport } from '../../src/render/main-caddyfile.js';
import { hostState, NOT_SET_UP, units } from '../support/host-state.js';
import { MINIMAL_YAML } from '../support/sample-config.js';

const cfg = parseConfig(`${MINIMAL_YAML}celery:\n  app: shop\n  beat: true\n`, {
  configPath: '/etc/bg/shop.yml',
  scope: 'system',
  env: {},
  homedir: '/root',
});
const ALL_UNITS = ['blue', 'green'].flatMap((c) => ['web', 'worker', 'beat'].map((k) => `shop-${k}-${c}.service`));
const everything: AppFiles = { unitFiles: ALL_UNITS, siteFile: true, imported: true, upstreamFile: true, root: true };
const names = (p: { steps: { name: string }[] }) => p.steps.map((s) => s.name);

describe('planRemove', () => {
  it('takes Caddy off the app first, then stops, disables and removes every unit; keeps <root> and says so', () => {
    const p = planRemove(cfg, hostState({ appFiles: everything }), { purge: false });
    expect(names(p)).toEqual([
      'unroute-caddy',
      'stop-shop-web-blue',
      'stop-shop-worker-blue',
      'stop-shop-beat-blue',
      'stop-shop-web-green',
      'stop-shop-worker-green',
      'stop-shop-beat-green',
      'disable-units',
      'remove-unit-files',
    ]);
    expect(p.steps[1].action).toEqual({ kind: 'stop', unit: 'shop-web-blue.service', drainPort: 8000 });
    expect(p.steps[4].action).toEqual({ kind: 'stop', unit: 'shop-web-green.service' });
    expect(p.steps.at(-1)?.action).toEqual({ kind: 'remove-unit-files', units: ALL_UNITS });
    expect(p.steps.every((s) => s.undo === undefined)).toBe(true);
    expect(p.notes.join('\n')).toContain('Kept: /srv/shop (releases, shared/, backups)');
  });

  it('--purge removes <root> last', () => {
    const p = planRemove(cfg, hostState({ appFiles: everything }), { purge: true });
    expect(p.steps.at(-1)).toEqual({ name: 'purge-root', action: { kind: 'purge-root', root: '/srv/shop' } });
  });

  it('finds units bg.yml no longer names (beat turned off since): their files are what counts', () => {
    const noBeat = { ...cfg, celery: { ...cfg.celery!, beat: false } };
    const p = planRemove(noBeat, hostState({ appFiles: everything }), { purge: false });
    expect(names(p)).toContain('stop-shop-beat-green');
  });

  it('finishes a remove stopped halfway: only what is left', () => {
    const h = hostState({ ...NOT_SET_UP, units: units({ 'shop-web-green.service': 'failed' }) });
    const p = planRemove(
      cfg,
      { ...h, appFiles: { ...everything, siteFile: false, imported: false, upstreamFile: false, unitFiles: ['shop-web-green.service'] } },
      { purge: false },
    );
    expect(names(p)).toEqual(['stop-shop-web-green', 'disable-units', 'remove-unit-files']);
  });

  it('nothing left: nothing to do, and why', () => {
    const gone: AppFiles = { unitFiles: [], siteFile: false, imported: false, upstreamFile: false, root: false };
    const p = planRemove(cfg, hostState({ ...NOT_SET_UP, appFiles: gone }), { purge: true });
    expect(p.steps).toEqual([]);
    expect(p.notes[0]).toBe('shop has no units, Caddy site or import on this host, and /srv/shop is gone.');
  });

  it("is refused when a unit name would be another program's (names-check)", () => {
    const h = hostState({ appFiles: everything, appUser: { uid: 0, comment: '', home: '/root', shell: '/bin/sh' } });
    expect(() => planRemove({ ...cfg, user: 'root' }, h, { purge: false })).toThrow();
  });
});

describe('planRemove when Caddy is gone: the units still come off, with a warning of what Caddy was not asked', () => {
  const offline = (p: ReturnType<typeof planRemove>) => (p.steps[0].action as { offline?: string }).offline;

  it('Caddy uninstalled (its unit not found): no refusal, the import and files go without a reload', () => {
    const p = planRemove(cfg, hostState({ appFiles: everything, caddyUnit: { loadState: 'not-found' }, caddyUpstreams: undefined }), {
      purge: false,
    });
    expect(names(p)[0]).toBe('unroute-caddy');
    expect(names(p)).toContain('remove-unit-files');
    expect(offline(p)).toBe('caddy.service is not a unit systemd has (not-found)');
    expect(p.notes[0]).toBe(
      "warning: Caddy was not reloaded: caddy.service is not a unit systemd has (not-found). /etc/caddy/Caddyfile without shop's import is not checked by Caddy: run `caddy validate --adapter caddyfile --config /etc/caddy/Caddyfile` before you start caddy.service.",
    );
  });

  it('its Caddyfile missing while Caddy runs: says Caddy still serves the site until it restarts', () => {
    const p = planRemove(cfg, hostState({ appFiles: { ...everything, imported: false }, caddyfileExists: false }), { purge: false });
    expect(offline(p)).toBe('/etc/caddy/Caddyfile does not exist');
    expect(p.notes[0]).toContain("Caddy still serves shop's site from its running config until it is restarted");
  });

  it('Caddy stopped (its admin API silent), the Caddyfile there: the import goes unchecked', () => {
    const p = planRemove(cfg, hostState({ appFiles: everything, caddyUpstreams: undefined }), { purge: false });
    expect(offline(p)).toBe("Caddy's admin API at localhost:2019 did not answer");
  });

  it('Caddy stopped but its unit runs another Caddyfile: still refused (bg would edit a file Caddy never loads)', () => {
    const h = hostState({
      appFiles: everything,
      caddyUpstreams: undefined,
      caddyUnit: { loadState: 'loaded', command: { config: '/etc/caddy/Other', caddyfile: true, resume: false } },
    });
    expect(() => planRemove(cfg, h, { purge: false })).toThrow(/runs \/etc\/caddy\/Other/);
  });

  it('Caddy answering and its Caddyfile there: the checked unroute, no warning', () => {
    const p = planRemove(cfg, hostState({ appFiles: everything }), { purge: false });
    expect(p.steps[0].action).toEqual({ kind: 'unroute-site' });
    expect(p.notes.join('\n')).not.toContain('warning:');
  });
});

describe("the main Caddyfile without the app's import", () => {
  const site = '/etc/caddy/shop.caddy';
  const main = `{\n\tadmin localhost:2019\n}\n\n:80 {\n\troot * /usr/share/caddy\n\tfile_server\n}\n\n# Added by bg: blog's site.\nimport /etc/caddy/blog.caddy\n\n# Added by bg: shop's site.\nimport ${site}\n`;

  it("removes the line and bg's note above it, and keeps every other line", () => {
    expect(importsSite(cfg, main)).toBe(true);
    const after = withoutSiteImport(cfg, main);
    expect(importsSite(cfg, after)).toBe(false);
    expect(after).toBe(
      `{\n\tadmin localhost:2019\n}\n\n:80 {\n\troot * /usr/share/caddy\n\tfile_server\n}\n\n# Added by bg: blog's site.\nimport /etc/caddy/blog.caddy\n`,
    );
  });

  it('leaves a Caddyfile that does not import it as it is', () => {
    const other = ':80 {\n\trespond ok\n}\n';
    expect(withoutSiteImport(cfg, other)).toBe(other);
  });
});
