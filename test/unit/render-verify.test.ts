// Every rendered file, checked by the real tools that will read it: systemd-analyze verify and
// caddy validate. A missing tool fails the test; it never skips.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config, Scope } from '../../src/config/types.js';
import { mainCaddyfile, renderAll, renderSiteFile, renderUpstream } from '../../src/render/index.js';
import { socketDial } from '../../src/render/upstream.js';
import { sampleConfig } from '../support/sample-config.js';

const base = mkdtempSync(join(tmpdir(), 'bg-render-verify-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000, env: { ...process.env, ...env } });
  if (r.error) {
    const why =
      (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is not installed (not on PATH)' : `could not run: ${r.error.message}`;
    throw new Error(`${cmd} ${why}; this test needs the real tool (apt-get install systemd caddy).`);
  }
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function config(dir: string, scope: Scope): Config {
  const base = sampleConfig();
  return sampleConfig({
    root: `${dir}/srv`,
    scope,
    envFile: `${dir}/srv/shared/.env`,
    unitDir: `${dir}/units`,
    stateDir: `${dir}/state`,
    logDir: `${dir}/logs`,
    caddy: {
      ...base.caddy,
      caddyfile: `${dir}/caddy/Caddyfile`,
      upstreamFile: `${dir}/caddy/upstream.txt`,
      staticPath: '/static/',
      staticDir: 'staticfiles',
    },
    configPath: `${dir}/bg.yml`,
    // one scope's worker also gets -Q and a quiesce line per queue
    ...(scope === 'user' && { celery: { ...base.celery!, queues: ['celery', 'mail.high'] } }),
    // the other's worker names its broker in the unit (an Environment= line)
    ...(scope === 'system' && { celery: { ...base.celery!, broker: 'redis://127.0.0.1:6379/1' } }),
  });
}

/** Writes what renderAll returns plus what setup would create next to it; returns the files. */
function install(scope: Scope) {
  const dir = join(base, scope);
  const cfg = config(dir, scope);
  for (const d of [`${cfg.root}/releases/blue`, `${cfg.root}/releases/green`, `${cfg.root}/shared`, cfg.logDir!]) {
    mkdirSync(d, { recursive: true });
  }
  writeFileSync(cfg.envFile, '', { mode: 0o600 });
  const files = renderAll(cfg, existsSync);
  for (const [path, content] of files) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  writeFileSync(cfg.caddy.upstreamFile, renderUpstream(cfg, 'blue'));
  // the main Caddyfile as setup leaves it: the operator's own text plus the import of this app's site
  writeFileSync(cfg.caddy.caddyfile, mainCaddyfile(cfg, '{\n\tadmin localhost:2999\n}\n\n:80 {\n\tfile_server\n}\n'));
  return { dir, cfg, units: [...files.keys()].filter((p) => p.endsWith('.service')) };
}

describe.each(['system', 'user'] as const)('%s scope: rendered files pass the real tools', (scope) => {
  const { dir, cfg, units } = install(scope);

  it('systemd-analyze verify accepts all six units without a word about them', () => {
    expect(units).toHaveLength(6);
    const runtime = join(dir, 'runtime');
    mkdirSync(runtime, { recursive: true, mode: 0o700 });
    // --user needs a runtime dir to build its manager; the system manager ignores it.
    const args = [...(scope === 'user' ? ['--user'] : []), '--man=no', 'verify', ...units];
    const { status, output } = run('systemd-analyze', args, { XDG_RUNTIME_DIR: runtime });
    const ours = output.split('\n').filter((l) => l.includes(dir) || /shop-(web|worker|beat)-/.test(l));
    expect(ours, output).toEqual([]);
    expect(status, output).toBe(0);
  });

  it('systemd-analyze verify would notice a broken unit (the check can fail)', () => {
    const bad = join(dir, 'units', 'shop-web-bad.service');
    writeFileSync(bad, '[Service]\nType=notify\nExecStart=/nonexistent/gunicorn\nBogusKey=1\n');
    const { status, output } = run('systemd-analyze', [...(scope === 'user' ? ['--user'] : []), 'verify', bad], {
      XDG_RUNTIME_DIR: join(dir, 'runtime'),
    });
    rmSync(bad);
    expect(status).not.toBe(0);
    expect(output).toMatch(/BogusKey/);
  });

  it('caddy validate accepts the site file in maintenance, with and without a page', () => {
    for (const page of [true, false]) {
      const file = join(dir, `maintenance-${page}.caddy`);
      writeFileSync(file, renderSiteFile(cfg, { page }));
      const { status, output } = run('caddy', ['validate', '--adapter', 'caddyfile', '--config', file], {
        HOME: dir,
        XDG_DATA_HOME: join(dir, 'data'),
        XDG_CONFIG_HOME: join(dir, 'config'),
      });
      expect(status, output).toBe(0);
    }
  });

  it("caddy validate accepts the socket switch's site file: the symlink's upstream, no connection kept", () => {
    const socketCfg = { ...cfg, caddy: { ...cfg.caddy, switch: 'socket' as const, upstreamFile: join(dir, 'socket-upstream.txt') } };
    writeFileSync(socketCfg.caddy.upstreamFile, renderUpstream(socketCfg, 'blue'));
    const file = join(dir, 'socket.caddy');
    writeFileSync(file, renderSiteFile(socketCfg));
    const { status, output } = run('caddy', ['adapt', '--adapter', 'caddyfile', '--config', file], { HOME: dir });
    expect(status, output).toBe(0);
    const proxy = JSON.stringify(JSON.parse(output.slice(output.indexOf('{'))));
    expect(proxy).toContain(`"dial":"${socketDial(socketCfg)}"`);
    expect(proxy).toMatch(/"transport":\{[^}]*"keep_alive":\{"enabled":false\}/);
  });

  it('caddy validate accepts the main Caddyfile importing the site file, which imports the upstream file', () => {
    const { status, output } = run('caddy', ['validate', '--adapter', 'caddyfile', '--config', cfg.caddy.caddyfile], {
      HOME: dir,
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
    });
    expect(status, output).toBe(0);
    expect(output).toContain('Valid configuration');
  });
});
