// Helpers for integration tests running against the harness's systemd user manager (see
// global-setup.ts). The harness may shell out to `systemctl --user`; the product may not.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface Sandbox {
  runtimeDir: string; // XDG_RUNTIME_DIR of the manager
  configHome: string; // XDG_CONFIG_HOME of the manager
  busAddress: string; // its session bus, unix:path=<runtimeDir>/bus
  unitDir: string; // <configHome>/systemd/user: unit files go here
  tmpRoot: string; // scratch space for this test run (removed at teardown)
  managerPid?: number; // set when the harness started the manager (and will stop it)
}

declare module 'vitest' {
  interface ProvidedContext {
    sandbox: Sandbox;
  }
}

const run = promisify(execFile);

/** `base` plus the variables that point a child process (or Systemd.connect('user', env)) at the sandbox. */
// The CLI's caches (src/startup/cache-dir.ts) go in the run's temp dir, not in ~/.cache.
export function sandboxEnv(sb: Sandbox, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    XDG_RUNTIME_DIR: sb.runtimeDir,
    XDG_CONFIG_HOME: sb.configHome,
    DBUS_SESSION_BUS_ADDRESS: sb.busAddress,
    BG_CACHE_DIR: `${sb.tmpRoot}/cache`,
  };
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}

/** `n` distinct free ports (all held open until every one is bound, so none repeats). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      servers.push(srv);
      await new Promise<void>((res, rej) => srv.once('error', rej).listen(0, '127.0.0.1', () => res()));
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  }
}

export async function systemctl(sb: Sandbox, ...args: string[]): Promise<string> {
  const { stdout } = await run('systemctl', ['--user', ...args], { env: sandboxEnv(sb), timeout: 60_000 });
  return stdout;
}

/** Where the units made by the helpers below append their stdout/stderr. */
export const unitLog = (sb: Sandbox, name: string) => join(sb.tmpRoot, 'logs', `${name}.log`);

/** Writes `<unitDir>/<name>` and runs daemon-reload. */
export async function installUnit(sb: Sandbox, name: string, text: string): Promise<string> {
  await mkdir(sb.unitDir, { recursive: true });
  await mkdir(join(sb.tmpRoot, 'logs'), { recursive: true });
  const path = join(sb.unitDir, name);
  await writeFile(path, text);
  await systemctl(sb, 'daemon-reload');
  return path;
}

/** installUnit + start; throws with the unit's status and log when the start fails. */
export async function startService(sb: Sandbox, name: string, text: string): Promise<void> {
  await installUnit(sb, name, text);
  try {
    await systemctl(sb, 'start', name);
  } catch (err) {
    const status = await systemctl(sb, 'status', '--no-pager', name).catch((e: { stdout?: string }) => e.stdout ?? '');
    const log = await readFile(unitLog(sb, name), 'utf8').catch(() => '(no log)');
    throw new Error(`starting ${name} failed: ${(err as Error).message}\n${status}\n--- log ---\n${log.slice(-3000)}`);
  }
}

/** Stops `name` if it is loaded, and clears a failed state; never throws for a unit that is not there. */
export async function stopService(sb: Sandbox, name: string): Promise<void> {
  await systemctl(sb, 'stop', name).catch(() => undefined);
  await systemctl(sb, 'reset-failed', name).catch(() => undefined);
}

const logLines = (sb: Sandbox, name: string) => `StandardOutput=append:${unitLog(sb, name)}\nStandardError=append:${unitLog(sb, name)}\n`;

export interface CaddyUnit {
  name: string;
  admin: string;
  home: string; // XDG_CONFIG_HOME / XDG_DATA_HOME / HOME of that Caddy
}

/**
 * Runs Caddy with `caddyfile` as user unit `name`. The Caddyfile must set `admin <admin>` in
 * its global options; resolves once the admin API answers there.
 */
export async function startCaddyUnit(sb: Sandbox, o: { name: string; caddyfile: string; admin: string }): Promise<CaddyUnit> {
  const home = join(sb.tmpRoot, 'caddy-home', o.name);
  await mkdir(home, { recursive: true });
  const adapter = `--config ${o.caddyfile} --adapter caddyfile`;
  await startService(
    sb,
    o.name,
    `[Unit]
Description=Caddy for bg tests
[Service]
Type=notify
Environment=XDG_CONFIG_HOME=${home} XDG_DATA_HOME=${home} HOME=${home}
WorkingDirectory=${home}
ExecStart=/usr/bin/caddy run --environ ${adapter}
ExecReload=/usr/bin/caddy reload ${adapter} --force --address ${o.admin}
TimeoutStopSec=10s
KillMode=mixed
${logLines(sb, o.name)}`,
  );
  await waitFor(`Caddy admin API on ${o.admin} (unit ${o.name})`, sb, o.name, async () => {
    const res = await fetch(`http://${o.admin}/config/`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok;
  });
  return { name: o.name, admin: o.admin, home };
}

/** Runs a throwaway redis-server (no persistence) on 127.0.0.1:`port` as user unit `name`. */
export async function startRedisUnit(sb: Sandbox, o: { name: string; port: number }): Promise<void> {
  const dir = join(sb.tmpRoot, 'redis', o.name);
  await mkdir(dir, { recursive: true });
  await startService(
    sb,
    o.name,
    `[Unit]
Description=Redis for bg tests
[Service]
WorkingDirectory=${dir}
ExecStart=/usr/bin/redis-server --port ${o.port} --bind 127.0.0.1 --save '' --appendonly no --daemonize no
${logLines(sb, o.name)}`,
  );
  await waitFor(`redis PING on 127.0.0.1:${o.port} (unit ${o.name})`, sb, o.name, () => redisPing(o.port));
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let got = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}

/** Polls `probe` every 50 ms for up to `timeoutMs`; throws with the unit's log when it never passes. */
async function waitFor(what: string, sb: Sandbox, unit: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = await readFile(unitLog(sb, unit), 'utf8').catch(() => '(no log)');
  throw new Error(`${what} did not answer within ${timeoutMs} ms\n--- log ---\n${log.slice(-3000)}`);
}
