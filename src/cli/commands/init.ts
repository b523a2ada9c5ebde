import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeAtomic } from '../../adapters/files.js';
import { renderInitConfig } from '../../config/init-template.js';
import { configPathFor } from '../../config/load.js';
import { EXIT, UsageError } from '../../errors.js';
import type { GlobalOptions } from '../options.js';

export async function init(o: GlobalOptions): Promise<number> {
  const path = configPathFor({ path: o.config, env: process.env });
  if (existsSync(path) && !o.yes) {
    throw new UsageError(`${path} already exists.`, { next: 'Edit it, or pass --yes to overwrite it.' });
  }
  const cwd = process.cwd();
  const text = renderInitConfig({
    cwd,
    exists: (p) => existsSync(resolve(cwd, p)),
    readFile: (p) => readSource(resolve(cwd, p)),
    dirs: readdirSync(cwd, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name),
  });
  if (o.dryRun) {
    process.stdout.write(text);
    return EXIT.ok;
  }
  await writeAtomic(path, text, { mode: 0o644 });
  process.stdout.write(`wrote ${path}: check repo, root, ports and health, then run \`bluegreen setup\`.\n`);
  return EXIT.ok;
}

// A source init reads: a regular file (not a link, a FIFO or a device, which could hang it or pull in
// what lies elsewhere) of a source file's size.
const MAX_SOURCE = 1024 * 1024;
function readSource(path: string): string | undefined {
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.size > MAX_SOURCE) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
