// Which gunicorn/celery command a unit runs. Pure: the caller passes `exists`.
import { colorAppDir } from '../config/names.js';
import type { Color, Config } from '../config/types.js';

/**
 * Configured words win. A configured first word that is not absolute is kept as is: systemd 252
 * looks it up in its own fixed PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:...),
 * not the deployer's. Else the release's virtualenv binary, else the first fallback whose
 * executable exists, else the bare tool name so that systemd reports what is missing.
 */
export function resolveCommand(
  configured: string[] | undefined,
  releaseBin: string,
  fallbacks: string[][],
  exists: (p: string) => boolean,
): string[] {
  if (configured && configured.length > 0) return [...configured];
  if (exists(releaseBin)) return [releaseBin];
  const found = fallbacks.find((words) => words.length > 0 && exists(words[0]));
  if (found) return [...found];
  return [releaseBin.slice(releaseBin.lastIndexOf('/') + 1)];
}

export const GUNICORN_FALLBACKS: string[][] = [['/usr/bin/gunicorn'], ['/usr/local/bin/gunicorn']];
// Debian's python3-celery ships no `celery` executable.
export const CELERY_FALLBACKS: string[][] = [['/usr/bin/celery'], ['/usr/local/bin/celery'], ['/usr/bin/python3', '-m', 'celery']];

export function gunicornCommand(cfg: Config, color: Color, exists: (p: string) => boolean): string[] {
  return resolveCommand(
    cfg.web.gunicorn,
    `${colorAppDir(cfg, color)}/.venv/bin/gunicorn`,
    venvModule(cfg, color, 'gunicorn', GUNICORN_FALLBACKS),
    exists,
  );
}

export function celeryCommand(cfg: Config, color: Color, exists: (p: string) => boolean): string[] {
  return resolveCommand(
    cfg.celery?.command,
    `${colorAppDir(cfg, color)}/.venv/bin/celery`,
    venvModule(cfg, color, 'celery', CELERY_FALLBACKS),
    exists,
  );
}

// With a venv bg builds, the tool runs on the venv's Python even when only a system site package
// provides it (no script in .venv/bin): never Debian's script on the system Python beside it.
function venvModule(cfg: Config, color: Color, module: string, fallbacks: string[][]): string[][] {
  return cfg.venv ? [[`${colorAppDir(cfg, color)}/.venv/bin/python`, '-m', module], ...fallbacks] : fallbacks;
}
