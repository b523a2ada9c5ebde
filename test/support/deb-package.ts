import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKOUT } from '../harness/container.js';

/** Builds the .deb from the built checkout into a directory of this run under dist/ (which containers see at the same path); its path. */
export function buildDeb(): string {
  const out = join(CHECKOUT, 'dist', `deb-test-${process.pid}`);
  mkdirSync(out, { recursive: true });
  return execFileSync(process.execPath, [join(CHECKOUT, 'scripts/package.mjs'), '--out', out], { cwd: CHECKOUT, encoding: 'utf8' }).trim();
}
