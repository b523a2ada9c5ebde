// Pure validation of a user-supplied git ref (branch, tag or commit sha). The ref travels into git's
// argv and into the deploy journal; refusing anything odd up front keeps option injection
// (`--upload-pack=x`), shell metacharacters and newlines (unit-file injection) out entirely.
import { UsageError } from '../errors.js';

// '{' also rules out git's reflog syntax '@{'.
const FORBIDDEN_CHARS = new Set([...' ~^:?*[\\;&|$<>()\'"{}!#`']);

// git has no limit of its own, but a ref names a file under .git/refs: no file system takes a longer name
const MAX_REF_BYTES = 255;

const ALLOWED = 'Use a branch, tag or commit sha: letters, digits and . _ - / + , = @ (e.g. main, feature/x, v1.2.3).';

function problem(ref: string): string | undefined {
  if (ref.length === 0) return 'it is empty';
  if (Buffer.byteLength(ref) > MAX_REF_BYTES) return `it is longer than ${MAX_REF_BYTES} bytes`;
  if (ref.startsWith('-')) return 'it starts with "-" (it would be read as an option)';
  for (const ch of ref) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || /\s/u.test(ch)) return 'it contains whitespace or a control character';
    if (FORBIDDEN_CHARS.has(ch)) return `it contains ${JSON.stringify(ch)}`;
  }
  if (ref.includes('..')) return 'it contains ".."';
  if (ref === '@') return 'it is "@"';
  if (ref.includes('//')) return 'it contains "//"';
  if (ref.startsWith('/')) return 'it starts with "/"';
  if (ref.endsWith('/')) return 'it ends with "/"';
  if (ref.endsWith('.lock')) return 'it ends with ".lock"';
  if (ref.endsWith('.')) return 'it ends with "."';
  if (ref.split('/').some((part) => part.startsWith('.'))) return 'a path component starts with "."';
  return undefined;
}

/** Throws UsageError unless `ref` is safe to hand to git as a branch, tag or commit sha. */
export function validateRef(ref: string): void {
  const why = problem(ref);
  if (why === undefined) return;
  throw new UsageError(`${JSON.stringify(ref)} is not a valid git ref (${why}); expected a branch, tag or commit sha.`, { next: ALLOWED });
}
