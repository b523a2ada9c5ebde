// status and history with `hosts:` in bg.yml: each host's own answer, one block per host.
import { SshBg } from '../adapters/ssh.js';
import type { Config } from '../config/types.js';
import { EXIT } from '../errors.js';
import { statusOfAll } from '../fleet/preflight.js';
import { whyFailed } from '../fleet/remote.js';
import type { GlobalOptions } from './options.js';

/** One line per host: its live color and release, and its problems; exit 1 when a host does not answer. */
export async function fleetStatus(cfg: Config, o: GlobalOptions): Promise<number> {
  const seen = await statusOfAll(cfg, new SshBg());
  const rows = seen.map(({ host, result, status }) => {
    const active = status?.active ?? null;
    const releases = status?.releases as Record<string, { id: string | null; commit: string | null }> | undefined;
    const live = active && releases ? releases[active] : undefined;
    return {
      name: host.name,
      ssh: host.ssh,
      celery: host.name === cfg.celeryHost,
      reachable: !!status,
      active,
      release: live?.id ?? null,
      commit: live?.commit ?? null,
      problems: (status?.problems ?? []).map((p) => ({ code: p.code, severity: p.severity, message: p.message })),
      error: status ? undefined : whyFailed(result).message,
      status: status ?? null,
    };
  });
  if (o.json) process.stdout.write(`${JSON.stringify({ hosts: rows }, null, 2)}\n`);
  else {
    const w = Math.max(...rows.map((r) => r.name.length));
    for (const r of rows) {
      const what = r.reachable
        ? `${(r.active ?? 'not set up').padEnd(6)} ${(r.release ?? '-').padEnd(18)} ${(r.commit ?? '').slice(0, 12).padEnd(12)} ${
            r.problems.length ? r.problems.map((p) => `${p.severity === 'error' ? 'PROBLEM' : 'note'} ${p.code}`).join(', ') : 'ok'
          }`
        : `UNREACHABLE: ${r.error}`;
      process.stdout.write(`${r.name.padEnd(w)}${r.celery ? ' (celery)' : ''}  ${what}\n`);
    }
  }
  return rows.every((r) => r.reachable) ? EXIT.ok : EXIT.deployFailed;
}

/** Each host's own history, its lines prefixed with its name. */
export async function fleetHistory(cfg: Config, o: GlobalOptions, limit: number): Promise<number> {
  const remote = new SshBg();
  const runs = await Promise.all((cfg.hosts ?? []).map(async (h) => ({ h, r: await remote.run(h, [...(o.json ? ['--json'] : []), 'history', '--limit', String(limit)]) })));
  if (o.json) {
    const hosts = runs.map(({ h, r }) => ({ name: h.name, entries: r.exitCode === 0 ? JSON.parse(r.stdout || '[]') : null, error: r.exitCode === 0 ? undefined : whyFailed(r).message }));
    process.stdout.write(`${JSON.stringify({ hosts })}\n`);
  } else {
    for (const { h, r } of runs) {
      const text = r.exitCode === 0 ? r.stdout : `UNREACHABLE: ${whyFailed(r).message}\n`;
      for (const l of text.trimEnd().split('\n')) process.stdout.write(`[${h.name}] ${l}\n`);
    }
  }
  return runs.every(({ r }) => r.exitCode === 0) ? EXIT.ok : EXIT.deployFailed;
}
