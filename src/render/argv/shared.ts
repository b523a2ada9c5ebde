// The `sh -c` line that makes the shared paths in <root>/shared, run as the app's user (root never
// creates or follows anything in a directory that user owns). Pure.
import { shellQuote } from './ssh.js';

/**
 * Directories (0755) and missing files (empty, 0640), whatever the caller's umask. A file already
 * there, or a link the app put there, is left as it is.
 */
export function makeSharedLine(dirs: readonly string[], files: readonly string[]): string {
  const parents = files.map((f) => f.split('/').slice(0, -1).join('/')).filter((d) => d !== '');
  const mkdirs = [...new Set([...dirs, ...parents])];
  const parts = ['umask 022'];
  if (mkdirs.length) parts.push(`mkdir -p -- ${mkdirs.map(shellQuote).join(' ')}`);
  for (const f of files) {
    const q = shellQuote(f);
    parts.push(`{ [ -e ${q} ] || [ -L ${q} ] || (umask 027 && : > ${q}); }`);
  }
  return parts.join(' && ');
}
