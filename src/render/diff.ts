import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

/** A unified diff of one file ('' when equal); a new file is shown against /dev/null. */
export function unifiedDiff(path: string, before: string | undefined, after: string): string {
  if (before === after) return '';
  return createTwoFilesPatch(before === undefined ? '/dev/null' : path, path, before ?? '', after, undefined, undefined, {
    headerOptions: FILE_HEADERS_ONLY,
  });
}
