// What the benchmarks that run in a private systemd user manager (scripts/bench-lib.sh) share: free
// loopback ports, and a Caddy unit in that manager, started and waited for on its admin API.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** n loopback ports that were free a moment ago. */
export async function freePorts(n) {
  const servers = [];
  for (let i = 0; i < n; i++) {
    const s = createServer();
    servers.push(s);
    await new Promise((res, rej) => s.once('error', rej).listen(0, '127.0.0.1', res));
  }
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * Caddy as the user unit `name` on `caddyfile` (its home under `home`, its log in `logDir`), started
 * with `systemctl` (the manager's); resolves once its admin API (`admin`, host:port) answers.
 */
export async function startCaddyUnit({ name, caddyfile, admin, home, logDir, systemctl }) {
  mkdirSync(home, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const unitDir = `${process.env.XDG_CONFIG_HOME}/systemd/user`;
  mkdirSync(unitDir, { recursive: true });
  const adapter = `--config ${caddyfile} --adapter caddyfile`;
  const log = `${logDir}/${name}.log`;
  writeFileSync(
    `${unitDir}/${name}`,
    `[Unit]\nDescription=Caddy for a bg benchmark\n[Service]\nType=notify\n` +
      `Environment=XDG_CONFIG_HOME=${home} XDG_DATA_HOME=${home} HOME=${home}\nWorkingDirectory=${home}\n` +
      `ExecStart=/usr/bin/caddy run --environ ${adapter}\n` +
      `ExecReload=/usr/bin/caddy reload ${adapter} --force --address ${admin}\n` +
      `TimeoutStopSec=10s\nKillMode=mixed\nStandardOutput=append:${log}\nStandardError=append:${log}\n`,
  );
  systemctl('daemon-reload');
  systemctl('start', name);
  for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    try {
      const res = await fetch(`http://${admin}/config/`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {}
  }
  throw new Error(`Caddy admin API on ${admin} did not answer within 10 s; see ${log}`);
}
