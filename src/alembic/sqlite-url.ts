// Which SQLite database an app's env file points at (a `KEY=sqlite:///…` line), so a downgrade can be
// rehearsed on a copy. Pure.

export interface SqliteDatabase {
  variable: string; // the env file's key, overridden for the rehearsal
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
    const url = /^sqlite(?:\+\w+)?:\/\/\/([^?]+)/.exec(value);
    if (!url || url[1] === ':memory:') continue;
    const file = url[1]!;
    if (file.startsWith('/')) return { variable: m[1]!, path: file };
    return { variable: m[1]!, path: `${project}/${file}`, instancePath: `${project}/instance/${file}` };
  }
  return undefined;
}
