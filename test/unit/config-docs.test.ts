// Every key bg.yml accepts is documented twice: in README.md's configuration table and in the
// commented bg.yml that `bg init` writes. The key list comes from the key table the validator walks,
// so a new key fails this test until both places name it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { renderInitConfig } from '../../src/config/init-template.js';
import { KEY_TABLE_START, withKeyTable } from '../../src/config/key-docs.js';
import { blockPaths, isScoped, keyRows } from '../../src/config/key-types.js';
import { KEYS } from '../../src/config/keys.js';
import { parseConfig } from '../../src/config/parse.js';
import { layout, uncommentAll } from '../support/init-project.js';

const KEYS_ACCEPTED = keyRows(KEYS).map((r) => r.path);

/**
 * README's `| key | default | meaning |` table: each row's keys (the backquoted names in its first
 * cell; `.green` after `web.ports.blue` is `web.ports.green`) with the row's whole text.
 */
function readmeRows(readme: string): { keys: string[]; text: string }[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => /^\|\s*key\s*\|\s*default\s*\|\s*meaning\s*\|/.test(l));
  if (start < 0) return [];
  const rows: { keys: string[]; text: string }[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const first = line.split('|')[1] ?? '';
    const keys: string[] = [];
    for (const [, name] of first.matchAll(/`([^`]+)`/g)) {
      const prev = keys.at(-1);
      keys.push(name.startsWith('.') && prev ? prev.replace(/\.[^.]+$/, '') + name : name);
    }
    rows.push({ keys, text: line });
  }
  return rows;
}

/**
 * Whether README documents `key`: a row names it, or a row names its parent mapping and shows the
 * leaf in it (`caddy.static` with `{ path: /static/, dir: staticfiles }`).
 */
function inReadme(rows: { keys: string[]; text: string }[], key: string): boolean {
  const parent = key.replace(/\.[^.]+$/, '');
  const leaf = key.slice(parent.length + 1);
  return rows.some(
    (r) => r.keys.includes(key) || (parent !== key && r.keys.includes(parent) && new RegExp(`[{,]\\s*${leaf}:`).test(r.text)),
  );
}

/** Dotted paths of every key in a parsed YAML document, mappings included. */
function yamlKeys(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    return [key, ...yamlKeys(v, key)];
  });
}

describe('the key table walk', () => {
  it('finds the keys at every depth', () => {
    expect(KEYS_ACCEPTED).toEqual(
      expect.arrayContaining(['app', 'build', 'web.ports.blue', 'web.health.path', 'caddy.static.dir', 'celery.queues']),
    );
    expect(KEYS_ACCEPTED).not.toContain('web.ports');
    expect(KEYS_ACCEPTED).not.toContain('');
  });
});

describe("README's configuration table", () => {
  const rows = readmeRows(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'));

  it('is found', () => {
    expect(rows.length).toBeGreaterThan(10);
  });

  it('documents every key bg.yml accepts', () => {
    expect(KEYS_ACCEPTED.filter((k) => !inReadme(rows, k))).toEqual([]);
  });

  it('documents no key bg.yml refuses', () => {
    const documented = rows.flatMap((r) => r.keys);
    expect(documented.filter((k) => !KEYS_ACCEPTED.includes(k) && !KEYS_ACCEPTED.some((s) => s.startsWith(`${k}.`)))).toEqual([]);
  });
});

describe('the bg.yml that `bg init` writes', () => {
  // django: and alembic: exclude each other: a project is shown the one it can use
  it.each([
    ['a Django project with Celery', layout('/srv/src/shop', { 'manage.py': '', 'shop/wsgi.py': '', 'shop/celery.py': '' }), 'alembic.'],
    ['a Flask project', layout('/srv/src/blog', { 'app.py': 'app = Flask(__name__)\n' }), 'django.'],
    ['no recognisable project', layout('/tmp/empty', {}), 'alembic.'],
  ])('shows every key bg.yml accepts, live or commented out, for %s', (_, project, other) => {
    const shown = new Set(yamlKeys(parseYaml(uncommentAll(renderInitConfig(project)))));
    expect(KEYS_ACCEPTED.filter((k) => !shown.has(k) && !k.startsWith(other))).toEqual([]);
  });
});

describe('the key table', () => {
  const rows = keyRows(KEYS);
  // every block present, so each key can be set alone
  const BASE = {
    app: 'shop',
    repo: '/srv/git/shop.git',
    root: '/srv/shop',
    web: { wsgi: 'shop.wsgi:application', ports: { blue: 8000, green: 8100 } },
    caddy: { site: ':8080', static: {} },
    celery: { app: 'shop' },
    venv: {},
    hooks: {},
    django: {},
  };
  const parse = (doc: object) =>
    parseConfig(stringifyYaml(doc), { configPath: '/etc/bg/bg.yml', scope: 'system', env: {}, homedir: '/home/op' });
  const withKey = (path: string, value: unknown) => {
    const doc = structuredClone(BASE) as Record<string, unknown>;
    const names = path.split('.');
    let at = doc;
    for (const n of names.slice(0, -1)) {
      at[n] ??= {};
      at = at[n] as Record<string, unknown>;
    }
    at[names.at(-1)!] = value;
    return doc;
  };
  const shownValue = (row: (typeof rows)[number]) => {
    const d = row.node.default;
    if (d !== undefined) return isScoped(d) ? d.system.replaceAll('<app>', 'shop') : d;
    const example = row.node.example?.replaceAll('<app>', 'shop');
    return example === undefined ? undefined : parseYaml(example);
  };

  it('gives every key a README text and a default or an example', () => {
    const missing = rows.filter((r) => !r.node.doc || (r.node.default === undefined && r.node.example === undefined));
    expect(missing.map((r) => r.path)).toEqual([]);
  });

  // keys that are refused without another one
  const NEEDS: Record<string, object> = { celery_host: { hosts: [{ name: 'web1', ssh: 'web1', config: '/etc/bg/shop.yml' }] } };
  // keys that are refused beside another one
  const WITHOUT: Record<string, string> = { 'alembic.command': 'django' };

  it.each(rows.map((r) => [r.path, r] as const))('accepts %s at its default or example', (path, row) => {
    const value = shownValue(row);
    const doc: Record<string, unknown> = {
      ...withKey(path, row.node.kind === 'list' && !Array.isArray(value) ? [value] : value),
      ...NEEDS[path],
    };
    if (WITHOUT[path]) delete doc[WITHOUT[path]];
    expect(() => parse(doc)).not.toThrow();
  });

  it.each(rows.filter((r) => r.node.default !== undefined).map((r) => [r.path, r] as const))(
    '%s set to its default changes nothing',
    (path, row) => {
      const { envFileSet: _, ...without } = parse(BASE);
      const { envFileSet: __, ...withDefault } = parse(withKey(path, shownValue(row)));
      expect(withDefault).toEqual(without);
    },
  );

  it.each(['', ...blockPaths(KEYS)])('refuses a key outside the table in %j', (block) => {
    const path = block ? `${block}.not_a_key` : 'not_a_key';
    expect(() => parse(withKey(path, 1))).toThrow(`${path}: unknown key`);
  });
});

describe("README's configuration table is the one the key table makes", () => {
  it('(run `npm run docs:keys` after changing src/config/keys.ts)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(KEY_TABLE_START);
    expect(withKeyTable(readme)).toBe(readme);
  });
});

describe('`bg init` shows each key at its default', () => {
  it.each([
    ['a Django project with Celery', layout('/srv/src/shop', { 'manage.py': '', 'shop/wsgi.py': '', 'shop/celery.py': '' })],
    ['no recognisable project', layout('/tmp/empty', {})],
  ])('for %s', (_, project) => {
    const shown = parseYaml(uncommentAll(renderInitConfig(project)));
    const at = (path: string) => path.split('.').reduce<unknown>((v, n) => (v as Record<string, unknown> | undefined)?.[n], shown);
    // build and release show example commands instead; init writes venv: for Debian's packages
    // (system_site_packages: true, the requirement files the project has), as the README's example
    const OWN = ['build', 'release', 'venv.requirements', 'venv.system_site_packages'];
    const withDefault = keyRows(KEYS).filter((r) => r.node.default !== undefined && !OWN.includes(r.path));
    expect(withDefault.map((r) => [r.path, at(r.path)])).toEqual(
      withDefault.map((r) => [r.path, isScoped(r.node.default) ? r.node.default.system.replaceAll('<app>', shown.app) : r.node.default]),
    );
  });
});
