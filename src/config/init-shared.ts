// `bg init`: the paths a project writes next to its code, for shared_dirs / shared_files. Each
// release is read-only for the app and replaced at every deploy: a database, uploads or a log
// directory there is lost (or cannot be written at all). Pure: reads through InitOptions.
import path from 'node:path';
import { flaskSources } from './init-flask-sources.js';
import type { InitOptions } from './init-template.js';
import { SHARED_RESERVED } from './rules.js';

export interface SharedFound {
  dirs: string[];
  files: string[];
  why: string[]; // what was seen, for the comment
}

// BASE_DIR / 'x', os.path.join(BASE_DIR, 'x'): a path in the project (Django's BASE_DIR is where manage.py is)
const IN_BASE = String.raw`(?:BASE_DIR\s*/\s*|os\.path\.join\(\s*BASE_DIR\s*,\s*)["']([A-Za-z0-9_][A-Za-z0-9_.-]*)["']`;
const DJANGO_DB = new RegExp(String.raw`["']NAME["']\s*:\s*${IN_BASE}`);
const MEDIA = new RegExp(String.raw`^MEDIA_ROOT\s*=\s*${IN_BASE}`, 'm');
// sqlite:///app.db is relative (four slashes: absolute)
const SQLITE_URL = /["']sqlite:\/\/\/(?!\/)([A-Za-z0-9_][A-Za-z0-9_.-]*)["']/;
const MKDIR = /\bos\.(?:mkdir|makedirs)\(\s*["']([A-Za-z0-9_][A-Za-z0-9_-]*)\/?["']/g;
const PATH_MKDIR = /\bPath\(\s*["']([A-Za-z0-9_][A-Za-z0-9_-]*)["']\s*\)\.mkdir\(/g;
const LOG_FILE =
  /(?:FileHandler\(\s*|["']filename["']\s*:\s*)(?:["']([A-Za-z0-9_-]+)\/[^"']+["']|(?:BASE_DIR\s*\/\s*)["']([A-Za-z0-9_-]+)["']\s*\/|os\.path\.join\(\s*BASE_DIR\s*,\s*["']([A-Za-z0-9_-]+)["']\s*,)/g;

/** The Python files of the project worth reading: Django's settings, a Flask app's modules. */
function sources(o: InitOptions, pkg: string | undefined): { file: string; text: string }[] {
  const names = [
    ...(pkg ? [`${pkg}/settings.py`, `${pkg}/settings/base.py`, `${pkg}/__init__.py`] : []),
    'app.py',
    'wsgi.py',
    'config.py',
    'settings.py',
    ...(o.dirs ?? []).filter((d) => /^[A-Za-z_]\w*$/.test(d)).flatMap((d) => [`${d}/__init__.py`, `${d}/config.py`]),
  ];
  const found = new Map<string, string>();
  for (const file of new Set(names)) {
    const text = o.readFile(path.join(o.cwd, file));
    if (text !== undefined) found.set(file, text);
  }
  // a Flask app factory's modules, through the entry module's imports
  for (const entry of ['wsgi.py', 'app.py'])
    if (!pkg && found.has(entry)) for (const s of flaskSources(o, o.cwd, entry)) found.set(s.file, s.text);
  return [...found].map(([file, text]) => ({ file, text }));
}

/** What the code in `o.cwd` (the project, app_dir) writes inside its own tree. */
export function detectSharedPaths(o: InitOptions, pkg?: string): SharedFound {
  const dirs = new Set<string>();
  const files = new Set<string>();
  const why: string[] = [];
  const all = sources(o, pkg);
  // Flask-SQLAlchemy 3 puts a relative SQLite path in the instance folder, which it creates
  const instance = all.some(({ text }) => /\bflask_sqlalchemy\b/.test(text));
  for (const { file, text } of all) {
    const db = DJANGO_DB.exec(text)?.[1];
    if (db) {
      files.add(db);
      why.push(`${file}: the SQLite database ${db} in the project`);
    }
    const media = MEDIA.exec(text)?.[1];
    if (media) {
      dirs.add(media);
      why.push(`${file}: MEDIA_ROOT ${media}/`);
    }
    const url = SQLITE_URL.exec(text)?.[1];
    if (url) {
      if (instance) dirs.add('instance');
      else files.add(url);
      why.push(`${file}: sqlite:///${url}${instance ? ' (Flask-SQLAlchemy: in instance/)' : ''}`);
    }
    for (const m of [...text.matchAll(MKDIR), ...text.matchAll(PATH_MKDIR)]) {
      dirs.add(m[1]);
      why.push(`${file}: creates ${m[1]}/`);
    }
    for (const m of text.matchAll(LOG_FILE)) {
      const dir = m[1] ?? m[2] ?? m[3];
      dirs.add(dir);
      why.push(`${file}: a log file in ${dir}/`);
    }
  }
  const keep = (p: string) => !SHARED_RESERVED.includes(p);
  return { dirs: [...dirs].filter(keep), files: [...files].filter((f) => keep(f) && !dirs.has(f)), why: [...new Set(why)] };
}
