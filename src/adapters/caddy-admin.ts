// Caddy's admin API: load a Caddyfile (what `caddy reload` does, without a process spawn), and read
// back what Caddy actually routes to, so a switch is confirmed by Caddy itself.
// node:http, not undici: `bg status` reads it on every run, and undici's load time and the memory of
// its WebAssembly parser would be a large part of it (docs/measurements.md).
import { request } from 'node:http';
import { CaddyError } from '../errors.js';

const RESPONSE_TIMEOUT_MS = 15_000; // a /load waits for Caddy to start the new config

const START_CADDY = (admin: string) =>
  `Start Caddy (systemctl start caddy) and make sure caddy.admin in bg.yml matches its admin address (now ${admin})`;

export class CaddyAdmin {
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

  /**
   * Adapts a Caddyfile to JSON without running it (POST /adapt): Caddy itself reads the files it
   * imports, with its own permissions, exactly as a load would. The JSON config as text; a config
   * Caddy cannot adapt throws `caddy-adapt-failed` with Caddy's message as the detail.
   */
  async adapt(caddyfile: string): Promise<string> {
    const res = await this.call('POST', '/adapt', caddyfile, 'text/caddyfile');
    if (res.status < 200 || res.status > 299) {
      throw new CaddyError('Caddy cannot adapt the Caddyfile', {
        code: 'caddy-adapt-failed',
        detail: errorText(res.body).replace(/^adapting config using caddyfile adapter: /, '') || `HTTP ${res.status}`,
      });
    }
    // {"result": {...}, "warnings": [...]}; read to compare sites, never loaded back
    const parsed = JSON.parse(res.body) as { result?: unknown };
    return JSON.stringify(parsed.result ?? null);
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

  /**
   * Where Caddy sends `app`'s requests now (`host:port` of its reverse_proxy): the route bg marked
   * with `vars bg_app <app>`; while no route carries that mark (before the first setup, or a
   * legacy site), the unmarked ones. Never another app's.
   */
  async upstreams(app: string): Promise<string[]> {
    const cfg = JSON.parse(await this.config()) as { apps?: { http?: unknown } } | null;
    const found: ProxyRoute[] = [];
    collectRoutes(cfg?.apps?.http, found);
    const mine = found.filter((r) => r.app === app);
    const dials = (mine.length > 0 ? mine : found.filter((r) => r.app === undefined)).flatMap((r) => r.dials);
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
    // one request per connection: nothing to close
  }

  private async post(body: string, contentType: string): Promise<void> {
    const res = await this.call('POST', '/load', body, contentType);
    if (res.status < 200 || res.status > 299) {
      throw new CaddyError('Caddy refused the new config', {
        code: 'caddy-refused',
        state: 'Caddy keeps serving its previous config',
        detail: errorText(res.body) || `HTTP ${res.status}`,
        next: "Fix the Caddyfile (the detail is Caddy's own message) and run the command again",
      });
    }
  }

  private async call(method: 'GET' | 'POST', path: string, body?: string, contentType?: string) {
    try {
      return await httpCall(`http://${this.admin}${path}`, method, body, contentType);
    } catch (err) {
      const e = err as { code?: string; message?: string; cause?: { code?: string } };
      throw new CaddyError(`Caddy's admin API at ${this.admin} is not answering`, {
        code: 'caddy-unreachable',
        state: 'Nothing was changed in Caddy',
        detail: [e.code ?? e.cause?.code, e.message].filter(Boolean).join(': '),
        next: START_CADDY(this.admin),
      });
    }
  }
}

function httpCall(url: string, method: string, body?: string, contentType?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { connection: 'close' };
    if (contentType) headers['content-type'] = contentType;
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    const req = request(url, { method, headers, timeout: RESPONSE_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${RESPONSE_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
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

interface ProxyRoute {
  app?: string; // the bg_app mark beside the reverse_proxy
  dials: string[];
}

// Walks servers -> routes -> handle[] -> (subroute) routes ...: every handle list with a
// reverse_proxy, and the bg_app mark set by a vars handler in that same list.
function collectRoutes(node: unknown, out: ProxyRoute[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRoutes(item, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (Array.isArray(obj.handle)) {
    const handlers = obj.handle as Array<Record<string, unknown>>;
    const dials = handlers
      .filter((h) => h?.handler === 'reverse_proxy' && Array.isArray(h.upstreams))
      .flatMap((h) => (h.upstreams as Array<{ dial?: unknown }>).map((u) => u?.dial).filter((d): d is string => typeof d === 'string'));
    if (dials.length > 0) {
      const mark = handlers.find((h) => h?.handler === 'vars' && typeof h.bg_app === 'string');
      out.push({ app: mark?.bg_app as string | undefined, dials });
    }
  }
  for (const value of Object.values(obj)) collectRoutes(value, out);
}
