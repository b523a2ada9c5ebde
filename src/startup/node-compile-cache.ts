// Node 22.8 and later: the bundles run as ordinary CommonJS modules and Node's own compile cache
// (module.enableCompileCache) keeps their compiled code, checked against each file's content by Node.
// Node writes it when the process exits. Compiled code decides what runs, and bg often runs as root
// with an environment a user chose: the cache is turned on only in a directory nobody else can write
// into or swap (isPrivateDir), else bg falls back to its own loader (compile-cache.ts).
import { mkdirSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { isPrivateDir } from './cache-dir.js';
import { BUNDLE_PREFIX, type LoadedBundle } from './compile-cache.js';

interface CompileCacheApi {
  enableCompileCache?: (dir: string) => { status: number; directory?: string; message?: string };
  constants?: { compileCacheStatus?: { ENABLED: number; ALREADY_ENABLED: number } };
}

/** Turns Node's compile cache on in `dir`; false when this Node has none or `dir` is not private. */
export function enableNodeCompileCache(dir: string): boolean {
  const api = Module as unknown as CompileCacheApi;
  const status = api.constants?.compileCacheStatus;
  if (typeof api.enableCompileCache !== 'function' || !status) return false;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return false;
  }
  if (!isPrivateDir(dir)) return false;
  const r = api.enableCompileCache(dir);
  // ALREADY_ENABLED: NODE_COMPILE_CACHE named a directory first; only ours is known to be private
  return r.status === status.ENABLED || (r.status === status.ALREADY_ENABLED && r.directory === dir);
}

interface CjsModule {
  exports: Record<string, unknown>;
  filename: string;
  loaded: boolean;
  require: (id: string) => unknown;
  _compile(source: string, filename: string, format?: 'commonjs'): void;
}

/** Runs a bundle through Node's CommonJS loader (so through its compile cache once enabled). */
export function loadBundleWithNode(file: string, source: string, requireBundle?: (name: string) => unknown): LoadedBundle {
  const mod = new Module(file) as unknown as CjsModule;
  mod.filename = file;
  const plainRequire = createRequire(file);
  // the module's `require` calls mod.require: `bg:bundle/<name>` goes to the boot loader
  mod.require = (id: string) =>
    requireBundle && id.startsWith(BUNDLE_PREFIX) ? requireBundle(id.slice(BUNDLE_PREFIX.length)) : plainRequire(id);
  mod._compile(source, file, 'commonjs'); // not left to syntax detection (Node 22)
  mod.loaded = true;
  return { exports: mod.exports, cache: 'node', save: () => {} };
}
