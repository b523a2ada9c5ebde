import type { Headroom } from '../adapters/memory.js';
import type { Color, Config } from '../config/types.js';
import { socketDial } from '../render/upstream.js';
import type { LockInfo } from '../state/lock.js';
import type { BackupSeen } from './backups-kept.js';
import type { Blamed, CaddyCommand } from './caddy-sites.js';

// What bg observed on the host before planning. Gathered by observe.ts; planners and diagnose read
// only this. A field that is undefined was not looked at (or, for Caddy, did not answer): that is
// different from an empty answer.

export interface ObservedUnit {
  name: string;
  loadState: string; // loaded | not-found | ...
  activeState: string; // active | inactive | failed | activating | deactivating
  subState: string;
  mainPid: number;
  since?: Date;
  fileState?: string; // enabled | disabled | static | ...; undefined: not read
  invocationId?: string; // its current run, for reading only that run's journal lines
}

export interface HostState {
  active?: Color; // from upstream.txt; undefined when bg never switched (not set up)
  upstreamFile: 'missing' | 'unreadable' | 'ok'; // 'unreadable': there, but not in bg's format
  upstreamPort?: number; // the port upstream.txt names (may be a legacy port)
  caddyUpstreams?: string[]; // what Caddy routes to now; undefined when its admin API did not answer
  socketColor?: Color; // the socket switch: the color `active.sock` names (read as a link)
  upstreamSocket?: boolean; // upstream.txt names `active.sock` (what serves is the socket switch, whatever bg.yml says now)
  units: Record<string, ObservedUnit>;
  colors: Record<Color, ColorRelease>; // the release each color points at
  releases?: ReleaseRecord[]; // every release on disk, newest first; undefined: not looked
  changedFiles?: string[]; // paths `install` of both colors + Caddyfile would change; undefined: not looked
  listening?: number[]; // which of our web ports something listens on; undefined: not looked
  tcpMigrateReq?: boolean; // net.ipv4.tcp_migrate_req; undefined when the kernel lacks it
  maintenance?: boolean; // bluegreen maintenance is on
  envFileIsLink?: boolean; // the env file is a symbolic link (undefined: missing or not looked)
  lock?: { info?: LockInfo; alive: boolean }; // undefined: no lock file; info undefined: unreadable
  activeLog?: { unit: string; lines: string }; // the active web's last log line(s), when asked for
  memory?: MemorySeen; // undefined: not looked
  caddyUnit?: { loadState: string; command?: CaddyCommand }; // what caddy.unit runs; undefined: systemd did not answer
  caddyfileExists?: boolean; // caddy.caddyfile is on disk; undefined: not looked
  caddyOnDisk?: { ok: true } | { ok: false; error: string; blamed: Blamed[] }; // the main Caddyfile with its imports adapts; undefined: Caddy did not answer
  liveVenv?: LiveVenv; // with venv:, the live release's .venv; undefined: no venv, no live release, or not looked
  appUser?: PasswdEntry; // system scope: the passwd entry of `user`; undefined: no such account, or not looked
  legacyExecStart?: string[][]; // the legacy unit's ExecStart command lines; undefined: none or not looked
  appFiles?: AppFiles; // undefined: not looked (only remove looks)
  backups?: BackupSeen[] | { unreadable: string }; // the copies in <root>/backups; undefined: not looked (cleanup looks)
}

/** What of the app is on disk: what `remove` takes away. */
export interface AppFiles {
  unitFiles: string[]; // every bg unit of the app (either color, web, worker, beat) whose file is in unit_dir
  siteFile: boolean;
  imported: boolean; // the main Caddyfile imports the site file
  upstreamFile: boolean;
  root: boolean;
}

export interface PasswdEntry {
  uid: number;
  comment: string; // GECOS
  home: string;
  shell: string;
}

/** The live release's .venv and why the units' Python there is not to be trusted (undefined: it is). */
export interface LiveVenv {
  link: string;
  target?: string; // where the link points; undefined: not a symbolic link
  untrusted?: string;
}

export interface MemorySeen {
  units: Record<string, number>; // bytes each running unit uses (absent: not running or not readable)
  headroom?: Headroom; // how much more the host gives next to the live web; undefined: nothing runs to measure from
}

export interface ColorRelease {
  release?: string; // release id; undefined: the color points at nothing yet
  linked: boolean; // false: an install from before releases (releases/<color> is the clone itself)
  commit?: string;
  subject?: string;
}

export type ReleaseStatus = 'building' | 'built' | 'failed' | 'adopted';

/** <root>/releases/<id>.json: what a release is and whether its build passed. */
export interface ReleaseRecord {
  id: string;
  commit?: string;
  subject?: string;
  ref?: string;
  createdAt?: string; // ISO time the checkout started
  status: ReleaseStatus; // adopted: a checkout from before releases, without a record
  servedAt?: string; // when a switch first made it live
}

export const isRunning = (u: ObservedUnit | undefined): boolean =>
  !!u && (u.activeState === 'active' || u.activeState === 'activating' || u.activeState === 'reloading');

/**
 * Whether Caddy routes to `port`. With the socket switch Caddy dials `active.sock`, which stands for
 * the port of the color the symlink names.
 */
export const caddyRoutesTo = (cfg: Pick<Config, 'app' | 'root' | 'scope' | 'web'>, host: HostState, port: number): boolean =>
  !!host.caddyUpstreams?.some(
    (d) =>
      d === `127.0.0.1:${port}` || (host.socketColor !== undefined && d === socketDial(cfg) && cfg.web.ports[host.socketColor] === port),
  );
