// What a shared Caddy serves, read from its JSON config and from the Caddyfiles on disk: which
// sites there are and which app owns each (the `vars bg_app` mark), which file Caddy's unit runs,
// and whose file a Caddy error is about. Pure.

/** One site of a running or adapted config: "<listen> <host>" (host `*` when it matches any). */
export interface Site {
  key: string;
  apps: string[]; // the bg_app marks in its routes; [] for a site bg does not manage
}

export function sitesOf(configJson: string): Site[] {
  let cfg: { apps?: { http?: { servers?: Record<string, { listen?: unknown; routes?: unknown }> } } } | null;
  try {
    cfg = JSON.parse(configJson);
  } catch {
    return [];
  }
  const sites = new Map<string, Set<string>>();
  for (const server of Object.values(cfg?.apps?.http?.servers ?? {})) {
    const listen = Array.isArray(server?.listen) ? (server.listen as unknown[]).filter((l): l is string => typeof l === 'string') : [];
    for (const route of Array.isArray(server?.routes) ? (server.routes as unknown[]) : []) {
      const hosts = hostsOf(route);
      const apps = marksIn(route);
      for (const l of listen) {
        for (const h of hosts.length ? hosts : ['*']) {
          const key = `${l} ${h}`;
          const set = sites.get(key) ?? new Set<string>();
          for (const a of apps) set.add(a);
          sites.set(key, set);
        }
      }
    }
  }
  return [...sites].map(([key, apps]) => ({ key, apps: [...apps].sort() }));
}

/**
 * The sites Caddy runs now that `next` would no longer serve, except this app's own (its address
 * may have changed in bg.yml); an app whose mark disappears counts too. Empty: `next` keeps them all.
 */
export function droppedSites(running: string, next: string, app: string): Site[] {
  const after = sitesOf(next);
  const keys = new Set(after.map((s) => s.key));
  const appsAfter = new Set(after.flatMap((s) => s.apps));
  const mine = (s: Site) => s.apps.length > 0 && s.apps.every((a) => a === app);
  return sitesOf(running).filter((s) => !mine(s) && (!keys.has(s.key) || s.apps.some((a) => a !== app && !appsAfter.has(a))));
}

const address = (key: string) => {
  const [listen, host] = key.split(' ');
  return host === '*' ? listen : `${host} on ${listen}`;
};
export const describeSite = (s: Site) =>
  s.apps.length ? `${s.apps.join(', ')}'s site ${address(s.key)}` : `${address(s.key)} (a site bg does not manage)`;

function hostsOf(route: unknown): string[] {
  const match = (route as { match?: unknown })?.match;
  if (!Array.isArray(match)) return [];
  return match.flatMap((m) =>
    Array.isArray((m as { host?: unknown })?.host)
      ? ((m as { host: unknown[] }).host.filter((h) => typeof h === 'string') as string[])
      : [],
  );
}

function marksIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) marksIn(n, out);
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.handler === 'vars' && typeof o.bg_app === 'string') out.push(o.bg_app);
    for (const v of Object.values(o)) marksIn(v, out);
  }
  return out;
}

/** The app a site file belongs to: bg writes its name in the file's first line. */
export function siteFileApp(text: string): string | undefined {
  return /^# Rendered by bg from templates\/site\.caddy\.ejs for ([^;\s]+);/.exec(text)?.[1];
}

/** The absolute paths a Caddyfile imports by exact name (not globs, not snippets). */
export function importedFiles(text: string): string[] {
  return [...text.matchAll(/^\s*import\s+(\/\S+)/gm)].map((m) => m[1]).filter((p) => !/[*?[]/.test(p));
}

export interface Blamed {
  path: string;
  app?: string; // the bg app whose file it is; undefined: the operator's file
}

/**
 * Whose file a Caddy adapt error is about. Caddy names the file and line of a parse error
 * ("/etc/caddy/blog.caddy:3 - Error during parsing: ..."; "Caddyfile:N" is the main file, posted as
 * text), but not the files of a clash ("ambiguous site definition: :8090"): those are the files
 * declaring that address. `files`: the main Caddyfile and what it imports.
 */
export function blame(error: string, mainPath: string, files: Array<{ path: string; text: string }>): Blamed[] {
  const appOf = (path: string) => {
    const f = files.find((x) => x.path === path);
    return f ? siteFileApp(f.text) : undefined;
  };
  const clash = /ambiguous site definition: (\S+)/.exec(error);
  if (clash) {
    const found = files
      .filter((f) => f.path !== mainPath && siteAddresses(f.text).includes(clash[1]))
      .map((f) => ({ path: f.path, app: siteFileApp(f.text) }));
    const inMain = siteAddresses(files.find((f) => f.path === mainPath)?.text ?? '').includes(clash[1]);
    return inMain ? [{ path: mainPath }, ...found] : found;
  }
  const at = /(\/[^\s:,]+):\d+\b/.exec(error);
  if (at) return [{ path: at[1], app: appOf(at[1]) }];
  if (/\bCaddyfile:\d+/.test(error)) return [{ path: mainPath }];
  return [];
}

export const describeBlamed = (b: Blamed) => (b.app ? `${b.path} (${b.app}'s site)` : b.path);

/** The addresses of a Caddyfile's top-level site blocks (not the global options block). */
export function siteAddresses(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (depth === 0) {
      const m = /^([^{}]+?)\s*\{$/.exec(line);
      if (m && !/^(import|\(|@)/.test(m[1])) out.push(...m[1].split(/[\s,]+/).filter(Boolean));
    }
    depth += (line.match(/\{/g)?.length ?? 0) - (line.match(/\}/g)?.length ?? 0);
  }
  return out;
}

/** What Caddy's unit runs: the config file (absolute) and its adapter, from the unit's ExecStart. */
export interface CaddyCommand {
  config?: string; // undefined: no --config (Caddy then loads what it saved last, or ./Caddyfile)
  caddyfile: boolean; // adapted as a Caddyfile (--adapter caddyfile, or a file named Caddyfile*)
  resume: boolean; // --resume: Caddy starts from its autosaved config, not the file
}

export function caddyCommand(argv: string[], workingDirectory?: string): CaddyCommand {
  const value = (flag: string) => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    return argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
  };
  const raw = value('--config') ?? value('-config');
  const dir = (workingDirectory ?? '/').replace(/^[-!+]+/, '') || '/';
  const config = raw === undefined ? undefined : raw.startsWith('/') ? raw : `${dir.replace(/\/$/, '')}/${raw.replace(/^\.\//, '')}`;
  const adapter = value('--adapter') ?? value('-adapter');
  const named = config !== undefined && /^Caddyfile/.test(config.slice(config.lastIndexOf('/') + 1));
  return { config, caddyfile: adapter === 'caddyfile' || (adapter === undefined && named), resume: argv.includes('--resume') };
}

/**
 * The Caddyfile text with relative file imports made absolute: text sent to Caddy's admin API has no
 * file name, so Caddy would resolve them against its own working directory, not the file's.
 * Snippet imports (a bare name) stay as they are.
 */
export function absoluteImports(text: string, caddyfilePath: string): string {
  const dir = caddyfilePath.slice(0, caddyfilePath.lastIndexOf('/')) || '/';
  return text.replace(/^(\s*import\s+)(\S+)/gm, (all, head: string, arg: string) =>
    arg.startsWith('/') || !/[/.*]/.test(arg) || arg.startsWith('{') ? all : `${head}${dir}/${arg}`,
  );
}
