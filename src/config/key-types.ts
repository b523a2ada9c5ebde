// The shapes of the key table (keys.ts): a key, a list, a block of keys. Plain data plus each key's
// check; the validator (schema.ts), the defaults (defaults.ts), `bg init` (init-template.ts) and the
// README's key table (key-docs.ts) all read them.
import type { Check } from './rules.js';
import type { ScopedDefault } from './scope-paths.js';

/** A value as written in bg.yml. */
export type YamlValue = string | number | boolean | string[];

interface Documented {
  /** The README's "meaning" cell. */
  doc: string;
  /** The comment `bg init` writes after the key. */
  hint: string;
  /** The value bg uses when the key is absent, as a user would write it (the key's check resolves it). */
  default?: YamlValue | ScopedDefault;
  /** The README's "default" cell when there is no plain default (derived from other keys, or none). */
  defaultDoc?: string;
  /** What `bg init` shows for a key without a default (`<app>` is the app's name). */
  example?: string;
}

export interface Key<T = unknown> extends Documented {
  kind: 'key';
  check: Check<T>;
  /** Set when the key must be present: what is allowed, for "is required; allowed: …". */
  required?: string;
}

export interface List<I extends Key | Block = Key | Block> extends Documented {
  kind: 'list';
  items: I;
  /** "must be <listOf> (got …)" when the value is not a list. */
  listOf: string;
}

export type Shape = { readonly [name: string]: Node };

export interface Block<S extends Shape = Shape> {
  kind: 'block';
  keys: S;
  required?: true;
  /** The comment `bg init` writes after the block's name. */
  hint?: string;
}

export type Node = Key | List | Block;

// The shape of a validated bg.yml, read off the table: required keys are present, others optional.
type ValueOf<N> = N extends Key<infer T> ? T : N extends List<infer I> ? ValueOf<I>[] : N extends Block<infer S> ? FileOf<S> : never;
type RequiredNames<S extends Shape> = { [K in keyof S]: S[K] extends { required: string | true } ? K : never }[keyof S];
export type FileOf<S extends Shape> = { -readonly [K in RequiredNames<S>]: ValueOf<S[K]> } & {
  -readonly [K in Exclude<keyof S, RequiredNames<S>>]?: ValueOf<S[K]>;
};

type KeyRow<T> = Omit<Key<T>, 'kind' | 'check' | 'required'>;
type ListRow = Omit<List, 'kind' | 'items' | 'listOf'>;

/** An optional key. */
export const key = <T>(check: Check<T>, row: KeyRow<T>): Key<T> => ({ kind: 'key', check, ...row });
/** A key that must be present; `allowed` completes "is required; allowed: …". */
export const requiredKey = <T>(allowed: string, check: Check<T>, row: KeyRow<T>): Key<T> & { required: string } => ({
  kind: 'key',
  check,
  required: allowed,
  ...row,
});
export const list = <I extends Key | Block>(items: I, listOf: string, row: ListRow): List<I> => ({ kind: 'list', items, listOf, ...row });
export const block = <S extends Shape>(keys: S, hint?: string): Block<S> => ({ kind: 'block', keys, ...(hint !== undefined && { hint }) });
export const requiredBlock = <S extends Shape>(keys: S, hint?: string): Block<S> & { required: true } => ({
  kind: 'block',
  keys,
  required: true,
  ...(hint !== undefined && { hint }),
});

/** A documented key: a key or a list (a list's items are documented by its row). */
export interface KeyRowAt {
  path: string;
  node: Key | List;
  /** Required inside an optional block (`celery.app`). */
  requiredInBlock: boolean;
}

/** Every documented key with its dotted path, in the table's order. */
export function keyRows(shape: Shape, prefix = '', optionalAbove = false): KeyRowAt[] {
  return Object.entries(shape).flatMap(([name, node]): KeyRowAt[] => {
    const path = prefix ? `${prefix}.${name}` : name;
    if (node.kind === 'block') return keyRows(node.keys, path, optionalAbove || !node.required);
    return [{ path, node, requiredInBlock: optionalAbove && node.kind === 'key' && node.required !== undefined }];
  });
}

/** The dotted paths of every block (mapping) in the table. */
export function blockPaths(shape: Shape, prefix = ''): string[] {
  return Object.entries(shape).flatMap(([name, node]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    return node.kind === 'block' ? [path, ...blockPaths(node.keys, path)] : [];
  });
}

/** The node at a dotted path. */
export function nodeAt(shape: Shape, path: string): Node | undefined {
  const [head, ...rest] = path.split('.');
  const node = shape[head];
  if (!node || rest.length === 0) return node;
  return node.kind === 'block' ? nodeAt(node.keys, rest.join('.')) : undefined;
}

export const isScoped = (d: Documented['default']): d is ScopedDefault => typeof d === 'object' && d !== null && !Array.isArray(d);
