import { loadConfig } from '../../config/load.js';
import { presentUnits } from '../../config/names.js';
import { activeSocket } from '../../config/socket-paths.js';
import { COLORS, type Color, type Config } from '../../config/types.js';
import { connectReader } from '../../execute/connect-host.js';
import { diagnose } from '../../host/diagnose.js';
import { caddyRoutesTo, type HostState } from '../../host/host-state.js';
import { memoryFit, memoryNeed } from '../../host/memory-fit.js';
import { allUnits, observe } from '../../host/observe.js';
import type { MemoryReport, StatusReport } from '../../protocol/events.js';
import { jsonOut } from '../../protocol/writer.js';
import { didSomething, type JournalEntry, readJournal, runsOf } from '../../state/journal.js';
import { fleetStatus } from '../fleet-read.js';
import { type GlobalOptions, scopeOf } from '../options.js';
import { formatStatus } from '../status-format.js';

export type { MemoryReport, StatusReport };

// the last run's start and end lines, behind a few nothing-to-do lines
const LAST_LINES = 16;

// Reads the host once (observe), then reports it with every problem diagnose finds.
export async function status(o: GlobalOptions): Promise<number> {
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  if (cfg.hosts) return fleetStatus(cfg, o);
  const host = await connectReader(cfg);
  try {
    const [state, journal] = await Promise.all([observe(cfg, host, { logLines: 1, memory: true }), readJournal(cfg.stateDir, LAST_LINES)]);
    const lock = state.lock?.info;
    const runs = runsOf(
      journal,
      () => !!state.lock?.alive,
      (e) => (lock && lock.pid === e.pid ? lock.step : undefined),
    );
    const report = buildReport(cfg, state, runs.filter(didSomething).at(-1) ?? null);
    if (o.json) jsonOut({ event: 'status', ...report });
    else process.stdout.write(formatStatus(report));
    return 0;
  } finally {
    host.close();
  }
}

export function buildReport(cfg: Config, host: HostState, lastDeploy: JournalEntry | null): StatusReport {
  const caddy = host.caddyUpstreams ?? null;
  const problems = diagnose(cfg, host).map(({ code, severity, message, next }) => ({ code, severity, message, next }));
  return {
    app: cfg.app,
    scope: cfg.scope,
    active: host.active ?? null,
    maintenance: !!host.maintenance,
    upstream: {
      file: cfg.caddy.upstreamFile,
      port: host.upstreamPort ?? null,
      caddy,
      mismatch: caddy !== null && host.upstreamPort !== undefined && !caddyRoutesTo(cfg, host, host.upstreamPort),
      ...(host.upstreamSocket && { socket: { link: activeSocket(cfg), color: host.socketColor ?? null } }),
    },
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
    releases: Object.fromEntries(
      COLORS.map((c) => [
        c,
        { id: host.colors[c].release ?? null, commit: host.colors[c].commit ?? null, subject: host.colors[c].subject ?? null },
      ]),
    ),
    lastDeploy,
    lastLog: host.activeLog ?? null,
    warnings: problems.filter((p) => p.severity === 'warning').map((p) => p.message),
  };
}

function memoryReport(cfg: Config, host: HostState): MemoryReport {
  const units = host.memory?.units ?? {};
  const sum = (c: Color) => {
    const used = presentUnits(cfg, c).filter((u) => units[u] !== undefined);
    return used.length ? used.reduce((a, u) => a + units[u], 0) : null;
  };
  const fit = memoryFit(cfg, host);
  return {
    colors: { blue: sum('blue'), green: sum('green') },
    headroom: host.memory?.headroom ?? null,
    need: memoryNeed(cfg, host) ?? null,
    fits: fit ? fit.fits : null,
  };
}
