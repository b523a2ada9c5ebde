// Bundles the CLI into dist/bundle/: main.cjs (argument parsing), one self-contained bundle per
// command (status.cjs never holds undici, execa or pino), and boot.cjs, which bin/bg.cjs runs to
// load them through V8's code cache (src/startup/). CommonJS because Node 20 can cache the compiled
// code of a vm.Script but not of an ES module; minified because reading and hashing ~3 MB of source
// per run showed in `bg status`'s time. Sourcemaps sit beside them (node --enable-source-maps).
// dist/bundle/ sits two levels under the package root, so templates/ resolves as from dist/<dir>/.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist/bundle';
// Every file in src/cli/commands/ is a command and gets its bundle (test/unit/command-list.test.ts
// checks that src/cli/command-loader.ts lists the same names).
const COMMANDS = readdirSync('src/cli/commands')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

rmSync(OUT, { recursive: true, force: true });

// BG_BUILD_ID (src/startup/build-id.ts): a hash of everything the bundles are made from. Caches written by
// one build (V8 code, validated configs) are ignored by any other.
const files = (p) =>
  statSync(p).isDirectory()
    ? readdirSync(p)
        .sort()
        .flatMap((f) => files(join(p, f)))
    : [p];
const hash = createHash('sha256');
for (const f of [
  'package.json',
  'package-lock.json',
  'scripts/bundle.mjs',
  ...files('scripts/bundle-stubs'),
  ...files('src'),
  ...files('templates'),
]) {
  hash.update(`${f}\0`).update(readFileSync(f));
}
const buildId = hash.digest('hex').slice(0, 16);
const version = JSON.parse(readFileSync('package.json', 'utf8')).version; // src/protocol/version.ts

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: OUT,
  outExtension: { '.js': '.cjs' },
  logLevel: 'warning',
  metafile: true,
  define: { BG_BUILD_ID: JSON.stringify(buildId), BG_VERSION: JSON.stringify(version) },
};

// Config validation (yaml and the key table's walker) is a bundle of its own: src/config/load.ts
// imports it only when the config cache misses. Bundles reach each other as `bg:bundle/<name>`,
// which boot.cjs's require resolves to the same code-cached loader.
const SEPARATE = { './parse.js': 'config-parse' };
const separateBundles = {
  name: 'separate-bundles',
  setup(b) {
    b.onResolve({ filter: /^\.\/parse\.js$/ }, (args) =>
      args.importer.endsWith('src/config/load.ts') ? { path: `bg:bundle/${SEPARATE[args.path]}`, external: true } : undefined,
    );
  },
};

const app = await build({
  ...common,
  entryPoints: {
    main: 'src/cli/main.ts',
    ...Object.fromEntries(COMMANDS.map((c) => [c, `src/cli/commands/${c}.ts`])),
    'config-parse': 'src/config/parse.ts',
  },
  plugins: [separateBundles],
  supported: { 'dynamic-import': false }, // import() → require(), so bg:bundle/* goes through boot's require
  minifyWhitespace: true,
  minifySyntax: true,
  alias: { xml2js: './scripts/bundle-stubs/xml2js.cjs' }, // dbus-next's introspection, unused by bg
  external: ['x11'], // dbus-next's optional X11 session-bus lookup
  define: { ...common.define, 'import.meta.url': '__bgImportMetaUrl' },
  banner: { js: 'var __bgImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
});

const boot = await build({ ...common, entryPoints: { boot: 'src/startup/boot.ts' } });

writeFileSync('dist/bundle-meta.json', JSON.stringify({ buildId, app: app.metafile, boot: boot.metafile }));
