import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
    readFile: (p) => {
      try {
        return readFileSync(resolve(cwd, p), 'utf8');
      } catch {
        return undefined;
      }
    },
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
