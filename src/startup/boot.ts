// bin/bg.cjs → here: load dist/bundle/main.cjs, hand it a loader for the command bundles, and
// keep their compiled code for the next run: Node's own compile cache where Node has one
// (node-compile-cache.ts), else a V8 code cache saved for whatever ran without one (compile-cache.ts).
// Kept apart from the bundles it loads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadCommand } from '../cli/command-loader.js';
import { buildId } from './build-id.js';
import { cacheDir } from './cache-dir.js';
import { cacheFileName, type LoadedBundle, loadBundle } from './compile-cache.js';
import { loaderFor } from './loader-choice.js';
import { enableNodeCompileCache, loadBundleWithNode } from './node-compile-cache.js';
import { restoreDefaultWasmFlags } from './wasm-flags.js';

type Main = (argv: string[], load: LoadCommand) => Promise<number>;

export async function boot(argv: string[], bundleDir: string): Promise<number> {
  const loadOne = chooseLoader();
  const loaded: LoadedBundle[] = [];
  const load = (name: string): Record<string, unknown> => {
    const b = loadOne(join(bundleDir, `${name}.cjs`), name, load);
    loaded.push(b);
    return b.exports;
  };
  const main = load('main').main as Main;
  const code = await main(argv, async (name) => load(name) as never);
  restoreDefaultWasmFlags(); // the health client may have switched them (wasm-flags.ts)
  for (const b of loaded) b.save();
  return code;
}

type LoadOne = (file: string, name: string, requireBundle: (name: string) => unknown) => LoadedBundle;

function chooseLoader(): LoadOne {
  if (loaderFor(process.version) === 'node-compile-cache') {
    const dir = cacheDir(process.env, 'node');
    if (dir && enableNodeCompileCache(dir))
      return (file, _name, requireBundle) => loadBundleWithNode(file, readFileSync(file, 'utf8'), requireBundle);
  }
  const dir = cacheDir(process.env, 'v8');
  const cacheFile = (name: string) => (dir && buildId ? join(dir, cacheFileName(name, buildId)) : undefined);
  return (file, name, requireBundle) => loadBundle(file, cacheFile(name), requireBundle);
}
