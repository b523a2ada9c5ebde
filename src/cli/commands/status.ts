import { loadConfig } from '../../config/load.js';
import { COLORS, type Config } from '../../config/types.js';
import { diagnose } from '../../host/diagnose.js';
import type { HostState } from '../../host/host-state.js';
import { allUnits, observe } from '../../host/observe.js';
import { connectReader } from '../../run/connect-host.js';
import { type JournalEntry, readJournal, runsOf } from '../../run/journal.js';
import { type GlobalOptions, scopeOf } from '../options.js';
import { formatStatus } from './status-format.js';

export interface StatusReport {
  app: string;
  scope: string;
  active: string | null;
  maintenance: boolean;
  upstream: { file: string; port: number | null; caddy: string[] | null; mismatch: boolean };
  problem?: string; // the first error below, for scripts that want one line
  problems: { code: string; severity: 'error' | 'warning'; message: string; next: string }[];
  units: { name: string; load: string; active: string; sub: string; pid: number | null; since: string | null }[];
  releases: Record<string, { id: string | null; commit: string | null; subject: string | null }>; // per color
  lastDeploy: JournalEntry | null;
  lastLog: { unit: string; lines: string } | null;
  warnings: string[]; // the messages of the warnings in `problems`
}

// Reads the host once (observe), then reports it with every problem diagnose finds.
export async function status(o: GlobalOptions): Promise<number> {
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  const host = await connectReader(cfg);
  try {
    const [state, journal] = await Promise.all([observe(cfg, host, { logLines: 1 }), readJournal(cfg.stateDir, 2)]);
    const lock = state.lock?.info;
    const runs = runsOf(
      journal,
      () => !!state.lock?.alive,
      (e) => (lock && lock.pid === e.pid ? lock.step : undefined),
    );
    const report = buildReport(cfg, state, runs.at(-1) ?? null);
    process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    return 0;
  } finally {
    host.close();
  }
}

export function buildReport(cfg: Config, host: HostState, lastDeploy: JournalEntry | null): StatusReport {
  const want = host.upstreamPort === undefined ? undefined : `127.0.0.1:${host.upstreamPort}`;
  const caddy = host.caddyUpstreams ?? null;
  const problems = diagnose(cfg, host).map(({ code, severity, message, next }) => ({ code, severity, message, next }));
  return {
    app: cfg.app,
    scope: cfg.scope,
    active: host.active ?? null,
    maintenance: !!host.maintenance,
    upstream: { file: cfg.caddy.upstreamFile, port: host.upstreamPort ?? null, caddy, mismatch: caddy !== null && want !== undefined && !caddy.includes(want) },
    problem: problems.find((p) => p.severity === 'error')?.message,
    problems,
    units: allUnits(cfg).map((name) => {
      const u = host.units[name];
      return { name, load: u?.loadState ?? 'unknown', active: u?.activeState ?? 'unknown', sub: u?.subState ?? 'unknown', pid: u?.mainPid || null, since: u?.since?.toISOString() ?? null };
    }),
    releases: Object.fromEntries(COLORS.map((c) => [c, { id: host.colors[c].release ?? null, commit: host.colors[c].commit ?? null, subject: host.colors[c].subject ?? null }])),
    lastDeploy,
    lastLog: host.activeLog ?? null,
    warnings: problems.filter((p) => p.severity === 'warning').map((p) => p.message),
  };
}
