// The README's configuration table, made from the key table (keys.ts). `npm run docs:keys` writes it
// between the two markers; test/unit/config-docs.test.ts fails while the README holds another one.
import { isScoped, type KeyRowAt, keyRows } from './key-types.js';
import { KEYS } from './keys.js';

export const KEY_TABLE_START = '<!-- keys:start (made from src/config/keys.ts by `npm run docs:keys`: edit the table there) -->';
export const KEY_TABLE_END = '<!-- keys:end -->';

function defaultCell({ node, requiredInBlock }: KeyRowAt): string {
  if (node.kind === 'key' && node.required) return requiredInBlock ? 'required in the block' : 'required';
  const d = node.default;
  if (d === undefined) return node.defaultDoc ?? 'none';
  if (isScoped(d)) return `\`${d.system}\` (\`--user\`: \`${d.user}\`)`;
  if (Array.isArray(d)) return `\`[${d.join(', ')}]\``;
  return typeof d === 'string' ? `\`${d}\`` : String(d);
}

// A `|` inside a cell would end it.
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The markdown table: one row per key, in the table's order. */
export function renderKeyTable(): string {
  const rows = keyRows(KEYS).map((r) => `| \`${r.path}\` | ${cell(defaultCell(r))} | ${cell(r.node.doc)} |`);
  return ['| key | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The README with its key table section replaced by the one the key table makes. */
export function withKeyTable(readme: string): string {
  const start = readme.indexOf(KEY_TABLE_START);
  const end = readme.indexOf(KEY_TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`README.md has no key table section: put ${KEY_TABLE_START} and ${KEY_TABLE_END} around it`);
  return `${readme.slice(0, start + KEY_TABLE_START.length)}\n${renderKeyTable()}\n${readme.slice(end)}`;
}
