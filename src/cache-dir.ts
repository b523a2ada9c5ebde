// Where bg keeps what it can rebuild at any time (V8 code caches, validated configs):
// $BG_CACHE_DIR (a directory, or `off`), else $XDG_CACHE_HOME/bg, else ~/.cache/bg.
// Losing it costs speed only.
import { join } from 'node:path';

export function cacheDir(env: NodeJS.ProcessEnv, sub: string): string | undefined {
  const set = env.BG_CACHE_DIR;
  if (set === 'off' || set === '0') return undefined;
  if (set) return join(set, sub);
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'bg', sub);
  return env.HOME ? join(env.HOME, '.cache', 'bg', sub) : undefined;
}
