import { loadConfig } from '../../config/load.js';
import { presentUnits } from '../../config/names.js';
import { COLORS, type Color, type Config } from '../../config/types.js';
import { diagnose } from '../../host/diagnose.js';
import type { HostState } from '../../host/host-state.js';
import { memoryFit, memoryNeed } from '../../host/memory-fit.js';
import { allUnits, observe } from '../../host/observe.js';
import { connectReader } from '../../run/connect-host.js';
import { type JournalEntry, readJournal, runsOf } from '../../run/journal.js';
import { fleetStatus } from '../fleet-read.js';
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
  units: { name: string; load: string; active: string; sub: string; pid: number | null; since: string | null; memory: number | null }[]; // memory: bytes in use
  memory: MemoryReport;
  releases: Record<string, { id: string | null; commit: string | null; subject: string | null }>; // per color
  lastDeploy: JournalEntry | null;
  lastLog: { unit: string; lines: string } | null;
  warnings: string[]; // the messages of the warnings in `problems`
}

// Reads the host once (observe), then reports it with every problem diagnose finds.
export async function status(o: GlobalOptions): Promise<number> {
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  if (cfg.hosts) return fleetStatus(cfg, o);
  const host = await connectReader(cfg);
  try {
    const [state, journal] = await Promise.all([observe(cfg, host, { logLines: 1, memory: true }), readJournal(cfg.stateDir, 2)]);
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
      const memory = host.memory?.units[name] ?? null;
      return {
        name,
        load: u?.loadState ?? 'unknown',
        active: u?.activeState ?? 'unknown',
        sub: u?.subState ?? 'unknown',
        pid: u?.mainPid || null,
        since: u?.since?.toISOString() ?? null,
        memory,
      };
    }),
    memory: memoryReport(cfg, host),
    releases: Object.fromEntries(COLORS.map((c) => [c, { id: host.colors[c].release ?? null, commit: host.colors[c].commit ?? null, subject: host.colors[c].subject ?? null }])),
    lastDeploy,
    lastLog: host.activeLog ?? null,
    warnings: problems.filter((p) => p.severity === 'warning').map((p) => p.message),
  };
}

/** Each color's memory (its units together), the headroom, and whether a second web color fits. */
export interface MemoryReport {
  colors: Record<Color, number | null>; // bytes; null: nothing of that color runs
  headroom: { bytes: number; by: string } | null;
  need: { bytes: number; from: string } | null; // what the next deploy's new web color needs
  fits: boolean | null;
}

function memoryReport(cfg: Config, host: HostState): MemoryReport {
  const units = host.memory?.units ?? {};
  const sum = (c: Color) => {
    const used = presentUnits(cfg, c).filter((u) => units[u] !== undefined);
    return used.length ? used.reduce((a, u) => a + units[u], 0) : null;
  };
  const fit = memoryFit(cfg, host);
  return { colors: { blue: sum('blue'), green: sum('green') }, headroom: host.memory?.headroom ?? null, need: memoryNeed(cfg, host) ?? null, fits: fit ? fit.fits : null };
}
