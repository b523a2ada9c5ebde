// bin/bg.cjs → here: load dist/bundle/main.cjs, hand it a loader for the command bundles, and
// save V8 code caches for whatever ran without one. Kept apart from the bundles it loads.
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { LoadCommand } from '../cli/command-loader.js';
import { buildId } from '../build-id.js';
import { cacheDir } from '../cache-dir.js';
import { type LoadedBundle, cacheFileName, loadBundle } from './compile-cache.js';

type Main = (argv: string[], load: LoadCommand) => Promise<number>;

const LIFTOFF_ARCHS = new Set(['x64', 'arm64', 'arm', 'ia32']);

export async function boot(argv: string[], bundleDir: string): Promise<number> {
  // undici compiles its HTTP parser (WebAssembly) at the first request; V8's optimizing tier for it
  // briefly took ~35 MB. The baseline compiler (Liftoff) is plenty for a few health checks. Set before
  // any bundle compiles: V8 keys code caches on its flags. Only where V8 has Liftoff.
  if (LIFTOFF_ARCHS.has(process.arch)) setFlagsFromString('--liftoff-only');
  const dir = cacheDir(process.env, 'v8');
  const cacheFile = (name: string) => (dir && buildId ? join(dir, cacheFileName(name, buildId)) : undefined);
  const loaded: LoadedBundle[] = [];
  const load = (name: string): Record<string, unknown> => {
    const b = loadBundle(join(bundleDir, `${name}.cjs`), cacheFile(name), load);
    loaded.push(b);
    return b.exports;
  };
  const main = load('main').main as Main;
  const code = await main(argv, async (name) => load(name) as never);
  for (const b of loaded) b.save();
  return code;
}
