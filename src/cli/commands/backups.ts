import { loadConfig } from '../../config/load.js';
import { backupsDir } from '../../config/names.js';
import { listBackups } from '../../execute/connect-host.js';
import type { BackupFile } from '../../execute/host.js';
import type { BackupRow } from '../../protocol/events.js';
import { jsonOut } from '../../protocol/writer.js';
import { type GlobalOptions, scopeOf } from '../options.js';

export type { BackupRow };

/** `bluegreen backups`: reads <root>/backups, changes nothing. */
export async function backups(o: GlobalOptions): Promise<number> {
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  const rows = backupRows(await listBackups(cfg));
  if (o.json) jsonOut({ event: 'backups', dir: backupsDir(cfg), backups: rows });
  else process.stdout.write(formatBackups(backupsDir(cfg), rows));
  return 0;
}

export function backupRows(files: BackupFile[]): BackupRow[] {
  return [...files]
    .sort((a, b) => a.mtimeMs - b.mtimeMs)
    .map((f) => {
      const note = parseNote(f.note);
      return {
        file: f.name,
        size: f.size,
        taken: typeof note.taken === 'string' ? note.taken : new Date(f.mtimeMs).toISOString(),
        kind: typeof note.kind === 'string' ? note.kind : f.name.endsWith('.dump') ? 'postgresql' : 'sqlite',
        release: typeof note.release === 'string' ? note.release : null,
        before: typeof note.before === 'string' ? note.before : null,
        migrations: Array.isArray(note.migrations) ? note.migrations.filter((m): m is string => typeof m === 'string') : [],
      };
    });
}

function parseNote(text: string | undefined): Record<string, unknown> {
  try {
    const v = text ? JSON.parse(text) : {};
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

function formatBackups(dir: string, rows: BackupRow[]): string {
  if (rows.length === 0) return `no database copies in ${dir}\n`;
  const table = [
    ['file', 'size', 'taken', 'precedes'],
    ...rows.map((r) => [
      r.file,
      size(r.size),
      r.taken,
      r.before === 'migrate-back' ? 'migrate-back' : r.migrations.length ? r.migrations.join(', ') : '(nothing to migrate)',
    ]),
  ];
  const width = (col: number) => Math.max(...table.map((cells) => cells[col]!.length));
  const lines = table.map(([file, bytes, taken, before]) =>
    [file!.padEnd(width(0)), bytes!.padStart(width(1)), taken!.padEnd(width(2)), before].join('  ').trimEnd(),
  );
  return `${dir}\n${lines.join('\n')}\n`;
}

const size = (bytes: number) => (bytes < 2 ** 20 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);
