import { request } from 'undici';

export interface StatusLoopResult {
  sent: number;
  ok: number; // 200
  maintenance: number; // 503 with Retry-After: Caddy's maintenance answer
  statuses: Record<string, number>; // every answer by status ('error' when none came)
  failures: string[]; // anything else: a 500, a 503 without Retry-After, a reset
}

// Reads of / and inserts (form posts to `form` with Django's CSRF token and cookie) through Caddy, each on its own
// connection, counting every answer by status. A 503 that carries Retry-After is maintenance's,
// which a window may answer; every other answer that is not a 200 is a failure.
export function startStatusLoop(base: string, opts: { concurrency?: number; maxMs?: number; form?: string } = {}) {
  const { concurrency = 2, maxMs = 240_000, form: formPath = '/ask/' } = opts;
  const result: StatusLoopResult = { sent: 0, ok: 0, maintenance: 0, statuses: {}, failures: [] };
  let stopping = false;
  const deadline = Date.now() + maxMs;
  const count = (status: string) => {
    result.statuses[status] = (result.statuses[status] ?? 0) + 1;
  };
  const one = async (path: string, init: Parameters<typeof request>[1] = {}) => {
    result.sent++;
    try {
      const r = await request(`${base}${path}`, { reset: true, headersTimeout: 10_000, bodyTimeout: 10_000, ...init });
      const body = await r.body.text();
      count(String(r.statusCode));
      if (r.statusCode === 200) result.ok++;
      else if (r.statusCode === 503 && r.headers['retry-after']) result.maintenance++;
      else if (result.failures.length < 20) result.failures.push(`${init.method ?? 'GET'} ${path} ${r.statusCode} ${body.slice(0, 160)}`);
      return { status: r.statusCode, body, cookie: String(r.headers['set-cookie'] ?? '').split(';')[0] };
    } catch (e) {
      count('error');
      if (result.failures.length < 20) result.failures.push(`${path} ${String((e as Error).message ?? e)}`);
      return undefined;
    }
  };
  const worker = async () => {
    while (!stopping && Date.now() < deadline) {
      await one('/');
      const form = await one(formPath);
      if (form?.status !== 200) continue;
      await one(formPath, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie, 'x-csrftoken': form.body },
        body: `text=load-${result.sent}`,
      });
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    async stop(): Promise<StatusLoopResult> {
      stopping = true;
      await Promise.all(workers);
      return result;
    },
  };
}

/** Not a 200 and not maintenance's 503: what a test asserts is zero. */
export const failedOf = (r: StatusLoopResult) => r.sent - r.ok - r.maintenance;
