// Counts TCP connections to a local port by reading /proc/net/tcp{,6}: the drain gate. Draining
// means the old color's port has no established connections left (requests still queued in the
// listen backlog are established too and would die with the listener), so this counts sockets,
// not requests. Same data as `ss -tn state established`, without a child process per poll.
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Endpoint {
  addr: string;
  port: number;
}
export interface TcpSocket {
  local: Endpoint;
  remote: Endpoint;
  state: number; // 1 = ESTABLISHED, 10 = LISTEN (see include/net/tcp_states.h)
}

export const TCP_ESTABLISHED = 0x01;
export const TCP_LISTEN = 0x0a;

// The kernel prints each 32-bit word of the address in host byte order.
function wordBytes(hex8: string): number[] {
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex8.slice(i, i + 2), 16));
  return endianness() === 'LE' ? bytes.reverse() : bytes;
}

function ipv6Text(bytes: number[]): string {
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups = [0, 2, 4, 6, 8, 10, 12, 14].map((i) => ((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // Compress the longest run of zero groups (length >= 2) into '::'.
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { start: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.len < 2) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.len).join(':')}`;
}

function parseEndpoint(field: string): Endpoint {
  const [hexAddr = '', hexPort = ''] = field.split(':');
  const port = parseInt(hexPort, 16);
  if (hexAddr.length === 8) return { addr: wordBytes(hexAddr).join('.'), port };
  if (hexAddr.length === 32) {
    const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hexAddr.slice(i, i + 8)));
    return { addr: ipv6Text(bytes), port };
  }
  throw new Error(`unexpected address field in /proc/net/tcp: ${field}`);
}

/** Parses the text of /proc/net/tcp or /proc/net/tcp6 (header line skipped). */
export function parseProcNetTcp(text: string): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !/^\d+:$/.test(f[0]!)) continue; // header or blank
    sockets.push({ local: parseEndpoint(f[1]!), remote: parseEndpoint(f[2]!), state: parseInt(f[3]!, 16) });
  }
  return sockets;
}

export const isLoopback = (addr: string) =>
  addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.');

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
    if (s.state !== TCP_ESTABLISHED) continue;
    if (s.local.port === port) conns.add(key(normalize(s.local), normalize(s.remote)));
    else if (s.remote.port === port && isLoopback(s.remote.addr)) conns.add(key(normalize(s.remote), normalize(s.local)));
  }
  return conns.size;
}

async function readTable(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ''; // e.g. tcp6 with IPv6 disabled
    throw err;
  }
}

async function readAll(): Promise<TcpSocket[]> {
  const [v4, v6] = await Promise.all([readTable('/proc/net/tcp'), readTable('/proc/net/tcp6')]);
  return [...parseProcNetTcp(v4), ...parseProcNetTcp(v6)];
}

/** Established TCP connections to local `port` right now. */
export async function countEstablished(port: number): Promise<number> {
  return establishedTo(await readAll(), port);
}

/** Which of `ports` something listens on now (any address), in the order given. */
export async function listeningOn(ports: number[]): Promise<number[]> {
  const sockets = await readAll();
  const listening = new Set(sockets.filter((s) => s.state === TCP_LISTEN).map((s) => s.local.port));
  return ports.filter((p) => listening.has(p));
}

/** Polls until no connection to `port` is left or `maxMs` has passed. Aborting rejects with the signal's reason. */
export async function waitDrained(
  port: number,
  opts: { maxMs: number; pollMs?: number; signal?: AbortSignal },
): Promise<{ drained: boolean; ms: number; left: number }> {
  const pollMs = opts.pollMs ?? 20;
  const start = performance.now();
  for (;;) {
    opts.signal?.throwIfAborted();
    const left = await countEstablished(port);
    const ms = Math.round(performance.now() - start);
    if (left === 0) return { drained: true, ms, left };
    if (ms >= opts.maxMs) return { drained: false, ms, left };
    await sleep(Math.min(pollMs, Math.max(1, opts.maxMs - ms)), undefined, { signal: opts.signal }).catch((err) => {
      opts.signal?.throwIfAborted(); // reject with the caller's reason, not a generic AbortError
      throw err;
    });
  }
}
