import { type Config, COLORS, releaseDir, unitNames } from '../config/types.js';
import type { HostState, ObservedUnit } from '../plan/host-state.js';
import { readText } from '../adapters/files.js';
import { headCommit } from '../adapters/git.js';
import { listeningOn } from '../adapters/connections.js';
import { readSysctl, TCP_MIGRATE_REQ } from '../adapters/sysctl.js';
import { colorOfPort, parseUpstream } from '../render/upstream.js';
import type { Adapters } from './adapters.js';

// Reads everything planners and `bg status` need, in parallel. Read-only.
// `bg status` passes files: false and ports: false: rendering loads the templates and `ss` is a
// process, and status is what people run all day; only planners need those two.
export async function observe(cfg: Config, ad: Adapters, opts: { files?: boolean; ports?: boolean } = {}): Promise<HostState> {
  const units = allUnits(cfg);
  const [upstreamText, caddyUpstreams, states, blue, green, changes, listening, migrate] = await Promise.all([
    readText(cfg.caddy.upstreamFile),
    ad.caddy.upstreams().catch(() => undefined),
    ad.systemd.unitSummaries(units),
    headCommit(releaseDir(cfg, 'blue')),
    headCommit(releaseDir(cfg, 'green')),
    opts.files === false ? Promise.resolve([]) : import('./install.js').then((m) => m.pendingChanges(cfg, ad.exists, [...COLORS], true)),
    opts.ports === false ? Promise.resolve([]) : listeningOn([cfg.web.ports.blue, cfg.web.ports.green]),
    readSysctl(TCP_MIGRATE_REQ),
  ]);
  const upstreamPort = upstreamText === undefined ? undefined : parseUpstream(upstreamText);
  const unitMap: Record<string, ObservedUnit> = {};
  for (const s of states) unitMap[s.name] = s;
  return {
    active: upstreamPort === undefined ? undefined : colorOfPort(cfg, upstreamPort),
    upstreamPort,
    caddyUpstreams,
    units: unitMap,
    releases: { blue: blue ?? {}, green: green ?? {} },
    changedFiles: changes.map((c) => c.path),
    listening,
    tcpMigrateReq: migrate === undefined ? undefined : migrate === '1',
  };
}

export function allUnits(cfg: Config): string[] {
  const names = COLORS.flatMap((c) => Object.values(unitNames(cfg, c))).filter((x): x is string => !!x);
  if (cfg.legacyUnit) names.push(cfg.legacyUnit);
  return names;
}
