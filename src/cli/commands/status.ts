import { loadConfig } from '../../config/load.js';
import { type Config, COLORS, otherColor } from '../../config/types.js';
import { EXIT } from '../../errors.js';
import { readText } from '../../adapters/files.js';
import { colorOfPort, parseUpstream } from '../../render/upstream.js';
import type { HostState } from '../../plan/host-state.js';
import { connectAdapters } from '../../run/adapters.js';
import { readJournal, type JournalEntry } from '../../run/journal.js';
import { allUnits, observe } from '../../run/observe.js';
import { lastLogLines } from '../../run/unit-logs.js';
import { type GlobalOptions, scopeOf } from '../options.js';
import { formatStatus } from './status-format.js';
import { migrateWarning } from '../../plan/kernel.js';

export interface StatusReport {
  app: string;
  scope: string;
  active: string | null;
  upstream: { file: string; port: number | null; caddy: string[] | null; mismatch: boolean };
  problem?: string; // the first thing wrong with the host, and what to run
  units: { name: string; load: string; active: string; sub: string; pid: number | null; since: string | null }[];
  releases: Record<string, { commit: string | null; subject: string | null }>;
  lastDeploy: JournalEntry | null;
  lastLog: { unit: string; lines: string } | null;
  warnings: string[];
}

export async function status(o: GlobalOptions): Promise<number> {
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  const ad = await connectAdapters(cfg);
  try {
    // The active web's last log line comes from journalctl on most hosts (a process, tens of ms):
    // it runs beside the D-Bus and Caddy queries, for the color upstream.txt names right now.
    const upstream = await readText(cfg.caddy.upstreamFile);
    const port = upstream === undefined ? undefined : parseUpstream(upstream);
    const color = port === undefined ? undefined : colorOfPort(cfg, port);
    const activeWeb = color ? `${cfg.app}-web-${color}.service` : undefined;
    const [host, journal, lastLog] = await Promise.all([
      observe(cfg, ad, { files: false, ports: false }),
      readJournal(cfg.stateDir, 1),
      activeWeb ? lastLogLines(cfg, ad, activeWeb, 1).then((lines) => ({ unit: activeWeb, lines })) : null,
    ]);
    const report = buildReport(cfg, host, journal.at(-1) ?? null, lastLog);
    process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    return EXIT.ok;
  } finally {
    ad.close();
  }
}

export function buildReport(cfg: Config, host: HostState, lastDeploy: JournalEntry | null, lastLog: StatusReport['lastLog']): StatusReport {
  const want = host.upstreamPort === undefined ? undefined : `127.0.0.1:${host.upstreamPort}`;
  const caddy = host.caddyUpstreams ?? null;
  let problem: string | undefined;
  if (host.upstreamPort === undefined) problem = `${cfg.caddy.upstreamFile} is missing or not in bg's format: run bluegreen setup`;
  else if (caddy === null) problem = `Caddy's admin API at ${cfg.caddy.admin} did not answer`;
  else if (!caddy.includes(want!)) problem = `Caddy routes to ${caddy.join(', ') || 'nothing'} but ${cfg.caddy.upstreamFile} says ${want}`;
  if (!problem && host.active) {
    const web = host.units[`${cfg.app}-web-${host.active}.service`];
    if (web?.activeState !== 'active') problem = `the active color's web unit is ${web?.activeState ?? 'unknown'}`;
    const other = host.units[`${cfg.app}-worker-${otherColor(host.active)}.service`];
    if (!problem && other?.activeState === 'active') problem = `the idle color's Celery worker is running`;
    const down = [`${cfg.app}-worker-${host.active}.service`, `${cfg.app}-beat-${host.active}.service`].filter((u) => host.units[u] && host.units[u]!.activeState !== 'active');
    if (!problem && down.length) problem = `${down.join(', ')} of the active color not running (an interrupted deploy?): \`bluegreen setup\` starts it`;
  }
  return {
    app: cfg.app,
    scope: cfg.scope,
    active: host.active ?? null,
    upstream: { file: cfg.caddy.upstreamFile, port: host.upstreamPort ?? null, caddy, mismatch: caddy !== null && want !== undefined && !caddy.includes(want) },
    problem,
    units: allUnits(cfg).map((name) => {
      const u = host.units[name];
      return { name, load: u?.loadState ?? 'unknown', active: u?.activeState ?? 'unknown', sub: u?.subState ?? 'unknown', pid: u?.mainPid || null, since: u?.since?.toISOString() ?? null };
    }),
    releases: Object.fromEntries(COLORS.map((c) => [c, { commit: host.releases[c].commit ?? null, subject: host.releases[c].subject ?? null }])),
    lastDeploy,
    lastLog,
    warnings: host.tcpMigrateReq === false ? [migrateWarning] : [],
  };
}
