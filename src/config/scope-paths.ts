// The defaults that depend on the scope (system or user): the key table (keys.ts) shows them, and
// every command resolves them without loading the table. They take env and homedir as arguments so
// the resolution stays pure (tests pass their own).
import path from 'node:path';
import type { Scope } from './types.js';

/** A default that depends on the scope; `<app>`, `<root>`, `~/.config` and `~/.local/state` are filled in. */
export interface ScopedDefault {
  system: string;
  user: string;
}

/** The keys' scoped defaults: keys.ts gives each to its key (env_file, unit_dir, state_dir, caddy.caddyfile, caddy.upstream_file). */
export const SCOPE_DEFAULTS = {
  envFile: { system: '/etc/bg/<app>.env', user: '<root>/shared/.env' },
  unitDir: { system: '/etc/systemd/system', user: '~/.config/systemd/user' },
  stateDir: { system: '/var/lib/bg/<app>', user: '~/.local/state/bg/<app>' },
  caddyfile: { system: '/etc/caddy/Caddyfile', user: '~/.config/bg/<app>/Caddyfile' },
  upstreamFile: { system: '/etc/caddy/<app>-upstream.txt', user: '~/.config/bg/<app>/upstream.txt' },
} as const satisfies Record<string, ScopedDefault>;

export interface ScopePaths {
  unitDir: string;
  stateDir: string;
  caddyfile: string;
  upstreamFile: string;
}

// XDG base dirs must be absolute; a relative value is ignored, as the spec says.
const xdg = (env: NodeJS.ProcessEnv, name: string, fallback: string): string => {
  const v = env[name];
  return v && path.isAbsolute(v) ? path.normalize(v) : fallback;
};

interface Fill {
  app: string;
  root?: string;
  configHome?: string;
  stateHome?: string;
}

/** A scoped default with its placeholders filled: `<app>`, `<root>`, `~/.config`, `~/.local/state`. */
export const fillDefault = (template: string, f: Fill): string =>
  path.normalize(
    template
      .replaceAll('<app>', f.app)
      .replace('<root>', f.root ?? '<root>')
      .replace(/^~\/\.config(?=\/|$)/, f.configHome ?? '~/.config')
      .replace(/^~\/\.local\/state(?=\/|$)/, f.stateHome ?? '~/.local/state'),
  );

/** Where units, state and Caddy files go when bg.yml does not say. */
export function scopePaths(scope: Scope, app: string, env: NodeJS.ProcessEnv, homedir: string): ScopePaths {
  const f: Fill =
    scope === 'system'
      ? { app }
      : {
          app,
          configHome: xdg(env, 'XDG_CONFIG_HOME', path.join(homedir, '.config')),
          stateHome: xdg(env, 'XDG_STATE_HOME', path.join(homedir, '.local/state')),
        };
  const at = (d: ScopedDefault) => fillDefault(d[scope], f);
  const s = SCOPE_DEFAULTS;
  return { unitDir: at(s.unitDir), stateDir: at(s.stateDir), caddyfile: at(s.caddyfile), upstreamFile: at(s.upstreamFile) };
}

/** Where only root can write in system scope (0640 root:<user>, made by setup); the app's own tree in user scope. */
export const defaultEnvFile = (scope: Scope, app: string, root: string): string =>
  fillDefault(SCOPE_DEFAULTS.envFile[scope], { app, root });

/** The root-owned directory of system scope's env files. */
export const SYSTEM_ENV_DIR = path.dirname(SCOPE_DEFAULTS.envFile.system);

/** The env file's default before it moved out of `shared/`: a host set up then still has it there. */
export const oldEnvFile = (root: string): string => `${root}/shared/.env`;
