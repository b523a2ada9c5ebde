// Which loader runs bg's bundles: Node's own compile cache (module.enableCompileCache, Node 22.8 and
// later) or bg's V8 code cache over vm.Script (compile-cache.ts), for Node 20, which has no compile
// cache of its own. The fallback ends when no supported distribution ships Node 20 any more
// (docs/node-versions.md).

export type Loader = 'node-compile-cache' | 'vm-code-cache';

/** The first Node with module.enableCompileCache(). */
export const NODE_COMPILE_CACHE_SINCE = { major: 22, minor: 8 } as const;

/** Pure: the loader for a Node version as `process.version` gives it (`v22.8.0`). */
export function loaderFor(version: string): Loader {
  const m = /^v?(\d+)\.(\d+)\./.exec(version);
  if (!m) return 'vm-code-cache';
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const since = NODE_COMPILE_CACHE_SINCE;
  return major > since.major || (major === since.major && minor >= since.minor) ? 'node-compile-cache' : 'vm-code-cache';
}
