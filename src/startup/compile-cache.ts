// Runs a CommonJS bundle through V8's code cache. Node 20 has no compile cache of its own
// (module.enableCompileCache is Node 22.8: node-compile-cache.ts, chosen by loader-choice.ts), and
// compiling bg's bundles was a large part of each run (docs/measurements.md).
// The cache is V8's serialized code for the bundle: reused while the bundle (its build id), Node
// and V8's flags are the same; V8 rejects a cache from another Node or flag set, and bg then
// recompiles and writes a fresh one. A cache write that fails is ignored: it only costs speed.
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { readOwnFile, writeOwnFile } from './cache-dir.js';

/** How one bundle requires another (scripts/bundle.mjs). */
export const BUNDLE_PREFIX = 'bg:bundle/';

export interface LoadedBundle {
  exports: Record<string, unknown>;
  /** 'hit' | 'miss' (no cache yet) | 'rejected' (V8 refused it) | 'off' | 'node' (Node's compile cache decides) */
  cache: 'hit' | 'miss' | 'rejected' | 'off' | 'node';
  /** Writes the code cache when there was none or V8 rejected it; call after the bundle has run, so
   * the functions it compiled lazily are in it. */
  save(): void;
}

/** One file per bundle, keyed by what makes V8's code valid: the bundle's build, Node, the CPU. */
export const cacheFileName = (name: string, buildId: string) => `${name}-${buildId}-${process.version}-${process.arch}.cache`;

/** `requireBundle` answers `require('bg:bundle/<name>')` from inside the bundle (scripts/bundle.mjs). */
export function loadBundle(file: string, cacheFile: string | undefined, requireBundle?: (name: string) => unknown): LoadedBundle {
  const source = readFileSync(file, 'utf8');
  const cached = cacheFile ? readOwnFile(cacheFile) : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData: cached,
  });
  const module = { exports: {} as Record<string, unknown> };
  const plainRequire = createRequire(file);
  const require = (id: string) =>
    requireBundle && id.startsWith(BUNDLE_PREFIX) ? requireBundle(id.slice(BUNDLE_PREFIX.length)) : plainRequire(id);
  script.runInThisContext()(module.exports, require, module, file, dirname(file));
  const cache = !cacheFile ? 'off' : !cached ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  return {
    exports: module.exports,
    cache,
    save: () => {
      if (cacheFile && cache !== 'hit') writeCache(cacheFile, script.createCachedData());
    },
  };
}

function writeCache(file: string, data: Buffer): void {
  if (!writeOwnFile(file, data)) return;
  try {
    pruneOthers(dirname(file), file);
  } catch {
    // stale caches only cost disk
  }
}

// Caches of the same bundle from earlier builds or Node versions are dead weight.
function pruneOthers(dir: string, keep: string): void {
  const prefix = `${keep.slice(dir.length + 1).split('-')[0]}-`;
  for (const f of readdirSync(dir)) {
    if (f.startsWith(prefix) && f.endsWith('.cache') && join(dir, f) !== keep) unlinkSync(join(dir, f));
  }
}
