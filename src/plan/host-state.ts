import type { Color } from '../config/types.js';

// What bg observed on the host before planning. Gathered by src/run/observe.ts; planners read only this.

export interface ObservedUnit {
  name: string;
  loadState: string; // loaded | not-found | ...
  activeState: string; // active | inactive | failed | activating | deactivating
  subState: string;
  mainPid: number;
  since?: Date;
}

export interface HostState {
  active?: Color; // from upstream.txt; undefined when bg never switched (not set up)
  upstreamPort?: number; // the port upstream.txt names (may be a legacy port)
  caddyUpstreams?: string[]; // what Caddy routes to now; undefined when its admin API did not answer
  units: Record<string, ObservedUnit>;
  releases: Record<Color, { commit?: string; subject?: string }>;
  changedFiles: string[]; // paths `install` of both colors + Caddyfile would change
  listening: number[]; // which of our web ports something listens on
  tcpMigrateReq?: boolean; // net.ipv4.tcp_migrate_req; undefined when the kernel lacks it
}

export const isRunning = (u: ObservedUnit | undefined): boolean =>
  !!u && (u.activeState === 'active' || u.activeState === 'activating' || u.activeState === 'reloading');
