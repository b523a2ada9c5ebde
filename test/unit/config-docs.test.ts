// Every key bg.yml accepts is documented twice: in README.md's configuration table and in the
// commented bg.yml that `bg init` writes. The key list comes from the key table the validator walks,
// so a new key fails this test until both places name it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderInitConfig } from '../../src/config/init-template.js';
import { keyRows } from '../../src/config/key-types.js';
import { KEYS } from '../../src/config/keys.js';
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
  return rows.some((r) => r.keys.includes(key) || (parent !== key && r.keys.includes(parent) && new RegExp(`[{,]\\s*${leaf}:`).test(r.text)));
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
    expect(KEYS_ACCEPTED).toEqual(expect.arrayContaining(['app', 'build', 'web.ports.blue', 'web.health.path', 'caddy.static.dir', 'celery.queues']));
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
  it.each([
    ['a Django project with Celery', layout('/srv/src/shop', { 'manage.py': '', 'shop/wsgi.py': '', 'shop/celery.py': '' })],
    ['a Flask project', layout('/srv/src/blog', { 'app.py': 'app = Flask(__name__)\n' })],
    ['no recognisable project', layout('/tmp/empty', {})],
  ])('shows every key bg.yml accepts, live or commented out, for %s', (_, project) => {
    const shown = new Set(yamlKeys(parseYaml(uncommentAll(renderInitConfig(project)))));
    expect(KEYS_ACCEPTED.filter((k) => !shown.has(k))).toEqual([]);
  });
});
