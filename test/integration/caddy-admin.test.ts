import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaddyAdmin } from '../../src/adapters/caddy-admin.js';
import { CaddyError } from '../../src/errors.js';
import { freePort } from '../harness/sandbox.js';

const CADDY = '/usr/bin/caddy';
let tmp: string;
let caddy: ChildProcess | undefined;
let caddyLog = '';
let admin: CaddyAdmin;
let adminPort: number;
let sitePort: number;
const apps: Server[] = [];
const appPorts: number[] = [];

async function app(name: string): Promise<number> {
  const server = createServer((_q, r) => r.end(name));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  apps.push(server);
  return (server.address() as AddressInfo).port;
}

const upstreamFile = () => join(tmp, 'upstream.txt');
const caddyfile = (body: string) => `{\n\tadmin localhost:${adminPort}\n\tauto_https off\n}\n\n:${sitePort} {\n${body}\n}\n`;
const proxied = () => caddyfile(`\treverse_proxy {\n\t\timport ${upstreamFile()}\n\t}`);

async function throughCaddy(): Promise<string> {
  const r = await request(`http://127.0.0.1:${sitePort}/`, { reset: true, headersTimeout: 5000, bodyTimeout: 5000 });
  return `${r.statusCode} ${await r.body.text()}`;
}

beforeAll(async () => {
  if (!existsSync(CADDY)) throw new Error(`${CADDY} is missing: these tests need a real Caddy (apt install caddy)`);
  tmp = await mkdtemp(join(tmpdir(), 'bg-caddy-'));
  adminPort = await freePort();
  sitePort = await freePort();
  appPorts.push(await app('app-one'), await app('app-two'));
  await writeFile(join(tmp, 'Caddyfile'), caddyfile('\trespond "initial"'));
  caddy = spawn(CADDY, ['run', '--config', join(tmp, 'Caddyfile'), '--adapter', 'caddyfile'], {
    cwd: tmp,
    env: { PATH: process.env.PATH, HOME: tmp, XDG_CONFIG_HOME: join(tmp, 'config'), XDG_DATA_HOME: join(tmp, 'data') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  caddy.stdout!.on('data', (d: Buffer) => (caddyLog += d.toString()));
  caddy.stderr!.on('data', (d: Buffer) => (caddyLog += d.toString()));
  admin = new CaddyAdmin(`localhost:${adminPort}`);
  for (let i = 0; !(await admin.ping()); i++) {
    if (i >= 100 || caddy.exitCode !== null) throw new Error(`Caddy did not start (exit ${caddy.exitCode}):\n${caddyLog}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(await throughCaddy()).toBe('200 initial');
});

afterAll(async () => {
  await admin?.close();
  if (caddy?.pid && caddy.exitCode === null) {
    const exited = once(caddy, 'exit');
    process.kill(caddy.pid, 'SIGTERM');
    const timer = setTimeout(() => caddy?.pid && process.kill(caddy.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  for (const s of apps) s.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('CaddyAdmin against a real Caddy', () => {
  it('loads a Caddyfile importing an absolute upstream.txt and reports the upstream', async () => {
    await writeFile(upstreamFile(), `to 127.0.0.1:${appPorts[0]}\n`);
    await admin.load(proxied());
    expect(await admin.upstreams('shop')).toEqual([`127.0.0.1:${appPorts[0]}`]);
    expect(await throughCaddy()).toBe('200 app-one');
  });

  it('switches to the other upstream after upstream.txt is rewritten and loaded again', async () => {
    await writeFile(upstreamFile(), `to 127.0.0.1:${appPorts[1]}\n`);
    await admin.load(proxied());
    expect(await admin.upstreams('shop')).toEqual([`127.0.0.1:${appPorts[1]}`]);
    expect(await throughCaddy()).toBe('200 app-two');
  });

  it('finds upstreams nested in subroutes (handle blocks)', async () => {
    await admin.load(
      caddyfile(
        `\thandle /api/* {\n\t\treverse_proxy 127.0.0.1:${appPorts[0]}\n\t}\n\thandle {\n\t\treverse_proxy {\n\t\t\timport ${upstreamFile()}\n\t\t}\n\t}`,
      ),
    );
    expect((await admin.upstreams('shop')).sort()).toEqual([`127.0.0.1:${appPorts[0]}`, `127.0.0.1:${appPorts[1]}`].sort());
    await admin.load(proxied());
    expect(await admin.upstreams('shop')).toEqual([`127.0.0.1:${appPorts[1]}`]);
  });

  it("reads only this app's route: the one marked `vars bg_app <app>`, else the unmarked ones", async () => {
    const site = (port: number, app: string | undefined, to: number) =>
      `:${port} {\n\thandle {\n${app ? `\t\tvars bg_app ${app}\n` : ''}\t\treverse_proxy 127.0.0.1:${to}\n\t}\n}\n`;
    const [other, legacy] = [await freePort(), await freePort()];
    const head = `{\n\tadmin localhost:${adminPort}\n}\n`;
    await admin.load(`${head}${site(sitePort, 'shop', appPorts[0])}${site(other, 'blog', appPorts[1])}`);
    expect(await admin.upstreams('shop')).toEqual([`127.0.0.1:${appPorts[0]}`]);
    expect(await admin.upstreams('blog')).toEqual([`127.0.0.1:${appPorts[1]}`]);
    // before its first setup an app has no marked route: the unmarked (legacy) site is what serves it
    await admin.load(`${head}${site(sitePort, undefined, legacy)}${site(other, 'blog', appPorts[1])}`);
    expect(await admin.upstreams('shop')).toEqual([`127.0.0.1:${legacy}`]);
    await admin.load(proxied());
  });

  it("a broken Caddyfile is refused with Caddy's message, and the old config keeps routing", async () => {
    const err = await admin.load(caddyfile('\treverse_proxy {\n\t\tnot_a_directive 1\n\t}')).then(
      () => undefined,
      (e: unknown) => e as CaddyError,
    );
    expect(err).toBeInstanceOf(CaddyError);
    expect(err!.message).toBe('Caddy refused the new config');
    expect(err!.state).toBe('Caddy keeps serving its previous config');
    expect(err!.detail).toContain('not_a_directive');
    expect(await admin.upstreams('shop')).toEqual([`127.0.0.1:${appPorts[1]}`]);
    expect(await throughCaddy()).toBe('200 app-two');
  });

  it("adapt() gives the JSON a Caddyfile would load without loading it; a clash or a missing import fails with Caddy's words", async () => {
    const before = await throughCaddy();
    const json = JSON.parse(await admin.adapt(proxied())) as { apps: { http: { servers: Record<string, { listen: string[] }> } } };
    expect(Object.values(json.apps.http.servers).map((s) => s.listen)).toEqual([[`:${sitePort}`]]);
    const clash = await admin.adapt(`${proxied()}\n:${sitePort} {\n\trespond "again"\n}\n`).catch((e: CaddyError) => e);
    expect(clash).toMatchObject({ code: 'caddy-adapt-failed', detail: `ambiguous site definition: :${sitePort}` });
    const missing = await admin
      .adapt(caddyfile(`\treverse_proxy {\n\t\timport ${join(tmp, 'no-such-upstream.txt')}\n\t}`))
      .catch((e: CaddyError) => e);
    expect((missing as CaddyError).detail).toContain('File to import not found');
    expect(await throughCaddy()).toBe(before);
  });

  it('a relative import is refused (imports must be absolute)', async () => {
    await expect(admin.load(caddyfile('\treverse_proxy {\n\t\timport upstream-relative.txt\n\t}'))).rejects.toThrow(
      'Caddy refused the new config',
    );
    expect(await throughCaddy()).toBe('200 app-two');
  });

  it('config() and loadJson() put a saved config back', async () => {
    const saved = await admin.config();
    await writeFile(upstreamFile(), `to 127.0.0.1:${appPorts[0]}\n`);
    await admin.load(proxied());
    expect(await throughCaddy()).toBe('200 app-one');
    await admin.loadJson(saved);
    expect(await admin.upstreams('shop')).toEqual([`127.0.0.1:${appPorts[1]}`]);
    expect(await throughCaddy()).toBe('200 app-two');
    await admin.load(proxied()); // upstream.txt now says app-one
    await admin.loadJson(JSON.parse(saved)); // a parsed config works too
    expect(await throughCaddy()).toBe('200 app-two');
  });

  it('an admin API that is down gives the friendly error', async () => {
    const down = new CaddyAdmin(`127.0.0.1:${await freePort()}`);
    try {
      expect(await down.ping()).toBe(false);
      const err = await down.load(proxied()).then(
        () => undefined,
        (e: unknown) => e as CaddyError,
      );
      expect(err).toBeInstanceOf(CaddyError);
      expect(err!.message).toBe(`Caddy's admin API at ${down.admin} is not answering`);
      expect(err!.next).toMatch(/^Start Caddy \(systemctl start caddy\) and make sure caddy\.admin in bg\.yml matches its admin address/);
      expect(err!.detail).toContain('ECONNREFUSED');
      await expect(down.upstreams('shop')).rejects.toBeInstanceOf(CaddyError);
    } finally {
      await down.close();
    }
  });
});
