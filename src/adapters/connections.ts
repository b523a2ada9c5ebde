// Counts TCP connections to a local port (or, with the socket switch, to a unix socket): the drain gate. Draining means the old color's port has
// no established connections left (requests still queued in the listen backlog are established
// too and would die with the listener), so this counts sockets, not requests. It asks the kernel
// through `ss` with a port filter (sock_diag): /proc/net/tcp lists every socket, and on a busy host
// tens of thousands of TIME_WAIT lines follow a load test (docs/measurements.md).
import { setTimeout as sleep } from 'node:timers/promises';
import { ssEstablishedArgs, ssListeningArgs, ssUnixArgs } from '../render/argv/system.js';
import { readProcess } from './process.js';

export interface Endpoint {
  addr: string;
  port: number;
}
export interface TcpSocket {
  local: Endpoint;
  remote: Endpoint;
  state: 'established' | 'listen';
}

function parseEndpoint(field: string): Endpoint {
  const i = field.lastIndexOf(':');
  let addr = field.slice(0, i);
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  addr = addr.replace(/%.*$/, ''); // interface suffix (127.0.0.1%lo)
  const port = field.slice(i + 1);
  return { addr, port: port === '*' ? 0 : Number(port) };
}

/** Parses `ss -Htn` output (with or without a State column): the last two fields are local and peer. */
export function parseSs(text: string, state: TcpSocket['state']): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    sockets.push({ local: parseEndpoint(f[f.length - 2]!), remote: parseEndpoint(f[f.length - 1]!), state });
  }
  return sockets;
}

export const isLoopback = (addr: string) => addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.');

// The same connection can appear as 127.0.0.1 on one side and ::ffff:127.0.0.1 on the other.
const normalize = (e: Endpoint): Endpoint => (e.addr.startsWith('::ffff:') ? { ...e, addr: e.addr.slice(7) } : e);

/**
 * Established connections to `port`, each counted once: server-side sockets (local port ==
 * port), plus client-side sockets to a loopback `port` whose server side we did not see.
 */
export function establishedTo(sockets: TcpSocket[], port: number): number {
  const key = (server: Endpoint, client: Endpoint) => `${server.addr}|${server.port}|${client.addr}|${client.port}`;
  const conns = new Set<string>();
  for (const s of sockets) {
    if (s.state !== 'established') continue;
    if (s.local.port === port) conns.add(key(normalize(s.local), normalize(s.remote)));
    else if (s.remote.port === port && isLoopback(s.remote.addr)) conns.add(key(normalize(s.remote), normalize(s.local)));
  }
  return conns.size;
}

async function ss(args: string[]): Promise<string> {
  const r = await readProcess('ss', args, { timeoutMs: 5000 });
  if (!r.ok) throw new Error(r.error?.message ?? `Command failed: ss ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

/** Established TCP connections to local `port` right now. */
export async function countEstablished(port: number): Promise<number> {
  const text = await ss(ssEstablishedArgs(port));
  return establishedTo(parseSs(text, 'established'), port);
}

/**
 * Connections to the unix socket at `path` right now: the accepted ones (`ss -x` names the socket's
 * path as their local address) plus those still queued on the listener (its Recv-Q).
 */
export function unixConnectionsTo(text: string, path: string): number {
  let n = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[4] !== path) continue;
    if (f[1] === 'ESTAB') n++;
    else if (f[1] === 'LISTEN') n += Number(f[2]) || 0;
  }
  return n;
}

async function countUnixConnections(path: string): Promise<number> {
  return unixConnectionsTo(await ss(ssUnixArgs(path)), path);
}

/** Which of `ports` something listens on now (any address), in the order given. */
export async function listeningOn(ports: number[]): Promise<number[]> {
  const text = await ss(ssListeningArgs(ports));
  const listening = new Set(parseSs(text, 'listen').map((s) => s.local.port));
  return ports.filter((p) => listening.has(p));
}

/**
 * Polls until no connection to `port` has been seen for `quietMs` (two readings of zero that far
 * apart), or `maxMs` has passed. Aborting rejects with the signal's reason.
 *
 * Why a quiet period: Caddy's previous config keeps serving the requests its old listener accepted
 * before the reload, and such a request opens its upstream connection only after Caddy has read it.
 * A single zero reading taken in that gap would let the old Gunicorn go with a request on its way.
 */
export async function waitDrained(
  target: number | string, // a port, or the path of a unix socket (the socket switch)
  opts: { maxMs: number; pollMs?: number; quietMs?: number; signal?: AbortSignal },
): Promise<{ drained: boolean; ms: number; left: number }> {
  const pollMs = opts.pollMs ?? 20;
  const quietMs = opts.quietMs ?? 40;
  const start = performance.now();
  let quietSince: number | undefined;
  for (;;) {
    opts.signal?.throwIfAborted();
    const left = typeof target === 'number' ? await countEstablished(target) : await countUnixConnections(target);
    const now = performance.now();
    const ms = Math.round(now - start);
    if (left > 0) quietSince = undefined;
    else if (quietSince === undefined) quietSince = now;
    if (quietSince !== undefined && now - quietSince >= quietMs) return { drained: true, ms, left };
    if (ms >= opts.maxMs) return { drained: left === 0, ms, left };
    const wait = quietSince !== undefined ? quietMs - (now - quietSince) : pollMs;
    await sleep(Math.max(1, Math.min(wait, opts.maxMs - ms)), undefined, { signal: opts.signal }).catch((err) => {
      opts.signal?.throwIfAborted(); // reject with the caller's reason, not a generic AbortError
      throw err;
    });
  }
}
