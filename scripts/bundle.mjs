// Bundles the CLI into dist/bundle/: main.cjs (argument parsing), one self-contained bundle per
// command (status.cjs never holds undici, execa or pino), and boot.cjs, which bin/bg.js runs to
// load them through V8's code cache (src/boot/). CommonJS because Node 20 can cache the compiled
// code of a vm.Script but not of an ES module; minified because reading and hashing ~3 MB of source
// per run showed in `bg status`'s time. Sourcemaps sit beside them (node --enable-source-maps).
// dist/bundle/ sits two levels under the package root, so templates/ resolves as from dist/<dir>/.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const OUT = 'dist/bundle';
const COMMANDS = ['init', 'setup', 'deploy', 'status', 'cleanup', 'history']; // src/cli/command-loader.ts

rmSync(OUT, { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: OUT,
  outExtension: { '.js': '.cjs' },
  logLevel: 'warning',
  metafile: true,
};

const app = await build({
  ...common,
  entryPoints: { main: 'src/cli/main.ts', ...Object.fromEntries(COMMANDS.map((c) => [c, `src/cli/commands/${c}.ts`])) },
  minifyWhitespace: true,
  minifySyntax: true,
  alias: { xml2js: './scripts/bundle-stubs/xml2js.cjs' }, // dbus-next's introspection, unused by bg
  external: ['x11'], // dbus-next's optional X11 session-bus lookup
  define: { 'import.meta.url': '__bgImportMetaUrl' },
  banner: { js: 'var __bgImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
});

const hash = createHash('sha256');
for (const file of Object.keys(app.metafile.outputs).sort()) hash.update(readFileSync(file));
const buildId = hash.digest('hex').slice(0, 16);

const boot = await build({ ...common, entryPoints: { boot: 'src/boot/boot.ts' }, define: { BG_BUILD_ID: JSON.stringify(buildId) } });

writeFileSync('dist/bundle-meta.json', JSON.stringify({ buildId, app: app.metafile, boot: boot.metafile }));
