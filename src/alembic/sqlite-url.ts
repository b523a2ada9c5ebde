// Which SQLite database an app's env file points at (a `KEY=sqlite:///…` line), so a downgrade can be
// rehearsed on a copy. Pure.

export interface SqliteDatabase {
  variable: string; // the env file's key, overridden for the rehearsal
  scheme: string; // `sqlite`, or with its driver (`sqlite+aiosqlite`), kept for the override
  query: string; // `?…` after the path, kept for the override; '' when none
  path: string; // absolute
  // a relative path's other place: Flask-SQLAlchemy 3 resolves it in the app's instance folder
  // (<project>/instance/), used when the file is there and not at `path`
  instancePath?: string;
}

export function sqliteDatabase(envFile: string, project: string): SqliteDatabase | undefined {
  for (const raw of envFile.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    const value = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
    const url = /^(sqlite(?:\+\w+)?):\/\/\/([^?]+)(\?.*)?$/.exec(value);
    if (!url || url[2] === ':memory:') continue;
    const [scheme, file, query] = [url[1]!, url[2]!, url[3] ?? ''];
    if (file.startsWith('/')) return { variable: m[1]!, scheme, query, path: file };
    return { variable: m[1]!, scheme, query, path: `${project}/${file}`, instancePath: `${project}/instance/${file}` };
  }
  return undefined;
}
