import { basename, dirname } from 'node:path';
import {
  backupsDir,
  colorDir,
  everyUnit,
  inAppDir,
  maintenanceFlag,
  presentUnits,
  releasePath,
  releaseRecordPath,
  releasesDir,
  siteFile,
  TCP_MIGRATE_REQ,
  unitNames,
  VENV_COMPLETE,
  venvsDir,
} from '../config/names.js';
import { COLORS, type Color, type Config } from '../config/types.js';
import type { HostReader } from '../execute/host.js';
import { importsSite } from '../render/main-caddyfile.js';
import { colorOfPort, isSocketUpstream, parseUpstream } from '../render/upstream.js';
import { adaptCaddyfile } from './caddy-config.js';
import { caddyCommand } from './caddy-sites.js';
import {
  type AppFiles,
  type ColorRelease,
  type HostState,
  isRunning,
  type LiveVenv,
  type MemorySeen,
  type ObservedUnit,
  type ReleaseRecord,
} from './host-state.js';
import { socketLinkColor } from './socket-state.js';
import { outsideVenvs, trustFor, whyUntrusted } from './venv-trust.js';

export interface ObserveOptions {
  files?: boolean; // compare every rendered file with disk (loads the templates): setup and dry runs
  ports?: boolean; // ask the kernel who listens on our ports (`ss`, a process): planners only
  logLines?: number; // read the active web's last log lines too (journalctl, a process): status
  releases?: boolean; // list every release on disk: releases, rollback --to, cleanup
  memory?: boolean; // what each running unit uses and the host's headroom: deploy, rollback, restart, status
  appFiles?: boolean; // which of the app's files are on disk: remove
  backups?: boolean; // the database copies in <root>/backups: cleanup
}

// Reads everything planners, diagnose and `bg status` need, once and in parallel. Read-only.
// The upstream file and the color links are read first: they say which color is active (whose log
// to read) and which releases the colors hold.
export async function observe(cfg: Config, host: HostReader, opts: ObserveOptions = {}): Promise<HostState> {
  const [upstreamText, blueLink, greenLink, socketColor] = await Promise.all([
    host.files.read(cfg.caddy.upstreamFile),
    colorLink(cfg, host, 'blue'),
    colorLink(cfg, host, 'green'),
    socketLinkColor(cfg, host),
  ]);
  // socket switch: the upstream file names the symlink, and the symlink's target is the live color
  // (read as a link, never followed); it stands for that color's port below
  const viaSocket = upstreamText !== undefined && isSocketUpstream(cfg, upstreamText);
  const upstreamPort =
    upstreamText === undefined ? undefined : viaSocket ? socketColor && cfg.web.ports[socketColor] : parseUpstream(upstreamText);
  const active = upstreamPort === undefined ? undefined : colorOfPort(cfg, upstreamPort);
  const activeWeb = active && unitNames(cfg, active).web;
  const head = (c: Partial<ColorRelease>) => (c.release ? host.releaseHead(releasePath(cfg, c.release)) : Promise.resolve(undefined));
  const summaries = host.systemd.unitSummaries(allUnits(cfg));
  // the active web's log is read for its current run only: its invocation comes with the summaries
  const logLines = (n: number, unit: string) => summaries.then((s) => host.unitLog(unit, n, s.find((u) => u.name === unit)?.invocationId));
  const liveRelease = active && (active === 'blue' ? blueLink : greenLink).release;
  const [
    caddyUpstreams,
    caddyUnit,
    caddyOnDisk,
    states,
    blueHead,
    greenHead,
    changes,
    listening,
    migrate,
    lock,
    lines,
    releases,
    envLink,
    memory,
    liveVenv,
    appUser,
    legacyExecStart,
    appFiles,
    backups,
  ] = await Promise.all([
    host.caddy.upstreams().catch(() => undefined),
    readCaddyUnit(cfg, host),
    readCaddyOnDisk(cfg, host),
    summaries,
    head(blueLink),
    head(greenLink),
    opts.files ? import('./pending-files.js').then((m) => m.pendingChanges(cfg, host.files, [...COLORS], true)) : undefined,
    opts.ports ? host.listening([cfg.web.ports.blue, cfg.web.ports.green]) : undefined,
    host.readSysctl(TCP_MIGRATE_REQ),
    host.lockHolder(),
    opts.logLines && activeWeb ? logLines(opts.logLines, activeWeb) : undefined,
    opts.releases ? listReleases(cfg, host) : undefined,
    host.files.isSymlink(cfg.envFile),
    opts.memory ? summaries.then((s) => readMemory(host, s, activeWeb)) : undefined,
    cfg.venv && liveRelease ? readLiveVenv(cfg, host, liveRelease) : undefined,
    // who `user` is and what the legacy unit runs: names that must not hand out privileges (names-check.ts)
    cfg.scope === 'system' ? host.passwdEntry(cfg.user).catch(() => undefined) : undefined,
    cfg.legacyUnit
      ? host.systemd
          .execStart(cfg.legacyUnit)
          .then((e) => (e.loadState === 'loaded' ? (e.argv ? [e.argv] : []) : undefined))
          .catch(() => undefined)
      : undefined,
    opts.appFiles ? readAppFiles(cfg, host) : undefined,
    opts.backups ? readBackups(cfg, host) : undefined,
  ]);
  const units: Record<string, ObservedUnit> = {};
  for (const s of states) units[s.name] = s;
  return {
    active,
    upstreamFile: upstreamText === undefined ? 'missing' : upstreamPort === undefined ? 'unreadable' : 'ok',
    upstreamPort,
    caddyUpstreams,
    ...(socketColor && { socketColor }),
    ...(viaSocket && { upstreamSocket: true }),
    units,
    colors: { blue: { ...blueLink, ...blueHead }, green: { ...greenLink, ...greenHead } },
    releases,
    changedFiles: changes?.map((c) => c.path),
    listening,
    tcpMigrateReq: migrate === undefined ? undefined : migrate === '1',
    envFileIsLink: envLink,
    maintenance: host.files.exists(maintenanceFlag(cfg)),
    lock,
    activeLog: activeWeb && lines !== undefined ? { unit: activeWeb, lines } : undefined,
    memory,
    caddyUnit,
    caddyfileExists: caddyOnDisk !== 'missing',
    caddyOnDisk: caddyOnDisk === 'missing' ? undefined : caddyOnDisk,
    liveVenv,
    appUser,
    legacyExecStart,
    appFiles,
    backups,
  };
}

// a directory bg would not use (a link, someone else's) is reported, not followed
async function readBackups(cfg: Config, host: HostReader): Promise<HostState['backups']> {
  try {
    return (await host.backups.list(backupsDir(cfg))).map((f) => ({ name: f.name, mtimeMs: f.mtimeMs }));
  } catch (e) {
    return { unreadable: e instanceof Error ? e.message : String(e) };
  }
}

async function readAppFiles(cfg: Config, host: HostReader): Promise<AppFiles> {
  const main = await host.files.read(cfg.caddy.caddyfile);
  return {
    unitFiles: everyUnit(cfg.app).filter((u) => host.files.exists(`${cfg.unitDir}/${u}`)),
    siteFile: host.files.exists(siteFile(cfg)),
    imported: main !== undefined && importsSite(cfg, main),
    upstreamFile: host.files.exists(cfg.caddy.upstreamFile),
    root: host.files.exists(cfg.root),
  };
}

// What Caddy's unit runs (ExecStart), so bg only ever adds this app to the file Caddy loads.
async function readCaddyUnit(cfg: Config, host: HostReader): Promise<HostState['caddyUnit']> {
  const u = await host.systemd.execStart(cfg.caddy.unit).catch(() => undefined);
  if (!u) return undefined;
  return { loadState: u.loadState, command: u.argv ? caddyCommand(u.argv, u.workingDirectory) : undefined };
}

// Whether the main Caddyfile on disk, with every file it imports, is a config Caddy would load.
async function readCaddyOnDisk(cfg: Config, host: HostReader): Promise<HostState['caddyOnDisk'] | 'missing'> {
  const text = await host.files.read(cfg.caddy.caddyfile).catch(() => undefined);
  if (text === undefined) return 'missing';
  const r = await adaptCaddyfile(host, cfg.caddy.caddyfile, text).catch(() => undefined);
  return r && (r.ok ? { ok: true } : { ok: false, error: r.error, blamed: r.blamed });
}

/** The live release's .venv: a link to a venv under <root>/venvs, root's all the way (lstat only)? */
async function readLiveVenv(cfg: Config, host: HostReader, release: string): Promise<LiveVenv | undefined> {
  const link = `${inAppDir(cfg, releasePath(cfg, release))}/.venv`;
  const st = await host.files.lstat(link);
  if (!st) return undefined; // a release from before venv: was set; its units run without one
  const target = st.kind === 'link' ? await host.files.readLink(link) : undefined;
  const outside = outsideVenvs(cfg, target);
  if (outside) return { link, target, untrusted: `${link} ${outside}` };
  const trust = trustFor(cfg.scope, process.geteuid?.() ?? 0);
  const checks: [string, 'dir' | 'file'][] = [
    [venvsDir(cfg), 'dir'],
    [target!, 'dir'],
    [`${target}/${VENV_COMPLETE}`, 'file'],
  ];
  for (const [path, want] of checks) {
    const why = whyUntrusted(path, await host.files.lstat(path), want, trust);
    if (why) return { link, target, untrusted: why };
  }
  return { link, target };
}

async function readMemory(host: HostReader, units: ObservedUnit[], activeWeb: string | undefined): Promise<MemorySeen> {
  const running = units.filter((u) => isRunning(u) && u.mainPid > 0);
  const used = await Promise.all(running.map((u) => host.unitMemory(u.name).catch(() => undefined)));
  const live = running.find((u) => u.name === activeWeb);
  const headroom = live ? await host.memoryHeadroom(live.name, live.mainPid).catch(() => undefined) : undefined;
  const seen: MemorySeen = { units: {}, headroom };
  running.forEach((u, i) => {
    if (used[i] !== undefined) seen.units[u.name] = used[i];
  });
  return seen;
}

/** Which release a color's link names; an install from before releases has releases/<color> itself. */
async function colorLink(cfg: Config, host: HostReader, color: Color): Promise<ColorRelease> {
  const target = await host.files.readLink(colorDir(cfg, color));
  if (target !== undefined) {
    const inReleases = dirname(target) === releasesDir(cfg) || dirname(target) === 'releases';
    return { release: inReleases ? basename(target) : undefined, linked: true };
  }
  return host.files.exists(`${releasePath(cfg, color)}/.git`) ? { release: color, linked: false } : { linked: false };
}

async function listReleases(cfg: Config, host: HostReader): Promise<ReleaseRecord[]> {
  const names = await host.files.list(releasesDir(cfg));
  const ids = names.filter((n) => !n.startsWith('.') && !n.endsWith('.json'));
  const records = await Promise.all(
    ids.map(async (id): Promise<ReleaseRecord> => {
      const text = await host.files.read(releaseRecordPath(cfg, id)).catch(() => undefined);
      if (text !== undefined) {
        try {
          return { ...(JSON.parse(text) as ReleaseRecord), id };
        } catch {
          // a torn record: fall through to what git says
        }
      }
      const h = await host.releaseHead(releasePath(cfg, id));
      return { id, commit: h?.commit, subject: h?.subject, status: 'adopted' };
    }),
  );
  return records.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || b.id.localeCompare(a.id));
}

export function allUnits(cfg: Config): string[] {
  const names = COLORS.flatMap((c) => presentUnits(cfg, c));
  if (cfg.legacyUnit) names.push(cfg.legacyUnit);
  return names;
}
