import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT, type Container } from '../harness/container.js';
import { type App, makeApp } from './app-host.js';

// The websocket and long-stream cases of both switches, on the container `boot` gives: Debian 12
// (websocket-switch.test.ts) and Debian 13 (test/trixie/websocket-switch.test.ts).
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `done` every 100 ms; throws after `maxMs` (a guard against a hang, not a timing claim). */
async function until(done: () => Promise<boolean>, what: string, maxMs = 60_000): Promise<void> {
  for (const end = Date.now() + maxMs; Date.now() < end; await sleep(100)) if (await done()) return;
  throw new Error(`waited ${maxMs} ms for ${what}`);
}

interface WsResult {
  echoed: number;
  versions: Record<string, number>;
  closedBy: 'client' | 'server' | 'dropped' | null;
  code: number | null;
  error: string | null;
  reply?: string;
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');

/** A websocket through Caddy to `/ws`, exchanging messages inside the container until `close()`. */
function openWebsocket(c: Container, app: App) {
  const stop = `/run/bg-ws-${app.name}.stop`;
  const progress = `/run/bg-ws-${app.name}.json`;
  const running = c.spawn(
    `rm -f ${stop} ${progress}; /usr/bin/node ${CHECKOUT}/test/support/ws-cli.mjs ws://127.0.0.1:${app.ports.site}/ws ${stop} ${progress}`,
  );
  let ended: Promise<WsResult> | undefined;
  const end = () => (ended ??= running.wait().then((r) => lastJson(r.stdout) as WsResult));
  return {
    progress: async (): Promise<WsResult> => JSON.parse((await c.sh(`cat ${progress}`)).stdout || '{"echoed":0,"versions":{}}'),
    async close(): Promise<WsResult> {
      await c.sh(`touch ${stop}`);
      return end();
    },
    end,
  };
}

const websocketOnce = async (c: Container, app: App): Promise<WsResult> =>
  lastJson(await c.ok(`/usr/bin/node ${CHECKOUT}/test/support/ws-cli.mjs ws://127.0.0.1:${app.ports.site}/ws once`));

/** GET /stream?s= through Caddy with curl inside the container, the body kept in a file. */
function openStream(c: Container, app: App, seconds: number) {
  const file = `/run/bg-stream-${app.name}.txt`;
  const running = c.spawn(`curl -sS -N --max-time 60 http://127.0.0.1:${app.ports.site}/stream?s=${seconds} > ${file}`);
  const lines = async () => (await c.ok(`cat ${file}`)).split('\n').filter(Boolean);
  return { lines, done: async () => ({ ...(await running.wait()), lines: await lines() }) };
}

// An ASGI app (Gunicorn with Uvicorn's worker, chosen in the project's gunicorn.conf.py): a
// websocket and a long streaming response opened before a deploy, each mode's switch.
export function describeWebsocketSwitch(label: string, boot: () => Promise<Container>): void {
  describe(`a websocket and a long stream across a switch (${label})`, () => {
    let c: Container;
    let chat: App;
    let chatPort: App;

    beforeAll(async () => {
      c = await boot();
      chat = await makeApp(c, 'chat', { blue: 8011, green: 8012, site: 8090 }, '  switch: socket\n', 'asgi-chat');
      chatPort = await makeApp(c, 'chatp', { blue: 8021, green: 8022, site: 8091 }, '', 'asgi-chat');
    });
    afterAll(async () => c?.stop());

    const isActive = async (unit: string) => (await c.sh(`systemctl is-active ${unit}`)).stdout.trim();

    it('socket: the websocket and the stream stay on blue through the switch, blue stops once the client closes; new websockets reach green', async () => {
      const s = await chat.bg('setup');
      expect(s.code, s.stdout + s.stderr).toBe(0);
      expect(await chat.get()).toBe('v1');
      const ws = openWebsocket(c, chat);
      await until(async () => (await ws.progress()).echoed > 5, 'the first echoes');
      // opened last: the switch must come before the stream's end, however long the lines above took
      const stream = openStream(c, chat, 30);
      const deploy = chat.bg('deploy v2');
      await until(async () => (await c.ok('readlink /run/bg/chat/active.sock')).includes('green'), 'the switch to green');
      expect((await stream.lines()).length).toBeLessThan(150); // the switch came in the middle of the stream
      const atSwitch = (await ws.progress()).echoed;
      await until(async () => (await ws.progress()).echoed > atSwitch + 20, 'echoes after the switch');
      expect(await websocketOnce(c, chat)).toMatchObject({ reply: 'v2 0', closedBy: 'client', code: 1000, error: null });
      expect(await chat.get()).toBe('v2');
      // the drain waits for the open websocket: blue still serves it
      expect(await isActive('chat-web-blue.service')).toBe('active');
      const closed = await ws.close();
      expect(closed).toMatchObject({ closedBy: 'client', code: 1000, error: null });
      expect(Object.keys(closed.versions)).toEqual(['v1']);
      expect(closed.echoed).toBeGreaterThan(atSwitch + 20);
      const d = await deploy;
      expect(d.code, d.stdout + d.stderr).toBe(0);
      expect(d.stderr).toContain('/run/bg/chat/blue/gunicorn.sock drained');
      const t0 = Date.now();
      await until(async () => !['active', 'deactivating'].includes(await isActive('chat-web-blue.service')), 'blue to stop', 120_000);
      const journal = () => c.ok('journalctl -u chat-web-blue.service --no-pager -o short-precise | tail -15');
      expect(await isActive('chat-web-blue.service'), await journal()).toBe('inactive');
      // not asserted: Uvicorn's worker may wait out Gunicorn's graceful timeout (docs/measurements.md)
      console.log(`[${label}] blue stopped ${Date.now() - t0} ms after the deploy returned`);
      const streamed = await stream.done();
      expect(streamed.code, streamed.stderr).toBe(0);
      expect(streamed.lines).toEqual(Array.from({ length: 150 }, (_, i) => `v1 ${i}`));
    });

    it('socket: Caddy keeps no connection to a color, so every request after the switch reaches the new one (the worker keeps idle connections 30 s)', async () => {
      // state: green (v2) serves. Concurrent requests leave Caddy as many connections as it would pool.
      const burst = async () => Promise.all(Array.from({ length: 8 }, () => chat.get()));
      expect(new Set(await burst())).toEqual(new Set(['v2']));
      const back = chat.bg('rollback');
      await until(async () => (await c.ok('readlink /run/bg/chat/active.sock')).includes('blue'), 'the switch to blue');
      expect(new Set(await burst())).toEqual(new Set(['v1']));
      const b = await back;
      expect(b.code, b.stdout + b.stderr).toBe(0);
      expect(b.stderr).toContain('/run/bg/chat/green/gunicorn.sock drained');
    });

    it("port: Caddy's reload closes every websocket it proxies (1001), this app's and the socket app's; the stream finishes on blue", async () => {
      const s = await chatPort.bg('setup');
      expect(s.code, s.stdout + s.stderr).toBe(0);
      const ws = openWebsocket(c, chatPort);
      const other = openWebsocket(c, chat); // the socket app, on the same Caddy
      await until(async () => (await ws.progress()).echoed > 5 && (await other.progress()).echoed > 5, 'the first echoes');
      const stream = openStream(c, chatPort, 25);
      const deploy = chatPort.bg('deploy v2');
      await until(async () => (await c.ok('cat /etc/caddy/chatp-upstream.txt')).includes('8022'), 'the switch to green');
      expect((await stream.lines()).length).toBeLessThan(125); // the switch came in the middle of the stream
      const d = await deploy;
      expect(d.code, d.stdout + d.stderr).toBe(0);
      expect(d.stderr).toContain('Caddy routes to 127.0.0.1:8022');
      // Caddy keeps no idle connection to blue (keepalive off): the drain ends with the stream
      expect(d.stderr).toContain(':8021 drained');
      for (const closed of [await ws.end(), await other.end()]) {
        expect(closed).toMatchObject({ closedBy: 'server', code: 1001 });
        expect(closed.echoed).toBeGreaterThan(5);
      }
      expect(Object.keys((await ws.end()).versions)).toEqual(['v1']);
      expect(Object.keys((await other.end()).versions)).toEqual(['v1']); // the socket app, rolled back
      expect(await websocketOnce(c, chatPort)).toMatchObject({ reply: 'v2 0', closedBy: 'client', code: 1000 });
      const streamed = await stream.done();
      expect(streamed.code, streamed.stderr).toBe(0);
      expect(streamed.lines).toEqual(Array.from({ length: 125 }, (_, i) => `v1 ${i}`));
    });
  });
}
