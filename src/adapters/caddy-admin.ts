// Caddy's admin API: load a Caddyfile (what `caddy reload` does, in ~2 ms instead of a process
// spawn), and read back what Caddy actually routes to, so a switch is confirmed by Caddy itself.
import { Agent, request } from 'undici';
import { CaddyError } from '../errors.js';

const START_CADDY = (admin: string) =>
  `Start Caddy (systemctl start caddy) and make sure caddy.admin in bg.yml matches its admin address (now ${admin})`;

export class CaddyAdmin {
  private readonly agent = new Agent({
    connect: { timeout: 3_000 },
    headersTimeout: 15_000, // a /load waits for Caddy to start the new config
    bodyTimeout: 15_000,
    connections: 2,
  });

  constructor(readonly admin: string) {}

  /** Loads a Caddyfile (imports must be absolute paths). An unchanged config is a no-op in Caddy. */
  async load(caddyfile: string): Promise<void> {
    await this.post(caddyfile, 'text/caddyfile');
  }

  /**
   * Loads a JSON config, e.g. the text `config()` returned before a switch (the undo of `load`).
   * A string is sent as is; anything else is serialized.
   */
  async loadJson(config: unknown): Promise<void> {
    await this.post(typeof config === 'string' ? config : JSON.stringify(config), 'application/json');
  }

  /** The running config as JSON text ("null" when Caddy has none); kept as text so int64 values survive a round trip. */
  async config(): Promise<string> {
    const { status, body } = await this.call('GET', '/config/');
    if (status !== 200) {
      throw new CaddyError(`Caddy's admin API at ${this.admin} answered HTTP ${status} to GET /config/`, {
        detail: errorText(body),
        next: START_CADDY(this.admin),
      });
    }
    return body;
  }

  /** Every reverse_proxy upstream (`host:port`) in the running config: where Caddy routes now. */
  async upstreams(): Promise<string[]> {
    const cfg = JSON.parse(await this.config()) as { apps?: { http?: unknown } } | null;
    const dials: string[] = [];
    collectDials(cfg?.apps?.http, dials);
    return [...new Set(dials)];
  }

  /** True when the admin API answers. Never throws. */
  async ping(): Promise<boolean> {
    try {
      return (await this.call('GET', '/config/')).status === 200;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async post(body: string, contentType: string): Promise<void> {
    const res = await this.call('POST', '/load', body, contentType);
    if (res.status < 200 || res.status > 299) {
      throw new CaddyError('Caddy refused the new config', {
        state: 'Caddy keeps serving its previous config',
        detail: errorText(res.body) || `HTTP ${res.status}`,
        next: 'Fix the Caddyfile (the detail is Caddy\'s own message) and run the command again',
      });
    }
  }

  private async call(method: 'GET' | 'POST', path: string, body?: string, contentType?: string) {
    try {
      const res = await request(`http://${this.admin}${path}`, {
        method,
        body,
        headers: contentType ? { 'content-type': contentType } : {},
        dispatcher: this.agent,
      });
      return { status: res.statusCode, body: await res.body.text() };
    } catch (err) {
      const e = err as { code?: string; message?: string; cause?: { code?: string } };
      throw new CaddyError(`Caddy's admin API at ${this.admin} is not answering`, {
        state: 'Nothing was changed in Caddy',
        detail: [e.code ?? e.cause?.code, e.message].filter(Boolean).join(': '),
        next: START_CADDY(this.admin),
      });
    }
  }
}

// Caddy answers errors as {"error": "..."}; fall back to the raw text.
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed?.error === 'string') return parsed.error;
  } catch {
    // not JSON
  }
  return body.trim();
}

// Walks servers -> routes -> handle[] -> (subroute) routes ... collecting reverse_proxy dials.
function collectDials(node: unknown, out: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectDials(item, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (obj.handler === 'reverse_proxy' && Array.isArray(obj.upstreams)) {
    for (const u of obj.upstreams as Array<{ dial?: unknown }>) if (typeof u?.dial === 'string') out.push(u.dial);
  }
  for (const value of Object.values(obj)) collectDials(value, out);
}
