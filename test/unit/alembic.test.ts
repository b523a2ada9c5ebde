import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { judge } from '../../src/alembic/judge.js';
import {
  heads,
  MAX_READER_OUTPUT,
  parseCurrent,
  parseRevisions,
  pending,
  type Revision,
  unknownApplied,
} from '../../src/alembic/revisions.js';
import { sqliteDatabase } from '../../src/alembic/sqlite-url.js';
import { alembicIni, REVISIONS_MARK, revisionsLine } from '../../src/render/argv/alembic.js';

// The revision reader run for real (Debian's Python, `sh -c` as bg runs it) on revision files
// written the way Alembic and Flask-Migrate render them.
const HEADER = (rev: string, down: string) =>
  `"""x\n\nRevision ID: ${rev}\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = '${rev}'\ndown_revision = ${down}\n`;

function project(files: Record<string, string>, ini = 'migrations/alembic.ini'): string {
  const dir = mkdtempSync(`${tmpdir()}/bg-alembic-`);
  mkdirSync(`${dir}/migrations/versions`, { recursive: true });
  writeFileSync(`${dir}/${ini}`, '[alembic]\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(`${dir}/migrations/versions/${name}`, text);
  return dir;
}

function read(dir: string, ini = 'migrations/alembic.ini'): Revision[] {
  const out = execFileSync('sh', ['-c', revisionsLine('/usr/bin/python3', ini, [dir])], { cwd: dir, encoding: 'utf8' });
  return parseRevisions(out, REVISIONS_MARK)[dir]!;
}

const INITIAL = `${HEADER('a1', 'None')}\ndef upgrade():\n    op.create_table('note', sa.Column('id', sa.Integer(), nullable=False), sa.Column('text', sa.String(200), nullable=False))\n\ndef downgrade():\n    op.drop_table('note')\n`;

describe('the revision reader (ast, nothing imported)', () => {
  it('reads revision, down_revision and every op of upgrade(), plain and batch, in order', () => {
    const dir = project({
      'a1_initial.py': INITIAL,
      'b2_changes.py': `${HEADER('b2', "'a1'")}
def upgrade():
    op.drop_column('note', 'tag')
    op.add_column('note', sa.Column('n', sa.Integer(), nullable=False))
    op.add_column('note', sa.Column('m', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('note', sa.Column('x', sa.Integer(), nullable=True))
    op.alter_column('note', 'text', new_column_name='body')
    op.alter_column('note', 'text', existing_type=sa.String(), nullable=False)
    op.alter_column('note', 'text', type_=sa.Text())
    op.rename_table('a', 'b')
    op.drop_table('c')
    op.execute("update note set x = 1")
    op.create_index('ix_note_text', 'note', ['text'])
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_column('old')
        batch_op.add_column(sa.Column('z', sa.String(50), nullable=False))
        batch_op.add_column(sa.Column('y', sa.String(50), nullable=True))
        batch_op.alter_column('q', existing_type=sa.INTEGER(), nullable=False)

def downgrade():
    op.drop_column('note', 'never read')
`,
    });
    const revs = read(dir);
    expect(revs.map((r) => [r.revision, r.down])).toEqual([
      ['a1', []],
      ['b2', ['a1']],
    ]);
    expect(revs[1]!.ops!.map((o) => o.op)).toEqual([
      ...['drop_column', 'add_column', 'add_column', 'add_column', 'alter_column', 'alter_column', 'alter_column'],
      ...['rename_table', 'drop_table', 'execute', 'create_index', 'drop_column', 'add_column', 'add_column', 'alter_column'],
    ]);
    expect(judge(revs)).toEqual({
      refused: [
        'b2: drop_column note.tag (the serving code breaks if it still selects it)',
        'b2: add_column note.n NOT NULL without a server_default (every insert by the serving code fails)',
        'b2: alter_column note.text renamed to body (the serving code breaks if it still selects text)',
        'b2: alter_column note.text made NOT NULL (inserts that leave it empty fail)',
        'b2: alter_column note.text type changed (what the serving code writes may be refused)',
        'b2: rename_table a → b (the serving code breaks if it still queries a)',
        'b2: drop_table c (the serving code breaks if it still queries it)',
        'b2: drop_column note.old (the serving code breaks if it still selects it)',
        'b2: add_column note.z NOT NULL without a server_default (every insert by the serving code fails)',
        'b2: alter_column note.q made NOT NULL (inserts that leave it empty fail)',
      ],
      unchecked: ['bg cannot check this: b2 (b2_changes.py line 21: op.execute)'],
    });
  });

  it('passes a nullable column, a new table and an index; reads annotated and merge revisions; follows -c alembic.ini', () => {
    const dir = project(
      {
        'a1_initial.py': INITIAL,
        'c3_merge.py': `"""m"""\nfrom alembic import op\nimport sqlalchemy as sa\nrevision: str = 'c3'\ndown_revision: tuple = ('a1', 'b2')\n\ndef upgrade() -> None:\n    op.add_column('note', sa.Column('tag', sa.String(50)))\n    op.create_table('tag', sa.Column('id', sa.Integer(), primary_key=True))\n    op.create_index('ix', 'note', ['tag'])\n`,
      },
      'alembic.ini',
    );
    writeFileSync(`${dir}/alembic.ini`, '[alembic]\nscript_location = %(here)s/migrations\n');
    const revs = read(dir, alembicIni(['alembic', '-c', 'alembic.ini']));
    expect(revs.find((r) => r.revision === 'c3')?.down).toEqual(['a1', 'b2']);
    expect(judge(revs)).toEqual({ refused: [], unchecked: [] });
  });

  it('names the ini: -c, Flask-Migrate’s, or alembic.ini', () => {
    expect(alembicIni(['flask', 'db'])).toBe('migrations/alembic.ini');
    expect(alembicIni(['/srv/app/.venv/bin/flask', 'db'])).toBe('migrations/alembic.ini');
    expect(alembicIni(['alembic', '-c', 'db/alembic.ini'])).toBe('db/alembic.ini');
    expect(alembicIni(['alembic'])).toBe('alembic.ini');
  });
});

const rev = (revision: string, down: string[] = [], ops: Revision['ops'] = []): Revision => ({
  file: `${revision}.py`,
  revision,
  down,
  ops,
});

describe('the revision graph', () => {
  const chain = [rev('c', ['b']), rev('a'), rev('b', ['a']), rev('d', ['c'])];

  it('pending: what upgrade applies from the current revision, in order', () => {
    expect(pending(chain, []).map((r) => r.revision)).toEqual(['a', 'b', 'c', 'd']);
    expect(pending(chain, ['b']).map((r) => r.revision)).toEqual(['c', 'd']);
    expect(pending(chain, ['d'])).toEqual([]);
    expect(heads(chain)).toEqual(['d']);
  });

  it('unknownApplied: what the database has that an older release does not know, newest first', () => {
    expect(unknownApplied(chain, chain.slice(1, 3), ['d']).map((r) => r.revision)).toEqual(['d', 'c']);
    expect(unknownApplied(chain, chain, ['d'])).toEqual([]);
  });

  it('reads `current` among log lines; an empty database has none', () => {
    const out =
      'INFO  [alembic.runtime.migration] Context impl SQLiteImpl.\nINFO  [alembic.runtime.migration] Will assume non-transactional DDL.\n48f7e8d113b3 (head)\n';
    expect(parseCurrent(out)).toEqual(['48f7e8d113b3']);
    expect(parseCurrent('INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.\n')).toEqual([]);
    expect(parseCurrent('a1b2\n')).toEqual(['a1b2']);
  });

  it('refuses a reader output too large, without its mark, or not JSON', () => {
    expect(() => parseRevisions('x'.repeat(MAX_READER_OUTPUT + 1), REVISIONS_MARK)).toThrow(/more than/);
    expect(() => parseRevisions('Traceback ...\n', REVISIONS_MARK)).toThrow(/no result/);
    expect(() => parseRevisions(`${REVISIONS_MARK}{"d": [{"file": "x.py"}]}`, REVISIONS_MARK)).toThrow(/x.py sets no revision/);
  });
});

describe('the SQLite database of an env file', () => {
  it('finds the sqlite URL and its variable; none for PostgreSQL', () => {
    expect(sqliteDatabase('SECRET=x\nDATABASE_URL=sqlite:////srv/app/shared/app.sqlite3\n', '/p')).toEqual({
      variable: 'DATABASE_URL',
      scheme: 'sqlite',
      query: '',
      path: '/srv/app/shared/app.sqlite3',
    });
    expect(sqliteDatabase('export DB="sqlite+aiosqlite:///db.sqlite3?timeout=30"\n', '/p')).toEqual({
      variable: 'DB',
      scheme: 'sqlite+aiosqlite',
      query: '?timeout=30',
      path: '/p/db.sqlite3',
      instancePath: '/p/instance/db.sqlite3',
    });
    expect(sqliteDatabase('DATABASE_URL=postgresql://u@127.0.0.1:5432/app\n', '/p')).toBeUndefined();
  });
});
