import type { AlembicOp, Revision } from './revisions.js';

// What the code serving while a revision is applied cannot live with: its own queries name what was
// dropped or renamed, its inserts do not fill a new NOT NULL column without a server default (Alembic
// keeps Python-side defaults out of the database), and a type change or a NOT NULL can refuse what
// it writes. Pure.

export interface Judgement {
  refused: string[]; // "<revision>: <what> (why)", one per operation
  unchecked: string[]; // "bg cannot check this: <revision> (<file>: op.execute)"
}

const col = (o: AlembicOp) => (typeof o.column === 'string' ? o.column : (o.column?.name ?? '?'));

/** Why `o` breaks the code serving meanwhile, or undefined when it does not. */
export function breaks(o: AlembicOp): string | undefined {
  switch (o.op) {
    case 'drop_column':
      return `drop_column ${o.table}.${col(o)} (the serving code breaks if it still selects it)`;
    case 'drop_table':
      return `drop_table ${o.table} (the serving code breaks if it still queries it)`;
    case 'rename_table':
      return `rename_table ${o.table} → ${o.newName ?? '?'} (the serving code breaks if it still queries ${o.table})`;
    case 'add_column': {
      const c = typeof o.column === 'object' ? o.column : undefined;
      if (c?.notNull && !c.serverDefault)
        return `add_column ${o.table}.${c.name} NOT NULL without a server_default (every insert by the serving code fails)`;
      return undefined;
    }
    case 'alter_column': {
      const what: string[] = [];
      if (o.newName) what.push(`renamed to ${o.newName} (the serving code breaks if it still selects ${col(o)})`);
      if (o.notNull) what.push('made NOT NULL (inserts that leave it empty fail)');
      if (o.typeChange) what.push('type changed (what the serving code writes may be refused)');
      return what.length ? `alter_column ${o.table}.${col(o)} ${what.join(', ')}` : undefined;
    }
    default:
      return undefined;
  }
}

export function judge(revs: Revision[]): Judgement {
  const refused: string[] = [];
  const unchecked: string[] = [];
  for (const r of revs) {
    for (const o of r.ops ?? []) {
      const why = breaks(o);
      if (why) refused.push(`${r.revision}: ${why}`);
      if (o.op === 'execute') unchecked.push(`bg cannot check this: ${r.revision} (${r.file} line ${o.line}: op.execute)`);
    }
  }
  return { refused, unchecked };
}
