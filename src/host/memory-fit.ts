// Will a second copy of the web tier fit next to the live one? Pure: reads what observe saw.
import type { Headroom } from '../adapters/memory.js';
import { unitNames } from '../config/names.js';
import { type Config, otherColor } from '../config/types.js';
import { mib } from '../format/size.js';
import type { HostState } from './host-state.js';

export interface MemoryFit {
  need: { bytes: number; from: string }; // what the new color's web will take
  headroom: Headroom;
  fits: boolean;
}

// A floor for the build's MemoryHigh=: below this pip or collectstatic would crawl rather than slow.
const BUILD_FLOOR = 64 * 2 ** 20;

/** What the new color's web will need: what the live one uses now, else web.memory_max; undefined when neither is known. */
export function memoryNeed(cfg: Config, host: HostState): MemoryFit['need'] | undefined {
  if (!host.active) return undefined;
  const web = unitNames(cfg, host.active).web;
  const used = host.memory?.units[web];
  if (used !== undefined) return { bytes: used, from: `what ${host.active}'s web uses now` };
  if (cfg.web.memoryMax !== undefined) return { bytes: cfg.web.memoryMax, from: 'web.memory_max' };
  return undefined;
}

export function memoryFit(cfg: Config, host: HostState): MemoryFit | undefined {
  const need = memoryNeed(cfg, host);
  const headroom = host.memory?.headroom;
  if (!need || !headroom) return undefined;
  return { need, headroom, fits: need.bytes <= headroom.bytes };
}

/**
 * MemoryHigh= for the build and release commands: the headroom less what the new color will need,
 * so a build that grows is slowed (the kernel reclaims its pages) long before the OOM killer has to
 * pick a process, and the room for the new color stays free. Undefined when bg could not measure.
 */
export function buildMemoryHigh(cfg: Config, host: HostState): number | undefined {
  const fit = memoryFit(cfg, host);
  if (!fit) return host.memory?.headroom?.bytes;
  return Math.max(BUILD_FLOOR, fit.headroom.bytes - fit.need.bytes);
}

export function memoryShortMessage(host: HostState, fit: MemoryFit): string {
  const to = host.active ? otherColor(host.active) : 'the new color';
  return `Not enough memory for a second copy of the web tier: ${to} needs about ${mib(fit.need.bytes)} (${fit.need.from}), and ${mib(fit.headroom.bytes)} is free (${fit.headroom.by}).`;
}
