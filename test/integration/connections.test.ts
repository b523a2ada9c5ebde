import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { countEstablished, listeningOn, waitDrained } from '../../src/adapters/connections.js';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function holdingServer(): Promise<{ server: Server; port: number; held: ServerResponse[]; arrived: () => number }> {
  const held: ServerResponse[] = [];
  let arrived = 0;
  const server = createServer((_req, res) => {
    arrived++;
    held.push(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { server, port: (server.address() as AddressInfo).port, held, arrived: () => arrived };
}

async function until(cond: () => boolean | Promise<boolean>, what: string, maxMs = 5000): Promise<void> {
  const end = Date.now() + maxMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('countEstablished / waitDrained', () => {
  it('counts in-flight requests once each and reaches 0 after they finish', async () => {
    const { port, held, arrived } = await holdingServer();
    expect(await countEstablished(port)).toBe(0);

    const inflight = [1, 2, 3].map(() =>
      request(`http://127.0.0.1:${port}/slow`, { reset: true }).then(async (r) => {
        await r.body.text();
        return r.statusCode;
      }),
    );
    await until(() => arrived() === 3, '3 requests at the server');
    expect(await countEstablished(port)).toBe(3);

    const notYet = await waitDrained(port, { maxMs: 100, pollMs: 20 });
    expect(notYet.drained).toBe(false);
    expect(notYet.left).toBe(3);
    expect(notYet.ms).toBeGreaterThanOrEqual(100);
    expect(notYet.ms).toBeLessThan(5000); // it gives up at maxMs, not at the next reading

    const draining = waitDrained(port, { maxMs: 5000, pollMs: 10 });
    for (const res of held) res.end('ok');
    expect(await Promise.all(inflight)).toEqual([200, 200, 200]);
    const done = await draining;
    expect(done).toMatchObject({ drained: true, left: 0 });
    expect(await countEstablished(port)).toBe(0);
  });

  it('waits for a quiet period: a connection opened right after a zero reading keeps it waiting', async () => {
    // Caddy's old config dials the old color only after it has read a request it accepted before the reload.
    const { port, held, arrived } = await holdingServer();
    let resolvedAt = 0;
    const draining = waitDrained(port, { maxMs: 10_000, quietMs: 1500 }).then((r) => {
      resolvedAt = performance.now();
      return r;
    });
    await new Promise((r) => setTimeout(r, 50)); // the first reading (zero) is behind us
    const late = request(`http://127.0.0.1:${port}/slow`, { reset: true }).then((r) => r.body.text());
    await until(() => arrived() === 1, 'the late request at the server');
    await new Promise((r) => setTimeout(r, 2000)); // longer than quietMs
    expect(resolvedAt).toBe(0); // still waiting while the late request is open
    held[0]!.end('ok');
    await late;
    const finishedAt = performance.now();
    const done = await draining;
    expect(done.drained).toBe(true);
    expect(resolvedAt).toBeGreaterThan(finishedAt);
  });

  it('counts connections still waiting in the listen backlog (never accepted)', async () => {
    // A listener that never calls accept(): the kernel completes the handshakes and queues them.
    const py = spawn(
      '/usr/bin/python3',
      [
        '-c',
        "import socket,sys,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(16)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)",
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ) as ChildProcess;
    cleanups.push(() => py.pid && process.kill(py.pid, 'SIGKILL'));
    const [line] = (await once(py.stdout!, 'data')) as [Buffer];
    const port = Number(line.toString().trim());
    expect(port).toBeGreaterThan(0);

    const clients: Socket[] = [];
    for (let i = 0; i < 2; i++) {
      const sock = connect(port, '127.0.0.1');
      await once(sock, 'connect');
      clients.push(sock);
    }
    cleanups.push(() => {
      for (const c of clients) c.destroy();
    });
    await until(async () => (await countEstablished(port)) === 2, 'two backlog connections counted');
    for (const c of clients) c.destroy();
    const done = await waitDrained(port, { maxMs: 5000 });
    expect(done.drained).toBe(true);
  });

  it('listeningOn reports which ports have a listener', async () => {
    const { port } = await holdingServer();
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const freePort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    expect(await listeningOn([freePort, port])).toEqual([port]);
  });

  it('stops when aborted', async () => {
    const { port } = await holdingServer();
    const pending = request(`http://127.0.0.1:${port}/`, { reset: true }).catch(() => undefined);
    await until(async () => (await countEstablished(port)) === 1, 'one connection');
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(new Error('deploy interrupted')), 50);
    await expect(waitDrained(port, { maxMs: 10_000, signal: ac.signal })).rejects.toThrow('deploy interrupted');
    expect(Date.now() - started).toBeLessThan(8000); // well before maxMs
    void pending;
  });
});
