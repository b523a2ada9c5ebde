// bin/bg.cjs → here: load dist/bundle/main.cjs, hand it a loader for the command bundles, and
// save V8 code caches for whatever ran without one. Kept apart from the bundles it loads.
import { join } from 'node:path';
import type { LoadCommand } from '../cli/command-loader.js';
import { buildId } from './build-id.js';
import { cacheDir } from './cache-dir.js';
import { cacheFileName, type LoadedBundle, loadBundle } from './compile-cache.js';
import { restoreDefaultWasmFlags } from './wasm-flags.js';

type Main = (argv: string[], load: LoadCommand) => Promise<number>;

export async function boot(argv: string[], bundleDir: string): Promise<number> {
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
  restoreDefaultWasmFlags(); // the health client may have switched them (wasm-flags.ts)
  for (const b of loaded) b.save();
  return code;
}
