import { presentUnits, releaseDir, TCP_MIGRATE_REQ, unitNames } from '../config/names.js';
import { COLORS, type Config } from '../config/types.js';
import { colorOfPort, parseUpstream } from '../render/upstream.js';
import type { HostReader } from '../run/host.js';
import type { HostState, ObservedUnit } from './host-state.js';

export interface ObserveOptions {
  files?: boolean; // compare every rendered file with disk (loads the templates): setup and dry runs
  ports?: boolean; // ask the kernel who listens on our ports (`ss`, a process): planners only
  logLines?: number; // read the active web's last log lines too (journalctl, a process): status
}

// Reads everything planners, diagnose and `bg status` need, once and in parallel. Read-only.
// The upstream file is read first: it says which color is active, and so whose log to read.
export async function observe(cfg: Config, host: HostReader, opts: ObserveOptions = {}): Promise<HostState> {
  const upstreamText = await host.files.read(cfg.caddy.upstreamFile);
  const upstreamPort = upstreamText === undefined ? undefined : parseUpstream(upstreamText);
  const active = upstreamPort === undefined ? undefined : colorOfPort(cfg, upstreamPort);
  const activeWeb = active && unitNames(cfg, active).web;
  const [caddyUpstreams, states, blue, green, changes, listening, migrate, lock, lines] = await Promise.all([
    host.caddy.upstreams().catch(() => undefined),
    host.systemd.unitSummaries(allUnits(cfg)),
    host.releaseHead(releaseDir(cfg, 'blue')),
    host.releaseHead(releaseDir(cfg, 'green')),
    opts.files ? import('../run/install.js').then((m) => m.pendingChanges(cfg, host.files, [...COLORS], true)) : undefined,
    opts.ports ? host.listening([cfg.web.ports.blue, cfg.web.ports.green]) : undefined,
    host.readSysctl(TCP_MIGRATE_REQ),
    host.lockHolder(),
    opts.logLines && activeWeb ? host.unitLog(activeWeb, opts.logLines) : undefined,
  ]);
  const units: Record<string, ObservedUnit> = {};
  for (const s of states) units[s.name] = s;
  return {
    active,
    upstreamFile: upstreamText === undefined ? 'missing' : upstreamPort === undefined ? 'unreadable' : 'ok',
    upstreamPort,
    caddyUpstreams,
    units,
    releases: { blue: blue ?? {}, green: green ?? {} },
    changedFiles: changes?.map((c) => c.path),
    listening,
    tcpMigrateReq: migrate === undefined ? undefined : migrate === '1',
    lock,
    activeLog: activeWeb && lines !== undefined ? { unit: activeWeb, lines } : undefined,
  };
}

export function allUnits(cfg: Config): string[] {
  const names = COLORS.flatMap((c) => presentUnits(cfg, c));
  if (cfg.legacyUnit) names.push(cfg.legacyUnit);
  return names;
}
