// The health gate: polls http://127.0.0.1:<port><path> until it answers the expected status.
// The start job ends once Gunicorn has bound its port (Type=notify); whether the app behind it
// answers (its database, its settings) is for this gate alone to decide before a color takes traffic. Each try uses a fresh connection (no keep-alive), so a stale socket
// to a previous process on the same port can never answer for the new one.
import { setTimeout as sleep } from 'node:timers/promises';
import { HealthError } from '../errors.js';
import { useBaselineWasmCompiler } from '../startup/wasm-flags.js';

// undici is loaded on first use, not with the deploy bundle: its module setup would delay every
// command (docs/measurements.md). Callers warm it while they wait anyway (a start job), see steps/actions.ts.
let undici: Promise<typeof import('undici')> | undefined;
export const loadHttpClient = (): Promise<typeof import('undici')> => {
  if (!undici) {
    useBaselineWasmCompiler();
    undici = import('undici');
  }
  return undici;
};

export interface ProbeOptions {
  port: number;
  socketPath?: string; // the socket switch: the color's Gunicorn socket instead of its port
  path: string;
  host?: string; // Host header (Django's ALLOWED_HOSTS may reject 127.0.0.1)
  timeoutMs: number; // per try: connect + headers + body
  signal?: AbortSignal;
}

export interface HealthOptions extends ProbeOptions {
  intervalMs: number;
  retries: number; // max tries
  expect: number; // expected status
  /** Consecutive answers other than `expect` that end the gate at once: the app is up and answers wrong. Timeouts and refused connections never count. */
  failAfter?: number;
  /** Returns a reason when the unit has died, so the gate fails at once instead of waiting out its budget. */
  alive?: () => Promise<string | undefined>;
}

export type ProbeResult = { status: number; body: string } | { error: string };

const BODY_KEEP = 300;

export const describeTarget = (o: Pick<ProbeOptions, 'port' | 'path' | 'host' | 'socketPath'>) =>
  `GET ${o.socketPath ? `${o.path} on unix:${o.socketPath}` : `http://127.0.0.1:${o.port}${o.path}`}${o.host ? ` (Host: ${o.host})` : ''}`;

function errorText(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    return `no complete response within ${timeoutMs} ms`;
  }
  const code = e.code ?? e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (nothing listening yet)';
  if (code === 'ENOENT') return 'no socket yet (nothing listening yet)';
  return e.message ?? e.cause?.message ?? String(err);
}

/** One health request. Rejects only when `signal` aborts; every other failure is a result. */
export async function probe(opts: ProbeOptions): Promise<ProbeResult> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const { request, Agent } = await loadHttpClient();
  const dispatcher = opts.socketPath ? new Agent({ connect: { socketPath: opts.socketPath } }) : undefined;
  try {
    // through a socket too: the same URL, so the same Host header as the port switch sends
    const res = await request(`http://127.0.0.1:${opts.port}${opts.path}`, {
      method: 'GET',
      headers: opts.host ? { host: opts.host } : {},
      ...(dispatcher && { dispatcher }),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      reset: true,
      signal,
    });
    // Read the whole body (so the connection closes cleanly) but keep only its start.
    const kept: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (size < BODY_KEEP) kept.push(chunk.subarray(0, BODY_KEEP - size));
      size += chunk.length;
    }
    return { status: res.statusCode, body: Buffer.concat(kept).toString('utf8') };
  } catch (err) {
    opts.signal?.throwIfAborted();
    return { error: errorText(err, opts.timeoutMs) };
  } finally {
    dispatcher?.destroy().catch(() => undefined);
  }
}

// An HTML error page (Django's, Werkzeug's) says nothing the app's own log does not say better.
const isHtml = (body: string) => /^\s*<(!doctype|html|head|body|title)\b/i.test(body);
const bodyText = (body: string) => (!body ? '' : isHtml(body) ? ': (an HTML page, not shown)' : `: ${body}`);

const describeResult = (r: ProbeResult) => ('error' in r ? `last error: ${r.error}` : `last response: HTTP ${r.status}${bodyText(r.body)}`);

/** Polls until the expected status, `retries` tries at most; throws HealthError otherwise. */
export async function waitHealthy(opts: HealthOptions): Promise<{ tries: number; ms: number; status: number }> {
  const start = performance.now();
  const elapsed = () => Math.round(performance.now() - start);
  let last: ProbeResult | undefined;
  let failing = 0; // answers other than the expected status in a row: an app that answers is up, and keeps answering so
  const seen = new Set<number>(); // the statuses of those answers
  for (let tries = 1; tries <= opts.retries; tries++) {
    opts.signal?.throwIfAborted();
    const dead = await opts.alive?.();
    if (dead) {
      throw new HealthError(dead, {
        code: 'unit-died',
        detail: `while waiting for ${describeTarget(opts)}, try ${tries}${last ? `; ${describeResult(last)}` : ''}`,
      });
    }
    last = await probe(opts);
    if (!('error' in last) && last.status === opts.expect) return { tries, ms: elapsed(), status: last.status };
    if ('error' in last) {
      failing = 0;
      seen.clear();
    } else {
      failing++;
      seen.add(last.status);
    }
    if (opts.failAfter !== undefined && failing >= opts.failAfter) {
      const what = seen.size === 1 ? `HTTP ${[...seen][0]}` : `other than HTTP ${opts.expect} (${[...seen].join(', ')})`;
      throw new HealthError(`The app answered ${what} ${failing} times in a row: ${describeTarget(opts)}`, {
        code: 'health-failing',
        detail: `${tries} tries in ${elapsed()} ms, expected HTTP ${opts.expect}; ${describeResult(last)}`,
      });
    }
    if (tries < opts.retries) {
      await sleep(opts.intervalMs, undefined, { signal: opts.signal }).catch((err) => {
        opts.signal?.throwIfAborted(); // reject with the caller's reason
        throw err;
      });
    }
  }
  throw new HealthError(`Health check never passed: ${describeTarget(opts)}`, {
    detail: `${opts.retries} tries in ${elapsed()} ms, expected HTTP ${opts.expect}; ${last ? describeResult(last) : 'no try made'}`,
  });
}
