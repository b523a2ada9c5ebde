// The main Caddyfile is the operator's (Debian ships one): bg only makes sure it imports this app's
// site file, and keeps everything else. Pure: current text in, new text out.

import { siteFile } from '../config/names.js';
import type { Config } from '../config/types.js';

const DEFAULT_ADMIN = 'localhost:2019';
const BG_RENDERED = '# Rendered by bg from templates/Caddyfile.ejs';

export function mainCaddyfile(cfg: Config, current: string | undefined): string {
  const file = siteFile(cfg);
  const importLine = `import ${file}`;
  // a main Caddyfile bg rendered whole (before site files) held only this app's site: start anew
  if (current === undefined || current.startsWith(BG_RENDERED)) return fresh(cfg, importLine);
  const lines = current.split('\n');
  if (lines.some((l) => l.trim() === importLine)) return current;
  // a block for the same site (a placeholder, or the app's site before bg) would clash with ours
  const block = siteBlock(lines, cfg.caddy.site);
  if (block) {
    const [from, to] = block;
    const note = `# bg: the ${cfg.caddy.site} site now lives in ${file} (${cfg.app}).`;
    return [...lines.slice(0, from), note, importLine, ...lines.slice(to + 1)].join('\n');
  }
  return `${current.replace(/\n*$/, '\n')}\n# Added by bg: ${cfg.app}'s site.\n${importLine}\n`;
}

function fresh(cfg: Config, importLine: string): string {
  const admin = cfg.caddy.admin === DEFAULT_ADMIN ? '' : `{\n\tadmin ${cfg.caddy.admin}\n}\n\n`;
  return `# Caddy's main config, created by bg. bg adds one import per app it deploys; the rest is yours.\n${admin}${importLine}\n`;
}

const addresses = (s: string) => new Set(s.split(/[\s,]+/).filter(Boolean));
const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));

/** [first line, closing line] of a top-level block whose addresses are exactly `site`'s. */
function siteBlock(lines: string[], site: string): [number, number] | undefined {
  const want = addresses(site);
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i]);
    const opens = /^(\S[^{]*?)\s*\{\s*$/.exec(line);
    if (depth === 0 && opens && sameSet(addresses(opens[1]), want)) {
      let d = 0;
      for (let j = i; j < lines.length; j++) {
        d += braces(stripComment(lines[j]));
        if (d === 0) return [i, j];
      }
      return undefined;
    }
    depth += braces(line);
  }
  return undefined;
}

const stripComment = (l: string) => l.replace(/(^|\s)#.*$/, '').trimEnd();
const braces = (l: string) => (l.match(/\{/g)?.length ?? 0) - (l.match(/\}/g)?.length ?? 0);

/** The main Caddyfile imports this app's site file. */
export const importsSite = (cfg: Config, text: string): boolean => text.split('\n').some((l) => l.trim() === `import ${siteFile(cfg)}`);

/**
 * `remove`: the main Caddyfile without this app's import line, and without the comment bg wrote
 * above it; every other line stays. A Caddyfile bg created that imports nothing else keeps its head.
 */
export function withoutSiteImport(cfg: Config, text: string): string {
  const importLine = `import ${siteFile(cfg)}`;
  const notes = new Set([
    `# Added by bg: ${cfg.app}'s site.`,
    `# bg: the ${cfg.caddy.site} site now lives in ${siteFile(cfg)} (${cfg.app}).`,
  ]);
  const lines = text.split('\n');
  const out = lines.filter((l, i) => l.trim() !== importLine && !(notes.has(l.trim()) && lines[i + 1]?.trim() === importLine));
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/\n+$/, '\n');
}
