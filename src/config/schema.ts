// Validates a parsed bg.yml against the key table (keys.ts): each block is a strict mapping (an unknown
// key is named, with the near one and the keys allowed there), each key runs its check. Every problem
// is collected, as `<key.path>: <what is wrong>; allowed: …`, so the user fixes them in one pass.
import type { Block, FileOf, Key, List, Node } from './key-types.js';
import { KEYS } from './keys.js';
import { got } from './rules.js';

export type ConfigFile = FileOf<typeof KEYS>;

type Path = readonly (string | number)[];
type Walked = { value: unknown; problems: string[] };

/** The validated file (checks applied: durations in ms, sizes in bytes, paths normalized), or every problem. */
export function validateFile(raw: Record<string, unknown>): { ok: ConfigFile } | { problems: string[] } {
  const { value, problems } = walkBlock({ kind: 'block', keys: KEYS, required: true }, raw, []);
  return problems.length === 0 ? { ok: value as ConfigFile } : { problems };
}

const keyPath = (segments: Path): string =>
  segments.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '') || '(top level)';

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function walk(node: Node, v: unknown, at: Path): Walked {
  if (node.kind === 'block') return walkBlock(node, v, at);
  if (node.kind === 'list') return walkList(node, v, at);
  return walkKey(node, v, at);
}

function walkKey(node: Key, v: unknown, at: Path): Walked {
  if (v === undefined)
    return node.required === undefined
      ? { value: undefined, problems: [] }
      : { value: undefined, problems: [`${keyPath(at)}: is required; allowed: ${node.required}`] };
  const r = node.check(v);
  return 'ok' in r ? { value: r.ok, problems: [] } : { value: undefined, problems: [`${keyPath(at)}: ${r.bad}`] };
}

function walkList(node: List, v: unknown, at: Path): Walked {
  if (v === undefined) return { value: undefined, problems: [] };
  if (!Array.isArray(v)) return { value: undefined, problems: [`${keyPath(at)}: must be ${node.listOf} (got ${got(v)})`] };
  const items = v.map((x, i) => walk(node.items, x, [...at, i]));
  return { value: items.map((x) => x.value), problems: items.flatMap((x) => x.problems) };
}

function walkBlock(node: Block, v: unknown, at: Path): Walked {
  const names = Object.keys(node.keys);
  const allowed = names.join(', ');
  if (v === undefined) {
    return { value: undefined, problems: node.required ? [`${keyPath(at)}: is required; allowed: a mapping with keys ${allowed}`] : [] };
  }
  if (!isMapping(v)) return { value: undefined, problems: [`${keyPath(at)}: must be a mapping with keys ${allowed} (got ${got(v)})`] };
  const value: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of names) {
    const r = walk(node.keys[name], v[name], [...at, name]);
    if (r.value !== undefined) value[name] = r.value;
    problems.push(...r.problems);
  }
  for (const name of Object.keys(v).filter((k) => !names.includes(k))) {
    const near = names.find((a) => editDistance(a, name) <= 2);
    problems.push(`${keyPath([...at, name])}: unknown key${near ? ` (did you mean ${near}?)` : ''}; allowed: ${allowed}`);
  }
  return { value, problems };
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
