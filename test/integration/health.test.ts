import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { probe, waitHealthy } from '../../src/adapters/health.js';
import { HealthError } from '../../src/errors.js';
import { freePort } from '../harness/sandbox.js';

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function serve(port: number, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function healthErrorOf(p: Promise<unknown>): Promise<HealthError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HealthError);
  return err as HealthError;
}

const base = { path: '/health/', intervalMs: 50, timeoutMs: 1000, retries: 40, expect: 200 };

describe('waitHealthy', () => {
  it('passes as soon as an app that boots after ~300 ms answers', async () => {
    const port = await freePort();
    const order: string[] = [];
    const app = (_q: IncomingMessage, r: ServerResponse) => {
      order.push('request');
      r.end('ok');
    };
    const booting = new Promise<void>((resolve) =>
      setTimeout(
        () =>
          void serve(port, app).then(() => {
            order.push('listening');
            resolve();
          }),
        300,
      ),
    );
    const r = await waitHealthy({ ...base, port });
    order.push('healthy');
    await booting;
    expect(r.status).toBe(200);
    expect(r.tries).toBeGreaterThan(1); // connection refused first
    expect(r.ms).toBeGreaterThanOrEqual(280);
    // the first try after the app came up passed, and waitHealthy returned on it
    expect(order).toEqual(['listening', 'request', 'healthy']);
  });

  it('fails after exactly `retries` tries with the last status and body in detail', async () => {
    let hits = 0;
    const port = await serve(0, (_q, r) => {
      hits++;
      r.statusCode = 500;
      r.end(`boom ${hits}: ${'x'.repeat(1000)}`);
    });
    const err = await healthErrorOf(waitHealthy({ ...base, port, retries: 4, intervalMs: 20 }));
    expect(hits).toBe(4);
    expect(err.message).toBe(`Health check never passed: GET http://127.0.0.1:${port}/health/`);
    expect(err.detail).toContain('4 tries');
    expect(err.detail).toContain('last response: HTTP 500: boom 4: xxx');
    expect(err.detail!.length).toBeLessThan(300 + 120); // body cut to 300 bytes
    expect(err.code).toBe('health-gate');
  });

  it('ends after `failAfter` 5xx answers in a row, long before `retries`, without the HTML error page', async () => {
    let hits = 0;
    const port = await serve(0, (_q, r) => {
      hits++;
      r.statusCode = 500;
      r.setHeader('content-type', 'text/html');
      r.end('<!DOCTYPE html><html><head><title>Server Error (500)</title></head><body>x</body></html>');
    });
    const err = await healthErrorOf(waitHealthy({ ...base, port, retries: 100_000, intervalMs: 10, failAfter: 5 }));
    expect(hits).toBe(5);
    expect(err.code).toBe('health-failing');
    expect(err.message).toBe(`The app answered HTTP 500 5 times in a row: GET http://127.0.0.1:${port}/health/`);
    expect(err.detail).toContain('last response: HTTP 500: (an HTML page, not shown)');
    expect(err.detail).not.toContain('DOCTYPE');
  });

  it('counts every answer other than `expect` (a 404 as much as a 503); a refused connection waits out `retries`', async () => {
    let hits = 0;
    const port = await serve(0, (_q, r) => {
      hits++;
      r.statusCode = hits % 2 === 0 ? 404 : 503;
      r.end('no');
    });
    const err = await healthErrorOf(waitHealthy({ ...base, port, retries: 12, intervalMs: 5, failAfter: 3 }));
    expect(hits).toBe(3);
    expect(err.code).toBe('health-failing');
    expect(err.message).toBe(`The app answered other than HTTP 200 (503, 404) 3 times in a row: GET http://127.0.0.1:${port}/health/`);
    let notFound = 0;
    const missing = await serve(0, (_q, r) => {
      notFound++;
      r.statusCode = 404;
      r.end('Not Found');
    });
    const err404 = await healthErrorOf(waitHealthy({ ...base, port: missing, retries: 100, intervalMs: 5, failAfter: 4 }));
    expect(notFound).toBe(4);
    expect(err404.message).toBe(`The app answered HTTP 404 4 times in a row: GET http://127.0.0.1:${missing}/health/`);
    const refused = await freePort(); // nothing listens: refused connections wait out `retries`
    const err2 = await healthErrorOf(waitHealthy({ ...base, port: refused, retries: 6, intervalMs: 5, failAfter: 2 }));
    expect(err2.detail).toContain('6 tries');
  });

  it('fails at once when `alive` reports the unit died', async () => {
    let hits = 0;
    const port = await serve(0, (_q, r) => {
      hits++;
      r.statusCode = 503;
      r.end('starting');
    });
    let checks = 0;
    const alive = async () => (++checks >= 2 ? 'shop-web-green.service exited: status=3' : undefined);
    const err = await healthErrorOf(waitHealthy({ ...base, port, retries: 50, intervalMs: 100, alive }));
    expect(err.message).toBe('shop-web-green.service exited: status=3');
    expect(hits).toBeLessThan(3);
    // stopped at the check that saw the unit dead, before that try's request
    expect(checks).toBe(2);
    expect(hits).toBe(1);
    expect(err.detail).toContain('try 2;');
  });

  it('sends the configured Host header and accepts another expected status', async () => {
    const hosts: Array<string | undefined> = [];
    const port = await serve(0, (q, r) => {
      hosts.push(q.headers.host);
      r.statusCode = q.headers.host === 'shop.example.com' ? 204 : 400; // like Django's ALLOWED_HOSTS
      r.end();
    });
    const r = await waitHealthy({ ...base, port, host: 'shop.example.com', expect: 204 });
    expect(r).toMatchObject({ tries: 1, status: 204 });
    expect(hosts).toEqual(['shop.example.com']);
    const err = await healthErrorOf(waitHealthy({ ...base, port, retries: 1 }));
    expect(err.message).toBe(`Health check never passed: GET http://127.0.0.1:${port}/health/`);
    expect(err.detail).toContain('HTTP 400');
    const withHost = await healthErrorOf(waitHealthy({ ...base, port, host: 'evil.example', expect: 204, retries: 1 }));
    expect(withHost.message).toBe(`Health check never passed: GET http://127.0.0.1:${port}/health/ (Host: evil.example)`);
  });

  it('bounds each try by timeoutMs on a server that never answers', async () => {
    let hits = 0;
    const order: string[] = [];
    const closed: Promise<unknown>[] = [];
    const port = await serve(0, (q) => {
      hits++; // never responds
      order.push(`request ${hits}`);
      const n = hits;
      closed.push(once(q.socket, 'close').then(() => order.push(`closed ${n}`)));
    });
    const started = performance.now();
    const err = await healthErrorOf(waitHealthy({ ...base, port, timeoutMs: 200, retries: 3, intervalMs: 20 }));
    const ms = performance.now() - started;
    await Promise.all(closed); // the client gave up on every try (the server never would)
    expect(hits).toBe(3);
    expect(ms).toBeGreaterThanOrEqual(3 * 200 - 20);
    // each try was abandoned before the next one started
    expect(order).toEqual(['request 1', 'closed 1', 'request 2', 'closed 2', 'request 3', 'closed 3']);
    expect(err.detail).toContain('last error: no complete response within 200 ms');
  });

  it('reports connection refused when nothing listens', async () => {
    const port = await freePort();
    const err = await healthErrorOf(waitHealthy({ ...base, port, retries: 2, intervalMs: 10 }));
    expect(err.detail).toContain('connection refused');
  });

  it('rejects with the abort reason when the deploy is interrupted', async () => {
    const port = await freePort();
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('SIGINT')), 100);
    await expect(waitHealthy({ ...base, port, intervalMs: 30, signal: ac.signal })).rejects.toThrow('SIGINT');
  });
});

describe('probe', () => {
  it('returns status and body, or an error, for one try', async () => {
    const port = await serve(0, (q, r) => r.end(`path=${q.url}`));
    expect(await probe({ port, path: '/a?b=1', timeoutMs: 1000 })).toEqual({ status: 200, body: 'path=/a?b=1' });
    const closed = await freePort();
    const r = await probe({ port: closed, path: '/', timeoutMs: 1000 });
    expect(r).toHaveProperty('error');
  });
});
