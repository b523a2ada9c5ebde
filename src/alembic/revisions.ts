// What an Alembic app's revision files say (as the reader in src/render/argv/alembic.ts prints it),
// what `<command> current` says, and the revision graph between them. Pure.

export interface AlembicOp {
  op: string; // the op.* (or batch_op.*) method called in upgrade()
  table: string; // '?' when not a literal
  line: number;
  column?: string | { name: string; notNull: boolean; serverDefault: boolean }; // add_column: the sa.Column
  notNull?: boolean; // alter_column(nullable=False)
  newName?: string | null; // alter_column(new_column_name=), rename_table's new name
  typeChange?: boolean; // alter_column(type_=)
}

export interface Revision {
  file: string;
  revision: string;
  down: string[]; // the revisions it follows (none: the first)
  ops: AlembicOp[] | null; // null: the file has no upgrade()
}

/** The most the reader may print: what root parses is bounded. */
export const MAX_READER_OUTPUT = 4 * 1024 * 1024;

/** The reader's line: revisions per project dir. Throws on anything else. */
export function parseRevisions(output: string, mark: string): Record<string, Revision[]> {
  if (output.length > MAX_READER_OUTPUT)
    throw new Error(`the revision reader printed ${output.length} bytes, more than ${MAX_READER_OUTPUT}`);
  const line = output.split('\n').find((l) => l.startsWith(mark));
  if (!line) throw new Error('the revision reader printed no result');
  const data: unknown = JSON.parse(line.slice(mark.length));
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error('the revision reader printed no result');
  const out: Record<string, Revision[]> = {};
  for (const [dir, revs] of Object.entries(data as Record<string, unknown>)) {
    if (!Array.isArray(revs)) throw new Error(`no revision list for ${dir}`);
    out[dir] = revs.map(revisionOf);
  }
  return out;
}

function revisionOf(x: unknown): Revision {
  const r = x as Partial<Revision> | null;
  if (!r || typeof r.file !== 'string') throw new Error('a revision without a file');
  if (typeof r.revision !== 'string' || !r.revision) throw new Error(`${r.file} sets no revision`);
  const down = Array.isArray(r.down) ? r.down.filter((d): d is string => typeof d === 'string') : [];
  const ops = Array.isArray(r.ops) ? r.ops.filter((o): o is AlembicOp => !!o && typeof o.op === 'string') : null;
  return { file: r.file, revision: r.revision, down, ops };
}

const REVISION_LINE = /^([0-9A-Za-z_]+)((?: \((?:head|effective head|mergepoint|branchpoint)\))*)\s*$/;

/** The revisions `<command> current` names (none: an empty database). Log lines are skipped. */
export function parseCurrent(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split('\n')) {
    const m = REVISION_LINE.exec(line.trim());
    if (m) out.push(m[1]!);
  }
  return out;
}

/** The revisions no other follows. */
export const heads = (revs: Revision[]): string[] => revs.map((r) => r.revision).filter((id) => !revs.some((r) => r.down.includes(id)));

/** `ids` and every revision they follow, in `revs`. */
export function ancestry(revs: Revision[], ids: string[]): Set<string> {
  const by = new Map(revs.map((r) => [r.revision, r]));
  const seen = new Set<string>();
  const todo = [...ids];
  while (todo.length) {
    const id = todo.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    todo.push(...(by.get(id)?.down ?? []));
  }
  return seen;
}

/** What `upgrade` to the heads applies from `current`, in the order it applies them. */
export function pending(revs: Revision[], current: string[]): Revision[] {
  const applied = ancestry(revs, current);
  const todo = revs.filter((r) => !applied.has(r.revision));
  const out: Revision[] = [];
  const done = new Set(applied);
  while (todo.length) {
    const i = todo.findIndex((r) => r.down.every((d) => done.has(d) || !revs.some((x) => x.revision === d)));
    const [next] = todo.splice(Math.max(i, 0), 1);
    out.push(next!);
    done.add(next!.revision);
  }
  return out;
}

/** The applied revisions (`current` and what it follows, in the newer files) that `known` does not have, newest first. */
export function unknownApplied(newer: Revision[], known: Revision[], current: string[]): Revision[] {
  const have = new Set(known.map((r) => r.revision));
  const applied = ancestry(newer, current);
  return pending(newer, [])
    .filter((r) => applied.has(r.revision) && !have.has(r.revision))
    .reverse();
}
