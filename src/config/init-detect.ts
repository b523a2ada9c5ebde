// What `bg init` reads from a project's sources beyond its layout: the Django settings' static files
// and Celery beat, a Flask app's Flask-Migrate, and the git checkout a subdirectory belongs to. Pure
// over the caller's `exists` and `readFile`, like init-template.ts.
import path from 'node:path';
import { STATIC_DIR_RE, STATIC_PATH_RE } from './rules.js';

type Reader = { exists: (p: string) => boolean; readFile: (p: string) => string | undefined };

/** The settings' sources: the module manage.py names (a file, or a package with its usual parts), and <pkg>/settings.py. */
export function settingsSources(o: Reader, projectDir: string, pkg: string, settingsModule?: string): string {
  const files = new Set<string>();
  const add = (rel: string) => files.add(path.join(projectDir, rel));
  if (settingsModule) {
    const mod = settingsModule.replaceAll('.', '/');
    add(`${mod}.py`);
    for (const part of ['__init__', 'base', 'common', 'production', 'prod']) add(`${mod}/${part}.py`);
    const parent = path.dirname(mod);
    if (parent !== '.') for (const part of ['base', 'common']) add(`${parent}/${part}.py`);
  }
  add(`${pkg}/settings.py`);
  return [...files]
    .map((f) => o.readFile(f))
    .filter((t): t is string => t !== undefined)
    .join('\n');
}

/** Celery beat is on when the settings define a schedule or use django_celery_beat (an app or the scheduler). */
export function usesBeat(settings: string): boolean {
  const code = withoutComments(settings);
  return /^\s*(CELERY_BEAT_SCHEDULE|CELERYBEAT_SCHEDULE|beat_schedule)\s*=/m.test(code) || /["']django_celery_beat\b/.test(code);
}

export interface StaticSettings {
  path?: string; // STATIC_URL as a URL path, when Caddy can serve it (a local path, not a CDN's URL)
  dir?: string; // STATIC_ROOT relative to the project's directory (BASE_DIR)
}

/** STATIC_URL and STATIC_ROOT, when the settings spell them as startproject does (BASE_DIR / 'x', os.path.join(BASE_DIR, 'x')). */
export function staticSettings(settings: string): StaticSettings {
  const code = withoutComments(settings);
  const url = /^STATIC_URL\s*=\s*["']([^"']*)["']/m.exec(code)?.[1];
  const urlPath = url === undefined || /^[a-z]+:|^\/\//i.test(url) ? undefined : `/${url.replace(/^\/+/, '').replace(/\/*$/, '/')}`;
  const root = /^STATIC_ROOT\s*=\s*(.+)$/m.exec(code)?.[1] ?? '';
  const parts =
    /^BASE_DIR\s*\/\s*(.+)$/.exec(root.trim())?.[1].split(/\s*\/\s*/) ??
    /^os\.path\.join\(\s*BASE_DIR\s*,\s*(.+)\)\s*$/.exec(root.trim())?.[1].split(/\s*,\s*/);
  const names = parts?.map((p) => /^["']([^"'/]+)["']$/.exec(p)?.[1]);
  const dir = names?.every((n) => n !== undefined) ? names.join('/') : undefined;
  return {
    path: urlPath && STATIC_PATH_RE.test(urlPath) ? urlPath : undefined,
    dir: dir && STATIC_DIR_RE.test(dir) && dir !== '.' ? dir : undefined,
  };
}

/** A Flask app that uses Flask-Migrate (the import, or the migrations/ that `flask db init` writes). */
export function usesFlaskMigrate(o: Reader, projectDir: string, source: string): boolean {
  return (
    /^\s*(from\s+flask_migrate\s+import|import\s+flask_migrate)\b/m.test(source) ||
    o.exists(path.join(projectDir, 'migrations', 'alembic.ini'))
  );
}

/** The top of the git checkout that holds `dir` (a `.git` there or in a directory above), if any. */
export function gitTopLevel(o: Reader, dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (o.exists(path.join(d, '.git'))) return d;
    if (d === path.dirname(d)) return undefined;
  }
}

const withoutComments = (text: string) => text.replace(/^\s*#.*$/gm, '');
