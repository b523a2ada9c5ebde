import { execFileSync } from 'node:child_process';
import { CHECKOUT } from '../harness/container.js';

/** The Debian 13 root's directory: scripts/trixie-root.sh builds it on first use, then finds it cached. */
export function trixieRoot(): string {
  return execFileSync('bash', [`${CHECKOUT}/scripts/trixie-root.sh`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 900_000,
  }).trim();
}
