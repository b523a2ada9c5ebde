// `bluegreen releases` as a table, one host's.
import type { ReleaseRow } from '../protocol/events.js';

export function formatReleases(rows: ReleaseRow[]): string {
  if (rows.length === 0) return 'no releases on disk\n';
  const lines = rows.map((r) =>
    [
      r.live ? '*' : ' ',
      r.id.padEnd(18),
      (r.commit ?? '').slice(0, 12).padEnd(12),
      (r.ref ?? '').padEnd(14),
      (r.builtAt ?? '').padEnd(24),
      r.status.padEnd(8),
      r.colors.join(','),
    ]
      .join(' ')
      .trimEnd(),
  );
  return `${['  id                 commit       ref            built at                 status   color', ...lines].join('\n')}\n* live\n`;
}
