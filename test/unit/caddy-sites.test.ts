import { describe, expect, it } from 'vitest';
import { caddyProblems } from '../../src/host/caddy-problems.js';
import { blame, caddyCommand, droppedSites, importedFiles, siteAddresses, siteFileApp, sitesOf } from '../../src/host/caddy-sites.js';
import { hostState } from '../support/host-state.js';
import { sampleConfig } from '../support/sample-config.js';

// Shaped like what Caddy 2.6's caddyfile adapter produces for Debian's stock :80 site plus two bg
// site files (a subroute per site, the bg_app mark beside the reverse_proxy).
const bgRoute = (app: string, port: number) => ({
  handle: [
    {
      handler: 'subroute',
      routes: [
        {
          handle: [
            { handler: 'vars', bg_app: app },
            { handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${port}` }] },
          ],
        },
      ],
    },
  ],
});
const config = (servers: Record<string, unknown>) => JSON.stringify({ admin: { listen: 'localhost:2019' }, apps: { http: { servers } } });
const stock = { listen: [':80'], routes: [{ handle: [{ handler: 'file_server', root: '/usr/share/caddy' }] }] };
const shopAndBlog = config({
  srv0: stock,
  srv1: { listen: [':8080'], routes: [bgRoute('shop', 8001)] },
  srv2: { listen: [':443'], routes: [{ match: [{ host: ['blog.example.com'] }], ...bgRoute('blog', 8011) }] },
});

describe('the sites of a Caddy config and who owns them', () => {
  it('one site per listen address and host, with the bg_app marks inside it', () => {
    expect(sitesOf(shopAndBlog)).toEqual([
      { key: ':80 *', apps: [] },
      { key: ':8080 *', apps: ['shop'] },
      { key: ':443 blog.example.com', apps: ['blog'] },
    ]);
    expect(sitesOf('null')).toEqual([]);
  });

  it('a config holding only this app drops every other site: they are named', () => {
    const onlyShop = config({ srv0: { listen: [':8080'], routes: [bgRoute('shop', 8002)] } });
    expect(droppedSites(shopAndBlog, onlyShop, 'shop').map((s) => s.key)).toEqual([':80 *', ':443 blog.example.com']);
  });

  it("this app's own site may move or go; another app's mark vanishing from a kept address counts", () => {
    const moved = config({
      srv0: stock,
      srv1: { listen: [':9090'], routes: [bgRoute('shop', 8001)] },
      srv2: JSON.parse(shopAndBlog).apps.http.servers.srv2,
    });
    expect(droppedSites(shopAndBlog, moved, 'shop')).toEqual([]);
    const blogUnmarked = config({
      srv0: stock,
      srv1: { listen: [':8080'], routes: [bgRoute('shop', 8001)] },
      srv2: { listen: [':443'], routes: [{ match: [{ host: ['blog.example.com'] }], handle: [] }] },
    });
    expect(droppedSites(shopAndBlog, blogUnmarked, 'shop').map((s) => s.apps)).toEqual([['blog']]);
  });

  it('a placeholder block of the same address replaced by the site file is not a drop', () => {
    const before = config({ srv0: { listen: [':8080'], routes: [{ handle: [{ handler: 'static_response', body: 'placeholder' }] }] } });
    const after = config({ srv0: { listen: [':8080'], routes: [bgRoute('shop', 8001)] } });
    expect(droppedSites(before, after, 'shop')).toEqual([]);
  });
});

describe('whose file a Caddy error is about', () => {
  const main = {
    path: '/etc/caddy/Caddyfile',
    text: ':80 {\n\tfile_server\n}\nimport /etc/caddy/shop.caddy\nimport /etc/caddy/blog.caddy\n',
  };
  const site = (app: string, addr: string) => ({
    path: `/etc/caddy/${app}.caddy`,
    text: `# Rendered by bg from templates/site.caddy.ejs for ${app}; bg overwrites it.\n# more\n${addr} {\n\thandle {\n\t}\n}\n`,
  });
  const files = [main, site('shop', ':8080'), site('blog', ':8090')];

  it('a parse error names its file, and the app whose site file it is', () => {
    const err =
      "parsing caddyfile tokens for 'reverse_proxy': /etc/caddy/blog.caddy:8 - Error during parsing: unrecognized subdirective not_a_subdirective";
    expect(blame(err, main.path, files)).toEqual([{ path: '/etc/caddy/blog.caddy', app: 'blog' }]);
    expect(
      blame('/etc/caddy/x.caddy:3 - Error during parsing: File to import not found: /etc/caddy/x-upstream.txt', main.path, files),
    ).toEqual([{ path: '/etc/caddy/x.caddy', app: undefined }]);
    expect(blame('Caddyfile:4 - Error during parsing: Unexpected next token after {', main.path, files)).toEqual([{ path: main.path }]);
  });

  it('a clash names every file declaring that address', () => {
    const clash = [main, site('shop', ':8090'), site('blog', ':8090')];
    expect(blame('ambiguous site definition: :8090', main.path, clash)).toEqual([
      { path: '/etc/caddy/shop.caddy', app: 'shop' },
      { path: '/etc/caddy/blog.caddy', app: 'blog' },
    ]);
    expect(blame('ambiguous site definition: :80', main.path, [main, site('shop', ':80')])).toEqual([
      { path: main.path },
      { path: '/etc/caddy/shop.caddy', app: 'shop' },
    ]);
  });

  it('reads site addresses, imports and the app of a site file', () => {
    expect(
      siteAddresses('{\n\tadmin localhost:2019\n}\n(snip) {\n}\na.example.com, b.example.com {\n\tx {\n\t}\n}\n:80 { # comment\n}\n'),
    ).toEqual(['a.example.com', 'b.example.com', ':80']);
    expect(importedFiles('import /etc/caddy/shop.caddy\nimport snippet\n\timport /etc/caddy/sites/*.caddy\n')).toEqual([
      '/etc/caddy/shop.caddy',
    ]);
    expect(siteFileApp(site('shop', ':8080').text)).toBe('shop');
    expect(siteFileApp(':80 {\n}\n')).toBeUndefined();
  });
});

describe("the file Caddy's unit runs", () => {
  it("Debian's caddy.service and the test harness's unit", () => {
    expect(caddyCommand(['/usr/bin/caddy', 'run', '--environ', '--config', '/etc/caddy/Caddyfile'])).toEqual({
      config: '/etc/caddy/Caddyfile',
      caddyfile: true,
      resume: false,
    });
    expect(caddyCommand(['/usr/bin/caddy', 'run', '--config=/srv/x/site.conf', '--adapter', 'caddyfile'])).toMatchObject({
      config: '/srv/x/site.conf',
      caddyfile: true,
    });
    expect(caddyCommand(['/usr/bin/caddy', 'run', '--config', 'Caddyfile'], '/etc/caddy')).toMatchObject({
      config: '/etc/caddy/Caddyfile',
    });
    expect(caddyCommand(['/usr/bin/caddy', 'run', '--environ', '--resume'])).toEqual({ config: undefined, caddyfile: false, resume: true });
    expect(caddyCommand(['/usr/bin/caddy', 'run', '--config', '/etc/caddy/caddy.json'])).toMatchObject({ caddyfile: false });
  });

  const cfg = sampleConfig();
  const runs = (argv: string[]) => ({ loadState: 'loaded', command: caddyCommand(argv) });

  it('another file, none, or a missing one is refused (exit 2) for every command that writes or loads Caddy', () => {
    const other = caddyProblems(
      cfg,
      hostState({ caddyUnit: runs(['caddy', 'run', '--config', '/etc/caddy/Main', '--adapter', 'caddyfile']), caddyfileExists: true }),
    );
    expect(other).toMatchObject([
      { code: 'caddyfile-not-run', exitCode: 2, blocks: ['setup', 'deploy', 'rollback', 'restart', 'maintenance', 'remove'] },
    ]);
    expect(other[0].message).toContain('caddy.service runs /etc/caddy/Main');
    expect(other[0].next).toContain('caddy.caddyfile: /etc/caddy/Main');
    expect(caddyProblems(cfg, hostState({ caddyUnit: runs(['caddy', 'run', '--resume']) })).map((p) => p.code)).toEqual([
      'caddyfile-not-run',
    ]);
    expect(caddyProblems(cfg, hostState({ caddyUnit: { loadState: 'not-found' } })).map((p) => p.code)).toEqual(['caddy-unit-unknown']);
    expect(
      caddyProblems(cfg, hostState({ caddyUnit: runs(['caddy', 'run', '--config', cfg.caddy.caddyfile]), caddyfileExists: false })).map(
        (p) => p.code,
      ),
    ).toEqual(['caddyfile-missing']);
    expect(
      caddyProblems(cfg, hostState({ caddyUnit: runs(['caddy', 'run', '--config', cfg.caddy.caddyfile]), caddyfileExists: true })),
    ).toEqual([]);
  });

  it('a config on disk that does not load is reported, naming the other app; it blocks nothing by itself', () => {
    const [p] = caddyProblems(
      cfg,
      hostState({
        caddyOnDisk: {
          ok: false,
          error: '/etc/caddy/blog.caddy:3 - Error during parsing',
          blamed: [{ path: '/etc/caddy/blog.caddy', app: 'blog' }],
        },
      }),
    );
    expect(p).toMatchObject({ code: 'caddy-config-invalid', severity: 'error', blocks: [] });
    expect(p.message).toContain("/etc/caddy/blog.caddy (blog's site) breaks it");
    expect(p.next).toContain("shop's deploys too");
    const [own] = caddyProblems(
      cfg,
      hostState({ caddyOnDisk: { ok: false, error: 'x', blamed: [{ path: '/etc/caddy/shop.caddy', app: 'shop' }] } }),
    );
    expect(own.next).toContain('bluegreen setup');
  });
});
