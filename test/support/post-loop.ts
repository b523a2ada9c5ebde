import { request } from 'undici';

export interface PostLoopResult {
  sent: number;
  ok: number;
  failed: number;
  failures: string[];
  maintenance: number; // 503 with Retry-After, counted apart only with `maintenanceOk`
}

// Inserts under load: form posts through Caddy, a new connection per request, until stopped. With
// `csrf`, each post first GETs the same URL for a token and its cookie (Django's CsrfViewMiddleware
// checks both), as a browser's form would.
// maintenanceOk: a 503 carrying Retry-After (Caddy's maintenance answer, inside a schema window) is not a failure
export function startPostLoop(url: string, opts: { csrf?: boolean; concurrency?: number; maxMs?: number; maintenanceOk?: boolean } = {}) {
  const { csrf = false, concurrency = 2, maxMs = 90_000, maintenanceOk = false } = opts;
  const result: PostLoopResult = { sent: 0, ok: 0, failed: 0, failures: [], maintenance: 0 };
  const maintenance = (r: { statusCode: number; headers: Record<string, unknown> }) =>
    maintenanceOk && r.statusCode === 503 && !!r.headers['retry-after'];
  const fail = (why: string) => {
    result.failed++;
    if (result.failures.length < 20) result.failures.push(why);
  };
  let stopping = false;
  const deadline = Date.now() + maxMs;
  const worker = async () => {
    while (!stopping && Date.now() < deadline) {
      const n = ++result.sent; // each post's own text: concurrent posts never ask the same question
      try {
        const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
        if (csrf) {
          const form = await request(url, { reset: true, headersTimeout: 10_000, bodyTimeout: 10_000 });
          const token = await form.body.text();
          if (maintenance(form)) {
            result.maintenance++;
            continue;
          }
          if (form.statusCode !== 200) {
            fail(`GET ${form.statusCode} ${token.slice(0, 120)}`);
            continue;
          }
          headers.cookie = String(form.headers['set-cookie'] ?? '').split(';')[0];
          headers['x-csrftoken'] = token;
        }
        const r = await request(url, {
          method: 'POST',
          reset: true,
          headers,
          body: `text=load-${n}`,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        const body = await r.body.text();
        if (r.statusCode === 200) result.ok++;
        else if (maintenance(r)) result.maintenance++;
        else fail(`POST ${r.statusCode} ${body.slice(0, 120)}`);
      } catch (e) {
        fail(String((e as Error).message ?? e));
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    async stop(): Promise<PostLoopResult> {
      stopping = true;
      await Promise.all(workers);
      return result;
    },
  };
}
