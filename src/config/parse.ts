// bg.yml text → Config: parse YAML, validate (schema.ts), fill defaults (defaults.ts). Every
// problem is collected into one ConfigError so the user fixes them in one pass. Loaded only when
// load.ts has no cached result for the file (docs/measurements.md).
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../errors.js';
import { applyDefaults } from './defaults.js';
import { presentUnits } from './names.js';
import { sharedPath, sharedPathProblems } from './rules.js';
import { validateFile } from './schema.js';
import { COLORS, type Config, type Scope } from './types.js';

export interface ParseOptions {
  configPath: string;
  scope: Scope;
  env?: NodeJS.ProcessEnv;
  homedir?: string;
}

/** Pure: the text of a bg.yml → the resolved Config, or a ConfigError listing every problem. */
export function parseConfig(text: string, opts: ParseOptions): Config {
  const raw = parseYaml(text, opts.configPath);
  const parsed = validateFile(raw);
  const problems = [...('problems' in parsed ? parsed.problems : []), ...crossProblems(raw)];
  if (!('ok' in parsed) || problems.length > 0) {
    const n = problems.length;
    throw new ConfigError(`Invalid config ${opts.configPath}: ${n} problem${n === 1 ? '' : 's'}\n  ${problems.join('\n  ')}`, {
      next: `Fix ${n === 1 ? 'this key' : 'these keys'} in ${opts.configPath}, then run the command again.`,
    });
  }
  const env = opts.env ?? process.env;
  return applyDefaults(parsed.ok, {
    configPath: path.resolve(opts.configPath),
    scope: opts.scope,
    env,
    homedir: opts.homedir ?? env.HOME ?? os.homedir(),
  });
}

function parseYaml(text: string, configPath: string): Record<string, unknown> {
  // merge: `<<: *base` merges a mapping in (YAML 1.1 merge keys), as Compose files and CI configs use them
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    const where = pos ? `${configPath}:${pos.line}:${pos.col}` : configPath;
    const what = e.message.split(' at line ')[0];
    throw new ConfigError(`YAML syntax error at ${where}: ${what}`, {
      next: `Fix the YAML at line ${pos?.line ?? '?'} of ${configPath}.`,
      detail: doc.errors.map((x) => x.message.trimEnd()).join('\n\n'),
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // the yaml library refuses aliases that expand without bound (a "billion laughs" file)
    throw new ConfigError(`Config ${configPath} cannot be read: ${(e as Error).message}.`, {
      code: 'config',
      next: `Write ${configPath} without YAML aliases (*name) that expand into each other.`,
    });
  }
  if (value === null || value === undefined) {
    throw new ConfigError(`Config ${configPath} is empty`, { next: 'Write one with `bluegreen init`.' });
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`Config ${configPath} must be a YAML mapping of keys (app, repo, root, web, caddy, ...)`, {
      next: 'Start from the file `bluegreen init` writes.',
    });
  }
  return withoutNulls(value as Record<string, unknown>);
}

// `key:` with nothing after it (YAML null) means "not set", e.g. a celery block whose keys are
// all commented out.
function withoutNulls(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    out[k] = x && typeof x === 'object' && !Array.isArray(x) ? withoutNulls(x as Record<string, unknown>) : x;
  }
  return out;
}

// Rules that span keys. They read the raw document and only judge values that are well-typed,
// so they add to (never replace) the per-key problems.
function crossProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const ports = obj(obj(raw.web).ports);
  const { blue, green } = ports;
  if (typeof blue === 'number' && blue === green) {
    problems.push(`web.ports: blue and green must differ (both ${blue}); allowed: two different ports`);
  }
  const colorOf = (p: number) => (p === blue ? 'blue' : p === green ? 'green' : undefined);
  const caddy = obj(raw.caddy);
  for (const key of ['site', 'admin'] as const) {
    const m = typeof caddy[key] === 'string' ? /:(\d+)$/.exec(caddy[key] as string) : null;
    const color = m ? colorOf(Number(m[1])) : undefined;
    if (color) problems.push(`caddy.${key}: port ${m![1]} is also web.ports.${color}; allowed: a port neither color uses`);
  }
  const hosts = Array.isArray(raw.hosts) ? raw.hosts.map(obj) : undefined;
  const names = hosts?.map((h) => h.name).filter((n): n is string => typeof n === 'string') ?? [];
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) problems.push(`hosts: the name ${twice} is used twice; allowed: one entry per host`);
  if (hosts && hosts.length === 0) problems.push('hosts: is empty; allowed: at least one host, or no hosts key for this host only');
  if (typeof raw.celery_host === 'string') {
    if (!hosts) problems.push('celery_host: needs hosts; allowed: the name of one of the hosts');
    else if (!names.includes(raw.celery_host))
      problems.push(`celery_host: ${raw.celery_host} is not one of the hosts (${names.join(', ')}); allowed: one of their names`);
  }
  if (raw.django && raw.alembic)
    problems.push(
      'alembic: cannot go with django: (bg reads one kind of migration); allowed: django: for a Django project, alembic: for Alembic or Flask-Migrate',
    );
  if (typeof raw.legacy_unit === 'string' && typeof raw.app === 'string') {
    const app = raw.app;
    const own = COLORS.flatMap((c) => presentUnits({ app, celery: { beat: true } }, c));
    if (own.includes(raw.legacy_unit)) {
      problems.push(`legacy_unit: ${raw.legacy_unit} is one of bg's own units; allowed: the unit that ran the app before bg`);
    }
  }
  const paths = (v: unknown) => (Array.isArray(v) ? v.map(sharedPath).flatMap((r) => ('ok' in r ? [r.ok] : [])) : []);
  problems.push(...sharedPathProblems(paths(raw.shared_dirs), paths(raw.shared_files)));
  return problems;
}
