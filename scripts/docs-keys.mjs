// `npm run docs:keys`: writes README.md's configuration table from the key table
// (src/config/keys.ts, through src/config/key-docs.ts). esbuild loads the TypeScript.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const dir = mkdtempSync(join(tmpdir(), 'bg-docs-keys-'));
try {
  const out = join(dir, 'key-docs.cjs');
  await build({
    entryPoints: ['src/config/key-docs.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    logLevel: 'warning',
  });
  const { withKeyTable } = createRequire(import.meta.url)(out);
  const before = readFileSync('README.md', 'utf8');
  const after = withKeyTable(before);
  if (after !== before) writeFileSync('README.md', after);
  console.log(after === before ? 'README.md: key table up to date' : 'README.md: key table rewritten');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
