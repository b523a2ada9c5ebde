// Bundles the CLI into dist/bundle/ (one entry, lazily loaded chunks per command). Loading ~100
// ESM files of execa/undici/zod one by one cost ~400 ms of CPU per `bg status`; a bundle parses once.
// dist/bundle/ sits two levels under the package root, so templates/ resolves as from dist/<dir>/.
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });

const result = await build({
  metafile: true,
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  alias: { xml2js: './scripts/bundle-stubs/xml2js.cjs' },
  external: ['x11'], // dbus-next's optional X11 session-bus lookup
  banner: { js: "import { createRequire as __bgRequire } from 'node:module'; const require = __bgRequire(import.meta.url);" },
  logLevel: 'warning',
});
writeFileSync('dist/bundle-meta.json', JSON.stringify(result.metafile));
