import { Pool, request } from 'undici';

export interface LoopResult {
  sent: number;
  ok: number;
  failed: number;
  failures: string[];
  bodies: Map<string, number>; // what the app answered, counted
  maintenance: number; // 503 with Retry-After, counted apart only with `maintenanceOk`
  disconnects: number; // keepAlive: pooled connections that closed (Caddy closes idle ones at each config load)
}

// A request loop through Caddy, bounded in count and time. Each request opens its own connection
// (reset: true): Caddy closes idle keep-alive client connections at every config load, and a client
// reusing one at that instant sees a reset before any response byte (docs/measurements.md) — a client-side race
// browsers retry, not a failed request of ours. scripts/bench.sh measures keep-alive with wrk.
// keepAlive: one pool of `concurrency` connections reused for every request instead (the socket
// switch reloads nothing, so nothing closes them; any reset is a failure).
// maintenanceOk: a 503 carrying Retry-After (Caddy's maintenance answer, inside a schema window) is not a failure
export function startLoop(
  url: string,
  opts: { concurrency?: number; maxRequests?: number; maxMs?: number; keepAlive?: boolean; maintenanceOk?: boolean } = {},
) {
  const { concurrency = 4, maxRequests = 20_000, maxMs = 60_000, maintenanceOk = false } = opts;
  const pool = opts.keepAlive ? new Pool(new URL(url).origin, { connections: concurrency, keepAliveTimeout: 120_000 }) : undefined;
  pool?.on('disconnect', () => {
    if (!stopping) result.disconnects++;
  });
  const result: LoopResult = { sent: 0, ok: 0, failed: 0, failures: [], bodies: new Map(), disconnects: 0, maintenance: 0 };
  let stopping = false;
  const deadline = Date.now() + maxMs;
  const worker = async () => {
    while (!stopping && result.sent < maxRequests && Date.now() < deadline) {
      result.sent++;
      try {
        const res = await request(url, {
          ...(pool ? { dispatcher: pool } : { reset: true }),
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        const body = await res.body.text();
        if (res.statusCode === 200) {
          result.ok++;
          result.bodies.set(body, (result.bodies.get(body) ?? 0) + 1);
        } else if (maintenanceOk && res.statusCode === 503 && res.headers['retry-after']) {
          result.maintenance++;
        } else {
          result.failed++;
          if (result.failures.length < 20) result.failures.push(`${res.statusCode} ${body.slice(0, 120)}`);
        }
      } catch (e) {
        result.failed++;
        if (result.failures.length < 20) result.failures.push(String((e as Error).message ?? e));
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    result,
    async stop(): Promise<LoopResult> {
      stopping = true;
      await Promise.all(workers);
      await pool?.close();
      return result;
    },
  };
}
